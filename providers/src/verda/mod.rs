//! Verda (formerly DataCrunch): `GET /v1/instance-types?currency=usd` lists every type with
//! its on-demand and spot price per instance-hour (as strings); it answers without a token.
//! With `client_id` and a client secret (`api_key`, or `VERDA_CLIENT_SECRET`) the adapter also
//! gets an OAuth token (`POST /v1/oauth2/token`, client credentials) and asks
//! `GET /v1/instance-availability` which types can be deployed now, per location.
//! Docs: <https://api.verda.com/v1/docs>; shapes as in `verda-cloud/sdk-python`.

mod api;
mod launch;
#[cfg(test)]
pub(crate) use launch::parse_instances;

use serde_json::json;

use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::instance::{Instance, LaunchRequest, PlannedRequest};
use crate::offer::{now_rfc3339, per_gpu, Offer, Source};
use crate::secret::Secret;
use crate::{Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "verda";
const TYPES: &str = "/v1/instance-types";
const TOKEN: &str = "/v1/oauth2/token";
const AVAILABILITY: &str = "/v1/instance-availability";
const INSTANCES: &str = "/v1/instances";
const VOLUME_TYPES: &str = "/v1/volume-types";
const SSH_KEYS: &str = "/v1/sshkeys";

pub const ENTRY: ProviderEntry = ProviderEntry {
    id: ID,
    name: "Verda (DataCrunch)",
    key_env: "VERDA_CLIENT_SECRET",
    default_base_url: "https://api.verda.com",
    docs_url: "https://api.verda.com/v1/docs",
    capabilities: Capabilities {
        live_offers: true,
        offers_need_key: false,
        spot: true,
        launch: true,
        expires_itself: false,
    },
    settings: &["client_id"],
    settings_env: &[("VERDA_CLIENT_ID", "client_id")],
    build,
};

struct Verda {
    client: Option<(String, Secret)>,
    base_url: String,
    http: Http,
    /// Instance types of the last answer that could not be read (the others were).
    gaps: std::sync::Mutex<Vec<String>>,
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    let client_id = match ctx.settings.get("client_id") {
        None => None,
        Some(v) => Some(v.as_str().map(str::to_string).ok_or_else(|| {
            ProviderError::new(ID, ErrorKind::Invalid, "`client_id` must be a string")
        })?),
    };
    let client =
        match (client_id, ctx.api_key) {
            (Some(id), Some(secret)) => Some((id, secret)),
            (Some(_), None) => return Err(ProviderError::new(
                ID,
                ErrorKind::NotConfigured,
                "`client_id` is set but no client secret: set `VERDA_CLIENT_SECRET` or `api_key`",
            )),
            // A secret alone would be silently ignored: say what it needs instead.
            (None, Some(_)) => return Err(ProviderError::new(
                ID,
                ErrorKind::NotConfigured,
                "a Verda client secret is set but no `client_id`: add `client_id` under `[providers.verda]`, or unset the secret to ask Verda without credentials",
            )),
            (None, None) => None,
        };
    Ok(Box::new(Verda {
        client,
        base_url: ctx.base_url,
        http: ctx.http,
        gaps: Default::default(),
    }))
}

/// A price that Verda sends as a string (`"2.29"`) or, in older answers, a number.
fn price(v: &Option<serde_json::Value>) -> Option<f64> {
    http::price_value(v.as_ref())
}

/// OAuth tokens this process holds, by (API root, client id, secret).
struct CachedToken {
    key: (String, String, Secret),
    token: Secret,
    until: std::time::Instant,
}

static TOKENS: std::sync::Mutex<Vec<CachedToken>> = std::sync::Mutex::new(Vec::new());

impl Verda {
    fn url(&self, path: &str) -> String {
        http::join(&self.base_url, path)
    }

    async fn token(&self) -> Result<Option<Secret>, ProviderError> {
        let Some((id, secret)) = &self.client else {
            return Ok(None);
        };
        // One token per process and credentials, for as long as it lasts: an `up --wait` or a
        // `down` makes many calls, and each adapter built for them shares it.
        let key = (self.base_url.clone(), id.clone(), secret.clone());
        if let Ok(cache) = TOKENS.lock() {
            let now = std::time::Instant::now();
            if let Some(c) = cache.iter().find(|c| c.key == key && c.until > now) {
                return Ok(Some(c.token.clone()));
            }
        }
        let body = json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret.expose()});
        let resp = self
            .http
            .send(ID, &Request::post_json(self.url(TOKEN), body))
            .await?;
        if !resp.is_success() {
            let mut e = error_from(resp.status, &resp.body);
            if resp.status == 400 || resp.status == 401 {
                e.kind = ErrorKind::Auth;
            }
            return Err(e);
        }
        let t: api::Token = http::parse_json(ID, TOKEN, &resp.body)?;
        let token = Secret::new(t.access_token);
        // Good until a minute before it expires, as Verda's SDK reuses it.
        let life = t
            .expires_in
            .filter(|s| s.is_finite() && *s > 0.0)
            .unwrap_or(0.0);
        let life = std::time::Duration::from_secs_f64((life - 60.0).max(0.0));
        if let Ok(mut cache) = TOKENS.lock() {
            cache.retain(|c| c.key != key);
            cache.push(CachedToken {
                key,
                token: token.clone(),
                until: std::time::Instant::now() + life,
            });
        }
        Ok(Some(token))
    }

    async fn volume_types(&self, token: &Secret) -> Result<Vec<api::VolumeType>, ProviderError> {
        let resp = self
            .http
            .send(
                ID,
                &Request::get(self.url(VOLUME_TYPES)).bearer(Some(token)),
            )
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        http::parse_json(ID, VOLUME_TYPES, &resp.body)
    }

    /// Locations where each type can be deployed now, on-demand or spot.
    async fn availability(
        &self,
        token: &Secret,
        spot: bool,
    ) -> Result<Vec<api::LocationAvailability>, ProviderError> {
        // The Python SDK says `isSpot`, the Go SDK `is_spot`: both are sent.
        let url = format!("{}?isSpot={spot}&is_spot={spot}", self.url(AVAILABILITY));
        let resp = self
            .http
            .send(ID, &Request::get(url).bearer(Some(token)))
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        http::parse_json(ID, AVAILABILITY, &resp.body)
    }
}

