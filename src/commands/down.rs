//! `gpu down`: release instances and make sure they are gone. A release the provider does not
//! confirm is a failure with a non-zero exit, never a silent success.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::cli::DownArgs;
use crate::commands::providers::ignore_broken_pipe;
use crate::config::Config;
use crate::env::{self, Env};
use crate::exit::{CliError, Status};
use crate::fleet::{self, Note, Row};
use crate::gather;
use crate::ledger::EntryStatus;
use crate::output;
use crate::ui::Ui;

/// How many status checks (`GPU_POLL_INTERVAL` apart, 5 s by default) `down` makes for the
/// provider to confirm an instance is gone.
const CONFIRM_POLLS: u32 = 12;

#[derive(Debug, Serialize)]
struct Released {
    id: String,
    name: String,
    /// `terminated` or `failed`.
    result: &'static str,
    message: Option<String>,
}

fn select<'a>(rows: &'a [Row], args: &DownArgs) -> Result<Vec<&'a Row>, CliError> {
    let now = SystemTime::now();
    let mut chosen: Vec<&Row> = Vec::new();
    for wanted in &args.ids {
        let hits: Vec<&Row> = rows.iter().filter(|r| fleet::matches(r, wanted)).collect();
        match hits.len() {
            0 => {
                return Err(
                    CliError::usage(format!("no running instance is called `{wanted}`"))
                        .hint("`gpu ls` lists them; use its ID (`provider:id`) or NAME column"),
                )
            }
            1 => chosen.push(hits[0]),
            _ => {
                return Err(CliError::usage(format!(
                    "`{wanted}` names {} instances; use `provider:id`",
                    hits.len()
                )))
            }
        }
    }
    let billable = |r: &&Row| r.may_bill() && !matches!(r.note, Note::NotCreated | Note::Gone);
    if args.all {
        chosen.extend(rows.iter().filter(|r| r.entry.is_some()).filter(billable));
    }
    if !args.labels.is_empty() {
        chosen.extend(rows.iter().filter(billable).filter(|r| {
            r.entry
                .as_ref()
                .is_some_and(|e| args.labels.iter().all(|(k, v)| e.labels.get(k) == Some(v)))
        }));
    }
    if args.expired {
        chosen.extend(rows.iter().filter(|r| r.overdue(now)));
    }
    if args.orphans {
        chosen.extend(rows.iter().filter(|r| r.note == Note::Orphan));
    }
    let mut seen = std::collections::HashSet::new();
    chosen.retain(|r| seen.insert(r.id()));
    Ok(chosen)
}

pub async fn run(args: DownArgs, config: &Config, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    if args.ids.is_empty() && !args.all && args.labels.is_empty() && !args.expired && !args.orphans
    {
        return Err(CliError::usage(
            "say what to release: instance ids, `--all`, `--label k=v`, `--expired` or `--orphans`",
        ));
    }
    let store = crate::commands::up::store(env)?;
    let fleet = fleet::survey(config, env, ui, &store).await?;
    for e in &fleet.failures {
        ui.warn(&format!("could not list `{}`: {}", e.provider, e.message));
    }
    let targets = select(&fleet.rows, &args)?;
    if targets.is_empty() {
        ui.note("nothing to release");
        return Ok(if fleet.failures.is_empty() {
            Status::Success
        } else {
            Status::Partial
        });
    }
    let list: Vec<String> = targets
        .iter()
        .map(|r| {
            let region = r
                .instance
                .as_ref()
                .and_then(|i| i.region.clone())
                .or_else(|| r.entry.as_ref().map(|e| e.region.clone()))
                .unwrap_or_else(|| "?".into());
            format!("{} ({}, {region})", r.id(), r.name())
        })
        .collect();
    if !crate::commands::up::confirm_release(&list, args.yes, ui)? {
        ui.note("nothing released");
        return Ok(Status::Failure);
    }
    let interval = env
        .get(env::POLL_INTERVAL)
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(5));
    let mut results = Vec::new();
    let mut status = Status::Success;
    for row in targets {
        let outcome = release(row, config, env, ui, interval).await;
        let now = gpu_providers::offer::now_rfc3339();
        match &outcome {
            Ok(()) => {
                store.update(|l| {
                    let name = row.name();
                    if let Some(e) = l.by_name_mut(&name) {
                        e.status = EntryStatus::Released;
                        e.released_at = Some(now.clone());
                        e.note = Some("released by `gpu down`".into());
                    }
                })?;
                ui.note(&format!("released {} ({})", row.id(), row.name()));
                results.push(Released {
                    id: row.id(),
                    name: row.name(),
                    result: "terminated",
                    message: None,
                });
            }
            Err(msg) => {
                ui.warn(&format!(
                    "could not release {} ({}): {msg}",
                    row.id(),
                    row.name()
                ));
                status = Status::Failure;
                results.push(Released {
                    id: row.id(),
                    name: row.name(),
                    result: "failed",
                    message: Some(msg.clone()),
                });
            }
        }
    }
    if args.json {
        let mut s =
            serde_json::to_string_pretty(&results).map_err(|e| CliError::failure(e.to_string()))?;
        s.push('\n');
        output::write_stdout(&s).or_else(ignore_broken_pipe)?;
    }
    if status == Status::Failure {
        return Err(
            CliError::failure("some instances may still be running and billing").hint(
                "run `gpu ls` to see them, and `gpu down` again or use the provider's console",
            ),
        );
    }
    Ok(status)
}

async fn release(
    row: &Row,
    config: &Config,
    env: &Env,
    ui: &Ui,
    interval: Duration,
) -> Result<(), String> {
    let Some(id) = row.instance_id() else {
        return Err("the ledger has no instance id for it; `gpu ls` will find it once the provider lists it".into());
    };
    let (_, provider) = gather::build(&row.provider, config, env, ui).map_err(|e| e.message)?;
    provider.terminate(&id).await.map_err(|e| e.message)?;
    // Confirm with the provider: gone, or on its way out.
    let mut polls = 0;
    loop {
        polls += 1;
        match provider.instance(&id).await {
            Ok(None) => return Ok(()),
            Ok(Some(i)) if i.state.is_gone() => return Ok(()),
            Ok(Some(i)) if polls >= CONFIRM_POLLS => {
                return Err(format!("the provider still reports it as `{}`", i.status))
            }
            Err(e) if polls >= CONFIRM_POLLS => {
                return Err(format!(
                    "the release was sent but could not be confirmed: {}",
                    e.message
                ))
            }
            _ => tokio::time::sleep(interval).await,
        }
    }
}
