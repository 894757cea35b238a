//! What is running: the ledger joined with what each provider lists, for `gpu ls`, `gpu down`
//! and `gpu ssh`. Nothing is hidden: instances the ledger lost (orphans), other owners'
//! instances, and ledger entries the provider does not list are all rows.
//!
//! Absence needs evidence. An entry the provider does not list is closed (gone, or never
//! created) only after [`crate::lifecycle::ABSENT_READS`] reads over the absence grace period; until then it stays
//! open as `missing`, and an entry whose create is still in flight is never touched.

use std::time::{Duration, SystemTime};

use gpu_providers::{ErrorKind, Instance, ProviderError, NAME_PREFIX, REGISTRY};

use crate::config::Config;
use crate::env::Env;
use crate::exit::CliError;
use crate::gather;
use crate::lifecycle::absence_grace;
use crate::lifecycle::ledger::{Entry, EntryStatus, Ledger, Store};
use crate::lifecycle::owner::{self, Owner};
use crate::ui::Ui;

#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// In the ledger and at the provider.
    Tracked,
    /// In the ledger; its create request is still in flight in another `gpu up`.
    Launching,
    /// In the ledger, not listed by the provider lately; not yet proven absent.
    Missing,
    /// At the provider with this machine's owner id and launcher id, unknown to the ledger.
    Orphan,
    /// At the provider with this owner id, launched by another machine of the same owner (a
    /// team's runner): released only when it expires, or by name or id.
    Team,
    /// At the provider, created by `gpu` under another owner id.
    Foreign(String),
    /// At the provider, named `gpu-*`, but not created by `gpu` (no owner kept there).
    NotGpu,
    /// In the ledger as launched; the provider has gone on not listing it (or ended it).
    Gone,
    /// A launch the ledger recorded whose instance the provider has gone on not listing.
    NotCreated,
    /// The provider could not be asked.
    Unreachable(String),
}

#[derive(Debug, Clone)]
pub struct Row {
    pub provider: String,
    pub entry: Option<Entry>,
    pub instance: Option<Instance>,
    pub note: Note,
}

/// Clocks further apart than this are judged by the provider's: deadlines are kept at the
/// provider, and it is the one whose time ends them.
pub const CLOCK_TOLERANCE_SECS: i64 = 60;

/// The time by `provider`'s clock, where it differs from this machine's by more than a
/// minute (its latest `Date` header); else `now`.
pub fn provider_now(provider: &str, now: SystemTime) -> SystemTime {
    match gpu_providers::http::clock_ahead(provider) {
        Some(a) if a > CLOCK_TOLERANCE_SECS => now + Duration::from_secs(a as u64),
        Some(a) if a < -CLOCK_TOLERANCE_SECS => now
            .checked_sub(Duration::from_secs(a.unsigned_abs()))
            .unwrap_or(now),
        _ => now,
    }
}

impl Row {
    pub fn id(&self) -> String {
        let id = self.instance_id().unwrap_or_else(|| "-".to_string());
        format!("{}:{id}", self.provider)
    }
    pub fn name(&self) -> String {
        self.entry
            .as_ref()
            .map(|e| e.name.clone())
            .or_else(|| self.instance.as_ref().map(|i| i.name.clone()))
            .unwrap_or_default()
    }
    pub fn instance_id(&self) -> Option<String> {
        self.instance
            .as_ref()
            .map(|i| i.id.clone())
            .or_else(|| self.entry.as_ref().and_then(|e| e.instance_id.clone()))
    }
    /// Might be billing: running at the provider, or not known to be gone.
    pub fn may_bill(&self) -> bool {
        match &self.note {
            Note::Gone | Note::NotCreated => false,
            Note::Unreachable(_) | Note::Missing | Note::Launching => true,
            _ => self.instance.as_ref().is_none_or(|i| i.state.is_live()),
        }
    }
    pub fn price(&self) -> Option<f64> {
        self.entry
            .as_ref()
            .map(|e| e.price_per_hour_usd)
            .or_else(|| self.instance.as_ref().and_then(|i| i.price_per_hour_usd))
    }
    pub fn running_for(&self, now: SystemTime) -> Option<Duration> {
        let started = self.entry.as_ref()?.launched_at.as_deref()?;
        let t = humantime::parse_rfc3339(started).ok()?;
        now.duration_since(t).ok()
    }
    /// The owner id, as the provider keeps it (else as the ledger recorded it).
    pub fn owner_id(&self) -> Option<String> {
        self.instance
            .as_ref()
            .and_then(|i| i.owner.clone())
            .or_else(|| self.entry.as_ref().and_then(|e| e.owner.clone()))
    }
    /// Created by `gpu` (this machine's ledger knows it, or the provider keeps an owner id).
    pub fn created_by_gpu(&self) -> bool {
        self.entry.is_some() || self.owner_id().is_some()
    }
    /// The deadline in Unix seconds: the provider's copy first, which every machine sees.
    pub fn deadline(&self) -> Option<u64> {
        self.instance.as_ref().and_then(|i| i.deadline).or_else(|| {
            self.entry
                .as_ref()
                .and_then(|e| e.deadline.as_deref())
                .and_then(owner::parse_rfc3339)
        })
    }
    /// Past its deadline by the provider's clock (see [`provider_now`]).
    pub fn overdue(&self, now: SystemTime) -> bool {
        let now = provider_now(&self.provider, now);
        self.created_by_gpu()
            && self.may_bill()
            && self.deadline().is_some_and(|d| now > owner::from_unix(d))
    }
}

