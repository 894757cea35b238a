//! `gpu`: parse the command line, run the command, turn the outcome into an exit code.

mod cache;
mod cli;
mod commands;
mod config;
mod env;
mod exit;
mod fleet;
mod gather;
mod history;
mod ledger;
mod output;
mod plugins;
mod rank;
mod ui;

use std::process::ExitCode;

use clap::Parser;

use crate::exit::{CliError, Status};

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let env = env::Env::from_process();
    let ui = ui::Ui::new(&cli.global, &env);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return exit::report(
                &CliError::failure("could not start the async runtime").cause(e),
                true,
                &ui.paint,
            )
            .into()
        }
    };
    let result = runtime.block_on(async {
        tokio::select! {
            r = commands::run(cli, &env, &ui) => r,
            _ = tokio::signal::ctrl_c() => Err(CliError::new(Status::Interrupted, "interrupted")),
        }
    });
    // Don't wait for stragglers (a provider past its timeout) on the way out.
    runtime.shutdown_background();
    match result {
        Ok(status) => status.into(),
        // Ctrl-C is how a person stops `gpu watch` (or changes their mind): no error message.
        Err(e) if e.status == Status::Interrupted => Status::Interrupted.into(),
        Err(e) => exit::report(&e, ui.verbose, &ui.paint).into(),
    }
}
