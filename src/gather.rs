//! Ask every selected provider for offers at once, each with its own timeout, and fall back to
//! the embedded catalog for any provider that cannot be asked or did not answer. Nothing here
//! prints: the outcome says what happened to each provider and the command decides what to say.

use std::time::{Duration, SystemTime};

use crate::cache::{Cache, DEFAULT_TTL};

use gpu_providers::{
    catalog, Http, HttpOptions, Offer, OfferQuery, Provider, ProviderContext, ProviderError,
    CATALOG_ONLY, REGISTRY,
};

use crate::config::{self, Config, Resolved};
use crate::env::{self, Env};
use crate::exit::CliError;
use crate::ui::Ui;

/// What happened to one provider.
#[derive(Debug)]
pub enum Report {
    /// Answered live with this many offers (before filtering).
    Live {
        offers: usize,
        /// Parts of the answer that failed (an AWS region, say), one line each.
        gaps: Vec<String>,
    },
    /// Asked, but failed; its catalog rows stand in.
    Failed {
        error: ProviderError,
        configured: bool,
    },
    /// Answered from the cache, this long after it was asked.
    Cached { age: Duration, offers: usize },
    /// Needs a key and has none; catalog rows stand in.
    NoKey { key_env: &'static str },
    /// Has no live adapter; catalog rows only.
    CatalogOnly,
    /// `--offline`: not asked.
    Offline,
}

#[derive(Debug)]
pub struct ProviderOutcome {
    pub id: &'static str,
    /// Named with `--provider`.
    pub named: bool,
    pub report: Report,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub offers: Vec<Offer>,
    pub providers: Vec<ProviderOutcome>,
}

pub struct Request<'a> {
    pub config: &'a Config,
    pub env: &'a Env,
    pub query: OfferQuery,
    /// Provider ids named with `--provider`; empty means all.
    pub named: Vec<String>,
    pub offline: bool,
    pub timeout_flag: Option<f64>,
    /// Skip cached answers (`--refresh`); live answers are still stored.
    pub refresh: bool,
    /// `None` when caching is off.
    pub cache: Option<Cache>,
    pub now: SystemTime,
}

impl<'a> Request<'a> {
    /// A request with the cache set up as the config and environment say.
    pub fn new(
        config: &'a Config,
        env: &'a Env,
        query: OfferQuery,
        named: Vec<String>,
    ) -> Request<'a> {
        let ttl = ttl(config, env);
        let cache = (!ttl.is_zero())
            .then(|| Cache::default_dir(env.get(env::CACHE_DIR)).map(Cache::new))
            .flatten();
        Request {
            config,
            env,
            query,
            named,
            offline: env.flag(env::OFFLINE),
            timeout_flag: None,
            refresh: false,
            cache,
            now: SystemTime::now(),
        }
    }
}

/// How long a cached answer is reused: `GPU_CACHE_TTL`, else `cache_ttl`, else 5 minutes.
pub fn ttl(config: &Config, env: &Env) -> Duration {
    env.get(env::CACHE_TTL)
        .and_then(|v| v.parse::<f64>().ok())
        .or(config.cache_ttl)
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_TTL)
}

/// Check `--provider` values against the known ids and the plugins.
pub fn check_named(named: &[String], config: &Config, env: &Env) -> Result<(), CliError> {
    let plugins = crate::plugins::list(config, env);
    let mut known = gpu_providers::known_ids();
    known.extend(plugins.iter().map(|p| p.name));
    // Providers known only from the public catalogs `gpu catalog refresh` pulled.
    let extra: Vec<String> = if named.iter().any(|n| !known.contains(&n.as_str())) {
        let rows = effective_catalog(config, env);
        catalog_only_extra(&rows, config, env)
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    } else {
        Vec::new()
    };
    known.extend(extra.iter().map(String::as_str));
    for id in named {
        if !known.contains(&id.as_str()) {
            let mut e = CliError::usage(format!("unknown provider `{id}` given to `--provider`"));
            e.hint = Some(match config::did_you_mean(id, &known) {
                Some(s) => format!("did you mean `{s}`? Run `gpu providers` for the list"),
                None => format!("known providers: {}", known.join(", ")),
            });
            return Err(e);
        }
    }
    Ok(())
}

