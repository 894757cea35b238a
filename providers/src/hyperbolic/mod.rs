//! Hyperbolic on-demand (v2): `GET /v2/on-demand/rental-options` with a key, or the anonymous
//! `GET /v2/alpha/on-demand/rental-options` without one. A bare JSON array of options, each
//! priced in US cents per hour for the whole option. No official reference page exists; the
//! shapes are those observed by independent clients in Aug–Sep 2026, so the parser is lenient.

mod api;

use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::offer::{now_rfc3339, per_gpu, Offer, Source};
use crate::secret::Secret;
use crate::{Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "hyperbolic";
const OPTIONS: &str = "/v2/on-demand/rental-options";
const OPTIONS_ANONYMOUS: &str = "/v2/alpha/on-demand/rental-options";

pub const ENTRY: ProviderEntry = ProviderEntry {
    id: ID,
    name: "Hyperbolic",
    key_env: "HYPERBOLIC_API_KEY",
    default_base_url: "https://api.hyperbolic.ai",
    docs_url: "https://docs.hyperbolic.ai",
    capabilities: Capabilities {
        live_offers: true,
        offers_need_key: false,
        spot: false,
    },
    settings: &[],
    build,
};

struct Hyperbolic {
    key: Option<Secret>,
    base_url: String,
    http: Http,
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    Ok(Box::new(Hyperbolic {
        key: ctx.api_key,
        base_url: ctx.base_url,
        http: ctx.http,
    }))
}

#[async_trait::async_trait]
impl Provider for Hyperbolic {
    fn id(&self) -> &'static str {
        ID
    }

    async fn offers(&self, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError> {
        if !q.wants_on_demand() {
            return Ok(Vec::new());
        }
        let endpoint = if self.key.is_some() {
            OPTIONS
        } else {
            OPTIONS_ANONYMOUS
        };
        let url = http::join(&self.base_url, endpoint);
        let resp = self
            .http
            .send(ID, &Request::get(&url).bearer(self.key.as_ref()))
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        let parsed: Vec<api::RentalOption> = http::parse_json(ID, endpoint, &resp.body)?;
        Ok(to_offers(parsed, &http::redact_url(&url), &now_rfc3339()))
    }
}

fn to_offers(options: Vec<api::RentalOption>, source_url: &str, as_of: &str) -> Vec<Offer> {
    let mut offers = Vec::new();
    for o in options {
        let count = o.gpu_count.unwrap_or(0);
        let Some(cents) = o.cost_per_hour_cents else {
            continue;
        };
        let price = cents / 100.0;
        if count == 0 || !http::sane_price(price) {
            continue;
        }
        let gpu_type = o.gpu_type.unwrap_or_default();
        let form = o.gpu_form_factor.unwrap_or_default();
        let gpu = canonical(&format!("{gpu_type} {form}"));
        let region = o
            .region
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "unknown".into());
        let machine = o.machine_type.unwrap_or_else(|| "virtual-machine".into());
        let sum = |f: fn(&api::Node) -> Option<f64>| -> Option<f64> {
            let values: Vec<f64> = o.nodes.iter().filter_map(f).collect();
            (!values.is_empty()).then(|| values.iter().sum())
        };
        let available = o.enabled.unwrap_or(true) && o.total_available != Some(0);
        offers.push(Offer {
            provider: ID.to_string(),
            offer_id: format!("{ID}:{gpu_type}-{form}x{count}@{region}/{machine}"),
            instance_type: format!("{count}x {gpu_type} {form} {machine}"),
            gpu: gpu.family,
            gpu_variant: gpu.variant,
            gpu_memory_gb: gpu.memory_gb,
            gpu_count: count,
            vcpus: sum(|n| n.vcpu_count).map(|v| v as u32),
            memory_gb: sum(|n| n.ram_gb),
            disk_gb: sum(|n| n.storage_gb),
            region,
            spot: false,
            price_per_hour_usd: price,
            price_per_gpu_hour_usd: per_gpu(price, count),
            available: Some(available),
            stock: o.total_available.map(|n| n.to_string()),
            source: Source::Live,
            as_of: as_of.to_string(),
            source_url: source_url.to_string(),
        });
    }
    offers
}

/// No error body is documented; clients read `error`, `message` or `detail`, or plain text.
fn error_from(status: u16, body: &[u8]) -> ProviderError {
    let detail = serde_json::from_slice::<api::ErrorBody>(body)
        .ok()
        .and_then(|b| b.message.or(b.error).or(b.detail))
        .unwrap_or_else(|| http::snippet(body));
    let mut err = http::status_error(ID, status, Some(detail.clone()));
    if status == 403 && detail.contains("1010") {
        // Cloudflare's WAF answers 403 "error code: 1010" to clients it blocks, not to bad keys.
        err.kind = ErrorKind::Unavailable;
        err.message = format!("blocked by the provider's firewall (HTTP 403): {detail}");
    }
    err
}

#[cfg(test)]
mod tests;
