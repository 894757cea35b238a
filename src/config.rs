//! The config file: schema, loading, validation with errors that name file, line and key, and
//! the resolution of each provider's settings from flags, environment and file (in that order).
//!
//! ```toml
//! timeout = 10                 # seconds per provider (default 10)
//!
//! [providers.lambda]
//! api_key = "..."              # or LAMBDA_API_KEY, which wins
//! base_url = "https://..."     # optional API root; or GPU_LAMBDA_BASE_URL, which wins
//! enabled = true               # false leaves the provider out entirely
//! timeout = 20                 # this provider only
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gpu_providers::{Secret, REGISTRY};

use crate::env::Env;
use crate::exit::CliError;

const TOP_KEYS: &[&str] = &[
    "timeout",
    "ssh_key",
    "cache_ttl",
    "history_days",
    "owner",
    "absence_grace",
    "catalog_max_age_days",
    "catalogs",
    "providers",
    "agent",
    "budget",
];
const CATALOG_KEYS: &[&str] = &["enabled", "url", "commits_url"];
const PROVIDER_KEYS: &[&str] = &["api_key", "base_url", "enabled", "timeout"];
pub const DEFAULT_TIMEOUT_SECS: f64 = 10.0;
/// Key variables set for tools other than `gpu` (the AWS CLI and SDKs read these).
const AMBIENT_KEY_VARS: &[&str] = &["AWS_SECRET_ACCESS_KEY"];

#[derive(Clone)]
pub struct ProviderConfig {
    pub api_key: Option<Secret>,
    pub base_url: Option<String>,
    pub enabled: bool,
    pub timeout: Option<f64>,
    /// Adapter-specific keys, passed to the adapter as they are.
    pub settings: toml::Table,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("api_key", &self.api_key)
            .field("base_url", &self.base_url)
            .field("enabled", &self.enabled)
            .field("timeout", &self.timeout)
            .field("settings", &DebugSettings(&self.settings))
            .finish()
    }
}

/// Settings as debug output shows them: values of secret-looking keys (`session_token`, ...)
/// masked, since adapters may keep credentials there.
struct DebugSettings<'a>(&'a toml::Table);

impl std::fmt::Debug for DebugSettings<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for (k, v) in self.0 {
            let secret = ["token", "secret", "password", "key"]
                .iter()
                .any(|w| k.contains(w));
            if secret {
                map.entry(k, &"***");
            } else {
                map.entry(k, v);
            }
        }
        map.finish()
    }
}

/// A `[catalogs.NAME]` table: one public price catalog (`gpu catalog refresh`).
#[derive(Debug, Clone, Default)]
pub struct CatalogConfig {
    pub enabled: Option<bool>,
    pub url: Option<String>,
    /// SkyPilot only: where the dates of its files are asked (GitHub's commits API).
    pub commits_url: Option<String>,
}

/// A `[providers.NAME]` table with a `command`: an external provider.
#[derive(Debug, Clone)]
pub struct PluginConfig {
    pub command: Vec<String>,
    pub enabled: bool,
    pub timeout: Option<f64>,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub path: PathBuf,
    pub exists: bool,
    pub timeout: Option<f64>,
    /// Default for `gpu up --ssh-key`: a public key file or a registered key name.
    pub ssh_key: Option<String>,
    /// Seconds a provider's answer is reused (0: never).
    pub cache_ttl: Option<f64>,
    /// Days of price history kept (0: none recorded).
    pub history_days: Option<f64>,
    /// The owner id instances launched from here carry at the provider (shared by a team's CI).
    pub owner: Option<String>,
    /// Seconds a provider must go on not listing an instance before it counts as gone.
    pub absence_grace: Option<f64>,
    /// Days after which a catalog row is flagged as old (default 14).
    pub catalog_max_age_days: Option<f64>,
    pub catalogs: BTreeMap<String, CatalogConfig>,
    pub providers: BTreeMap<String, ProviderConfig>,
    pub plugins: BTreeMap<String, PluginConfig>,
    /// `[agent]`: what `gpu mcp` lets an agent do (nothing that bills until a budget is set).
    pub agent: crate::mcp::limits::Limits,
    /// `[budget]`: what `up` and `run` of this owner may commit per window, across machines.
    pub budget: Option<crate::lifecycle::budget::Budget>,
    /// Things worth saying that are not errors (a file others can read).
    pub warnings: Vec<String>,
}

pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("gpu").join("config.toml"))
}

/// Load the config: an explicit path must exist; the default one may be missing.
pub fn load(explicit: Option<&Path>) -> Result<Config, CliError> {
    load_with(explicit, false).map(|(c, _)| c)
}

/// As [`load`], with a flawed key set aside (returned) instead of stopping everything: for
/// the commands that must run whatever a typo in the file (`ls`, `down`, `ssh`, `config path`).
pub fn load_lenient(explicit: Option<&Path>) -> Result<(Config, Vec<CliError>), CliError> {
    load_with(explicit, true)
}

