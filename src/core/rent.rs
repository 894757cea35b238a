//! Renting one instance: what to rent (an offer id, or the cheapest offer that matches), what
//! it gets at boot, its name, deadline and labels, and how many offers to try. The steps are
//! in [`crate::lifecycle`]; this file names the request and the results.

use std::path::PathBuf;
use std::time::Duration;

use gpu_providers::{Instance, Offer, PlannedRequest, State};
use serde::Serialize;

use crate::config::Config;
use crate::core::find::{OfferFilter, SortKey};
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::gather;
use crate::lifecycle::launch;
use crate::lifecycle::ledger::Entry;
use crate::lifecycle::rent::{self, Prepared};
use crate::lifecycle::wait::{self, WaitError};
use crate::lifecycle::{self, owner, poll_interval, reconcile::short_duration};
use crate::ui::Ui;

/// How long a launch waits for the instance to run and answer on SSH unless told otherwise.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(15 * 60);

/// Rent one instance.
#[derive(Debug, Clone)]
pub struct RentRequest {
    /// An offer id from [`crate::core::find`] (`lambda:gpu_1x_h100_pcie@us-east-1`); without
    /// one, the cheapest live offer matching `filter` is tried first.
    pub offer: Option<String>,
    pub filter: OfferFilter,
    /// An SSH public key file, or the name of a key registered with the provider.
    pub ssh_key: Option<String>,
    /// The instance's name (prefixed with `gpu-`): renting the same name again finds the
    /// instance instead of renting a second one.
    pub name: Option<String>,
    pub labels: Vec<(String, String)>,
    /// A container or machine image, where the provider takes one.
    pub image: Option<String>,
    /// Variables for the instance: `KEY=VALUE`, or `KEY` for this process's value of it.
    pub env: Vec<String>,
    /// A script the instance runs as root once at boot.
    pub startup_script: Option<PathBuf>,
    /// How long to wait for the instance to run and answer on SSH.
    pub wait_timeout: Duration,
    /// The deadline, kept at the provider.
    pub ttl: Option<Duration>,
    /// Plan only: say what would be sent, send nothing that creates anything.
    pub dry_run: bool,
    /// Rent without asking.
    pub yes: bool,
    /// The order offers are tried in [default: the whole instance's price per hour].
    pub sort: Option<SortKey>,
    /// Offers to try when one has no capacity.
    pub max_attempts: u32,
    /// Seconds to wait for each provider's API.
    pub timeout: Option<f64>,
    /// The owner id the instance carries at the provider [default: this machine's, as
    /// `GPU_OWNER`, `owner` in the config or the data directory's own id say].
    pub owner: Option<String>,
    /// The budget the launch must fit across every machine of its owner [default: `[budget]`
    /// in the config].
    pub budget: Option<crate::lifecycle::budget::Budget>,
    /// Wait until the instance runs and its SSH port answers (`run` always waits).
    pub wait: bool,
    /// Stdout is one JSON object for a script: what an interrupt says goes there too.
    pub json: bool,
}

impl Default for RentRequest {
    fn default() -> RentRequest {
        RentRequest {
            offer: None,
            filter: OfferFilter::default(),
            ssh_key: None,
            name: None,
            labels: Vec::new(),
            image: None,
            env: Vec::new(),
            startup_script: None,
            wait_timeout: DEFAULT_WAIT,
            ttl: None,
            dry_run: false,
            yes: false,
            sort: None,
            max_attempts: 3,
            timeout: None,
            owner: None,
            budget: None,
            wait: false,
            json: false,
        }
    }
}

/// A dry run: what would be tried, in order, and the requests each would send (secrets
/// masked). Nothing was sent that creates anything.
#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    pub dry_run: bool,
    pub name: String,
    /// The owner id the instance would carry at the provider.
    pub owner: String,
    /// RFC 3339.
    pub deadline: Option<String>,
    /// `KEY=VALUE` for the instance, secret values masked.
    pub env: Vec<String>,
    pub startup_script: Option<String>,
    pub attempts: Vec<PlannedAttempt>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedAttempt {
    pub offer: Offer,
    pub requests: Vec<PlannedRequest>,
}

