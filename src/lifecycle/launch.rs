//! Launching: at most one create per run, recorded in the ledger before it is sent, and settled
//! whatever answer comes back.
//!
//! - Before anything: a live instance of this name and owner, in the ledger or at any provider,
//!   is returned instead of launching a second one ([`existing`]).
//! - A create whose answer does not prove that nothing was made (a timeout, a 5xx, a 429) is
//!   looked up by name before anything else; it is never sent again on a maybe, and no other
//!   offer is tried.
//! - An instance the provider made before a later step failed (Vast's key attach) is recorded,
//!   then released and the release confirmed; what happened is said either way.
//! - A ledger that cannot be written after the create never hides the instance: the error
//!   names it and the `gpu down` command.

use std::collections::BTreeMap;
use std::time::SystemTime;

use gpu_providers::{ErrorKind, Instance, LaunchRequest, Offer, Provider, ProviderError, REGISTRY};

use crate::config::Config;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::gather;
use crate::lifecycle::boot::BootSpec;
use crate::lifecycle::choose::{self, SshKey};
use crate::lifecycle::guard;
use crate::lifecycle::ledger::{Entry, EntryStatus, Store};
use crate::lifecycle::owner;
use crate::lifecycle::reconcile::{matches_entry, short_duration};
use crate::lifecycle::{absence_grace, budget, poll_interval, release, ABSENT_READS};
use crate::rank::Filters;
use crate::ui::Ui;

/// Everything about the instance to create except the offer.
pub struct Spec<'a> {
    pub name: &'a str,
    pub owner: &'a str,
    /// This data directory's launcher id.
    pub launcher: &'a str,
    /// Unix seconds.
    pub deadline: Option<u64>,
    pub key: &'a SshKey,
    pub image: Option<String>,
    pub disk_gb: Option<u32>,
    pub labels: BTreeMap<String, String>,
    pub boot: &'a BootSpec,
    /// The budget the launch must fit, across every machine of its owner.
    pub budget: Option<budget::Budget>,
    pub json: bool,
}

/// What a provider is asked for.
pub fn request(offer: &Offer, spec: &Spec) -> LaunchRequest {
    let provider_part = offer
        .offer_id
        .split_once(':')
        .map_or(offer.offer_id.as_str(), |(_, r)| r);
    LaunchRequest {
        offer: provider_part.to_string(),
        region: (offer.region != "any").then(|| offer.region.clone()),
        name: spec.name.to_string(),
        ssh_public_key: match spec.key {
            SshKey::Public(k, _) => Some(k.clone()),
            _ => None,
        },
        ssh_key_name: match spec.key {
            SshKey::Named(n) => Some(n.clone()),
            _ => None,
        },
        image: spec.image.clone(),
        disk_gb: spec.disk_gb,
        // A bid covers the GPUs; the disk priced into the offer bills apart from it.
        max_price_per_hour: Some(
            offer.price_per_hour_usd - offer.storage_price_per_hour_usd.unwrap_or(0.0),
        ),
        offer_spot: offer.spot,
        owner: Some(spec.owner.to_string()),
        deadline: spec
            .deadline
            .map(|d| by_providers_clock(&offer.provider, d)),
        launcher: Some(spec.launcher.to_string()),
        launched: Some(owner::unix(SystemTime::now())),
        price_per_hour_usd: Some(offer.price_per_hour_usd),
        env: spec.boot.env.clone(),
        startup_script: spec.boot.script.clone(),
        attempt: None,
    }
}

/// A deadline (Unix seconds, by this machine's clock) as the provider's clock counts it: the
/// provider's time is what judges it (see `reconcile::provider_now`), so a `--ttl 2h` is two
/// hours of the provider's time whichever clock is off.
pub fn by_providers_clock(provider: &str, deadline: u64) -> u64 {
    let now = SystemTime::now();
    let theirs = crate::lifecycle::reconcile::provider_now(provider, now);
    match theirs.duration_since(now) {
        Ok(ahead) => deadline.saturating_add(ahead.as_secs()),
        Err(behind) => deadline.saturating_sub(behind.duration().as_secs()),
    }
}

