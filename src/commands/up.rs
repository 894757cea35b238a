//! `gpu up`: rent one GPU instance, safely.
//!
//! The order of events is what makes it safe: the ledger records the intent before the create
//! request is sent; a launch whose answer is lost is looked up by its unique name before
//! anything else is tried; a name that is already running is returned, not launched again; and
//! at most one instance is created per run.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use gpu_providers::{
    ErrorKind, Instance, LaunchRequest, Offer, Provider, Source, State, NAME_PREFIX,
};
use serde::Serialize;

use crate::cli::UpArgs;
use crate::config::Config;
use crate::env::{self, Env};
use crate::exit::{CliError, Status};
use crate::gather::{self, Report};
use crate::ledger::{Entry, EntryStatus, Store};
use crate::output;
use crate::rank::{self, Filters};
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
    pub price_per_hour_usd: f64,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub ssh_command: Option<String>,
    pub deadline: Option<String>,
    /// True when `up` found this name already running and launched nothing.
    pub existing: bool,
}

pub fn store(env: &Env) -> Result<Store, CliError> {
    Store::default_dir(env.get(env::DATA_DIR))
        .map(Store::new)
        .ok_or_else(|| {
            CliError::failure("no data directory is known on this system")
                .hint("set `GPU_DATA_DIR`")
        })
}

fn new_name(requested: Option<&str>) -> Result<String, CliError> {
    match requested {
        Some(n) => {
            let n = n.trim();
            let ok = !n.is_empty()
                && n.len() <= 48
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                return Err(CliError::usage(format!(
                    "`--name {n}` must be 1 to 48 letters, digits, `-` or `_`"
                )));
            }
            Ok(if n.starts_with(NAME_PREFIX) {
                n.to_string()
            } else {
                format!("{NAME_PREFIX}{n}")
            })
        }
        None => {
            let nanos = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(std::process::id());
            for b in nanos.to_le_bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            Ok(format!("{NAME_PREFIX}{:08x}", h & 0xffff_ffff))
        }
    }
}

/// The SSH key to pass: explicit, from the config, or the user's default public key.
pub enum SshKey {
    Public(String),
    Named(String),
    None,
}

fn expand(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(p),
    }
}

fn read_public_key(path: &std::path::Path) -> Result<String, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::usage(format!("could not read the SSH key `{}`", path.display())).cause(e)
    })?;
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        let public = PathBuf::from(format!("{}.pub", path.display()));
        if public.exists() {
            return read_public_key(&public);
        }
        return Err(CliError::usage(format!(
            "`{}` is a private key; pass its public half (`.pub`)",
            path.display()
        )));
    }
    let looks_public = ["ssh-", "ecdsa-", "sk-"]
        .iter()
        .any(|p| text.starts_with(p));
    if !looks_public {
        return Err(CliError::usage(format!(
            "`{}` is not an SSH public key",
            path.display()
        )));
    }
    Ok(text.lines().next().unwrap_or(text).to_string())
}

pub fn resolve_ssh_key(flag: Option<&str>, config: &Config, ui: &Ui) -> Result<SshKey, CliError> {
    if let Some(value) = flag.or(config.ssh_key.as_deref()) {
        let path = expand(value);
        if path.exists() {
            return Ok(SshKey::Public(read_public_key(&path)?));
        }
        if value.contains('/') || value.ends_with(".pub") {
            return Err(
                CliError::usage(format!("the SSH key file `{value}` does not exist")).hint(
                    "pass a public key file, or the name of a key registered with the provider",
                ),
            );
        }
        return Ok(SshKey::Named(value.to_string()));
    }
    if let Some(home) = dirs::home_dir() {
        for f in ["id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"] {
            let p = home.join(".ssh").join(f);
            if p.exists() {
                if ui.verbose {
                    ui.debug(&format!("using the SSH key `{}`", p.display()));
                }
                return Ok(SshKey::Public(read_public_key(&p)?));
            }
        }
    }
    Ok(SshKey::None)
}

