//! Public, keyless price catalogs that `gpu catalog refresh` pulls into the cache, so that
//! without keys `gpu find` knows many more clouds, at fresher prices than the embedded catalog.
//!
//! - [`skypilot`]: SkyPilot's catalog, one CSV per cloud (columns differ: parsed by header),
//!   dated by the last commit that touched each file.
//! - [`gpuhunt`]: dstack's gpuhunt catalogs, a zipped CSV per provider, hourly, dated by the
//!   version (`YYYYMMDD-N`) they were published under.
//! - [`gpurentalprices`]: gpurentalprices.com's daily JSON of list prices (CC BY 4.0), dated
//!   per provider, with its own staleness flags.
//!
//! Each source is stored on its own (`<cache dir>/public/<source>.json`), written atomically; a
//! failed refresh keeps what the previous one stored. Catalog rows only ever stand in for a
//! provider that did not answer live (see `gather`).

pub mod gpuhunt;
pub mod gpurentalprices;
pub mod skypilot;

use std::path::{Path, PathBuf};
use std::time::Duration;

use gpu_providers::{Http, HttpOptions, Offer};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::env::Env;

/// One public catalog.
pub struct SourceDef {
    pub id: &'static str,
    pub name: &'static str,
    pub default_url: &'static str,
    pub licence: &'static str,
    /// What showing its data requires.
    pub attribution: &'static str,
    pub homepage: &'static str,
}

pub const SOURCES: &[SourceDef] = &[
    SourceDef {
        id: "skypilot",
        name: "SkyPilot catalog",
        default_url: skypilot::DEFAULT_URL,
        licence:
            "no licence file in the repository; fetched at run time into your cache, never embedded",
        attribution: "SkyPilot (skypilot-org/skypilot-catalog)",
        homepage: "https://github.com/skypilot-org/skypilot-catalog",
    },
    SourceDef {
        id: "gpuhunt",
        name: "dstack gpuhunt catalogs",
        default_url: gpuhunt::DEFAULT_URL,
        licence: "no licence of its own (gpuhunt's code is MPL-2.0); fetched at run time into your cache, never embedded",
        attribution: "dstack gpuhunt (dstackai/gpuhunt)",
        homepage: "https://github.com/dstackai/gpuhunt",
    },
    SourceDef {
        id: "gpurentalprices",
        name: "gpurentalprices.com",
        default_url: gpurentalprices::DEFAULT_URL,
        licence: "CC BY 4.0",
        attribution:
            "GPU rental prices by gpurentalprices.com, CC BY 4.0 (https://gpurentalprices.com)",
        homepage: "https://gpurentalprices.com",
    },
];

/// Largest download accepted from a catalog source (SkyPilot's AWS file is about 3.5 MB).
pub const MAX_BYTES: usize = 32 * 1024 * 1024;
/// Time allowed for each download.
pub const TIMEOUT: Duration = Duration::from_secs(60);
/// Rows older than this are flagged (`catalog_max_age_days` in the config).
pub const DEFAULT_MAX_AGE_DAYS: f64 = 14.0;

/// What one source stored at its last successful refresh.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored {
    pub source: String,
    pub url: String,
    pub refreshed_at: String,
    /// Providers the source says it has not updated (its own flag, or dates older than the
    /// maximum age), `(provider, newest date)`.
    #[serde(default)]
    pub stale: Vec<(String, String)>,
    /// Lines worth saying about this refresh (a file that failed, a malformed cell).
    #[serde(default)]
    pub notes: Vec<String>,
    pub offers: Vec<Offer>,
}

pub fn path(cache_dir: &Path, source: &str) -> PathBuf {
    cache_dir.join("public").join(format!("{source}.json"))
}

pub fn read(cache_dir: &Path, source: &str) -> Option<Stored> {
    read_shared(cache_dir, source).map(|s| (*s).clone())
}

