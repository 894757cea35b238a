//! Who this machine is at the providers, and what an instance says about itself.
//!
//! Every instance `gpu up` creates carries its owner id and its deadline at the provider (see
//! `gpu_providers::tags`), so that any machine with the same keys can tell its own instances
//! from another runner's, and release what is overdue whoever launched it.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gpu_providers::{tags, Instance};

use crate::config::Config;
use crate::env::{self, Env};
use crate::exit::CliError;
use crate::lifecycle::ledger::Store;

/// How an instance relates to this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// Created by `gpu` with this machine's owner id (or the shared one it was given).
    Mine,
    /// Created by `gpu` with another owner id.
    Other(String),
    /// Not created by `gpu`, or by a version that kept no owner at the provider.
    NotGpu,
}

impl Owner {
    pub fn of(instance: &Instance, mine: &str) -> Owner {
        match instance.owner.as_deref() {
            Some(o) if o == mine => Owner::Mine,
            Some(o) => Owner::Other(o.to_string()),
            None => Owner::NotGpu,
        }
    }
}

/// This machine's owner id: `GPU_OWNER`, else `owner` in the config, else the id made with the
/// ledger on its first write (and kept in it).
pub fn resolve(config: &Config, env: &Env, store: &Store) -> Result<String, CliError> {
    if let Some(o) = env.get(env::OWNER) {
        return check(o, "the variable `GPU_OWNER`");
    }
    if let Some(o) = &config.owner {
        return Ok(o.clone()); // checked when the config was read
    }
    if let Ok(l) = store.read() {
        if let Some(o) = l.owner {
            return Ok(o);
        }
    }
    store.update(|l| l.owner.get_or_insert_with(fresh).clone())
}

/// The owner id to compare with, without creating one: a machine that never launched
/// anything owns nothing.
pub fn known(config: &Config, env: &Env, store: &Store) -> Option<String> {
    env.get(env::OWNER)
        .map(str::to_string)
        .or_else(|| config.owner.clone())
        .or_else(|| store.read().ok().and_then(|l| l.owner))
}

pub fn check(value: &str, what: &str) -> Result<String, CliError> {
    if tags::valid_owner(value) {
        Ok(value.to_string())
    } else {
        Err(CliError::usage(format!(
            "{what} is `{value}`; an owner id is 1 to {} lowercase letters, digits or `-`",
            tags::MAX_OWNER_LEN
        )))
    }
}

/// Eight random hex digits.
fn fresh() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    format!("{:08x}", h.finish() & 0xffff_ffff)
}

/// A deadline as kept at the provider (Unix seconds).
pub fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub fn from_unix(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

pub fn rfc3339(secs: u64) -> String {
    humantime::format_rfc3339_seconds(from_unix(secs)).to_string()
}

pub fn parse_rfc3339(s: &str) -> Option<u64> {
    humantime::parse_rfc3339(s).ok().map(unix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_are_valid_and_differ() {
        let a = fresh();
        assert!(tags::valid_owner(&a) && a.len() == 8, "{a}");
        assert_ne!(a, fresh());
    }

    #[test]
    fn deadlines_convert_both_ways() {
        assert_eq!(rfc3339(1_764_633_600), "2025-12-02T00:00:00Z");
        assert_eq!(parse_rfc3339("2025-12-02T00:00:00Z"), Some(1_764_633_600));
    }
}
