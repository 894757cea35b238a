//! `gpu down`: release instances and make sure they are gone. A release the provider does not
//! confirm is a failure with a non-zero exit, never a silent success; one failure never stops
//! the others; `--every` turns it into a sweeper.

use std::time::SystemTime;

use serde::Serialize;

use crate::cli::DownArgs;
use crate::commands::providers::ignore_broken_pipe;
use crate::config::Config;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::gather;
use crate::lifecycle::ledger::Store;
use crate::lifecycle::reconcile::{self, Note, Row};
use crate::lifecycle::{self, guard, poll_interval, release};
use crate::output;
use crate::ui::Ui;

#[derive(Debug, Serialize)]
struct Released {
    id: String,
    name: String,
    /// `terminated`, `failed`, or `missing` (already gone, with `--missing-ok`).
    result: &'static str,
    message: Option<String>,
}

/// The row `wanted` names: this machine's ledger first, then this owner's, else it must be
/// the only one.
fn resolve<'a>(rows: &'a [Row], wanted: &str) -> Result<Option<&'a Row>, CliError> {
    let hits: Vec<&Row> = rows
        .iter()
        .filter(|r| reconcile::matches(r, wanted))
        .collect();
    if hits.len() <= 1 {
        return Ok(hits.first().copied());
    }
    for prefer in [
        |r: &Row| r.entry.is_some() && r.may_bill(),
        |r: &Row| r.note == Note::Orphan,
    ] {
        let preferred: Vec<&Row> = hits.iter().copied().filter(|r| prefer(r)).collect();
        if preferred.len() == 1 {
            return Ok(Some(preferred[0]));
        }
    }
    Err(CliError::usage(format!(
        "`{wanted}` names {} instances; use `provider:id` from `gpu ls`",
        hits.len()
    )))
}

struct Chosen<'a> {
    rows: Vec<&'a Row>,
    /// Named instances that are already gone (only with `--missing-ok`).
    missing: Vec<String>,
}