fn launchable(id: &str, config: &Config, env: &Env) -> bool {
    if gpu_providers::entry(id).is_none() {
        // A plugin decides for itself; one that cannot launch answers `unsupported`.
        return crate::plugins::list(config, env)
            .iter()
            .any(|p| p.name == id && p.enabled);
    }
    gpu_providers::entry(id).is_some_and(|e| {
        e.capabilities.launch
            && crate::config::resolve(e, config, env, None)
                .is_ok_and(|r| r.api_key.is_some() && r.enabled)
    })
}

/// Live offers `up` may launch, cheapest first.
async fn candidates(
    args: &UpArgs,
    filters: &Filters,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Vec<Offer>, CliError> {
    let mut filters = filters.clone();
    if let Some(id) = &args.offer {
        let (provider, _) = id.split_once(':').ok_or_else(|| {
            CliError::usage(format!(
                "`{id}` is not an offer id; copy one from `gpu find` (`provider:...`)"
            ))
        })?;
        gather::check_named(&[provider.to_string()], config, env)?;
        let is_plugin = crate::plugins::list(config, env)
            .iter()
            .any(|p| p.name == provider);
        match gpu_providers::entry(provider) {
            Some(e) if e.capabilities.launch => {}
            _ if is_plugin => {}
            _ => {
                return Err(CliError::usage(format!(
                    "`{provider}` cannot launch instances through this tool yet"
                ))
                .hint(
                    "`gpu providers` shows which providers can; pick an offer from one of those",
                ))
            }
        }
        if !launchable(provider, config, env) {
            let key_env = gpu_providers::entry(provider).map_or("", |e| e.key_env);
            return Err(CliError::new(
                Status::Auth,
                format!("`{provider}` has no API key; launching needs one"),
            )
            .hint(format!(
                "set `{key_env}` or add `api_key` under `[providers.{provider}]` in your config"
            )));
        }
        filters.providers = vec![provider.to_string()];
    }
    // Launch decisions need live prices: no cache, no offline answers.
    let mut request = gather::Request::new(config, env, filters.query(), filters.providers.clone());
    request.offline = false;
    request.refresh = true;
    request.timeout_flag = args.timeout;
    let outcome = gather::gather(request, ui).await?;
    for p in &outcome.providers {
        if let Report::Failed {
            error,
            configured: true,
        } = &p.report
        {
            ui.warn(&format!("skipped `{}`: {}", p.id, error.message));
        }
    }
    let live: Vec<Offer> = outcome
        .offers
        .into_iter()
        .filter(|o| o.source == Source::Live && o.available != Some(false))
        .filter(|o| launchable(&o.provider, config, env))
        .collect();
    if let Some(id) = &args.offer {
        let found: Vec<Offer> = live.into_iter().filter(|o| &o.offer_id == id).collect();
        if found.is_empty() {
            return Err(CliError::new(
                Status::NoCapacity,
                format!("`{id}` is not offered right now"),
            )
            .hint(
                "it may be sold out or its id may have changed; run `gpu find` for current offers",
            ));
        }
        // The user named it; price limits still apply.
        let kept = rank::rank(found.clone(), &filters, crate::cli::SortKey::Price);
        if kept.is_empty() {
            let o = &found[0];
            return Err(CliError::new(
                Status::NoMatch,
                format!(
                    "`{id}` now costs ${:.2}/GPU-hour (${:.2}/hour), above your limit; not launching",
                    o.price_per_gpu_hour_usd, o.price_per_hour_usd
                ),
            ));
        }
        return Ok(kept);
    }
    Ok(rank::rank(live, &filters, crate::cli::SortKey::Price))
}

fn launch_request(offer: &Offer, name: &str, key: &SshKey, args: &UpArgs) -> LaunchRequest {
    let provider_part = offer
        .offer_id
        .split_once(':')
        .map_or(offer.offer_id.as_str(), |(_, r)| r);
    LaunchRequest {
        offer: provider_part.to_string(),
        region: (offer.region != "any").then(|| offer.region.clone()),
        name: name.to_string(),
        ssh_public_key: match key {
            SshKey::Public(k) => Some(k.clone()),
            _ => None,
        },
        ssh_key_name: match key {
            SshKey::Named(n) => Some(n.clone()),
            _ => None,
        },
        image: args.image.clone(),
        disk_gb: args.disk,
        max_price_per_hour: Some(offer.price_per_hour_usd),
        offer_spot: offer.spot,
    }
}

fn describe(o: &Offer) -> String {
    format!(
        "{}x {} on {} in {} at ${:.2}/hour (${:.2}/GPU-hour{})",
        o.gpu_count,
        o.gpu_label(),
        o.provider,
        o.region,
        o.price_per_hour_usd,
        o.price_per_gpu_hour_usd,
        if o.spot { ", spot" } else { "" }
    )
}

fn confirm(question: &str, yes: bool, ui: &Ui) -> Result<bool, CliError> {
    use std::io::{BufRead, IsTerminal, Write};
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(
            CliError::usage("stdin is not a terminal, so nothing can be confirmed")
                .hint("pass `--yes` to confirm in advance (in CI, for example)"),
        );
    }
    let mut err = std::io::stderr();
    let _ = write!(err, "{} {question} [y/N] ", ui.paint.note("?"));
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::failure("could not read the answer").cause(e))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// Ask before releasing, repeating each instance's name and region.
pub fn confirm_release(list: &[String], yes: bool, ui: &Ui) -> Result<bool, CliError> {
    if !yes {
        for l in list {
            ui.note(&format!("will release {l}"));
        }
    }
    confirm(&format!("Release {} instance(s)?", list.len()), yes, ui)
}

