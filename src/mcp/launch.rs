//! Renting for an agent: the `[agent]` guardrails checked before anything is sent, then the
//! core's rent (or run) itself, with the agent's owner id, its budget, and a price ceiling
//! that keeps every failover attempt inside the limits. Listing and releasing mark and keep
//! to agents' instances.

use std::future::Future;
use std::time::{Duration, SystemTime};

use rmcp::model::CallToolResult;
use rmcp::{Peer, RoleServer};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use gpu_providers::Offer;

use crate::config::Config;
use crate::core::instances::{self, ListRequest, Listed, ReleaseRequest};
use crate::core::rent::{RentOutcome, RentRequest};
use crate::core::run::{RunOutcome, RunRequest};
use crate::exit::{CliError, Status};
use crate::lifecycle::budget::Budget;
use crate::lifecycle::ledger::{EntryStatus, Store};
use crate::lifecycle::owner;
use crate::mcp::answer::{self, error_result};
use crate::mcp::limits::{self, Limits};
use crate::mcp::tools::{LaunchParams, RunParams};
use crate::mcp::Shared;
use crate::ui::{Collected, Ui};

pub enum What {
    Up(LaunchParams),
    Run(RunParams),
}

/// The person's answer to a launch confirmation.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Confirm {
    /// Launch it (it bills until released or its deadline).
    pub launch: bool,
}
rmcp::elicit_safe!(Confirm);

fn refused(e: CliError, ui: &Ui) -> CallToolResult {
    error_result(&e, &ui.collected())
}

/// Who agents are here: the config, the ledger, and the owner id agents' instances carry.
struct Agent {
    limits: Limits,
    store: Store,
    owner: Option<String>,
}

fn agent(s: &Shared, config: &Config, create_owner: bool) -> Result<Agent, CliError> {
    let store = crate::lifecycle::store(&s.env)?;
    let machine = if create_owner {
        Some(owner::resolve(config, &s.env, &store)?)
    } else {
        owner::known(config, &s.env, &store)
    };
    let owner = match (&config.agent.owner, machine) {
        (Some(o), _) => Some(o.clone()),
        (None, Some(m)) => Some(limits::agent_owner(&config.agent, &m)),
        (None, None) => None,
    };
    Ok(Agent {
        limits: config.agent.clone(),
        store,
        owner,
    })
}

fn duration(value: &str, field: &str) -> Result<Duration, CliError> {
    humantime::parse_duration(value.trim())
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            CliError::usage(format!(
                "`{field}` is `{value}`; it must be a duration such as `2h`, `45m` or `1h30m`"
            ))
        })
}

fn agents_entries(
    store: &Store,
    owner: &str,
) -> Result<Vec<crate::lifecycle::ledger::Entry>, CliError> {
    Ok(store
        .read()?
        .entries
        .into_iter()
        .filter(|e| e.owner.as_deref() == Some(owner))
        .collect())
}

pub async fn launch(s: &Shared, what: What, peer: Peer<RoleServer>) -> CallToolResult {
    let ui = Ui::collecting(&s.env);
    match guarded(s, what, peer, &ui).await {
        Ok(r) => r,
        Err(e) => refused(e, &ui),
    }
}

/// What the agent asks for, as the core takes it: held to `ceiling` per hour, `ttl` at most.
fn rent_request(
    p: &LaunchParams,
    ttl: Duration,
    ceiling: Option<f64>,
    owner: &str,
    budget: Option<Budget>,
) -> Result<RentRequest, CliError> {
    let mut filter = p.filters.to_filter()?;
    if let Some(c) = ceiling {
        filter.max_price_per_hour = Some(c);
    }
    Ok(RentRequest {
        offer: p.offer_id.clone(),
        filter,
        name: p.name.clone(),
        labels: p.labels.clone().into_iter().collect(),
        image: p.image.clone(),
        ttl: Some(ttl),
        yes: true,
        max_attempts: if p.one_attempt { 1 } else { 3 },
        owner: Some(owner.to_string()),
        budget,
        wait: p.wait,
        json: true,
        ..Default::default()
    })
}

