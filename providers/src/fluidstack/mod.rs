//! FluidStack: `GET /list_available_configurations` (header `api-key`) lists the GPU
//! configurations that can be deployed now: GPU type, the counts offered, the regions and the
//! price per GPU-hour. FluidStack has changed its API three times and now sells mostly reserved
//! clusters; this is the self-serve platform API SkyPilot uses.

mod api;

use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::offer::{now_rfc3339, Offer, Source};
use crate::secret::Secret;
use crate::{Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "fluidstack";
const CONFIGURATIONS: &str = "/list_available_configurations";

pub const ENTRY: ProviderEntry = ProviderEntry {
    id: ID,
    name: "FluidStack",
    key_env: "FLUIDSTACK_API_KEY",
    default_base_url: "https://platform.fluidstack.io",
    docs_url: "https://docs.fluidstack.io",
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

struct FluidStack {
    key: Secret,
    base_url: String,
    http: Http,
    /// Configurations of the last answer that could not be read (the others were).
    gaps: std::sync::Mutex<Vec<String>>,
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    let key = ctx.api_key.ok_or_else(|| {
        ProviderError::new(
            ID,
            ErrorKind::NotConfigured,
            "`fluidstack` needs an API key",
        )
    })?;
    Ok(Box::new(FluidStack {
        key,
        base_url: ctx.base_url,
        http: ctx.http,
        gaps: Default::default(),
    }))
}

#[async_trait::async_trait]
impl Provider for FluidStack {
    fn id(&self) -> &'static str {
        ID
    }

    async fn offers(&self, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError> {
        if !q.wants_on_demand() {
            return Ok(Vec::new());
        }
        let url = http::join(&self.base_url, CONFIGURATIONS);
        let mut req = Request::get(&url);
        req.headers.push(("api-key", self.key.expose().to_string()));
        let resp = self.http.send(ID, &req).await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        let mut gaps = Vec::new();
        let configs = read_configurations(&resp.body, &mut gaps)?;
        *self.gaps.lock().unwrap_or_else(|e| e.into_inner()) = gaps;
        Ok(to_offers(configs, &http::redact_url(&url), &now_rfc3339()))
    }

    fn gaps(&self) -> Vec<String> {
        self.gaps.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The configurations of one answer, each read on its own: one that does not fit costs itself.
fn read_configurations(
    body: &[u8],
    gaps: &mut Vec<String>,
) -> Result<Vec<api::Configuration>, ProviderError> {
    let items: Vec<http::Item<api::Configuration>> = http::parse_json(ID, CONFIGURATIONS, body)?;
    http::readable(ID, CONFIGURATIONS, items, "configurations", gaps)
}

/// One offer per configuration, GPU count and region.
fn to_offers(configs: Vec<api::Configuration>, source: &str, as_of: &str) -> Vec<Offer> {
    let mut offers = Vec::new();
    for c in configs {
        let Some(per_gpu_price) = http::price_value(c.price_per_gpu_hr.as_ref()) else {
            continue;
        };
        let g = canonical(&c.gpu_type.replace('_', " "));
        let regions: Vec<String> = if c.regions.is_empty() {
            vec!["any".to_string()]
        } else {
            c.regions.iter().map(|r| http::region(r)).collect()
        };
        for count in c.gpu_counts.iter().copied().filter(|n| *n >= 1) {
            for region in &regions {
                let price = per_gpu_price * f64::from(count);
                offers.push(Offer {
                    provider: ID.to_string(),
                    offer_id: format!("{ID}:{}x{count}@{region}", c.gpu_type),
                    instance_type: format!("{count}x {}", c.gpu_type),
                    gpu: g.family.clone(),
                    gpu_variant: g.variant.clone(),
                    gpu_memory_gb: g.memory_gb,
                    gpu_count: count,
                    gpu_fraction: None,
                    vcpus: None,
                    memory_gb: None,
                    disk_gb: None,
                    region: region.clone(),
                    spot: false,
                    price_per_hour_usd: price,
                    price_per_gpu_hour_usd: per_gpu_price,
                    available: Some(true),
                    stock: None,
                    source: Source::Live,
                    as_of: as_of.to_string(),
                    source_url: source.to_string(),
                    storage_price_per_hour_usd: None,
                    catalog_source: None,
                    as_of_estimated: false,
                    country: None,
                    continent: None,
                    value: Default::default(),
                });
            }
        }
    }
    offers
}

/// The offers in one answer (for fuzzing).
#[cfg(test)]
pub(crate) fn parse_offers(body: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    let configs = read_configurations(body, &mut Vec::new())?;
    Ok(to_offers(configs, "https://fuzz", "2026-01-01T00:00:00Z"))
}

/// Errors come as `{"detail": "..."}`, `{"error": "..."}` or plain text.
fn error_from(status: u16, body: &[u8]) -> ProviderError {
    let detail = serde_json::from_slice::<api::ErrorBody>(body)
        .ok()
        .and_then(|b| {
            let detail = b.detail.and_then(|d| match d {
                serde_json::Value::String(s) => Some(s),
                serde_json::Value::Array(items) => Some(
                    items
                        .iter()
                        .filter_map(|i| i.get("msg").and_then(|m| m.as_str()))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                _ => None,
            });
            detail.filter(|d| !d.is_empty()).or(b.error).or(b.message)
        })
        .unwrap_or_else(|| http::snippet(body));
    http::status_error(ID, status, Some(detail))
}

#[cfg(test)]
mod tests;
