//! RunPod: REST v2 `GET /v2/catalog/gpus?include=AVAILABILITY&product=POD` (key required).
//! Prices are US dollars per GPU-hour, separately for Secure and Community cloud, which are
//! asked for separately because availability is reported for the cloud in the query.
//! Docs: <https://docs.runpod.io/api-reference-v2/catalog/list-gpu-types>.

mod api;

use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::offer::{now_rfc3339, Offer, Source};
use crate::secret::Secret;
use crate::{Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "runpod";
const CATALOG: &str = "/v2/catalog/gpus";

pub const ENTRY: ProviderEntry = ProviderEntry {
    id: ID,
    name: "RunPod",
    key_env: "RUNPOD_API_KEY",
    default_base_url: "https://api.runpod.io",
    docs_url: "https://docs.runpod.io/api-reference-v2/catalog/list-gpu-types",
    capabilities: Capabilities {
        live_offers: true,
        offers_need_key: true,
        spot: false,
    },
    settings: &[],
    build,
};

struct RunPod {
    key: Secret,
    base_url: String,
    http: Http,
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    let key = ctx.api_key.ok_or_else(|| {
        ProviderError::new(ID, ErrorKind::NotConfigured, "`runpod` needs an API key")
    })?;
    Ok(Box::new(RunPod {
        key,
        base_url: ctx.base_url,
        http: ctx.http,
    }))
}

#[derive(Clone, Copy)]
enum Cloud {
    Secure,
    Community,
}

impl Cloud {
    fn param(self) -> &'static str {
        match self {
            Cloud::Secure => "SECURE",
            Cloud::Community => "COMMUNITY",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Cloud::Secure => "secure",
            Cloud::Community => "community",
        }
    }
}

impl RunPod {
    async fn catalog(
        &self,
        cloud: Cloud,
        count: u32,
    ) -> Result<(api::Catalog, String), ProviderError> {
        let url = format!(
            "{}?include=AVAILABILITY&product=POD&cloud={}&count={count}",
            http::join(&self.base_url, CATALOG),
            cloud.param()
        );
        let resp = self
            .http
            .send(ID, &Request::get(&url).bearer(Some(&self.key)))
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        Ok((
            http::parse_json(ID, CATALOG, &resp.body)?,
            http::redact_url(&url),
        ))
    }
}

#[async_trait::async_trait]
impl Provider for RunPod {
    fn id(&self) -> &'static str {
        ID
    }

    async fn offers(&self, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError> {
        if !q.wants_on_demand() {
            return Ok(Vec::new()); // spot exists only in RunPod's retiring GraphQL API
        }
        let count = q.gpu_count.or(q.min_gpus).unwrap_or(1).max(1);
        let (secure, community) = tokio::join!(
            self.catalog(Cloud::Secure, count),
            self.catalog(Cloud::Community, count)
        );
        let as_of = now_rfc3339();
        let mut offers = Vec::new();
        let (catalog, url) = secure?;
        offers.extend(to_offers(catalog, Cloud::Secure, count, &url, &as_of));
        let (catalog, url) = community?;
        offers.extend(to_offers(catalog, Cloud::Community, count, &url, &as_of));
        Ok(offers)
    }
}

fn to_offers(
    catalog: api::Catalog,
    cloud: Cloud,
    count: u32,
    source_url: &str,
    as_of: &str,
) -> Vec<Offer> {
    let mut offers = Vec::new();
    for g in catalog.gpus {
        let (offered, per_gpu_price, max) = match cloud {
            Cloud::Secure => (g.secure, g.price.secure, g.max_count.secure),
            Cloud::Community => (g.community, g.price.community, g.max_count.community),
        };
        let Some(per_gpu_price) = per_gpu_price.filter(|p| http::sane_price(*p)) else {
            continue;
        };
        if !offered || max.is_some_and(|m| m < count) {
            continue;
        }
        let mut gpu = canonical(&g.id);
        if gpu.variant.is_none() {
            gpu.variant = canonical(&g.name).variant;
        }
        if let Some(m) = g.memory.filter(|m| *m > 0.0) {
            gpu.memory_gb = Some(m);
        }
        let slug = g.id.replace(' ', "_");
        let price = per_gpu_price * f64::from(count);
        let base = Offer {
            provider: ID.to_string(),
            offer_id: format!("{ID}:{}:{count}x{slug}", cloud.label()),
            instance_type: format!("{count}x {} ({})", g.id, cloud.label()),
            gpu: gpu.family,
            gpu_variant: gpu.variant,
            gpu_memory_gb: gpu.memory_gb,
            gpu_count: count,
            vcpus: None,
            memory_gb: None,
            disk_gb: None,
            region: "any".to_string(),
            spot: false,
            price_per_hour_usd: price,
            price_per_gpu_hour_usd: per_gpu_price,
            available: Some(false),
            stock: g.availability.as_deref().map(str::to_ascii_lowercase),
            source: Source::Live,
            as_of: as_of.to_string(),
            source_url: source_url.to_string(),
        };
        let centers: Vec<_> = g
            .data_centers
            .unwrap_or_default()
            .into_iter()
            .filter(|dc| !dc.availability.eq_ignore_ascii_case("NONE"))
            .collect();
        if centers.is_empty() {
            offers.push(base);
            continue;
        }
        for dc in centers {
            offers.push(Offer {
                offer_id: format!("{}@{}", base.offer_id, dc.id),
                region: dc.id,
                available: Some(true),
                stock: Some(dc.availability.to_ascii_lowercase()),
                ..base.clone()
            });
        }
    }
    offers
}

/// RunPod v2 errors are RFC 9457 problem documents: `{title, status, detail, errors?}`.
fn error_from(status: u16, body: &[u8]) -> ProviderError {
    let detail = serde_json::from_slice::<api::Problem>(body)
        .ok()
        .map(|p| p.detail.or(p.title).unwrap_or_default())
        .unwrap_or_else(|| http::snippet(body));
    http::status_error(ID, status, Some(detail))
}

#[cfg(test)]
mod tests;
