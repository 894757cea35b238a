//! `gpu completions <SHELL>`: the script clap generates from the command definition.

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
