//! RunPod: REST v2 `GET /v2/catalog/gpus?include=AVAILABILITY&product=POD` (key required).
//! Prices are US dollars per GPU-hour, separately for Secure and Community cloud, which are
//! asked for separately because availability is reported for the cloud in the query.
//! Docs: <https://docs.runpod.io/api-reference-v2/catalog/list-gpu-types>.

mod api;

use crate::boot::{self, Boot};
use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::instance::{Instance, LaunchRequest, PlannedRequest, Ssh, State};
use crate::offer::{now_rfc3339, Offer, Source, Value};
use crate::secret::Secret;
use crate::{Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "runpod";
const CATALOG: &str = "/v2/catalog/gpus";
const PODS: &str = "/v2/pods";
/// The container disk `gpu up` asks for unless told (`--disk`), in GB.
const DEFAULT_DISK_GB: u32 = 50;
/// RunPod's price of a running pod's container disk, US dollars per GB-month
/// (`runpod/docs:pods/pricing.mdx`); a month of 730 hours.
const CONTAINER_DISK_USD_PER_GB_MONTH: f64 = 0.10;
const HOURS_PER_MONTH: f64 = 730.0;
/// Image used when `--image` is not given (or `image` under `[providers.runpod]`); RunPod's
/// images install the key passed as `PUBLIC_KEY` and start sshd.
const DEFAULT_IMAGE: &str = "runpod/pytorch:2.1.0-py3.10-cuda11.8.0-devel-ubuntu22.04";

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
        launch: true,
        expires_itself: false,
    },
    settings: &["image"],
    settings_env: &[],
    build,
};