fn http(ui: &Ui, env: &Env, timeout: f64) -> Result<Http, CliError> {
    let mut opts = HttpOptions {
        timeout: Duration::from_secs_f64(timeout),
        logger: ui.request_logger(),
        ..HttpOptions::default()
    };
    if env.flag(env::TEST_NO_RETRY_DELAY) {
        opts.retry_base_delay = Duration::ZERO;
    }
    Http::new(opts).map_err(CliError::failure)
}

pub async fn gather(req: Request<'_>, ui: &Ui) -> Result<Outcome, CliError> {
    check_named(&req.named, req.config, req.env)?;
    let wanted = |id: &str| req.named.is_empty() || req.named.iter().any(|n| n == id);
    let is_named = |id: &str| req.named.iter().any(|n| n == id);
    let disabled = |id: &str| req.config.providers.get(id).is_some_and(|p| !p.enabled);
    let catalog = effective_catalog(req.config, req.env);
    let catalog_for = |id: &str| -> Vec<Offer> {
        catalog
            .iter()
            .filter(|o| o.provider == id)
            .cloned()
            .collect()
    };

    let mut outcome = Outcome::default();
    let mut live: Vec<Resolved> = Vec::new();
    for entry in REGISTRY {
        if !wanted(entry.id) || disabled(entry.id) {
            continue;
        }
        let resolved = config::resolve(entry, req.config, req.env, req.timeout_flag)?;
        let askable = !(entry.capabilities.offers_need_key && resolved.api_key.is_none());
        // Offline: any cached answer, however old; otherwise a fresh one unless --refresh.
        let max_age = if req.offline {
            None
        } else {
            Some(ttl(req.config, req.env))
        };
        if askable && (req.offline || !req.refresh) {
            if let Some(hit) = req
                .cache
                .as_ref()
                .and_then(|c| c.get(entry.id, &req.query, req.now, max_age))
            {
                let n = hit.offers.len();
                outcome.offers.extend(hit.offers);
                outcome.providers.push(ProviderOutcome {
                    id: entry.id,
                    named: is_named(entry.id),
                    report: Report::Cached {
                        age: hit.age,
                        offers: n,
                    },
                });
                continue;
            }
        }
        let report = if req.offline {
            Some(Report::Offline)
        } else if !askable {
            Some(Report::NoKey {
                key_env: entry.key_env,
            })
        } else {
            None
        };
        match report {
            Some(report) => {
                outcome.offers.extend(catalog_for(entry.id));
                outcome.providers.push(ProviderOutcome {
                    id: entry.id,
                    named: is_named(entry.id),
                    report,
                });
            }
            None => live.push(resolved),
        }
    }
    for (id, _) in CATALOG_ONLY {
        if !wanted(id) || disabled(id) {
            continue;
        }
        outcome.offers.extend(catalog_for(id));
        outcome.providers.push(ProviderOutcome {
            id,
            named: is_named(id),
            report: Report::CatalogOnly,
        });
    }
    for (id, _) in catalog_only_extra(&catalog, req.config, req.env) {
        if !wanted(&id) || disabled(&id) {
            continue;
        }
        outcome.offers.extend(catalog_for(&id));
        // Known only at run time: interned, so a `watch` round does not leak it again.
        let id: &'static str = crate::plugins::intern(&id);
        outcome.providers.push(ProviderOutcome {
            id,
            named: is_named(id),
            report: Report::CatalogOnly,
        });
    }
    // External providers: the user installed or configured them, so their failures are
    // warnings, like those of a configured provider.
    let plugins: Vec<crate::plugins::Spec> = crate::plugins::list(req.config, req.env)
        .into_iter()
        .filter(|p| p.enabled && wanted(p.name))
        .collect();
    if live.is_empty() && plugins.is_empty() {
        return Ok(outcome);
    }

    let longest = live.iter().map(|r| r.timeout).fold(0.0, f64::max);
    let http = http(ui, req.env, longest.max(1.0))?;
    let names: Vec<&str> = live
        .iter()
        .map(|r| r.id)
        .chain(plugins.iter().map(|p| p.name))
        .collect();
    let spinner = ui.spinner(format!("asking {}", names.join(", ")));
    let mut tasks = tokio::task::JoinSet::new();
    for r in live {
        let query = req.query.clone();
        let http = http.clone();
        let configured = r.configured || is_named(r.id);
        tasks.spawn(async move {
            let (result, gaps) = ask(&r, http, &query).await;
            (r.id, configured, result, gaps)
        });
    }
    for p in plugins {
        let query = req.query.clone();
        tasks.spawn(async move {
            let limit = Duration::from_secs_f64(p.timeout + 1.0);
            let result = match tokio::time::timeout(limit, p.build().offers(&query)).await {
                Ok(r) => r,
                Err(_) => Err(ProviderError::new(
                    p.name,
                    gpu_providers::ErrorKind::Unavailable,
                    format!("no answer within {}s", fmt_secs(p.timeout)),
                )),
            };
            (p.name, true, result, Vec::new())
        });
    }
    let total = names.len();
    let mut done = 0;
    while let Some(joined) = tasks.join_next().await {
        done += 1;
        if let Some(bar) = &spinner {
            bar.set_message(format!("asked {done} of {total} providers"));
        }
        let (id, configured, result, gaps) =
            joined.map_err(|e| CliError::failure(format!("internal error: {e}")))?;
        let report = match result {
            Ok(mut offers) => {
                dedupe(&mut offers);
                let n = offers.len();
                if let Some(cache) = &req.cache {
                    if let Err(e) = cache.put(id, &req.query, &offers, req.now) {
                        if ui.verbose {
                            ui.debug(&format!("could not cache the `{id}` answer: {e}"));
                        }
                    }
                }
                outcome.offers.extend(offers);
                Report::Live { offers: n, gaps }
            }
            Err(error) => {
                outcome.offers.extend(catalog_for(id));
                Report::Failed { error, configured }
            }
        };
        outcome.providers.push(ProviderOutcome {
            id,
            named: is_named(id),
            report,
        });
    }
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    outcome.providers.sort_by_key(|p| p.id);
    // Where each offer is, from its region; live regions no table knows are counted for `-v`.
    let mut unmapped: std::collections::BTreeSet<(String, String)> = Default::default();
    for o in &mut outcome.offers {
        o.locate();
        if o.country.is_none() && o.source == gpu_providers::Source::Live && o.region != "any" {
            unmapped.insert((o.provider.clone(), o.region.clone()));
        }
    }
    if ui.verbose && !unmapped.is_empty() {
        let list: Vec<String> = unmapped.iter().map(|(p, r)| format!("{p} `{r}`")).collect();
        ui.debug(&format!(
            "{} live regions have no known country: {}",
            list.len(),
            list.join(", ")
        ));
    }
    Ok(outcome)
}

