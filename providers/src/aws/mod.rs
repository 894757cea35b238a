//! Amazon Web Services, with the account's own credentials (SigV4-signed):
//! - on-demand prices from the Price List Query API (`GetProducts` on
//!   `api.pricing.us-east-1.amazonaws.com`, filtered server-side to Linux, shared-tenancy GPU
//!   instances of one region, 100 products a page), never the 480 MB bulk offer file;
//! - spot prices from EC2 `DescribeSpotPriceHistory` in each region (the price in effect now,
//!   per availability zone, for the GPU types the price list names).
//!
//! `gpu up`, `ls` and `down` rent on EC2 itself: see [`launch`].
//!
//! Regions default to [`DEFAULT_REGIONS`]; `regions = [...]` under `[providers.aws]` changes
//! them. Spot prices need `ec2:DescribeSpotPriceHistory`; when EC2 refuses, on-demand offers
//! are still returned. Docs:
//! <https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html>,
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSpotPriceHistory.html>.

mod api;
mod keys;
mod launch;
pub mod sigv4;
mod xml;

use std::collections::HashMap;

use serde_json::json;

use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::offer::{now_rfc3339, per_gpu, Offer, Source};
use crate::secret::Secret;
use crate::{Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "aws";
const DEFAULT_BASE_URL: &str = "https://api.pricing.us-east-1.amazonaws.com";
/// The Price List Query API is served from us-east-1 and signed for it.
const PRICING_REGION: &str = "us-east-1";
const GET_PRODUCTS: &str = "AWSPriceListService.GetProducts";
const EC2_VERSION: &str = "2016-11-15";
/// The US and European regions where AWS lists its large GPU instances (p5, p5en, p4d) and
/// which every account has enabled; `regions = [...]` asks others.
pub(crate) const DEFAULT_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-north-1",
];
const MAX_PAGES: usize = 20;
/// Hours in the month AWS prices EBS by (its pricing calculator's 730).
const HOURS_PER_MONTH: f64 = 730.0;

pub const ENTRY: ProviderEntry = ProviderEntry {
    id: ID,
    name: "Amazon Web Services",
    key_env: "AWS_SECRET_ACCESS_KEY",
    default_base_url: DEFAULT_BASE_URL,
    docs_url: "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html",
    capabilities: Capabilities {
        live_offers: true,
        offers_need_key: true,
        spot: true,
        launch: true,
        expires_itself: true,
    },
    settings: &[
        "access_key_id",
        "session_token",
        "regions",
        "ssh_cidr",
        "checkip_url",
    ],
    settings_env: &[
        ("AWS_ACCESS_KEY_ID", "access_key_id"),
        ("AWS_SESSION_TOKEN", "session_token"),
    ],
    build,
};

/// Instance family -> the GPU it carries (AWS's price list counts GPUs but does not name them).
/// Families with fractional GPUs (g6f, gr6f) or non-NVIDIA data-centre parts are left out.
pub(crate) const FAMILIES: &[(&str, &str)] = &[
    ("p6-b200", "B200"),
    ("p5en", "H200 SXM 141GB"),
    ("p5e", "H200 SXM 141GB"),
    ("p5", "H100 SXM 80GB"),
    ("p4de", "A100 SXM 80GB"),
    ("p4d", "A100 SXM 40GB"),
    ("p3dn", "V100 SXM 32GB"),
    ("p3", "V100 SXM 16GB"),
    ("g6e", "L40S"),
    ("g6", "L4"),
    ("gr6", "L4"),
    ("g5", "A10G"),
    ("g4dn", "T4"),
];

fn gpu_of(instance_type: &str) -> Option<&'static str> {
    let family = instance_type.split('.').next()?;
    FAMILIES
        .iter()
        .find(|(f, _)| *f == family)
        .map(|(_, gpu)| *gpu)
}