async fn guarded(
    s: &Shared,
    what: What,
    peer: Peer<RoleServer>,
    ui: &Ui,
) -> Result<CallToolResult, CliError> {
    let config = s.config(false, ui)?;
    let a = agent(s, &config, true)?;
    let owner = a.owner.clone().unwrap_or_default();
    let l = &a.limits;
    let mut p = match &what {
        What::Up(p) => p.clone(),
        What::Run(r) => r.launch.clone(),
    };
    if let Some(o) = &p.offer_id {
        if o.starts_with('-') || !o.contains(':') {
            return Err(CliError::usage(format!(
                "`offer_id` is `{o}`; it must be an offer id from `find_offers`, such as `lambda:gpu_1x_h100_pcie@us-east-1`"
            )));
        }
    }
    p.filters.check()?;
    let ttl = p.ttl.as_deref().map(|t| duration(t, "ttl")).transpose()?;
    // Where the person allows only some providers or GPUs, the search is held to them.
    if let (Some(allowed), true) = (&l.providers, p.filters.provider.is_empty()) {
        if p.offer_id.is_none() {
            p.filters.provider = allowed.clone();
        }
    }
    if let (Some(allowed), true) = (&l.gpus, p.filters.gpu.is_empty()) {
        if p.offer_id.is_none() {
            p.filters.gpu = allowed.clone();
        }
    }
    let mut providers = p.filters.provider.clone();
    if let Some(o) = &p.offer_id {
        providers.push(o.split(':').next().unwrap_or_default().to_string());
    }
    // One agent launch at a time on this machine, from the budget check until the ledger
    // holds the new instance: two calls can never both spend the same dollars.
    let lock = a.store.lock_name("agent-budget").await?;
    let now = SystemTime::now();
    let entries = agents_entries(&a.store, &owner)?;
    // A retry of a launch that went through finds its instance, running, and rents nothing;
    // a name whose instance has ended is launched anew, through every check below.
    if let (Some(name), What::Up(_)) = (&p.name, &what) {
        if let Some(row) = running_agent_row(s, &config, &owner, name).await {
            let mut row = answer::data(&row)?;
            row["existing"] = json!(true);
            let said = Collected {
                notes: vec![format!("`{name}` is already running; launching nothing")],
                ..Default::default()
            };
            return Ok(answer::result("instance", row, Status::Success, &said));
        }
    }
    if owner_is_the_persons(s, &config, &owner) {
        return Err(limits::refuse(format!(
            "`[agent] owner` is `{owner}`, the owner id of this machine's own instances: agents' instances must be told apart; choose another"
        )));
    }
    let committed = limits::committed(&entries, &owner, l.window(), now);
    // A named offer's GPU is known from the plan, below.
    let first_check = if p.offer_id.is_some() {
        Limits {
            gpus: None,
            ..l.clone()
        }
    } else {
        l.clone()
    };
    let ttl = limits::check_request(&first_check, ttl, &providers, &p.filters.gpu, &committed)?;

    // The launch itself holds the owner to the budget across machines: it reads every
    // provider before the create and again after it (see `lifecycle::budget`).
    let budget = l
        .budget_usd
        .filter(|u| u.is_finite() && *u > 0.0)
        .map(|usd| Budget {
            usd,
            window: l.window(),
            max_instances: Some(l.max_instances()),
        });
    // The plan first: what would be tried, in order, with nothing sent.
    let mut plan_request = rent_request(&p, ttl, None, &owner, budget)?;
    plan_request.dry_run = true;
    let plan_ui = Ui::collecting(&s.env);
    let planned = match crate::core::rent::rent(&plan_request, &config, &s.env, &plan_ui).await {
        Ok(RentOutcome::Planned(planned)) => planned,
        Ok(_) => return Err(CliError::failure("the launch plan could not be made")),
        Err(e) => return Ok(error_result(&e, &plan_ui.collected())),
    };
    let Some(first) = planned.attempts.first().map(|a| a.offer.clone()) else {
        return Err(CliError::new(
            Status::NoMatch,
            "no offer matches these filters",
        ));
    };
    // Every offer the plan would try is one the person allows.
    for attempt in &planned.attempts {
        let o = &attempt.offer;
        limits::check_request(
            l,
            Some(ttl),
            std::slice::from_ref(&o.provider),
            std::slice::from_ref(&o.gpu),
            &limits::Committed::default(),
        )?;
    }
    let cheapest = first.price_per_hour_usd;
    let ceiling = limits::ceiling(l, &committed, ttl, cheapest)?;
    if l.confirm {
        confirm(&peer, &first, ttl, &committed, l).await?;
        // What the person said yes to is what is launched: that offer, at most its price.
        p.offer_id = Some(first.offer_id.clone());
        p.filters = Default::default();
        p.filters.max_price_per_hour = Some(cheapest);
        p.one_attempt = true;
    }
    // Every attempt, failover included, stays under the ceiling.
    let ceiling = p
        .filters
        .max_price_per_hour
        .map_or(ceiling, |m| m.min(ceiling))
        + 1e-9;
    let request = rent_request(&p, ttl, Some(ceiling), &owner, budget)?;
    match &what {
        // `up` keeps the lock to its end: failover writes a new entry per attempt.
        What::Up(_) => {
            let done = crate::core::rent::rent(&request, &config, &s.env, ui).await;
            drop(lock);
            let said = ui.collected();
            Ok(match done {
                Ok(RentOutcome::Rented(r)) => {
                    let data = answer::data(&r.instance)?;
                    match &r.failure {
                        Some(e) => answer::error_with(e, Some(("instance", data)), &said),
                        None => answer::result("instance", data, r.status, &said),
                    }
                }
                Ok(_) => error_result(&CliError::failure("nothing was launched"), &said),
                Err(e) => error_result(&e, &said),
            })
        }
        What::Run(r) => {
            // The command stops at the deadline at the latest: the budget counted no further.
            let max_time = match &r.max_time {
                Some(m) => duration(m, "max_time")?.min(ttl),
                None => ttl,
            };
            if r.command.iter().all(|c| c.trim().is_empty()) {
                return Err(CliError::usage(
                    "`command` is empty; give the command to run, e.g. [\"nvidia-smi\"]",
                ));
            }
            let run = RunRequest {
                rent: request,
                sync: None,
                keep: r.keep,
                max_time: Some(max_time),
                max_cost: None,
                sync_back: None,
                recover: 0,
                identity: None,
                command: r.command.clone(),
            };
            // One run at a time: a run forwards signals through process-wide state.
            let _one_run = s.runs.lock().await;
            let work = crate::core::run::run(&run, &config, &s.env, ui);
            let done = hold_until_recorded(work, lock, &a.store, &owner, &entries).await;
            let said = ui.collected();
            Ok(match done {
                Ok(RunOutcome::Ran { report, status }) => {
                    answer::result("run", answer::data(&report)?, status, &said)
                }
                Ok(_) => error_result(&CliError::failure("nothing was run"), &said),
                Err(failed) => error_result(&failed.error, &said),
            })
        }
    }
}

