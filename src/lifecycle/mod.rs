//! Renting: everything between "this offer" and "released, confirmed", one job per file, for
//! every command that rents (`up`, `ls`, `down`, `ssh`).
//!
//! - [`budget`]: what an owner's instances commit, read from every provider, across machines.
//! - [`boot`]: what the instance gets at boot (`--env`, `--startup-script`), secrets masked.
//! - [`choose`]: which live offers may be launched, in the order the user pays least.
//! - [`launch`]: record the intent, send one create, settle whatever answer comes back.
//! - [`wait`]: until the instance runs and its SSH port answers.
//! - [`reconcile`]: the ledger joined with what each provider lists, absence proven over time.
//! - [`rent`]: what `up` and `run` share before the create: name, lock, offers, dry run.
//! - [`remote`]: every `ssh` command line: identity, gpu's own known_hosts, quoting.
//! - [`sync`]: `gpu run --sync`, a local tree copied as one tar stream over SSH.
//! - [`detached`]: one command on the instance in a session of its own, followed across dropped
//!   connections, until it ends, a signal, `--max-time` or `--max-cost`.
//! - [`release`]: terminate and confirm with the provider.
//! - [`ledger`]: what this machine launched, on disk, failing closed.
//! - [`owner`]: who launched an instance and when it must end, kept at the provider.
//! - [`identity`]: this data directory's owner and launcher ids, kept apart from the ledger.
//! - [`guard`]: what an interrupt (Ctrl-C, SIGTERM) says about what still bills.
//! - [`confirm`]: questions a person answers, interruptible.

pub mod boot;
pub mod budget;
pub mod choose;
pub mod confirm;
pub mod detached;
pub mod guard;
pub mod identity;
pub mod launch;
pub mod ledger;
pub mod owner;
pub mod reconcile;
pub mod release;
pub mod remote;
pub mod rent;
pub mod sync;
pub mod wait;

use std::time::Duration;

use crate::config::Config;
use crate::env::{self, Env};
use crate::exit::CliError;
use crate::lifecycle::ledger::Store;
use crate::ui::Ui;

/// The ledger of this machine (or of `GPU_DATA_DIR`).
pub fn store(env: &Env) -> Result<Store, CliError> {
    Store::default_dir(env.get(env::DATA_DIR))
        .map(Store::new)
        .ok_or_else(|| {
            CliError::failure("no data directory is known on this system")
                .hint("set `GPU_DATA_DIR`")
        })
}

/// Time between status checks (`GPU_POLL_INTERVAL`, default 5 s).
pub fn poll_interval(env: &Env) -> Duration {
    env.get(env::POLL_INTERVAL)
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(5))
}

/// Reads in a row that must miss an instance before it counts as absent.
pub const ABSENT_READS: u32 = 3;

/// How long a provider must go on not listing an instance before the ledger closes it as gone
/// or never created (`absence_grace` in the config, `GPU_ABSENCE_GRACE`; default 10 minutes:
/// new instances can take minutes to appear in a list).
pub fn absence_grace(config: &Config, env: &Env) -> Duration {
    env.get(env::ABSENCE_GRACE)
        .and_then(|v| v.parse::<f64>().ok())
        .or(config.absence_grace)
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(600))
}

/// The variables that give `provider` its key, as the code reads them.
pub fn key_vars(provider: &str) -> String {
    match gpu_providers::entry(provider) {
        Some(e) if !e.key_env.is_empty() => {
            // A setting that may come from the environment goes with the key (AWS's key id,
            // Verda's client id).
            let mut vars: Vec<String> = e
                .settings_env
                .iter()
                .filter(|(_, setting)| *setting != "session_token") // optional
                .map(|(var, _)| format!("`{var}`"))
                .collect();
            vars.push(format!("`{}`", e.key_env));
            vars.join(" and ")
        }
        _ => "the API key".to_string(),
    }
}

/// What to set when `provider` refused the key: its variables and its config table.
pub fn key_hint(provider: &str, config: &Config) -> String {
    let vars = key_vars(provider);
    let place = if config.path.as_os_str().is_empty() {
        "your config file".to_string()
    } else {
        format!("`{}`", config.path.display())
    };
    format!(
        "`{provider}` rejected the key: check {vars} (or `api_key` under `[providers.{provider}]` in {place}), then run `gpu config check`"
    )
}

/// A provider's refusal as an error: exit 4 with what to set when it refused the key.
pub fn provider_error(
    e: &gpu_providers::ProviderError,
    message: String,
    config: &Config,
) -> CliError {
    if e.kind == gpu_providers::ErrorKind::Auth {
        CliError::new(crate::exit::Status::Auth, message).hint(key_hint(e.provider, config))
    } else {
        CliError::failure(message)
    }
}

/// The environment with `--timeout` in it: the flag bounds every request of the command that
/// took it (offers, creates, lists, releases), exactly as `GPU_TIMEOUT` does.
pub fn with_timeout(env: &Env, flag: Option<f64>) -> Env {
    match flag {
        Some(t) => env.with(env::TIMEOUT, &t.to_string()),
        None => env.clone(),
    }
}

/// Whether a deadline on `provider` fires only when a sweeper runs somewhere.
pub fn needs_sweeper(provider: &str) -> bool {
    gpu_providers::entry(provider).is_none_or(|e| !e.capabilities.expires_itself)
}

/// Say once, when an instance's deadline relies on a sweeper and none is installed here,
/// which command installs one (`-q` silences it).
pub fn say_if_no_sweeper<'a>(providers: impl IntoIterator<Item = &'a str>, store: &Store, ui: &Ui) {
    let mut relying: Vec<&str> = providers.into_iter().filter(|p| needs_sweeper(p)).collect();
    relying.sort_unstable();
    relying.dedup();
    if relying.is_empty() || crate::sweeper::any_installed(store.dir()) {
        return;
    }
    let names: Vec<String> = relying.iter().map(|p| format!("`{p}`")).collect();
    ui.note(&format!(
        "on {} a deadline fires only when a sweeper runs `gpu down --expired`, and none is installed here: `gpu sweeper install --systemd` (or `--cron`, `--launchd`, `--github`) puts one on a schedule",
        names.join(", ")
    ));
}
