//! `gpu completions <SHELL>` and `gpu man`: what clap generates from the command definition.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::commands::providers::ignore_broken_pipe;
use crate::exit::{CliError, Status};
use crate::output;

pub fn generate(shell: clap_complete::Shell) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "gpu", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

pub fn run(shell: clap_complete::Shell) -> Result<Status, CliError> {
    output::write_stdout(&generate(shell)).or_else(ignore_broken_pipe)?;
    Ok(Status::Success)
}

/// The man page, from the same definition. Its version is the package's alone, so the shipped
/// file does not go stale with every commit.
pub fn man_page() -> String {
    let cmd = Cli::command().version(env!("CARGO_PKG_VERSION"));
    let mut buf = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = clap_mangen::Man::new(cmd).render(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

pub fn man() -> Result<Status, CliError> {
    output::write_stdout(&man_page()).or_else(ignore_broken_pipe)?;
    Ok(Status::Success)
}
