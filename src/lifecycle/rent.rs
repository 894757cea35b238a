//! Renting, as `up` and `run` share it: the name and its lock, an instance of that name that
//! already runs, the offers to try, and the dry run that shows what would be sent.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use gpu_providers::{Instance, Offer};
use serde::Serialize;

use crate::cli::{LaunchArgs, SortKey};
use crate::config::Config;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::gather;
use crate::lifecycle::boot::{self, BootSpec};
use crate::lifecycle::choose::{self, SshKey};
use crate::lifecycle::launch::{self, Spec};
use crate::lifecycle::ledger::{Entry, NameLock, Store};
use crate::lifecycle::owner;
use crate::output;
use crate::rank::Filters;
use crate::ui::Ui;

/// Everything decided before the create: which offers, in which order, with what.
pub struct Plan {
    pub name: String,
    pub owner: String,
    pub launcher: String,
    pub filters: Filters,
    pub tries: Vec<Offer>,
    pub key: SshKey,
    pub boot: BootSpec,
    /// Unix seconds.
    pub deadline: Option<u64>,
    pub image: Option<String>,
    pub disk_gb: Option<u32>,
    pub labels: BTreeMap<String, String>,
    /// Held from the existence check until the outcome is recorded.
    pub lock: Option<NameLock>,
}

impl Plan {
    pub fn spec(&self, json: bool) -> Spec<'_> {
        Spec {
            name: &self.name,
            owner: &self.owner,
            launcher: &self.launcher,
            deadline: self.deadline,
            key: &self.key,
            image: self.image.clone(),
            disk_gb: self.disk_gb,
            labels: self.labels.clone(),
            boot: &self.boot,
            json,
        }
    }
}

pub enum Prepared {
    /// An instance of this name and owner already runs; nothing is to be launched.
    Existing(Box<(Instance, Entry)>),
    Plan(Box<Plan>),
}

/// Check the ledger, take the name, look for a running instance of that name, and choose the
/// offers. `ttl` is the deadline to keep at the provider.
pub async fn prepare(
    args: &LaunchArgs,
    ttl: Option<Duration>,
    store: &Store,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Prepared, CliError> {
    let name = choose::new_name(args.name.as_deref())?;
    // Read and check what the instance gets at boot before anything is asked.
    let boot_spec = BootSpec::from_args(args, env)?;
    // A ledger that cannot be read (empty, corrupt, unreadable) stops everything here: what it
    // held may still bill, and launching more would only add to it.
    store.read()?;
    let owner_id = owner::resolve(config, env, store)?;
    let launcher = owner::launcher(store)?;
    // One launch per name at a time on this machine: the check and the record go together.
    let lock = store.lock_name(&name).await?;
    crate::rank::check_gpu_names(&args.filters)?;
    let filters = Filters::from_args(&args.filters);
    let mut scope = filters.providers.clone();
    if let Some((p, _)) = args.offer.as_deref().and_then(|o| o.split_once(':')) {
        scope = vec![p.to_string()];
    }
    if let Some(found) = launch::existing(
        &name,
        &owner_id,
        args.name.is_some(),
        &scope,
        store,
        config,
        env,
        ui,
    )
    .await?
    {
        return Ok(Prepared::Existing(Box::new(found)));
    }
    let sort = args.sort.unwrap_or(SortKey::Total);
    let offers = choose::candidates(args, &filters, sort, config, env, ui).await?;
    let named = args.offer.is_some() || !filters.providers.is_empty();
    let offers = boot::usable(offers, &boot_spec, named, config, env, ui)?;
    let can_launch_somewhere = gpu_providers::REGISTRY
        .iter()
        .any(|e| e.capabilities.launch && choose::launchable(e.id, config, env));
    if offers.is_empty() && !can_launch_somewhere {
        let keys: Vec<String> = gpu_providers::REGISTRY
            .iter()
            .filter(|e| e.capabilities.launch)
            .map(|e| format!("{} ({})", crate::lifecycle::key_vars(e.id), e.id))
            .collect();
        return Err(CliError::new(
            Status::Auth,
            "no provider you can launch on has a key here, so nothing can be rented",
        )
        .hint(format!(
            "set one of {}; `gpu providers` shows each with how to get a key",
            keys.join(", ")
        )));
    }
    if offers.is_empty() {
        return Err(CliError::new(Status::NoMatch, "no live offer you can launch matches these filters").hint(
            "`gpu find` shows every offer; launching needs a provider that can launch (`gpu providers`) and its API key",
        ));
    }
    let key = choose::resolve_ssh_key(args.ssh_key.as_deref(), config, ui)?;
    let tries = offers
        .into_iter()
        .take(args.max_attempts as usize)
        .collect();
    Ok(Prepared::Plan(Box::new(Plan {
        name,
        owner: owner_id,
        launcher,
        filters,
        tries,
        key,
        boot: boot_spec,
        deadline: ttl.map(|t| owner::unix(SystemTime::now() + t)),
        image: args.image.clone(),
        disk_gb: args.filters.disk,
        labels: args.labels.iter().cloned().collect(),
        lock: Some(lock),
    })))
}

/// The question asked before launching.
pub fn question(plan: &Plan) -> String {
    let more = if plan.tries.len() > 1 {
        format!(
            " (then up to {} next offers if it has no capacity)",
            plan.tries.len() - 1
        )
    } else {
        String::new()
    };
    format!("Launch {}{more}?", choose::describe(&plan.tries[0]))
}

#[derive(Serialize)]
struct DryRun<'a> {
    dry_run: bool,
    name: &'a str,
    owner: &'a str,
    deadline: Option<String>,
    env: Vec<String>,
    startup_script: Option<&'a str>,
    attempts: Vec<Attempt<'a>>,
    #[serde(flatten)]
    then: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
struct Attempt<'a> {
    offer: &'a Offer,
    requests: Vec<gpu_providers::PlannedRequest>,
}

