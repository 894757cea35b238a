//! Price history: every live answer recorded in a local SQLite database, compactly.
//!
//! One row covers one offer for as long as its price and availability stay the same: a new
//! observation of an unchanged offer only moves that row's `last_seen`. Rows whose `last_seen`
//! is older than the retention period are deleted. The database is
//! `<data dir>/gpu/history.sqlite` (`GPU_DATA_DIR` moves it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gpu_providers::{Offer, Source};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::exit::CliError;
use crate::rank::Filters;

pub const DEFAULT_RETENTION_DAYS: f64 = 90.0;
const DAY: i64 = 86_400;
/// How stale an unchanged row's `last_seen` may grow before an answer moves it.
const TOUCH_EVERY: i64 = 3_600;

pub struct History {
    conn: Connection,
}

fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn db_error(path: &Path, e: rusqlite::Error) -> CliError {
    CliError::failure(format!(
        "the price history `{}` cannot be used",
        path.display()
    ))
    .cause(e)
    .hint("move the file away to start a new history; `gpu find` works without it")
}

impl History {
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("history.sqlite")
    }

    pub fn open(data_dir: &Path) -> Result<History, CliError> {
        let path = Self::path(data_dir);
        std::fs::create_dir_all(data_dir).map_err(|e| {
            CliError::failure(format!("could not create `{}`", data_dir.display())).cause(e)
        })?;
        let conn = Connection::open(&path).map_err(|e| db_error(&path, e))?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(|e| db_error(&path, e))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             -- History is a convenience: a power cut may lose the last answer, never the file.
             PRAGMA synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS seen (
                 id INTEGER PRIMARY KEY,
                 provider TEXT NOT NULL,
                 offer_id TEXT NOT NULL,
                 gpu TEXT NOT NULL,
                 gpu_variant TEXT,
                 gpu_memory_gb REAL,
                 gpu_count INTEGER NOT NULL,
                 region TEXT NOT NULL,
                 spot INTEGER NOT NULL,
                 price_per_gpu_hour_usd REAL NOT NULL,
                 price_per_hour_usd REAL NOT NULL,
                 available INTEGER,
                 first_seen INTEGER NOT NULL,
                 last_seen INTEGER NOT NULL
             );
             -- No index holds `last_seen`: touching an unchanged offer rewrites no index.
             DROP INDEX IF EXISTS seen_offer;
             DROP INDEX IF EXISTS seen_gpu;
             -- Lookups go to `latest` and `offer_days` now: raw rows need no index but retention's.
             DROP INDEX IF EXISTS seen_latest;
             DROP INDEX IF EXISTS seen_by_gpu;
             -- Retention finds old rows by when they were first seen, which never changes.
             CREATE INDEX IF NOT EXISTS seen_first ON seen (first_seen);
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
             -- One row per offer and UTC day it was seen: its lowest price and whether it was
             -- available. `history` reads these, so its cost follows the days and offers asked
             -- for, not the raw rows stored.
             CREATE TABLE IF NOT EXISTS offer_days (
                 day INTEGER NOT NULL,
                 provider TEXT NOT NULL,
                 offer_id TEXT NOT NULL,
                 gpu TEXT NOT NULL,
                 gpu_variant TEXT,
                 gpu_memory_gb REAL,
                 gpu_count INTEGER NOT NULL,
                 region TEXT NOT NULL,
                 spot INTEGER NOT NULL,
                 lowest_per_gpu_hour_usd REAL NOT NULL,
                 lowest_per_hour_usd REAL NOT NULL,
                 available INTEGER NOT NULL,
                 PRIMARY KEY (gpu, day, provider, offer_id)
             ) WITHOUT ROWID;
             -- Retention's range.
             CREATE INDEX IF NOT EXISTS offer_days_by_day ON offer_days (day);
             -- Each offer's newest row, so that an answer compares with a small table kept
             -- together on disk instead of reaching into rows spread over the whole history.
             CREATE TABLE IF NOT EXISTS latest (
                 provider TEXT NOT NULL,
                 offer_id TEXT NOT NULL,
                 id INTEGER NOT NULL,
                 price_per_hour_usd REAL NOT NULL,
                 available INTEGER,
                 last_seen INTEGER NOT NULL,
                 PRIMARY KEY (provider, offer_id)
             ) WITHOUT ROWID;",
        )
        .map_err(|e| db_error(&path, e))?;
        let mut h = History { conn };
        h.backfill_daily().map_err(|e| db_error(&path, e))?;
        Ok(h)
    }

    /// A history written before the daily table existed: its days, once, from the raw rows
    /// (each row counts on every day of its span).
    fn backfill_daily(&mut self) -> rusqlite::Result<()> {
        let done: Option<i64> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'offer_days_built'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if done.is_some() {
            return Ok(());
        }
        // Two processes may open an old database at once: the write lock is taken first and
        // the flag read again under it, so the days are built once.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let done: Option<i64> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'offer_days_built'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if done.is_some() {
            return Ok(());
        }
        tx.execute_batch(
            "WITH RECURSIVE span(id, day, last_day) AS (
                 SELECT id, first_seen / 86400, last_seen / 86400 FROM seen
                 UNION ALL
                 SELECT id, day + 1, last_day FROM span WHERE day < last_day
             )
             INSERT INTO offer_days (day, provider, offer_id, gpu, gpu_variant, gpu_memory_gb,
                                gpu_count, region, spot, lowest_per_gpu_hour_usd,
                                lowest_per_hour_usd, available)
             SELECT span.day, provider, offer_id, gpu, gpu_variant, gpu_memory_gb, gpu_count,
                    region, spot, price_per_gpu_hour_usd, price_per_hour_usd,
                    coalesce(available, 0)
             FROM span JOIN seen ON seen.id = span.id WHERE true
             ON CONFLICT(gpu, day, provider, offer_id) DO UPDATE SET
                 lowest_per_gpu_hour_usd =
                     min(lowest_per_gpu_hour_usd, excluded.lowest_per_gpu_hour_usd),
                 lowest_per_hour_usd = min(lowest_per_hour_usd, excluded.lowest_per_hour_usd),
                 available = max(available, excluded.available);
             INSERT OR REPLACE INTO latest
                 (provider, offer_id, id, price_per_hour_usd, available, last_seen)
             SELECT s.provider, s.offer_id, s.id, s.price_per_hour_usd, s.available, s.last_seen
             FROM seen s
             JOIN (SELECT max(id) AS id FROM seen GROUP BY provider, offer_id) m ON m.id = s.id;
             INSERT OR REPLACE INTO meta (key, value) VALUES ('offer_days_built', 1);",
        )?;
        tx.commit()
    }

    /// Record live offers seen at `now`, and forget rows older than `retention`.
    pub fn record(
        &mut self,
        offers: &[Offer],
        now: SystemTime,
        retention: Duration,
    ) -> rusqlite::Result<usize> {
        let now = unix(now);
        let tx = self.conn.transaction()?;
        let mut written = 0;
        {
            let mut latest = tx.prepare_cached(
                "SELECT id, price_per_hour_usd, available, last_seen FROM latest
                 WHERE provider = ?1 AND offer_id = ?2",
            )?;
            let mut touch = tx.prepare_cached("UPDATE seen SET last_seen = ?2 WHERE id = ?1")?;
            let mut touch_latest = tx.prepare_cached(
                "UPDATE latest SET last_seen = ?3 WHERE provider = ?1 AND offer_id = ?2",
            )?;
            let mut set_latest = tx.prepare_cached(
                "INSERT OR REPLACE INTO latest
                     (provider, offer_id, id, price_per_hour_usd, available, last_seen)
                 VALUES (?1, ?2, last_insert_rowid(), ?3, ?4, ?5)",
            )?;
            // Today's row of the offer; written only when it is new, cheaper or newly available.
            let mut day_row = tx.prepare_cached(
                "INSERT INTO offer_days (day, provider, offer_id, gpu, gpu_variant, gpu_memory_gb,
                                    gpu_count, region, spot, lowest_per_gpu_hour_usd,
                                    lowest_per_hour_usd, available)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT(gpu, day, provider, offer_id) DO UPDATE SET
                     lowest_per_gpu_hour_usd =
                         min(lowest_per_gpu_hour_usd, excluded.lowest_per_gpu_hour_usd),
                     lowest_per_hour_usd = min(lowest_per_hour_usd, excluded.lowest_per_hour_usd),
                     available = max(available, excluded.available)
                 WHERE excluded.lowest_per_gpu_hour_usd < offer_days.lowest_per_gpu_hour_usd
                    OR excluded.available > offer_days.available",
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO seen (provider, offer_id, gpu, gpu_variant, gpu_memory_gb, gpu_count, region, spot,
                                   price_per_gpu_hour_usd, price_per_hour_usd, available, first_seen, last_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
            )?;
            for o in offers.iter().filter(|o| o.source == Source::Live) {
                // The instance's own price: the disk priced in (`--disk`) varies with the
                // question asked, not with the market.
                let storage = o.storage_price_per_hour_usd.unwrap_or(0.0);
                let price = o.price_per_hour_usd - storage;
                let per_gpu = price / f64::from(o.gpu_count.max(1));
                let prev: Option<(i64, f64, Option<bool>, i64)> = latest
                    .query_row(params![o.provider, o.offer_id], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })
                    .optional()?;
                match prev {
                    Some((id, old_price, avail, last_seen))
                        if (old_price - price).abs() < 1e-9 && avail == o.available =>
                    {
                        // `last_seen` is kept to the hour: rows of a long history lie far
                        // apart, and touching each on every answer would rewrite a page per
                        // offer. The day itself is in `offer_days`.
                        if now - last_seen >= TOUCH_EVERY || now < last_seen {
                            touch.execute(params![id, now])?;
                            touch_latest.execute(params![o.provider, o.offer_id, now])?;
                        }
                    }
                    _ => {
                        insert.execute(params![
                            o.provider,
                            o.offer_id,
                            o.gpu,
                            o.gpu_variant,
                            o.gpu_memory_gb,
                            o.gpu_count,
                            o.region,
                            o.spot,
                            per_gpu,
                            price,
                            o.available,
                            now
                        ])?;
                        set_latest.execute(params![
                            o.provider,
                            o.offer_id,
                            price,
                            o.available,
                            now
                        ])?;
                        written += 1;
                    }
                }
                day_row.execute(params![
                    now / DAY,
                    o.provider,
                    o.offer_id,
                    o.gpu,
                    o.gpu_variant,
                    o.gpu_memory_gb,
                    o.gpu_count,
                    o.region,
                    o.spot,
                    per_gpu,
                    price,
                    o.available == Some(true)
                ])?;
            }
        }
        // Retention is a scan of the table: at most once a day, not on every answer.
        let last_purge: Option<i64> = tx
            .query_row("SELECT value FROM meta WHERE key = 'purged_at'", [], |r| {
                r.get(0)
            })
            .optional()?;
        if last_purge.is_none_or(|t| now - t >= DAY || t > now) {
            let cutoff = now - retention.as_secs() as i64;
            // A row last seen before the cutoff was first seen before it: the index narrows the
            // candidates to those, and offers unchanged since then.
            tx.execute(
                "DELETE FROM seen WHERE first_seen < ?1 AND last_seen < ?1",
                params![cutoff],
            )?;
            // By the primary key: a range, not a scan.
            tx.execute(
                "DELETE FROM offer_days WHERE day < ?1",
                params![cutoff / DAY],
            )?;
            tx.execute("DELETE FROM latest WHERE last_seen < ?1", params![cutoff])?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('purged_at', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![now],
            )?;
        }
        tx.commit()?;
        Ok(written)
    }

    /// The daily rows since `first_day` (a day number), as offers for the other filters. The
    /// GPU families and providers asked for are selected in SQL, over the `(gpu, day, ...)` key:
    /// `--h100` reads the H100 days asked for, not every row.
    /// Each row goes to `each` as it is read: memory follows the answer, not the rows read.
    fn day_rows(
        &self,
        first_day: i64,
        filters: &Filters,
        mut each: impl FnMut(Offer, i64),
    ) -> rusqlite::Result<()> {
        let mut sql = String::from(
            "SELECT provider, offer_id, gpu, gpu_variant, gpu_memory_gb, gpu_count, region, spot,
                    lowest_per_gpu_hour_usd, lowest_per_hour_usd, available, day
             FROM offer_days WHERE day >= ?1",
        );
        let mut args: Vec<rusqlite::types::Value> = vec![first_day.into()];
        // Only known families go to SQL (the filter of an unknown name is a substring match,
        // done in Rust on what comes back).
        let mut families: Vec<String> = filters.gpus.iter().map(|g| g.family.clone()).collect();
        families.sort();
        families.dedup();
        if !families.is_empty() && filters.gpus.iter().all(|g| g.known) {
            sql.push_str(&format!(
                " AND gpu IN ({})",
                placeholders(args.len(), families.len())
            ));
            args.extend(families.into_iter().map(rusqlite::types::Value::from));
        }
        if !filters.providers.is_empty() {
            sql.push_str(&format!(
                " AND provider IN ({})",
                placeholders(args.len(), filters.providers.len())
            ));
            args.extend(
                filters
                    .providers
                    .iter()
                    .cloned()
                    .map(rusqlite::types::Value::from),
            );
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            let offer = Offer {
                provider: r.get(0)?,
                offer_id: r.get(1)?,
                instance_type: String::new(),
                gpu: r.get(2)?,
                gpu_variant: r.get(3)?,
                gpu_memory_gb: r.get(4)?,
                gpu_count: r.get(5)?,
                gpu_fraction: None,
                vcpus: None,
                memory_gb: None,
                disk_gb: None,
                region: r.get(6)?,
                spot: r.get(7)?,
                price_per_gpu_hour_usd: r.get(8)?,
                price_per_hour_usd: r.get(9)?,
                available: Some(r.get(10)?),
                stock: None,
                source: Source::Live,
                as_of: String::new(),
                source_url: String::new(),
                storage_price_per_hour_usd: None,
                catalog_source: None,
                as_of_estimated: false,
                country: None,
                continent: None,
                value: Default::default(),
            };
            Ok((offer, r.get(11)?))
        })?;
        for row in rows {
            let (mut offer, day) = row?;
            offer.locate();
            each(offer, day);
        }
        Ok(())
    }

    /// Per GPU family, provider and UTC day: the lowest and median price per GPU-hour among
    /// the offers seen that day, and how many of them were available. Families are kept apart
    /// (an A10's price is no H100's lowest).
    pub fn daily(
        &self,
        filters: &Filters,
        days: u32,
        now: SystemTime,
    ) -> rusqlite::Result<Vec<Day>> {
        let now = unix(now);
        let first_day = now / DAY - i64::from(days) + 1;
        type Key = (String, String, i64);
        let mut per: BTreeMap<Key, Vec<(f64, bool)>> = BTreeMap::new();
        self.day_rows(first_day, filters, |offer, day| {
            // `--available`: offers that were available that day.
            if filters.matches(&offer) {
                per.entry((offer.gpu, offer.provider, day))
                    .or_default()
                    .push((offer.price_per_gpu_hour_usd, offer.available == Some(true)));
            }
        })?;
        Ok(per
            .into_iter()
            .map(|((gpu, provider, day), offers)| {
                let mut prices: Vec<f64> = offers.iter().map(|(p, _)| *p).collect();
                prices.sort_by(f64::total_cmp);
                let n = prices.len();
                let median = if n % 2 == 1 {
                    prices[n / 2]
                } else {
                    (prices[n / 2 - 1] + prices[n / 2]) / 2.0
                };
                Day {
                    gpu,
                    provider,
                    day: humantime::format_rfc3339(
                        UNIX_EPOCH + Duration::from_secs((day * DAY) as u64),
                    )
                    .to_string()[..10]
                        .to_string(),
                    lowest_per_gpu_hour_usd: prices[0],
                    median_per_gpu_hour_usd: median,
                    offers: n,
                    available_offers: offers.iter().filter(|(_, a)| *a).count(),
                }
            })
            .collect())
    }
}