/// One source's stored catalog, parsed once per process while the file stays the same (a
/// `find` consults it for the offers, the dates and the stale flags; `watch` every round).
pub fn read_shared(cache_dir: &Path, source: &str) -> Option<std::sync::Arc<Stored>> {
    use std::sync::{Arc, Mutex, OnceLock};
    type Memo =
        Mutex<std::collections::HashMap<PathBuf, (std::time::SystemTime, u64, Arc<Stored>)>>;
    static MEMO: OnceLock<Memo> = OnceLock::new();
    let p = path(cache_dir, source);
    let meta = std::fs::metadata(&p).ok()?;
    let stamp = (meta.modified().ok()?, meta.len());
    let memo = MEMO.get_or_init(Default::default);
    if let Some((m, l, s)) = memo.lock().ok()?.get(&p) {
        if (*m, *l) == stamp {
            return Some(Arc::clone(s));
        }
    }
    let text = std::fs::read(&p).ok()?;
    let stored: Arc<Stored> = Arc::new(serde_json::from_slice(&text).ok()?);
    if let Ok(mut m) = memo.lock() {
        m.insert(p, (stamp.0, stamp.1, Arc::clone(&stored)));
    }
    Some(stored)
}

/// The providers a source said it has stopped updating, `(provider, newest date)`.
pub fn read_stale(cache_dir: &Path, source: &str) -> Option<Vec<(String, String)>> {
    read_shared(cache_dir, source).map(|s| s.stale.clone())
}

pub fn write(cache_dir: &Path, stored: &Stored) -> std::io::Result<()> {
    let p = path(cache_dir, &stored.source);
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d)?;
    }
    let tmp = p.with_extension(format!("json.{}.tmp", std::process::id()));
    let bytes = serde_json::to_vec(stored).map_err(std::io::Error::other)?;
    let written = std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, &p));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Every stored row of every enabled source.
pub fn stored_offers(cache_dir: &Path, config: &Config) -> Vec<Offer> {
    SOURCES
        .iter()
        .filter(|s| enabled(s.id, config))
        .filter_map(|s| read_shared(cache_dir, s.id))
        .flat_map(|s| s.offers.clone())
        .collect()
}

pub fn enabled(id: &str, config: &Config) -> bool {
    config
        .catalogs
        .get(id)
        .and_then(|c| c.enabled)
        .unwrap_or(true)
}

/// The source's URL: `GPU_CATALOG_<ID>_URL`, else `url` under `[catalogs.<id>]`, else its
/// default.
pub fn url(def: &SourceDef, config: &Config, env: &Env) -> String {
    let var = format!("GPU_CATALOG_{}_URL", def.id.to_ascii_uppercase());
    env.get(&var)
        .map(str::to_string)
        .or_else(|| config.catalogs.get(def.id).and_then(|c| c.url.clone()))
        .unwrap_or_else(|| def.default_url.to_string())
        .trim_end_matches('/')
        .to_string()
}

/// The HTTP client for downloads: bounded in size and time.
pub fn http(env: &Env) -> Result<Http, String> {
    let mut opts = HttpOptions {
        timeout: TIMEOUT,
        max_body_bytes: MAX_BYTES,
        ..HttpOptions::default()
    };
    if env.flag(crate::env::TEST_NO_RETRY_DELAY) {
        opts.retry_base_delay = Duration::ZERO;
    }
    Http::new(opts)
}

/// The maximum age of a row before it is flagged.
pub fn max_age_days(config: &Config) -> f64 {
    config.catalog_max_age_days.unwrap_or(DEFAULT_MAX_AGE_DAYS)
}

/// Days between an RFC 3339 time (or a `YYYY-MM-DD` date) and now; `None` when unreadable.
pub fn age_days(as_of: &str, now: std::time::SystemTime) -> Option<f64> {
    let t = humantime::parse_rfc3339_weak(as_of)
        .or_else(|_| humantime::parse_rfc3339_weak(&format!("{as_of}T00:00:00")))
        .ok()?;
    Some(now.duration_since(t).unwrap_or_default().as_secs_f64() / 86_400.0)
}