pub struct Fleet {
    pub rows: Vec<Row>,
    pub failures: Vec<ProviderError>,
    /// Providers asked because a key is set, that may not list instances with it, and where
    /// the ledger has nothing: said once, not a failure.
    pub not_listable: Vec<ProviderError>,
    /// The ledger could not be read: rows show only what the providers list.
    pub ledger_unreadable: Option<String>,
    /// What the providers proved could not be written back to the ledger.
    pub ledger_unwritten: Option<String>,
    /// Providers whose clock differs from this machine's by more than a minute: (id,
    /// seconds ahead).
    pub skewed_clocks: Vec<(String, i64)>,
    /// Listed instances whose record could not be read whole (kept as `unknown` rows when
    /// their name is this tool's), to be said once each.
    pub unreadable: Vec<Instance>,
}

/// Ask every provider that can list instances (and has a key), plus any provider the ledger
/// has open entries for, then reconcile the ledger with what they say.
pub async fn survey(config: &Config, env: &Env, ui: &Ui, store: &Store) -> Result<Fleet, CliError> {
    let (ledger, ledger_unreadable) = match store.read() {
        Ok(l) => (l, None),
        Err(e) => (Ledger::default(), Some(e.message)),
    };
    let mine = owner::known(config, env, store);
    let launcher = owner::known_launcher(store);
    let mut ids: Vec<&'static str> = Vec::new();
    for e in REGISTRY.iter().filter(|e| e.capabilities.launch) {
        let has_entries = ledger.open_entries().any(|x| x.provider == e.id);
        let disabled = config.providers.get(e.id).is_some_and(|p| !p.enabled);
        let keyed = crate::config::resolve(e, config, env, None)
            .map(|r| r.api_key.is_some())
            .unwrap_or(false);
        if has_entries || (keyed && !disabled) {
            ids.push(e.id);
        }
    }
    // Plugins are asked only when the ledger has something of theirs to find.
    for p in crate::plugins::list(config, env) {
        if ledger.open_entries().any(|x| x.provider == p.name) {
            ids.push(p.name);
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    for id in ids {
        let built = gather::build(id, config, env, ui);
        tasks.spawn(async move {
            let listed = match built {
                Ok((_, provider)) => provider.instances().await,
                Err(e) => Err(e),
            };
            (id, listed)
        });
    }
    let mut answers = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        answers.push(joined.map_err(|e| CliError::failure(format!("internal error: {e}")))?);
    }
    let now = SystemTime::now();
    let grace = absence_grace(config, env);
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let mut not_listable = Vec::new();
    // What to write back, by entry name: (seen with this id | missed).
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut missed: Vec<String> = Vec::new();
    let mut ended: Vec<String> = Vec::new();
    let mut unreadable = Vec::new();
    for (id, listed) in answers {
        let entries: Vec<&Entry> = ledger.open_entries().filter(|e| e.provider == id).collect();
        let instances = match listed {
            Err(e) if entries.is_empty() && e.kind == ErrorKind::Unsupported => {
                not_listable.push(e);
                continue;
            }
            Err(e) => {
                for entry in entries {
                    rows.push(Row {
                        provider: id.to_string(),
                        entry: Some(entry.clone()),
                        instance: None,
                        note: Note::Unreachable(e.message.clone()),
                    });
                }
                failures.push(e);
                continue;
            }
            Ok(instances) => instances,
        };
        unreadable.extend(instances.iter().filter(|i| i.unreadable.is_some()).cloned());
        let mut used = vec![false; instances.len()];
        for entry in entries {
            // An ended instance of the same name is no word about an entry with no id yet
            // (a create in flight, a name used again): only its id would be.
            let found = instances.iter().position(|i| {
                matches_entry(entry, i) && (entry.instance_id.is_some() || i.state.is_live())
            });
            let row = |instance: Option<&Instance>, note| Row {
                provider: id.to_string(),
                entry: Some(entry.clone()),
                instance: instance.cloned(),
                note,
            };
            match found {
                Some(k) => {
                    used[k] = true;
                    let i = &instances[k];
                    if i.state.is_gone() {
                        // The provider says it ended: that is evidence, not an absence.
                        ended.push(entry.name.clone());
                        rows.push(row(Some(i), Note::Gone));
                    } else {
                        seen.push((entry.name.clone(), i.id.clone()));
                        rows.push(row(Some(i), Note::Tracked));
                    }
                }
                None if entry.status == EntryStatus::Intent && store.launching(&entry.name) => {
                    rows.push(row(None, Note::Launching));
                }
                None => {
                    // Would this read prove it absent? Decided on a copy; written back below.
                    let mut probe = entry.clone();
                    let proven = probe.missed(now, grace);
                    missed.push(entry.name.clone());
                    let note = match (proven, entry.status) {
                        (false, _) => Note::Missing,
                        (true, EntryStatus::Launched) => Note::Gone,
                        (true, _) => Note::NotCreated,
                    };
                    rows.push(Row {
                        entry: Some(probe),
                        ..row(None, note)
                    });
                }
            }
        }
        for (k, inst) in instances.into_iter().enumerate() {
            if used[k] || !inst.name.starts_with(NAME_PREFIX) || inst.state.is_gone() {
                continue;
            }
            let whose = Owner::of(
                &inst,
                mine.as_deref().unwrap_or(""),
                launcher.as_deref(),
                owner::shared(config, env),
            );
            let note = match (whose, &mine) {
                (Owner::Mine, Some(_)) => Note::Orphan,
                (Owner::Team, Some(_)) => Note::Team,
                (Owner::Other(o), _) => Note::Foreign(o),
                (Owner::Mine | Owner::Team, None) => {
                    Note::Foreign(inst.owner.clone().unwrap_or_default())
                }
                (Owner::NotGpu, _) => Note::NotGpu,
            };
            rows.push(Row {
                provider: id.to_string(),
                entry: None,
                instance: Some(inst),
                note,
            });
        }
    }
    let mut ledger_unwritten = None;
    if ledger_unreadable.is_none() && !(seen.is_empty() && missed.is_empty() && ended.is_empty()) {
        let stamp = humantime::format_rfc3339_seconds(now).to_string();
        let written = store.update(|l| {
            for (name, instance_id) in &seen {
                if let Some(e) = l.by_name_mut(name).filter(|e| e.status.is_open()) {
                    e.instance_id = Some(instance_id.clone());
                    e.status = EntryStatus::Launched;
                    e.launched_at.get_or_insert_with(|| stamp.clone());
                    e.seen();
                }
            }
            for name in &ended {
                if let Some(e) = l.by_name_mut(name).filter(|e| e.status.is_open()) {
                    e.status = EntryStatus::Released;
                    e.note = Some("ended at the provider".into());
                    e.released_at = Some(stamp.clone());
                }
            }
            for name in &missed {
                // Only a read made now counts; an entry that changed meanwhile is left alone.
                let Some(e) = l.by_name_mut(name).filter(|e| e.status.is_open()) else {
                    continue;
                };
                if e.status == EntryStatus::Intent && store.launching(name) {
                    continue;
                }
                if e.missed(now, grace) {
                    let launched = e.status == EntryStatus::Launched;
                    e.note = Some(format!(
                        "{} (not listed in {} reads over {})",
                        if launched {
                            "gone at the provider"
                        } else {
                            "never created"
                        },
                        e.missing_reads,
                        short_duration(grace)
                    ));
                    e.status = if launched {
                        EntryStatus::Released
                    } else {
                        EntryStatus::Failed
                    };
                    e.released_at = Some(stamp.clone());
                } else if e.status == EntryStatus::Intent {
                    e.status = EntryStatus::Unknown;
                }
            }
        });
        if let Err(e) = written {
            ledger_unwritten = Some(e.message);
        }
    }
    rows.sort_by(|a, b| a.provider.cmp(&b.provider).then(a.name().cmp(&b.name())));
    let mut skewed_clocks: Vec<(String, i64)> = Vec::new();
    for r in &rows {
        if let Some(a) =
            gpu_providers::http::clock_ahead(&r.provider).filter(|a| a.abs() > CLOCK_TOLERANCE_SECS)
        {
            if !skewed_clocks.iter().any(|(p, _)| *p == r.provider) {
                skewed_clocks.push((r.provider.clone(), a));
            }
        }
    }
    Ok(Fleet {
        unreadable,
        skewed_clocks,
        rows,
        failures,
        not_listable,
        ledger_unreadable,
        ledger_unwritten,
    })
}

/// Is this listed instance the one the entry recorded?
pub fn matches_entry(entry: &Entry, i: &Instance) -> bool {
    match &entry.instance_id {
        Some(id) => *id == i.id,
        None => {
            i.name == entry.name
                && match (&entry.owner, &i.owner) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                }
        }
    }
}

