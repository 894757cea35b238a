//! Renting, as `up` and `run` share it: the name and its lock, an instance of that name that
//! already runs, the offers to try, and the dry run that shows what would be sent.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use gpu_providers::{Instance, Offer};

use crate::config::Config;
use crate::core::find::SortKey;
use crate::core::rent::{Planned, PlannedAttempt, RentRequest};
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::gather;
use crate::lifecycle::boot::{self, BootSpec};
use crate::lifecycle::choose::{self, SshKey};
use crate::lifecycle::launch::{self, Spec};
use crate::lifecycle::ledger::{Entry, NameLock, Store};
use crate::lifecycle::owner;
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
    pub budget: Option<crate::lifecycle::budget::Budget>,
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
            budget: self.budget,
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
    args: &RentRequest,
    ttl: Option<Duration>,
    store: &Store,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Prepared, CliError> {
    let name = choose::new_name(args.name.as_deref())?;
    // Read and check what the instance gets at boot before anything is asked.
    let boot_spec = BootSpec::from_request(args, env)?;
    // A ledger that cannot be read (empty, corrupt, unreadable) stops everything here: what it
    // held may still bill, and launching more would only add to it.
    store.read()?;
    let owner_id = match &args.owner {
        Some(o) => owner::check(o, "the owner id")?,
        None => owner::resolve(config, env, store)?,
    };
    let launcher = owner::launcher(store)?;
    // One launch per name at a time on this machine: the check and the record go together.
    let lock = store.lock_name(&name).await?;
    crate::rank::check_gpu_names(&args.filter)?;
    let filters = Filters::from_request(&args.filter);
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
        disk_gb: args.filter.disk_gb,
        labels: args.labels.iter().cloned().collect(),
        budget: args.budget.or(config.budget),
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

/// What would be sent, secrets masked: each offer to try, with its requests.
pub async fn planned(
    plan: &Plan,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Planned, CliError> {
    let spec = plan.spec(false);
    let mut attempts = Vec::new();
    for offer in &plan.tries {
        let (_, provider) = gather::build(&offer.provider, config, env, ui)
            .map_err(|e| CliError::failure(format!("`{}`: {}", offer.provider, e.message)))?;
        let mut requests = provider
            .launch_preview(&launch::request(offer, &spec))
            .await
            .map_err(|e| CliError::usage(plan.boot.mask_text(&e.message)))?;
        plan.boot.mask(&mut requests);
        attempts.push(PlannedAttempt {
            offer: offer.clone(),
            requests,
        });
    }
    Ok(Planned {
        dry_run: true,
        name: plan.name.clone(),
        owner: plan.owner.clone(),
        deadline: plan.deadline.map(owner::rfc3339),
        env: plan.boot.shown_env(),
        startup_script: plan.boot.script_path.clone(),
        attempts,
    })
}
