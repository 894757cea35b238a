//! Which external providers (plugins) exist: `command = [...]` tables in the config, then
//! `gpu-provider-NAME` executables on `PATH`. A built-in provider's id cannot be taken.

use std::time::Duration;

use gpu_providers::plugin::{self, Plugin};

use crate::config::{Config, DEFAULT_TIMEOUT_SECS};
use crate::env::Env;

#[derive(Debug, Clone)]
pub struct Spec {
    /// Leaked once per run: provider ids are `&'static str` everywhere, and a run knows a
    /// handful of plugins at most.
    pub name: &'static str,
    pub command: Vec<String>,
    pub from_config: bool,
    pub enabled: bool,
    pub timeout: f64,
}

impl Spec {
    pub fn build(&self) -> Plugin {
        Plugin::new(
            self.name,
            self.command.clone(),
            Duration::from_secs_f64(self.timeout),
        )
    }
}

/// `PATH` is walked once per process (per value of `PATH`), however often the plugins are
/// listed (`find` asks several times; `watch` every round).
type Found = Vec<(String, std::path::PathBuf)>;

fn discovered(path: &str) -> Found {
    static SEEN: std::sync::Mutex<Vec<(String, Found)>> = std::sync::Mutex::new(Vec::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, found)) = seen.iter().find(|(p, _)| p == path) {
        return found.clone();
    }
    let found = plugin::discover(path);
    seen.push((path.to_string(), found.clone()));
    found
}

/// A provider name known only at run time (a plugin, a public-catalog provider) as the `&'static str` provider ids are, leaked once per distinct name.
pub fn intern(name: &str) -> &'static str {
    static NAMES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(n) = names.iter().find(|n| **n == name) {
        return n;
    }
    let n: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.push(n);
    n
}

pub fn list(config: &Config, env: &Env) -> Vec<Spec> {
    let built_in = gpu_providers::known_ids();
    let timeout_default = config.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS);
    let mut specs: Vec<Spec> = config
        .plugins
        .iter()
        .map(|(name, p)| Spec {
            name: intern(name),
            command: p.command.clone(),
            from_config: true,
            enabled: p.enabled,
            timeout: p.timeout.unwrap_or(timeout_default),
        })
        .collect();
    for (name, path) in discovered(env.get("PATH").unwrap_or("")) {
        if built_in.contains(&name.as_str()) || specs.iter().any(|s| s.name == name) {
            continue;
        }
        let disabled = config.providers.get(&name).is_some_and(|p| !p.enabled);
        specs.push(Spec {
            name: intern(&name),
            command: vec![path.display().to_string()],
            from_config: false,
            enabled: !disabled,
            timeout: timeout_default,
        });
    }
    specs.sort_by_key(|s| s.name);
    specs
}
