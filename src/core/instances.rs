//! The instances `gpu` launched, as every provider and this machine's ledger see them
//! ([`list`]), and releasing them with the provider's confirmation that they are gone
//! ([`release`]).

use std::time::SystemTime;

use serde::Serialize;

use crate::config::Config;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::gather;
use crate::lifecycle::ledger::{EntryStatus, Store};
use crate::lifecycle::reconcile::{self as fleet, Fleet, Note, Row};
use crate::lifecycle::{self, guard, owner, poll_interval, release as releasing};
use crate::notes::{Notes, Rank};
use crate::ui::Ui;

/// List what runs.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    /// Released and failed launches from the ledger too.
    pub history: bool,
}

/// What [`list`] found: a row per instance, and what it has to say about them.
pub struct Listing {
    pub rows: Vec<Listed>,
    fleet: Fleet,
    store: Store,
}

#[derive(Debug, Serialize)]
pub struct Listed {
    pub id: String,
    pub provider: String,
    pub instance_id: Option<String>,
    pub name: String,
    pub state: String,
    pub gpu: Option<String>,
    pub gpu_count: Option<u32>,
    pub region: Option<String>,
    pub price_per_hour_usd: Option<f64>,
    pub running_seconds: Option<u64>,
    pub cost_so_far_usd: Option<f64>,
    /// RFC 3339, as kept at the provider (else as the ledger recorded it).
    pub deadline: Option<String>,
    pub overdue: bool,
    /// The owner id the instance carries at the provider; null when `gpu` did not create it.
    pub owner: Option<String>,
    /// Launched with this machine's owner id.
    pub mine: bool,
    /// The launcher id of the data directory that created it, as kept at the provider.
    pub launcher: Option<String>,
    pub ssh_command: Option<String>,
    /// `tracked`; `launching` (a create still in flight); `missing` (in the ledger, not listed
    /// lately: not yet proven gone, still counted as billing); `orphan` (this owner's, not in
    /// the ledger, launched here); `team` (this owner's, launched by another machine);
    /// `foreign` (another owner's); `not gpu` (named `gpu-*` but not created by
    /// `gpu`); `gone`; `not created`; `unreachable`.
    pub ledger: String,
    pub labels: std::collections::BTreeMap<String, String>,
}

fn listed(row: &Row, now: SystemTime, mine: Option<&str>) -> Listed {
    let running = row.running_for(now);
    let price = row.price();
    let state = match (&row.note, &row.instance) {
        (Note::Unreachable(_) | Note::Missing, _) => "unknown".to_string(),
        (Note::Launching, _) => "launching".to_string(),
        (Note::Gone, _) => "gone".to_string(),
        (Note::NotCreated, _) => "not created".to_string(),
        (_, Some(i)) => i.status.to_ascii_lowercase(),
        (_, None) => "unknown".to_string(),
    };
    Listed {
        id: row.id(),
        provider: row.provider.clone(),
        instance_id: row.instance_id(),
        name: row.name(),
        state,
        gpu: row
            .entry
            .as_ref()
            .map(|e| e.gpu.clone())
            .or_else(|| row.instance.as_ref().and_then(|i| i.gpu.clone())),
        gpu_count: row
            .entry
            .as_ref()
            .map(|e| e.gpu_count)
            .or_else(|| row.instance.as_ref().and_then(|i| i.gpu_count)),
        region: row
            .instance
            .as_ref()
            .and_then(|i| i.region.clone())
            .or_else(|| row.entry.as_ref().map(|e| e.region.clone())),
        price_per_hour_usd: price,
        running_seconds: running.map(|d| d.as_secs()),
        cost_so_far_usd: match (running, price) {
            (Some(d), Some(p)) if row.may_bill() => {
                Some((d.as_secs_f64() / 3600.0 * p * 100.0).round() / 100.0)
            }
            _ => None,
        },
        deadline: row.deadline().map(owner::rfc3339),
        overdue: row.overdue(now),
        owner: row.owner_id(),
        mine: row.owner_id().is_some_and(|o| Some(o.as_str()) == mine)
            || (row.entry.is_some() && row.owner_id().is_none()),
        launcher: row.instance.as_ref().and_then(|i| i.launcher.clone()),
        ssh_command: row
            .instance
            .as_ref()
            .and_then(|i| i.ssh.as_ref())
            .or_else(|| row.entry.as_ref().and_then(|e| e.ssh.as_ref()))
            .map(|s| s.command()),
        ledger: match &row.note {
            Note::Tracked => "tracked",
            Note::Launching => "launching",
            Note::Missing => "missing",
            Note::Orphan => "orphan",
            Note::Team => "team",
            Note::Foreign(_) => "foreign",
            Note::NotGpu => "not gpu",
            Note::Gone => "gone",
            Note::NotCreated => "not created",
            Note::Unreachable(_) => "unreachable",
        }
        .to_string(),
        labels: row
            .entry
            .as_ref()
            .map(|e| e.labels.clone())
            .unwrap_or_default(),
    }
}