fn load_with(explicit: Option<&Path>, lenient: bool) -> Result<(Config, Vec<CliError>), CliError> {
    let (path, must_exist) = match explicit {
        Some(p) => (p.to_path_buf(), true),
        None => match default_path() {
            Some(p) => (p, false),
            None => return Ok((Config::default(), Vec::new())),
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
            return Ok((
                Config {
                    path,
                    ..Config::default()
                },
                Vec::new(),
            ))
        }
        Err(e) => {
            return Err(CliError::usage(format!(
                "could not read the config file `{}`",
                path.display()
            ))
            .cause(e)
            .hint("pass an existing file with `--config PATH` or `GPU_CONFIG`, or remove it"))
        }
    };
    let (mut config, errors) = if lenient {
        parse_lenient(&text, &path)?
    } else {
        (parse(&text, &path)?, Vec::new())
    };
    config.exists = true;
    if let Some(w) = permission_warning(&path, &config) {
        config.warnings.push(w);
    }
    Ok((config, errors))
}

#[cfg(unix)]
fn permission_warning(path: &Path, config: &Config) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let has_keys = config.providers.values().any(|p| p.api_key.is_some());
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (has_keys && mode & 0o077 != 0).then(|| {
        format!(
            "`{}` holds API keys and can be read by other users; run `chmod 600 {}`",
            path.display(),
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn permission_warning(_: &Path, _: &Config) -> Option<String> {
    None
}

/// Parse and validate config text. Every error names the file, the line and the key.
pub fn parse(text: &str, path: &Path) -> Result<Config, CliError> {
    parse_with(text, path, None)
}

/// As [`parse`], but a key that fails is set aside (in `errors`) and the rest is read: for the
/// commands that must work with a flawed file (`config path`, `ls`, `down`, `ssh`). A file
/// that is not TOML at all is still an error.
pub fn parse_lenient(text: &str, path: &Path) -> Result<(Config, Vec<CliError>), CliError> {
    let errors = std::cell::RefCell::new(Vec::new());
    let config = parse_with(text, path, Some(&errors))?;
    Ok((config, errors.into_inner()))
}

fn parse_with(
    text: &str,
    path: &Path,
    lenient: Option<&std::cell::RefCell<Vec<CliError>>>,
) -> Result<Config, CliError> {
    let settle = |r: Result<(), CliError>| -> Result<(), CliError> {
        match (r, lenient) {
            (Err(e), Some(errors)) => {
                errors.borrow_mut().push(e);
                Ok(())
            }
            (r, _) => r,
        }
    };
    let file = path.display().to_string();
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let (line, col) = line_col(text, s.start);
                format!(" at line {line}, column {col}")
            })
            .unwrap_or_default();
        CliError::usage(format!(
            "`{file}` is not valid TOML{at}: {}",
            e.message().trim()
        ))
    })?;
    let mut config = Config {
        path: path.to_path_buf(),
        ..Config::default()
    };
    for (key, value) in &table {
        let line = find_line(text, None, key);
        #[allow(clippy::redundant_closure_call)]
        let r = (|| -> Result<(), CliError> {
            match key.as_str() {
                "timeout" => config.timeout = Some(seconds(value, &file, line, "timeout")?),
                "ssh_key" => {
                    config.ssh_key = Some(string(value, &file, line, "ssh_key")?.to_string())
                }
                "cache_ttl" => {
                    config.cache_ttl = Some(seconds_up_to_a_day(value, &file, line, "cache_ttl")?)
                }
                "history_days" => {
                    let v = match value {
                        toml::Value::Integer(i) => *i as f64,
                        toml::Value::Float(f) => *f,
                        _ => f64::NAN,
                    };
                    if !(v.is_finite() && (0.0..=3650.0).contains(&v)) {
                        return Err(at(
                            &file,
                            line,
                            "`history_days` must be a number of days from 0 to 3650",
                        ));
                    }
                    config.history_days = Some(v);
                }
                "owner" => {
                    let v = string(value, &file, line, "owner")?;
                    if !gpu_providers::tags::valid_owner(v) {
                        return Err(at(
                            &file,
                            line,
                            &format!(
                                "`owner` must be 1 to {} lowercase letters, digits or `-`",
                                gpu_providers::tags::MAX_OWNER_LEN
                            ),
                        ));
                    }
                    config.owner = Some(v.to_string());
                }
                "absence_grace" => {
                    config.absence_grace =
                        Some(seconds_up_to_a_day(value, &file, line, "absence_grace")?)
                }
                "catalog_max_age_days" => {
                    let v = match value {
                        toml::Value::Integer(i) => *i as f64,
                        toml::Value::Float(f) => *f,
                        _ => f64::NAN,
                    };
                    if !(v.is_finite() && (1.0..=3650.0).contains(&v)) {
                        return Err(at(
                            &file,
                            line,
                            "`catalog_max_age_days` must be a number of days from 1 to 3650",
                        ));
                    }
                    config.catalog_max_age_days = Some(v);
                }
                "catalogs" => {
                    let Some(catalogs) = value.as_table() else {
                        return Err(at(
                            &file,
                            line,
                            "`catalogs` must be a table of `[catalogs.<source>]` sections",
                        ));
                    };
                    for (id, body) in catalogs {
                        let header = format!("catalogs.{id}");
                        let hline = find_header(text, &header).or(line);
                        if !crate::catalogs::SOURCES.iter().any(|s| s.id == id) {
                            let known: Vec<&str> =
                                crate::catalogs::SOURCES.iter().map(|s| s.id).collect();
                            return Err(at(
                                &file,
                                hline,
                                &format!(
                                    "`[{header}]`: no such catalog; the catalogs are {}",
                                    known.join(", ")
                                ),
                            ));
                        }
                        let table = body.as_table().ok_or_else(|| {
                            at(&file, hline, &format!("`{header}` must be a table"))
                        })?;
                        let mut cc = CatalogConfig::default();
                        for (k, v) in table {
                            let kline = find_line(text, Some(&header), k).or(hline);
                            match k.as_str() {
                                "enabled" => {
                                    cc.enabled = Some(v.as_bool().ok_or_else(|| {
                                        at(
                                            &file,
                                            kline,
                                            &format!(
                                            "`enabled` under `[{header}]` must be true or false"
                                        ),
                                        )
                                    })?)
                                }
                                "url" | "commits_url" => {
                                    let s = string(v, &file, kline, k)?;
                                    if !(s.starts_with("https://") || s.starts_with("http://")) {
                                        return Err(at(
                                            &file,
                                            kline,
                                            &format!(
                                                "`{k}` under `[{header}]` must be an http(s) URL"
                                            ),
                                        ));
                                    }
                                    if k == "url" {
                                        cc.url = Some(s.to_string());
                                    } else {
                                        cc.commits_url = Some(s.to_string());
                                    }
                                }
                                other => {
                                    return Err(unknown_key(
                                        &file,
                                        kline,
                                        other,
                                        Some(&header),
                                        CATALOG_KEYS,
                                    ))
                                }
                            }
                        }
                        config.catalogs.insert(id.clone(), cc);
                    }
                }
                "agent" => {
                    let Some(t) = value.as_table() else {
                        return Err(at(&file, line, "`agent` must be a table: `[agent]`"));
                    };
                    config.agent = crate::mcp::limits::parse(
                        t,
                        &|k| find_line(text, Some("agent"), k).or(find_header(text, "agent")),
                        &|l, m| at(&file, l, m),
                        &|l, k| unknown_key(&file, l, k, Some("agent"), crate::mcp::limits::KEYS),
                    )?;
                }
                "budget" => {
                    let Some(t) = value.as_table() else {
                        return Err(at(&file, line, "`budget` must be a table: `[budget]`"));
                    };
                    config.budget = Some(crate::lifecycle::budget::parse(t, &|k, m| {
                        at(
                            &file,
                            find_line(text, Some("budget"), k).or(find_header(text, "budget")),
                            m,
                        )
                    })?);
                }
                "providers" => {
                    let Some(providers) = value.as_table() else {
                        return Err(at(
                            &file,
                            line,
                            "`providers` must be a table of `[providers.<id>]` sections",
                        ));
                    };
                    for (id, body) in providers {
                        #[allow(clippy::redundant_closure_call)]
                        let r = (|| -> Result<(), CliError> {
                            if body.as_table().is_some_and(|t| t.contains_key("command")) {
                                let pc = plugin(id, body, text, &file)?;
                                config.plugins.insert(id.clone(), pc);
                                return Ok(());
                            }
                            let pc = provider(id, body, text, &file)?;
                            check_settings(id, &pc, text, &file)?;
                            config.providers.insert(id.clone(), pc);
                            Ok(())
                        })();
                        settle(r)?;
                    }
                }
                other => {
                    return Err(unknown_key(&file, line, other, None, TOP_KEYS));
                }
            }
            Ok(())
        })();
        settle(r)?;
    }
    Ok(config)
}