/// Run the launch; the budget lock goes as soon as the ledger holds the new instance (or the
/// launch ends), so a long `run_command` does not hold every other launch back.
async fn hold_until_recorded<T>(
    work: impl Future<Output = T>,
    lock: crate::lifecycle::ledger::NameLock,
    store: &Store,
    owner: &str,
    before: &[crate::lifecycle::ledger::Entry],
) -> T {
    tokio::pin!(work);
    let mut lock = Some(lock);
    loop {
        tokio::select! {
            done = &mut work => return done,
            () = tokio::time::sleep(Duration::from_millis(200)), if lock.is_some() => {
                // Gone only once an instance exists (or may): a failed attempt is followed by
                // the next one, which the budget must still see coming.
                let created = agents_entries(store, owner).is_ok_and(|now| {
                    now.iter().any(|e| {
                        !before.iter().any(|b| b.name == e.name && b.created_at == e.created_at)
                            && matches!(e.status, EntryStatus::Launched | EntryStatus::Unknown)
                    })
                });
                if created {
                    lock = None;
                }
            }
        }
    }
}

async fn confirm(
    peer: &Peer<RoleServer>,
    o: &Offer,
    ttl: Duration,
    committed: &limits::Committed,
    l: &Limits,
) -> Result<(), CliError> {
    let price = o.price_per_hour_usd;
    let message = format!(
        "An agent asks to rent {}x {} on {} ({}) at ${price:.2}/hour for up to {} (up to ${:.2}). Committed so far: ${:.2} of ${:.2} per {}.",
        o.gpu_count,
        o.gpu,
        o.provider,
        o.region,
        limits::span(ttl),
        price * ttl.as_secs_f64() / 3600.0,
        committed.total(),
        l.budget_usd.unwrap_or(0.0),
        limits::span(l.window()),
    );
    match peer.elicit::<Confirm>(message).await {
        Ok(Some(Confirm { launch: true })) => Ok(()),
        Ok(_)
        | Err(rmcp::service::ElicitationError::UserDeclined)
        | Err(rmcp::service::ElicitationError::UserCancelled) => Err(limits::refuse(
            "the person declined the launch; nothing was sent".into(),
        )),
        Err(e) => Err(limits::refuse(format!(
            "`[agent] confirm` is on and this client cannot ask a person ({e}); nothing was sent"
        ))),
    }
}