impl Fleet {
    /// Say once per provider that its clock, not this machine's, judges deadlines.
    pub fn note_clocks(&self, ui: &Ui) {
        for (p, ahead) in &self.skewed_clocks {
            // To the minute: a `Date` has whole seconds and the answer took a moment.
            let by = short_duration(Duration::from_secs((ahead.unsigned_abs() + 30) / 60 * 60));
            let way = if *ahead > 0 { "ahead of" } else { "behind" };
            ui.note(&format!(
                "`{p}`'s clock is {by} {way} this machine's; its deadlines are judged by its clock"
            ));
        }
    }

    /// Say, once each, which listed instances could not be read whole, and how to release one.
    pub fn warn_unreadable(&self, ui: &Ui) {
        for i in &self.unreadable {
            let why = i.unreadable.as_deref().unwrap_or_default();
            let (p, id) = (&i.provider, &i.id);
            if i.name.starts_with(NAME_PREFIX) {
                ui.warn(&format!(
                    "`{p}` lists instance `{id}` (`{}`) in a form this version cannot read ({why}); it is shown as `unreadable` and counted as billing: `gpu down {p}:{id}` releases it",
                    i.name
                ));
            } else {
                ui.warn(&format!(
                    "`{p}` lists instance `{id}` in a form this version cannot read ({why}), and its name does not say it is this tool's: not shown, and left to `{p}`'s own console"
                ));
            }
        }
    }