/// `?N, ?N+1, ...` for `n` values after `used` bound ones.
fn placeholders(used: usize, n: usize) -> String {
    (used + 1..=used + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Day {
    pub provider: String,
    /// UTC date, `YYYY-MM-DD`.
    pub day: String,
    pub lowest_per_gpu_hour_usd: f64,
    pub median_per_gpu_hour_usd: f64,
    pub offers: usize,
    pub available_offers: usize,
    /// The GPU family: `H100`, `RTX 4090`. Last, so that CSV columns keep their places.
    pub gpu: String,
}

/// `▁▂▃▅▇` for a series; gaps (no data that day) are spaces.
pub fn sparkline(values: &[Option<f64>]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    let (lo, hi) = known
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(*v), h.max(*v))
        });
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(_) if hi - lo < 1e-12 => BARS[3],
            Some(v) => BARS[(((v - lo) / (hi - lo)) * 7.0).round() as usize],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpu_providers::{catalog, GpuFilter};

    fn live(price: f64, available: Option<bool>) -> Offer {
        let mut o = catalog::embedded()
            .into_iter()
            .find(|o| o.provider == "lambda" && o.gpu_count == 1 && o.gpu == "H100")
            .unwrap();
        o.source = Source::Live;
        o.price_per_hour_usd = price;
        o.price_per_gpu_hour_usd = price;
        o.available = available;
        o
    }

    #[test]
    fn unchanged_offers_extend_one_row_and_changes_add_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = History::open(dir.path()).unwrap();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let keep = Duration::from_secs(90 * 86_400);
        assert_eq!(h.record(&[live(3.0, Some(true))], t0, keep).unwrap(), 1);
        assert_eq!(
            h.record(&[live(3.0, Some(true))], t0 + Duration::from_secs(60), keep)
                .unwrap(),
            0
        );
        assert_eq!(
            h.record(
                &[live(2.5, Some(true))],
                t0 + Duration::from_secs(120),
                keep
            )
            .unwrap(),
            1
        );
        assert_eq!(
            h.record(
                &[live(2.5, Some(false))],
                t0 + Duration::from_secs(180),
                keep
            )
            .unwrap(),
            1
        );
        let count: i64 = h
            .conn
            .query_row("SELECT COUNT(*) FROM seen", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 3);
        // catalog rows are never recorded as history
        let mut cat = live(1.0, None);
        cat.source = Source::Catalog;
        assert_eq!(h.record(&[cat], t0, keep).unwrap(), 0);
        // retention
        h.record(&[], t0 + Duration::from_secs(91 * 86_400), keep)
            .unwrap();
        let count: i64 = h
            .conn
            .query_row("SELECT COUNT(*) FROM seen", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 0);
        let days: i64 = h
            .conn
            .query_row("SELECT COUNT(*) FROM offer_days", [], |r| r.get(0))
            .unwrap();
        assert_eq!(days, 0, "the daily rows follow the same retention");
    }

    #[test]
    fn upkeep_does_not_scan_or_reindex_what_did_not_change() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = History::open(dir.path()).unwrap();
        // No index of the raw rows holds last_seen, so touching a row rewrites no index entry.
        let indexes: Vec<String> = h
            .conn
            .prepare("SELECT name FROM pragma_index_list('seen')")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for index in &indexes {
            let columns: Vec<String> = h
                .conn
                .prepare("SELECT name FROM pragma_index_info(?1)")
                .unwrap()
                .query_map([index], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(
                !columns.iter().any(|c| c == "last_seen"),
                "{index}: {columns:?}"
            );
        }
        // An unchanged offer seen again within the hour writes nothing at all.
        let t = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let long = Duration::from_secs(90 * 86_400);
        h.record(&[live(3.0, None)], t, long).unwrap();
        let before = h.conn.total_changes();
        h.record(&[live(3.0, None)], t + Duration::from_secs(600), long)
            .unwrap();
        assert_eq!(h.conn.total_changes(), before, "nothing rewritten");
        // After the hour, its last_seen moves.
        h.record(&[live(3.0, None)], t + Duration::from_secs(3_700), long)
            .unwrap();
        let last: i64 = h
            .conn
            .query_row("SELECT max(last_seen) FROM seen", [], |r| r.get(0))
            .unwrap();
        assert_eq!(last, 1_800_003_700);
        h.conn.execute_batch("DELETE FROM seen; DELETE FROM latest; DELETE FROM offer_days; DELETE FROM meta WHERE key = 'purged_at';").unwrap();
        // Retention runs once a day: a row past it survives until the day has turned.
        let t0 = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let keep = Duration::from_secs(3_600);
        h.record(&[live(3.0, None)], t0, keep).unwrap();
        h.record(&[], t0 + Duration::from_secs(7_200), keep)
            .unwrap();
        let count = |h: &History| -> i64 {
            h.conn
                .query_row("SELECT COUNT(*) FROM seen", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(count(&h), 1, "purged at t0; not again within the day");
        h.record(&[], t0 + Duration::from_secs(86_400), keep)
            .unwrap();
        assert_eq!(count(&h), 0);
    }

    #[test]
    fn the_disk_priced_in_is_not_history() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = History::open(dir.path()).unwrap();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let keep = Duration::from_secs(86_400);
        let mut a = live(3.5, None);
        a.storage_price_per_hour_usd = Some(0.5);
        assert_eq!(h.record(&[a.clone()], t0, keep).unwrap(), 1);
        // The same offer asked with a bigger `--disk`: not a price change.
        a.price_per_hour_usd = 4.0;
        a.storage_price_per_hour_usd = Some(1.0);
        assert_eq!(
            h.record(&[a], t0 + Duration::from_secs(60), keep).unwrap(),
            0
        );
        let price: f64 = h
            .conn
            .query_row("SELECT price_per_hour_usd FROM seen", [], |r| r.get(0))
            .unwrap();
        assert_eq!(price, 3.0);
    }

    #[test]
    fn daily_lowest_median_and_availability() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = History::open(dir.path()).unwrap();
        let keep = Duration::from_secs(90 * 86_400);
        let day0 = UNIX_EPOCH + Duration::from_secs(1_800_000_000 / 86_400 * 86_400 + 3600);
        let mut a = live(3.0, Some(true));
        let mut b = live(2.0, Some(false));
        b.offer_id = "lambda:b".into();
        let mut c = live(4.0, Some(true));
        c.offer_id = "lambda:c".into();
        h.record(&[a.clone(), b.clone(), c.clone()], day0, keep)
            .unwrap();
        a.price_per_gpu_hour_usd = 2.5;
        a.price_per_hour_usd = 2.5;
        h.record(&[a], day0 + Duration::from_secs(86_400), keep)
            .unwrap();
        let f = Filters {
            gpus: vec![GpuFilter::parse("h100")],
            ..Default::default()
        };
        let days = h
            .daily(&f, 30, day0 + Duration::from_secs(86_400 + 60))
            .unwrap();
        assert_eq!(days.len(), 2);
        assert_eq!(
            (
                days[0].lowest_per_gpu_hour_usd,
                days[0].median_per_gpu_hour_usd
            ),
            (2.0, 3.0)
        );
        assert_eq!((days[0].offers, days[0].available_offers), (3, 2));
        assert_eq!((days[1].lowest_per_gpu_hour_usd, days[1].offers), (2.5, 1));
        let none = h
            .daily(
                &Filters {
                    gpus: vec![GpuFilter::parse("b200")],
                    ..Default::default()
                },
                30,
                day0,
            )
            .unwrap();
        assert!(none.is_empty());
    }

    #[test]
    fn history_reads_the_daily_rows_over_their_index_and_old_databases_are_backfilled() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_800_000_000 / 86_400 * 86_400 + 3600);
        let keep = Duration::from_secs(90 * 86_400);
        {
            let mut h = History::open(dir.path()).unwrap();
            h.record(&[live(3.0, Some(true))], t0, keep).unwrap();
            h.record(
                &[live(3.0, Some(true))],
                t0 + Duration::from_secs(2 * 86_400),
                keep,
            )
            .unwrap();
            let plan: String = h
                .conn
                .query_row(
                    "EXPLAIN QUERY PLAN SELECT * FROM offer_days WHERE day >= 0 AND gpu IN ('H100')",
                    [],
                    |r| r.get(3),
                )
                .unwrap();
            assert!(plan.contains("PRIMARY KEY (gpu=? AND day>?)"), "{plan}");
            // A database from before the daily table: only the raw rows.
            h.conn
                .execute_batch(
                    "DELETE FROM offer_days; DELETE FROM meta WHERE key = 'offer_days_built';",
                )
                .unwrap();
        }
        let h = History::open(dir.path()).unwrap();
        let f = Filters::default();
        let days = h
            .daily(&f, 30, t0 + Duration::from_secs(2 * 86_400))
            .unwrap();
        // The one raw row spans three days; each is a day of history.
        assert_eq!(days.len(), 3, "{days:?}");
        assert!(days.iter().all(|d| d.gpu == "H100" && d.offers == 1));
        // Opening again does not count the rows twice.
        drop(h);
        let h = History::open(dir.path()).unwrap();
        let n: i64 = h
            .conn
            .query_row("SELECT COUNT(*) FROM offer_days", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 3);
    }

    #[test]
    fn sparklines() {
        assert_eq!(sparkline(&[Some(1.0), Some(2.0), None, Some(3.0)]), "▁▅ █");
        assert_eq!(sparkline(&[Some(2.0), Some(2.0)]), "▄▄");
    }
}