/// `[providers.NAME]` with `command = ["program", "arg", ...]`.
fn plugin(id: &str, body: &toml::Value, text: &str, file: &str) -> Result<PluginConfig, CliError> {
    let header = format!("providers.{id}");
    let line = find_header(text, &header);
    if gpu_providers::known_ids().contains(&id) {
        return Err(at(
            file,
            line,
            &format!("`{id}` is a built-in provider; give the plugin another name"),
        ));
    }
    if !gpu_providers::plugin::valid_name(id) {
        return Err(at(
            file,
            line,
            &format!("`{id}` is not a valid provider name: use lowercase letters, digits and `-`"),
        ));
    }
    let table = body
        .as_table()
        .ok_or_else(|| at(file, line, &format!("`{header}` must be a table")))?;
    let mut pc = PluginConfig {
        command: Vec::new(),
        enabled: true,
        timeout: None,
    };
    for (key, value) in table {
        let kline = find_line(text, Some(&header), key).or(line);
        match key.as_str() {
            "command" => {
                let parts: Option<Vec<String>> = value
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|v| v.as_str().map(String::from))
                            .collect::<Option<Vec<_>>>()
                    })
                    .unwrap_or(None);
                match parts {
                    Some(p) if !p.is_empty() => pc.command = p,
                    _ => {
                        return Err(at(
                            file,
                            kline,
                            &format!("`command` under `[{header}]` must be a list of strings, e.g. [\"/usr/local/bin/my-gpus\", \"--json\"]"),
                        ))
                    }
                }
            }
            "enabled" => {
                pc.enabled = value.as_bool().ok_or_else(|| {
                    at(
                        file,
                        kline,
                        &format!("`enabled` under `[{header}]` must be true or false"),
                    )
                })?
            }
            "timeout" => {
                pc.timeout = Some(seconds(
                    value,
                    file,
                    kline,
                    &format!("timeout` under `[{header}]"),
                )?)
            }
            other => {
                return Err(unknown_key(
                    file,
                    kline,
                    other,
                    Some(&header),
                    &["command", "enabled", "timeout"],
                ))
            }
        }
    }
    Ok(pc)
}

