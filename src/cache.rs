//! The response cache: each provider's normalised offers for a query, kept for a short time so
//! that `gpu find` in a shell alias answers at once and providers are not asked every second.
//!
//! Files live in `<cache dir>/gpu/offers/` (`GPU_CACHE_DIR` overrides the directory), one per
//! provider and query, written atomically. The clock is passed in, so tests decide what "now"
//! is. A cache file that cannot be read is ignored, never an error: the provider is asked.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use gpu_providers::{Offer, OfferQuery, Source};
use serde::{Deserialize, Serialize};

pub const DEFAULT_TTL: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// The user's own catalog, written by `gpu catalog refresh`: live answers kept as catalog rows,
/// preferred over the embedded catalog for offline answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserCatalog {
    pub refreshed_at: String,
    /// Providers whose rows this catalog holds (a provider that failed keeps its embedded rows).
    pub providers: Vec<String>,
    pub offers: Vec<Offer>,
}

pub fn user_catalog_path(cache_dir: &std::path::Path) -> PathBuf {
    cache_dir.join("catalog.json")
}

pub fn read_user_catalog(cache_dir: &std::path::Path) -> Option<UserCatalog> {
    let text = std::fs::read(user_catalog_path(cache_dir)).ok()?;
    serde_json::from_slice(&text).ok()
}

pub fn write_user_catalog(cache_dir: &std::path::Path, c: &UserCatalog) -> std::io::Result<()> {
    std::fs::create_dir_all(cache_dir)?;
    let path = user_catalog_path(cache_dir);
    let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
    std::fs::write(
        &tmp,
        serde_json::to_vec_pretty(c).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(&tmp, &path)
}

#[derive(Debug, Serialize, Deserialize)]
struct File {
    provider: String,
    query: String,
    fetched_at: String,
    offers: Vec<Offer>,
}

/// A cached answer and how old it is.
#[derive(Debug)]
pub struct Hit {
    pub offers: Vec<Offer>,
    pub age: Duration,
}

/// What a query asks for, as a stable string: the part of the key that is not the provider.
pub fn query_key(q: &OfferQuery) -> String {
    let mut gpus: Vec<String> = q
        .gpus
        .iter()
        .map(|g| {
            format!(
                "{}/{}/{}",
                g.family,
                g.variant.clone().unwrap_or_default(),
                g.memory_gb.unwrap_or(0.0)
            )
        })
        .collect();
    gpus.sort();
    format!(
        "gpus={};count={:?};min={:?};spot={:?};disk={:?}",
        gpus.join(","),
        q.gpu_count,
        q.min_gpus,
        q.spot,
        q.disk_gb
    )
}

fn hash(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

impl Cache {
    pub fn new(dir: PathBuf) -> Cache {
        Cache {
            dir: dir.join("offers"),
        }
    }

    pub fn default_dir(override_dir: Option<&str>) -> Option<PathBuf> {
        match override_dir {
            Some(d) => Some(PathBuf::from(d)),
            None => dirs::cache_dir().map(|d| d.join("gpu")),
        }
    }

    fn path(&self, provider: &str, q: &OfferQuery) -> PathBuf {
        self.dir
            .join(format!("{provider}-{}.json", hash(&query_key(q))))
    }

    /// The cached answer if there is one no older than `max_age` (`None`: any age).
    pub fn get(
        &self,
        provider: &str,
        q: &OfferQuery,
        now: SystemTime,
        max_age: Option<Duration>,
    ) -> Option<Hit> {
        let text = std::fs::read(self.path(provider, q)).ok()?;
        let file: File = serde_json::from_slice(&text).ok()?;
        if file.provider != provider || file.query != query_key(q) {
            return None;
        }
        let fetched = humantime::parse_rfc3339(&file.fetched_at).ok()?;
        // A clock that went backwards makes the entry brand new, not negative: still bounded
        // by max_age on the next correct reading.
        let age = now.duration_since(fetched).unwrap_or(Duration::ZERO);
        if max_age.is_some_and(|m| age > m) {
            return None;
        }
        let offers = file
            .offers
            .into_iter()
            .map(|mut o| {
                o.source = Source::Cache;
                o
            })
            .collect();
        Some(Hit { offers, age })
    }

    /// Store a live answer. Failing to write is not worth failing the command for.
    pub fn put(
        &self,
        provider: &str,
        q: &OfferQuery,
        offers: &[Offer],
        now: SystemTime,
    ) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let file = File {
            provider: provider.to_string(),
            query: query_key(q),
            fetched_at: humantime::format_rfc3339_seconds(now).to_string(),
            offers: offers.to_vec(),
        };
        let path = self.path(provider, q);
        let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
        std::fs::write(
            &tmp,
            serde_json::to_vec(&file).map_err(std::io::Error::other)?,
        )?;
        std::fs::rename(&tmp, &path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpu_providers::{catalog, GpuFilter};

    fn sample() -> Vec<Offer> {
        let mut rows: Vec<Offer> = catalog::embedded().into_iter().take(3).collect();
        for r in &mut rows {
            r.source = Source::Live;
        }
        rows
    }

    #[test]
    fn fresh_entries_hit_and_stale_ones_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().to_path_buf());
        let q = OfferQuery::default();
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert!(cache.get("vast", &q, t0, Some(DEFAULT_TTL)).is_none());
        cache.put("vast", &q, &sample(), t0).unwrap();
        let hit = cache
            .get("vast", &q, t0 + Duration::from_secs(60), Some(DEFAULT_TTL))
            .unwrap();
        assert_eq!(hit.offers.len(), 3);
        assert_eq!(hit.age, Duration::from_secs(60));
        assert!(hit.offers.iter().all(|o| o.source == Source::Cache));
        assert!(cache
            .get("vast", &q, t0 + Duration::from_secs(301), Some(DEFAULT_TTL))
            .is_none());
        // --offline takes any age
        assert!(cache
            .get("vast", &q, t0 + Duration::from_secs(86_400), None)
            .is_some());
        // other providers and other queries do not share entries
        assert!(cache.get("lambda", &q, t0, None).is_none());
        let h100 = OfferQuery {
            gpus: vec![GpuFilter::parse("h100")],
            ..Default::default()
        };
        assert!(cache.get("vast", &h100, t0, None).is_none());
    }

    #[test]
    fn garbage_in_the_cache_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().to_path_buf());
        let q = OfferQuery::default();
        std::fs::create_dir_all(dir.path().join("offers")).unwrap();
        std::fs::write(cache.path("vast", &q), "{not json").unwrap();
        assert!(cache.get("vast", &q, SystemTime::now(), None).is_none());
    }
}
