//! End-to-end tests of the `gpu` binary: one test binary (link once, run all).
#![allow(clippy::unwrap_used)]

mod fakes;
mod hyperbolic_fake;
mod runpod_fake;
mod shadeform_fake;
mod sshd;
mod support;

mod boot;
mod catalog;
mod completions;
mod config;
mod ergonomics;
mod find;
mod help;
mod history;
mod hyperbolic_lifecycle;
mod lifecycle;
mod mcp;
mod plugins;
mod providers;
mod public_catalogs;
mod renting;
mod run;
mod runpod_lifecycle;
mod secrets;
mod shadeform_lifecycle;
mod watch;