/// How many times a lost launch answer is checked against the provider's list before
/// concluding that nothing was created: a new instance can take a moment to be listed.
const LOST_LAUNCH_CHECKS: u32 = 3;

/// The live instance named `name`, looked for a few times, `GPU_POLL_INTERVAL` apart.
async fn find_by_name(
    provider: &dyn gpu_providers::Provider,
    name: &str,
    env: &Env,
) -> Result<Option<gpu_providers::Instance>, gpu_providers::ProviderError> {
    for check in 1..=LOST_LAUNCH_CHECKS {
        let found = provider
            .instances()
            .await?
            .into_iter()
            .find(|i| i.name == name && i.state.is_live());
        if found.is_some() || check == LOST_LAUNCH_CHECKS {
            return Ok(found);
        }
        tokio::time::sleep(poll_interval(env)).await;
    }
    Ok(None)
}

fn poll_interval(env: &Env) -> Duration {
    env.get(env::POLL_INTERVAL)
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(5))
}

pub async fn run(args: UpArgs, config: &Config, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    let store = store(env)?;
    let name = new_name(args.name.as_deref())?;
    if let Some(found) = existing(&name, &store, config, env, ui).await? {
        ui.note(&format!("`{name}` is already running; launching nothing"));
        print_launched(&found, args.json)?;
        return Ok(Status::Success);
    }
    let filters = Filters::from_args(&args.filters);
    let offers = candidates(&args, &filters, config, env, ui).await?;
    if offers.is_empty() {
        return Err(CliError::new(Status::NoMatch, "no live offer you can launch matches these filters").hint(
            "`gpu find` shows every offer; launching needs a provider that can launch (`gpu providers`) and its API key",
        ));
    }
    let key = resolve_ssh_key(args.ssh_key.as_deref(), config, ui)?;
    let tries: Vec<Offer> = offers
        .into_iter()
        .take(args.max_attempts as usize)
        .collect();

    if args.dry_run {
        return dry_run(&tries, &name, &key, &args, config, env, ui);
    }
    let first = &tries[0];
    let more = if tries.len() > 1 {
        format!(
            " (then up to {} next-cheapest offers if it has no capacity)",
            tries.len() - 1
        )
    } else {
        String::new()
    };
    if !confirm(&format!("Launch {}{more}?", describe(first)), args.yes, ui)? {
        ui.note("nothing launched");
        return Ok(Status::Failure);
    }

    let deadline = args
        .ttl
        .map(|t| humantime::format_rfc3339_seconds(SystemTime::now() + t).to_string());
    let mut last_capacity_error = None;
    for (n, offer) in tries.iter().enumerate() {
        let attempt = n + 1;
        let (_, provider) = gather::build(&offer.provider, config, env, ui)
            .map_err(|e| CliError::failure(format!("`{}`: {}", offer.provider, e.message)))?;
        // Re-read the price: never pay more than what was shown and agreed to.
        match current_price(offer, &filters, provider.as_ref()).await {
            Ok(Some(now)) if now > offer.price_per_hour_usd + 1e-9 => {
                ui.warn(&format!(
                    "attempt {attempt}: {} now costs ${now:.2}/hour, more than the ${:.2} agreed; skipped",
                    offer.offer_id, offer.price_per_hour_usd
                ));
                continue;
            }
            Ok(Some(_)) => {}
            Ok(None) => {
                ui.warn(&format!(
                    "attempt {attempt}: {} is no longer offered",
                    offer.offer_id
                ));
                last_capacity_error = Some("no longer offered".to_string());
                continue;
            }
            Err(e) => ui.warn(&format!(
                "attempt {attempt}: could not re-read the price of {}: {}",
                offer.offer_id, e.message
            )),
        }
        let request = launch_request(offer, &name, &key, &args);
        record_intent(&store, &name, offer, &args, deadline.clone())?;
        match provider.launch(&request).await {
            Ok(instance) => {
                mark(&store, &name, |e| {
                    e.status = EntryStatus::Launched;
                    e.instance_id = Some(instance.id.clone());
                    e.launched_at = Some(gpu_providers::offer::now_rfc3339());
                })?;
                return finish(
                    instance,
                    offer,
                    &name,
                    &store,
                    provider.as_ref(),
                    &args,
                    deadline,
                    env,
                    ui,
                )
                .await;
            }
            Err(e) if e.kind == ErrorKind::NoCapacity => {
                mark(&store, &name, |x| {
                    x.status = EntryStatus::Failed;
                    x.note = Some(e.message.clone());
                })?;
                ui.warn(&format!(
                    "attempt {attempt}: {}: {}",
                    offer.offer_id, e.message
                ));
                last_capacity_error = Some(e.message);
            }
            Err(e) if e.kind == ErrorKind::Auth || e.kind == ErrorKind::Invalid => {
                mark(&store, &name, |x| {
                    x.status = EntryStatus::Failed;
                    x.note = Some(e.message.clone());
                })?;
                let status = if e.kind == ErrorKind::Auth {
                    Status::Auth
                } else {
                    Status::Failure
                };
                return Err(CliError::new(
                    status,
                    format!("`{}` refused the launch: {}", offer.provider, e.message),
                ));
            }
            Err(e) => {
                // The request may have created the instance anyway: look for it by name
                // before saying anything, and never try another offer on a maybe.
                match find_by_name(provider.as_ref(), &name, env).await {
                    Ok(found) => {
                        if let Some(instance) = found {
                            ui.warn(&format!(
                                "the launch answer was lost ({}), but `{name}` exists; using it",
                                e.message
                            ));
                            mark(&store, &name, |x| {
                                x.status = EntryStatus::Launched;
                                x.instance_id = Some(instance.id.clone());
                                x.launched_at = Some(gpu_providers::offer::now_rfc3339());
                            })?;
                            return finish(
                                instance,
                                offer,
                                &name,
                                &store,
                                provider.as_ref(),
                                &args,
                                deadline,
                                env,
                                ui,
                            )
                            .await;
                        }
                        mark(&store, &name, |x| {
                            x.status = EntryStatus::Failed;
                            x.note = Some(e.message.clone());
                        })?;
                        return Err(CliError::failure(format!(
                            "launching {} failed: {}; `{}` lists no `{name}`, so nothing was created",
                            offer.offer_id, e.message, offer.provider
                        ))
                        .hint("if it shows up later, `gpu ls` lists it as an orphan and `gpu down --orphans` releases it"));
                    }
                    Err(list_error) => {
                        mark(&store, &name, |x| {
                            x.status = EntryStatus::Unknown;
                            x.note = Some(e.message.clone());
                        })?;
                        return Err(CliError::failure(format!(
                            "launching {} failed ({}) and `{}` cannot be asked whether it happened ({})",
                            offer.offer_id, e.message, offer.provider, list_error.message
                        ))
                        .hint(format!("the ledger keeps `{name}` as unknown; run `gpu ls` to see whether it exists, and `gpu down {name}` to release it")));
                    }
                }
            }
        }
    }
    Err(CliError::new(
        Status::NoCapacity,
        format!(
            "no capacity on any of the {} offers tried{}",
            tries.len(),
            last_capacity_error
                .map(|m| format!(" (last: {m})"))
                .unwrap_or_default()
        ),
    )
    .hint("try later, widen the filters, or raise `--max-attempts`"))
}

