//! One module per subcommand; `run` dispatches.

pub mod completions;
pub mod config;
pub mod find;
pub mod providers;

use crate::cli::{Cli, Command};
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::ui::Ui;

pub async fn run(cli: Cli, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    if let Command::Completions { shell } = cli.command {
        return completions::run(shell);
    }
    let config = crate::config::load(cli.global.config.as_deref())?;
    for w in &config.warnings {
        if !matches!(cli.command, Command::Config(_)) {
            ui.warn(w);
        }
    }
    match cli.command {
        Command::Find(args) => find::run(args, &config, env, ui).await,
        Command::Providers(args) => providers::run(args, &config, env),
        Command::Config(cmd) => config::run(cmd, &config, env, ui),
        Command::Completions { .. } => Ok(Status::Success),
    }
}