    /// Say what the ledger could not do, once.
    pub fn warn_ledger(&self, ui: &Ui) {
        if let Some(m) = &self.ledger_unreadable {
            ui.warn(&format!("{m}; showing only what the providers list"));
        }
        if let Some(m) = &self.ledger_unwritten {
            ui.warn(&format!(
                "{m}; what the providers said was not recorded (the next `gpu ls` tries again)"
            ));
        }
    }
}

/// `2h05m`, `3m`, `45s`.
pub fn short_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// Does `wanted` name this row: `provider:id`, the bare id, or the name?
pub fn matches(row: &Row, wanted: &str) -> bool {
    let id = row.instance_id();
    wanted == row.id()
        || id.as_deref() == Some(wanted)
        || (!row.name().is_empty() && wanted == row.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpu_providers::State;

    #[test]
    fn durations_are_short() {
        assert_eq!(short_duration(Duration::from_secs(42)), "42s");
        assert_eq!(short_duration(Duration::from_secs(600)), "10m");
        assert_eq!(short_duration(Duration::from_secs(7500)), "2h05m");
    }

    #[test]
    fn states_decide_billing() {
        let row = Row {
            provider: "lambda".into(),
            entry: None,
            instance: Some(Instance {
                provider: "lambda".into(),
                id: "i1".into(),
                name: "gpu-x".into(),
                state: State::Running,
                status: "active".into(),
                gpu: None,
                gpu_count: None,
                region: None,
                price_per_hour_usd: Some(1.0),
                ssh: None,
                owner: Some("a1".into()),
                deadline: Some(1),
                launcher: None,
                launched: None,
                unreadable: None,
            }),
            note: Note::Orphan,
        };
        assert!(row.may_bill());
        assert!(
            row.overdue(SystemTime::now()),
            "the provider's deadline counts"
        );
        assert!(matches(&row, "lambda:i1") && matches(&row, "i1") && matches(&row, "gpu-x"));
        assert!(!matches(&row, "i2"));
        let hand_made = Row {
            instance: row.instance.clone().map(|i| Instance { owner: None, ..i }),
            note: Note::NotGpu,
            ..row.clone()
        };
        assert!(
            !hand_made.overdue(SystemTime::now()),
            "never overdue: not created by gpu"
        );
    }
}
