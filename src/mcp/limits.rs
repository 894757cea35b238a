//! The guardrails a person sets for agents, in the config's `[agent]` table, and the arithmetic
//! that holds a launch to them. They are read from the file, never from the agent: an MCP
//! client can only ask for what these allow.
//!
//! Spend over the window counts what is committed, not only what was billed: an instance that
//! runs until its deadline will cost its price until then, so its remaining time is reserved
//! the moment it launches.

use std::time::{Duration, SystemTime};

use crate::exit::CliError;
use crate::lifecycle::ledger::Entry;

pub const KEYS: &[&str] = &[
    "budget_usd",
    "budget_window",
    "max_price_per_hour",
    "max_deadline",
    "require_deadline",
    "max_instances",
    "providers",
    "gpus",
    "confirm",
    "owner",
];

pub const DEFAULT_WINDOW: Duration = Duration::from_secs(24 * 3600);
pub const DEFAULT_MAX_DEADLINE: Duration = Duration::from_secs(4 * 3600);
pub const DEFAULT_MAX_INSTANCES: u32 = 1;
/// The least time a launch is counted for: providers bill in units, and an instance past its
/// deadline runs until a sweep ends it.
pub const MIN_BILLED: Duration = Duration::from_secs(3600);

/// `[agent]` as read. Without `budget_usd` an agent can look but not launch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    /// The most that agents' instances may commit over `window` (US dollars).
    pub budget_usd: Option<f64>,
    pub window: Option<Duration>,
    /// The highest price per hour of one instance.
    pub max_price_per_hour: Option<f64>,
    /// The longest deadline a launch may ask for.
    pub max_deadline: Option<Duration>,
    /// Whether a launch must name a deadline (default: yes).
    pub require_deadline: Option<bool>,
    /// How many agent instances may run at once.
    pub max_instances: Option<u32>,
    /// Providers agents may launch on (default: any that can launch).
    pub providers: Option<Vec<String>>,
    /// GPU names agents may launch (default: any).
    pub gpus: Option<Vec<String>>,
    /// Whether each launch needs a person's yes through the client (MCP elicitation).
    pub confirm: bool,
    /// The owner id agents' instances carry [default: this machine's, with `-agent`].
    pub owner: Option<String>,
}

impl Limits {
    pub fn window(&self) -> Duration {
        self.window.unwrap_or(DEFAULT_WINDOW)
    }
    pub fn max_deadline(&self) -> Duration {
        self.max_deadline.unwrap_or(DEFAULT_MAX_DEADLINE)
    }
    pub fn require_deadline(&self) -> bool {
        self.require_deadline.unwrap_or(true)
    }
    pub fn max_instances(&self) -> u32 {
        self.max_instances.unwrap_or(DEFAULT_MAX_INSTANCES)
    }
}

