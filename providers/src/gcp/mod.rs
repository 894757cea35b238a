//! Google Cloud: the Cloud Billing Catalog API (`GET /v1/services/6F81-5844-456A/skus`, an API
//! key in the `x-goog-api-key` header) prices vCPUs, memory and GPUs separately, per region. An
//! instance price is composed here, as Google's own calculator does:
//! `vCPUs x core SKU + GiB x RAM SKU + GPUs x GPU SKU`, for the machine types in [`MACHINES`]
//! (shapes from Google's machine-type documentation), in every region all three SKUs list.
//! Spot prices come from the "Spot Preemptible" SKUs. Docs:
//! <https://cloud.google.com/billing/docs/how-to/get-pricing-information-api>.

mod api;

use std::collections::HashMap;

use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::offer::{now_rfc3339, per_gpu, Offer, Source};
use crate::secret::Secret;
use crate::{Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "gcp";
/// Compute Engine's service id in the billing catalog.
const SKUS: &str = "/v1/services/6F81-5844-456A/skus";
const MAX_PAGES: usize = 20;

pub const ENTRY: ProviderEntry = ProviderEntry {
    id: ID,
    name: "Google Cloud",
    key_env: "GCP_API_KEY",
    default_base_url: "https://cloudbilling.googleapis.com",
    docs_url: "https://cloud.google.com/billing/docs/how-to/get-pricing-information-api",
    capabilities: Capabilities {
        live_offers: true,
        offers_need_key: true,
        spot: true,
        launch: false,
        expires_itself: false,
    },
    settings: &[],
    settings_env: &[],
    build,
};

/// A machine type: its series (whose core and RAM SKUs price it), GPU SKU name and shape.
pub(crate) struct Machine {
    pub name: &'static str,
    pub series: &'static str,
    /// As it appears in the SKU description: `Nvidia {gpu_sku} GPU running in ...`.
    pub gpu_sku: &'static str,
    pub gpu: &'static str,
    pub gpus: u32,
    pub vcpus: u32,
    pub ram_gb: f64,
}

const fn m(
    name: &'static str,
    series: &'static str,
    gpu_sku: &'static str,
    gpu: &'static str,
    gpus: u32,
    vcpus: u32,
    ram_gb: f64,
) -> Machine {
    Machine {
        name,
        series,
        gpu_sku,
        gpu,
        gpus,
        vcpus,
        ram_gb,
    }
}

pub(crate) const MACHINES: &[Machine] = &[
    m(
        "a3-highgpu-8g",
        "A3",
        "H100 80GB",
        "H100 SXM 80GB",
        8,
        208,
        1872.0,
    ),
    m(
        "a2-ultragpu-1g",
        "A2",
        "A100 80GB",
        "A100 SXM 80GB",
        1,
        12,
        170.0,
    ),
    m(
        "a2-ultragpu-2g",
        "A2",
        "A100 80GB",
        "A100 SXM 80GB",
        2,
        24,
        340.0,
    ),
    m(
        "a2-ultragpu-4g",
        "A2",
        "A100 80GB",
        "A100 SXM 80GB",
        4,
        48,
        680.0,
    ),
    m(
        "a2-ultragpu-8g",
        "A2",
        "A100 80GB",
        "A100 SXM 80GB",
        8,
        96,
        1360.0,
    ),
    m(
        "a2-highgpu-1g",
        "A2",
        "Tesla A100",
        "A100 SXM 40GB",
        1,
        12,
        85.0,
    ),
    m(
        "a2-highgpu-2g",
        "A2",
        "Tesla A100",
        "A100 SXM 40GB",
        2,
        24,
        170.0,
    ),
    m(
        "a2-highgpu-4g",
        "A2",
        "Tesla A100",
        "A100 SXM 40GB",
        4,
        48,
        340.0,
    ),
    m(
        "a2-highgpu-8g",
        "A2",
        "Tesla A100",
        "A100 SXM 40GB",
        8,
        96,
        680.0,
    ),
    m("g2-standard-4", "G2", "L4", "L4", 1, 4, 16.0),
    m("g2-standard-8", "G2", "L4", "L4", 1, 8, 32.0),
    m("g2-standard-12", "G2", "L4", "L4", 1, 12, 48.0),
    m("g2-standard-16", "G2", "L4", "L4", 1, 16, 64.0),
    m("g2-standard-24", "G2", "L4", "L4", 2, 24, 96.0),
    m("g2-standard-32", "G2", "L4", "L4", 1, 32, 128.0),
    m("g2-standard-48", "G2", "L4", "L4", 4, 48, 192.0),
    m("g2-standard-96", "G2", "L4", "L4", 8, 96, 384.0),
];

struct Gcp {
    key: Secret,
    base_url: String,
    http: Http,
    /// Machine families the last answer could not compose, one line each.
    gaps: std::sync::Mutex<Vec<String>>,
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    let key = ctx.api_key.ok_or_else(|| {
        ProviderError::new(
            ID,
            ErrorKind::NotConfigured,
            "`gcp` needs an API key for the Cloud Billing Catalog",
        )
    })?;
    Ok(Box::new(Gcp {
        key,
        base_url: ctx.base_url,
        http: ctx.http,
        gaps: std::sync::Mutex::new(Vec::new()),
    }))
}

/// What a SKU prices, read from its description.
#[derive(Debug, PartialEq, Eq, Hash, Clone)]
enum Item {
    Core(String),
    Ram(String),
    Gpu(String),
}

/// What a SKU prices and whether it is spot, from what identifies it (usage type, the GPU
/// model, the machine series), not from one spelling: Google words spot GPUs both
/// `Spot Preemptible Nvidia L4 GPU ...` and `Nvidia Tesla T4 GPU attached to Spot Preemptible
/// VMs ...`, and some GPUs with `Tesla` (`Nvidia Tesla A100 80GB GPU`), some without.
fn classify(description: &str, usage_type: Option<&str>) -> Option<(Item, bool)> {
    let d = description.to_ascii_lowercase();
    // Commitments, reservations and DWS durations are other prices for the same thing.
    if [
        "commitment",
        "reserved",
        "calendar mode",
        "dws ",
        "defined duration",
    ]
    .iter()
    .any(|w| d.contains(w))
    {
        return None;
    }
    let spot = match usage_type {
        Some("Preemptible") => true,
        Some("OnDemand") => false,
        Some(_) => return None,
        None => d.contains("spot preemptible") || d.contains("preemptible vm"),
    };
    let (what, _) = d.split_once(" running in ")?;
    let what = what
        .trim_start_matches("spot preemptible ")
        .trim_start_matches("preemptible ");
    let what = what
        .split_once(" attached to ")
        .map_or(what, |(gpu, _)| gpu)
        .trim();
    if let Some(series) = what.strip_suffix(" instance core") {
        return Some((Item::Core(series.to_string()), spot));
    }
    if let Some(series) = what.strip_suffix(" instance ram") {
        return Some((Item::Ram(series.to_string()), spot));
    }
    let gpu = gpu_key(what.strip_suffix(" gpu")?);
    (!gpu.is_empty()).then_some((Item::Gpu(gpu), spot))
}

/// A GPU as the SKUs name it, without the words that vary: `nvidia tesla a100 80gb` and
/// `nvidia a100 80gb` are both `a100 80gb`; `h100 80gb plus` (A3 Mega) stays distinct.
fn gpu_key(name: &str) -> String {
    name.to_ascii_lowercase()
        .split_whitespace()
        .filter(|w| *w != "nvidia" && *w != "tesla")
        .collect::<Vec<_>>()
        .join(" ")
}

/// US dollars per usage unit of the first tier.
fn unit_price(sku: &api::Sku) -> Option<f64> {
    let info = sku.pricing_info.last()?;
    let rate = info
        .pricing_expression
        .tiered_rates
        .iter()
        .find(|r| r.start_usage_amount.unwrap_or(0.0) == 0.0)?;
    if rate.unit_price.currency_code.as_deref().unwrap_or("USD") != "USD" {
        return None;
    }
    let units: f64 = rate
        .unit_price
        .units
        .as_deref()
        .unwrap_or("0")
        .parse()
        .ok()?;
    Some(units + f64::from(rate.unit_price.nanos.unwrap_or(0)) / 1e9)
}

pub(crate) fn to_offers(
    skus: Vec<api::Sku>,
    q: &OfferQuery,
    source_url: &str,
    as_of: &str,
) -> Vec<Offer> {
    // (item, spot, region) -> price
    let mut prices: HashMap<(Item, bool, String), f64> = HashMap::new();
    for sku in &skus {
        if sku
            .category
            .as_ref()
            .is_some_and(|c| c.resource_family.as_deref() != Some("Compute"))
        {
            continue;
        }
        let usage = sku.category.as_ref().and_then(|c| c.usage_type.as_deref());
        let Some((item, spot)) = classify(&sku.description, usage) else {
            continue;
        };
        let Some(price) = unit_price(sku).filter(|p| p.is_finite() && *p >= 0.0) else {
            continue;
        };
        for region in &sku.service_regions {
            prices.insert((item.clone(), spot, region.clone()), price);
        }
    }
    let mut regions: Vec<String> = prices.keys().map(|(_, _, r)| r.clone()).collect();
    regions.sort();
    regions.dedup();
    let mut offers = Vec::new();
    for machine in MACHINES {
        let series = machine.series.to_ascii_lowercase();
        let gpu_item = Item::Gpu(gpu_key(machine.gpu_sku));
        for spot in [false, true] {
            if (spot && !q.wants_spot()) || (!spot && !q.wants_on_demand()) {
                continue;
            }
            for region in &regions {
                let get = |item: Item| prices.get(&(item, spot, region.clone())).copied();
                let (Some(core), Some(ram), Some(gpu)) = (
                    get(Item::Core(series.clone())),
                    get(Item::Ram(series.clone())),
                    get(gpu_item.clone()),
                ) else {
                    continue;
                };
                let price = f64::from(machine.vcpus) * core
                    + machine.ram_gb * ram
                    + f64::from(machine.gpus) * gpu;
                let price = (price * 10_000.0).round() / 10_000.0;
                if !http::sane_price(price) {
                    continue;
                }
                let g = canonical(machine.gpu);
                offers.push(Offer {
                    provider: ID.to_string(),
                    offer_id: format!(
                        "{ID}:{}@{region}{}",
                        machine.name,
                        if spot { ":spot" } else { "" }
                    ),
                    instance_type: machine.name.to_string(),
                    gpu: g.family,
                    gpu_variant: g.variant,
                    gpu_memory_gb: g.memory_gb,
                    gpu_count: machine.gpus,
                    gpu_fraction: None,
                    vcpus: Some(machine.vcpus),
                    memory_gb: Some(machine.ram_gb),
                    disk_gb: None,
                    region: http::region(region),
                    spot,
                    price_per_hour_usd: price,
                    price_per_gpu_hour_usd: per_gpu(price, machine.gpus),
                    available: None,
                    stock: None,
                    source: Source::Live,
                    as_of: as_of.to_string(),
                    source_url: source_url.to_string(),
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

/// Machine families (`a2-ultragpu`, ...) that should compose from the catalog but yielded no
/// offer: a SKU Google renamed would otherwise make them vanish without a word.
fn missing_families(offers: &[Offer], q: &OfferQuery) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for m in MACHINES {
        let family = m.name.rsplit_once('-').map_or(m.name, |(f, _)| f);
        if seen.contains(&family) {
            continue;
        }
        seen.push(family);
        let g = canonical(m.gpu);
        if !q.gpus.is_empty()
            && !q
                .gpus
                .iter()
                .any(|f| f.matches(&g.family, g.variant.as_deref(), g.memory_gb))
        {
            continue;
        }
        let found = offers.iter().any(|o| {
            o.instance_type.starts_with(family)
                && ((!o.spot && q.wants_on_demand()) || (o.spot && q.wants_spot()))
        });
        if !found {
            out.push(format!(
                "no `{family}` prices: the catalog lacked a `{} Instance Core`, `{} Instance Ram` or `{}` GPU SKU in a common region",
                m.series,
                m.series,
                gpu_key(m.gpu_sku)
            ));
        }
    }
    out
}

/// The offers one SKU page composes (for fuzzing).
#[cfg(test)]
pub(crate) fn parse_offers(body: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    let page: api::Page = http::parse_json(ID, SKUS, body)?;
    let skus = http::readable(ID, SKUS, page.skus, "SKUs", &mut Vec::new())?;
    Ok(to_offers(
        skus,
        &OfferQuery::default(),
        "https://fuzz",
        "2026-01-01T00:00:00Z",
    ))
}

#[async_trait::async_trait]
impl Provider for Gcp {
    fn id(&self) -> &'static str {
        ID
    }

    async fn offers(&self, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError> {
        let base = format!(
            "{}?currencyCode=USD&pageSize=5000",
            http::join(&self.base_url, SKUS)
        );
        let mut skus = Vec::new();
        let mut token = String::new();
        for _ in 0..MAX_PAGES {
            let url = if token.is_empty() {
                base.clone()
            } else {
                format!("{base}&pageToken={token}")
            };
            let mut req = Request::get(&url);
            req.headers
                .push(("x-goog-api-key", self.key.expose().to_string()));
            let resp = self.http.send(ID, &req).await?;
            if !resp.is_success() {
                return Err(error_from(resp.status, &resp.body));
            }
            let page: api::Page = http::parse_json(ID, SKUS, &resp.body)?;
            skus.extend(page.skus);
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(t)
                    if t.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_=".contains(c)) =>
                {
                    token = t
                }
                _ => break,
            }
        }
        let mut gaps = Vec::new();
        let skus = http::readable(ID, SKUS, skus, "SKUs", &mut gaps)?;
        let offers = to_offers(skus, q, &http::redact_url(&base), &now_rfc3339());
        gaps.extend(missing_families(&offers, q));
        *self.gaps.lock().unwrap_or_else(|e| e.into_inner()) = gaps;
        Ok(offers)
    }

    fn gaps(&self) -> Vec<String> {
        self.gaps.lock().map(|g| g.clone()).unwrap_or_default()
    }
}

/// Google API errors: `{"error": {"code", "message", "status"}}`.
fn error_from(status: u16, body: &[u8]) -> ProviderError {
    let detail = serde_json::from_slice::<api::ErrorBody>(body)
        .ok()
        .map(|b| b.error.message)
        .unwrap_or_else(|| http::snippet(body));
    let mut e = http::status_error(ID, status, Some(detail.clone()));
    // An invalid key is a 400 with status INVALID_ARGUMENT and this text.
    if status == 400 && detail.to_ascii_lowercase().contains("api key not valid") {
        e.kind = ErrorKind::Auth;
    }
    e
}

#[cfg(test)]
mod tests;
