//! `gpu ssh`: connect to an instance by its id or name.

use crate::cli::SshArgs;
use crate::commands::providers::ignore_broken_pipe;
use crate::config::Config;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::lifecycle::reconcile as fleet;
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
    let mut argv = vec!["ssh".to_string()];
    if ssh.port != 22 {
        argv.push("-p".into());
        argv.push(ssh.port.to_string());
    }
    argv.extend(args.args.iter().cloned());
    argv.push(format!("{}@{}", ssh.user, ssh.host));
    if args.print {
        output::write_stdout(&format!("{}\n", argv.join(" "))).or_else(ignore_broken_pipe)?;
        return Ok(Status::Success);
    }
    let status = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .status()
        .map_err(|e| {
            CliError::failure("could not run `ssh`")
                .cause(e)
                .hint("is OpenSSH installed and on PATH?")
        })?;
    Ok(if status.success() {
        Status::Success
    } else {
        Status::Failure
    })
}
