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
use crate::lifecycle::ledger::{EntryStatus, Store};
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
    unlisted: &'a [Row],
    args: &DownArgs,
    owner: Option<&str>,
) -> Result<Chosen<'a>, CliError> {
    let now = SystemTime::now();
    let mut chosen: Vec<&Row> = Vec::new();
    let mut missing = Vec::new();
    for wanted in &args.ids {
        match resolve(rows, wanted)? {
            Some(r) if r.may_bill() => chosen.push(r),
            // Its provider could not be listed: the id is released by id, unconfirmed by a list.
            None if unlisted.iter().any(|r| reconcile::matches(r, wanted)) => {}
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
    for wanted in &args.ids {
        if resolve(rows, wanted)?.is_none() {
            chosen.extend(unlisted.iter().filter(|r| reconcile::matches(r, wanted)));
        }
    }
    let mut seen = std::collections::HashSet::new();
    chosen.retain(|r| seen.insert((r.provider.clone(), handle(r))));
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
    fleet.warn_unreadable(ui);
    fleet.note_clocks(ui);
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
    let unlisted = unlisted_rows(&fleet, args, store);
    let chosen = select(&fleet.rows, &unlisted, args, owner.as_deref())?;
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
    // A sweep (`--all`, `--expired`, `--label`, `--orphans`, `--owner`) over a provider that
    // could not be listed may have missed something there: exit 3. Named instances that were
    // all released are not made red by a list that failed elsewhere.
    let sweeping =
        args.all || args.expired || args.orphans || !args.labels.is_empty() || args.owner.is_some();
    let mut status = Status::Success;
    for e in &fleet.failures {
        let concerned = sweeping || targets.iter().any(|r| r.provider == e.provider);
        if e.kind == gpu_providers::ErrorKind::Auth {
            ui.hint(&lifecycle::key_hint(e.provider, config));
            if concerned {
                status = status.worst(Status::Auth);
            }
        } else if sweeping {
            status = status.worst(Status::Partial);
        }
    }
    let left_alone = |released: &[&Row]| {
        if args.all && !args.orphans {
            say_orphans_left(&fleet.rows, released, ui);
        }
    };
    if targets.is_empty() {
        if results.is_empty() {
            ui.note("nothing to release");
        }
        left_alone(&[]);
        print_results(&results, args.json)?;
        return Ok(status);
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
            format!("{} ({}, {region})", handle(r), r.name())
        })
        .collect();
    if !lifecycle::confirm::release(&list, args.yes, ui).await? {
        ui.note("nothing released");
        return Ok(Status::Failure);
    }
    let _guard = guard::releasing(
        targets.iter().map(|r| (handle(r), r.name())).collect(),
        args.json,
    );
    let interval = poll_interval(env);
    let mut failed = Vec::new();
    let mut auth_failed = 0;
    for &row in &targets {
        match release_row(row, config, env, ui, store, interval).await {
            Ok(Done::Released(id, confirmed)) => {
                guard::released(&row.id());
                if let Some(why) = &confirmed.unlisted {
                    ui.warn(&format!("{id}: {why}"));
                }
                let written = release::record(
                    store,
                    &row.provider,
                    row.entry.as_ref().map(|e| e.name.as_str()),
                    id.split_once(':').map(|(_, i)| i),
                    "released by `gpu down`",
                );
                if let Err(e) = written {
                    ui.warn(&format!(
                        "{}; {id} is released, but the ledger still lists it (the next `gpu ls` settles it)",
                        e.message,
                    ));
                }
                ui.note(&format!("released {id} ({})", row.name()));
                results.push(Released {
                    id,
                    name: row.name(),
                    result: "terminated",
                    message: None,
                });
            }
            Ok(Done::NeverCreated) => {
                guard::released(&row.id());
                ui.note(&format!(
                    "`{}`: its create made nothing; nothing to release",
                    row.name()
                ));
                results.push(Released {
                    id: handle(row),
                    name: row.name(),
                    result: "missing",
                    message: None,
                });
            }
            Err(e) => {
                let id = handle(row);
                ui.warn(&format!(
                    "could not release {id} ({}): {}",
                    row.name(),
                    e.message
                ));
                if e.auth {
                    ui.hint(&lifecycle::key_hint(&row.provider, config));
                    auth_failed += 1;
                }
                failed.push(id.clone());
                results.push(Released {
                    id,
                    name: row.name(),
                    result: "failed",
                    message: Some(e.message),
                });
            }
        }
    }
    left_alone(&targets);
    print_results(&results, args.json)?;
    if failed.is_empty() {
        return Ok(status);
    }
    // Refused keys alone: exit 4, with the variable to set (said above).
    let code = if auth_failed == failed.len() {
        Status::Auth
    } else {
        Status::Failure
    };
    let error = CliError::new(
        code,
        format!("{} may still be running and billing", failed.join(", ")),
    )
    .hint(format!(
        "run `gpu down {} --yes --missing-ok` again (it exits 0 once the provider shows it gone), or use the provider's console",
        failed.join(" ")
    ));
    Err(error)
}