/// The live price of this offer now; `None` when it is no longer offered.
async fn current_price(
    offer: &Offer,
    filters: &Filters,
    provider: &dyn Provider,
) -> Result<Option<f64>, gpu_providers::ProviderError> {
    let offers = provider.offers(&filters.query()).await?;
    Ok(offers
        .iter()
        .find(|o| o.offer_id == offer.offer_id)
        .map(|o| o.price_per_hour_usd))
}

fn record_intent(
    store: &Store,
    name: &str,
    offer: &Offer,
    args: &UpArgs,
    deadline: Option<String>,
) -> Result<(), CliError> {
    let entry = Entry {
        name: name.to_string(),
        provider: offer.provider.clone(),
        offer_id: offer.offer_id.clone(),
        instance_id: None,
        status: EntryStatus::Intent,
        gpu: offer.gpu_label(),
        gpu_count: offer.gpu_count,
        region: offer.region.clone(),
        price_per_hour_usd: offer.price_per_hour_usd,
        labels: args.labels.iter().cloned().collect(),
        created_at: gpu_providers::offer::now_rfc3339(),
        launched_at: None,
        released_at: None,
        deadline,
        ssh: None,
        note: None,
    };
    store.update(|l| l.entries.push(entry))
}

fn mark(store: &Store, name: &str, change: impl FnOnce(&mut Entry)) -> Result<(), CliError> {
    store.update(|l| {
        if let Some(e) = l.by_name_mut(name) {
            change(e);
        }
    })
}