fn provider(
    id: &str,
    body: &toml::Value,
    text: &str,
    file: &str,
) -> Result<ProviderConfig, CliError> {
    let header = format!("providers.{id}");
    let line = find_header(text, &header);
    let known = gpu_providers::known_ids();
    if !known.contains(&id) {
        let mut e = at(
            file,
            line,
            &format!("unknown provider `{id}` in `[{header}]`"),
        );
        e.hint = Some(match did_you_mean(id, &known) {
            Some(s) => format!("did you mean `{s}`? Known providers: {}", known.join(", ")),
            None => format!("known providers: {}", known.join(", ")),
        });
        return Err(e);
    }
    let Some(table) = body.as_table() else {
        return Err(at(file, line, &format!("`{header}` must be a table")));
    };
    let entry = REGISTRY.iter().find(|e| e.id == id);
    let mut allowed: Vec<&str> = PROVIDER_KEYS.to_vec();
    match entry {
        Some(e) => allowed.extend(e.settings),
        // Catalog-only providers have nothing to configure but being left out.
        None => allowed = vec!["enabled"],
    }
    let mut pc = ProviderConfig {
        api_key: None,
        base_url: None,
        enabled: true,
        timeout: None,
        settings: toml::Table::new(),
    };
    for (key, value) in table {
        let kline = find_line(text, Some(&header), key).or(line);
        let name = format!("{key}` under `[{header}]");
        match key.as_str() {
            k if !allowed.contains(&k) => {
                let mut e = unknown_key(file, kline, key, Some(&header), &allowed);
                if entry.is_none() {
                    e.hint = Some(format!(
                        "`{id}` has no live adapter yet; only `enabled` is read"
                    ));
                }
                return Err(e);
            }
            "api_key" => {
                let s = string(value, file, kline, &name)?;
                if !s.trim().is_empty() {
                    pc.api_key = Some(Secret::new(s.trim()));
                }
            }
            "base_url" => pc.base_url = Some(string(value, file, kline, &name)?.trim().to_string()),
            "enabled" => {
                pc.enabled = value
                    .as_bool()
                    .ok_or_else(|| at(file, kline, &format!("`{name}` must be true or false")))?
            }
            "timeout" => pc.timeout = Some(seconds(value, file, kline, &name)?),
            _ => {
                pc.settings.insert(key.clone(), value.clone());
            }
        }
    }
    Ok(pc)
}

/// Let the adapter judge its own settings now, so a wrong value is a config error at once, not
/// a warning the first time the provider is asked.
fn check_settings(id: &str, pc: &ProviderConfig, text: &str, file: &str) -> Result<(), CliError> {
    let Some(entry) = REGISTRY.iter().find(|e| e.id == id) else {
        return Ok(());
    };
    if pc.settings.is_empty() {
        return Ok(());
    }
    let Ok(http) = gpu_providers::Http::new(gpu_providers::HttpOptions::default()) else {
        return Ok(());
    };
    let ctx = gpu_providers::ProviderContext {
        api_key: Some(Secret::new("settings-check")),
        base_url: entry.default_base_url.to_string(),
        http,
        settings: pc.settings.clone(),
    };
    match (entry.build)(ctx) {
        Err(e) if e.kind == gpu_providers::ErrorKind::Invalid => {
            let key = pc
                .settings
                .keys()
                .find(|k| e.message.contains(&format!("`{k}`")));
            let header = format!("providers.{id}");
            let line = key
                .and_then(|k| find_line(text, Some(&header), k))
                .or_else(|| find_header(text, &header));
            Err(at(file, line, &format!("`[{header}]`: {}", e.message)))
        }
        _ => Ok(()),
    }
}

