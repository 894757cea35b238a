//! A budget for a whole owner, held across machines with no server: what the owner's
//! instances commit is read from the providers' lists (every machine's launches carry owner,
//! launch time, price and deadline there), plus this machine's ledger for what already ended.
//!
//! Before a launch, a provider that cannot be listed is unknown spending: the launch is
//! refused, naming it (fail closed). After the create, the lists are read again; if the
//! owner's committed total is then over the budget, the later launch (by launch time, then
//! provider and id, so every machine agrees) releases its own instance at once.
//!
//! `[budget]` (`budget_usd`, `window`) holds `up` and `run` of the configured owner to it;
//! `gpu mcp` holds agents to `[agent] budget_usd` the same way.

use std::time::{Duration, SystemTime};

use gpu_providers::{ErrorKind, Instance, REGISTRY};

use crate::config::Config;
use crate::env::Env;
use crate::exit::CliError;
use crate::gather;
use crate::lifecycle::choose;
use crate::lifecycle::ledger::{Entry, EntryStatus, Store};
use crate::lifecycle::owner;
use crate::ui::Ui;

/// The least a launch is counted for: providers bill in units, and an overdue instance bills
/// until a sweep ends it.
pub const MIN_BILLED: Duration = Duration::from_secs(3600);

/// A spending limit over a sliding window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub usd: f64,
    pub window: Duration,
    /// The most of the owner's instances that may bill at once (agents' `max_instances`).
    pub max_instances: Option<u32>,
}

/// What an owner's instances have spent and reserved within the window ending now.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Committed {
    /// Billed within the window so far (price × time running inside it).
    pub spent_usd: f64,
    /// Still to bill: each running instance's price until its deadline.
    pub reserved_usd: f64,
    /// The owner's instances that may be billing now.
    pub running: u32,
}

impl Committed {
    pub fn total(&self) -> f64 {
        self.spent_usd + self.reserved_usd
    }
}

fn hours(d: Duration) -> f64 {
    d.as_secs_f64() / 3600.0
}

/// One instance's part of the total.
#[derive(Debug, Clone)]
pub struct Item {
    pub provider: String,
    /// The provider's id, or the ledger's name while it has none.
    pub id: String,
    /// Its name (`gpu-...`), to match a ledger entry that has no id yet.
    pub name: String,
    /// Read from the provider's list (else from this machine's ledger only).
    pub listed: bool,
    pub price: f64,
    pub launched: Option<SystemTime>,
    pub ended: Option<SystemTime>,
    pub deadline: Option<SystemTime>,
}

impl Item {
    fn live(&self) -> bool {
        self.ended.is_none()
    }

    /// Spent inside the window and, while it runs, reserved until its deadline. Deadlines
    /// are kept by the provider's clock, so what is left of one is counted by it too.
    fn commitment(&self, window: Duration, now: SystemTime) -> (f64, f64) {
        let provider_now = crate::lifecycle::reconcile::provider_now(&self.provider, now);
        let start = now.checked_sub(window).unwrap_or(SystemTime::UNIX_EPOCH);
        let Some(launched) = self.launched else {
            // When it started is unknown: while it may bill, it reserves a whole window.
            return (
                0.0,
                if self.live() {
                    self.price * hours(window)
                } else {
                    0.0
                },
            );
        };
        let end = self.ended.unwrap_or(now);
        let from = launched.max(start);
        let spent = self.price * hours(end.duration_since(from).unwrap_or_default());
        let reserved = if self.live() {
            let left = match self.deadline {
                Some(d) if d <= provider_now => MIN_BILLED,
                Some(d) => d.duration_since(provider_now).unwrap_or_default(),
                None => window,
            };
            self.price * hours(left)
        } else {
            0.0
        };
        (spent, reserved)
    }
}

pub fn total(items: &[Item], window: Duration, now: SystemTime) -> Committed {
    let mut c = Committed::default();
    for i in items {
        let (s, r) = i.commitment(window, now);
        c.spent_usd += s;
        c.reserved_usd += r;
        if i.live() {
            c.running += 1;
        }
    }
    c
}

fn time(s: Option<&str>) -> Option<SystemTime> {
    s.and_then(|s| humantime::parse_rfc3339(s).ok())
}

