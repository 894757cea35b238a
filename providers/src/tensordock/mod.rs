//! TensorDock (v2): `GET /api/v2/locations` (Bearer token) lists, per location, the GPUs that
//! can be deployed now with their price per GPU-hour, the most that fit, and the prices of
//! vCPUs, RAM and disk. An instance is priced here as N GPUs with 8 vCPUs and 32 GB of RAM per
//! GPU (as far as the location allows) and a 100 GB disk (TensorDock's minimum), for N in
//! 1, 2, 4, 8 up to the location's maximum. Docs: <https://dashboard.tensordock.com/api/docs>.

mod api;

use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::offer::{now_rfc3339, per_gpu, Offer, Source};
use crate::secret::Secret;
use crate::{Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "tensordock";
const LOCATIONS: &str = "/api/v2/locations";
const VCPUS_PER_GPU: f64 = 8.0;
const RAM_GB_PER_GPU: f64 = 32.0;
const DISK_GB: f64 = 100.0;

pub const ENTRY: ProviderEntry = ProviderEntry {
    id: ID,
    name: "TensorDock",
    key_env: "TENSORDOCK_API_TOKEN",
    default_base_url: "https://dashboard.tensordock.com",
    docs_url: "https://dashboard.tensordock.com/api/docs",
    capabilities: Capabilities {
        live_offers: true,
        offers_need_key: true,
        spot: false,
        launch: false,
        expires_itself: false,
    },
    settings: &[],
    settings_env: &[],
    build,
};

struct TensorDock {
    key: Secret,
    base_url: String,
    http: Http,
    gaps: std::sync::Mutex<Vec<String>>,
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    let key = ctx.api_key.ok_or_else(|| {
        ProviderError::new(
            ID,
            ErrorKind::NotConfigured,
            "`tensordock` needs an API token",
        )
    })?;
    Ok(Box::new(TensorDock {
        key,
        base_url: ctx.base_url,
        http: ctx.http,
        gaps: Default::default(),
    }))
}

#[async_trait::async_trait]
impl Provider for TensorDock {
    fn id(&self) -> &'static str {
        ID
    }

    async fn offers(&self, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError> {
        if !q.wants_on_demand() {
            return Ok(Vec::new());
        }
        let url = http::join(&self.base_url, LOCATIONS);
        let resp = self
            .http
            .send(ID, &Request::get(&url).bearer(Some(&self.key)))
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        let parsed: api::Locations = http::parse_json(ID, LOCATIONS, &resp.body)?;
        let mut gaps = Vec::new();
        let offers = to_offers(parsed, &http::redact_url(&url), &now_rfc3339(), &mut gaps)?;
        *self.gaps.lock().unwrap_or_else(|e| e.into_inner()) = gaps;
        Ok(offers)
    }

    fn gaps(&self) -> Vec<String> {
        self.gaps.lock().map(|g| g.clone()).unwrap_or_default()
    }
}

/// The offers, and how many GPU types were left out for want of resource prices.
/// The offers of one locations answer, a location and a GPU entry at a time: what cannot be
/// read, or cannot be priced whole, is left out and said in `gaps`.
fn to_offers(
    parsed: api::Locations,
    source_url: &str,
    as_of: &str,
    gaps: &mut Vec<String>,
) -> Result<Vec<Offer>, ProviderError> {
    let mut offers = Vec::new();
    let mut unpriced = 0;
    let locations = http::readable(ID, LOCATIONS, parsed.data.locations, "locations", gaps)?;
    let mut bad_gpus = Vec::new();
    for loc in locations {
        let gpus: Vec<api::LocationGpu> = loc
            .gpus
            .into_iter()
            .filter_map(|g| match g {
                http::Item::Read(g) => Some(g),
                http::Item::Bad(why) => {
                    bad_gpus.push(why);
                    None
                }
            })
            .collect();
        let region = [
            loc.city.as_deref(),
            loc.stateprovince.as_deref(),
            loc.country.as_deref(),
        ]
        .iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
        let region = http::region(if region.is_empty() { &loc.id } else { &region });
        for g in &gpus {
            let Some(gpu_price) = g.price_per_hr.filter(|p| http::sane_price(*p)) else {
                continue;
            };
            let name = canonical(&g.v0_name);
            // A VM is billed for its vCPUs, RAM and disk too: without their prices the GPU's
            // price alone would understate it, so the row is left out (and said).
            let Some(pricing) = g.pricing.clone().filter(|p| {
                p.per_vcpu_hr.is_some()
                    && p.per_gb_ram_hr.is_some()
                    && p.per_gb_storage_hr.is_some()
            }) else {
                unpriced += 1;
                continue;
            };
            let res = g.resources.clone().unwrap_or_default();
            for count in [1u32, 2, 4, 8].into_iter().filter(|c| *c <= g.max_count) {
                let n = f64::from(count);
                let vcpus = (VCPUS_PER_GPU * n).min(res.max_vcpus.unwrap_or(f64::MAX));
                let ram = (RAM_GB_PER_GPU * n).min(res.max_ram_gb.unwrap_or(f64::MAX));
                let price = gpu_price * n
                    + vcpus * pricing.per_vcpu_hr.unwrap_or(0.0)
                    + ram * pricing.per_gb_ram_hr.unwrap_or(0.0)
                    + DISK_GB * pricing.per_gb_storage_hr.unwrap_or(0.0);
                let storage = DISK_GB * pricing.per_gb_storage_hr.unwrap_or(0.0);
                if !http::sane_price(price) {
                    continue;
                }
                offers.push(Offer {
                    provider: ID.to_string(),
                    offer_id: format!("{ID}:{}/{}x{count}", loc.id, g.v0_name),
                    instance_type: format!(
                        "{count}x {} ({} vCPU, {} GB RAM, {} GB disk)",
                        g.v0_name, vcpus, ram, DISK_GB
                    ),
                    gpu: name.family.clone(),
                    gpu_variant: name.variant.clone(),
                    gpu_memory_gb: name.memory_gb,
                    gpu_count: count,
                    gpu_fraction: None,
                    vcpus: Some(vcpus as u32),
                    memory_gb: Some(ram),
                    disk_gb: Some(DISK_GB),
                    region: region.clone(),
                    spot: false,
                    price_per_hour_usd: (price * 10_000.0).round() / 10_000.0,
                    price_per_gpu_hour_usd: per_gpu((price * 10_000.0).round() / 10_000.0, count),
                    available: Some(true),
                    stock: Some(format!("up to {}", g.max_count)),
                    source: Source::Live,
                    as_of: as_of.to_string(),
                    source_url: source_url.to_string(),
                    storage_price_per_hour_usd: Some((storage * 1e6).round() / 1e6),
                    catalog_source: None,
                    as_of_estimated: false,
                    country: None,
                    continent: None,
                    value: Default::default(),
                });
            }
        }
    }
    gaps.extend(http::skipped("GPU entries", &bad_gpus));
    if unpriced > 0 {
        gaps.push(format!(
            "{unpriced} GPU types left out: their location gives no price for the vCPUs, RAM and disk that come with them"
        ));
    }
    Ok(offers)
}

/// Errors are `{"error": "..."}` or `{"message": "..."}`, or plain text.
fn error_from(status: u16, body: &[u8]) -> ProviderError {
    let detail = serde_json::from_slice::<api::ErrorBody>(body)
        .ok()
        .and_then(|b| b.error.or(b.message))
        .unwrap_or_else(|| http::snippet(body));
    http::status_error(ID, status, Some(detail))
}

/// The offers in one locations answer (for fuzzing).
#[cfg(test)]
pub(crate) fn parse_offers(body: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    let parsed: api::Locations = http::parse_json(ID, LOCATIONS, body)?;
    to_offers(
        parsed,
        "https://fuzz",
        "2026-01-01T00:00:00Z",
        &mut Vec::new(),
    )
}

#[cfg(test)]
mod tests;
