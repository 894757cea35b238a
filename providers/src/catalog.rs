//! The catalog embedded in the binary: public list prices, each row with the date it was taken
//! and where it came from, for answers without a key or a network.
//!
//! The data lives in `providers/catalog/catalog.csv` so that price changes are reviewable diffs;
//! `providers/catalog/README.md` says how each provider's rows were taken.

use serde::Deserialize;

use crate::gpu::canonical;
use crate::offer::{per_gpu, Offer, Source, Value};

pub const CSV: &str = include_str!("../catalog/catalog.csv");

/// The date of the newest price in [`CSV`] (`YYYY-MM-DD`), as `gpu --version` says it.
pub const NEWEST: &str = env!("GPU_CATALOG_NEWEST");

#[derive(Debug, Deserialize)]
struct Row {
    provider: String,
    instance_type: String,
    region: String,
    gpu: String,
    gpu_count: u32,
    gpu_memory_gb: Option<f64>,
    vcpus: Option<u32>,
    memory_gb: Option<f64>,
    disk_gb: Option<f64>,
    spot: bool,
    price_per_hour_usd: f64,
    as_of: String,
    source_url: String,
}

/// Parse a catalog in the embedded CSV format. Errors name the line.
pub fn parse(csv_text: &str) -> Result<Vec<Offer>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let mut offers = Vec::new();
    for (i, record) in reader.deserialize::<Row>().enumerate() {
        let row = record.map_err(|e| format!("catalog row {}: {e}", i + 1))?;
        if row.gpu_count == 0 || !crate::http::sane_price(row.price_per_hour_usd) {
            return Err(format!(
                "catalog row {} ({} {}): gpu_count and price_per_hour_usd must be positive",
                i + 1,
                row.provider,
                row.instance_type
            ));
        }
        let gpu = canonical(&row.gpu);
        let suffix = if row.spot { ":spot" } else { "" };
        offers.push(Offer {
            offer_id: format!(
                "{}:{}@{}{suffix}",
                row.provider,
                slug(&row.instance_type),
                slug(&row.region)
            ),
            provider: row.provider,
            instance_type: row.instance_type,
            gpu: gpu.family,
            gpu_variant: gpu.variant,
            gpu_memory_gb: row.gpu_memory_gb.or(gpu.memory_gb),
            gpu_count: row.gpu_count,
            gpu_fraction: None,
            vcpus: row.vcpus,
            memory_gb: row.memory_gb,
            disk_gb: row.disk_gb,
            region: row.region,
            spot: row.spot,
            price_per_hour_usd: row.price_per_hour_usd,
            price_per_gpu_hour_usd: per_gpu(row.price_per_hour_usd, row.gpu_count),
            available: None,
            stock: None,
            source: Source::Catalog,
            // `~2026-11-25`: the day the price was read; its source gives no date.
            as_of_estimated: row.as_of.starts_with('~'),
            country: None,
            continent: None,
            as_of: row.as_of.trim_start_matches('~').to_string(),
            source_url: row.source_url,
            storage_price_per_hour_usd: None,
            catalog_source: None,
            value: Value::default(),
        });
    }
    Ok(offers)
}

/// An id part that needs no quoting in a shell: `Texas, US` -> `Texas-US`.
fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The embedded catalog. It is checked by tests, so a failure here is a build defect.
pub fn embedded() -> Vec<Offer> {
    parse(CSV).unwrap_or_default()
}

/// The oldest and newest `as_of` among a provider's catalog rows.
pub fn dates(offers: &[Offer], provider: &str) -> Option<(String, String)> {
    let mut dates: Vec<&str> = offers
        .iter()
        .filter(|o| o.provider == provider)
        .map(|o| o.as_of.as_str())
        .collect();
    dates.sort_unstable();
    Some((dates.first()?.to_string(), dates.last()?.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_parses_and_is_well_formed() {
        let offers = parse(CSV).expect("embedded catalog must parse");
        assert!(offers.len() > 20);
        let known = crate::known_ids();
        for o in &offers {
            assert!(
                known.contains(&o.provider.as_str()),
                "unknown provider {}",
                o.provider
            );
            assert!(canonical(&o.gpu).known, "unknown GPU {} in catalog", o.gpu);
            assert!(o.source_url.starts_with("https://"), "{o:?}");
            let date_ok = o.as_of.len() >= 7
                && o.as_of[..4].chars().all(|c| c.is_ascii_digit())
                && &o.as_of[4..5] == "-";
            assert!(date_ok, "as_of must be an ISO 8601 date: {o:?}");
            assert!(!o.region.is_empty());
        }
        for o in &offers {
            assert!(
                o.offer_id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".:_-@".contains(c)),
                "offer id needs quoting: {}",
                o.offer_id
            );
        }
        let mut ids: Vec<&str> = offers.iter().map(|o| o.offer_id.as_str()).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(n, ids.len(), "duplicate catalog rows");
    }

    /// Providers with no embedded row, and why: only where no dated public price in US
    /// dollars could be found (see `providers/catalog/README.md`).
    const WITHOUT_ROWS: &[(&str, &str)] = &[
        (
            "fluidstack",
            "only an undated public file in an older format was found",
        ),
        (
            "tensordock",
            "its prices are behind a key; no dated public price found",
        ),
        (
            "scaleway",
            "its public prices are in euros; the catalog holds US dollars only",
        ),
        (
            "primeintellect",
            "its prices are behind a key and change with its upstream providers; no dated public price list found",
        ),
        (
            "shadeform",
            "its prices are behind a key and change with its upstream clouds; no dated public price list found",
        ),
    ];

    #[test]
    fn every_provider_has_catalog_rows_or_a_stated_reason() {
        let offers = embedded();
        let missing: Vec<&str> = crate::known_ids()
            .into_iter()
            .filter(|id| !offers.iter().any(|o| o.provider == *id))
            .filter(|id| !WITHOUT_ROWS.iter().any(|(w, _)| w == id))
            .collect();
        assert!(
            missing.is_empty(),
            "providers `gpu providers` lists with no catalog rows: {missing:?}"
        );
        for (id, _) in WITHOUT_ROWS {
            assert!(
                !offers.iter().any(|o| o.provider == *id),
                "{id} has rows now: take it off WITHOUT_ROWS"
            );
        }
    }

    #[test]
    fn bad_rows_are_named() {
        let head = "provider,instance_type,region,gpu,gpu_count,gpu_memory_gb,vcpus,memory_gb,disk_gb,spot,price_per_hour_usd,as_of,source_url\n";
        let e = parse(&format!(
            "{head}x,t,r,H100,1,,,,,false,abc,2026-01-01,https://e\n"
        ))
        .unwrap_err();
        assert!(e.contains("row 1"), "{e}");
        let e = parse(&format!(
            "{head}x,t,r,H100,0,,,,,false,1.0,2026-01-01,https://e\n"
        ))
        .unwrap_err();
        assert!(e.contains("must be positive"), "{e}");
    }
}