/// Ask every provider that lists instances, reconcile with the ledger, one row each. What is
/// wrong with the ledger and clocks is said on `ui` while it runs; the rest by
/// [`Listing::finish`].
pub async fn list(
    req: &ListRequest,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Listing, CliError> {
    let store = lifecycle::store(env)?;
    let fleet = fleet::survey(config, env, ui, &store).await?;
    fleet.warn_ledger(ui);
    fleet.warn_unreadable(ui);
    fleet.note_clocks(ui);
    let now = SystemTime::now();
    let mine = owner::known(config, env, &store);
    let mut rows: Vec<Listed> = fleet
        .rows
        .iter()
        .map(|r| listed(r, now, mine.as_deref()))
        .collect();
    if req.history {
        let ledger = store.read().unwrap_or_default();
        for e in ledger.entries.iter().filter(|e| !e.status.is_open()) {
            if rows
                .iter()
                .any(|r| r.name == e.name && r.provider == e.provider)
            {
                continue;
            }
            rows.push(Listed {
                id: format!(
                    "{}:{}",
                    e.provider,
                    e.instance_id.clone().unwrap_or_else(|| "-".into())
                ),
                provider: e.provider.clone(),
                instance_id: e.instance_id.clone(),
                name: e.name.clone(),
                state: format!("{:?}", e.status).to_ascii_lowercase(),
                gpu: Some(e.gpu.clone()),
                gpu_count: Some(e.gpu_count),
                region: Some(e.region.clone()),
                price_per_hour_usd: Some(e.price_per_hour_usd),
                running_seconds: None,
                cost_so_far_usd: None,
                deadline: e.deadline.clone(),
                overdue: false,
                owner: e.owner.clone(),
                mine: true,
                launcher: None,
                ssh_command: None,
                ledger: "history".into(),
                labels: e.labels.clone(),
            });
        }
    }
    Ok(Listing { rows, fleet, store })
}

impl Listing {
    /// Say what needs attention (orphans, missing, overdue, providers not listed), then
    /// return the status: partial or auth when a provider could not be listed. `json`:
    /// stdout is JSON for a script (notes then only with `-v`).
    pub fn finish(&self, json: bool, config: &Config, env: &Env, ui: &Ui) -> Status {
        let rows = &self.rows;
        let mut notes = Notes::new();
        if rows.is_empty() {
            let none = "no instances launched by `gpu` are running";
            notes.add(Rank::Answer, none, none);
        }
        let orphans = rows.iter().filter(|r| r.ledger == "orphan").count();
        if orphans > 0 {
            ui.warn(&format!("{orphans} instance(s) of this owner are not in the ledger; `gpu down --orphans` releases them"));
        }
        let team = rows.iter().filter(|r| r.ledger == "team").count();
        if team > 0 {
            notes.add(
                Rank::Source,
                format!("{team} launched by another machine (`team`)"),
                format!("{team} instance(s) of this owner were launched by another machine (`team`): `gpu down --expired` releases them once they are past their deadline, `gpu down ID` before"),
            );
        }
        let missing = rows.iter().filter(|r| r.ledger == "missing").count();
        if missing > 0 {
            ui.warn(&format!("{missing} instance(s) in the ledger are not listed by their provider yet; they count as billing until the provider has gone on not listing them for {}", fleet::short_duration(lifecycle::absence_grace(config, env))));
        }
        lifecycle::say_if_no_sweeper(
            rows.iter()
                .filter(|r| r.mine && r.deadline.is_some() && r.ledger != "history")
                .map(|r| r.provider.as_str()),
            &self.store,
            ui,
        );
        let overdue = rows.iter().filter(|r| r.overdue).count();
        if overdue > 0 {
            ui.warn(&format!("{overdue} instance(s) are past their `--ttl` deadline; `gpu down --expired` releases them"));
        }
        for e in &self.fleet.not_listable {
            notes.add(
                Rank::Aside,
                format!("`{}` not listed", e.provider),
                format!("`{}` not listed: {}", e.provider, e.message),
            );
        }
        notes.print(ui, json, crate::output::table_width(env));
        let mut status = Status::Success;
        for e in &self.fleet.failures {
            ui.warn(&format!("could not list `{}`: {}", e.provider, e.message));
            status = status.worst(if e.kind == gpu_providers::ErrorKind::Auth {
                ui.hint(&lifecycle::key_hint(e.provider, config));
                Status::Auth
            } else {
                Status::Partial
            });
        }
        status
    }
}

/// Release instances. At least one of `ids`, `all`, `labels`, `expired`, `orphans`, `owner`.
#[derive(Debug, Clone, Default)]
pub struct ReleaseRequest {
    /// `provider:id`, an id, or a name from [`list`] (this machine's ledger first).
    pub ids: Vec<String>,
    /// Every instance in this machine's ledger that may be running.
    pub all: bool,
    /// Instances with all these labels.
    pub labels: Vec<(String, String)>,
    /// Every instance `gpu` created that is past its deadline, whoever launched it.
    pub expired: bool,
    /// This owner's instances that the ledger lost.
    pub orphans: bool,
    /// Every instance carrying this owner id (`agent`: what `gpu mcp` launched from here).
    pub owner: Option<String>,
    /// A named instance that is already gone is a result (`missing`), not an error.
    pub missing_ok: bool,
    /// Release without asking.
    pub yes: bool,
    /// Stdout is JSON for a script: what an interrupt says goes there too.
    pub json: bool,
}

impl ReleaseRequest {
    /// Something must be named.
    pub fn check(&self) -> Result<(), CliError> {
        if self.ids.is_empty() && !self.sweeping() {
            return Err(CliError::usage(
                "say what to release: instance ids or names, `--all`, `--label k=v`, `--expired`, `--orphans` or `--owner OWNER`",
            ));
        }
        Ok(())
    }

    /// A sweep over a fleet (`all`, `expired`, `labels`, `orphans`, `owner`), not named ids.
    pub fn sweeping(&self) -> bool {
        self.all || self.expired || self.orphans || !self.labels.is_empty() || self.owner.is_some()
    }
}

/// What [`release`] did: one result per instance named or found.
pub struct Releasing {
    pub results: Vec<Released>,
    pub status: Status,
    /// Some release failed or was not confirmed: it may still bill (the error says which and
    /// how to release it).
    pub failure: Option<CliError>,
}

#[derive(Debug, Serialize)]
pub struct Released {
    pub id: String,
    pub name: String,
    /// `terminated`, `failed`, or `missing` (already gone, with `--missing-ok`).
    pub result: &'static str,
    pub message: Option<String>,
}

/// The row `wanted` names: this machine's ledger first, then this owner's, else it must be
/// the only one.
fn resolve<'a>(rows: &'a [Row], wanted: &str) -> Result<Option<&'a Row>, CliError> {
    let hits: Vec<&Row> = rows.iter().filter(|r| fleet::matches(r, wanted)).collect();
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
    args: &ReleaseRequest,
    owner: Option<&str>,
) -> Result<Chosen<'a>, CliError> {
    let now = SystemTime::now();
    let mut chosen: Vec<&Row> = Vec::new();
    let mut missing = Vec::new();
    for wanted in &args.ids {
        match resolve(rows, wanted)? {
            Some(r) if r.may_bill() => chosen.push(r),
            // Its provider could not be listed: the id is released by id, unconfirmed by a list.
            None if unlisted.iter().any(|r| fleet::matches(r, wanted)) => {}
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
            chosen.extend(unlisted.iter().filter(|r| fleet::matches(r, wanted)));
        }
    }
    let mut seen = std::collections::HashSet::new();
    chosen.retain(|r| seen.insert((r.provider.clone(), handle(r))));
    Ok(Chosen {
        rows: chosen,
        missing,
    })
}