/// Keep, per (provider, instance type, region, spot), the freshest row of every catalog
/// (embedded, refreshed, public). A row priced for every region (`any`) stands for each
/// region, so it gives way to a fresher row of the same type anywhere. A row whose date is
/// only the day it was read (`as_of_estimated`) never beats a dated one.
pub fn freshest(rows: Vec<Offer>) -> Vec<Offer> {
    type Key = (String, String, bool);
    let rank = |o: &Offer| (!o.as_of_estimated, date_of(&o.as_of));
    let kind = |o: &Offer| -> Key {
        (
            o.provider.clone(),
            o.instance_type.to_ascii_lowercase(),
            o.spot,
        )
    };
    // The best rank per (type) across all regions, for `any` rows to compare with.
    let mut best_of_kind: std::collections::HashMap<Key, (bool, String)> = Default::default();
    for o in &rows {
        let r = rank(o);
        let e = best_of_kind.entry(kind(o)).or_insert_with(|| r.clone());
        if r > *e {
            *e = r;
        }
    }
    let mut best: std::collections::BTreeMap<(Key, String), Offer> = Default::default();
    for o in rows {
        let region = o.region.to_ascii_lowercase();
        if region == "any" && best_of_kind.get(&kind(&o)).is_some_and(|b| *b > rank(&o)) {
            continue;
        }
        let key = (kind(&o), region);
        match best.get(&key) {
            Some(old) if rank(old) >= rank(&o) => {}
            _ => {
                best.insert(key, o);
            }
        }
    }
    best.into_values().collect()
}

fn date_of(as_of: &str) -> String {
    as_of.get(..10).unwrap_or(as_of).to_string()
}

/// A provider id as a catalog spells it, in ours.
pub fn provider_id(raw: &str) -> String {
    let id = raw.trim().to_ascii_lowercase().replace([' ', '_'], "-");
    match id.as_str() {
        "lambdalabs" | "lambda-labs" | "lambda-cloud" => "lambda".into(),
        "datacrunch" => "verda".into(),
        "vastai" | "vast-ai" | "vast.ai" => "vast".into(),
        "google" | "gcp-compute" | "google-cloud" => "gcp".into(),
        "oracle" | "oracle-cloud" => "oci".into(),
        "do" => "digitalocean".into(),
        "amazon" | "aws-ec2" => "aws".into(),
        _ => id,
    }
}

/// What one source's refresh did, for the command to say.
#[derive(Debug)]
pub struct Refreshed {
    pub source: &'static str,
    /// Offers stored after this refresh (old rows of providers not reached included).
    pub offers: usize,
    pub reached: Vec<String>,
    pub notes: Vec<String>,
    pub stale: Vec<(String, String)>,
    /// The refresh failed as a whole; what was stored before is kept.
    pub error: Option<String>,
}

/// Refresh every enabled source into `cache_dir`.
pub async fn refresh(cache_dir: &Path, config: &Config, env: &Env) -> Vec<Refreshed> {
    let http = match http(env) {
        Ok(h) => h,
        Err(e) => return SOURCES.iter().map(|s| failed(s.id, e.clone())).collect(),
    };
    let now = gpu_providers::offer::now_rfc3339();
    let mut out = Vec::new();
    for def in SOURCES.iter().filter(|s| enabled(s.id, config)) {
        let base = url(def, config, env);
        let (offers, reached, notes, mut stale) = match def.id {
            "skypilot" => {
                let commits = env
                    .get("GPU_CATALOG_SKYPILOT_COMMITS_URL")
                    .map(str::to_string)
                    .or_else(|| {
                        config
                            .catalogs
                            .get("skypilot")
                            .and_then(|c| c.commits_url.clone())
                    })
                    .unwrap_or_else(|| skypilot::DEFAULT_COMMITS_URL.to_string());
                let p = skypilot::pull(&http, &base, commits.trim_end_matches('/'), &now).await;
                (p.offers, p.reached, p.notes, Vec::new())
            }
            "gpuhunt" => {
                let p = gpuhunt::pull(&http, &base).await;
                (p.offers, p.reached, p.notes, Vec::new())
            }
            _ => match pull_json(&http, &base).await {
                Ok(body) => match gpurentalprices::parse(&body, &base) {
                    Ok(p) => {
                        let mut reached: Vec<String> =
                            p.offers.iter().map(|o| o.provider.clone()).collect();
                        reached.sort();
                        reached.dedup();
                        let notes = if p.skipped > 0 {
                            vec![format!(
                                "gpurentalprices: {} malformed offers skipped",
                                p.skipped
                            )]
                        } else {
                            Vec::new()
                        };
                        (p.offers, reached, notes, p.stale)
                    }
                    Err(e) => {
                        out.push(failed(def.id, e));
                        continue;
                    }
                },
                Err(e) => {
                    out.push(failed(def.id, e));
                    continue;
                }
            },
        };
        if reached.is_empty() {
            let why = notes
                .first()
                .cloned()
                .unwrap_or_else(|| "nothing read".into());
            let mut f = failed(def.id, why);
            f.notes = notes;
            out.push(f);
            continue;
        }
        // Providers this refresh did not reach keep what the last one stored.
        let mut all = offers;
        if let Some(old) = read(cache_dir, def.id) {
            all.extend(
                old.offers
                    .into_iter()
                    .filter(|o| !reached.contains(&o.provider)),
            );
        }
        // A provider whose newest row is older than the maximum age: the source has stopped
        // updating it.
        let max_age = max_age_days(config);
        let sys_now = std::time::SystemTime::now();
        let mut newest: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
        for o in &all {
            let e = newest
                .entry(o.provider.as_str())
                .or_insert(o.as_of.as_str());
            if date_of(&o.as_of) > date_of(e) {
                *e = o.as_of.as_str();
            }
        }
        for (p, d) in newest {
            if age_days(d, sys_now).is_some_and(|a| a > max_age)
                && !stale.iter().any(|(s, _)| s == p)
            {
                stale.push((p.to_string(), d.to_string()));
            }
        }
        let stored = Stored {
            source: def.id.to_string(),
            // A mirror URL may carry a token: never stored or shown as given.
            url: gpu_providers::http::redact_url(&base),
            refreshed_at: now.clone(),
            stale: stale.clone(),
            notes: notes.clone(),
            offers: all,
        };
        match write(cache_dir, &stored) {
            Ok(()) => out.push(Refreshed {
                source: def.id,
                offers: stored.offers.len(),
                reached,
                notes,
                stale,
                error: None,
            }),
            Err(e) => out.push(failed(
                def.id,
                format!("could not write {}: {e}", path(cache_dir, def.id).display()),
            )),
        }
    }
    out
}

