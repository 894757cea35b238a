//! Scaleway: `GET /instance/v1/zones/{zone}/products/servers` (keyless) lists every server type
//! of a zone with its price in euros per hour, and `.../products/servers/availability` says
//! whether each is `available`, `scarce` or in `shortage`. Prices are converted to US dollars
//! with the rate the user sets as `eur_usd` under `[providers.scaleway]` (dollars per euro):
//! without a rate there are no Scaleway offers, rather than a made-up conversion.
//! Docs: <https://www.scaleway.com/en/developers/api/instance/>.

mod api;

use std::collections::BTreeMap;

use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::offer::{now_rfc3339, per_gpu, Offer, Source};
use crate::{Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "scaleway";
const DEFAULT_ZONES: &[&str] = &["fr-par-1", "fr-par-2", "nl-ams-1", "pl-waw-2"];
const PER_PAGE: usize = 100;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
const MAX_PAGES: usize = 10;

pub const ENTRY: ProviderEntry = ProviderEntry {
    id: ID,
    name: "Scaleway",
    key_env: "SCW_SECRET_KEY",
    default_base_url: "https://api.scaleway.com",
    docs_url: "https://www.scaleway.com/en/developers/api/instance/",
    capabilities: Capabilities {
        live_offers: true,
        offers_need_key: false,
        spot: false,
        launch: false,
        expires_itself: false,
    },
    settings: &["eur_usd", "zones"],
    settings_env: &[],
    build,
};

struct Scaleway {
    eur_usd: f64,
    zones: Vec<String>,
    base_url: String,
    http: Http,
    /// Zones that failed in the last `offers` call while others answered.
    gaps: std::sync::Mutex<Vec<String>>,
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    let rate = match ctx.settings.get("eur_usd") {
        Some(toml::Value::Float(f)) => *f,
        Some(toml::Value::Integer(i)) => *i as f64,
        Some(_) => return Err(ProviderError::new(ID, ErrorKind::Invalid, "`eur_usd` must be a number (US dollars per euro)")),
        None => {
            return Err(ProviderError::new(
                ID,
                ErrorKind::NotConfigured,
                "Scaleway prices are in euros: set `eur_usd` (US dollars per euro) under `[providers.scaleway]`",
            ))
        }
    };
    if !(rate.is_finite() && rate > 0.1 && rate < 10.0) {
        return Err(ProviderError::new(
            ID,
            ErrorKind::Invalid,
            "`eur_usd` must be a rate between 0.1 and 10",
        ));
    }
    let zones = match ctx.settings.get("zones") {
        None => DEFAULT_ZONES.iter().map(|z| z.to_string()).collect(),
        Some(v) => v
            .as_array()
            .and_then(|a| {
                a.iter()
                    .map(|z| z.as_str().map(String::from))
                    .collect::<Option<Vec<_>>>()
            })
            .filter(|z| !z.is_empty())
            .ok_or_else(|| {
                ProviderError::new(
                    ID,
                    ErrorKind::Invalid,
                    "`zones` must be a list of zone names",
                )
            })?,
    };
    Ok(Box::new(Scaleway {
        eur_usd: rate,
        zones,
        base_url: ctx.base_url,
        http: ctx.http,
        gaps: Default::default(),
    }))
}

impl Scaleway {
    /// One zone's offers, and its gap lines (server types it could not read).
    async fn zone(&self, zone: &str) -> Result<(Vec<Offer>, Vec<String>), ProviderError> {
        let path = format!("/instance/v1/zones/{zone}/products/servers");
        // Availability is paged the same way: GPU types sort late (L4, L40S, RENDER-S are on
        // pages 2 and 3 of fr-par-2), so the first page alone would miss them. Both lists are
        // asked at once.
        let avail_path = format!("{path}/availability");
        let (servers, availability) = tokio::join!(
            self.paged::<api::Server>(&path, true),
            self.paged::<api::ServerAvailability>(&avail_path, false)
        );
        let mut gaps = Vec::new();
        let servers = readable(&path, servers?, "server types", &mut gaps)?;
        let availability = availability
            .and_then(|a| readable(&avail_path, a, "availability entries", &mut gaps))
            .unwrap_or_default();
        let offers = to_offers(
            servers,
            &availability,
            zone,
            self.eur_usd,
            &http::redact_url(&http::join(&self.base_url, &path)),
            &now_rfc3339(),
        );
        Ok((offers, gaps))
    }

    /// Every page of a `{servers: {...}}` list. The total is in `X-Total-Count` (the body has
    /// none); without it, pages are read until one adds nothing new. `strict`: a failed page
    /// is an error (else what was read so far is returned).
    async fn paged<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        strict: bool,
    ) -> Result<BTreeMap<String, http::Item<T>>, ProviderError> {
        let mut all = BTreeMap::new();
        for page in 1..=MAX_PAGES {
            let url = format!(
                "{}?per_page={PER_PAGE}&page={page}",
                http::join(&self.base_url, path)
            );
            let resp = self.http.send(ID, &Request::get(url)).await?;
            if !resp.is_success() {
                if strict || page == 1 {
                    return Err(error_from(resp.status, &resp.body));
                }
                break;
            }
            let list: api::Paged<T> = http::parse_json(ID, path, &resp.body)?;
            let before = all.len();
            let n = list.servers.len();
            all.extend(list.servers);
            let done = match resp.total_count {
                Some(total) => all.len() as u64 >= total,
                None => n == 0 || all.len() == before,
            };
            if done || n == 0 {
                break;
            }
        }
        Ok(all)
    }
}

