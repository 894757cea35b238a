//! One module per subcommand; `run` dispatches.

pub mod catalog;
pub mod completions;
pub mod config;
pub mod doctor;
pub mod down;
pub mod find;
pub mod gpus;
pub mod history;
pub mod ls;
pub mod providers;
pub mod run;
pub mod ssh;
pub mod sweeper;
pub mod up;
pub mod watch;

use crate::cli::{Cli, Command};
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::ui::Ui;

pub async fn run(cli: Cli, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    if let Command::Completions { shell } = cli.command {
        return completions::run(shell);
    }
    if let Command::Man(args) = &cli.command {
        return completions::man(args, ui);
    }
    if let Command::Config(crate::cli::ConfigCommand::Init(args)) = cli.command {
        return config::init::run(args, cli.global.config.as_deref(), env, ui).await;
    }
    // Releasing, listing and reaching instances must work whatever a typo in the file: the
    // key that fails is named as a warning and left out, the rest is used.
    let lenient = matches!(
        cli.command,
        Command::Ls(_)
            | Command::Down(_)
            | Command::Ssh(_)
            | Command::Config(crate::cli::ConfigCommand::Path)
    );
    let config = crate::config::load_for_use(
        cli.global.config.as_deref(),
        env,
        lenient,
        !matches!(cli.command, Command::Config(_)),
        ui,
    )?;
    let config_path = cli.global.config.clone();
    match cli.command {
        Command::Mcp(args) => crate::mcp::run(args.read_only, config_path, env).await,
        Command::Find(args) => find::run(args, &config, env, ui).await,
        Command::Watch(args) => watch::run(args, &config, env, ui).await,
        Command::History(args) => history::run(args, &config, env, ui),
        Command::Up(args) => up::run(*args, &config, env, ui).await,
        Command::Down(args) => down::run(args, &config, env, ui).await,
        Command::Ls(args) => ls::run(args, &config, env, ui).await,
        Command::Ssh(args) => ssh::run(args, &config, env, ui).await,
        Command::Run(args) => run::run(*args, &config, env, ui).await,
        Command::Catalog(cmd) => catalog::run(cmd, &config, env, ui).await,
        Command::Providers(args) => providers::run(args, &config, env),
        Command::Gpus(args) => gpus::run(&args.output),
        Command::Config(cmd) => config::run(cmd, &config, env, ui).await,
        Command::Sweeper(cmd) => sweeper::run(cmd, &config, env, ui),
        Command::Doctor(crate::cli::DoctorCommand::Deadlines(args)) => {
            doctor::deadlines(args, &config, env, ui).await
        }
        Command::Completions { .. } | Command::Man(_) => Ok(Status::Success),
    }
}
