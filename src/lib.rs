//! The `gpu` command's code, as a library so that benchmarks can drive its parts (the price
//! history's writer, for one) the way the binary does. `main.rs` only wires these together.

pub mod cache;
pub mod catalogs;
pub mod cli;
pub mod commands;
pub mod config;
pub mod core;
pub mod env;
pub mod exit;
pub mod gather;
pub mod history;
pub mod lifecycle;
pub mod mcp;
pub mod notes;
pub mod output;
pub mod plugins;
pub mod rank;
pub mod sweeper;
pub mod ui;