/// The instances `gpu ls` shows, as the core lists them; what the listing says is not kept.
async fn rows(s: &Shared, config: &Config) -> Result<Vec<Listed>, (CliError, Collected)> {
    let ui = Ui::collecting(&s.env);
    match instances::list(&ListRequest::default(), config, &s.env, &ui).await {
        Ok(listing) => Ok(listing.rows),
        Err(e) => Err((e, ui.collected())),
    }
}

/// The agent's instance of this name, if it runs (or starts).
async fn running_agent_row(s: &Shared, config: &Config, owner: &str, name: &str) -> Option<Listed> {
    let full = format!("{}{name}", gpu_providers::NAME_PREFIX);
    rows(s, config).await.ok()?.into_iter().find(|r| {
        r.owner.as_deref() == Some(owner) && (r.name == name || r.name == full) && !ended(r)
    })
}

/// A row of an instance that no longer bills.
fn ended(r: &Listed) -> bool {
    matches!(r.state.as_str(), "released" | "failed" | "terminated")
        || matches!(r.ledger.as_str(), "gone" | "not created")
}

/// Whether `owner` is the id this machine's own (a person's) instances carry.
fn owner_is_the_persons(s: &Shared, config: &Config, owner: &str) -> bool {
    let Ok(store) = crate::lifecycle::store(&s.env) else {
        return false;
    };
    owner::known(config, &s.env, &store).as_deref() == Some(owner)
}

/// `gpu ls --json`, each row marked `agent` when an agent launched it.
pub async fn list(s: &Shared, history: bool) -> CallToolResult {
    let ui = Ui::collecting(&s.env);
    let outcome = async {
        // Listing goes on whatever a typo elsewhere in the file, as `gpu ls` does.
        let config = s.config(true, &ui)?;
        let owner = agent(s, &config, false).ok().and_then(|a| a.owner);
        let listing = instances::list(&ListRequest { history }, &config, &s.env, &ui).await?;
        let status = listing.finish(true, &config, &s.env, &ui);
        let mut rows = answer::data(&listing.rows)?;
        for row in rows.as_array_mut().into_iter().flatten() {
            let is_agent = owner.is_some() && row["owner"].as_str() == owner.as_deref();
            row["agent"] = json!(is_agent);
        }
        Ok((rows, status))
    }
    .await;
    answer::from("instances", outcome, &ui)
}

/// `gpu down --json --yes`, for agents' instances only.
pub async fn release(s: &Shared, ids: &[String], all: bool) -> CallToolResult {
    let ui = Ui::collecting(&s.env);
    match release_checked(s, ids, all, &ui).await {
        Ok(r) => r,
        Err(e) => refused(e, &ui),
    }
}