impl Planned {
    /// The dry run as a person reads it; `command` is `up` or `run`, `then` what would follow.
    pub fn text(&self, command: &str, then: &[String]) -> String {
        let mut s = format!(
            "dry run: `gpu {command}` would launch `{}`, trying in order:\n",
            self.name
        );
        if let Some(d) = &self.deadline {
            s.push_str(&format!("deadline: {d}\n"));
        }
        if !self.env.is_empty() {
            s.push_str(&format!("env: {}\n", self.env.join(" ")));
        }
        if let Some(p) = &self.startup_script {
            s.push_str(&format!("startup script: {p}\n"));
        }
        for (n, a) in self.attempts.iter().enumerate() {
            s.push_str(&format!(
                "{}. {} ({})\n",
                n + 1,
                crate::lifecycle::choose::describe(&a.offer),
                a.offer.offer_id
            ));
            for r in &a.requests {
                s.push_str(&format!("   {} {}\n", r.method, r.url));
                if let Some(b) = &r.body {
                    s.push_str(&format!("   {b}\n"));
                }
            }
        }
        for line in then {
            s.push_str(line);
            s.push('\n');
        }
        s.push_str("nothing was sent that creates anything\n");
        s
    }

    /// The dry run as one JSON object (pretty, with a newline), with `then`'s fields (for
    /// `run`) after its own.
    pub fn json_text(
        &self,
        then: serde_json::Map<String, serde_json::Value>,
    ) -> Result<String, serde_json::Error> {
        #[derive(Serialize)]
        struct With<'a> {
            #[serde(flatten)]
            plan: &'a Planned,
            #[serde(flatten)]
            then: serde_json::Map<String, serde_json::Value>,
        }
        let mut s = serde_json::to_string_pretty(&With { plan: self, then })?;
        s.push('\n');
        Ok(s)
    }
}

/// What [`rent`] did.
pub enum RentOutcome {
    /// Rented, or found running under its name (`instance.existing`).
    Rented(Box<Rented>),
    /// `dry_run`: what would be sent.
    Planned(Planned),
    /// The person said no; nothing was sent.
    Declined,
}

/// An instance that bills now.
pub struct Rented {
    pub instance: Launched,
    /// `WaitTimeout` when it did not answer on SSH in time (it still runs).
    pub status: Status,
    /// It runs, but something after the create failed (the ledger could not record it): the
    /// error names it and the command that releases it.
    pub failure: Option<CliError>,
}

/// What `up --json` prints: one object.
#[derive(Debug, Serialize)]
pub struct Launched {
    pub id: String,
    pub provider: String,
    pub instance_id: String,
    pub name: String,
    pub offer_id: String,
    pub state: State,
    pub gpu: String,
    pub gpu_count: u32,
    pub region: String,
    /// What the whole instance costs per hour.
    pub price_per_hour_usd: f64,
    pub price_per_gpu_hour_usd: f64,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub ssh_command: Option<String>,
    /// RFC 3339; also kept at the provider.
    pub deadline: Option<String>,
    /// The owner id the instance carries at the provider.
    pub owner: Option<String>,
    /// True when `up` found this name already running and launched nothing.
    pub existing: bool,
}

