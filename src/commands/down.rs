//! `gpu down`: release instances and make sure they are gone. A release the provider does not
//! confirm is a failure with a non-zero exit, never a silent success; one failure never stops
//! the others; `--every` turns it into a sweeper. The releasing is the core's
//! ([`instances::release`]); this file checks the flags, repeats, and prints.

use crate::cli::DownArgs;
use crate::commands::providers::ignore_broken_pipe;
use crate::config::Config;
use crate::core::instances::{self, ReleaseRequest, Released};
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::lifecycle::reconcile;
use crate::output;
use crate::ui::Ui;

pub async fn run(args: DownArgs, config: &Config, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    let request = ReleaseRequest {
        ids: args.ids.clone(),
        all: args.all,
        labels: args.labels.clone(),
        expired: args.expired,
        orphans: args.orphans,
        owner: args.owner.clone(),
        missing_ok: args.missing_ok,
        yes: args.yes,
        json: args.json,
    };
    request.check()?;
    if args.every.is_some() && (!args.ids.is_empty() || args.all || !args.labels.is_empty()) {
        return Err(CliError::usage(
            "`--every` sweeps with `--expired` or `--orphans` only",
        ));
    }
    if args.every.is_some() && !args.yes {
        return Err(CliError::usage(
            "`--every` releases without asking: pass `--yes`",
        ));
    }
    let Some(every) = args.every else {
        return once(&request, config, env, ui).await;
    };
    // A sweeper: one round's failure is said and the next round tries again.
    let mut status = Status::Success;
    let mut round = 0;
    loop {
        round += 1;
        match once(&request, config, env, ui).await {
            Ok(s) => status = status.worst(s),
            Err(e) => {
                ui.warn(&format!("round {round}: {}", e.message));
                status = status.worst(e.status);
            }
        }
        if args.rounds.is_some_and(|n| round >= n) {
            return Ok(status);
        }
        ui.note(&format!(
            "next sweep in {} (Ctrl-C stops)",
            reconcile::short_duration(every)
        ));
        tokio::time::sleep(every).await;
    }
}

/// One release, its results printed (`--json`), then its failure, if any, as the error.
async fn once(
    request: &ReleaseRequest,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
    let done = instances::release(request, config, env, ui).await?;
    print_results(&done.results, request.json)?;
    match done.failure {
        Some(e) => Err(e),
        None => Ok(done.status),
    }
}

fn print_results(results: &[Released], json: bool) -> Result<(), CliError> {
    if !json {
        return Ok(());
    }
    let mut s =
        serde_json::to_string_pretty(results).map_err(|e| CliError::failure(e.to_string()))?;
    s.push('\n');
    output::write_stdout(&s).or_else(ignore_broken_pipe)
}
