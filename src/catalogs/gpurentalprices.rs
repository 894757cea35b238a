//! gpurentalprices.com's `latest.json`: list prices per GPU-hour from about 34 providers,
//! refreshed daily, CC BY 4.0. Every offer has its own `fetched_at`; every provider its
//! `last_verified` and a `stale` flag, which are passed on.

use std::collections::BTreeMap;

use gpu_providers::gpu::canonical;
use gpu_providers::offer::per_gpu;
use gpu_providers::{Offer, Source};
use serde::Deserialize;

pub const DEFAULT_URL: &str = "https://gpurentalprices.com/api/latest.json";

#[derive(Debug, Deserialize)]
struct Latest {
    #[serde(default)]
    providers: BTreeMap<String, ProviderStatus>,
    offers: Vec<Row>,
}

#[derive(Debug, Deserialize)]
struct ProviderStatus {
    #[serde(default)]
    ok: Option<bool>,
    #[serde(default)]
    last_verified: Option<String>,
    #[serde(default)]
    stale: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct Row {
    provider: String,
    gpu: String,
    #[serde(default)]
    vram_gb: Option<f64>,
    /// US dollars per GPU-hour.
    #[serde(default)]
    usd_hr: Option<f64>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    source_url: Option<String>,
    #[serde(default)]
    fetched_at: Option<String>,
    /// The smallest number of GPUs the price is sold in.
    #[serde(default)]
    min_gpus: Option<u32>,
}

/// What one file holds.
#[derive(Debug, Default)]
pub struct Parsed {
    pub offers: Vec<Offer>,
    /// Providers the file itself flags as stale or failed, with their last verified time.
    pub stale: Vec<(String, String)>,
    pub skipped: usize,
}

pub fn parse(body: &[u8], url: &str) -> Result<Parsed, String> {
    let latest: Latest =
        serde_json::from_slice(body).map_err(|e| format!("not the expected JSON: {e}"))?;
    let mut out = Parsed::default();
    for (id, p) in &latest.providers {
        if p.stale == Some(true) || p.ok == Some(false) {
            out.stale.push((
                super::provider_id(id),
                p.last_verified.clone().unwrap_or_else(|| "unknown".into()),
            ));
        }
    }
    for r in latest.offers {
        let provider = super::provider_id(&r.provider);
        let Some(as_of) = r.fetched_at.clone().or_else(|| {
            latest
                .providers
                .get(&r.provider)
                .and_then(|p| p.last_verified.clone())
        }) else {
            out.skipped += 1;
            continue;
        };
        let Some(usd_hr) = r.usd_hr.filter(|p| gpu_providers::http::sane_price(*p)) else {
            out.skipped += 1;
            continue;
        };
        let kind = r.kind.clone().unwrap_or_else(|| "on-demand".into());
        let spot = kind.eq_ignore_ascii_case("spot") || kind.eq_ignore_ascii_case("preemptible");
        // Only list prices one can rent now: on demand, or spot; not reservations.
        let on_demand = ["on-demand", "ondemand", "secure", "community"]
            .iter()
            .any(|k| kind.eq_ignore_ascii_case(k));
        if provider.is_empty() || !(spot || on_demand) {
            out.skipped += 1;
            continue;
        }
        let count = r.min_gpus.unwrap_or(1).max(1);
        let mut gpu = canonical(&r.gpu);
        gpu.memory_gb = gpu.memory_gb.or(r.vram_gb.filter(|v| *v > 0.0));
        let price = usd_hr * f64::from(count);
        let instance_type = format!("{count}x {} ({kind})", r.gpu);
        out.offers.push(Offer {
            offer_id: format!("{provider}:{}x-{}-{kind}", count, r.gpu),
            provider,
            instance_type,
            gpu: gpu.family,
            gpu_variant: gpu.variant,
            gpu_memory_gb: gpu.memory_gb,
            gpu_count: count,
            gpu_fraction: None,
            vcpus: None,
            memory_gb: None,
            disk_gb: None,
            region: "any".into(),
            spot,
            price_per_hour_usd: price,
            price_per_gpu_hour_usd: per_gpu(price, count),
            available: None,
            stock: None,
            source: Source::Catalog,
            as_of,
            source_url: r.source_url.unwrap_or_else(|| url.to_string()),
            storage_price_per_hour_usd: None,
            catalog_source: Some("gpurentalprices".into()),
            as_of_estimated: false,
            country: None,
            continent: None,
            value: Default::default(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
      "date": "2026-11-30",
      "providers": {
        "lambda": {"ok": true, "last_verified": "2026-11-30T06:21:49.206Z", "stale": false},
        "crusoe": {"ok": true, "last_verified": "2026-11-12T06:21:49.959Z", "stale": true}
      },
      "offers": [
        {"provider": "lambda", "gpu": "h100-sxm", "vram_gb": 80, "usd_hr": 3.99, "kind": "on-demand",
         "source_url": "https://lambda.ai/service/gpu-cloud", "fetched_at": "2026-11-30T06:21:49.206Z"},
        {"provider": "azure", "gpu": "h100-sxm", "vram_gb": 80, "usd_hr": 2.04407275, "kind": "spot",
         "source_url": "https://prices.azure.com/api/retail/prices", "fetched_at": "2026-11-30T06:21:50.545Z", "min_gpus": 8},
        {"provider": "crusoe", "gpu": "h200", "vram_gb": 141, "usd_hr": 4.29, "kind": "on-demand",
         "fetched_at": "2026-11-12T06:21:49.959Z"},
        {"provider": "bad", "gpu": "h100", "usd_hr": -1},
        {"provider": "lambda", "gpu": "h100-sxm", "usd_hr": null, "fetched_at": "2026-11-30T06:21:49.206Z"},
        {"provider": "lambda", "gpu": "h100-sxm", "usd_hr": 2.99, "kind": "reserved", "fetched_at": "2026-11-30T06:21:49.206Z"}
      ]
    }"#;

    #[test]
    fn rows_keep_their_own_dates_and_the_stale_flags_pass_on() {
        let p = parse(SAMPLE.as_bytes(), "https://x/latest.json").unwrap();
        assert_eq!(p.offers.len(), 3);
        assert_eq!(p.skipped, 3, "a negative price, a null one, a reservation");
        let azure = p.offers.iter().find(|o| o.provider == "azure").unwrap();
        assert!(azure.spot);
        assert_eq!(azure.gpu_count, 8);
        assert!((azure.price_per_hour_usd - 8.0 * 2.04407275).abs() < 1e-9);
        assert_eq!(azure.as_of, "2026-11-30T06:21:50.545Z");
        let lambda = p.offers.iter().find(|o| o.provider == "lambda").unwrap();
        assert_eq!(
            (lambda.gpu.as_str(), lambda.gpu_variant.as_deref()),
            ("H100", Some("SXM"))
        );
        assert_eq!(
            p.stale,
            [("crusoe".to_string(), "2026-11-12T06:21:49.959Z".to_string())]
        );
    }
}
