//! `gpu up`: rent one GPU instance, safely. Each step lives in `lifecycle/`: choosing the
//! offers, launching (one create, recorded first, settled whatever the answer), waiting; this
//! file wires them and prints the result.

use gpu_providers::{Instance, State};
use serde::Serialize;

use crate::cli::UpArgs;
use crate::config::Config;
use crate::core::rent::RentRequest;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::gather;
use crate::lifecycle::launch;
use crate::lifecycle::ledger::Entry;
use crate::lifecycle::rent::{self, Prepared};
use crate::lifecycle::wait::{self, WaitError};
use crate::lifecycle::{self, owner, poll_interval, reconcile::short_duration};
use crate::output;
use crate::ui::Ui;

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

pub async fn run(up: UpArgs, config: &Config, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    let args = Up {
        launch: up.launch.to_request(up.json),
        wait: up.wait,
        json: up.json,
    };
    let env = &lifecycle::with_timeout(env, args.launch.timeout);
    let store = lifecycle::store(env)?;
    let mut plan =
        match rent::prepare(&args.launch, args.launch.ttl, &store, config, env, ui).await? {
            Prepared::Existing(found) => {
                let (instance, mut entry) = *found;
                if let Some(ttl) = args.launch.ttl {
                    entry.deadline =
                        keep_or_extend(&instance, &entry, ttl, &store, config, env, ui).await;
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
                print_launched(&view(&instance, &entry, true), args.json)?;
                return Ok(Status::Success);
            }
            Prepared::Plan(plan) => *plan,
        };
    if args.launch.dry_run {
        let planned = rent::planned(&plan, config, env, ui).await?;
        let text = if args.json {
            planned
                .json_text(Default::default())
                .map_err(|e| CliError::failure(e.to_string()))?
        } else {
            planned.text("up", &[])
        };
        output::write_stdout(&text).or_else(crate::commands::providers::ignore_broken_pipe)?;
        return Ok(Status::Success);
    }
    if !lifecycle::confirm::ask(&rent::question(&plan), args.launch.yes, ui).await? {
        ui.note("nothing launched");
        return Ok(Status::Failure);
    }
    let spec = plan.spec(args.json);
    let launched = launch::launch(&plan.tries, &plan.filters, &spec, &store, config, env, ui)
        .await
        .map_err(|e| plan.boot.mask_error(e))?;
    drop(plan.lock.take()); // recorded: another `up --name` now finds it
    if let Some(e) = launched.unrecorded {
        // The instance runs and bills; the error names it and the command that releases it.
        print_launched(&view(&launched.instance, &launched.entry, false), args.json)?;
        return Err(e);
    }
    finish(launched, &args, &store, config, env, ui).await
}

/// A retried `up --name X --ttl ...` on a running X: a deadline no later than the one it
/// has changes nothing; a later one is moved at the provider where its API can, and said
/// where it cannot. Returns the deadline X has now (RFC 3339).
async fn keep_or_extend(
    instance: &Instance,
    entry: &Entry,
    ttl: std::time::Duration,
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
    if let Some(b) = lifecycle::budget::configured(config, env) {
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

struct Up {
    launch: RentRequest,
    wait: bool,
    json: bool,
}

async fn finish(
    launched: launch::Launched,
    args: &Up,
    store: &lifecycle::ledger::Store,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
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
            args.launch.wait_timeout,
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
                    short_duration(args.launch.wait_timeout)
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
    print_launched(&view(&instance, &entry, false), args.json)?;
    drop(guard);
    if entry.deadline.is_some() {
        lifecycle::say_if_no_sweeper([instance.provider.as_str()], store, ui);
    }
    Ok(status)
}

fn view(i: &Instance, entry: &Entry, existing: bool) -> Launched {
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

fn print_launched(l: &Launched, json: bool) -> Result<(), CliError> {
    let text = if json {
        let mut s =
            serde_json::to_string_pretty(l).map_err(|e| CliError::failure(e.to_string()))?;
        s.push('\n');
        s
    } else {
        let mut s = format!(
            "{} {} ({})\n  {}x {} in {} at ${:.2}/hour (${:.2}/GPU-hour)\n",
            if l.existing { "running" } else { "launched" },
            l.id,
            l.name,
            l.gpu_count,
            l.gpu,
            l.region,
            l.price_per_hour_usd,
            l.price_per_gpu_hour_usd
        );
        match &l.ssh_command {
            Some(c) => s.push_str(&format!("  {c}\n")),
            None => s.push_str(
                &format!(
                    "  state: {:?}; `gpu ls` shows the SSH command once it runs\n",
                    l.state
                )
                .to_lowercase(),
            ),
        }
        if let Some(d) = &l.deadline {
            s.push_str(&format!(
                "  deadline: {d} (kept at the provider; `gpu down --expired` from any machine releases it after that)\n"
            ));
        }
        s.push_str(&format!("  release it with: gpu down {}\n", l.id));
        s
    };
    output::write_stdout(&text).or_else(crate::commands::providers::ignore_broken_pipe)
}
