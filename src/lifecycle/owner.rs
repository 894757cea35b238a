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
use crate::lifecycle::identity;
use crate::lifecycle::ledger::Store;

/// How an instance relates to this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// Created by `gpu` with this machine's owner id (or the shared one it was given), by
    /// this data directory (or by a version that kept no launcher).
    Mine,
    /// Created by `gpu` with this owner id, by another machine of the same owner.
    Team,
    /// Created by `gpu` with another owner id.
    Other(String),
    /// Not created by `gpu`, or by a version that kept no owner at the provider.
    NotGpu,
}

impl Owner {
    /// Whose it is: `mine` is this machine's owner id, `launcher` its launcher id (none when
    /// it never launched, so every launcher is another's). An instance of an older version
    /// carries no launcher: under an owner id this data directory made, it is this machine's;
    /// under a shared one (`GPU_OWNER`, `owner`), nothing says whose runner made it, so it is
    /// the team's.
    pub fn of(instance: &Instance, mine: &str, launcher: Option<&str>, shared: bool) -> Owner {
        match instance.owner.as_deref() {
            Some(o) if o == mine => match instance.launcher.as_deref() {
                Some(l) if Some(l) == launcher => Owner::Mine,
                Some(_) => Owner::Team,
                None if shared => Owner::Team,
                None => Owner::Mine,
            },
            Some(o) => Owner::Other(o.to_string()),
            None => Owner::NotGpu,
        }
    }
}

/// This machine's owner id: `GPU_OWNER`, else `owner` in the config, else the id made for
/// this data directory on its first launch and kept in `identity.json`, apart from the ledger
/// (an id an older version kept in the ledger moves there).
pub fn resolve(config: &Config, env: &Env, store: &Store) -> Result<String, CliError> {
    if let Some(o) = env.get(env::OWNER) {
        return check(o, "the variable `GPU_OWNER`");
    }
    if let Some(o) = &config.owner {
        return Ok(o.clone()); // checked when the config was read
    }
    let from_ledger = store.read().ok().and_then(|l| l.owner);
    let id = identity::ensure(store.dir(), |i| {
        i.owner
            .get_or_insert_with(|| from_ledger.unwrap_or_else(fresh));
    })?;
    Ok(id.owner.unwrap_or_default())
}

/// The owner id is given (`GPU_OWNER`, `owner` in the config), so other machines may share it.
pub fn shared(config: &Config, env: &Env) -> bool {
    env.get(env::OWNER).is_some() || config.owner.is_some()
}

/// The owner id to compare with, without creating one: a machine that never launched
/// anything owns nothing.
pub fn known(config: &Config, env: &Env, store: &Store) -> Option<String> {
    env.get(env::OWNER)
        .map(str::to_string)
        .or_else(|| config.owner.clone())
        .or_else(|| identity::read(store.dir()).owner)
        .or_else(|| store.read().ok().and_then(|l| l.owner))
}

/// This data directory's launcher id, made on its first launch (8 hex digits) and kept in
/// `identity.json`: every instance it launches carries it at the provider.
pub fn launcher(store: &Store) -> Result<String, CliError> {
    let id = identity::ensure(store.dir(), |i| {
        i.launcher.get_or_insert_with(fresh);
    })?;
    Ok(id.launcher.unwrap_or_default())
}

/// The launcher id, without creating one.
pub fn known_launcher(store: &Store) -> Option<String> {
    identity::read(store.dir()).launcher
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
pub fn fresh() -> String {
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
