//! Azure: the keyless Retail Prices API, `GET /api/retail/prices` with an OData `$filter`,
//! paged through `NextPageLink` (at most 1,000 items a page). The feed has prices only, so
//! GPU, vCPU and memory come from the VM-size table in `sizes.rs`; only sizes in that table are
//! asked for. Availability is not in the feed: a price in a region means the size is sold there.
//! Docs: <https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices>.

mod api;
mod sizes;

use crate::error::ProviderError;
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::offer::{now_rfc3339, per_gpu, Offer, Source, Value};
use crate::{Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "azure";
const PRICES: &str = "/api/retail/prices";
const API_VERSION: &str = "2023-01-01-preview";
/// The API refuses filters with more than about 20 comparisons; stay well below.
const SIZES_PER_QUERY: usize = 8;
const MAX_PAGES: usize = 30;

pub const ENTRY: ProviderEntry = ProviderEntry {
    id: ID,
    name: "Microsoft Azure",
    key_env: "", // keyless: the Retail Prices API takes no key
    default_base_url: "https://prices.azure.com",
    docs_url:
        "https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices",
    capabilities: Capabilities {
        live_offers: true,
        offers_need_key: false,
        spot: true,
        launch: false,
        expires_itself: false,
    },
    settings: &[],
    settings_env: &[],
    build,
};

struct Azure {
    base_url: String,
    http: Http,
    gaps: std::sync::Mutex<Vec<String>>,
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    Ok(Box::new(Azure {
        base_url: ctx.base_url,
        http: ctx.http,
        gaps: Default::default(),
    }))
}

fn filter_for(names: &[&str]) -> String {
    let sizes: Vec<String> = names
        .iter()
        .map(|n| format!("armSkuName eq '{n}'"))
        .collect();
    format!(
        "serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and ({})",
        sizes.join(" or ")
    )
}

impl Azure {
    /// Every price item for these sizes, each read on its own.
    async fn fetch(&self, names: &[&str]) -> Result<Vec<http::Item<api::Item>>, ProviderError> {
        let mut url = format!(
            "{}?api-version={API_VERSION}&$filter={}",
            http::join(&self.base_url, PRICES),
            http::percent_encode(&filter_for(names))
        );
        let mut items = Vec::new();
        for _ in 0..MAX_PAGES {
            let resp = self.http.send(ID, &Request::get(&url)).await?;
            if !resp.is_success() {
                return Err(error_from(resp.status, &resp.body));
            }
            let page: api::Page = http::parse_json(ID, PRICES, &resp.body)?;
            items.extend(page.items);
            match page.next_page_link.filter(|l| !l.is_empty()) {
                // Follow the link's path and query on our own base URL, so a gateway or a
                // test server configured as `base_url` is never bypassed.
                Some(link) => url = rebase(&self.base_url, &link),
                None => break,
            }
        }
        Ok(items)
    }
}

fn rebase(base: &str, link: &str) -> String {
    match reqwest::Url::parse(link) {
        Ok(u) => {
            let mut s = http::join(base, u.path());
            if let Some(q) = u.query() {
                s.push('?');
                s.push_str(q);
            }
            s
        }
        Err(_) => http::join(base, link),
    }
}

#[async_trait::async_trait]
impl Provider for Azure {
    fn id(&self) -> &'static str {
        ID
    }

    fn gaps(&self) -> Vec<String> {
        self.gaps.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    async fn offers(&self, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError> {
        let wanted: Vec<&str> = sizes::SIZES
            .iter()
            .filter(|s| {
                let g = canonical(s.gpu);
                q.gpus.is_empty()
                    || q.gpus
                        .iter()
                        .any(|f| f.matches(&g.family, g.variant.as_deref(), Some(s.gpu_memory_gb)))
            })
            .map(|s| s.name)
            .collect();
        let mut tasks = tokio::task::JoinSet::new();
        for chunk in wanted.chunks(SIZES_PER_QUERY) {
            let me = Azure {
                base_url: self.base_url.clone(),
                http: self.http.clone(),
                gaps: Default::default(),
            };
            let chunk: Vec<&'static str> = chunk.to_vec();
            tasks.spawn(async move { me.fetch(&chunk).await });
        }
        let mut items = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            let page = joined.map_err(|e| {
                ProviderError::new(
                    ID,
                    crate::ErrorKind::BadResponse,
                    format!("internal error: {e}"),
                )
            })?;
            items.extend(page?);
        }
        let mut gaps = Vec::new();
        let items = http::readable(ID, PRICES, items, "price items", &mut gaps)?;
        *self.gaps.lock().unwrap_or_else(|e| e.into_inner()) = gaps;
        let source_url = http::redact_url(&http::join(&self.base_url, PRICES));
        let mut offers = to_offers(items, &source_url, &now_rfc3339());
        offers.sort_by(|a, b| a.offer_id.cmp(&b.offer_id));
        Ok(offers)
    }
}

/// Whether a meter prices a Linux VM anyone can rent by the hour: not Windows (`... Windows`,
/// or shortened `... Srs Win`), not Cloud Services or dedicated hosts.
fn linux_vm(product_name: &str) -> bool {
    let windows = product_name.contains("Windows")
        || product_name.ends_with(" Win")
        || product_name.contains(" Win ");
    let other = ["Cloud Services", "CloudServices", "Dedicated"]
        .iter()
        .any(|p| product_name.contains(p));
    !windows && !other
}

fn to_offers(items: Vec<api::Item>, source_url: &str, as_of: &str) -> Vec<Offer> {
    // Per offer id the meter that prices it: the primary meter region first, then the newest
    // effective date, then the lowest price.
    type Rank = (bool, String, std::cmp::Reverse<u64>);
    let mut best: std::collections::BTreeMap<String, (Rank, Offer)> = Default::default();
    for item in items {
        let Some(size) = sizes::SIZES.iter().find(|s| s.name == item.arm_sku_name) else {
            continue;
        };
        let linux = linux_vm(&item.product_name) && !item.arm_region_name.is_empty();
        let low_priority =
            item.meter_name.contains("Low Priority") || item.sku_name.contains("Low Priority");
        // Reservations also say "1 Hour" but carry the whole term's price; DevTest is not for
        // everyone.
        let consumption = item.kind.as_deref() == Some("Consumption");
        let hourly = item.unit_of_measure == "1 Hour";
        let usd = item.currency_code.as_deref().unwrap_or("USD") == "USD";
        if !linux
            || low_priority
            || !consumption
            || !hourly
            || !usd
            || !http::sane_price(item.retail_price)
        {
            continue;
        }
        let spot = item.sku_name.ends_with(" Spot") || item.meter_name.ends_with(" Spot");
        let gpu = canonical(size.gpu);
        let region = http::region(&item.arm_region_name);
        let rank: Rank = (
            item.is_primary_meter_region.unwrap_or(true),
            item.effective_start_date.clone().unwrap_or_default(),
            std::cmp::Reverse((item.retail_price * 1e6) as u64),
        );
        let offer = Offer {
            provider: ID.to_string(),
            offer_id: format!(
                "{ID}:{}@{region}{}",
                size.name,
                if spot { ":spot" } else { "" }
            ),
            instance_type: size.name.to_string(),
            gpu: gpu.family,
            gpu_variant: gpu.variant,
            gpu_memory_gb: Some(size.gpu_memory_gb),
            gpu_count: size.gpu_count,
            gpu_fraction: None,
            vcpus: Some(size.vcpus),
            memory_gb: Some(size.memory_gb),
            disk_gb: None,
            region,
            spot,
            price_per_hour_usd: item.retail_price,
            price_per_gpu_hour_usd: per_gpu(item.retail_price, size.gpu_count),
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
            value: Value::default(),
        };
        match best.get(&offer.offer_id) {
            Some((r, _)) if *r >= rank => {}
            _ => {
                best.insert(offer.offer_id.clone(), (rank, offer));
            }
        }
    }
    best.into_values().map(|(_, o)| o).collect()
}

/// Errors come as `{"Error": {"Code", "Message"}}` or as plain text.
fn error_from(status: u16, body: &[u8]) -> ProviderError {
    let detail = serde_json::from_slice::<api::ErrorBody>(body)
        .ok()
        .map(|b| b.error.message)
        .unwrap_or_else(|| http::snippet(body));
    http::status_error(ID, status, Some(detail))
}

/// The offers in one page of retail prices (for fuzzing).
#[cfg(test)]
pub(crate) fn parse_offers(body: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    let page: api::Page = http::parse_json(ID, PRICES, body)?;
    let items = http::readable(ID, PRICES, page.items, "price items", &mut Vec::new())?;
    Ok(to_offers(items, "https://fuzz", "2026-01-01T00:00:00Z"))
}

#[cfg(test)]
mod tests;