/// Rent one instance: the offers to try, the question (unless `yes`), the create (recorded
/// first, settled whatever the answer), and with `wait` the wait for SSH. An instance of
/// this name that already runs is the answer, with nothing rented.
pub async fn rent(
    args: &RentRequest,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<RentOutcome, CliError> {
    let env = &lifecycle::with_timeout(env, args.timeout);
    let store = lifecycle::store(env)?;
    let mut plan = match rent::prepare(args, args.ttl, &store, config, env, ui).await? {
        Prepared::Existing(found) => {
            let (instance, mut entry) = *found;
            if let Some(ttl) = args.ttl {
                entry.deadline =
                    keep_or_extend(&instance, &entry, ttl, args.budget, &store, config, env, ui)
                        .await;
            }
            ui.note(&format!(
                "`{}` is already running; launching nothing ({}:{}, {})",
                entry.name,
                instance.provider,
                instance.id,
                match entry
                    .deadline
                    .clone()
                    .or(instance.deadline.map(owner::rfc3339))
                {
                    Some(d) => format!("its deadline {d}"),
                    None => "with no deadline".to_string(),
                }
            ));
            return Ok(RentOutcome::Rented(Box::new(Rented {
                instance: view(&instance, &entry, true),
                status: Status::Success,
                failure: None,
            })));
        }
        Prepared::Plan(plan) => *plan,
    };
    if args.dry_run {
        return Ok(RentOutcome::Planned(
            rent::planned(&plan, config, env, ui).await?,
        ));
    }
    if !lifecycle::confirm::ask(&rent::question(&plan), args.yes, ui).await? {
        ui.note("nothing launched");
        return Ok(RentOutcome::Declined);
    }
    let spec = plan.spec(args.json);
    let launched = launch::launch(&plan.tries, &plan.filters, &spec, &store, config, env, ui)
        .await
        .map_err(|e| plan.boot.mask_error(e))?;
    drop(plan.lock.take()); // recorded: another `up --name` now finds it
    if let Some(e) = launched.unrecorded {
        // The instance runs and bills; the error names it and the command that releases it.
        return Ok(RentOutcome::Rented(Box::new(Rented {
            instance: view(&launched.instance, &launched.entry, false),
            status: e.status,
            failure: Some(e),
        })));
    }
    finish(launched, args, &store, config, env, ui)
        .await
        .map(|r| RentOutcome::Rented(Box::new(r)))
}

/// A retried `up --name X --ttl ...` on a running X: a deadline no later than the one it
/// has changes nothing; a later one is moved at the provider where its API can, and said
/// where it cannot. Returns the deadline X has now (RFC 3339).
#[allow(clippy::too_many_arguments)]
async fn keep_or_extend(
    instance: &Instance,
    entry: &Entry,
    ttl: std::time::Duration,
    budget: Option<lifecycle::budget::Budget>,
    store: &lifecycle::ledger::Store,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Option<String> {
    let current = instance
        .deadline
        .or_else(|| entry.deadline.as_deref().and_then(owner::parse_rfc3339));
    // The deadline the provider keeps is by its clock (see `launch::by_providers_clock`): the
    // one asked for now is counted the same way, so a retried step asks for the same one.
    let wanted = launch::by_providers_clock(
        &instance.provider,
        owner::unix(std::time::SystemTime::now() + ttl),
    );
    // A re-run of the same step asks for a little later than the first run did: within a
    // minute, or earlier, is the same deadline.
    if let Some(c) = current.filter(|c| wanted <= c + 60) {
        return Some(owner::rfc3339(c));
    }
    let had = current.map_or("no deadline".to_string(), owner::rfc3339);
    // A later deadline commits more: it must fit the owner's budget like a launch.
    if let Some(b) = budget.or(config.budget) {
        let owner_id = instance
            .owner
            .clone()
            .or(entry.owner.clone())
            .unwrap_or_default();
        let price = instance
            .price_per_hour_usd
            .unwrap_or(entry.price_per_hour_usd);
        let from = current.unwrap_or_else(|| owner::unix(std::time::SystemTime::now()));
        let more = price * wanted.saturating_sub(from) as f64 / 3600.0;
        let committed = match lifecycle::budget::read(&owner_id, config, env, ui, store).await {
            Ok(items) => Ok(lifecycle::budget::total(
                &items,
                b.window,
                std::time::SystemTime::now(),
            )),
            Err(e) => Err(e.message),
        };
        let refused = match committed {
            Ok(c) if c.total() + more > b.usd + 1e-9 => Some(format!(
                "moving it to {} would add ${more:.2} to the ${:.2} committed, over the budget of ${:.2}",
                owner::rfc3339(wanted),
                c.total(),
                b.usd
            )),
            Ok(_) => None,
            Err(e) => Some(e),
        };
        if let Some(why) = refused {
            ui.warn(&format!("`{}` keeps {had}: {why}", entry.name));
            return current.map(owner::rfc3339);
        }
    }
    let moved = match gather::build(&instance.provider, config, env, ui) {
        Ok((_, p)) => p.set_deadline(instance, wanted).await,
        Err(e) => Err(e),
    };
    match moved {
        Ok(()) => {
            let d = owner::rfc3339(wanted);
            let name = entry.name.clone();
            let written = store.update(|l| {
                if let Some(x) = l.by_name_mut(&name) {
                    x.deadline = Some(d.clone());
                }
            });
            if let Err(e) = written {
                ui.warn(&format!(
                    "{}; the new deadline is kept at the provider",
                    e.message
                ));
            }
            ui.note(&format!(
                "`{}`: its deadline moved from {had} to {d} at `{}`",
                entry.name, instance.provider
            ));
            Some(d)
        }
        Err(e) => {
            ui.warn(&format!(
                "`{}` keeps {had}: {} (asked for {}); release it and launch again for a later one",
                entry.name,
                e.message,
                owner::rfc3339(wanted)
            ));
            current.map(owner::rfc3339)
        }
    }
}

async fn finish(
    launched: launch::Launched,
    args: &RentRequest,
    store: &lifecycle::ledger::Store,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Rented, CliError> {
    let launch::Launched {
        mut instance,
        entry,
        guard,
        ..
    } = launched;
    let target = format!("{}:{}", instance.provider, instance.id);
    let mut status = Status::Success;
    if args.wait {
        let (_, provider) = gather::build(&instance.provider, config, env, ui)
            .map_err(|e| CliError::failure(format!("`{}`: {}", instance.provider, e.message)))?;
        match wait::until_reachable(
            &instance.id,
            provider.as_ref(),
            args.wait_timeout,
            poll_interval(env),
            env,
            ui,
        )
        .await
        {
            Ok(i) => {
                instance = Instance {
                    owner: instance.owner.clone(),
                    deadline: instance.deadline,
                    ..i
                }
            }
            Err(WaitError::Timeout(last)) => {
                if let Some(i) = *last {
                    instance.ssh = i.ssh.or(instance.ssh);
                    instance.state = i.state;
                }
                ui.warn(&format!(
                    "`{}` is not reachable after {}; it is still running and billing",
                    entry.name,
                    short_duration(args.wait_timeout)
                ));
                ui.hint(&format!(
                    "check it with `gpu ls`, release it with `gpu down {target} --yes`"
                ));
                status = Status::WaitTimeout;
            }
            Err(WaitError::Failed(msg)) => {
                ui.warn(&format!("`{}` failed to start: {msg}", entry.name));
                ui.hint(&format!(
                    "it may still bill: release it with `gpu down {target} --yes`"
                ));
                status = Status::Failure;
            }
        }
    }
    if let Some(ssh) = &instance.ssh {
        let ssh = ssh.clone();
        let name = entry.name.clone();
        if let Err(e) = store.update(|l| {
            if let Some(x) = l.by_name_mut(&name) {
                x.ssh = Some(ssh);
            }
        }) {
            ui.warn(&format!(
                "{}; `{target}` is tracked, but its SSH address was not recorded",
                e.message
            ));
        }
    }
    let rented = Rented {
        instance: view(&instance, &entry, false),
        status,
        failure: None,
    };
    drop(guard);
    if entry.deadline.is_some() {
        lifecycle::say_if_no_sweeper([instance.provider.as_str()], store, ui);
    }
    Ok(rented)
}

pub fn view(i: &Instance, entry: &Entry, existing: bool) -> Launched {
    let count = if entry.gpu_count > 0 {
        entry.gpu_count
    } else {
        i.gpu_count.unwrap_or(1)
    };
    let price = if entry.price_per_hour_usd > 0.0 {
        entry.price_per_hour_usd
    } else {
        i.price_per_hour_usd.unwrap_or(0.0)
    };
    Launched {
        id: format!("{}:{}", i.provider, i.id),
        provider: i.provider.clone(),
        instance_id: i.id.clone(),
        name: entry.name.clone(),
        offer_id: entry.offer_id.clone(),
        state: i.state,
        gpu: if entry.gpu.is_empty() {
            i.gpu.clone().unwrap_or_default()
        } else {
            entry.gpu.clone()
        },
        gpu_count: count,
        region: i.region.clone().unwrap_or_else(|| entry.region.clone()),
        price_per_hour_usd: price,
        price_per_gpu_hour_usd: price / f64::from(count.max(1)),
        host: i.ssh.as_ref().map(|s| s.host.clone()),
        port: i.ssh.as_ref().map(|s| s.port),
        user: i.ssh.as_ref().map(|s| s.user.clone()),
        ssh_command: i.ssh.as_ref().map(|s| s.command()),
        deadline: entry.deadline.clone().or(i.deadline.map(owner::rfc3339)),
        owner: i.owner.clone().or(entry.owner.clone()),
        existing,
    }
}
