//! `gpu run`: the flags become a [`RunRequest`](crate::core::run::RunRequest), the core
//! rents, runs and releases ([`core::run::run`]), this prints the closing JSON object (with
//! `--json`) or the dry run, and exits with the command's code.

use crate::cli::RunArgs;
use crate::commands::providers::ignore_broken_pipe;
use crate::config::Config;
use crate::core::run::{self as core_run, RunOutcome};
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::output;
use crate::ui::Ui;

pub async fn run(args: RunArgs, config: &Config, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    let request = args.to_request();
    let json = args.json;
    match core_run::run(&request, config, env, ui).await {
        Ok(RunOutcome::Ran { report, status }) => {
            if json {
                print_json(&*report)?;
            }
            Ok(status)
        }
        Ok(RunOutcome::Planned {
            planned,
            lines,
            fields,
        }) => {
            let text = if json {
                planned
                    .json_text(fields)
                    .map_err(|e| CliError::failure(e.to_string()))?
            } else {
                planned.text("run", &lines)
            };
            output::write_stdout(&text).or_else(ignore_broken_pipe)?;
            Ok(Status::Success)
        }
        Ok(RunOutcome::Declined) => {
            if json {
                let e = CliError::failure("the launch was not confirmed");
                let failed = core_run::RunFailed {
                    error: e,
                    outcome: Some("declined"),
                    release_command: None,
                };
                if let Some(v) = failed.json() {
                    let _ = print_json(&v);
                }
            }
            Ok(Status::Failure)
        }
        Err(failed) => {
            if json {
                if let Some(v) = failed.json() {
                    let _ = print_json(&v);
                }
            }
            Err(failed.error)
        }
    }
}

fn print_json(v: &impl serde::Serialize) -> Result<(), CliError> {
    let mut s = serde_json::to_string_pretty(v).map_err(|e| CliError::failure(e.to_string()))?;
    s.push('\n');
    output::write_stdout(&s).or_else(ignore_broken_pipe)
}
