//! Lambda Cloud: `GET /api/v1/instance-types` (key required), one global price per type in US
//! cents per instance-hour, capacity listed per region.
//! Docs: <https://docs.lambda.ai/api/cloud> (OpenAPI v1.10.0).

mod api;

use crate::boot::{self, Boot};
use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::instance::{Instance, LaunchRequest, PlannedRequest, Ssh, State};
use crate::offer::{now_rfc3339, per_gpu, Offer, Source, Value};
use crate::secret::Secret;
use crate::{Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "lambda";
const INSTANCE_TYPES: &str = "/api/v1/instance-types";
const LAUNCH: &str = "/api/v1/instance-operations/launch";
const TERMINATE: &str = "/api/v1/instance-operations/terminate";
const INSTANCES: &str = "/api/v1/instances";
const SSH_KEYS: &str = "/api/v1/ssh-keys";

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
        launch: true,
        expires_itself: false,
    },
    settings: &[],
    settings_env: &[],
    build,
};

struct Lambda {
    key: Secret,
    base_url: String,
    http: Http,
    /// Instance types of the last answer that could not be read (the others were).
    gaps: std::sync::Mutex<Vec<String>>,
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    let key = ctx.api_key.ok_or_else(|| {
        ProviderError::new(ID, ErrorKind::NotConfigured, "`lambda` needs an API key")
    })?;
    Ok(Box::new(Lambda {
        key,
        base_url: ctx.base_url,
        http: ctx.http,
        gaps: Default::default(),
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
        let mut gaps = Vec::new();
        let offers = to_offers(parsed, &http::redact_url(&url), &now_rfc3339(), &mut gaps)?;
        *self.gaps.lock().unwrap_or_else(|e| e.into_inner()) = gaps;
        Ok(offers)
    }

    fn gaps(&self) -> Vec<String> {
        self.gaps.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn boot(&self) -> Boot {
        // Both go into cloud-init `user_data` (≤ 1 MB, plain text).
        Boot {
            env: true,
            script: true,
        }
    }

    fn launch_plan(&self, req: &LaunchRequest) -> Result<Vec<PlannedRequest>, ProviderError> {
        let mut plan = Vec::new();
        let key_name = match (&req.ssh_key_name, &req.ssh_public_key) {
            (Some(name), _) => name.clone(),
            (None, Some(public_key)) => {
                plan.push(Request::get(self.url(SSH_KEYS)).plan());
                let name = key_name_for(public_key);
                plan.push(
                    Request::post_json(
                        self.url(SSH_KEYS),
                        serde_json::json!({"name": name, "public_key": public_key.trim()}),
                    )
                    .plan(),
                );
                name
            }
            (None, None) => return Err(needs_ssh_key()),
        };
        plan.push(self.launch_request(req, &key_name)?.plan());
        Ok(plan)
    }

    async fn launch(&self, req: &LaunchRequest) -> Result<Instance, ProviderError> {
        self.pace_launches().await;
        let key_name = match (&req.ssh_key_name, &req.ssh_public_key) {
            (Some(name), _) => name.clone(),
            (None, Some(public_key)) => self.ensure_ssh_key(public_key).await?,
            (None, None) => return Err(needs_ssh_key()),
        };
        let request = self.launch_request(req, &key_name)?;
        let resp = self.http.send(ID, &request).await?;
        if !resp.is_success() {
            return Err(error_in(resp.status, &resp.body, true));
        }
        let launched: api::Data<api::Launched> = http::parse_json(ID, LAUNCH, &resp.body)?;
        let id = launched
            .data
            .instance_ids
            .into_iter()
            .next()
            .ok_or_else(|| {
                ProviderError::new(
                    ID,
                    ErrorKind::BadResponse,
                    "the launch answer named no instance",
                )
            })?;
        let (type_name, region) = split_offer(&req.offer);
        Ok(Instance {
            name: req.name.clone(),
            state: State::Provisioning,
            region: region.or(req.region.clone()),
            ..Instance::bare(ID, id, "booting")
        }
        .with_type(type_name))
    }

    async fn instances(&self) -> Result<Vec<Instance>, ProviderError> {
        let resp = self
            .http
            .send(
                ID,
                &Request::get(self.url(INSTANCES)).bearer(Some(&self.key)),
            )
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        parse_instances(&resp.body)
    }

    async fn instance(&self, id: &str) -> Result<Option<Instance>, ProviderError> {
        let url = self.url(&format!("{INSTANCES}/{id}"));
        let resp = self
            .http
            .send(ID, &Request::get(url).bearer(Some(&self.key)))
            .await?;
        if resp.status == 404 {
            return Ok(None);
        }
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        let one: api::Data<serde_json::Value> = http::parse_json(ID, INSTANCES, &resp.body)?;
        http::instance(ID, INSTANCES, one.data, &KEYS, to_instance).map(Some)
    }

    async fn terminate(&self, id: &str) -> Result<(), ProviderError> {
        let body = serde_json::json!({"instance_ids": [id]});
        let resp = self
            .http
            .send(
                ID,
                &Request::post_json(self.url(TERMINATE), body).bearer(Some(&self.key)),
            )
            .await?;
        match error_from_status(resp.status, &resp.body) {
            None => Ok(()),
            Some(e) if e.kind == ErrorKind::NotFound => Ok(()),
            Some(e) => Err(e),
        }
    }
}

/// When this process last sent a launch: Lambda allows one launch request per 12 seconds.
static LAST_LAUNCH: std::sync::Mutex<Option<std::time::Instant>> = std::sync::Mutex::new(None);
const LAUNCH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(12);

impl Lambda {
    /// Wait until a launch is allowed again, so that failing over from one Lambda offer to the
    /// next is not answered with 429. (Skipped when retries are configured not to wait: tests.)
    async fn pace_launches(&self) {
        let wait = {
            let mut last = LAST_LAUNCH.lock().unwrap_or_else(|e| e.into_inner());
            let now = std::time::Instant::now();
            let wait = last.map_or(std::time::Duration::ZERO, |t| {
                LAUNCH_INTERVAL.saturating_sub(now - t)
            });
            *last = Some(now + wait);
            wait
        };
        if !wait.is_zero() && !self.http.options().retry_base_delay.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    fn url(&self, path: &str) -> String {
        http::join(&self.base_url, path)
    }

    fn launch_request(
        &self,
        req: &LaunchRequest,
        key_name: &str,
    ) -> Result<Request<'_>, ProviderError> {
        let (type_name, region) = split_offer(&req.offer);
        let region = region.or(req.region.clone()).ok_or_else(|| {
            ProviderError::new(
                ID,
                ErrorKind::NoCapacity,
                format!("`{type_name}` has capacity in no region right now"),
            )
        })?;
        let mut body = serde_json::json!({
            "region_name": region,
            "instance_type_name": type_name,
            "ssh_key_names": [key_name],
            "name": req.name,
        });
        // Owner, launcher, deadline, launch time and price travel as Lambda tags, so any
        // machine listing the account sees them.
        let tags: Vec<serde_json::Value> = Instance::tags_for(req)
            .into_iter()
            .map(|(key, value)| serde_json::json!({"key": key, "value": value}))
            .collect();
        if !tags.is_empty() {
            body["tags"] = serde_json::Value::Array(tags);
        }
        if let Some(user_data) = boot::user_data(ID, req)? {
            body["user_data"] = serde_json::Value::String(user_data);
        }
        Ok(Request::post_json(self.url(LAUNCH), body)
            .bearer(Some(&self.key))
            .creating())
    }

    /// Lambda launches only with a registered key: reuse one with the same public key, or
    /// register it once under a name derived from the key itself.
    async fn ensure_ssh_key(&self, public_key: &str) -> Result<String, ProviderError> {
        let wanted = key_material(public_key);
        let resp = self
            .http
            .send(
                ID,
                &Request::get(self.url(SSH_KEYS)).bearer(Some(&self.key)),
            )
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        let keys: api::Data<Vec<api::SshKey>> = http::parse_json(ID, SSH_KEYS, &resp.body)?;
        if let Some(k) = keys
            .data
            .iter()
            .find(|k| key_material(&k.public_key) == wanted)
        {
            return Ok(k.name.clone());
        }
        let name = key_name_for(public_key);
        let body = serde_json::json!({"name": name, "public_key": public_key.trim()});
        let resp = self
            .http
            .send(
                ID,
                &Request::post_json(self.url(SSH_KEYS), body)
                    .bearer(Some(&self.key))
                    .creating(),
            )
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        Ok(name)
    }
}

fn needs_ssh_key() -> ProviderError {
    ProviderError::new(
        ID,
        ErrorKind::Invalid,
        "`lambda` launches only with an SSH key: pass `--ssh-key PATH` (a public key) or `--ssh-key NAME` (one registered with Lambda)",
    )
}

/// `ssh-ed25519 AAAA... comment` -> `ssh-ed25519 AAAA...`
fn key_material(public_key: &str) -> String {
    public_key
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A stable name for a public key: the same key always gets the same name.
pub(crate) fn key_name_for(public_key: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key_material(public_key).bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("gpu-{:012x}", hash & 0xffff_ffff_ffff)
}

/// `gpu_8x_h100_sxm5@us-east-1` -> (`gpu_8x_h100_sxm5`, `us-east-1`)
fn split_offer(offer: &str) -> (&str, Option<String>) {
    match offer.split_once('@') {
        Some((t, r)) => (t, Some(r.to_string())),
        None => (offer, None),
    }
}

trait WithType {
    fn with_type(self, type_name: &str) -> Self;
}

impl WithType for Instance {
    fn with_type(mut self, type_name: &str) -> Self {
        let gpu = canonical(type_name);
        self.gpu = gpu.known.then_some(gpu.family);
        self.gpu_count = type_name
            .strip_prefix("gpu_")
            .and_then(|r| r.split('x').next())
            .and_then(|n| n.parse().ok());
        self
    }
}

/// Where a listed instance keeps its id and name, for one that cannot be read whole.
const KEYS: http::InstanceKeys = http::InstanceKeys {
    id: "id",
    names: &["name"],
};

/// `GET /instances`, one instance at a time.
pub(crate) fn parse_instances(body: &[u8]) -> Result<Vec<Instance>, ProviderError> {
    let list: api::Data<Vec<serde_json::Value>> = http::parse_json(ID, INSTANCES, body)?;
    http::instances(ID, INSTANCES, list.data, &KEYS, to_instance)
}

fn to_instance(i: api::RunningInstance) -> Instance {
    let state = match i.status.as_str() {
        "booting" => State::Provisioning,
        "active" => State::Running,
        "terminating" => State::Terminating,
        "terminated" | "preempted" => State::Terminated,
        "unhealthy" => State::Failed,
        _ => State::Unknown,
    };
    let (gpu, gpu_count, price) = match &i.instance_type {
        Some(t) => {
            let g = canonical(if t.gpu_description.is_empty() {
                &t.name
            } else {
                &t.gpu_description
            });
            (
                Some(g.family),
                t.specs.as_ref().and_then(|s| s.gpus),
                t.price_cents_per_hour.map(|c| c / 100.0),
            )
        }
        None => (None, None, None),
    };
    let tag = |key: &str| {
        i.tags
            .iter()
            .flatten()
            .find(|t| t.key == key)
            .map(|t| t.value.clone())
    };
    let raw_name = i.name.clone().unwrap_or_default();
    Instance {
        provider: ID.to_string(),
        id: i.id,
        name: String::new(),
        state,
        status: i.status,
        gpu,
        gpu_count,
        region: i.region.map(|r| r.name),
        price_per_hour_usd: price,
        ssh: i.ip.filter(|ip| !ip.is_empty()).map(|host| Ssh {
            host,
            port: 22,
            user: "ubuntu".to_string(),
        }),
        owner: None,
        deadline: None,
        launcher: None,
        launched: None,
        unreadable: None,
    }
    .tagged(tag, &raw_name)
}

fn to_offers(
    parsed: api::InstanceTypes,
    source_url: &str,
    as_of: &str,
    gaps: &mut Vec<String>,
) -> Result<Vec<Offer>, ProviderError> {
    let mut offers = Vec::new();
    let entries = parsed.data.into_iter().map(|(key, item)| match item {
        http::Item::Read(entry) => http::Item::Read((key, entry)),
        http::Item::Bad(why) => http::Item::Bad(format!("`{key}`: {why}")),
    });
    for (key, entry) in http::readable(ID, INSTANCE_TYPES, entries, "instance types", gaps)? {
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
            gpu_fraction: None,
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
            storage_price_per_hour_usd: None,
            catalog_source: None,
            as_of_estimated: false,
            country: None,
            continent: None,
            value: Value::default(),
        };
        if entry.regions_with_capacity_available.is_empty() {
            offers.push(base);
            continue;
        }
        for region in entry.regions_with_capacity_available {
            let region = http::region(&region.name);
            offers.push(Offer {
                offer_id: format!("{ID}:{name}@{region}"),
                region,
                available: Some(true),
                ..base.clone()
            });
        }
    }
    Ok(offers)
}

fn error_from_status(status: u16, body: &[u8]) -> Option<ProviderError> {
    (!(200..300).contains(&status)).then(|| error_from(status, body))
}

/// Lambda errors are `{"error": {"code", "message", "suggestion"?}}`; the code decides.
fn error_from(status: u16, body: &[u8]) -> ProviderError {
    error_in(status, body, false)
}

fn error_in(status: u16, body: &[u8], launching: bool) -> ProviderError {
    let parsed: Option<api::ErrorBody> = serde_json::from_slice(body).ok();
    let (code, message) = match parsed {
        Some(b) => (b.error.code, b.error.message),
        None => (String::new(), http::snippet(body)),
    };
    let mut err = http::status_error(ID, status, Some(message.clone()));
    match code.as_str() {
        "global/invalid-api-key" | "global/account-inactive" => err.kind = ErrorKind::Auth,
        "instance-operations/launch/insufficient-capacity" => {
            err.kind = ErrorKind::NoCapacity;
            err.message = format!("insufficient capacity (HTTP {status}): {message}");
        }
        // On launch the same code means a missing key, type or file system: a bad request,
        // never "the instance is gone" (which `terminate` takes as done).
        "global/object-does-not-exist" if launching => err.kind = ErrorKind::Invalid,
        "global/object-does-not-exist" => err.kind = ErrorKind::NotFound,
        // A 403 about the billing address is not a bad key.
        "global/invalid-address" | "global/quota-exceeded" => err.kind = ErrorKind::Invalid,
        _ => {}
    }
    err
}

/// The offers in one `/instance-types` answer (for fuzzing and benchmarks).
#[cfg(test)]
pub(crate) fn parse_offers(body: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    let parsed: api::InstanceTypes = http::parse_json(ID, INSTANCE_TYPES, body)?;
    to_offers(
        parsed,
        "https://fuzz",
        "2026-01-01T00:00:00Z",
        &mut Vec::new(),
    )
}

#[cfg(test)]
mod tests;