/// This machine's ledger entries of `owner`, as items: those that ended inside the window
/// (the providers no longer list them) and those still open.
pub fn from_ledger(entries: &[Entry], owner: &str) -> Vec<Item> {
    entries
        .iter()
        .filter(|e| e.owner.as_deref() == Some(owner) && e.status != EntryStatus::Failed)
        .map(|e| Item {
            provider: e.provider.clone(),
            id: e.instance_id.clone().unwrap_or_else(|| e.name.clone()),
            name: e.name.clone(),
            listed: false,
            price: e.price_per_hour_usd,
            // The intent's time: what the provider keeps as its launch time.
            launched: time(Some(&e.created_at)),
            ended: if e.status.is_open() {
                None
            } else {
                // When it ended is unknown: counted as billing until now.
                time(e.released_at.as_deref()).or(Some(SystemTime::now()))
            },
            deadline: time(e.deadline.as_deref()),
        })
        .collect()
}

fn from_instance(i: &Instance, entry: Option<&Entry>) -> Item {
    Item {
        provider: i.provider.clone(),
        id: i.id.clone(),
        name: i.name.clone(),
        listed: true,
        price: i
            .price_per_hour_usd
            .or(entry.map(|e| e.price_per_hour_usd))
            .unwrap_or(0.0),
        launched: i
            .launched
            .map(owner::from_unix)
            .or_else(|| entry.and_then(|e| time(Some(&e.created_at)))),
        ended: None,
        deadline: i
            .deadline
            .map(owner::from_unix)
            .or_else(|| entry.and_then(|e| time(e.deadline.as_deref()))),
    }
}

/// Every instance of `owner` that any machine launched and that runs now (from every
/// provider that can launch here), with this machine's ledger for what already ended. `Err`
/// names a provider that could not be listed: its spending is unknown.
pub async fn read(
    owner: &str,
    config: &Config,
    env: &Env,
    ui: &Ui,
    store: &Store,
) -> Result<Vec<Item>, CliError> {
    let ledger = store.read()?;
    let mine: Vec<&Entry> = ledger
        .entries
        .iter()
        .filter(|e| e.owner.as_deref() == Some(owner))
        .collect();
    let mut tasks = tokio::task::JoinSet::new();
    // Every provider that can launch here, plugins included (one that cannot list answers
    // `unsupported`, and cannot have launched either).
    let ids: Vec<&'static str> = REGISTRY
        .iter()
        .filter(|e| e.capabilities.launch)
        .map(|e| e.id)
        .chain(crate::plugins::list(config, env).iter().map(|p| p.name))
        .filter(|id| choose::launchable(id, config, env))
        .collect();
    for id in ids {
        let built = gather::build(id, config, env, ui);
        tasks.spawn(async move {
            let listed = match built {
                Ok((_, p)) => p.instances().await,
                Err(err) => Err(err),
            };
            (id, listed)
        });
    }
    let mut items = Vec::new();
    let mut listed_providers = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (id, listed) = joined.map_err(|e| CliError::failure(format!("internal error: {e}")))?;
        let instances = match listed {
            Ok(l) => l,
            // A key that may not list there cannot have launched there.
            Err(e) if e.kind == ErrorKind::Unsupported => continue,
            Err(e) => {
                return Err(crate::lifecycle::provider_error(
                    &e,
                    format!(
                        "the budget counts every instance of `{owner}` on every provider, and `{id}` could not be listed ({}); not launching",
                        e.message
                    ),
                    config,
                )
                .hint_if_none("try again in a moment, or leave that provider out with `enabled = false` in its config table"))
            }
        };
        listed_providers.push(id);
        for i in instances
            .iter()
            .filter(|i| i.owner.as_deref() == Some(owner) && i.state.is_live())
        {
            let entry = mine
                .iter()
                .find(|e| e.provider == id && e.instance_id.as_deref() == Some(&i.id))
                .copied();
            let item = from_instance(i, entry);
            if i.price_per_hour_usd.is_none() && entry.is_none() {
                ui.warn(&format!(
                    "`{id}` lists {} of `{owner}` without a price (launched by an older gpu?): the budget counts it at $0",
                    i.id
                ));
            }
            items.push(item);
        }
    }
    // This machine's entries the lists do not show: ended ones inside the window, and open
    // ones not listed yet (a create in flight, a list that lags).
    let entries = ledger
        .entries
        .iter()
        .filter(|e| e.owner.as_deref() == Some(owner) && e.status != EntryStatus::Failed);
    for (item, entry) in from_ledger(&ledger.entries, owner).into_iter().zip(entries) {
        // The same instance, listed: by its id, or (no id recorded yet) by its name.
        let listed = items.iter().any(|x| {
            x.provider == item.provider
                && match &entry.instance_id {
                    Some(id) => x.id == *id,
                    None => x.name == entry.name,
                }
        });
        if !listed {
            items.push(item);
        }
    }
    Ok(items)
}