struct Aws {
    creds: sigv4::Credentials,
    base_url: String,
    /// `None`: the real per-region EC2 endpoints; `Some`: everything goes to the override.
    ec2_override: Option<String>,
    regions: Vec<String>,
    http: Http,
    /// What failed in the last `offers` call while other parts answered.
    gaps: std::sync::Mutex<Vec<String>>,
    /// Where SSH to launched instances may come from (`ssh_cidr`); `None`: this machine's
    /// public address, as `checkip_url` answers it.
    ssh_cidr: Option<String>,
    checkip_url: String,
}

fn setting_str(ctx: &ProviderContext, key: &str) -> Result<Option<String>, ProviderError> {
    match ctx.settings.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
        Some(_) => Err(ProviderError::new(
            ID,
            ErrorKind::Invalid,
            format!("`{key}` must be a non-empty string"),
        )),
    }
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    let regions = match ctx.settings.get("regions") {
        None => DEFAULT_REGIONS.iter().map(|r| r.to_string()).collect(),
        Some(toml::Value::Array(items)) => {
            let regions: Vec<String> = items
                .iter()
                .filter_map(|v| v.as_str())
                .map(str::to_string)
                .filter(|r| {
                    !r.is_empty()
                        && r.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                })
                .collect();
            if regions.is_empty() || regions.len() != items.len() {
                return Err(ProviderError::new(
                    ID,
                    ErrorKind::Invalid,
                    "`regions` must list region codes, e.g. [\"us-east-1\", \"eu-west-1\"]",
                ));
            }
            regions
        }
        Some(_) => {
            return Err(ProviderError::new(
                ID,
                ErrorKind::Invalid,
                "`regions` must be a list of region codes, e.g. [\"us-east-1\"]",
            ))
        }
    };
    let ssh_cidr = setting_str(&ctx, "ssh_cidr")?;
    if let Some(c) = &ssh_cidr {
        let ok = c.split_once('/').is_some_and(|(ip, bits)| {
            ip.parse::<std::net::IpAddr>().is_ok() && bits.parse::<u8>().is_ok_and(|b| b <= 128)
        });
        if !ok {
            return Err(ProviderError::new(
                ID,
                ErrorKind::Invalid,
                format!(
                    "`ssh_cidr` must be an address range such as \"203.0.113.7/32\", not `{c}`"
                ),
            ));
        }
    }
    let checkip_url =
        setting_str(&ctx, "checkip_url")?.unwrap_or_else(|| launch::DEFAULT_CHECKIP.to_string());
    let access_key_id = setting_str(&ctx, "access_key_id")?;
    let session_token = setting_str(&ctx, "session_token")?.map(Secret::new);
    let (Some(secret), Some(access_key_id)) = (ctx.api_key, access_key_id) else {
        return Err(ProviderError::new(
            ID,
            ErrorKind::NotConfigured,
            "`aws` needs an access key: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \
             (or `access_key_id` and `api_key` under `[providers.aws]`)",
        ));
    };
    let ec2_override = (ctx.base_url != DEFAULT_BASE_URL).then(|| ctx.base_url.clone());
    Ok(Box::new(Aws {
        creds: sigv4::Credentials {
            access_key_id,
            secret,
            session_token,
        },
        base_url: ctx.base_url,
        ec2_override,
        regions,
        http: ctx.http,
        gaps: Default::default(),
        ssh_cidr,
        checkip_url,
    }))
}

