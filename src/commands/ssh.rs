//! `gpu ssh`: connect to an instance by its id or name, or run a command on it.

use crate::cli::SshArgs;
use crate::commands::providers::ignore_broken_pipe;
use crate::config::Config;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::lifecycle::reconcile as fleet;
use crate::lifecycle::remote::{self, Mode, Target};
use crate::output;
use crate::ui::Ui;

pub async fn run(args: SshArgs, config: &Config, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    let store = crate::lifecycle::store(env)?;
    let fleet = fleet::survey(config, env, ui, &store).await?;
    let row = fleet
        .rows
        .iter()
        .find(|r| fleet::matches(r, &args.instance))
        .ok_or_else(|| {
            CliError::usage(format!("no running instance is called `{}`", args.instance))
                .hint("`gpu ls` lists them")
        })?;
    let ssh = row
        .instance
        .as_ref()
        .and_then(|i| i.ssh.clone())
        .or_else(|| row.entry.as_ref().and_then(|e| e.ssh.clone()))
        .ok_or_else(|| {
            CliError::failure(format!("`{}` has no SSH address yet", args.instance))
                .hint("wait until `gpu ls` shows it running, or use `gpu up --wait` next time")
        })?;
    let identity = crate::lifecycle::remote::identity(args.identity.clone(), row.entry.as_ref())?;
    let mut target = Target::new(
        &row.provider,
        &row.instance_id().unwrap_or_default(),
        &ssh,
        identity,
        store.dir(),
        env,
    );
    target.options = args.ssh_options.clone();
    let argv = target.argv(
        Mode::Interactive,
        remote::remote_command(&args.command).as_deref(),
    );
    if args.print {
        output::write_stdout(&format!("{}\n", remote::quoted(&argv)))
            .or_else(ignore_broken_pipe)?;
        return Ok(Status::Success);
    }
    target.prepare().map_err(|e| {
        CliError::failure(format!(
            "could not create the directory of `{}`",
            target.known_hosts.display()
        ))
        .cause(e)
    })?;
    let status = tokio::process::Command::new(&argv[0])
        .args(&argv[1..])
        .status()
        .await
        .map_err(|e| {
            CliError::failure("could not run `ssh`")
                .cause(e)
                .hint("is OpenSSH installed and on PATH?")
        })?;
    // The remote command's own exit code; 255 when ssh itself failed, as ssh says.
    Ok(Status::Exit(remote::exit_code(status)))
}