/// If the ledger knows this name as possibly running, ask the provider.
async fn existing(
    name: &str,
    store: &Store,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Option<Launched>, CliError> {
    let ledger = store.read()?;
    let Some(entry) = ledger.by_name(name).filter(|e| e.status.is_open()).cloned() else {
        return Ok(None);
    };
    let (_, provider) = gather::build(&entry.provider, config, env, ui).map_err(|e| {
        CliError::failure(format!(
            "`{name}` may be running on `{}`, which cannot be asked: {}",
            entry.provider, e.message
        ))
    })?;
    let found = match &entry.instance_id {
        Some(id) => provider.instance(id).await,
        None => provider
            .instances()
            .await
            .map(|l| l.into_iter().find(|i| i.name == name)),
    };
    match found {
        Ok(Some(i)) if i.state.is_live() => {
            mark(store, name, |e| {
                e.instance_id = Some(i.id.clone());
                e.status = EntryStatus::Launched;
            })?;
            Ok(Some(launched_view(&i, &entry, true)))
        }
        Ok(_) => {
            mark(store, name, |e| {
                e.status = if e.instance_id.is_some() {
                    EntryStatus::Released
                } else {
                    EntryStatus::Failed
                };
                e.note = Some("not found at the provider".to_string());
            })?;
            Ok(None)
        }
        Err(e) => Err(CliError::failure(format!(
            "cannot tell whether `{name}` is running on `{}` ({}); not launching a second one",
            entry.provider, e.message
        ))),
    }
}

fn launched_view(i: &Instance, entry: &Entry, existing: bool) -> Launched {
    Launched {
        id: format!("{}:{}", i.provider, i.id),
        provider: i.provider.clone(),
        instance_id: i.id.clone(),
        name: entry.name.clone(),
        offer_id: entry.offer_id.clone(),
        state: i.state,
        gpu: entry.gpu.clone(),
        gpu_count: entry.gpu_count,
        region: i.region.clone().unwrap_or_else(|| entry.region.clone()),
        price_per_hour_usd: entry.price_per_hour_usd,
        host: i.ssh.as_ref().map(|s| s.host.clone()),
        port: i.ssh.as_ref().map(|s| s.port),
        user: i.ssh.as_ref().map(|s| s.user.clone()),
        ssh_command: i.ssh.as_ref().map(|s| s.command()),
        deadline: entry.deadline.clone(),
        existing,
    }
}

#[allow(clippy::too_many_arguments)]
async fn finish(
    mut instance: Instance,
    offer: &Offer,
    name: &str,
    store: &Store,
    provider: &dyn Provider,
    args: &UpArgs,
    deadline: Option<String>,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
    let mut status = Status::Success;
    if args.wait {
        match wait_until_reachable(
            &instance.id,
            provider,
            args.wait_timeout,
            poll_interval(env),
            ui,
        )
        .await
        {
            Ok(i) => instance = i,
            Err(WaitError::Timeout(last)) => {
                if let Some(i) = *last {
                    instance = i;
                }
                ui.warn(&format!(
                    "`{name}` is not reachable after {}; it is still running and billing",
                    crate::fleet::short_duration(args.wait_timeout)
                ));
                ui.hint(&format!(
                    "check it with `gpu ls`, release it with `gpu down {}:{}`",
                    instance.provider, instance.id
                ));
                status = Status::WaitTimeout;
            }
            Err(WaitError::Failed(msg)) => {
                ui.warn(&format!("`{name}` failed to start: {msg}"));
                ui.hint(&format!(
                    "release it with `gpu down {}:{}`",
                    instance.provider, instance.id
                ));
                status = Status::Failure;
            }
        }
    }
    if let Some(ssh) = &instance.ssh {
        let ssh = ssh.clone();
        mark(store, name, |e| e.ssh = Some(ssh))?;
    }
    let entry = Entry {
        name: name.to_string(),
        provider: offer.provider.clone(),
        offer_id: offer.offer_id.clone(),
        instance_id: Some(instance.id.clone()),
        status: EntryStatus::Launched,
        gpu: offer.gpu_label(),
        gpu_count: offer.gpu_count,
        region: offer.region.clone(),
        price_per_hour_usd: offer.price_per_hour_usd,
        labels: Default::default(),
        created_at: String::new(),
        launched_at: None,
        released_at: None,
        deadline,
        ssh: instance.ssh.clone(),
        note: None,
    };
    print_launched(&launched_view(&instance, &entry, false), args.json)?;
    Ok(status)
}

fn print_launched(l: &Launched, json: bool) -> Result<(), CliError> {
    let text = if json {
        let mut s =
            serde_json::to_string_pretty(l).map_err(|e| CliError::failure(e.to_string()))?;
        s.push('\n');
        s
    } else {
        let mut s = format!(
            "{} {} ({})\n  {}x {} in {} at ${:.2}/hour\n",
            if l.existing { "running" } else { "launched" },
            l.id,
            l.name,
            l.gpu_count,
            l.gpu,
            l.region,
            l.price_per_hour_usd
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
                "  deadline: {d} (`gpu down --expired` releases it after that)\n"
            ));
        }
        s.push_str(&format!("  release it with: gpu down {}\n", l.id));
        s
    };
    output::write_stdout(&text).or_else(crate::commands::providers::ignore_broken_pipe)
}

