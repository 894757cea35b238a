//! Renting for an agent: the `[agent]` guardrails checked before anything is sent, then `gpu
//! up` (or `gpu run`) itself, with the agent's owner id and a price ceiling that keeps every
//! failover attempt inside the limits. Listing and releasing mark and keep to agents' instances.

use std::time::{Duration, SystemTime};

use rmcp::model::CallToolResult;
use rmcp::{Peer, RoleServer};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::env::{self, Env};
use crate::exit::CliError;
use crate::lifecycle::ledger::{EntryStatus, Store};
use crate::lifecycle::owner;
use crate::mcp::invoke::{error_result, Invoked};
use crate::mcp::limits::{self, Limits};
use crate::mcp::tools::{LaunchParams, RunParams};
use crate::mcp::Shared;

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

fn refused(e: CliError) -> CallToolResult {
    error_result(&e, &Default::default())
}

/// Who agents are here: the config, the ledger, and the owner id agents' instances carry.
struct Agent {
    limits: Limits,
    store: Store,
    owner: Option<String>,
}

fn agent(s: &Shared, create_owner: bool) -> Result<Agent, CliError> {
    // Listing and releasing go on whatever a typo elsewhere in the file, as `ls` and `down` do.
    let config = if create_owner {
        crate::config::load(s.config_path.as_deref())?
    } else {
        crate::config::load_lenient(s.config_path.as_deref())?.0
    };
    let store = crate::lifecycle::store(&s.env)?;
    let machine = if create_owner {
        Some(owner::resolve(&config, &s.env, &store)?)
    } else {
        owner::known(&config, &s.env, &store)
    };
    let owner = match (&config.agent.owner, machine) {
        (Some(o), _) => Some(o.clone()),
        (None, Some(m)) => Some(limits::agent_owner(&config.agent, &m)),
        (None, None) => None,
    };
    Ok(Agent {
        limits: config.agent,
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
    match guarded(s, what, peer).await {
        Ok(r) => r,
        Err(e) => refused(e),
    }
}

async fn guarded(
    s: &Shared,
    what: What,
    peer: Peer<RoleServer>,
) -> Result<CallToolResult, CliError> {
    let a = agent(s, true)?;
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
        if let Some(mut row) = running_agent_row(s, &owner, name).await {
            row["existing"] = json!(true);
            let mut v = serde_json::Map::new();
            v.insert("instance".into(), row);
            v.insert("status".into(), json!("success"));
            v.insert("exit_code".into(), json!(0));
            v.insert(
                "notes".into(),
                json!([format!("`{name}` is already running; launching nothing")]),
            );
            return Ok(CallToolResult::structured(Value::Object(v)));
        }
    }
    if owner_is_the_persons(s, &owner) {
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
    let agent_env = s
        .env
        .with(env::OWNER, &owner)
        .with(env::BUDGET_USD, &l.budget_usd.unwrap_or(0.0).to_string())
        .with(env::BUDGET_WINDOW, &format!("{}s", l.window().as_secs()))
        .with(env::BUDGET_MAX_INSTANCES, &l.max_instances().to_string());
    // The plan first: what would be tried, in order, with nothing sent.
    let dry = s.invoke(&up_args(&p, ttl, None, true), &agent_env).await;
    let plan = match (&dry.result, dry.json()) {
        (Ok(_), Some(v)) => v,
        (Err(e), _) => return Ok(error_result(e, &dry.caught)),
        (Ok(_), None) => return Err(CliError::failure("the launch plan could not be read")),
    };
    let attempts = plan["attempts"].as_array().cloned().unwrap_or_default();
    let Some(first) = attempts.first() else {
        return Err(CliError::new(
            crate::exit::Status::NoMatch,
            "no offer matches these filters",
        ));
    };
    // Every offer the plan would try is one the person allows.
    for attempt in &attempts {
        let o = &attempt["offer"];
        let gpu = o["gpu"].as_str().unwrap_or_default().to_string();
        let provider = o["provider"].as_str().unwrap_or_default().to_string();
        limits::check_request(
            l,
            Some(ttl),
            &[provider],
            &[gpu],
            &limits::Committed::default(),
        )?;
    }
    let cheapest = first["offer"]["price_per_hour_usd"]
        .as_f64()
        .unwrap_or(f64::INFINITY);
    let ceiling = limits::ceiling(l, &committed, ttl, cheapest)?;
    if l.confirm {
        confirm(&peer, first, ttl, &committed, l).await?;
        // What the person said yes to is what is launched: that offer, at most its price.
        p.offer_id = first["offer"]["offer_id"].as_str().map(str::to_string);
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
    let args = match &what {
        What::Up(_) => up_args(&p, ttl, Some(ceiling), false),
        What::Run(r) => run_args(&p, r, ttl, ceiling),
    };
    let invoked = match &what {
        // `up` keeps the lock to its end: failover writes a new entry per attempt.
        What::Up(_) => {
            let done = s.invoke(&args, &agent_env).await;
            drop(lock);
            done
        }
        What::Run(_) => {
            // One run at a time: `gpu run` forwards signals through process-wide state.
            let _one_run = s.runs.lock().await;
            hold_until_recorded(s, &args, &agent_env, lock, &a.store, &owner, &entries).await
        }
    };
    Ok(invoked.into_result(match what {
        What::Up(_) => "instance",
        What::Run(_) => "run",
    }))
}

/// Run the launch; the budget lock goes as soon as the ledger holds the new instance (or the
/// launch ends), so a long `run_command` does not hold every other launch back.
async fn hold_until_recorded(
    s: &Shared,
    args: &[String],
    env: &Env,
    lock: crate::lifecycle::ledger::NameLock,
    store: &Store,
    owner: &str,
    before: &[crate::lifecycle::ledger::Entry],
) -> Invoked {
    let work = s.invoke(args, env);
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
    first: &Value,
    ttl: Duration,
    committed: &limits::Committed,
    l: &Limits,
) -> Result<(), CliError> {
    let o = &first["offer"];
    let price = o["price_per_hour_usd"].as_f64().unwrap_or(0.0);
    let message = format!(
        "An agent asks to rent {}x {} on {} ({}) at ${price:.2}/hour for up to {} (up to ${:.2}). Committed so far: ${:.2} of ${:.2} per {}.",
        o["gpu_count"],
        o["gpu"].as_str().unwrap_or("?"),
        o["provider"].as_str().unwrap_or("?"),
        o["region"].as_str().unwrap_or("?"),
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

fn launch_common(p: &LaunchParams, ttl: Duration, ceiling: Option<f64>) -> Vec<String> {
    let mut f = p.filters.clone();
    if let Some(c) = ceiling {
        f.max_price_per_hour = Some(c);
    }
    let mut a = f.args();
    a.push(format!("--ttl={}s", ttl.as_secs()));
    if let Some(n) = &p.name {
        a.push(format!("--name={n}"));
    }
    for (k, v) in &p.labels {
        a.push(format!("--label={k}={v}"));
    }
    if let Some(i) = &p.image {
        a.push(format!("--image={i}"));
    }
    if p.one_attempt {
        a.push("--max-attempts=1".into());
    }
    a
}

/// The agent's instance of this name, if `gpu ls` shows it running (or starting).
async fn running_agent_row(s: &Shared, owner: &str, name: &str) -> Option<Value> {
    let full = format!("{}{name}", gpu_providers::NAME_PREFIX);
    let listed = s.invoke(&["ls".to_string(), "--json".into()], &s.env).await;
    let rows = listed.json()?;
    rows.as_array()?
        .iter()
        .find(|r| {
            r["owner"].as_str() == Some(owner)
                && (r["name"].as_str() == Some(name) || r["name"].as_str() == Some(&full))
                && !ended(r)
        })
        .cloned()
}

/// A `gpu ls` row of an instance that no longer bills.
fn ended(r: &Value) -> bool {
    matches!(
        r["state"].as_str().unwrap_or_default(),
        "released" | "failed" | "terminated"
    ) || matches!(
        r["ledger"].as_str().unwrap_or_default(),
        "gone" | "not created"
    )
}

/// Whether `owner` is the id this machine's own (a person's) instances carry.
fn owner_is_the_persons(s: &Shared, owner: &str) -> bool {
    let Ok(config) = crate::config::load(s.config_path.as_deref()) else {
        return false;
    };
    let Ok(store) = crate::lifecycle::store(&s.env) else {
        return false;
    };
    owner::known(&config, &s.env, &store).as_deref() == Some(owner)
}

fn up_args(p: &LaunchParams, ttl: Duration, ceiling: Option<f64>, dry_run: bool) -> Vec<String> {
    let mut a = vec!["up".to_string(), "--json".into()];
    a.extend(launch_common(p, ttl, ceiling));
    a.push(if dry_run { "--dry-run" } else { "--yes" }.into());
    if p.wait && !dry_run {
        a.push("--wait".into());
    }
    if let Some(o) = &p.offer_id {
        a.push("--".into());
        a.push(o.clone());
    }
    a
}

fn run_args(p: &LaunchParams, r: &RunParams, ttl: Duration, ceiling: f64) -> Vec<String> {
    let mut a = vec!["run".to_string(), "--json".into(), "--yes".into()];
    a.extend(launch_common(p, ttl, Some(ceiling)));
    // The command stops at the deadline at the latest: the budget counted no further.
    let max_time = match &r.max_time {
        Some(m) => duration(m, "max_time").map_or(ttl, |m| m.min(ttl)),
        None => ttl,
    };
    a.push(format!("--max-time={}s", max_time.as_secs()));
    if r.keep {
        a.push("--keep".into());
    }
    if let Some(o) = &p.offer_id {
        a.push(o.clone()); // checked: starts with no `-`
    }
    a.push("--".into());
    a.extend(r.command.iter().cloned());
    a
}

/// `gpu ls --json`, each row marked `agent` when an agent launched it.
pub async fn list(s: &Shared, history: bool) -> CallToolResult {
    let owner = agent(s, false).ok().and_then(|a| a.owner);
    let mut args = vec!["ls".to_string(), "--json".into()];
    if history {
        args.push("--history".into());
    }
    let invoked = s.invoke(&args, &s.env).await;
    let mut result = invoked.into_result("instances");
    if let Some(rows) = result
        .structured_content
        .as_mut()
        .and_then(|v| v.get_mut("instances"))
        .and_then(Value::as_array_mut)
    {
        for row in rows {
            let is_agent = owner.is_some() && row["owner"].as_str() == owner.as_deref();
            row["agent"] = json!(is_agent);
        }
    }
    if let Some(v) = &result.structured_content {
        result.content = vec![rmcp::model::ContentBlock::text(v.to_string())];
    }
    result
}

/// `gpu down --json --yes`, for agents' instances only.
pub async fn release(s: &Shared, ids: &[String], all: bool) -> CallToolResult {
    match release_checked(s, ids, all).await {
        Ok(r) => r,
        Err(e) => refused(e),
    }
}

async fn release_checked(
    s: &Shared,
    ids: &[String],
    all: bool,
) -> Result<CallToolResult, CliError> {
    if ids.is_empty() && !all {
        return Err(CliError::usage(
            "say what to release: `ids`, or `all: true` for every agent instance",
        ));
    }
    let a = agent(s, false)?;
    let Some(owner) = a.owner else {
        return Ok(CallToolResult::structured(
            json!({"released": [], "status": "success", "exit_code": 0}),
        ));
    };
    let listed = s.invoke(&["ls".to_string(), "--json".into()], &s.env).await;
    let rows = match (&listed.result, listed.json()) {
        (Ok(_), Some(Value::Array(rows))) => rows,
        (Err(e), _) => return Ok(error_result(e, &listed.caught)),
        _ => return Err(CliError::failure("the instance list could not be read")),
    };
    let is_agent = |r: &Value| r["owner"].as_str() == Some(owner.as_str());
    let mut targets: Vec<String> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    for wanted in ids {
        let hit = rows.iter().find(|r| {
            r["id"].as_str() == Some(wanted)
                || r["name"].as_str() == Some(wanted)
                || r["instance_id"].as_str() == Some(wanted)
        });
        match hit {
            Some(r) if is_agent(r) => targets.push(r["id"].as_str().unwrap_or(wanted).to_string()),
            Some(_) => {
                return Err(CliError::usage(format!(
                    "`{wanted}` was not launched by an agent; nothing was released"
                ))
                .hint(format!("a person releases it with `gpu down {wanted}`")))
            }
            // Not listed now: gone, or not known here. Never passed on to `down`, which
            // might find a person's instance by that name in its own listing.
            None => missing.push(wanted.clone()),
        }
    }
    if all {
        for r in rows.iter().filter(|r| is_agent(r)) {
            if ended(r) {
                continue;
            }
            if let Some(id) = r["id"].as_str() {
                if !targets.iter().any(|t| t == id) {
                    targets.push(id.to_string());
                }
            }
        }
    }
    let gone: Vec<Value> = missing
        .iter()
        .map(|m| json!({"id": m, "name": m, "result": "missing", "message": "not listed: already gone, or not an instance of this machine's agents"}))
        .collect();
    if targets.is_empty() {
        return Ok(CallToolResult::structured(
            json!({"released": gone, "status": "success", "exit_code": 0, "notes": ["no agent instance to release"]}),
        ));
    }
    let args = down_args(targets);
    let mut result = s.invoke(&args, &s.env).await.into_result("released");
    if let Some(list) = result
        .structured_content
        .as_mut()
        .and_then(|v| v.get_mut("released"))
        .and_then(Value::as_array_mut)
    {
        list.extend(gone);
    }
    if let Some(v) = &result.structured_content {
        result.content = vec![rmcp::model::ContentBlock::text(v.to_string())];
    }
    Ok(result)
}

/// Release the agents' instances `gpu ls` shows past their deadline (and only those).
pub async fn sweep_overdue(s: &Shared) {
    let Some(owner) = agent(s, false).ok().and_then(|a| a.owner) else {
        return;
    };
    let listed = s.invoke(&["ls".to_string(), "--json".into()], &s.env).await;
    let Some(Value::Array(rows)) = listed.json() else {
        return;
    };
    let overdue: Vec<String> = rows
        .iter()
        .filter(|r| {
            r["owner"].as_str() == Some(owner.as_str()) && r["overdue"] == true && !ended(r)
        })
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect();
    if overdue.is_empty() {
        return;
    }
    let args = down_args(overdue.iter().cloned());
    let done = s.invoke(&args, &s.env).await;
    crate::ui::stderr_line(&format!(
        "gpu mcp: released agents' instances past their deadline: {} ({})",
        overdue.join(", "),
        match &done.result {
            Ok(_) => "confirmed".to_string(),
            Err(e) => e.message.clone(),
        }
    ));
}

/// `gpu down` of these ids: confirmed, as JSON, an id already gone not an error.
fn down_args(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut args: Vec<String> = ["down", "--json", "--yes", "--missing-ok", "--"]
        .map(String::from)
        .into();
    args.extend(ids);
    args
}