/// Read `[agent]`: `at(line, message)` makes the one-line error naming the file and line.
pub fn parse(
    table: &toml::Table,
    line_of: &dyn Fn(&str) -> Option<usize>,
    at: &dyn Fn(Option<usize>, &str) -> CliError,
    unknown: &dyn Fn(Option<usize>, &str) -> CliError,
) -> Result<Limits, CliError> {
    let mut l = Limits::default();
    for (key, value) in table {
        let line = line_of(key);
        let number = |what: &str| -> Result<f64, CliError> {
            let v = match value {
                toml::Value::Integer(i) => *i as f64,
                toml::Value::Float(f) => *f,
                _ => f64::NAN,
            };
            if v.is_finite() && v > 0.0 {
                Ok(v)
            } else {
                Err(at(
                    line,
                    &format!("`{key}` under `[agent]` must be {what} above 0, e.g. 20"),
                ))
            }
        };
        let duration = || -> Result<Duration, CliError> {
            value
                .as_str()
                .and_then(|s| humantime::parse_duration(s.trim()).ok())
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    at(
                        line,
                        &format!("`{key}` under `[agent]` must be a duration in quotes, e.g. \"4h\" or \"30m\""),
                    )
                })
        };
        let list = || -> Result<Vec<String>, CliError> {
            value
                .as_array()
                .and_then(|a| {
                    a.iter()
                        .map(|v| v.as_str().map(|s| s.trim().to_ascii_lowercase()))
                        .collect::<Option<Vec<_>>>()
                })
                .ok_or_else(|| {
                    at(
                        line,
                        &format!("`{key}` under `[agent]` must be a list of names in quotes, e.g. [\"lambda\", \"runpod\"]"),
                    )
                })
        };
        let boolean = || -> Result<bool, CliError> {
            value.as_bool().ok_or_else(|| {
                at(
                    line,
                    &format!("`{key}` under `[agent]` must be true or false"),
                )
            })
        };
        match key.as_str() {
            "budget_usd" => l.budget_usd = Some(number("a number of US dollars")?),
            "max_price_per_hour" => {
                l.max_price_per_hour = Some(number("a number of US dollars per hour")?)
            }
            "budget_window" => l.window = Some(duration()?),
            "max_deadline" => l.max_deadline = Some(duration()?),
            "require_deadline" => l.require_deadline = Some(boolean()?),
            "confirm" => l.confirm = boolean()?,
            "max_instances" => match value.as_integer() {
                Some(n @ 1..=1000) => l.max_instances = Some(n as u32),
                _ => {
                    return Err(at(
                        line,
                        "`max_instances` under `[agent]` must be a whole number from 1 to 1000",
                    ))
                }
            },
            "providers" => {
                let ids = list()?;
                let known = gpu_providers::known_ids();
                if let Some(bad) = ids.iter().find(|id| !known.contains(&id.as_str())) {
                    return Err(at(
                        line,
                        &format!(
                            "`providers` under `[agent]` names `{bad}`, which is not a provider; known providers: {}",
                            known.join(", ")
                        ),
                    ));
                }
                l.providers = Some(ids);
            }
            "gpus" => {
                let names = list()?;
                for n in &names {
                    if family(n).is_none() {
                        return Err(at(
                            line,
                            &format!("`gpus` under `[agent]` names `{n}`, which is not a GPU `gpu` knows; `gpu gpus` lists them"),
                        ));
                    }
                }
                l.gpus = Some(names);
            }
            "owner" => {
                let v = value.as_str().unwrap_or("");
                if !gpu_providers::tags::valid_owner(v) {
                    return Err(at(
                        line,
                        &format!(
                            "`owner` under `[agent]` must be 1 to {} lowercase letters, digits or `-`",
                            gpu_providers::tags::MAX_OWNER_LEN
                        ),
                    ));
                }
                l.owner = Some(v.to_string());
            }
            other => return Err(unknown(line, other)),
        }
    }
    Ok(l)
}

/// Lines for `gpu config check`: what `gpu mcp` lets an agent do.
pub fn describe(l: &Limits) -> Vec<String> {
    let Some(budget) = l.budget_usd else {
        return vec!["agents (`gpu mcp`): no launches until `[agent] budget_usd` is set".into()];
    };
    let mut lines = vec![
        "agents (`gpu mcp`): launches within `[agent]`".to_string(),
        format!("  budget: ${budget:.2} per {}", span(l.window())),
        format!(
            "  deadline: {}up to {}",
            if l.require_deadline() {
                "required, "
            } else {
                ""
            },
            span(l.max_deadline())
        ),
        format!("  instances at once: {}", l.max_instances()),
    ];
    if let Some(p) = l.max_price_per_hour {
        lines.push(format!("  price: at most ${p:.2}/hour an instance"));
    }
    if let Some(p) = &l.providers {
        lines.push(format!("  providers: {}", p.join(", ")));
    }
    if let Some(g) = &l.gpus {
        lines.push(format!("  GPUs: {}", g.join(", ")));
    }
    if l.confirm {
        lines.push("  each launch confirmed by a person".into());
    }
    lines
}