/// `host[:port]` as the HTTP client will send it in the `Host` header.
fn host_of(url: &str) -> Result<String, ProviderError> {
    let u = reqwest::Url::parse(url).map_err(|_| {
        ProviderError::new(
            ID,
            ErrorKind::Invalid,
            format!("not a URL: {}", http::redact_url(url)),
        )
    })?;
    let host = u.host_str().unwrap_or_default();
    Ok(match u.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// What the price list says of one instance type in one region.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    pub instance_type: String,
    pub region: String,
    pub gpu: &'static str,
    pub gpus: u32,
    pub vcpus: Option<u32>,
    pub memory_gb: Option<f64>,
    /// On-demand USD per hour.
    pub price: Option<f64>,
}

/// Read `GetProducts` entries: GPU instance types AWS prices by the hour in USD.
pub(crate) fn shapes(price_list: &[String]) -> (Vec<Shape>, usize) {
    let mut out = Vec::new();
    let mut unreadable = 0;
    for raw in price_list {
        let Ok(p) = serde_json::from_str::<api::Product>(raw) else {
            unreadable += 1;
            continue;
        };
        let a = p.product.attributes;
        let Some(gpu) = gpu_of(&a.instance_type) else {
            continue;
        };
        let Some(gpus) = a
            .gpu
            .as_deref()
            .and_then(|g| g.trim().parse::<u32>().ok())
            .filter(|g| *g > 0)
        else {
            continue;
        };
        let Some(region) = a.region_code.filter(|r| !r.is_empty()) else {
            continue;
        };
        let price = p
            .terms
            .on_demand
            .values()
            .flat_map(|t| t.price_dimensions.values())
            .filter(|d| d.unit == "Hrs")
            .filter_map(|d| d.price_per_unit.get("USD"))
            .filter_map(|usd| usd.trim().parse::<f64>().ok())
            .find(|p| http::sane_price(*p));
        out.push(Shape {
            instance_type: a.instance_type,
            region,
            gpu,
            gpus,
            vcpus: a.vcpu.and_then(|v| v.trim().parse().ok()),
            memory_gb: a
                .memory
                .as_deref()
                .and_then(|m| m.split_whitespace().next())
                .and_then(|m| m.replace(',', "").parse().ok()),
            price,
        });
    }
    (out, unreadable)
}

fn offer(shape: &Shape, zone: Option<&str>, price: f64, as_of: &str, source_url: &str) -> Offer {
    let g = canonical(shape.gpu);
    let spot = zone.is_some();
    let place = zone.unwrap_or(&shape.region);
    Offer {
        provider: ID.to_string(),
        offer_id: format!(
            "{ID}:{}@{place}{}",
            shape.instance_type,
            if spot { ":spot" } else { "" }
        ),
        instance_type: shape.instance_type.clone(),
        gpu: g.family,
        gpu_variant: g.variant,
        gpu_memory_gb: g.memory_gb,
        gpu_count: shape.gpus,
        gpu_fraction: None,
        vcpus: shape.vcpus,
        memory_gb: shape.memory_gb,
        disk_gb: None,
        region: http::region(place),
        spot,
        price_per_hour_usd: price,
        price_per_gpu_hour_usd: per_gpu(price, shape.gpus),
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
    }
}

/// Spot offers: the newest price per (zone, type), for the shapes the price list described.
pub(crate) fn spot_offers(
    shapes: &[Shape],
    prices: Vec<api::SpotPrice>,
    as_of: &str,
    source_url: &str,
) -> Vec<Offer> {
    let mut newest: HashMap<(String, String), api::SpotPrice> = HashMap::new();
    for p in prices {
        let key = (p.zone.clone(), p.instance_type.clone());
        match newest.get(&key) {
            Some(seen) if seen.timestamp >= p.timestamp => {}
            _ => {
                newest.insert(key, p);
            }
        }
    }
    let mut out: Vec<Offer> = newest
        .values()
        .filter_map(|p| {
            let shape = shapes.iter().find(|s| s.instance_type == p.instance_type)?;
            let price: f64 = p
                .price
                .trim()
                .parse()
                .ok()
                .filter(|v| http::sane_price(*v))?;
            (!p.zone.is_empty()).then(|| offer(shape, Some(&p.zone), price, as_of, source_url))
        })
        .collect();
    out.sort_by(|a, b| a.offer_id.cmp(&b.offer_id));
    out
}

/// A `GetProducts` page as on-demand offers: the parser the fuzz tests drive.
#[cfg(test)]
pub(crate) fn parse_offers(body: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    let page: api::ProductsPage = http::parse_json(ID, "GetProducts", body)?;
    let (shapes, _) = shapes(&page.price_list);
    let as_of = now_rfc3339();
    Ok(shapes
        .iter()
        .filter_map(|s| s.price.map(|p| offer(s, None, p, &as_of, DEFAULT_BASE_URL)))
        .collect())
}

/// A `DescribeSpotPriceHistory` answer as spot offers for the shapes of the test fixture.
#[cfg(test)]
pub(crate) fn parse_spot_offers(body: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    let fixture: api::ProductsPage =
        serde_json::from_str(include_str!("fixtures/products-page-1.json"))
            .map_err(|e| ProviderError::new(ID, ErrorKind::BadResponse, e.to_string()))?;
    let (shapes, _) = shapes(&fixture.price_list);
    let page =
        api::parse_spot(body).map_err(|e| ProviderError::new(ID, ErrorKind::BadResponse, e))?;
    Ok(spot_offers(
        &shapes,
        page.prices,
        &now_rfc3339(),
        "https://ec2.us-east-1.amazonaws.com/",
    ))
}

impl Aws {
    fn ec2_base(&self, region: &str) -> String {
        match &self.ec2_override {
            Some(b) => b.clone(),
            None => format!("https://ec2.{region}.amazonaws.com"),
        }
    }

    /// Sign `req` for `service` in `region`. Its URL's query, if any, must already be in
    /// canonical form (see [`sigv4::canonical_query`]); `extra` are headers to sign and send.
    fn signed(
        &self,
        mut req: Request<'static>,
        region: &str,
        service: &str,
        extra: &[(&'static str, String)],
    ) -> Result<Request<'static>, ProviderError> {
        let host = host_of(&req.url)?;
        let query = req.url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let body_text = match (&req.json_body, &req.form_body) {
            (Some(b), _) => b.to_string(),
            (None, Some(f)) => f.clone(),
            (None, None) => String::new(),
        };
        let amz_date = sigv4::amz_date_now();
        let headers = sigv4::sign(
            &self.creds,
            &sigv4::ToSign {
                method: req.method.as_str(),
                host: &host,
                path: "/",
                query,
                headers: extra,
                body: body_text.as_bytes(),
                region,
                service,
                amz_date: &amz_date,
            },
        );
        // The HTTP client writes the content type itself, from this (JSON bodies only).
        if req.json_body.is_some() {
            req.content_type = Some("application/x-amz-json-1.1");
        }
        req.headers
            .extend(extra.iter().filter(|(k, _)| *k != "content-type").cloned());
        req.headers.extend(headers);
        Ok(req)
    }

    /// One signed `GetProducts` page.
    async fn get_products(
        &self,
        url: &str,
        body: serde_json::Value,
    ) -> Result<api::ProductsPage, ProviderError> {
        let req = self.signed(
            Request::post_json(url.to_string(), body),
            PRICING_REGION,
            "pricing",
            &[
                ("content-type", "application/x-amz-json-1.1".into()),
                ("x-amz-target", GET_PRODUCTS.into()),
            ],
        )?;
        let resp = self.http.send(ID, &req).await?;
        if !resp.is_success() {
            return Err(json_error(resp.status, &resp.body));
        }
        http::parse_json(ID, "GetProducts", &resp.body)
    }

    /// Every GPU instance type the price list has for one region.
    async fn region_shapes(&self, region: &str) -> Result<Vec<Shape>, ProviderError> {
        let url = http::join(&self.base_url, "/");
        let mut all = Vec::new();
        let mut unreadable = 0;
        let mut entries = 0;
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut body = json!({
                "ServiceCode": "AmazonEC2",
                "FormatVersion": "aws_v1",
                "MaxResults": 100,
                "Filters": [
                    {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
                    {"Type": "TERM_MATCH", "Field": "instanceFamily", "Value": "GPU instance"},
                    {"Type": "TERM_MATCH", "Field": "operatingSystem", "Value": "Linux"},
                    {"Type": "TERM_MATCH", "Field": "tenancy", "Value": "Shared"},
                    {"Type": "TERM_MATCH", "Field": "preInstalledSw", "Value": "NA"},
                    {"Type": "TERM_MATCH", "Field": "capacitystatus", "Value": "Used"},
                    {"Type": "TERM_MATCH", "Field": "marketoption", "Value": "OnDemand"},
                ],
            });
            if let Some(t) = &token {
                body["NextToken"] = json!(t);
            }
            let page = self.get_products(&url, body).await?;
            entries += page.price_list.len();
            let (shapes, bad) = shapes(&page.price_list);
            unreadable += bad;
            all.extend(shapes);
            match page.next_token.filter(|t| !t.is_empty()) {
                Some(t) if token.as_deref() != Some(&t) => token = Some(t),
                _ => break,
            }
        }
        if entries > 0 && unreadable == entries {
            return Err(ProviderError::new(
                ID,
                ErrorKind::BadResponse,
                "no `GetProducts` PriceList entry could be read",
            ));
        }
        Ok(all)
    }

    /// Current spot prices in one region for the given instance types.
    async fn region_spot(
        &self,
        region: &str,
        types: &[String],
    ) -> Result<Vec<api::SpotPrice>, ProviderError> {
        let base = self.ec2_base(region);
        let start = now_rfc3339();
        let mut prices = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut pairs: Vec<(&str, String)> = vec![
                ("Action", "DescribeSpotPriceHistory".into()),
                ("Version", EC2_VERSION.into()),
                ("ProductDescription.1", "Linux/UNIX".into()),
                // Start = end = now: AWS answers with the price in effect at that moment
                // (the last change before it), per zone and type.
                ("StartTime", start.clone()),
                ("EndTime", start.clone()),
                ("MaxResults", "1000".into()),
            ];
            let names: Vec<String> = (1..=types.len())
                .map(|i| format!("InstanceType.{i}"))
                .collect();
            for (name, t) in names.iter().zip(types) {
                pairs.push((name.as_str(), t.clone()));
            }
            if let Some(t) = &token {
                pairs.push(("NextToken", t.clone()));
            }
            let query = sigv4::canonical_query(&pairs);
            let url = format!("{}?{query}", http::join(&base, "/"));
            let req = self.signed(Request::get(url), region, "ec2", &[])?;
            let resp = self.http.send(ID, &req).await?;
            if !resp.is_success() {
                return Err(ec2_error(resp.status, &resp.body));
            }
            let page = api::parse_spot(&resp.body).map_err(|e| {
                ProviderError::new(
                    ID,
                    ErrorKind::BadResponse,
                    format!("could not read the DescribeSpotPriceHistory response: {e}"),
                )
            })?;
            prices.extend(page.prices);
            match page.next_token {
                Some(t) if token.as_deref() != Some(&t) => token = Some(t),
                _ => break,
            }
        }
        Ok(prices)
    }

    /// What a GB-month of gp3 (the root volume `gpu up` gives an instance) costs in a
    /// region: the Price List's one `Storage` product with `volumeApiName=gp3`, in `GB-Mo`.
    async fn region_gp3(&self, region: &str) -> Result<f64, ProviderError> {
        let body = json!({
            "ServiceCode": "AmazonEC2",
            "FormatVersion": "aws_v1",
            "MaxResults": 10,
            "Filters": [
                {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
                {"Type": "TERM_MATCH", "Field": "productFamily", "Value": "Storage"},
                {"Type": "TERM_MATCH", "Field": "volumeApiName", "Value": "gp3"},
                {"Type": "TERM_MATCH", "Field": "locationType", "Value": "AWS Region"},
            ],
        });
        let page = self
            .get_products(&http::join(&self.base_url, "/"), body)
            .await?;
        let prices: Vec<f64> = page
            .price_list
            .iter()
            .filter_map(|item| serde_json::from_str::<serde_json::Value>(item).ok())
            .filter(|v| v["product"]["productFamily"] == "Storage")
            .flat_map(|v| {
                let dims: Vec<f64> = v["terms"]["OnDemand"]
                    .as_object()
                    .into_iter()
                    .flat_map(|terms| terms.values())
                    .filter_map(|t| t["priceDimensions"].as_object())
                    .flat_map(|d| d.values())
                    .filter(|d| d["unit"] == "GB-Mo")
                    .filter_map(|d| d["pricePerUnit"]["USD"].as_str()?.parse::<f64>().ok())
                    .collect();
                dims
            })
            .filter(|p| p.is_finite() && *p > 0.0)
            .collect();
        match prices.as_slice() {
            [one] => Ok(*one),
            [] => Err(ProviderError::new(
                ID,
                ErrorKind::BadResponse,
                format!("the price list has no gp3 storage price for {region}"),
            )),
            _ => Err(ProviderError::new(
                ID,
                ErrorKind::BadResponse,
                format!(
                    "the price list has {} gp3 storage prices for {region}, not one",
                    prices.len()
                ),
            )),
        }
    }

    /// One region's offers, and notes on what failed while the rest answered.
    async fn region_offers(
        &self,
        region: &str,
        q: &OfferQuery,
        as_of: &str,
    ) -> Result<(Vec<Offer>, Vec<String>), ProviderError> {
        let (shapes, gp3) = tokio::join!(self.region_shapes(region), self.region_gp3(region));
        let shapes = shapes?;
        let mut gaps = Vec::new();
        let mut offers = Vec::new();
        if q.wants_on_demand() {
            offers.extend(shapes.iter().filter_map(|s| {
                s.price
                    .map(|p| offer(s, None, p, as_of, &http::join(&self.base_url, "/")))
            }));
        }
        if q.wants_spot() && !shapes.is_empty() {
            let mut types: Vec<String> = shapes.iter().map(|s| s.instance_type.clone()).collect();
            types.sort();
            types.dedup();
            match self.region_spot(region, &types).await {
                Ok(prices) => offers.extend(spot_offers(
                    &shapes,
                    prices,
                    as_of,
                    &http::join(&self.ec2_base(region), "/"),
                )),
                // On-demand prices are still worth showing; the failure becomes a gap.
                Err(e) if q.wants_on_demand() && !offers.is_empty() => {
                    gaps.push(format!("{region} spot prices: {}", e.message));
                }
                Err(e) => return Err(e),
            }
        }
        // Every instance `gpu up` starts bills its gp3 root volume too: priced in.
        match gp3 {
            Ok(per_gb_month) => {
                let gb = q.disk_gb.unwrap_or(launch::DEFAULT_DISK_GB);
                let storage = f64::from(gb) * per_gb_month / HOURS_PER_MONTH;
                for o in &mut offers {
                    o.price_per_hour_usd += storage;
                    o.price_per_gpu_hour_usd = per_gpu(o.price_per_hour_usd, o.gpu_count);
                    o.storage_price_per_hour_usd = Some((storage * 1e6).round() / 1e6);
                    o.disk_gb = Some(f64::from(gb));
                }
            }
            Err(e) if !offers.is_empty() => gaps.push(format!(
                "{region}: the root volume's price is not in these prices ({})",
                e.message
            )),
            Err(_) => {}
        }
        Ok((offers, gaps))
    }
}

#[async_trait::async_trait]
impl Provider for Aws {
    fn id(&self) -> &'static str {
        ID
    }

    async fn offers(&self, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError> {
        let as_of = now_rfc3339();
        let results = futures_util::future::join_all(
            self.regions
                .iter()
                .map(|r| self.region_offers(r, q, &as_of)),
        )
        .await;
        let mut offers = Vec::new();
        let mut gaps = Vec::new();
        let mut failed = 0;
        let mut first_error = None;
        for (region, r) in self.regions.iter().zip(results) {
            match r {
                Ok((o, gap)) => {
                    offers.extend(o);
                    gaps.extend(gap);
                }
                Err(e) => {
                    failed += 1;
                    gaps.push(format!("{region}: {}", e.message));
                    first_error.get_or_insert(e);
                }
            }
        }
        if let Ok(mut g) = self.gaps.lock() {
            *g = gaps;
        }
        // One region failing (throttled, not enabled) does not hide the others; only when
        // every region failed is the whole answer an error.
        match first_error {
            Some(e) if failed == self.regions.len() => Err(e),
            _ => Ok(offers),
        }
    }

    fn gaps(&self) -> Vec<String> {
        self.gaps.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// Both go into the instance's cloud-init user data, after the deadline's shutdown.
    fn boot(&self) -> crate::boot::Boot {
        crate::boot::Boot {
            env: true,
            script: true,
        }
    }

    fn launch_plan(
        &self,
        req: &crate::LaunchRequest,
    ) -> Result<Vec<crate::PlannedRequest>, ProviderError> {
        self.plan(req)
    }

    async fn launch_preview(
        &self,
        req: &crate::LaunchRequest,
    ) -> Result<Vec<crate::PlannedRequest>, ProviderError> {
        self.preview(req).await
    }

    async fn launch(&self, req: &crate::LaunchRequest) -> Result<crate::Instance, ProviderError> {
        self.create(req).await
    }

    async fn instances(&self) -> Result<Vec<crate::Instance>, ProviderError> {
        self.list().await
    }

    async fn terminate(&self, id: &str) -> Result<(), ProviderError> {
        self.delete(id).await
    }
}

/// Price List API errors: JSON `{"__type", "Message"}`.
fn json_error(status: u16, body: &[u8]) -> ProviderError {
    let parsed = serde_json::from_slice::<api::JsonError>(body).ok();
    let kind_name = parsed
        .as_ref()
        .map(|e| e.kind.rsplit('#').next().unwrap_or_default().to_string())
        .unwrap_or_default();
    let detail = parsed
        .map(|e| api::one_line(&format!("{kind_name}: {}", e.message)))
        .unwrap_or_else(|| http::snippet(body));
    let mut e = http::status_error(ID, status, Some(detail));
    e.kind = aws_kind(&kind_name).unwrap_or(e.kind);
    e
}

/// EC2 errors: XML `<Response><Errors><Error><Code>`.
fn ec2_error(status: u16, body: &[u8]) -> ProviderError {
    let (code, message) = api::parse_ec2_error(body).unwrap_or_default();
    let detail = if code.is_empty() {
        http::snippet(body)
    } else {
        api::one_line(&format!("{code}: {message}"))
    };
    let mut e = http::status_error(ID, status, Some(detail));
    e.kind = aws_kind(&code).unwrap_or(e.kind);
    e
}

fn aws_kind(code: &str) -> Option<ErrorKind> {
    match code {
        "AuthFailure"
        | "UnauthorizedOperation"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "IncompleteSignatureException"
        | "AccessDeniedException"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch" => Some(ErrorKind::Auth),
        "ThrottlingException" | "RequestLimitExceeded" | "Throttling" => {
            Some(ErrorKind::RateLimited)
        }
        // No capacity here and now, or no quota left in this region for this family: another
        // offer (zone, region, type) may well launch.
        "InsufficientInstanceCapacity"
        | "InsufficientCapacity"
        | "Unsupported"
        | "UnfulfillableCapacity"
        | "SpotMaxPriceTooLow"
        | "MaxSpotInstanceCountExceeded"
        | "VcpuLimitExceeded"
        | "InstanceLimitExceeded" => Some(ErrorKind::NoCapacity),
        "InvalidInstanceID.NotFound" => Some(ErrorKind::NotFound),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