struct RunPod {
    key: Secret,
    base_url: String,
    http: Http,
    image: String,
    /// GPU types of the last answers that could not be read (the others were).
    gaps: std::sync::Mutex<Vec<String>>,
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    let key = ctx.api_key.ok_or_else(|| {
        ProviderError::new(ID, ErrorKind::NotConfigured, "`runpod` needs an API key")
    })?;
    let image = match ctx.settings.get("image") {
        None => DEFAULT_IMAGE.to_string(),
        Some(v) => v.as_str().map(str::to_string).ok_or_else(|| {
            ProviderError::new(ID, ErrorKind::Invalid, "`image` must be a string")
        })?,
    };
    Ok(Box::new(RunPod {
        key,
        base_url: ctx.base_url,
        http: ctx.http,
        image,
        gaps: Default::default(),
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
        let mut gaps = Vec::new();
        let (catalog, url) = secure?;
        let disk = q.disk_gb.unwrap_or(DEFAULT_DISK_GB);
        let gpus = http::readable(ID, CATALOG, catalog.gpus, "secure GPU types", &mut gaps)?;
        offers.extend(to_offers(gpus, Cloud::Secure, count, disk, &url, &as_of));
        let (catalog, url) = community?;
        let gpus = http::readable(ID, CATALOG, catalog.gpus, "community GPU types", &mut gaps)?;
        offers.extend(to_offers(gpus, Cloud::Community, count, disk, &url, &as_of));
        *self.gaps.lock().unwrap_or_else(|e| e.into_inner()) = gaps;
        Ok(offers)
    }

    fn gaps(&self) -> Vec<String> {
        self.gaps.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    fn boot(&self) -> Boot {
        // `env` is the pod's environment. The only start command (`args`) replaces the
        // image's own, which is what starts sshd, so no startup script.
        Boot {
            env: true,
            script: false,
        }
    }

    fn launch_plan(&self, req: &LaunchRequest) -> Result<Vec<PlannedRequest>, ProviderError> {
        Ok(vec![self.create_request(req)?.plan()])
    }

    async fn launch(&self, req: &LaunchRequest) -> Result<Instance, ProviderError> {
        let resp = self.http.send(ID, &self.create_request(req)?).await?;
        if !resp.is_success() {
            let mut err = error_from(resp.status, &resp.body);
            // "Your account cannot access the requested pool": the reference says to go on
            // with the next candidate, as for no capacity; it is not a bad key.
            // A key without the right to create pods is a 403 too: that stays a key problem.
            let pool = err.message.to_ascii_lowercase().contains("pool");
            if resp.status == 403 && pool {
                err.kind = ErrorKind::NoCapacity;
                err.message = format!("no access to this GPU pool (HTTP 403): {}", err.message);
            }
            return Err(err);
        }
        let pod: api::Pod = http::parse_json(ID, PODS, &resp.body)?;
        Ok(to_instance(pod))
    }

    async fn instances(&self) -> Result<Vec<Instance>, ProviderError> {
        // Every pod in one answer: v2 documents no paging (`includeClusterPods` is its only
        // parameter, and cluster pods are not ours).
        let url = http::join(&self.base_url, PODS);
        let resp = self
            .http
            .send(ID, &Request::get(url).bearer(Some(&self.key)))
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        parse_pods(&resp.body)
    }
    async fn instance(&self, id: &str) -> Result<Option<Instance>, ProviderError> {
        let url = http::join(&self.base_url, &format!("{PODS}/{id}"));
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
        let pod: serde_json::Value = http::parse_json(ID, PODS, &resp.body)?;
        http::instance(ID, PODS, pod, &KEYS, to_instance).map(Some)
    }

    async fn terminate(&self, id: &str) -> Result<(), ProviderError> {
        let url = http::join(&self.base_url, &format!("{PODS}/{id}"));
        let resp = self
            .http
            .send(ID, &Request::delete(url).bearer(Some(&self.key)))
            .await?;
        // 204 when terminated; 404 when it is already gone.
        if resp.is_success() || resp.status == 404 {
            return Ok(());
        }
        Err(error_from(resp.status, &resp.body))
    }
}

/// What a RunPod offer id (`secure:1xNVIDIA_H100_80GB_HBM3@US-KS-2`) says.
struct PodOffer {
    cloud: &'static str,
    count: u32,
    gpu_id: String,
    data_center: Option<String>,
}

fn parse_offer(offer: &str) -> Result<PodOffer, ProviderError> {
    let bad = || {
        ProviderError::new(
            ID,
            ErrorKind::Invalid,
            format!("`runpod:{offer}` is not a RunPod offer id"),
        )
    };
    let (cloud, rest) = offer.split_once(':').ok_or_else(bad)?;
    let cloud = match cloud {
        "secure" => "SECURE",
        "community" => "COMMUNITY",
        _ => return Err(bad()),
    };
    let (gpu_part, dc) = match rest.split_once('@') {
        Some((g, d)) => (g, Some(d.to_string())),
        None => (rest, None),
    };
    let (count, gpu) = gpu_part.split_once('x').ok_or_else(bad)?;
    Ok(PodOffer {
        cloud,
        count: count.parse().map_err(|_| bad())?,
        gpu_id: gpu.replace('_', " "),
        data_center: dc,
    })
}

impl RunPod {
    fn create_request(&self, req: &LaunchRequest) -> Result<Request<'_>, ProviderError> {
        boot::refuse_unsupported(
            ID,
            req,
            self.boot(),
            "a pod's only start command (`args`) replaces the image's own, which starts sshd; build the script into `--image`, or run it with `gpu ssh` / `gpu run`",
        )?;
        let o = parse_offer(&req.offer)?;
        let mut body = serde_json::json!({
            "name": req.tagged_name(),
            "gpu": {"id": o.gpu_id, "count": o.count},
            "image": req.image.clone().unwrap_or_else(|| self.image.clone()),
            "cloud": o.cloud,
            "ports": ["22/tcp"],
        });
        if let Some(dc) = o.data_center {
            body["dataCenterIds"] = serde_json::json!([dc]);
        }
        // Always sent, so that the pod gets the disk its price was shown with.
        body["disk"] = serde_json::json!(req.disk_gb.unwrap_or(DEFAULT_DISK_GB));
        let mut env = serde_json::Map::new();
        for (k, v) in &req.env {
            env.insert(k.clone(), serde_json::json!(v));
        }
        if let Some(key) = &req.ssh_public_key {
            // RunPod's images install `PUBLIC_KEY` into authorized_keys at start.
            env.insert("PUBLIC_KEY".into(), serde_json::json!(key.trim()));
        }
        if !env.is_empty() {
            body["env"] = serde_json::Value::Object(env);
        }
        Ok(Request::post_json(http::join(&self.base_url, PODS), body)
            .bearer(Some(&self.key))
            .creating())
    }
}

/// Where a listed pod keeps its id and name, for one that cannot be read whole.
const KEYS: http::InstanceKeys = http::InstanceKeys {
    id: "id",
    names: &["name"],
};

/// `GET /pods`, a pod at a time.
pub(crate) fn parse_pods(body: &[u8]) -> Result<Vec<Instance>, ProviderError> {
    let list: api::PodList = http::parse_json(ID, PODS, body)?;
    // A partial list would make pods past the first page look gone while they bill; say the
    // list is incomplete instead, so nothing is concluded from it.
    if list.pagination.is_some_and(|p| p.has_next_page) {
        return Err(ProviderError::new(
            ID,
            ErrorKind::Unsupported,
            "RunPod answered the pod list in pages, which its reference does not describe; listing past the first page is not supported yet",
        ));
    }
    http::instances(ID, PODS, list.pods, &KEYS, to_instance)
}

fn to_instance(p: api::Pod) -> Instance {
    // Only the direct endpoint takes scp, rsync and `gpu run`: the proxy is an interactive
    // shell whose user name is a routing token. A pod reports RUNNING before its public port
    // is assigned (recorded live), so until `ssh.direct` appears it is still coming up.
    let direct = p.ssh.as_ref().and_then(|s| s.direct.as_ref());
    let state = match p.status.as_str() {
        "PROVISIONING" | "STARTING" | "CREATED" => State::Provisioning,
        "RUNNING" if direct.is_none() => State::Provisioning,
        "RUNNING" => State::Running,
        "EXITED" => State::Stopped,
        "TERMINATED" => State::Terminated,
        "ERROR" => State::Failed,
        _ => State::Unknown,
    };
    let ssh = direct.map(|d| Ssh {
        host: d.host.clone(),
        port: d.port,
        user: d.username.clone().unwrap_or_else(|| "root".to_string()),
    });
    Instance {
        provider: ID.to_string(),
        id: p.id,
        name: String::new(),
        state,
        status: p.status,
        gpu: p.gpu.as_ref().map(|g| canonical(&g.id).family),
        gpu_count: p.gpu.as_ref().map(|g| g.count),
        region: p.data_center_id,
        price_per_hour_usd: p.cost.filter(|c| *c > 0.0),
        ssh,
        owner: None,
        deadline: None,
        launcher: None,
        launched: None,
        unreadable: None,
    }
    .named(&p.name)
}

fn to_offers(
    gpus: Vec<api::GpuType>,
    cloud: Cloud,
    count: u32,
    disk_gb: u32,
    source_url: &str,
    as_of: &str,
) -> Vec<Offer> {
    let mut offers = Vec::new();
    for g in gpus {
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
        // The GPUs, plus the container disk `gpu up` asks for, which RunPod bills while the
        // pod runs at $0.10 per GB-month (its pricing page; the API gives no disk price).
        let storage = f64::from(disk_gb) * CONTAINER_DISK_USD_PER_GB_MONTH / HOURS_PER_MONTH;
        let price = per_gpu_price * f64::from(count) + storage;
        let base = Offer {
            provider: ID.to_string(),
            offer_id: format!("{ID}:{}:{count}x{slug}", cloud.label()),
            instance_type: format!("{count}x {} ({})", g.id, cloud.label()),
            gpu: gpu.family,
            gpu_variant: gpu.variant,
            gpu_memory_gb: gpu.memory_gb,
            gpu_count: count,
            gpu_fraction: None,
            vcpus: None,
            memory_gb: None,
            disk_gb: None,
            region: "any".to_string(),
            spot: false,
            price_per_hour_usd: price,
            price_per_gpu_hour_usd: price / f64::from(count.max(1)),
            available: Some(false),
            stock: g.availability.as_deref().map(str::to_ascii_lowercase),
            source: Source::Live,
            as_of: as_of.to_string(),
            source_url: source_url.to_string(),
            storage_price_per_hour_usd: Some((storage * 1e6).round() / 1e6),
            catalog_source: None,
            as_of_estimated: false,
            country: None,
            continent: None,
            value: Value::default(),
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
            let region = http::region(&dc.id);
            offers.push(Offer {
                offer_id: format!("{}@{region}", base.offer_id),
                region,
                available: Some(true),
                stock: Some(dc.availability.to_ascii_lowercase()),
                ..base.clone()
            });
        }
    }
    offers
}

/// RunPod v2 errors are RFC 9457 problem documents: `{title, status, detail, errors?}`. A 400
/// is a rule violation or no capacity, told apart only by `detail`.
fn error_from(status: u16, body: &[u8]) -> ProviderError {
    let detail = serde_json::from_slice::<api::Problem>(body)
        .ok()
        .map(|p| {
            let detail = p.detail.or(p.title).unwrap_or_default();
            if p.errors.is_empty() {
                detail
            } else {
                format!("{detail} ({})", p.errors.join("; "))
            }
        })
        .unwrap_or_else(|| http::snippet(body));
    let mut err = http::status_error(ID, status, Some(detail.clone()));
    let lower = detail.to_ascii_lowercase();
    if status == 400
        && (lower.contains("no longer any instances available")
            || lower.contains("no instances available"))
    {
        err.kind = ErrorKind::NoCapacity;
        err.message = format!("no capacity (HTTP 400): {detail}");
    } else if status == 402 {
        err.kind = ErrorKind::Invalid;
        err.message = format!("insufficient balance (HTTP 402): {detail}");
    } else if status == 404 {
        err.kind = ErrorKind::NotFound;
    }
    err
}

/// The offers in one catalog answer, as Secure Cloud (for fuzzing).
#[cfg(test)]
pub(crate) fn parse_offers(body: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    let catalog: api::Catalog = http::parse_json(ID, CATALOG, body)?;
    let gpus = http::readable(ID, CATALOG, catalog.gpus, "GPU types", &mut Vec::new())?;
    Ok(to_offers(
        gpus,
        Cloud::Secure,
        1,
        DEFAULT_DISK_GB,
        "https://fuzz",
        "2026-01-01T00:00:00Z",
    ))
}

#[cfg(test)]
mod tests;