/// The catalog offline answers come from: the embedded one, with every provider that
/// `gpu catalog refresh` reached replaced by what it answered, and the rows of the public
/// catalogs it pulled; per (provider, GPU, count, region, spot) the freshest row.
pub fn effective_catalog(config: &Config, env: &Env) -> Vec<Offer> {
    let mut rows = catalog::embedded();
    let dir = Cache::default_dir(env.get(env::CACHE_DIR));
    if let Some(user) = dir.as_deref().and_then(crate::cache::read_user_catalog) {
        rows.retain(|o| !user.providers.contains(&o.provider));
        rows.extend(user.offers);
    }
    if let Some(d) = &dir {
        rows.extend(crate::catalogs::stored_offers(d, config));
    }
    crate::catalogs::freshest(rows)
}

/// Providers known only from the public catalogs (no adapter, no embedded rows), for
/// `gpu providers` and `gpu find`: `(id, the catalogs that list it)`.
pub fn catalog_only_extra(
    rows: &[Offer],
    config: &Config,
    env: &Env,
) -> Vec<(String, Vec<String>)> {
    let plugins: Vec<String> = crate::plugins::list(config, env)
        .into_iter()
        .map(|p| p.name.to_string())
        .collect();
    let mut out: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for o in rows {
        let known = REGISTRY.iter().any(|e| e.id == o.provider)
            || CATALOG_ONLY.iter().any(|(id, _)| *id == o.provider)
            || plugins.contains(&o.provider);
        if known {
            continue;
        }
        let sources = out.entry(o.provider.clone()).or_default();
        if let Some(s) = &o.catalog_source {
            if !sources.contains(s) {
                sources.push(s.clone());
            }
        }
    }
    out.into_iter().collect()
}

