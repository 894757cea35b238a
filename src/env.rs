//! Every environment variable `gpu` reads, in one place. Read once at start-up into [`Env`] so
//! that the rest of the program (and its tests) never touch the process environment.

use std::collections::BTreeMap;

/// `GPU_CONFIG`: the config file (also `--config`, which wins). Read by clap.
pub const CONFIG: &str = "GPU_CONFIG";
/// `GPU_<ID>_BASE_URL`: API root of one provider, e.g. `GPU_VAST_BASE_URL`. Wins over the file.
pub const BASE_URL_PREFIX: &str = "GPU_";
pub const BASE_URL_SUFFIX: &str = "_BASE_URL";
/// `GPU_TIMEOUT`: seconds to wait for each provider (the `--timeout` flag wins).
pub const TIMEOUT: &str = "GPU_TIMEOUT";
/// `GPU_OFFLINE=1`: never ask a provider; same as `--offline`.
pub const OFFLINE: &str = "GPU_OFFLINE";
/// `GPU_CACHE_DIR`: where answers are cached [default: the platform cache dir + `/gpu`].
pub const CACHE_DIR: &str = "GPU_CACHE_DIR";
/// `GPU_CACHE_TTL`: seconds a cached answer is reused (the config's `cache_ttl`; 0 disables).
pub const CACHE_TTL: &str = "GPU_CACHE_TTL";
/// `GPU_DATA_DIR`: where the ledger lives [default: the platform data dir + `/gpu`].
pub const DATA_DIR: &str = "GPU_DATA_DIR";
/// `GPU_POLL_INTERVAL`: seconds between status checks while `up --wait` and `down` wait
/// [default: 5].
pub const POLL_INTERVAL: &str = "GPU_POLL_INTERVAL";
/// `GPU_OWNER`: the owner id instances launched from here carry at the provider (the config's
/// `owner`); share one across a team's CI so that its runners recognise each other's instances.
pub const OWNER: &str = "GPU_OWNER";
/// `GPU_ABSENCE_GRACE`: seconds a provider must go on not listing an instance before the ledger
/// closes it (the config's `absence_grace`) [default: 600].
pub const ABSENCE_GRACE: &str = "GPU_ABSENCE_GRACE";
/// `GPU_TEST_NO_RETRY_DELAY=1`: retry without waiting (for tests).
pub const TEST_NO_RETRY_DELAY: &str = "GPU_TEST_NO_RETRY_DELAY";
/// `GPU_TEST_SSH_PORT`, `GPU_TEST_SSH_USER`: for tests only, and only for instances whose
/// SSH host is a loopback address: the port and user of the test's own `sshd` (Lambda's
/// instances always listen on port 22 as `ubuntu`).
pub const TEST_SSH_PORT: &str = "GPU_TEST_SSH_PORT";
pub const TEST_SSH_USER: &str = "GPU_TEST_SSH_USER";
/// `GPU_FORCE_TTY=1`: print as to a terminal though stdout is a pipe (a table, not TSV).
pub const FORCE_TTY: &str = "GPU_FORCE_TTY";
/// `GPU_MCP_SWEEP_INTERVAL`: seconds between `gpu mcp`'s releases of agents' instances past
/// their deadline [default: 60].
pub const MCP_SWEEP_INTERVAL: &str = "GPU_MCP_SWEEP_INTERVAL";
/// `NO_COLOR`: no colour, whatever `--color auto` would pick (https://no-color.org).
pub const NO_COLOR: &str = "NO_COLOR";
// Each provider's key variable (`LAMBDA_API_KEY`, `VAST_API_KEY`, ...) is named in its
// registry entry (`ProviderEntry::key_env`).

#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    pub fn from_process() -> Env {
        Env {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    #[cfg(test)]
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Env {
        Env {
            vars: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// The same environment with one variable set (what `gpu mcp` gives the commands it runs).
    pub fn with(&self, name: &str, value: &str) -> Env {
        let mut vars = self.vars.clone();
        vars.insert(name.to_string(), value.to_string());
        Env { vars }
    }

    /// A variable's value, if set and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Check the variables that hold numbers as strictly as the config file checks its keys:
    /// a value that cannot be used is an error naming the variable, never silently ignored.
    pub fn validate(&self) -> Result<(), String> {
        let checks: [(&str, f64, f64, &str); 5] = [
            (
                TIMEOUT,
                f64::MIN_POSITIVE,
                600.0,
                "a number of seconds above 0 and at most 600, e.g. 10",
            ),
            (
                CACHE_TTL,
                0.0,
                86_400.0,
                "a number of seconds from 0 (no reuse) to 86400",
            ),
            (
                POLL_INTERVAL,
                0.0,
                3_600.0,
                "a number of seconds from 0 to 3600, e.g. 5",
            ),
            (
                MCP_SWEEP_INTERVAL,
                0.1,
                3_600.0,
                "a number of seconds from 0.1 to 3600, e.g. 60",
            ),
            (
                ABSENCE_GRACE,
                0.0,
                86_400.0,
                "a number of seconds from 0 to 86400, e.g. 600",
            ),
        ];
        for (var, min, max, what) in checks {
            if let Some(v) = self.get(var) {
                let ok = v
                    .parse::<f64>()
                    .is_ok_and(|n| n.is_finite() && n >= min && n <= max);
                if !ok {
                    return Err(format!(
                        "`{var}={v}` cannot be used: it must be {what} (or unset it)"
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some(v) if v != "0" && !v.eq_ignore_ascii_case("false"))
    }

    pub fn base_url_var(provider: &str) -> String {
        format!(
            "{BASE_URL_PREFIX}{}{BASE_URL_SUFFIX}",
            provider.to_ascii_uppercase()
        )
    }
}