/// How a printed command names a row: `provider:id`, or its name while no id is known.
fn handle(row: &Row) -> String {
    match row.instance_id() {
        Some(id) => format!("{}:{id}", row.provider),
        None => row.name(),
    }
}

/// `--all` is this ledger's: say which of this owner's lost instances it saw and left.
fn say_orphans_left(rows: &[Row], released: &[&Row], ui: &Ui) {
    for r in rows
        .iter()
        .filter(|r| r.note == Note::Orphan && r.may_bill())
    {
        if released.iter().any(|x| x.id() == r.id()) {
            continue;
        }
        ui.warn(&format!(
            "{} ({}) carries this owner's id but is not in this ledger, so `--all` left it running; `gpu down {} --yes` releases it",
            r.id(),
            r.name(),
            r.id()
        ));
    }
}

/// Rows for `provider:id` arguments whose provider could not be listed: they are released
/// by id, and the release is confirmed by the provider's status read.
fn unlisted_rows(fleet: &reconcile::Fleet, args: &DownArgs, store: &Store) -> Vec<Row> {
    let ledger = store.read().ok();
    let mut rows = Vec::new();
    for wanted in &args.ids {
        let Some((provider, id)) = wanted.split_once(':') else {
            continue;
        };
        if id.is_empty() || !fleet.failures.iter().any(|e| e.provider == provider) {
            continue;
        }
        if fleet.rows.iter().any(|r| reconcile::matches(r, wanted)) {
            continue;
        }
        let entry = ledger.as_ref().and_then(|l| {
            l.entries
                .iter()
                .rev()
                .find(|e| e.provider == provider && e.instance_id.as_deref() == Some(id))
                .cloned()
        });
        rows.push(Row {
            provider: provider.to_string(),
            instance: Some(gpu_providers::Instance {
                name: entry.as_ref().map(|e| e.name.clone()).unwrap_or_default(),
                ..gpu_providers::Instance::bare(provider, id, "not listed")
            }),
            entry,
            note: Note::Unreachable("the provider could not be listed".into()),
        });
    }
    rows
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

enum Done {
    /// Released and confirmed: `provider:id`.
    Released(String, release::Confirmed),
    /// A create that was in flight made nothing.
    NeverCreated,
}

/// How long a release waits for a create in flight on this machine to settle.
const IN_FLIGHT_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

async fn release_row(
    row: &Row,
    config: &Config,
    env: &Env,
    ui: &Ui,
    store: &Store,
    interval: std::time::Duration,
) -> Result<Done, release::NotReleased> {
    let mut id = row.instance_id();
    if id.is_none() && row.note == Note::Launching {
        // Its create is in flight in a `gpu up` on this machine: wait for its answer, then
        // release what it made.
        ui.note(&format!(
            "`{}`: its create is in flight; waiting for its answer to release what it made",
            row.name()
        ));
        let settled = tokio::time::timeout(IN_FLIGHT_WAIT, store.lock_name(&row.name())).await;
        if let Ok(Ok(lock)) = settled {
            drop(lock);
            let entry = store
                .read()
                .ok()
                .and_then(|l| l.by_name(&row.name()).cloned());
            match entry {
                Some(e) if e.instance_id.is_some() => id = e.instance_id,
                Some(e) if e.status == EntryStatus::Failed => return Ok(Done::NeverCreated),
                _ => {}
            }
        }
    }
    let Some(id) = id else {
        return Err(format!(
            "the provider does not list it yet and the ledger has no instance id for it; `gpu ls` shows it once it is listed, and `gpu down {} --yes` releases it then",
            row.name()
        )
        .into());
    };
    let (_, provider) = gather::build(&row.provider, config, env, ui)?;
    let confirmed = release::release(provider.as_ref(), &id, interval).await?;
    Ok(Done::Released(format!("{}:{id}", row.provider), confirmed))
}