/// Build one provider's adapter from the config, for `up`, `ls` and `down`.
pub fn build(
    id: &str,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<(Resolved, Box<dyn gpu_providers::Provider>), ProviderError> {
    let Some(entry) = gpu_providers::entry(id) else {
        if let Some(p) = crate::plugins::list(config, env)
            .into_iter()
            .find(|p| p.name == id)
        {
            let r = Resolved {
                id: p.name,
                api_key: None,
                base_url: String::new(),
                enabled: p.enabled,
                timeout: p.timeout,
                configured: true,
                settings: toml::Table::new(),
            };
            return Ok((r, Box::new(p.build())));
        }
        return Err(ProviderError::new(
            "gpu",
            gpu_providers::ErrorKind::Unsupported,
            format!("`{id}` has no live adapter; it is known only from the catalog"),
        ));
    };
    let r = config::resolve(entry, config, env, None)
        .map_err(|e| ProviderError::new(entry.id, gpu_providers::ErrorKind::Invalid, e.message))?;
    let http = http(ui, env, r.timeout).map_err(|e| {
        ProviderError::new(entry.id, gpu_providers::ErrorKind::Unavailable, e.message)
    })?;
    let provider = (entry.build)(ProviderContext {
        api_key: r.api_key.as_ref().map(|(k, _)| k.clone()),
        base_url: r.base_url.clone(),
        http,
        settings: r.settings.clone(),
    })?;
    Ok((r, provider))
}

/// Ask one provider, within its timeout; with the parts of its answer that failed.
async fn ask(
    r: &Resolved,
    http: Http,
    query: &OfferQuery,
) -> (Result<Vec<Offer>, ProviderError>, Vec<String>) {
    let Some(entry) = gpu_providers::entry(r.id) else {
        return (Ok(Vec::new()), Vec::new());
    };
    let provider = match (entry.build)(ProviderContext {
        api_key: r.api_key.as_ref().map(|(k, _)| k.clone()),
        base_url: r.base_url.clone(),
        http,
        settings: r.settings.clone(),
    }) {
        Ok(p) => p,
        Err(e) => return (Err(e), Vec::new()),
    };
    let limit = Duration::from_secs_f64(r.timeout);
    match tokio::time::timeout(limit, provider.offers(query)).await {
        Ok(result) => (result, provider.gaps()),
        Err(_) => (
            Err(ProviderError::new(
                entry.id,
                gpu_providers::ErrorKind::Unavailable,
                format!("no response within {}s", fmt_secs(r.timeout)),
            )),
            Vec::new(),
        ),
    }
}

/// A provider that lists the same offer twice shows it once (the first one).
pub fn dedupe(offers: &mut Vec<Offer>) {
    let mut seen = std::collections::HashSet::new();
    offers.retain(|o| seen.insert(o.offer_id.clone()));
}

pub fn fmt_secs(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_shown_once() {
        let mut offers: Vec<Offer> = catalog::embedded().into_iter().take(3).collect();
        let first = offers[0].clone();
        offers.push(first.clone());
        offers.insert(1, first);
        dedupe(&mut offers);
        assert_eq!(offers.len(), 3);
    }
}
