//! Oracle Cloud (OCI): two public, keyless documents. Oracle's price list
//! (`GET /pls/apex/cetools/api/v1/products/?currencyCode=USD` on apexapps.oracle.com) prices
//! each part; the Cost Estimator's shape list (`shapes.json` on www.oracle.com) says which part
//! and how many GPUs each shape has. A GPU shape costs its part's price ("GPU Per Hour") times
//! its GPU count, the same in every commercial region; shapes that allow preemptible capacity
//! are also offered as spot at half price (OCI's documented preemptible discount). Licence
//! parts never appear in a shape, so they never become offers. There is no capacity signal
//! without a tenancy.

mod api;

use std::collections::HashMap;

use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::offer::{now_rfc3339, per_gpu, Offer, Source};
use crate::{Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "oci";
const PRODUCTS: &str = "/pls/apex/cetools/api/v1/products/";
const SHAPES_PATH: &str = "/a/ocom/docs/cloudestimator2/data/shapes.json";
const DEFAULT_BASE: &str = "https://apexapps.oracle.com";
const DEFAULT_SHAPES_URL: &str =
    "https://www.oracle.com/a/ocom/docs/cloudestimator2/data/shapes.json";
/// OCI preemptible capacity is billed at 50% of on-demand.
const PREEMPTIBLE_FACTOR: f64 = 0.5;

pub const ENTRY: ProviderEntry = ProviderEntry {
    id: ID,
    name: "Oracle Cloud Infrastructure",
    key_env: "", // keyless: the price list and the Cost Estimator take no key
    default_base_url: DEFAULT_BASE,
    docs_url: "https://www.oracle.com/cloud/price-list/",
    capabilities: Capabilities {
        live_offers: true,
        offers_need_key: false,
        spot: true,
        launch: false,
        expires_itself: false,
    },
    settings: &["shapes_url"],
    settings_env: &[],
    build,
};

struct Oci {
    base_url: String,
    shapes_url: String,
    http: Http,
    gaps: std::sync::Mutex<Vec<String>>,
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    let shapes_url = match ctx.settings.get("shapes_url") {
        Some(v) => v.as_str().map(str::to_string).ok_or_else(|| {
            ProviderError::new(ID, ErrorKind::Invalid, "`shapes_url` must be a string")
        })?,
        // A base URL pointed elsewhere (a gateway, a test) serves both documents.
        None if ctx.base_url.trim_end_matches('/') != DEFAULT_BASE => {
            http::join(&ctx.base_url, SHAPES_PATH)
        }
        None => DEFAULT_SHAPES_URL.to_string(),
    };
    Ok(Box::new(Oci {
        base_url: ctx.base_url,
        shapes_url,
        http: ctx.http,
        gaps: Default::default(),
    }))
}

/// vCPUs per OCPU: one on the Arm (Grace) CPUs of the GB200/GB300 superchips, two on x86.
/// `processorType` cannot tell: it holds the GPU's architecture (`blackwell`), or a wrong `arm`
/// on A100 shapes.
fn vcpus_per_ocpu(shape: &str) -> f64 {
    if shape.contains(".GB200.") || shape.contains(".GB300.") {
        1.0
    } else {
        2.0
    }
}

/// Data-sheet memory per GPU of the families whose shapes OCI describes inconsistently, to read
/// `gpuMemoryQty` by (NVIDIA GB300 NVL72: 21 TB for 72 GPUs; GB200 NVL72: 13.4 TB for 72; HGX
/// B300: 2.3 TB for 8; AMD Instinct MI355X: 288 GB).
const DATASHEET_MEMORY_GB: &[(&str, f64)] = &[
    ("GB300", 288.0),
    ("GB200", 186.0),
    ("B300", 288.0),
    ("MI355X", 288.0),
];

/// One GPU's memory from `gpuMemoryQty`, which is the shape's total for most shapes (640 for 8
/// H100s) and one GPU's for others (288 for each MI355X, 278 for each GB300). Where the family's
/// memory is known, the reading closer to it wins; otherwise a quotient too small for any such
/// GPU means the value was per GPU.
fn per_gpu_memory(qty: Option<f64>, count: u32, reference: Option<f64>) -> Option<f64> {
    let qty = qty.filter(|q| q.is_finite() && *q > 0.0)?;
    let per = qty / f64::from(count.max(1));
    let per_gpu_given = match reference {
        Some(m) => (qty - m).abs() < (per - m).abs(),
        None => per < 48.0 && qty >= 80.0,
    };
    Some(if per_gpu_given { qty } else { per }.round())
}

fn reference_memory(gpu: &str) -> Option<f64> {
    DATASHEET_MEMORY_GB
        .iter()
        .find(|(g, _)| *g == gpu)
        .map(|(_, m)| *m)
}

/// `BM.GPU.H100.8` -> GPU name; `BM.GPU4.8` (A100 40 GB), `BM.GPU.A100-v2.8` (A100 80 GB) and the
/// other legacy names are spelled out here.
fn gpu_of(shape: &str) -> Option<(String, Option<f64>)> {
    let parts: Vec<&str> = shape.split('.').collect();
    let family = parts.get(1)?;
    let named = |n: &str, mem: Option<f64>| Some((n.to_string(), mem));
    match (*family, parts.get(2).copied()) {
        ("GPU2", _) => named("P100", Some(16.0)),
        ("GPU3", _) => named("V100", Some(16.0)),
        ("GPU4", _) => named("A100", Some(40.0)),
        ("GPU", Some("A100-v2")) => named("A100", Some(80.0)),
        ("GPU", Some("RTXPRO")) => named("RTX PRO 6000", Some(96.0)),
        ("GPU", Some(model)) if parts.len() == 4 => {
            let g = canonical(model);
            g.known.then_some((g.family, g.memory_gb))
        }
        _ => None,
    }
}

#[async_trait::async_trait]
impl Provider for Oci {
    fn id(&self) -> &'static str {
        ID
    }

    fn gaps(&self) -> Vec<String> {
        self.gaps.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    async fn offers(&self, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError> {
        // Both at once: neither depends on the other.
        let url = format!("{}?currencyCode=USD", http::join(&self.base_url, PRODUCTS));
        let products_req = Request::get(&url);
        let shapes_req = Request::get(&self.shapes_url);
        let (products, shapes) = tokio::join!(
            self.http.send(ID, &products_req),
            self.http.send(ID, &shapes_req)
        );
        let resp = products?;
        if !resp.is_success() {
            return Err(http::status_error(ID, resp.status, Some(resp.snippet())));
        }
        let products: api::Products = http::parse_json(ID, PRODUCTS, &resp.body)?;
        let resp = shapes?;
        if !resp.is_success() {
            return Err(http::status_error(ID, resp.status, Some(resp.snippet())));
        }
        let shapes: api::Shapes = http::parse_json(ID, "shapes.json", &resp.body)?;
        let mut gaps = Vec::new();
        let (products, shapes) = readable(products, shapes, &mut gaps)?;
        *self.gaps.lock().unwrap_or_else(|e| e.into_inner()) = gaps;
        Ok(to_offers(
            &products,
            shapes,
            q,
            &http::redact_url(&url),
            &now_rfc3339(),
        ))
    }
}

/// GPU shapes priced by their OCPU part (per GPU), with a preemptible twin where allowed.
/// The products and shapes that could be read, each on its own; the others are said in `gaps`.
/// A shape whose part's price was unreadable is left out, never priced without it.
fn readable(
    products: api::Products,
    shapes: api::Shapes,
    gaps: &mut Vec<String>,
) -> Result<(Vec<api::Product>, Vec<api::Shape>), ProviderError> {
    Ok((
        http::readable(ID, PRODUCTS, products.items, "price list items", gaps)?,
        http::readable(ID, "shapes.json", shapes.items, "shapes", gaps)?,
    ))
}

fn to_offers(
    products: &[api::Product],
    shapes: Vec<api::Shape>,
    q: &OfferQuery,
    source: &str,
    as_of: &str,
) -> Vec<Offer> {
    let prices: HashMap<&str, f64> = products
        .iter()
        .filter_map(|p| {
            let usd = p
                .currency_code_localizations
                .iter()
                .find(|c| c.currency_code == "USD")?;
            let price = usd
                .prices
                .iter()
                .find(|x| x.model == "PAY_AS_YOU_GO")?
                .value?;
            Some((p.part_number.as_str(), price))
        })
        .collect();
    let mut offers = Vec::new();
    for s in shapes {
        let is_gpu = s.sub_type.as_ref().is_some_and(|t| t.value == "gpu");
        let count = s.gpu_qty.unwrap_or(0.0) as u32;
        if !is_gpu || s.hidden.unwrap_or(false) || count == 0 {
            continue;
        }
        // The estimator's display form `BM.GPU.GB200.4 (NVL72)`: the shape is the first word.
        let name = s
            .name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        let Some((gpu, memory)) = gpu_of(&name) else {
            continue;
        };
        // The answer's own figure first; the name's (or the family's) only when it gives none.
        let reference = memory.or_else(|| reference_memory(&gpu));
        let memory = per_gpu_memory(s.gpu_memory_qty, count, reference).or(memory);
        let Some(part) = s
            .products
            .iter()
            .find(|p| p.kind.as_ref().is_some_and(|t| t.value == "ocpu"))
        else {
            continue;
        };
        let Some(per_gpu_price) = prices
            .get(part.part_number.as_str())
            .copied()
            .filter(|p| http::sane_price(*p))
        else {
            continue;
        };
        let g = canonical(&gpu);
        let price = per_gpu_price * f64::from(count);
        let base = Offer {
            provider: ID.to_string(),
            offer_id: format!("{ID}:{name}"),
            instance_type: name.clone(),
            gpu: g.family.clone(),
            gpu_variant: g.variant.clone(),
            gpu_memory_gb: memory.or(g.memory_gb),
            gpu_count: count,
            gpu_fraction: None,
            vcpus: part.qty.map(|o| (o * vcpus_per_ocpu(&name)) as u32),
            memory_gb: s.bundle_memory_qty,
            disk_gb: None,
            region: "any".to_string(),
            spot: false,
            price_per_hour_usd: price,
            price_per_gpu_hour_usd: per_gpu(price, count),
            available: None,
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
        };
        if s.allow_preemptible.unwrap_or(false) && q.wants_spot() {
            let spot_price = price * PREEMPTIBLE_FACTOR;
            offers.push(Offer {
                offer_id: format!("{ID}:{name}:spot"),
                spot: true,
                price_per_hour_usd: spot_price,
                price_per_gpu_hour_usd: per_gpu(spot_price, count),
                ..base.clone()
            });
        }
        if q.wants_on_demand() {
            offers.push(base);
        }
    }
    offers
}

/// Offers from a price list and a shape list as they arrived (for fuzzing).
#[cfg(test)]
fn parse_pair(products: &[u8], shapes: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    let products: api::Products = http::parse_json(ID, PRODUCTS, products)?;
    let shapes: api::Shapes = http::parse_json(ID, "shapes.json", shapes)?;
    let (products, shapes) = readable(products, shapes, &mut Vec::new())?;
    let q = OfferQuery::default();
    Ok(to_offers(
        &products,
        shapes,
        &q,
        "https://fuzz",
        "2026-01-01T00:00:00Z",
    ))
}

/// A fuzzed price list with the real shape list.
#[cfg(test)]
pub(crate) fn parse_products(body: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    parse_pair(body, include_bytes!("fixtures/shapes.json"))
}

/// The real price list with a fuzzed shape list.
#[cfg(test)]
pub(crate) fn parse_shapes(body: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    parse_pair(include_bytes!("fixtures/products.json"), body)
}

#[cfg(test)]
mod tests;