enum WaitError {
    Timeout(Box<Option<Instance>>),
    Failed(String),
}

async fn wait_until_reachable(
    id: &str,
    provider: &dyn Provider,
    limit: Duration,
    interval: Duration,
    ui: &Ui,
) -> Result<Instance, WaitError> {
    let started = Instant::now();
    let spinner = ui.spinner("waiting for the instance to start".to_string());
    let mut last = None;
    let result = loop {
        match provider.instance(id).await {
            Ok(Some(i)) => {
                if matches!(
                    i.state,
                    State::Failed | State::Terminated | State::Terminating
                ) {
                    break Err(WaitError::Failed(format!(
                        "the provider reports `{}`",
                        i.status
                    )));
                }
                if i.state == State::Running {
                    if let Some(ssh) = &i.ssh {
                        if let Some(bar) = &spinner {
                            bar.set_message(format!(
                                "waiting for SSH on {}:{}",
                                ssh.host, ssh.port
                            ));
                        }
                        let addr = format!("{}:{}", ssh.host, ssh.port);
                        let connect = tokio::time::timeout(
                            Duration::from_secs(3),
                            tokio::net::TcpStream::connect(addr),
                        )
                        .await;
                        if matches!(connect, Ok(Ok(_))) {
                            break Ok(i);
                        }
                    }
                }
                last = Some(i);
            }
            Ok(None) => {
                break Err(WaitError::Failed(
                    "the provider no longer knows it".to_string(),
                ))
            }
            Err(e) if ui.verbose => ui.debug(&format!("status check failed: {}", e.message)),
            Err(_) => {}
        }
        if started.elapsed() >= limit {
            break Err(WaitError::Timeout(Box::new(last.clone())));
        }
        tokio::time::sleep(interval.min(limit.saturating_sub(started.elapsed()))).await;
    };
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    result
}