/// The owner id agents' instances carry: `[agent] owner`, else this machine's id with `-agent`
/// (cut to fit the 32 characters an owner id may have).
pub fn agent_owner(limits: &Limits, machine: &str) -> String {
    if let Some(o) = &limits.owner {
        return o.clone();
    }
    let keep = gpu_providers::tags::MAX_OWNER_LEN - "-agent".len();
    let base: String = machine.chars().take(keep).collect();
    format!("{base}-agent")
}

/// The GPU family a name means (`h100-sxm` -> `H100`), if `gpu` knows it.
fn family(name: &str) -> Option<String> {
    let n = gpu_providers::gpu::canonical(name);
    n.known.then_some(n.family)
}

/// `24h`, `90m`, `45s`: a duration as a person writes it in the config.
pub fn span(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 && s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else if s >= 60 && s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

fn hours(d: Duration) -> f64 {
    d.as_secs_f64() / 3600.0
}

/// What agents' instances have spent and reserved within the window ending `now`.
pub use crate::lifecycle::budget::Committed;

/// The committed spend of the ledger entries `owner` launched. An instance without a deadline
/// reserves a whole window: nothing says it will stop sooner.
pub fn committed(entries: &[Entry], owner: &str, window: Duration, now: SystemTime) -> Committed {
    let items = crate::lifecycle::budget::from_ledger(entries, owner);
    crate::lifecycle::budget::total(&items, window, now)
}

/// Why a launch may not go ahead, said with the limit and by how much.
pub fn refuse(what: String) -> CliError {
    CliError::usage(what).hint("the limits are in the `[agent]` table of the config file, set by a person; `gpu config path` shows where")
}

/// The checks that need no offer: budget set, deadline, instance count, provider and GPU.
pub fn check_request(
    limits: &Limits,
    ttl: Option<Duration>,
    providers: &[String],
    gpus: &[String],
    committed: &Committed,
) -> Result<Duration, CliError> {
    if limits.budget_usd.is_none() {
        return Err(refuse(
            "launches through `gpu mcp` are off until a person sets `budget_usd` under `[agent]` in the config"
                .into(),
        ));
    }
    let ttl = match ttl {
        Some(t) => t,
        None if limits.require_deadline() => {
            return Err(refuse(format!(
                "a launch needs a deadline (`ttl`, at most {}): `[agent] require_deadline` is on",
                span(limits.max_deadline())
            )))
        }
        None => limits.max_deadline(),
    };
    if ttl > limits.max_deadline() {
        return Err(refuse(format!(
            "the deadline {} is longer than `[agent] max_deadline` ({}) by {}",
            span(ttl),
            span(limits.max_deadline()),
            span(ttl - limits.max_deadline())
        )));
    }
    if committed.running >= limits.max_instances() {
        return Err(refuse(format!(
            "{} agent instance{} may be billing already; `[agent] max_instances` is {}",
            committed.running,
            if committed.running == 1 { "" } else { "s" },
            limits.max_instances()
        )));
    }
    if let Some(allowed) = &limits.providers {
        if let Some(p) = providers
            .iter()
            .find(|p| !allowed.contains(&p.to_ascii_lowercase()))
        {
            return Err(refuse(format!(
                "`{p}` is not among the providers `[agent] providers` allows ({})",
                allowed.join(", ")
            )));
        }
    }
    if let Some(allowed) = &limits.gpus {
        let families: Vec<String> = allowed.iter().filter_map(|g| family(g)).collect();
        if gpus.is_empty() {
            return Err(refuse(format!(
                "name a GPU: `[agent] gpus` allows only {}",
                allowed.join(", ")
            )));
        }
        for g in gpus {
            let ok = family(g).is_some_and(|f| families.contains(&f));
            if !ok {
                return Err(refuse(format!(
                    "`{g}` is not among the GPUs `[agent] gpus` allows ({})",
                    allowed.join(", ")
                )));
            }
        }
    }
    Ok(ttl)
}

/// The highest price per hour a launch of `ttl` may have: under `max_price_per_hour`, and
/// within what the budget has left over the deadline. `Err` says which limit the cheapest
/// offer breaks, and by how much.
pub fn ceiling(
    limits: &Limits,
    committed: &Committed,
    ttl: Duration,
    cheapest_per_hour: f64,
) -> Result<f64, CliError> {
    let budget = limits.budget_usd.unwrap_or(0.0);
    if let Some(max) = limits.max_price_per_hour {
        if cheapest_per_hour > max + 1e-9 {
            return Err(refuse(format!(
                "the cheapest matching offer costs ${cheapest_per_hour:.2}/hour, over `[agent] max_price_per_hour` (${max:.2}) by ${:.2}",
                cheapest_per_hour - max
            )));
        }
    }
    let left = budget - committed.total();
    let counted = ttl.max(MIN_BILLED);
    let cost = cheapest_per_hour * hours(counted);
    if cost > left + 1e-9 {
        return Err(refuse(format!(
            "`[agent] budget_usd` is ${budget:.2} per {}: ${:.2} is committed (${:.2} spent, ${:.2} reserved until deadlines) and this launch would add ${cost:.2} (${cheapest_per_hour:.2}/hour for {}), ${:.2} over",
            span(limits.window()),
            committed.total(),
            committed.spent_usd,
            committed.reserved_usd,
            if counted > ttl {
                format!("{}, the least a launch is counted for", span(counted))
            } else {
                span(ttl)
            },
            cost - left
        )));
    }
    let by_budget = left / hours(counted);
    Ok(limits
        .max_price_per_hour
        .map_or(by_budget, |m| m.min(by_budget)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::ledger::EntryStatus;

    const NOW: &str = "2026-12-02T12:00:00Z";

    fn at(s: &str) -> SystemTime {
        humantime::parse_rfc3339(s).unwrap()
    }

    fn entry(
        owner: &str,
        status: EntryStatus,
        price: f64,
        launched: &str,
        released: Option<&str>,
        deadline: Option<&str>,
    ) -> Entry {
        Entry {
            name: "gpu-x".into(),
            provider: "lambda".into(),
            offer_id: "lambda:gpu_1x_a10@us-east-1".into(),
            instance_id: Some("i".into()),
            status,
            gpu: "A10".into(),
            gpu_count: 1,
            region: "us-east-1".into(),
            price_per_hour_usd: price,
            labels: Default::default(),
            created_at: launched.into(),
            launched_at: Some(launched.into()),
            released_at: released.map(Into::into),
            deadline: deadline.map(Into::into),
            ssh: None,
            note: None,
            owner: Some(owner.into()),
            missing_since: None,
            missing_reads: 0,
            identity: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn committed_is_spent_in_the_window_plus_running_time_to_deadlines() {
        let day = Duration::from_secs(24 * 3600);
        let entries = [
            // Ran 10:00-11:00 at $2: $2 spent.
            entry(
                "a-agent",
                EntryStatus::Released,
                2.0,
                "2026-12-02T10:00:00Z",
                Some("2026-12-02T11:00:00Z"),
                None,
            ),
            // Running since 11:30 at $4, deadline 13:00: $2 spent, $4 reserved.
            entry(
                "a-agent",
                EntryStatus::Launched,
                4.0,
                "2026-12-02T11:30:00Z",
                None,
                Some("2026-12-02T13:00:00Z"),
            ),
            // Started 30 hours ago, released 2 hours into the window at $1: $2 in the window.
            entry(
                "a-agent",
                EntryStatus::Released,
                1.0,
                "2026-12-01T06:00:00Z",
                Some("2026-12-01T14:00:00Z"),
                None,
            ),
            // Never created: nothing.
            entry(
                "a-agent",
                EntryStatus::Failed,
                9.0,
                "2026-12-02T11:00:00Z",
                None,
                None,
            ),
            // A person's instance: not the agent's budget.
            entry(
                "a",
                EntryStatus::Launched,
                50.0,
                "2026-12-02T11:00:00Z",
                None,
                None,
            ),
        ];
        let c = committed(&entries, "a-agent", day, at(NOW));
        assert!((c.spent_usd - 6.0).abs() < 1e-9, "{c:?}");
        assert!((c.reserved_usd - 4.0).abs() < 1e-9, "{c:?}");
        assert_eq!(c.running, 1);
        // An instance whose create answer was lost, with no deadline, reserves a whole window.
        let unknown = [entry("a-agent", EntryStatus::Unknown, 1.0, NOW, None, None)];
        let c = committed(&unknown, "a-agent", day, at(NOW));
        assert!((c.reserved_usd - 24.0).abs() < 1e-9, "{c:?}");
    }

    fn limits() -> Limits {
        Limits {
            budget_usd: Some(20.0),
            max_price_per_hour: Some(5.0),
            ..Limits::default()
        }
    }

    #[test]
    fn the_ceiling_keeps_within_the_price_limit_and_what_the_budget_has_left() {
        let two_hours = Duration::from_secs(7200);
        let c = Committed {
            spent_usd: 6.0,
            reserved_usd: 4.0,
            running: 1,
        };
        // $10 left over 2 hours: at most $5/hour, which is also the price limit.
        assert!((ceiling(&limits(), &c, two_hours, 3.0).unwrap() - 5.0).abs() < 1e-9);
        let c = Committed {
            spent_usd: 12.0,
            ..c
        };
        // $4 left: $2/hour at most; a $3 offer is $2 over.
        assert!((ceiling(&limits(), &c, two_hours, 1.0).unwrap() - 2.0).abs() < 1e-9);
        let e = ceiling(&limits(), &c, two_hours, 3.0).unwrap_err();
        assert!(e.message.contains("$16.00 is committed"), "{}", e.message);
        assert!(e.message.contains("would add $6.00"), "{}", e.message);
        assert!(e.message.ends_with("$2.00 over"), "{}", e.message);
        let e = ceiling(&limits(), &Committed::default(), two_hours, 5.5).unwrap_err();
        assert!(
            e.message
                .contains("over `[agent] max_price_per_hour` ($5.00) by $0.50"),
            "{}",
            e.message
        );
    }

    #[test]
    fn requests_are_checked_against_each_limit() {
        let none = Committed::default();
        let hour = Some(Duration::from_secs(3600));
        let e = check_request(&Limits::default(), hour, &[], &[], &none).unwrap_err();
        assert!(e.message.contains("budget_usd"), "{}", e.message);
        let e = check_request(&limits(), None, &[], &[], &none).unwrap_err();
        assert!(e.message.contains("needs a deadline"), "{}", e.message);
        let e = check_request(
            &limits(),
            Some(Duration::from_secs(5 * 3600)),
            &[],
            &[],
            &none,
        )
        .unwrap_err();
        assert!(e.message.contains("(4h) by 1h"), "{}", e.message);
        let busy = Committed { running: 1, ..none };
        let e = check_request(&limits(), hour, &[], &[], &busy).unwrap_err();
        assert!(e.message.contains("max_instances` is 1"), "{}", e.message);
        let only = Limits {
            providers: Some(vec!["runpod".into()]),
            gpus: Some(vec!["a10".into()]),
            ..limits()
        };
        let e = check_request(&only, hour, &["lambda".into()], &[], &none).unwrap_err();
        assert!(e.message.contains("`lambda` is not among"), "{}", e.message);
        let e =
            check_request(&only, hour, &["runpod".into()], &["h100".into()], &none).unwrap_err();
        assert!(e.message.contains("`h100` is not among"), "{}", e.message);
        assert!(check_request(&only, hour, &["runpod".into()], &["A10".into()], &none).is_ok());
        let optional = Limits {
            require_deadline: Some(false),
            ..limits()
        };
        assert_eq!(
            check_request(&optional, None, &[], &[], &none).unwrap(),
            DEFAULT_MAX_DEADLINE
        );
    }

    #[test]
    fn the_agent_owner_fits_an_owner_id() {
        assert_eq!(
            agent_owner(&Limits::default(), "a1b2c3d4"),
            "a1b2c3d4-agent"
        );
        let long = "x".repeat(32);
        let o = agent_owner(&Limits::default(), &long);
        assert!(gpu_providers::tags::valid_owner(&o), "{o}");
        assert!(o.ends_with("-agent"));
    }
}