async fn release_checked(
    s: &Shared,
    ids: &[String],
    all: bool,
    ui: &Ui,
) -> Result<CallToolResult, CliError> {
    if ids.is_empty() && !all {
        return Err(CliError::usage(
            "say what to release: `ids`, or `all: true` for every agent instance",
        ));
    }
    // Releasing goes on whatever a typo elsewhere in the file, as `gpu down` does.
    let config = s.config(true, ui)?;
    let a = agent(s, &config, false)?;
    let Some(owner) = a.owner else {
        return Ok(CallToolResult::structured(
            json!({"released": [], "status": "success", "exit_code": 0}),
        ));
    };
    let rows = match rows(s, &config).await {
        Ok(rows) => rows,
        Err((e, said)) => return Ok(error_result(&e, &said)),
    };
    let is_agent = |r: &Listed| r.owner.as_deref() == Some(owner.as_str());
    let mut targets: Vec<String> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    for wanted in ids {
        let hit = rows.iter().find(|r| {
            r.id == *wanted || r.name == *wanted || r.instance_id.as_deref() == Some(wanted)
        });
        match hit {
            Some(r) if is_agent(r) => targets.push(r.id.clone()),
            Some(_) => {
                return Err(CliError::usage(format!(
                    "`{wanted}` was not launched by an agent; nothing was released"
                ))
                .hint(format!("a person releases it with `gpu down {wanted}`")))
            }
            // Not listed now: gone, or not known here. Never passed on to the release, which
            // might find a person's instance by that name in its own listing.
            None => missing.push(wanted.clone()),
        }
    }
    if all {
        for r in rows.iter().filter(|r| is_agent(r) && !ended(r)) {
            if !targets.contains(&r.id) {
                targets.push(r.id.clone());
            }
        }
    }
    let gone: Vec<serde_json::Value> = missing
        .iter()
        .map(|m| json!({"id": m, "name": m, "result": "missing", "message": "not listed: already gone, or not an instance of this machine's agents"}))
        .collect();
    if targets.is_empty() {
        return Ok(CallToolResult::structured(
            json!({"released": gone, "status": "success", "exit_code": 0, "notes": ["no agent instance to release"]}),
        ));
    }
    let done = instances::release(&release_request(targets), &config, &s.env, ui).await;
    let said = ui.collected();
    let done = match done {
        Ok(d) => d,
        Err(e) => return Ok(error_result(&e, &said)),
    };
    let mut released = answer::data(&done.results)?;
    if let Some(list) = released.as_array_mut() {
        list.extend(gone);
    }
    Ok(match &done.failure {
        Some(e) => answer::error_with(e, Some(("released", released)), &said),
        None => answer::result("released", released, done.status, &said),
    })
}

/// Release the agents' instances `gpu ls` shows past their deadline (and only those).
pub async fn sweep_overdue(s: &Shared) {
    let ui = Ui::collecting(&s.env);
    let Ok(config) = s.config(true, &ui) else {
        return;
    };
    let Some(owner) = agent(s, &config, false).ok().and_then(|a| a.owner) else {
        return;
    };
    let Ok(rows) = rows(s, &config).await else {
        return;
    };
    let overdue: Vec<String> = rows
        .iter()
        .filter(|r| r.owner.as_deref() == Some(owner.as_str()) && r.overdue && !ended(r))
        .map(|r| r.id.clone())
        .collect();
    if overdue.is_empty() {
        return;
    }
    let done = instances::release(&release_request(overdue.clone()), &config, &s.env, &ui).await;
    crate::ui::stderr_line(&format!(
        "gpu mcp: released agents' instances past their deadline: {} ({})",
        overdue.join(", "),
        match done {
            Ok(d) => match d.failure {
                Some(e) => e.message,
                None => "confirmed".to_string(),
            },
            Err(e) => e.message,
        }
    ));
}

/// `gpu down` of these ids: confirmed, as JSON, an id already gone not an error.
fn release_request(ids: Vec<String>) -> ReleaseRequest {
    ReleaseRequest {
        ids,
        missing_ok: true,
        yes: true,
        json: true,
        ..Default::default()
    }
}
