//! What is running: the ledger joined with what each provider reports, for `gpu ls` and
//! `gpu down`. Instances the ledger lost (orphans) and ledger entries the provider no longer has
//! are both shown, never hidden.

use std::time::{Duration, SystemTime};

use gpu_providers::{Instance, ProviderError, NAME_PREFIX, REGISTRY};

use crate::config::Config;
use crate::env::Env;
use crate::exit::CliError;
use crate::gather;
use crate::ledger::{Entry, EntryStatus, Store};
use crate::ui::Ui;

#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// In the ledger and at the provider.
    Tracked,
    /// At the provider, named `gpu-*`, unknown to the ledger.
    Orphan,
    /// In the ledger as launched, but the provider no longer has it.
    Gone,
    /// A launch the ledger recorded whose instance the provider does not show: never created.
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

impl Row {
    pub fn id(&self) -> String {
        let id = self
            .instance
            .as_ref()
            .map(|i| i.id.clone())
            .or_else(|| self.entry.as_ref().and_then(|e| e.instance_id.clone()))
            .unwrap_or_else(|| "-".to_string());
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
    /// Might be billing: running at the provider, or unknown.
    pub fn may_bill(&self) -> bool {
        match &self.note {
            Note::Gone | Note::NotCreated => false,
            Note::Unreachable(_) => true,
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
    pub fn overdue(&self, now: SystemTime) -> bool {
        self.entry
            .as_ref()
            .and_then(|e| e.deadline.as_deref())
            .and_then(|d| humantime::parse_rfc3339(d).ok())
            .is_some_and(|d| now > d)
            && self.may_bill()
    }
}

pub struct Fleet {
    pub rows: Vec<Row>,
    pub failures: Vec<ProviderError>,
}

/// Ask every provider that can list instances (and has a key), plus any provider the ledger
/// has open entries for, then reconcile the ledger with what they say.
pub async fn survey(config: &Config, env: &Env, ui: &Ui, store: &Store) -> Result<Fleet, CliError> {
    let ledger = store.read()?;
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
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let mut adopt: Vec<(String, String)> = Vec::new();
    let mut gone: Vec<String> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (id, listed) = joined.map_err(|e| CliError::failure(format!("internal error: {e}")))?;
        let entries: Vec<&Entry> = ledger.open_entries().filter(|e| e.provider == id).collect();
        match listed {
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
            }
            Ok(instances) => {
                let mut used = vec![false; instances.len()];
                for entry in entries {
                    let found = instances.iter().position(|i| {
                        entry.instance_id.as_deref() == Some(i.id.as_str())
                            || (entry.instance_id.is_none() && i.name == entry.name)
                    });
                    match found {
                        Some(k) if !instances[k].state.is_gone() => {
                            used[k] = true;
                            if entry.instance_id.is_none() {
                                adopt.push((entry.name.clone(), instances[k].id.clone()));
                            }
                            rows.push(Row {
                                provider: id.to_string(),
                                entry: Some(entry.clone()),
                                instance: Some(instances[k].clone()),
                                note: Note::Tracked,
                            });
                        }
                        other => {
                            if let Some(k) = other {
                                used[k] = true;
                            }
                            gone.push(entry.name.clone());
                            let note = if entry.status == EntryStatus::Launched {
                                Note::Gone
                            } else {
                                Note::NotCreated
                            };
                            rows.push(Row {
                                provider: id.to_string(),
                                entry: Some(entry.clone()),
                                instance: other.map(|k| instances[k].clone()),
                                note,
                            });
                        }
                    }
                }
                for (k, inst) in instances.into_iter().enumerate() {
                    if !used[k] && inst.name.starts_with(NAME_PREFIX) && !inst.state.is_gone() {
                        rows.push(Row {
                            provider: id.to_string(),
                            entry: None,
                            instance: Some(inst),
                            note: Note::Orphan,
                        });
                    }
                }
            }
        }
    }
    // Write back what the providers proved: ids for launches whose answer was lost, and
    // entries whose instance is gone.
    if !adopt.is_empty() || !gone.is_empty() {
        let now = gpu_providers::offer::now_rfc3339();
        store.update(|l| {
            for (name, instance_id) in &adopt {
                if let Some(e) = l.by_name_mut(name) {
                    e.instance_id = Some(instance_id.clone());
                    e.status = EntryStatus::Launched;
                    e.launched_at.get_or_insert_with(|| now.clone());
                }
            }
            for name in &gone {
                if let Some(e) = l.by_name_mut(name) {
                    if e.status.is_open() {
                        e.note = Some(if e.status == EntryStatus::Launched {
                            "gone at the provider".to_string()
                        } else {
                            "never created".to_string()
                        });
                        e.status = if e.status == EntryStatus::Launched {
                            EntryStatus::Released
                        } else {
                            EntryStatus::Failed
                        };
                        e.released_at = Some(now.clone());
                    }
                }
            }
        })?;
    }
    rows.sort_by(|a, b| a.provider.cmp(&b.provider).then(a.name().cmp(&b.name())));
    Ok(Fleet { rows, failures })
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

/// Does `wanted` name this row: `provider:id`, the bare id, or the ledger name?
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
            }),
            note: Note::Orphan,
        };
        assert!(row.may_bill());
        assert!(matches(&row, "lambda:i1") && matches(&row, "i1") && matches(&row, "gpu-x"));
        assert!(!matches(&row, "i2"));
    }
}