/// The entries of a `{servers: {...}}` list that could be read, by name; the others are said in
/// one gap line. Not one readable: not the shape this adapter knows, an error.
fn readable<T>(
    path: &str,
    entries: BTreeMap<String, http::Item<T>>,
    what: &str,
    gaps: &mut Vec<String>,
) -> Result<BTreeMap<String, T>, ProviderError> {
    let mut read = BTreeMap::new();
    let mut bad = Vec::new();
    for (name, item) in entries {
        match item {
            http::Item::Read(t) => {
                read.insert(name, t);
            }
            http::Item::Bad(why) => bad.push(format!("`{name}`: {why}")),
        }
    }
    if read.is_empty() && !bad.is_empty() {
        return Err(ProviderError::new(
            ID,
            ErrorKind::BadResponse,
            format!("could not read the `{path}` response: {}", bad[0]),
        ));
    }
    gaps.extend(http::skipped(what, &bad));
    Ok(read)
}

/// GPU server types of one zone, priced in US dollars at the user's rate.
fn to_offers(
    servers: BTreeMap<String, api::Server>,
    availability: &BTreeMap<String, api::ServerAvailability>,
    zone: &str,
    eur_usd: f64,
    source: &str,
    as_of: &str,
) -> Vec<Offer> {
    let mut offers = Vec::new();
    for (name, s) in servers {
        let count = s.gpu.unwrap_or(0);
        let Some(eur) = s.hourly_price.filter(|p| http::sane_price(*p)) else {
            continue;
        };
        if count == 0 {
            continue;
        }
        let usd = (eur * eur_usd * 10_000.0).round() / 10_000.0;
        // A price that rounds to nothing (or overflows) at this rate is not an offer.
        if !http::sane_price(usd) {
            continue;
        }
        // `gpu_info.gpu_name` says what the GPU is (`H100-PCIe`; RENDER-S is a `P100`); the
        // type's own name is the fallback.
        let info = s.gpu_info.as_ref();
        let mut g = canonical(info.and_then(|i| i.gpu_name.as_deref()).unwrap_or(&name));
        if let Some(bytes) = info.and_then(|i| i.gpu_memory).filter(|b| *b > 0.0) {
            g.memory_gb = Some((bytes / GIB).round());
        }
        let stock = availability.get(&name).map(|a| a.availability.clone());
        offers.push(Offer {
            provider: ID.to_string(),
            offer_id: format!("{ID}:{name}@{zone}"),
            instance_type: format!("{name} (EUR {eur:.4}/h at {:.4} USD/EUR)", eur_usd),
            gpu: g.family,
            gpu_variant: g.variant,
            gpu_memory_gb: g.memory_gb,
            gpu_count: count,
            gpu_fraction: None,
            vcpus: s.ncpus,
            // Bytes of GiB: 257698037760 is the 240 GiB Scaleway sells.
            memory_gb: s.ram.map(|b| (b / GIB).round()),
            disk_gb: None,
            region: zone.to_string(),
            spot: false,
            price_per_hour_usd: usd,
            price_per_gpu_hour_usd: per_gpu(usd, count),
            available: stock.as_deref().map(|a| a != "shortage"),
            stock,
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
    offers
}

/// The offers in one `products/servers` page, without availability (for fuzzing).
#[cfg(test)]
pub(crate) fn parse_offers(body: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    let list: api::Paged<api::Server> = http::parse_json(ID, "products/servers", body)?;
    let servers = readable(
        "products/servers",
        list.servers,
        "server types",
        &mut Vec::new(),
    )?;
    Ok(to_offers(
        servers,
        &BTreeMap::new(),
        "fr-par-2",
        1.08,
        "https://fuzz",
        "2026-01-01T00:00:00Z",
    ))
}

#[async_trait::async_trait]
impl Provider for Scaleway {
    fn id(&self) -> &'static str {
        ID
    }

    async fn offers(&self, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError> {
        if !q.wants_on_demand() {
            return Ok(Vec::new());
        }
        // Zones are asked together; one that fails is a gap, not the end of the answer.
        let answers = futures_util::future::join_all(self.zones.iter().map(|z| self.zone(z))).await;
        let mut offers = Vec::new();
        let mut gaps = Vec::new();
        let mut first_error = None;
        let mut failed = 0;
        for (zone, answer) in self.zones.iter().zip(answers) {
            match answer {
                Ok((o, zone_gaps)) => {
                    offers.extend(o);
                    gaps.extend(zone_gaps.into_iter().map(|g| format!("{zone}: {g}")));
                }
                Err(e) => {
                    failed += 1;
                    gaps.push(format!("{zone}: {}", e.message));
                    first_error.get_or_insert(e);
                }
            }
        }
        let all_failed = failed == self.zones.len();
        if let Ok(mut g) = self.gaps.lock() {
            *g = gaps;
        }
        match first_error {
            Some(e) if all_failed => Err(e),
            _ => Ok(offers),
        }
    }

    fn gaps(&self) -> Vec<String> {
        self.gaps.lock().map(|g| g.clone()).unwrap_or_default()
    }
}

/// Scaleway errors are `{"message", "type"}`.
fn error_from(status: u16, body: &[u8]) -> ProviderError {
    let detail = serde_json::from_slice::<api::ErrorBody>(body)
        .ok()
        .and_then(|b| b.message)
        .unwrap_or_else(|| http::snippet(body));
    http::status_error(ID, status, Some(detail))
}

#[cfg(test)]
mod tests;
