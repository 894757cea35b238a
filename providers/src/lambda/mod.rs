//! Lambda Cloud: `GET /api/v1/instance-types` (key required), one global price per type in US
//! cents per instance-hour, capacity listed per region.
//! Docs: <https://docs.lambda.ai/api/cloud> (OpenAPI v1.10.0).

mod api;

use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::offer::{now_rfc3339, per_gpu, Offer, Source};
use crate::secret::Secret;
use crate::{Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "lambda";
const INSTANCE_TYPES: &str = "/api/v1/instance-types";

pub const ENTRY: ProviderEntry = ProviderEntry {
    id: ID,
    name: "Lambda",
    key_env: "LAMBDA_API_KEY",
    default_base_url: "https://cloud.lambda.ai",
    docs_url: "https://docs.lambda.ai/api/cloud",
    capabilities: Capabilities {
        live_offers: true,
        offers_need_key: true,
        spot: false,
    },
    settings: &[],
    build,
};

struct Lambda {
    key: Secret,
    base_url: String,
    http: Http,
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    let key = ctx.api_key.ok_or_else(|| {
        ProviderError::new(ID, ErrorKind::NotConfigured, "`lambda` needs an API key")
    })?;
    Ok(Box::new(Lambda {
        key,
        base_url: ctx.base_url,
        http: ctx.http,
    }))
}

#[async_trait::async_trait]
impl Provider for Lambda {
    fn id(&self) -> &'static str {
        ID
    }

    async fn offers(&self, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError> {
        if !q.wants_on_demand() {
            return Ok(Vec::new()); // Lambda sells no spot instances.
        }
        let url = http::join(&self.base_url, INSTANCE_TYPES);
        let resp = self
            .http
            .send(ID, &Request::get(&url).bearer(Some(&self.key)))
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        let parsed: api::InstanceTypes = http::parse_json(ID, INSTANCE_TYPES, &resp.body)?;
        Ok(to_offers(parsed, &http::redact_url(&url), &now_rfc3339()))
    }
}

fn to_offers(parsed: api::InstanceTypes, source_url: &str, as_of: &str) -> Vec<Offer> {
    let mut offers = Vec::new();
    for (key, entry) in parsed.data {
        let t = entry.instance_type;
        if t.specs.gpus == 0 {
            continue; // CPU-only types
        }
        let price = t.price_cents_per_hour / 100.0;
        if !http::sane_price(price) {
            continue;
        }
        let described = if t.gpu_description.is_empty() {
            &t.name
        } else {
            &t.gpu_description
        };
        let mut gpu = canonical(described);
        if gpu.variant.is_none() {
            gpu.variant = canonical(&t.name).variant;
        }
        let name = if t.name.is_empty() { key } else { t.name };
        let base = Offer {
            provider: ID.to_string(),
            offer_id: format!("{ID}:{name}"),
            instance_type: name.clone(),
            gpu: gpu.family,
            gpu_variant: gpu.variant,
            gpu_memory_gb: gpu.memory_gb,
            gpu_count: t.specs.gpus,
            vcpus: Some(t.specs.vcpus),
            memory_gb: Some(f64::from(t.specs.memory_gib)),
            disk_gb: Some(f64::from(t.specs.storage_gib)),
            region: "any".to_string(),
            spot: false,
            price_per_hour_usd: price,
            price_per_gpu_hour_usd: per_gpu(price, t.specs.gpus),
            available: Some(false),
            stock: None,
            source: Source::Live,
            as_of: as_of.to_string(),
            source_url: source_url.to_string(),
        };
        if entry.regions_with_capacity_available.is_empty() {
            offers.push(base);
            continue;
        }
        for region in entry.regions_with_capacity_available {
            offers.push(Offer {
                offer_id: format!("{ID}:{name}@{}", region.name),
                region: region.name,
                available: Some(true),
                ..base.clone()
            });
        }
    }
    offers
}

/// Lambda errors are `{"error": {"code", "message", "suggestion"?}}`.
fn error_from(status: u16, body: &[u8]) -> ProviderError {
    let parsed: Option<api::ErrorBody> = serde_json::from_slice(body).ok();
    let (code, message) = match parsed {
        Some(b) => (b.error.code, b.error.message),
        None => (String::new(), http::snippet(body)),
    };
    let mut err = http::status_error(ID, status, Some(message));
    if code == "global/invalid-api-key" || code == "global/account-inactive" {
        err.kind = ErrorKind::Auth;
    }
    err
}

#[cfg(test)]
mod tests;