fn string<'a>(
    value: &'a toml::Value,
    file: &str,
    line: Option<usize>,
    name: &str,
) -> Result<&'a str, CliError> {
    value
        .as_str()
        .ok_or_else(|| at(file, line, &format!("`{name}` must be a string in quotes")))
}

fn seconds(
    value: &toml::Value,
    file: &str,
    line: Option<usize>,
    name: &str,
) -> Result<f64, CliError> {
    let v = match value {
        toml::Value::Integer(i) => *i as f64,
        toml::Value::Float(f) => *f,
        _ => f64::NAN,
    };
    if v.is_finite() && v > 0.0 && v <= 600.0 {
        Ok(v)
    } else {
        Err(at(
            file,
            line,
            &format!("`{name}` must be a number of seconds above 0 and at most 600, e.g. 10"),
        ))
    }
}

/// A number of seconds from 0 to 86400.
fn seconds_up_to_a_day(
    value: &toml::Value,
    file: &str,
    line: Option<usize>,
    key: &str,
) -> Result<f64, CliError> {
    let v = match value {
        toml::Value::Integer(i) => *i as f64,
        toml::Value::Float(f) => *f,
        _ => f64::NAN,
    };
    if v.is_finite() && (0.0..=86_400.0).contains(&v) {
        Ok(v)
    } else {
        Err(at(
            file,
            line,
            &format!("`{key}` must be a number of seconds from 0 to 86400"),
        ))
    }
}

fn at(file: &str, line: Option<usize>, what: &str) -> CliError {
    match line {
        Some(l) => CliError::usage(format!("{file}:{l}: {what}")),
        None => CliError::usage(format!("{file}: {what}")),
    }
}

fn unknown_key(
    file: &str,
    line: Option<usize>,
    key: &str,
    table: Option<&str>,
    allowed: &[&str],
) -> CliError {
    let place = table.map(|t| format!(" under `[{t}]`")).unwrap_or_default();
    let mut e = at(file, line, &format!("unknown key `{key}`{place}"));
    e.hint = Some(match did_you_mean(key, allowed) {
        Some(s) => format!(
            "did you mean `{s}`? Valid keys here: {}",
            allowed.join(", ")
        ),
        None => format!("valid keys here: {}", allowed.join(", ")),
    });
    e
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn find_header(text: &str, header: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let t = l.trim();
            t.starts_with('[') && t.trim_matches(|c| c == '[' || c == ']').trim() == header
        })
        .map(|i| i + 1)
}

/// The line where `key` is set, inside `[table]` when given, else before any table.
fn find_line(text: &str, table: Option<&str>, key: &str) -> Option<usize> {
    let mut current: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            current = Some(t.trim_matches(|c| c == '[' || c == ']').trim().to_string());
            continue;
        }
        let in_scope = match (table, &current) {
            (None, None) => true,
            (Some(want), Some(cur)) => want == cur,
            _ => false,
        };
        if in_scope {
            if let Some(rest) = t.strip_prefix(key) {
                if rest.trim_start().starts_with('=') {
                    return Some(i + 1);
                }
            }
        }
    }
    None
}

/// The closest candidate within two edits, for "did you mean".
pub fn did_you_mean<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| {
            (
                gpu_providers::gpu::edit_distance(&input.to_ascii_lowercase(), c),
                *c,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Where a provider's key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Env(&'static str),
    File,
}

/// One provider's settings after flags, environment and file are combined.
#[derive(Clone)]
pub struct Resolved {
    pub id: &'static str,
    pub api_key: Option<(Secret, KeySource)>,
    pub base_url: String,
    pub enabled: bool,
    pub timeout: f64,
    /// The user has said something about this provider: a key or a config table.
    pub configured: bool,
    pub settings: toml::Table,
}

impl std::fmt::Debug for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolved")
            .field("id", &self.id)
            .field("api_key", &self.api_key)
            .field("base_url", &self.base_url)
            .field("enabled", &self.enabled)
            .field("timeout", &self.timeout)
            .field("configured", &self.configured)
            .field("settings", &DebugSettings(&self.settings))
            .finish()
    }
}