fn failed(source: &'static str, error: String) -> Refreshed {
    Refreshed {
        source,
        offers: 0,
        reached: Vec::new(),
        notes: Vec::new(),
        stale: Vec::new(),
        error: Some(error),
    }
}

async fn pull_json(http: &Http, url: &str) -> Result<Vec<u8>, String> {
    let resp = http
        .send("catalog", &gpu_providers::http::Request::get(url))
        .await
        .map_err(|e| e.message)?;
    if !resp.is_success() {
        return Err(format!(
            "HTTP {} from {}",
            resp.status,
            gpu_providers::http::redact_url(url)
        ));
    }
    Ok(resp.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(provider: &str, as_of: &str, price: f64) -> Offer {
        let mut o = gpu_providers::catalog::embedded()
            .into_iter()
            .next()
            .unwrap();
        o.provider = provider.into();
        o.as_of = as_of.into();
        o.price_per_hour_usd = price;
        o
    }

    #[test]
    fn the_freshest_row_wins_whatever_its_source() {
        let kept = freshest(vec![
            row("nebius", "2026-08-29", 2.95),
            row("nebius", "2026-11-30T07:00:00Z", 2.00),
            row("nebius", "2026-10-01", 2.50),
        ]);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].price_per_hour_usd, 2.00);
    }

    #[test]
    fn a_global_row_gives_way_to_a_fresher_regional_one_and_estimates_to_dates() {
        let mut global = row("lambda", "2026-11-25", 3.29);
        global.instance_type = "gpu_1x_h100_pcie".into();
        global.region = "any".into();
        global.as_of_estimated = true;
        let mut regional = global.clone();
        regional.region = "us-west-1".into();
        regional.as_of = "2026-12-01T07:00:00Z".into();
        regional.as_of_estimated = false;
        regional.price_per_hour_usd = 3.99;
        let kept = freshest(vec![global.clone(), regional.clone()]);
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(kept[0].price_per_hour_usd, 3.99);
        // A download-dated row, however new, does not beat a row dated by its source.
        let mut downloaded = regional.clone();
        downloaded.as_of = "2026-12-02".into();
        downloaded.as_of_estimated = true;
        downloaded.price_per_hour_usd = 1.0;
        let kept = freshest(vec![downloaded, regional]);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].price_per_hour_usd, 3.99);
    }

    #[test]
    fn ages_read_dates_and_times() {
        let now = humantime::parse_rfc3339("2026-12-01T00:00:00Z").unwrap();
        assert_eq!(age_days("2026-11-24", now).unwrap().round(), 7.0);
        assert_eq!(age_days("2026-11-30T12:00:00Z", now).unwrap(), 0.5);
        assert!(age_days("last week", now).is_none());
    }
}
