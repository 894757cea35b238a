//! End-to-end tests of the `gpu` binary: one test binary (link once, run all).
#![allow(clippy::unwrap_used)]

mod aws_fake;
mod contract;
mod fakes;
#[macro_use]
mod launch_suite;
mod hyperbolic_fake;
mod prime_fake;
mod runpod_fake;
mod shadeform_fake;
mod sshd;
mod support;
mod survive;
mod verda_fake;

mod action;
mod aws_lifecycle;
mod boot;
mod budget_races;
mod catalog;
mod completions;
mod config;
mod ergonomics;
mod find;
mod help;
mod history;
mod hyperbolic_lifecycle;
mod install;
mod lifecycle;
mod mcp;
mod parity;
mod plugins;
mod providers;
mod public_catalogs;
mod releases;
mod renting;
mod run;
mod runpod_lifecycle;
mod secrets;
mod shadeform_lifecycle;
mod sweeper;
mod team;
mod verda_lifecycle;

launch_suite!(aws_suite, crate::aws_fake::AwsFake);
launch_suite!(hyperbolic_suite, crate::hyperbolic_fake::HyperbolicFake);
launch_suite!(lambda_suite, crate::fakes::LambdaFake);
launch_suite!(runpod_suite, crate::runpod_fake::RunPodFake);
launch_suite!(primeintellect_suite, crate::prime_fake::PrimeFake);
launch_suite!(shadeform_suite, crate::shadeform_fake::ShadeformFake);
launch_suite!(verda_suite, crate::verda_fake::VerdaFake);
mod watch;