/// After a create: is this instance one of those that take the owner past the budget? The
/// owner's instances are counted in launch order (launch time, then provider and id): what
/// ended first, then each running one; the first that passes the budget and every one after
/// it are over. Every machine reading the same lists agrees on which.
pub fn over_budget(
    items: &[Item],
    budget: Budget,
    now: SystemTime,
    provider: &str,
    id: &str,
) -> Option<f64> {
    let mut order: Vec<&Item> = items.iter().collect();
    order.sort_by(|a, b| {
        b.ended
            .is_some()
            .cmp(&a.ended.is_some())
            .then(a.launched.cmp(&b.launched))
            .then(a.provider.cmp(&b.provider))
            .then(a.id.cmp(&b.id))
    });
    let mut sum = 0.0;
    let mut running = 0;
    for i in order {
        let (s, r) = i.commitment(budget.window, now);
        sum += s + r;
        if i.live() {
            running += 1;
        }
        if i.provider == provider && i.id == id {
            let too_many = budget.max_instances.is_some_and(|m| running > m);
            return (sum > budget.usd + 1e-9 || too_many).then_some(sum);
        }
    }
    None
}

pub const DEFAULT_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// The time a launch is counted for: its deadline, never less than [`MIN_BILLED`]; without
/// one, the whole window.
pub fn counted(ttl: Option<Duration>, window: Duration) -> Duration {
    ttl.map_or(window, |t| t.max(MIN_BILLED))
}

/// `[budget]` as read from the config file.
pub fn parse(table: &toml::Table, at: &dyn Fn(&str, &str) -> CliError) -> Result<Budget, CliError> {
    let mut usd = None;
    let mut window = DEFAULT_WINDOW;
    for (key, value) in table {
        match key.as_str() {
            "budget_usd" => {
                let v = match value {
                    toml::Value::Integer(i) => *i as f64,
                    toml::Value::Float(f) => *f,
                    _ => f64::NAN,
                };
                if !(v.is_finite() && v > 0.0) {
                    return Err(at(key, "`budget_usd` under `[budget]` must be a number of US dollars above 0, e.g. 50"));
                }
                usd = Some(v);
            }
            "window" => {
                window = value
                    .as_str()
                    .and_then(|s| humantime::parse_duration(s.trim()).ok())
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| at(key, "`window` under `[budget]` must be a duration in quotes, e.g. \"24h\" or \"7days\""))?;
            }
            other => {
                return Err(at(
                    other,
                    &format!(
                    "unknown key `{other}` under `[budget]`; it takes `budget_usd` and `window`"
                ),
                ))
            }
        }
    }
    let usd = usd.ok_or_else(|| {
        at(
            "budget",
            "`[budget]` needs `budget_usd`, e.g. `budget_usd = 50`",
        )
    })?;
    Ok(Budget {
        usd,
        window,
        max_instances: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, launched: u64, price: f64, deadline: u64) -> Item {
        Item {
            provider: "lambda".into(),
            id: id.into(),
            name: format!("gpu-{id}"),
            listed: true,
            price,
            launched: Some(owner::from_unix(launched)),
            ended: None,
            deadline: Some(owner::from_unix(deadline)),
        }
    }

    #[test]
    fn the_later_of_two_launches_that_pass_the_budget_is_the_one_over() {
        let now = owner::from_unix(1_000_000);
        let budget = Budget {
            usd: 5.0,
            window: DEFAULT_WINDOW,
            max_instances: None,
        };
        // Two A10s at $1.29/hour for 2 hours, launched the same second: $2.58 each.
        let items = vec![
            item("b", 1_000_000, 1.29, 1_007_200),
            item("a", 1_000_000, 1.29, 1_007_200),
        ];
        assert_eq!(over_budget(&items, budget, now, "lambda", "a"), None);
        let over = over_budget(&items, budget, now, "lambda", "b").unwrap();
        assert!((over - 5.16).abs() < 1e-6, "{over}");
        let c = total(&items, budget.window, now);
        assert!((c.total() - 5.16).abs() < 1e-6 && c.running == 2);
    }
}