fn select<'a>(
    rows: &'a [Row],
    args: &DownArgs,
    owner: Option<&str>,
) -> Result<Chosen<'a>, CliError> {
    let now = SystemTime::now();
    let mut chosen: Vec<&Row> = Vec::new();
    let mut missing = Vec::new();
    for wanted in &args.ids {
        match resolve(rows, wanted)? {
            Some(r) if r.may_bill() => chosen.push(r),
            _ if args.missing_ok => missing.push(wanted.clone()),
            Some(_) => {
                return Err(CliError::usage(format!("`{wanted}` is already gone"))
                    .hint("pass `--missing-ok` to accept that (in a cleanup step, for example)"))
            }
            None => {
                return Err(
                    CliError::usage(format!("no running instance is called `{wanted}`")).hint(
                        "`gpu ls` lists them (use its ID or NAME); `--missing-ok` accepts one that is already gone",
                    ),
                )
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
    if let Some(owner) = owner {
        chosen.extend(rows.iter().filter(billable).filter(|r| {
            r.instance.as_ref().and_then(|i| i.owner.as_deref()) == Some(owner)
                || r.entry.as_ref().and_then(|e| e.owner.as_deref()) == Some(owner)
        }));
    }
    let mut seen = std::collections::HashSet::new();
    chosen.retain(|r| seen.insert(r.id()));
    Ok(Chosen {
        rows: chosen,
        missing,
    })
}

pub async fn run(args: DownArgs, config: &Config, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    if args.ids.is_empty()
        && !args.all
        && args.labels.is_empty()
        && !args.expired
        && !args.orphans
        && args.owner.is_none()
    {
        return Err(CliError::usage(
            "say what to release: instance ids or names, `--all`, `--label k=v`, `--expired`, `--orphans` or `--owner OWNER`",
        ));
    }
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
    let store = lifecycle::store(env)?;
    let Some(every) = args.every else {
        return once(&args, config, env, ui, &store).await;
    };
    // A sweeper: one round's failure is said and the next round tries again.
    let mut status = Status::Success;
    let mut round = 0;
    loop {
        round += 1;
        match once(&args, config, env, ui, &store).await {
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

async fn once(
    args: &DownArgs,
    config: &Config,
    env: &Env,
    ui: &Ui,
    store: &Store,
) -> Result<Status, CliError> {
    let fleet = reconcile::survey(config, env, ui, store).await?;
    fleet.warn_ledger(ui);
    if let Some(m) = &fleet.ledger_unreadable {
        if args.all || args.orphans || !args.labels.is_empty() {
            return Err(CliError::failure(format!(
                "{m}; `--all`, `--label` and `--orphans` need it, so nothing was released"
            ))
            .hint("name the instances (`gpu down provider:id`) or use `--expired`, which read the providers only"));
        }
    }
    for e in &fleet.failures {
        ui.warn(&format!("could not list `{}`: {}", e.provider, e.message));
    }
    let owner = match args.owner.as_deref() {
        None => None,
        // What `gpu mcp` launched from here; nothing, if this machine never had an owner id.
        Some("agent") => Some(
            match (
                &config.agent.owner,
                crate::lifecycle::owner::known(config, env, store),
            ) {
                (Some(o), _) => o.clone(),
                (None, Some(m)) => crate::mcp::limits::agent_owner(&config.agent, &m),
                (None, None) => String::new(),
            },
        )
        .filter(|o| !o.is_empty()),
        Some(o) => Some(crate::lifecycle::owner::check(o, "`--owner`")?),
    };
    let chosen = select(&fleet.rows, args, owner.as_deref())?;
    let mut results: Vec<Released> = chosen
        .missing
        .iter()
        .map(|m| {
            ui.note(&format!("`{m}` is already gone; nothing to release"));
            Released {
                id: m.clone(),
                name: m.clone(),
                result: "missing",
                message: None,
            }
        })
        .collect();
    let targets = chosen.rows;
    let listing_failed = if fleet.failures.is_empty() {
        Status::Success
    } else {
        Status::Partial
    };
    if targets.is_empty() {
        if results.is_empty() {
            ui.note("nothing to release");
        }
        print_results(&results, args.json)?;
        return Ok(listing_failed);
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
    if !lifecycle::confirm::release(&list, args.yes, ui).await? {
        ui.note("nothing released");
        return Ok(Status::Failure);
    }
    let _guard = guard::releasing(
        targets.iter().map(|r| (r.id(), r.name())).collect(),
        args.json,
    );
    let interval = poll_interval(env);
    let mut status = listing_failed;
    for row in targets {
        let outcome = release_row(row, config, env, ui, interval).await;
        match &outcome {
            Ok(()) => {
                guard::released(&row.id());
                let written = release::record(
                    store,
                    &row.name(),
                    row.instance_id().as_deref(),
                    "released by `gpu down`",
                );
                if let Err(e) = written {
                    ui.warn(&format!(
                        "{}; {} is released, but the ledger still lists it (the next `gpu ls` settles it)",
                        e.message,
                        row.id()
                    ));
                }
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
    print_results(&results, args.json)?;
    if status == Status::Failure {
        let left: Vec<&str> = results
            .iter()
            .filter(|r| r.result == "failed")
            .map(|r| r.id.as_str())
            .collect();
        return Err(CliError::failure(format!(
            "{} may still be running and billing",
            left.join(", ")
        ))
        .hint(format!(
            "run `gpu down {} --yes` again, or use the provider's console",
            left.join(" ")
        )));
    }
    Ok(status)
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

async fn release_row(
    row: &Row,
    config: &Config,
    env: &Env,
    ui: &Ui,
    interval: std::time::Duration,
) -> Result<(), String> {
    let Some(id) = row.instance_id() else {
        return Err("the provider does not list it yet and the ledger has no instance id for it; `gpu ls` finds it once it is listed".into());
    };
    let (_, provider) = gather::build(&row.provider, config, env, ui).map_err(|e| e.message)?;
    release::release(provider.as_ref(), &id, interval).await
}