/// Release what `args` names, once, and confirm each release with its provider. `Err` when
/// nothing could be tried; a release that failed is in [`Releasing::failure`], with every
/// result.
pub async fn release(
    args: &ReleaseRequest,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Releasing, CliError> {
    args.check()?;
    let store = &lifecycle::store(env)?;
    let fleet = fleet::survey(config, env, ui, store).await?;
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
    let sweeping = args.sweeping();
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
        return Ok(Releasing {
            results,
            status,
            failure: None,
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
            format!("{} ({}, {region})", handle(r), r.name())
        })
        .collect();
    if !lifecycle::confirm::release(&list, args.yes, ui).await? {
        ui.note("nothing released");
        return Ok(Releasing {
            results,
            status: Status::Failure,
            failure: None,
        });
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
                let written = releasing::record(
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
    if failed.is_empty() {
        return Ok(Releasing {
            results,
            status,
            failure: None,
        });
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
    Ok(Releasing {
        results,
        status: error.status,
        failure: Some(error),
    })
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
fn unlisted_rows(fleet: &fleet::Fleet, args: &ReleaseRequest, store: &Store) -> Vec<Row> {
    let ledger = store.read().ok();
    let mut rows = Vec::new();
    for wanted in &args.ids {
        let Some((provider, id)) = wanted.split_once(':') else {
            continue;
        };
        if id.is_empty() || !fleet.failures.iter().any(|e| e.provider == provider) {
            continue;
        }
        if fleet.rows.iter().any(|r| fleet::matches(r, wanted)) {
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

enum Done {
    /// Released and confirmed: `provider:id`.
    Released(String, releasing::Confirmed),
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
) -> Result<Done, releasing::NotReleased> {
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
    let confirmed = releasing::release(provider.as_ref(), &id, interval).await?;
    Ok(Done::Released(format!("{}:{id}", row.provider), confirmed))
}
