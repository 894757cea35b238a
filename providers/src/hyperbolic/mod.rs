//! Hyperbolic on-demand (v2): `GET /v2/on-demand/rental-options` with a key, or the anonymous
//! `GET /v2/alpha/on-demand/rental-options` without one. A bare JSON array of options, each
//! priced in US cents per hour for the whole option. No official reference page exists; the
//! shapes are those observed by independent clients in Aug–Sep 2026, so the parser is lenient.

mod api;

use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::instance::{Instance, LaunchRequest, PlannedRequest, Ssh, State};
use crate::offer::{now_rfc3339, per_gpu, Offer, Source, Value};
use crate::secret::Secret;
use crate::{Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "hyperbolic";
const OPTIONS: &str = "/v2/on-demand/rental-options";
const OPTIONS_ANONYMOUS: &str = "/v2/alpha/on-demand/rental-options";
const RENTALS: &str = "/v2/on-demand/virtual-machine-rentals";
const TERMINATE: &str = "/v2/on-demand/virtual-machine-rentals/terminate";

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
        launch: true,
        expires_itself: false,
    },
    settings: &[],
    settings_env: &[],
    build,
};

struct Hyperbolic {
    key: Option<Secret>,
    base_url: String,
    http: Http,
    gaps: std::sync::Mutex<Vec<String>>,
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    Ok(Box::new(Hyperbolic {
        key: ctx.api_key,
        base_url: ctx.base_url,
        http: ctx.http,
        gaps: Default::default(),
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
        let parsed: Vec<http::Item<api::RentalOption>> =
            http::parse_json(ID, endpoint, &resp.body)?;
        let mut gaps = Vec::new();
        let options = http::readable(ID, endpoint, parsed, "rental options", &mut gaps)?;
        *self.gaps.lock().unwrap_or_else(|e| e.into_inner()) = gaps;
        Ok(to_offers(options, &http::redact_url(&url), &now_rfc3339()))
    }

    fn gaps(&self) -> Vec<String> {
        self.gaps.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    fn launch_plan(&self, req: &LaunchRequest) -> Result<Vec<PlannedRequest>, ProviderError> {
        refuse_boot(req)?;
        Ok(vec![self.create_request(req)?.plan()])
    }

    async fn launch(&self, req: &LaunchRequest) -> Result<Instance, ProviderError> {
        refuse_boot(req)?;
        let resp = self.http.send(ID, &self.create_request(req)?).await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        let rental: api::Rental = http::parse_json(ID, RENTALS, &resp.body)?;
        let mut i = to_instance(rental);
        if i.name.is_empty() {
            i = i.named(&req.tagged_name());
        }
        Ok(i)
    }

    async fn instances(&self) -> Result<Vec<Instance>, ProviderError> {
        let key = self.key()?;
        let resp = self
            .http
            .send(ID, &Request::get(self.url(RENTALS)).bearer(Some(key)))
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        parse_instances(&resp.body)
    }

    async fn terminate(&self, id: &str) -> Result<(), ProviderError> {
        let key = self.key()?;
        let rental_id: u64 = id.parse().map_err(|_| {
            ProviderError::new(
                ID,
                ErrorKind::Invalid,
                format!("`{id}` is not a Hyperbolic rental id"),
            )
        })?;
        let body = serde_json::json!({"rentalId": rental_id});
        let resp = self
            .http
            .send(
                ID,
                &Request::post_json(self.url(TERMINATE), body).bearer(Some(key)),
            )
            .await?;
        if resp.is_success() || resp.status == 404 {
            return Ok(());
        }
        Err(error_from(resp.status, &resp.body))
    }
}

/// Hyperbolic's rental request takes a node, a GPU count and an image; nothing that runs or
/// sets anything at boot.
fn refuse_boot(req: &LaunchRequest) -> Result<(), ProviderError> {
    crate::boot::refuse_unsupported(
        ID,
        req,
        crate::boot::Boot::default(),
        "its rental request has no field for environment variables or a startup command",
    )
}

impl Hyperbolic {
    fn url(&self, path: &str) -> String {
        http::join(&self.base_url, path)
    }

    fn key(&self) -> Result<&Secret, ProviderError> {
        self.key.as_ref().ok_or_else(|| {
            ProviderError::new(
                ID,
                ErrorKind::NotConfigured,
                "`hyperbolic` needs an API key to rent or list instances",
            )
        })
    }

    /// Offer ids look like `h100-sxm5x8@us-east-1/virtual-machine`.
    fn create_request(&self, req: &LaunchRequest) -> Result<Request<'_>, ProviderError> {
        let key = self.key()?;
        let bad = || {
            ProviderError::new(
                ID,
                ErrorKind::Invalid,
                format!("`hyperbolic:{}` is not a Hyperbolic offer id", req.offer),
            )
        };
        let (gpu, rest) = req.offer.split_once('@').ok_or_else(bad)?;
        let region = rest.split('/').next().ok_or_else(bad)?;
        let (gpu_type_form, count) = gpu.rsplit_once('x').ok_or_else(bad)?;
        // `{gpuType}-{gpuFormFactor}`: the form factor is the last part (`rtx-6000-pro-pcie`).
        let gpu_type = gpu_type_form
            .rsplit_once('-')
            .map_or(gpu_type_form, |(t, _)| t);
        let count: u32 = count.parse().map_err(|_| bad())?;
        let body = serde_json::json!({
            "gpuType": gpu_type,
            "gpuCount": count,
            "region": region,
            "label": req.tagged_name(),
        });
        Ok(Request::post_json(self.url(RENTALS), body)
            .bearer(Some(key))
            .creating())
    }
}

/// `GET` rentals, one rental at a time; one that cannot be read whole keeps its id and label.
pub(crate) fn parse_instances(body: &[u8]) -> Result<Vec<Instance>, ProviderError> {
    let list: Vec<serde_json::Value> = http::parse_json(ID, RENTALS, body)?;
    let keys = http::InstanceKeys {
        id: "id",
        names: &["label", "name"],
    };
    http::instances(ID, RENTALS, list, &keys, to_instance)
}

fn to_instance(r: api::Rental) -> Instance {
    let raw_name = r.label.clone().or(r.name.clone()).unwrap_or_default();
    let status = r.status.unwrap_or_default();
    let lower = status.to_ascii_lowercase();
    let state = if lower.contains("terminat") && lower.ends_with("ed") {
        State::Terminated
    } else if lower.contains("terminat") {
        State::Terminating
    } else if lower == "running" || lower == "online" {
        State::Running
    } else if ["pending", "provisioning", "starting", "creating"].contains(&lower.as_str()) {
        State::Provisioning
    } else if lower.contains("fail") || lower.contains("error") {
        State::Failed
    } else {
        State::Unknown
    };
    let ssh = r
        .provider_data
        .as_ref()
        .and_then(|p| p.ssh_networking.first())
        .map(|s| Ssh {
            host: s.host.clone(),
            port: s.port.unwrap_or(22),
            user: s.user.clone().unwrap_or_else(|| "ubuntu".to_string()),
        });
    Instance {
        provider: ID.to_string(),
        id: r.id.to_string(),
        name: String::new(),
        state,
        status,
        gpu: r.gpu_type.map(|g| canonical(&g).family),
        gpu_count: r.gpu_count,
        region: r.region,
        price_per_hour_usd: r
            .current_term
            .and_then(|t| t.cost_per_hour_cents)
            .map(|c| c / 100.0),
        ssh,
        owner: None,
        deadline: None,
        launcher: None,
        launched: None,
        unreadable: None,
    }
    .named(&raw_name)
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
        // Disabled or none left: not available. A count above zero: available. No count
        // (most rows): unknown, never a guess.
        let available = match (o.enabled, o.total_available) {
            (Some(false), _) | (_, Some(0)) => Some(false),
            (_, Some(_)) => Some(true),
            (_, None) => None,
        };
        offers.push(Offer {
            provider: ID.to_string(),
            offer_id: format!("{ID}:{gpu_type}-{form}x{count}@{region}/{machine}"),
            instance_type: format!("{count}x {gpu_type} {form} {machine}"),
            gpu: gpu.family,
            gpu_variant: gpu.variant,
            gpu_memory_gb: gpu.memory_gb,
            gpu_count: count,
            gpu_fraction: None,
            vcpus: sum(|n| n.vcpu_count.or(n.cpu_count)).map(|v| v as u32),
            memory_gb: sum(|n| n.ram_gb),
            disk_gb: sum(|n| n.storage_gb),
            region,
            spot: false,
            price_per_hour_usd: price,
            price_per_gpu_hour_usd: per_gpu(price, count),
            available,
            stock: o.total_available.map(|n| n.to_string()),
            source: Source::Live,
            as_of: as_of.to_string(),
            source_url: source_url.to_string(),
            storage_price_per_hour_usd: None,
            catalog_source: None,
            as_of_estimated: false,
            country: None,
            continent: None,
            value: Value::default(),
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
    let lower = detail.to_ascii_lowercase();
    if (400..500).contains(&status)
        && status != 401
        && status != 403
        && status != 429
        && (lower.contains("capacity")
            || lower.contains("not available")
            || lower.contains("unavailable"))
    {
        err.kind = ErrorKind::NoCapacity;
    }
    if status == 403 && detail.contains("1010") {
        // Cloudflare's WAF answers 403 "error code: 1010" to clients it blocks, not to bad keys.
        err.kind = ErrorKind::Unavailable;
        err.message = format!("blocked by the provider's firewall (HTTP 403): {detail}");
    }
    err
}

/// The offers in one rental-options answer (for fuzzing).
#[cfg(test)]
pub(crate) fn parse_offers(body: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    let parsed: Vec<http::Item<api::RentalOption>> = http::parse_json(ID, OPTIONS, body)?;
    let options = http::readable(ID, OPTIONS, parsed, "rental options", &mut Vec::new())?;
    Ok(to_offers(options, "https://fuzz", "2026-01-01T00:00:00Z"))
}

#[cfg(test)]
mod tests;