/// Print what would be sent, secrets masked; `then` adds what would follow (for `run`), as
/// text lines and as JSON fields.
pub async fn dry_run(
    plan: &Plan,
    command: &str,
    json: bool,
    then: (&[String], serde_json::Map<String, serde_json::Value>),
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
    let spec = plan.spec(json);
    let mut attempts = Vec::new();
    for offer in &plan.tries {
        let (_, provider) = gather::build(&offer.provider, config, env, ui)
            .map_err(|e| CliError::failure(format!("`{}`: {}", offer.provider, e.message)))?;
        let mut requests = provider
            .launch_preview(&launch::request(offer, &spec))
            .await
            .map_err(|e| CliError::usage(plan.boot.mask_text(&e.message)))?;
        plan.boot.mask(&mut requests);
        attempts.push(Attempt { offer, requests });
    }
    let deadline = plan.deadline.map(owner::rfc3339);
    let text = if json {
        let mut s = serde_json::to_string_pretty(&DryRun {
            dry_run: true,
            name: &plan.name,
            owner: &plan.owner,
            deadline,
            env: plan.boot.shown_env(),
            startup_script: plan.boot.script_path.as_deref(),
            attempts,
            then: then.1,
        })
        .map_err(|e| CliError::failure(e.to_string()))?;
        s.push('\n');
        s
    } else {
        let mut s = format!(
            "dry run: `gpu {command}` would launch `{}`, trying in order:\n",
            plan.name
        );
        if let Some(d) = &deadline {
            s.push_str(&format!("deadline: {d}\n"));
        }
        if !plan.boot.env.is_empty() {
            s.push_str(&format!("env: {}\n", plan.boot.shown_env().join(" ")));
        }
        if let Some(p) = &plan.boot.script_path {
            s.push_str(&format!("startup script: {p}\n"));
        }
        for (n, a) in attempts.iter().enumerate() {
            s.push_str(&format!(
                "{}. {} ({})\n",
                n + 1,
                choose::describe(a.offer),
                a.offer.offer_id
            ));
            for r in &a.requests {
                s.push_str(&format!("   {} {}\n", r.method, r.url));
                if let Some(b) = &r.body {
                    s.push_str(&format!("   {b}\n"));
                }
            }
        }
        for line in then.0 {
            s.push_str(line);
            s.push('\n');
        }
        s.push_str("nothing was sent that creates anything\n");
        s
    };
    output::write_stdout(&text).or_else(crate::commands::providers::ignore_broken_pipe)?;
    Ok(Status::Success)
}
