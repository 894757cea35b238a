//! `gpu up`: rent one GPU instance, safely. Each step lives in `lifecycle/`: choosing the
//! offers, launching (one create, recorded first, settled whatever the answer), waiting; this
//! file wires them and prints the result.

use std::time::SystemTime;

use gpu_providers::{Instance, Offer, State};
use serde::Serialize;

use crate::cli::{SortKey, UpArgs};
use crate::config::Config;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::gather;
use crate::lifecycle::launch::{self, Spec};
use crate::lifecycle::ledger::Entry;
use crate::lifecycle::wait::{self, WaitError};
use crate::lifecycle::{self, choose, owner, poll_interval, reconcile::short_duration};
use crate::output;
use crate::rank::Filters;
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

pub async fn run(args: UpArgs, config: &Config, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    let store = lifecycle::store(env)?;
    let name = choose::new_name(args.name.as_deref())?;
    // A ledger that cannot be read (empty, corrupt, unreadable) stops everything here: what it
    // held may still bill, and launching more would only add to it.
    store.read()?;
    let owner_id = owner::resolve(config, env, &store)?;
    // One `up` per name at a time on this machine: the check and the record go together.
    let name_lock = store.lock_name(&name).await?;
    let filters = Filters::from_args(&args.filters);
    let mut scope = filters.providers.clone();
    if let Some((p, _)) = args.offer.as_deref().and_then(|o| o.split_once(':')) {
        scope = vec![p.to_string()];
    }
    if let Some((instance, entry)) = launch::existing(
        &name,
        &owner_id,
        args.name.is_some(),
        &scope,
        &store,
        config,
        env,
        ui,
    )
    .await?
    {
        if args.ttl.is_some() {
            return Err(CliError::failure(format!(
                "`{name}` is already running ({}:{}), with {}; `--ttl` cannot change a running instance's deadline",
                instance.provider,
                instance.id,
                match entry.deadline.clone().or(instance.deadline.map(owner::rfc3339)) {
                    Some(d) => format!("the deadline {d}"),
                    None => "no deadline".to_string(),
                }
            ))
            .hint(format!(
                "drop `--ttl` to use it as it is, or release it first (`gpu down {name} --yes`) and launch again"
            )));
        }
        ui.note(&format!("`{name}` is already running; launching nothing"));
        print_launched(&view(&instance, &entry, true), args.json)?;
        return Ok(Status::Success);
    }
    let sort = args.sort.unwrap_or(SortKey::Total);
    let offers = choose::candidates(&args, &filters, sort, config, env, ui).await?;
    if offers.is_empty() {
        return Err(CliError::new(Status::NoMatch, "no live offer you can launch matches these filters").hint(
            "`gpu find` shows every offer; launching needs a provider that can launch (`gpu providers`) and its API key",
        ));
    }
    let key = choose::resolve_ssh_key(args.ssh_key.as_deref(), config, ui)?;
    let tries: Vec<Offer> = offers
        .into_iter()
        .take(args.max_attempts as usize)
        .collect();
    let spec = Spec {
        name: &name,
        owner: &owner_id,
        deadline: args.ttl.map(|t| owner::unix(SystemTime::now() + t)),
        key: &key,
        image: args.image.clone(),
        disk_gb: args.disk,
        labels: args.labels.iter().cloned().collect(),
        json: args.json,
    };
    if args.dry_run {
        return dry_run(&tries, &spec, config, env, ui);
    }
    let more = if tries.len() > 1 {
        format!(
            " (then up to {} next offers if it has no capacity)",
            tries.len() - 1
        )
    } else {
        String::new()
    };
    let question = format!("Launch {}{more}?", choose::describe(&tries[0]));
    if !lifecycle::confirm::ask(&question, args.yes, ui).await? {
        ui.note("nothing launched");
        return Ok(Status::Failure);
    }
    let launched = launch::launch(&tries, &filters, &spec, &store, config, env, ui).await?;
    drop(name_lock); // recorded: another `up --name` now finds it
    finish(launched, &args, &store, config, env, ui).await
}

async fn finish(
    launched: launch::Launched,
    args: &UpArgs,
    store: &lifecycle::ledger::Store,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
    let launch::Launched {
        mut instance,
        entry,
        guard,
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
    print_launched(&view(&instance, &entry, false), args.json)?;
    drop(guard);
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

#[derive(Serialize)]
struct Plan<'a> {
    dry_run: bool,
    name: &'a str,
    owner: &'a str,
    deadline: Option<String>,
    attempts: Vec<PlanAttempt<'a>>,
}

#[derive(Serialize)]
struct PlanAttempt<'a> {
    offer: &'a Offer,
    requests: Vec<gpu_providers::PlannedRequest>,
}

fn dry_run(
    tries: &[Offer],
    spec: &Spec,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
    let name = spec.name;
    let mut attempts = Vec::new();
    for offer in tries {
        let (_, provider) = gather::build(&offer.provider, config, env, ui)
            .map_err(|e| CliError::failure(format!("`{}`: {}", offer.provider, e.message)))?;
        let requests = provider
            .launch_plan(&launch::request(offer, spec))
            .map_err(|e| CliError::usage(e.message))?;
        attempts.push(PlanAttempt { offer, requests });
    }
    let text = if spec.json {
        let mut s = serde_json::to_string_pretty(&Plan {
            dry_run: true,
            name,
            owner: spec.owner,
            deadline: spec.deadline.map(owner::rfc3339),
            attempts,
        })
        .map_err(|e| CliError::failure(e.to_string()))?;
        s.push('\n');
        s
    } else {
        let mut s = format!("dry run: `gpu up` would launch `{name}`, trying in order:\n");
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
        s.push_str("nothing was sent that creates anything\n");
        s
    };
    output::write_stdout(&text).or_else(crate::commands::providers::ignore_broken_pipe)?;
    Ok(Status::Success)
}