#[async_trait::async_trait]
impl Provider for Verda {
    fn id(&self) -> &'static str {
        ID
    }

    fn gaps(&self) -> Vec<String> {
        self.gaps.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    async fn offers(&self, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError> {
        let token = self.token().await?;
        let url = format!("{}?currency=usd", self.url(TYPES));
        // Two hops, not four: the token, then the types and both availabilities at once.
        let types_req = Request::get(&url).bearer(token.as_ref());
        let want_spot = q.wants_spot();
        let (types, on_demand, spot, volumes) = tokio::join!(
            async {
                let resp = self.http.send(ID, &types_req).await?;
                if !resp.is_success() {
                    return Err(error_from(resp.status, &resp.body));
                }
                let mut gaps = Vec::new();
                let types = read_types(&resp.body, &mut gaps)?;
                *self.gaps.lock().unwrap_or_else(|e| e.into_inner()) = gaps;
                Ok(types)
            },
            async {
                match &token {
                    Some(t) => self.availability(t, false).await.map(Some),
                    None => Ok(None),
                }
            },
            async {
                match &token {
                    Some(t) if want_spot => self.availability(t, true).await.map(Some),
                    _ => Ok(None),
                }
            },
            async {
                match &token {
                    Some(t) => self.volume_types(t).await.map(Some),
                    None => Ok(None),
                }
            }
        );
        let (types, on_demand, spot, volumes) = (types?, on_demand?, spot?, volumes?);
        let disk = q.disk_gb.unwrap_or(launch::DEFAULT_DISK_GB);
        let storage = volumes.and_then(|v| os_volume_per_hour(&v, disk));
        let mut offers = to_offers(
            types,
            on_demand,
            spot,
            q,
            &http::redact_url(&url),
            &now_rfc3339(),
        );
        // Renting one bills its OS volume too: priced in where the volume price is known.
        if let Some(s) = storage {
            for o in &mut offers {
                o.price_per_hour_usd += s;
                o.price_per_gpu_hour_usd = per_gpu(o.price_per_hour_usd, o.gpu_count);
                o.storage_price_per_hour_usd = Some((s * 1e6).round() / 1e6);
                o.disk_gb = Some(f64::from(disk));
            }
        }
        Ok(offers)
    }

    fn launch_plan(&self, req: &LaunchRequest) -> Result<Vec<PlannedRequest>, ProviderError> {
        self.plan(req)
    }

    async fn launch(&self, req: &LaunchRequest) -> Result<Instance, ProviderError> {
        self.create(req).await
    }

    async fn instances(&self) -> Result<Vec<Instance>, ProviderError> {
        self.list().await
    }

    async fn terminate(&self, id: &str) -> Result<(), ProviderError> {
        self.delete(id).await
    }
}

/// Hours in Verda's billing month (365 × 24 / 12), as its own CLI prices volumes.
const HOURS_PER_MONTH: f64 = 730.0;

/// What the OS volume of `disk_gb` costs per hour: an NVMe volume, priced per GB-month.
fn os_volume_per_hour(types: &[api::VolumeType], disk_gb: u32) -> Option<f64> {
    let nvme = types.iter().find(|t| t.kind.eq_ignore_ascii_case("NVMe"))?;
    let usd = nvme
        .price
        .currency
        .as_deref()
        .is_none_or(|c| c.eq_ignore_ascii_case("usd"));
    let per_gb_month = nvme
        .price
        .price_per_month_per_gb
        .filter(|p| p.is_finite() && *p >= 0.0 && usd)?;
    Some(per_gb_month * f64::from(disk_gb) / HOURS_PER_MONTH)
}

/// Offers from the instance types; with availability (a token was set), one per location
/// that has the type, or one marked unavailable.
fn to_offers(
    types: Vec<api::InstanceType>,
    on_demand: Option<Vec<api::LocationAvailability>>,
    spot: Option<Vec<api::LocationAvailability>>,
    q: &OfferQuery,
    source: &str,
    as_of: &str,
) -> Vec<Offer> {
    let mut offers = Vec::new();
    for t in types {
        let count = t.gpu.as_ref().map_or(0, |g| g.number_of_gpus);
        // `8B200.240V.CC`: confidential-computing types, which boot only special images; not
        // what `gpu up` can start with a plain image and an SSH key.
        let confidential = t.instance_type.to_ascii_uppercase().ends_with(".CC");
        if count == 0
            || confidential
            || t.currency
                .as_deref()
                .is_some_and(|c| !c.eq_ignore_ascii_case("usd"))
        {
            continue;
        }
        let description = t
            .gpu
            .as_ref()
            .map(|g| g.description.clone())
            .unwrap_or_default();
        let gpu = canonical(&description);
        let per_gpu_memory = t
            .gpu_memory
            .as_ref()
            .and_then(|m| m.size_in_gigabytes)
            .map(|total| (total / f64::from(count)).round())
            .or(gpu.memory_gb);
        let kinds = [
            (false, price(&t.price_per_hour), &on_demand),
            (true, price(&t.spot_price), &spot),
        ];
        for (is_spot, price, availability) in kinds {
            let Some(price) = price else { continue };
            if (is_spot && !q.wants_spot()) || (!is_spot && !q.wants_on_demand()) {
                continue;
            }
            let base = Offer {
                provider: ID.to_string(),
                offer_id: format!(
                    "{ID}:{}{}",
                    t.instance_type,
                    if is_spot { ":spot" } else { "" }
                ),
                instance_type: t.instance_type.clone(),
                gpu: gpu.family.clone(),
                gpu_variant: gpu.variant.clone(),
                gpu_memory_gb: per_gpu_memory,
                gpu_count: count,
                gpu_fraction: None,
                vcpus: t.cpu.as_ref().map(|c| c.number_of_cores),
                memory_gb: t.memory.as_ref().and_then(|m| m.size_in_gigabytes),
                disk_gb: t.storage.as_ref().and_then(|s| s.size_in_gigabytes),
                region: "any".to_string(),
                spot: is_spot,
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
            let Some(availability) = availability else {
                offers.push(base);
                continue;
            };
            let locations: Vec<&str> = availability
                .iter()
                .filter(|l| l.availabilities.iter().any(|a| a == &t.instance_type))
                .map(|l| l.location_code.as_str())
                .collect();
            if locations.is_empty() {
                offers.push(Offer {
                    available: Some(false),
                    ..base
                });
                continue;
            }
            for loc in locations {
                offers.push(Offer {
                    offer_id: format!(
                        "{ID}:{}@{loc}{}",
                        t.instance_type,
                        if is_spot { ":spot" } else { "" }
                    ),
                    region: loc.to_string(),
                    available: Some(true),
                    ..base.clone()
                });
            }
        }
    }
    offers
}

/// The instance types of one answer, each read on its own: one that does not fit costs itself.
fn read_types(
    body: &[u8],
    gaps: &mut Vec<String>,
) -> Result<Vec<api::InstanceType>, ProviderError> {
    let items: Vec<http::Item<api::InstanceType>> = http::parse_json(ID, TYPES, body)?;
    http::readable(ID, TYPES, items, "instance types", gaps)
}

/// The offers in one instance-types answer, without availability (for fuzzing).
#[cfg(test)]
pub(crate) fn parse_offers(body: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    let types = read_types(body, &mut Vec::new())?;
    Ok(to_offers(
        types,
        None,
        None,
        &OfferQuery::default(),
        "https://fuzz",
        "2026-01-01T00:00:00Z",
    ))
}

/// Verda errors are `{"code", "message"}`.
fn error_from(status: u16, body: &[u8]) -> ProviderError {
    let detail = serde_json::from_slice::<api::ErrorBody>(body)
        .ok()
        .and_then(|b| b.message.or(b.code))
        .unwrap_or_else(|| http::snippet(body));
    http::status_error(ID, status, Some(detail))
}

#[cfg(test)]
mod tests;