/// Combine env (wins) and file for one registry provider, and check its base URL.
pub fn resolve(
    entry: &'static gpu_providers::ProviderEntry,
    config: &Config,
    env: &Env,
    timeout_flag: Option<f64>,
) -> Result<Resolved, CliError> {
    let file = config.providers.get(entry.id);
    let api_key = match env.get(entry.key_env) {
        Some(k) => Some((Secret::new(k.trim()), KeySource::Env(entry.key_env))),
        None => file
            .and_then(|f| f.api_key.clone())
            .map(|k| (k, KeySource::File)),
    };
    let env_var = Env::base_url_var(entry.id);
    let (base_url, origin) = match (env.get(&env_var), file.and_then(|f| f.base_url.clone())) {
        (Some(u), _) => (u.to_string(), format!("`{env_var}`")),
        (None, Some(u)) => (
            u,
            format!(
                "`base_url` under `[providers.{}]` in `{}`",
                entry.id,
                config.path.display()
            ),
        ),
        (None, None) => (entry.default_base_url.to_string(), String::new()),
    };
    if !origin.is_empty() {
        check_base_url(&base_url, &origin)?;
    }
    let env_timeout = env
        .get(crate::env::TIMEOUT)
        .and_then(|t| t.parse::<f64>().ok())
        .filter(|t| *t > 0.0);
    let timeout = timeout_flag
        .or(env_timeout)
        .or(file.and_then(|f| f.timeout))
        .or(config.timeout)
        .unwrap_or(DEFAULT_TIMEOUT_SECS);
    let mut settings = file.map(|f| f.settings.clone()).unwrap_or_default();
    for (var, key) in entry.settings_env {
        if let Some(v) = env.get(var).map(str::trim).filter(|v| !v.is_empty()) {
            settings.insert(key.to_string(), toml::Value::String(v.to_string()));
        }
    }
    // Credentials that sit in most engineers' environments for other tools do not, alone,
    // mean the user asked `gpu` for this provider: its failures stay quiet, like a keyless
    // provider's, unless it has a config table or is named with `--provider`.
    let said_so = match &api_key {
        Some((_, KeySource::Env(var))) => !AMBIENT_KEY_VARS.contains(var),
        Some((_, KeySource::File)) => true,
        None => false,
    };
    Ok(Resolved {
        id: entry.id,
        configured: said_so || file.is_some(),
        api_key,
        base_url: base_url.trim_end_matches('/').to_string(),
        enabled: file.is_none_or(|f| f.enabled),
        timeout,
        settings,
    })
}

/// Why a provider still cannot be asked live although it needs no key or has one (an AWS
/// secret without its access key id, Scaleway without a euro rate), in the adapter's own
/// words; `None` when it can be built, or when it simply has no key yet.
pub fn incomplete(entry: &gpu_providers::ProviderEntry, r: &Resolved) -> Option<String> {
    if entry.capabilities.offers_need_key && r.api_key.is_none() {
        return None;
    }
    let http = gpu_providers::Http::new(gpu_providers::HttpOptions::default()).ok()?;
    let built = (entry.build)(gpu_providers::ProviderContext {
        api_key: r.api_key.as_ref().map(|(k, _)| k.clone()),
        base_url: r.base_url.clone(),
        http,
        settings: r.settings.clone(),
    });
    match built {
        Err(e) if e.kind == gpu_providers::ErrorKind::NotConfigured => Some(e.message),
        _ => None,
    }
}

/// A key must never travel in clear text: `http://` only to this machine.
pub fn check_base_url(url: &str, origin: &str) -> Result<(), CliError> {
    let parsed = reqwest_free_parse(url).ok_or_else(|| {
        CliError::usage(format!("{origin} is not a URL: `{url}`"))
            .hint("write it as `https://host[:port][/path]`")
    })?;
    match parsed.0.as_str() {
        "https" => Ok(()),
        "http" if is_loopback(&parsed.1) => Ok(()),
        "http" => Err(CliError::usage(format!(
            "{origin} uses plain `http://` to `{}`; keys would travel unencrypted",
            parsed.1
        ))
        .hint("use `https://`; plain `http://` is accepted only for 127.0.0.1, ::1 and localhost")),
        other => Err(CliError::usage(format!(
            "{origin} has scheme `{other}`; use `https://`"
        ))),
    }
}