/// A created instance and the record that goes with it. The guard stays armed (an interrupt
/// names the instance) until the caller is done with it.
pub struct Launched {
    pub instance: Instance,
    pub entry: Entry,
    pub guard: guard::Guard,
    /// The ledger could not record the created instance: what went wrong, naming it and the
    /// `gpu down` command. `up` reports it; `run` releases the instance at once.
    pub unrecorded: Option<CliError>,
}

/// How many times a create answered 429 is sent again (after looking for it by name).
const RATE_LIMIT_RETRIES: u32 = 3;

/// Try `tries` in order until one is created; capacity errors move to the next offer, nothing
/// else does.
#[allow(clippy::too_many_arguments)]
pub async fn launch(
    tries: &[Offer],
    filters: &Filters,
    spec: &Spec<'_>,
    store: &Store,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Launched, CliError> {
    let mut last_capacity_error = None;
    // A budget across machines: what the owner's instances commit everywhere, read first.
    let budget = spec.budget;
    let ttl = spec.deadline.map(|d| {
        owner::from_unix(d)
            .duration_since(SystemTime::now())
            .unwrap_or_default()
    });
    let committed = match budget {
        Some(_) => Some(budget::total(
            &budget::read(spec.owner, config, env, ui, store).await?,
            budget.map_or(budget::DEFAULT_WINDOW, |b| b.window),
            SystemTime::now(),
        )),
        None => None,
    };
    let mut over_budget = None;
    for (n, offer) in tries.iter().enumerate() {
        let attempt = n + 1;
        if let (Some(b), Some(c)) = (budget, committed) {
            let hours = budget::counted(ttl, b.window).as_secs_f64() / 3600.0;
            let cost = offer.price_per_hour_usd * hours;
            if let Some(max) = b.max_instances.filter(|m| c.running >= *m) {
                let why = format!(
                    "`{}` may have {max} instance(s) billing at once, and {} run on its machines",
                    spec.owner, c.running
                );
                return Err(
                    CliError::failure(why).hint("`gpu ls` shows them; `gpu down` releases one")
                );
            }
            if c.total() + cost > b.usd + 1e-9 {
                let why = format!(
                    "the budget of `{}` is ${:.2} per {}: ${:.2} is committed on every machine ({} running) and {} would add ${cost:.2} (${:.2}/hour for {}), ${:.2} over",
                    spec.owner,
                    b.usd,
                    short_duration(b.window),
                    c.total(),
                    c.running,
                    offer.offer_id,
                    offer.price_per_hour_usd,
                    short_duration(budget::counted(ttl, b.window)),
                    c.total() + cost - b.usd
                );
                ui.warn(&format!("attempt {attempt}: {why}"));
                over_budget = Some(why);
                continue;
            }
        }
        let (_, provider) = gather::build(&offer.provider, config, env, ui)
            .map_err(|e| CliError::failure(format!("`{}`: {}", offer.provider, e.message)))?;
        // Re-read the price: never pay more than what was shown and agreed to.
        match current_price(offer, filters, provider.as_ref()).await {
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
        let mut req = request(offer, spec);
        let entry = intent(offer, spec);
        // The launch time kept at the provider is the intent's, to the second, so that every
        // machine orders this launch the same way (budgets) whether it reads the tag or the
        // ledger.
        req.launched = owner::parse_rfc3339(&entry.created_at).or(req.launched);
        // Unique to this attempt (this process, this instant), the same for every resend of it.
        let nanos = SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        req.attempt = Some(format!(
            "{}.{}.{nanos}",
            entry.created_at,
            std::process::id()
        ));
        store.update(|l| l.entries.push(entry.clone()))?;
        let guard = guard::launching(
            &offer.provider,
            spec.name,
            offer.price_per_hour_usd,
            spec.json,
        );
        match create(provider.as_ref(), &req, spec, env, ui).await {
            Created::Yes(instance) => {
                let mut instance = *instance;
                guard::launched(&instance.id);
                instance.owner.get_or_insert_with(|| spec.owner.to_string());
                instance.deadline = instance.deadline.or(spec.deadline);
                let recorded = record(store, spec.name, &instance, |e| {
                    // A `gpu down` released it while the answer was on its way: it stays
                    // released, with the id the answer gave.
                    let released_this = e.status == EntryStatus::Released
                        && e.instance_id.as_deref() == Some(instance.id.as_str());
                    if !released_this {
                        e.status = EntryStatus::Launched;
                        e.released_at = None;
                    }
                    e.instance_id = Some(instance.id.clone());
                    e.launched_at = Some(gpu_providers::offer::now_rfc3339());
                    e.seen();
                });
                let entry = match recorded {
                    Ok(e) => e,
                    // Never dropped on the floor: the caller says so, and `run` releases it.
                    Err(unrecorded) => {
                        let mut e = entry;
                        e.status = EntryStatus::Launched;
                        e.instance_id = Some(instance.id.clone());
                        e.launched_at = Some(gpu_providers::offer::now_rfc3339());
                        return Ok(Launched {
                            instance,
                            entry: e,
                            guard,
                            unrecorded: Some(unrecorded),
                        });
                    }
                };
                if let Some(b) = budget {
                    if let Some(e) = settle_budget(
                        provider.as_ref(),
                        &instance,
                        spec,
                        b,
                        store,
                        config,
                        env,
                        ui,
                    )
                    .await
                    {
                        return Err(e);
                    }
                }
                if entry.status == EntryStatus::Released {
                    return Err(CliError::failure(format!(
                        "`{}` created {}:{} (`{}`), but `gpu down` released it while the create was in flight; nothing of it bills",
                        offer.provider, offer.provider, instance.id, spec.name
                    ))
                    .hint("launch again if you still want it"));
                }
                return Ok(Launched {
                    instance,
                    entry,
                    guard,
                    unrecorded: None,
                });
            }
            Created::ThenFailed(id, e) => {
                guard::launched(&id);
                return Err(created_then_failed(
                    provider.as_ref(),
                    offer,
                    spec.name,
                    &id,
                    e,
                    store,
                    env,
                )
                .await);
            }
            Created::No(e) if e.kind == ErrorKind::NoCapacity => {
                close(store, spec.name, EntryStatus::Failed, &e.message);
                ui.warn(&format!(
                    "attempt {attempt}: {}: {}",
                    offer.offer_id, e.message
                ));
                last_capacity_error = Some(e.message);
            }
            Created::No(e) => {
                close(store, spec.name, EntryStatus::Failed, &e.message);
                return Err(crate::lifecycle::provider_error(
                    &e,
                    format!("`{}` refused the launch: {}", offer.provider, e.message),
                    config,
                ));
            }
            Created::Maybe(e, looked) => {
                let grace = absence_grace(config, env);
                let _ = store.update(|l| {
                    if let Some(x) = l.by_name_mut(spec.name) {
                        x.status = EntryStatus::Unknown;
                        x.note = Some(e.message.clone());
                        if looked {
                            for _ in 0..ABSENT_READS {
                                x.missed(SystemTime::now(), grace);
                            }
                        }
                    }
                });
                let why = if looked {
                    format!("`{}` does not list `{}` yet", offer.provider, spec.name)
                } else {
                    format!("`{}` cannot be asked whether it exists", offer.provider)
                };
                return Err(CliError::failure(format!(
                    "launching {} may have created `{}`: {} ({why})",
                    offer.offer_id, spec.name, e.message
                ))
                .hint(format!(
                    "the ledger keeps `{}` as unknown until `{}` has gone on not listing it for {}; `gpu ls` shows it if it appears, `gpu down {} --yes` releases it, and `gpu up --name` will not launch it twice",
                    spec.name,
                    offer.provider,
                    short_duration(grace),
                    spec.name
                )));
            }
        }
        drop(guard);
    }
    if let (Some(why), None) = (over_budget, &last_capacity_error) {
        return Err(CliError::failure(why).hint(
            "`[budget]` in the config file sets it (for agents, `[agent] budget_usd`); `gpu ls` shows what runs",
        ));
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

/// After a create under a budget: read every provider again, and if this launch is one
/// that takes the owner past the budget (a launch on another machine came first), release
/// it at once and say why. `None`: it stands.
#[allow(clippy::too_many_arguments)]
async fn settle_budget(
    provider: &dyn Provider,
    instance: &Instance,
    spec: &Spec<'_>,
    b: budget::Budget,
    store: &Store,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Option<CliError> {
    // Read until this instance is listed itself (a list that lags may not show another
    // machine's create yet either), a few times at most; lists that cannot be read leave the
    // owner's spending unknown, and the launch is undone (fail closed).
    let mut read = None;
    let mut last_error = String::new();
    for check in 1..=ABSENT_READS {
        match budget::read(spec.owner, config, env, ui, store).await {
            Ok(items) => {
                let listed = items
                    .iter()
                    .any(|i| i.listed && i.provider == instance.provider && i.id == instance.id);
                read = Some(items);
                if listed {
                    break;
                }
            }
            Err(e) => last_error = e.message,
        }
        if check < ABSENT_READS {
            tokio::time::sleep(poll_interval(env)).await;
        }
    }
    let target = format!("{}:{}", instance.provider, instance.id);
    let why = match read {
        Some(items) => {
            let total = budget::over_budget(
                &items,
                b,
                SystemTime::now(),
                &instance.provider,
                &instance.id,
            )?;
            format!(
                "another launch of `{}` came first: with {target} the owner would commit ${total:.2} of its ${:.2} per {}",
                spec.owner,
                b.usd,
                short_duration(b.window)
            )
        }
        None => format!(
            "after the launch the budget of `{}` could not be checked again ({last_error}): what the owner commits is unknown",
            spec.owner
        ),
    };
    match release::release(provider, &instance.id, poll_interval(env)).await {
        Ok(_) => {
            close(store, spec.name, EntryStatus::Released, &why);
            Some(
                CliError::failure(format!("{why}; {target} was released, and `{}` confirms it is gone", instance.provider))
                    .hint("`gpu ls` shows what the owner runs; `[budget]` in the config file sets the limit"),
            )
        }
        Err(e) => Some(
            CliError::failure(format!(
                "{why}; releasing {target} failed ({}): it may be running and billing",
                e.message
            ))
            .hint(format!("release it with `gpu down {target} --yes`")),
        ),
    }
}

enum Created {
    Yes(Box<Instance>),
    /// The provider made it, then a later step failed.
    ThenFailed(String, ProviderError),
    /// Nothing was made (the provider refused).
    No(ProviderError),
    /// It may have been made; `true` when the provider's list was read and did not show it.
    Maybe(ProviderError, bool),
}

/// Send one create, and settle an answer that does not say.
async fn create(
    provider: &dyn Provider,
    req: &LaunchRequest,
    spec: &Spec<'_>,
    env: &Env,
    ui: &Ui,
) -> Created {
    let mut rate_limited = 0;
    loop {
        let mut e = match provider.launch(req).await {
            Ok(i) => return Created::Yes(Box::new(i)),
            Err(e) => e,
        };
        // A provider's message may echo what was sent: no secret value goes further (into a
        // warning, the ledger's note, an error).
        e.message = spec.boot.mask_text(&e.message);
        if let Some(id) = e.created.clone() {
            return Created::ThenFailed(id, e);
        }
        match e.kind {
            ErrorKind::NoCapacity | ErrorKind::Auth | ErrorKind::Invalid | ErrorKind::NotFound => {
                return Created::No(e)
            }
            ErrorKind::Unsupported | ErrorKind::NotConfigured => return Created::No(e),
            _ => {}
        }
        // A 429, a timeout, a 5xx, an answer we could not read: the create may have happened.
        // Look for it by name before anything else.
        match find_by_name(provider, spec.name, spec.owner, env).await {
            Ok(Some(i)) => {
                ui.warn(&format!(
                    "the launch answer was lost ({}), but `{}` exists; using it",
                    e.message, spec.name
                ));
                return Created::Yes(Box::new(i));
            }
            Ok(None) if e.kind == ErrorKind::RateLimited && rate_limited < RATE_LIMIT_RETRIES => {
                rate_limited += 1;
                ui.note(&format!(
                    "`{}` asked to slow down, and lists no `{}`; sending the create again",
                    provider.id(),
                    spec.name
                ));
                tokio::time::sleep(poll_interval(env)).await;
            }
            Ok(None) if e.kind == ErrorKind::RateLimited => return Created::No(e),
            Ok(None) => return Created::Maybe(e, true),
            Err(list) => {
                let msg = format!("{} (and listing failed: {})", e.message, list.message);
                return Created::Maybe(ProviderError::new(e.provider, e.kind, msg), false);
            }
        }
    }
}

/// The live instance named `name` of this owner, looked for a few times, `GPU_POLL_INTERVAL`
/// apart: a new instance can take a moment to be listed.
async fn find_by_name(
    provider: &dyn Provider,
    name: &str,
    owner: &str,
    env: &Env,
) -> Result<Option<Instance>, ProviderError> {
    for check in 1..=ABSENT_READS {
        let found = provider.instances().await?.into_iter().find(|i| {
            i.name == name && i.state.is_live() && i.owner.as_deref().is_none_or(|o| o == owner)
        });
        if found.is_some() || check == ABSENT_READS {
            return Ok(found);
        }
        tokio::time::sleep(poll_interval(env)).await;
    }
    Ok(None)
}

/// The provider made an instance and then a step after it failed: keep it tracked, release
/// it, confirm, and say which of these happened.
async fn created_then_failed(
    provider: &dyn Provider,
    offer: &Offer,
    name: &str,
    id: &str,
    e: ProviderError,
    store: &Store,
    env: &Env,
) -> CliError {
    let target = format!("{}:{id}", offer.provider);
    let recorded = store.update(|l| {
        if let Some(x) = l.by_name_mut(name) {
            x.status = EntryStatus::Launched;
            x.instance_id = Some(id.to_string());
            x.launched_at = Some(gpu_providers::offer::now_rfc3339());
            x.note = Some(e.message.clone());
        }
    });
    match release::release(provider, id, poll_interval(env)).await {
        Ok(_) => {
            let _ = store.update(|l| {
                if let Some(x) = l.by_name_mut(name) {
                    x.status = EntryStatus::Released;
                    x.released_at = Some(gpu_providers::offer::now_rfc3339());
                }
            });
            CliError::failure(format!(
                "`{}` created {target} (`{name}`), then: {}; it was unusable, so it was released, and `{}` confirms it is gone",
                offer.provider, e.message, offer.provider
            ))
        }
        Err(why) => CliError::failure(format!(
            "`{}` created {target} (`{name}`), then: {}; releasing it failed ({}): it may be running and billing ${:.2}/hour",
            offer.provider, e.message, why.message, offer.price_per_hour_usd
        ))
        .hint(format!(
            "{}release it with `gpu down {target} --yes`",
            if recorded.is_ok() {
                "the ledger tracks it; "
            } else {
                "the ledger could not record it; "
            }
        )),
    }
}

/// Record a change to the entry of a created instance; if the ledger cannot be written, the
/// error names the instance and how to release it.
fn record(
    store: &Store,
    name: &str,
    instance: &Instance,
    change: impl FnOnce(&mut Entry),
) -> Result<Entry, CliError> {
    store
        .update(|l| {
            l.by_name_mut(name).map(|e| {
                change(e);
                e.clone()
            })
        })
        .and_then(|e| e.ok_or_else(|| CliError::failure("the ledger lost the entry")))
        .map_err(|e| {
            CliError::failure(format!(
                "`{}` created {}:{} (`{name}`), but the ledger could not record it: {}",
                instance.provider, instance.provider, instance.id, e.message
            ))
            .hint(format!(
                "it is running and billing; it carries this machine's owner id at the provider, so `gpu ls` on this machine lists it; release it with `gpu down {}:{} --yes`",
                instance.provider, instance.id
            ))
        })
}

/// Close an entry whose create was refused (nothing was made). A ledger that cannot be
/// written here loses nothing that bills.
fn close(store: &Store, name: &str, status: EntryStatus, note: &str) {
    let _ = store.update(|l| {
        if let Some(x) = l.by_name_mut(name) {
            x.status = status;
            x.note = Some(note.to_string());
            if status == EntryStatus::Released && x.released_at.is_none() {
                x.released_at = Some(
                    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
                );
            }
        }
    });
}

fn intent(offer: &Offer, spec: &Spec) -> Entry {
    Entry {
        name: spec.name.to_string(),
        provider: offer.provider.clone(),
        offer_id: offer.offer_id.clone(),
        instance_id: None,
        status: EntryStatus::Intent,
        gpu: offer.gpu_label(),
        gpu_count: offer.gpu_count,
        region: offer.region.clone(),
        price_per_hour_usd: offer.price_per_hour_usd,
        labels: spec.labels.clone(),
        created_at: gpu_providers::offer::now_rfc3339(),
        launched_at: None,
        released_at: None,
        deadline: spec
            .deadline
            .map(|d| owner::rfc3339(by_providers_clock(&offer.provider, d))),
        ssh: None,
        note: None,
        owner: Some(spec.owner.to_string()),
        identity: match spec.key {
            SshKey::Public(_, Some(private)) => Some(private.display().to_string()),
            _ => None,
        },
        missing_since: None,
        missing_reads: 0,
        extra: Default::default(),
    }
}

/// The live price of this offer now; `None` when it is no longer offered.
async fn current_price(
    offer: &Offer,
    filters: &Filters,
    provider: &dyn Provider,
) -> Result<Option<f64>, ProviderError> {
    let offers = provider.offers(&filters.query()).await?;
    Ok(offers
        .iter()
        .find(|o| o.offer_id == offer.offer_id)
        .map(|o| o.price_per_hour_usd))
}

/// Is an instance of this name and owner live already? Asks the provider in the ledger's
/// entry, and (for a name the user chose) every provider that can launch (those of
/// `--provider` when given), since another machine may have launched it. `Err` when that
/// cannot be known: then nothing is launched.
#[allow(clippy::too_many_arguments)]
pub async fn existing(
    name: &str,
    owner_id: &str,
    explicit: bool,
    scope: &[String],
    store: &Store,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Option<(Instance, Entry)>, CliError> {
    let ledger = store.read()?;
    if let Some(entry) = ledger.by_name(name).filter(|e| e.status.is_open()).cloned() {
        let (_, provider) = gather::build(&entry.provider, config, env, ui).map_err(|e| {
            CliError::failure(format!(
                "`{name}` may be running on `{}`, which cannot be asked: {}",
                entry.provider, e.message
            ))
        })?;
        // The list decides, not a status GET: one 404 is no proof.
        let listed = provider.instances().await.map_err(|e| {
            let err = crate::lifecycle::provider_error(
                &e,
                format!(
                    "cannot tell whether `{name}` is running on `{}` ({}); not launching a second one",
                    entry.provider, e.message
                ),
                config,
            );
            if err.hint.is_some() {
                err
            } else {
                err.hint("try again in a moment; `gpu ls` shows what the ledger knows")
            }
        })?;
        let grace = absence_grace(config, env);
        match listed.into_iter().find(|i| matches_entry(&entry, i)) {
            Some(i) if i.state.is_live() => {
                let updated = store.update(|l| {
                    l.by_name_mut(name).map(|e| {
                        e.instance_id = Some(i.id.clone());
                        e.status = EntryStatus::Launched;
                        e.launched_at
                            .get_or_insert_with(gpu_providers::offer::now_rfc3339);
                        e.seen();
                        e.clone()
                    })
                })?;
                return Ok(Some((i, updated.unwrap_or(entry))));
            }
            Some(_) => {
                close(store, name, EntryStatus::Released, "ended at the provider");
            }
            None => {
                let proven = store.update(|l| {
                    l.by_name_mut(name)
                        .map(|e| e.missed(SystemTime::now(), grace))
                        .unwrap_or(true)
                })?;
                if !proven {
                    return Err(CliError::failure(format!(
                        "`{name}` was launched on `{}` but is not listed there yet; not launching a second one",
                        entry.provider
                    ))
                    .hint(format!(
                        "a new instance can take a while to be listed: `gpu ls` settles it (the ledger closes it after {} of absence); `gpu down {name} --yes` releases it if it appears",
                        short_duration(grace)
                    )));
                }
                close(
                    store,
                    name,
                    if entry.status == EntryStatus::Launched {
                        EntryStatus::Released
                    } else {
                        EntryStatus::Failed
                    },
                    "not listed by the provider over the absence grace period",
                );
            }
        }
    }
    if !explicit {
        return Ok(None); // a fresh random name: nobody has it
    }
    // Another machine with the same owner id may have launched this name.
    for e in REGISTRY.iter().filter(|e| e.capabilities.launch) {
        if !choose::launchable(e.id, config, env)
            || (!scope.is_empty() && !scope.iter().any(|p| p == e.id))
        {
            continue;
        }
        let (_, provider) = gather::build(e.id, config, env, ui)
            .map_err(|err| CliError::failure(format!("`{}`: {}", e.id, err.message)))?;
        let listed = match provider.instances().await {
            Ok(listed) => listed,
            // These credentials may not list there (a key for prices only): they cannot have
            // launched it there either.
            Err(err) if err.kind == ErrorKind::Unsupported => {
                ui.note(&format!(
                    "`{}` not asked for `{name}`: {}",
                    e.id, err.message
                ));
                continue;
            }
            Err(err) => {
                let failed = crate::lifecycle::provider_error(
                    &err,
                    format!(
                        "cannot tell whether `{name}` already runs on `{}` ({}); not launching",
                        e.id, err.message
                    ),
                    config,
                );
                return Err(if failed.hint.is_some() {
                    failed
                } else {
                    failed.hint("try again in a moment, or leave that provider out with `enabled = false` in its config table")
                });
            }
        };
        if let Some(i) = listed
            .into_iter()
            .find(|i| i.name == name && i.state.is_live() && i.owner.as_deref() == Some(owner_id))
        {
            let entry = adopted(&i, owner_id);
            store.update(|l| l.entries.push(entry.clone()))?;
            return Ok(Some((i, entry)));
        }
    }
    Ok(None)
}

/// A ledger entry for an instance another machine of the same owner launched.
fn adopted(i: &Instance, owner_id: &str) -> Entry {
    Entry {
        name: i.name.clone(),
        provider: i.provider.clone(),
        offer_id: String::new(),
        instance_id: Some(i.id.clone()),
        status: EntryStatus::Launched,
        gpu: i.gpu.clone().unwrap_or_default(),
        gpu_count: i.gpu_count.unwrap_or(0),
        region: i.region.clone().unwrap_or_default(),
        price_per_hour_usd: i.price_per_hour_usd.unwrap_or(0.0),
        labels: BTreeMap::new(),
        created_at: gpu_providers::offer::now_rfc3339(),
        launched_at: Some(gpu_providers::offer::now_rfc3339()),
        released_at: None,
        deadline: i.deadline.map(owner::rfc3339),
        ssh: i.ssh.clone(),
        note: Some("found at the provider, launched by another machine".into()),
        owner: Some(owner_id.to_string()),
        missing_since: None,
        missing_reads: 0,
        identity: None,
        extra: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bid_leaves_out_the_disk_priced_into_the_offer() {
        let mut o = gpu_providers::catalog::embedded().remove(0);
        o.price_per_hour_usd = 1.05;
        o.storage_price_per_hour_usd = Some(0.05);
        let key = SshKey::None;
        let boot = BootSpec::default();
        let spec = Spec {
            name: "gpu-x",
            owner: "a1b2c3d4",
            launcher: "0000000a",
            deadline: None,
            key: &key,
            image: None,
            disk_gb: None,
            labels: Default::default(),
            boot: &boot,
            budget: None,
            json: false,
        };
        let r = request(&o, &spec);
        assert!((r.max_price_per_hour.unwrap() - 1.0).abs() < 1e-9);
    }
}