#[derive(Serialize)]
struct Plan<'a> {
    dry_run: bool,
    name: &'a str,
    attempts: Vec<PlanAttempt<'a>>,
}

#[derive(Serialize)]
struct PlanAttempt<'a> {
    offer: &'a Offer,
    requests: Vec<gpu_providers::PlannedRequest>,
}

fn dry_run(
    tries: &[Offer],
    name: &str,
    key: &SshKey,
    args: &UpArgs,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
    let mut attempts = Vec::new();
    for offer in tries {
        let (_, provider) = gather::build(&offer.provider, config, env, ui)
            .map_err(|e| CliError::failure(format!("`{}`: {}", offer.provider, e.message)))?;
        let requests = provider
            .launch_plan(&launch_request(offer, name, key, args))
            .map_err(|e| CliError::usage(e.message))?;
        attempts.push(PlanAttempt { offer, requests });
    }
    let text = if args.json {
        let mut s = serde_json::to_string_pretty(&Plan {
            dry_run: true,
            name,
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
                describe(a.offer),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_prefixed_and_checked() {
        assert_eq!(new_name(Some("train")).unwrap(), "gpu-train");
        assert_eq!(new_name(Some("gpu-ci-42")).unwrap(), "gpu-ci-42");
        assert!(new_name(Some("bad name")).is_err());
        let a = new_name(None).unwrap();
        assert!(a.starts_with("gpu-") && a.len() == 12, "{a}");
    }
}