/// (scheme, host) of a URL, without pulling a URL crate into the CLI.
fn reqwest_free_parse(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.contains('@') {
        return None; // no credentials in URLs
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?.to_string()
    } else {
        authority.split(':').next()?.to_string()
    };
    (!host.is_empty() && !scheme.is_empty())
        .then(|| (scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The config and environment as a command uses them, their problems said on `ui`. Strict:
/// a bad variable or key is a usage error. `lenient` (listing, releasing, reaching
/// instances): the key or variable that fails is named in a warning and left out, and the
/// rest is used. `warnings`: say what the file has that is not an error (not for `gpu config`,
/// which says it itself).
pub fn load_for_use(
    path: Option<&std::path::Path>,
    env: &crate::env::Env,
    lenient: bool,
    warnings: bool,
    ui: &crate::ui::Ui,
) -> Result<Config, CliError> {
    // Read as strictly as the file; where the file is read leniently, so are the variables.
    if let Err(e) = env.validate() {
        if !lenient {
            return Err(CliError::usage(e));
        }
        ui.warn(&format!(
            "{e}; the default is used, and this command goes on"
        ));
    }
    let config = if lenient {
        let (config, errors) = load_lenient(path)?;
        for e in errors {
            ui.warn(&format!(
                "{}; it is left out, and this command goes on without it",
                e.message
            ));
        }
        config
    } else {
        load(path)?
    };
    if warnings {
        for w in &config.warnings {
            ui.warn(w);
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Config, CliError> {
        parse(text, Path::new("/home/u/.config/gpu/config.toml"))
    }

    #[test]
    fn aws_credentials_come_from_the_usual_variables() {
        let c =
            parse_str("[providers.aws]\naccess_key_id = \"AKIDFILE\"\nregions = [\"eu-west-1\"]\n")
                .unwrap();
        let aws = gpu_providers::entry("aws").unwrap();
        let file_only = resolve(aws, &c, &Env::from_pairs(&[]), None).unwrap();
        assert_eq!(
            file_only.settings["access_key_id"].as_str(),
            Some("AKIDFILE")
        );
        assert!(
            incomplete(aws, &file_only).is_none(),
            "no key: nothing to complete"
        );

        let env = Env::from_pairs(&[
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "SESSION-TOKEN-VALUE"),
        ]);
        let r = resolve(aws, &c, &env, None).unwrap();
        assert_eq!(
            r.settings["access_key_id"].as_str(),
            Some("AKIDENV"),
            "env wins"
        );
        assert_eq!(
            r.settings["session_token"].as_str(),
            Some("SESSION-TOKEN-VALUE")
        );
        assert_eq!(r.settings["regions"].as_array().map(Vec::len), Some(1));
        assert!(incomplete(aws, &r).is_none());

        let secret_only = resolve(
            aws,
            &parse_str("").unwrap(),
            &Env::from_pairs(&[("AWS_SECRET_ACCESS_KEY", "secret")]),
            None,
        )
        .unwrap();
        let why = incomplete(aws, &secret_only).unwrap();
        assert!(why.contains("AWS_ACCESS_KEY_ID"), "{why}");

        let dump = format!("{r:?} {c:?}");
        assert!(
            !dump.contains("SESSION-TOKEN-VALUE"),
            "token in a debug dump: {dump}"
        );
        assert!(!dump.contains("secret"), "secret in a debug dump: {dump}");
        assert!(
            dump.contains("eu-west-1"),
            "other settings stay visible: {dump}"
        );
    }

    #[test]
    fn reads_providers_and_settings() {
        let c = parse_str(
            "timeout = 5\n\n[providers.lambda]\napi_key = \"k-123\"\n\n[providers.vast]\nlimit = 50\nenabled = false\n",
        )
        .unwrap();
        assert_eq!(c.timeout, Some(5.0));
        assert_eq!(
            c.providers["lambda"].api_key.as_ref().unwrap().expose(),
            "k-123"
        );
        assert!(!c.providers["vast"].enabled);
        assert_eq!(c.providers["vast"].settings["limit"].as_integer(), Some(50));
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = parse_str("[providers.lambda]\napi_kee = \"x\"\n").unwrap_err();
        assert!(e.message.contains("config.toml:2"), "{}", e.message);
        assert!(e.message.contains("`api_kee`"), "{}", e.message);
        assert!(e.hint.unwrap().contains("did you mean `api_key`"));

        let e = parse_str("[providers.lamda]\n").unwrap_err();
        assert!(e.message.contains(":1:"), "{}", e.message);
        assert!(e.hint.unwrap().contains("`lambda`"));

        let e = parse_str("timeout = \"soon\"\n").unwrap_err();
        assert!(e.message.contains("config.toml:1"), "{}", e.message);

        let e = parse_str("[providers.vast]\nenabled = \"yes\"\n").unwrap_err();
        assert!(
            e.message.contains(":2:") && e.message.contains("true or false"),
            "{}",
            e.message
        );

        let e = parse_str("[providers.lambda\napi_key = 1\n").unwrap_err();
        assert!(
            e.message.contains("not valid TOML at line 1"),
            "{}",
            e.message
        );
        assert!(!e.message.contains('\n'), "one line: {}", e.message);

        let e = parse_str("[providers.coreweave]\napi_key = \"x\"\n").unwrap_err();
        assert!(e.hint.unwrap().contains("no live adapter"));
    }

    #[test]
    fn plugin_tables_need_a_command_list() {
        let c = parse_str(
            "[providers.homelab]\ncommand = [\"/opt/homelab-gpus\", \"--json\"]\ntimeout = 3\n",
        )
        .unwrap();
        assert_eq!(
            c.plugins["homelab"].command,
            ["/opt/homelab-gpus", "--json"]
        );
        let e = parse_str("[providers.homelab]\ncommand = \"/opt/x\"\n").unwrap_err();
        assert!(
            e.message.contains("must be a list of strings"),
            "{}",
            e.message
        );
        let e = parse_str("[providers.vast]\ncommand = [\"x\"]\n").unwrap_err();
        assert!(e.message.contains("built-in provider"), "{}", e.message);
        let e = parse_str("[providers.homelab]\ncommand = [\"x\"]\napi_key = \"k\"\n").unwrap_err();
        assert!(e.message.contains("unknown key `api_key`"), "{}", e.message);
    }

    #[test]
    fn empty_file_is_fine() {
        assert!(parse_str("").unwrap().providers.is_empty());
    }

    #[test]
    fn env_wins_over_file_and_flags_over_both() {
        let config = parse_str("timeout = 7\n[providers.lambda]\napi_key = \"file-key\"\nbase_url = \"https://gw.example/lambda\"\n").unwrap();
        let entry = gpu_providers::entry("lambda").unwrap();
        let env = Env::from_pairs(&[("LAMBDA_API_KEY", "env-key")]);
        let r = resolve(entry, &config, &env, None).unwrap();
        assert_eq!(r.api_key.as_ref().unwrap().0.expose(), "env-key");
        assert_eq!(
            r.api_key.as_ref().unwrap().1,
            KeySource::Env("LAMBDA_API_KEY")
        );
        assert_eq!(r.base_url, "https://gw.example/lambda");
        assert_eq!(r.timeout, 7.0);
        assert!(r.configured);
        let r = resolve(entry, &config, &Env::default(), Some(2.0)).unwrap();
        assert_eq!(r.api_key.unwrap().1, KeySource::File);
        assert_eq!(r.timeout, 2.0);

        let vast = gpu_providers::entry("vast").unwrap();
        let r = resolve(vast, &config, &Env::default(), None).unwrap();
        assert!(!r.configured);
        assert_eq!(r.base_url, vast.default_base_url);
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_base_url("http://127.0.0.1:8080", "x").is_ok());
        assert!(check_base_url("http://[::1]:8080/api", "x").is_ok());
        assert!(check_base_url("http://localhost:1", "x").is_ok());
        assert!(check_base_url("https://api.example.com", "x").is_ok());
        let e = check_base_url(
            "http://api.example.com",
            "`base_url` under `[providers.vast]`",
        )
        .unwrap_err();
        assert!(e.message.contains("unencrypted"), "{}", e.message);
        assert!(check_base_url("http://10.0.0.1", "x").is_err());
        assert!(check_base_url("ftp://x", "x").is_err());
        assert!(check_base_url("not a url", "x").is_err());
        assert!(check_base_url("https://user:pw@host", "x").is_err());
    }

    /// Mutated and arbitrary config files: a config or one clean line naming the file, never a
    /// panic. `GPU_FUZZ_CASES` cases (default 2000).
    #[test]
    fn config_parser_never_panics() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config as RunnerConfig, TestRunner};
        const GOOD: &str = "timeout = 5\nssh_key = \"~/.ssh/id.pub\"\ncache_ttl = 60\nhistory_days = 30\n\n[providers.lambda]\napi_key = \"k\"\nbase_url = \"https://gw.example/l\"\nenabled = true\ntimeout = 3\n\n[providers.vast]\nlimit = 50\nverified_only = false\n\n[providers.homelab]\ncommand = [\"/bin/true\"]\n";
        #[allow(clippy::disallowed_methods)]
        let cases = std::env::var("GPU_FUZZ_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2000);
        let mut runner = TestRunner::new(RunnerConfig {
            cases,
            failure_persistence: None,
            ..RunnerConfig::default()
        });
        let mutated = (any::<usize>(), any::<usize>(), "[ -~\\n\\[\\]=\"]{0,12}").prop_map(
            |(at, len, insert)| {
                let mut s = GOOD.to_string();
                let at = at % s.len();
                let end = (at + len % 16).min(s.len());
                if !s.is_char_boundary(at) || !s.is_char_boundary(end) {
                    return s;
                }
                s.replace_range(at..end, &insert);
                s
            },
        );
        let arbitrary = "\\PC{0,200}";
        let strategy = prop_oneof![mutated, arbitrary.prop_map(String::from)];
        runner
            .run(&strategy, |text| {
                let path = Path::new("/tmp/fuzz/config.toml");
                match parse(&text, path) {
                    Ok(_) => {}
                    Err(e) => {
                        prop_assert!(
                            e.message.starts_with("/tmp/fuzz/config.toml")
                                || e.message.starts_with("`/tmp/fuzz/config.toml`"),
                            "{}",
                            e.message
                        );
                        prop_assert!(!e.message.contains('\n'), "one line: {}", e.message);
                    }
                }
                Ok(())
            })
            .unwrap();
        assert!(parse(GOOD, Path::new("/tmp/x.toml")).is_ok());
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("runpd", &["runpod", "vast"]), Some("runpod"));
        assert_eq!(did_you_mean("zzzzzz", &["runpod", "vast"]), None);
    }
}
