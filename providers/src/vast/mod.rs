//! Vast.ai: `POST /api/v0/bundles/` with a JSON query. A marketplace: every offer is one host's
//! slice, priced per whole offer in US dollars per hour (`dph_total`, storage included). It
//! answers without a key; a key, when configured, is sent as a Bearer token.
//! Docs: <https://docs.vast.ai/api-reference/search/search-offers>.

mod api;

use serde_json::{json, Map, Value};

use crate::boot::{self, Boot};
use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::instance::{Instance, LaunchRequest, PlannedRequest, Ssh, State};
use crate::offer::{now_rfc3339, per_gpu, Offer, Source};
use crate::secret::Secret;
use crate::{Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "vast";
const BUNDLES: &str = "/api/v0/bundles/";
const DEFAULT_LIMIT: u64 = 1000;
const INSTANCES: &str = "/api/v0/instances/";
/// The one list of instances in Vast's document (`showInstances`), paged by key: `limit` at most
/// 25, `next_token` of an answer is the `after_token` of the next, `null` at the end. The v0
/// list (`/api/v0/instances/?owner=me`) is not in the document; vast-cli left it in 2026-06.
const INSTANCES_V1: &str = "/api/v1/instances/";
const INSTANCES_PAGE: u32 = 25;
/// Pages read before the list is taken to be endless (10,000 instances).
const INSTANCES_MAX_PAGES: u32 = 400;
/// Image used when `--image` is not given (or `image` under `[providers.vast]`).
const DEFAULT_IMAGE: &str = "pytorch/pytorch:latest";
const DEFAULT_DISK_GB: u32 = 32;
/// Vast bills storage per GB-month of 30 days.
const HOURS_PER_MONTH: f64 = 720.0;

pub const ENTRY: ProviderEntry = ProviderEntry {
    id: ID,
    name: "Vast.ai",
    key_env: "VAST_API_KEY",
    default_base_url: "https://console.vast.ai",
    docs_url: "https://docs.vast.ai/api-reference/search/search-offers",
    capabilities: Capabilities {
        live_offers: true,
        offers_need_key: false,
        spot: true,
        launch: true,
        expires_itself: true,
    },
    settings: &["limit", "verified_only", "image"],
    settings_env: &[],
    build,
};

struct Vast {
    key: Option<Secret>,
    base_url: String,
    http: Http,
    limit: u64,
    /// Only hosts Vast has verified (the `vastai` CLI's default).
    verified_only: bool,
    image: String,
    gaps: std::sync::Mutex<Vec<String>>,
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    let limit = match ctx.settings.get("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => v
            .as_integer()
            .filter(|n| (1..=10_000).contains(n))
            .map(|n| n as u64)
            .ok_or_else(|| {
                ProviderError::new(
                    ID,
                    ErrorKind::Invalid,
                    "`limit` must be a whole number from 1 to 10000",
                )
            })?,
    };
    let verified_only = match ctx.settings.get("verified_only") {
        None => true,
        Some(v) => v.as_bool().ok_or_else(|| {
            ProviderError::new(
                ID,
                ErrorKind::Invalid,
                "`verified_only` must be true or false",
            )
        })?,
    };
    let image = match ctx.settings.get("image") {
        None => DEFAULT_IMAGE.to_string(),
        Some(v) => v.as_str().map(str::to_string).ok_or_else(|| {
            ProviderError::new(ID, ErrorKind::Invalid, "`image` must be a string")
        })?,
    };
    Ok(Box::new(Vast {
        key: ctx.api_key,
        base_url: ctx.base_url,
        http: ctx.http,
        limit,
        verified_only,
        image,
        gaps: Default::default(),
    }))
}

/// Vast's own `gpu_name` spellings for the families a filter can narrow to server-side.
fn vast_names(family: &str) -> &'static [&'static str] {
    match family {
        "H100" => &["H100 SXM", "H100 PCIE", "H100 NVL"],
        "H200" => &["H200", "H200 NVL"],
        "B200" => &["B200"],
        "A100" => &["A100 SXM4", "A100 PCIE", "A100X"],
        "L40S" => &["L40S"],
        "L40" => &["L40"],
        "L4" => &["L4"],
        "A40" => &["A40"],
        "A10" => &["A10"],
        "RTX 4090" => &["RTX 4090", "RTX 4090D"],
        "RTX 5090" => &["RTX 5090"],
        "RTX 3090" => &["RTX 3090"],
        "RTX A6000" => &["RTX A6000"],
        "RTX 6000 Ada" => &["RTX 6000Ada"],
        _ => &[],
    }
}

impl Vast {
    /// The search body: the `vastai` CLI's default filters plus what the query narrows.
    fn query_body(&self, q: &OfferQuery) -> Value {
        let mut body = Map::new();
        body.insert("rentable".into(), json!({"eq": true}));
        body.insert("rented".into(), json!({"eq": false}));
        body.insert("external".into(), json!({"eq": false}));
        if self.verified_only {
            body.insert("verified".into(), json!({"eq": true}));
        }
        // Offers with room for the disk `gpu up` asks for, priced with it: Vast's `dph_total`
        // covers `allocated_storage` GB (8 when it is not sent), not the disk of the rental.
        let disk = q.disk_gb.unwrap_or(DEFAULT_DISK_GB);
        body.insert("disk_space".into(), json!({"gte": disk}));
        body.insert("allocated_storage".into(), json!(disk));
        // Names go server-side only when every filter maps to known Vast names; otherwise we
        // ask broadly and filter locally, so a spelling we do not know never hides offers.
        let names: Vec<&str> = q
            .gpus
            .iter()
            .flat_map(|f| vast_names(&f.family))
            .copied()
            .collect();
        if !q.gpus.is_empty() && q.gpus.iter().all(|f| !vast_names(&f.family).is_empty()) {
            body.insert("gpu_name".into(), json!({"in": names}));
        }
        if let Some(n) = q.gpu_count {
            body.insert("num_gpus".into(), json!({"eq": n}));
        } else if let Some(n) = q.min_gpus {
            body.insert("num_gpus".into(), json!({"gte": n}));
        }
        let spot = q.spot == Some(true);
        body.insert("type".into(), json!(if spot { "bid" } else { "on-demand" }));
        body.insert("order".into(), json!([["dph_total", "asc"]]));
        body.insert("limit".into(), json!(self.limit));
        Value::Object(body)
    }
}

#[async_trait::async_trait]
impl Provider for Vast {
    fn id(&self) -> &'static str {
        ID
    }

    async fn offers(&self, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError> {
        let url = http::join(&self.base_url, BUNDLES);
        let req = Request::post_json(&url, self.query_body(q)).bearer(self.key.as_ref());
        let resp = self.http.send(ID, &req).await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        let parsed: api::Bundles = http::parse_json(ID, BUNDLES, &resp.body)?;
        let mut gaps = Vec::new();
        let bundles = http::readable(ID, BUNDLES, parsed.offers, "offers", &mut gaps)?;
        *self.gaps.lock().unwrap_or_else(|e| e.into_inner()) = gaps;
        let spot = q.spot == Some(true);
        Ok(to_offers(
            bundles,
            spot,
            q.disk_gb.unwrap_or(DEFAULT_DISK_GB),
            &http::redact_url(&url),
            &now_rfc3339(),
        ))
    }
    fn gaps(&self) -> Vec<String> {
        self.gaps.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn boot(&self) -> Boot {
        // `env` is the container's environment; `onstart` runs after Vast's own start.
        Boot {
            env: true,
            script: true,
        }
    }

    fn launch_plan(&self, req: &LaunchRequest) -> Result<Vec<PlannedRequest>, ProviderError> {
        let mut plan = vec![self.create_request(req)?.plan()];
        if let Some(key) = &req.ssh_public_key {
            plan.push(
                Request::post_json(
                    self.url(&format!("{INSTANCES}<new id>/ssh/")),
                    json!({"ssh_key": key.trim()}),
                )
                .plan(),
            );
        }
        Ok(plan)
    }

    async fn launch(&self, req: &LaunchRequest) -> Result<Instance, ProviderError> {
        self.key()?;
        let resp = self.http.send(ID, &self.create_request(req)?).await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        let created: api::Created = http::parse_json(ID, "/api/v0/asks/", &resp.body)?;
        let id = created.new_contract.to_string();
        if let Some(key) = &req.ssh_public_key {
            // Vast attaches keys to an instance after it is created (`vastai attach ssh`).
            let url = self.url(&format!("{INSTANCES}{id}/ssh/"));
            let attach =
                Request::post_json(url, json!({"ssh_key": key.trim()})).bearer(self.key.as_ref());
            let resp = self.http.send(ID, &attach).await?;
            if !resp.is_success() {
                let e = error_from(resp.status, &resp.body);
                return Err(ProviderError::new(
                    ID,
                    e.kind,
                    format!(
                        "instance {id} was created, but attaching the SSH key failed: {}",
                        e.message
                    ),
                )
                .created(id));
            }
        }
        Ok(Instance {
            provider: ID.to_string(),
            id,
            name: req.name.clone(),
            state: State::Provisioning,
            status: "created".to_string(),
            gpu: None,
            gpu_count: None,
            region: req.region.clone(),
            price_per_hour_usd: req.max_price_per_hour,
            ssh: None,
            owner: None,
            deadline: None,
            launcher: None,
            launched: None,
            unreadable: None,
        })
    }

    async fn instances(&self) -> Result<Vec<Instance>, ProviderError> {
        self.key()?;
        // Ordered by id, as vast-cli asks, so that the pages follow one another.
        let order = "%5B%7B%22col%22%3A%22id%22%2C%22dir%22%3A%22asc%22%7D%5D";
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..INSTANCES_MAX_PAGES {
            let mut url = format!(
                "{}?limit={INSTANCES_PAGE}&order_by={order}",
                self.url(INSTANCES_V1)
            );
            if let Some(token) = &after {
                url.push_str("&after_token=");
                url.push_str(&http::percent_encode(token));
            }
            let resp = self
                .http
                .send(ID, &Request::get(url).bearer(self.key.as_ref()))
                .await?;
            if !resp.is_success() {
                return Err(error_from(resp.status, &resp.body));
            }
            let (read, next) = parse_instances(&resp.body)?;
            all.extend(read);
            match next.filter(|t| !t.is_empty()) {
                // A token that does not move on would page forever.
                Some(t) if after.as_deref() == Some(t.as_str()) => break,
                Some(t) => after = Some(t),
                None => return Ok(all),
            }
        }
        // Half a list is not the list: an instance not seen must not read as gone.
        Err(ProviderError::new(
            ID,
            ErrorKind::BadResponse,
            format!(
                "`{INSTANCES_V1}` kept paging after {} instances; not taken as the whole list",
                all.len()
            ),
        ))
    }

    async fn instance(&self, id: &str) -> Result<Option<Instance>, ProviderError> {
        self.key()?;
        let url = self.url(&format!("{INSTANCES}{id}/"));
        let resp = self
            .http
            .send(ID, &Request::get(url).bearer(self.key.as_ref()))
            .await?;
        if resp.status == 404 {
            return Ok(None);
        }
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        // The key is plural but the value is one object (or null once it is gone).
        let one: api::OneInstance = http::parse_json(ID, INSTANCES, &resp.body)?;
        one.instances
            .map(|v| http::instance(ID, INSTANCES, v, &KEYS, to_instance))
            .transpose()
    }

    async fn terminate(&self, id: &str) -> Result<(), ProviderError> {
        self.key()?;
        let url = self.url(&format!("{INSTANCES}{id}/"));
        let resp = self
            .http
            .send(ID, &Request::delete(url).bearer(self.key.as_ref()))
            .await?;
        if resp.is_success() || resp.status == 404 {
            return Ok(());
        }
        Err(error_from(resp.status, &resp.body))
    }
}

impl Vast {
    fn url(&self, path: &str) -> String {
        http::join(&self.base_url, path)
    }

    /// A start command that ends the instance at `deadline` (Unix seconds) from inside, with
    /// the key Vast injects into every instance (`CONTAINER_API_KEY`, which "can only start,
    /// stop, or destroy that specific instance"): no account key ever reaches the instance. It
    /// counts down from the absolute deadline, so a restarted container does not extend it.
    fn self_destroy(&self, deadline: u64) -> String {
        let url = self.url(&format!("{INSTANCES}$CONTAINER_ID/"));
        format!(
            "(sleep $(( {deadline} - $(date +%s) )); curl -fsS -X DELETE -H \"Authorization: Bearer $CONTAINER_API_KEY\" \"{url}\") >/root/gpu-deadline.log 2>&1 &"
        )
    }

    fn key(&self) -> Result<&Secret, ProviderError> {
        self.key.as_ref().ok_or_else(|| {
            ProviderError::new(
                ID,
                ErrorKind::NotConfigured,
                "`vast` needs an API key to rent or list instances",
            )
        })
    }

    /// `PUT /api/v0/asks/{offer_id}/`: rent that offer. A bid (`price`) makes it interruptible.
    fn create_request(&self, req: &LaunchRequest) -> Result<Request<'_>, ProviderError> {
        let ask: u64 = req.offer.parse().map_err(|_| {
            ProviderError::new(
                ID,
                ErrorKind::Invalid,
                format!("`vast:{}` is not a Vast offer id", req.offer),
            )
        })?;
        let mut body = json!({
            "client_id": "me",
            "image": req.image.clone().unwrap_or_else(|| self.image.clone()),
            "disk": req.disk_gb.unwrap_or(DEFAULT_DISK_GB),
            "label": req.tagged_name(),
            "runtype": "ssh",
        });
        if req.offer_spot {
            if let Some(p) = req.max_price_per_hour {
                body["price"] = json!(p);
            }
        }
        if !req.env.is_empty() {
            // The object form, as Vast's own CLI sends it (`{"K": "V"}`).
            body["env"] = json!(req.env);
        }
        // The deadline timer first, so that a startup script that fails or never ends does
        // not keep it from being armed. Vast's `env` reaches the container's main process but
        // not SSH sessions, so the variables also go into /etc/environment.
        let timer = req.deadline.map(|d| self.self_destroy(d));
        if let Some(onstart) = boot::boot_script(ID, req, timer.as_deref())? {
            body["onstart"] = json!(onstart.trim_end());
        }
        Ok(Request::new(
            http::Method::Put,
            self.url(&format!("/api/v0/asks/{ask}/")),
            Some(body),
        )
        .bearer(self.key.as_ref())
        .creating())
    }
}

/// Where a listed instance keeps its id and name, for one that cannot be read whole.
const KEYS: http::InstanceKeys = http::InstanceKeys {
    id: "id",
    names: &["label"],
};

/// One page of `GET /api/v1/instances/`, an instance at a time, with the token of the next.
pub(crate) fn parse_instances(
    body: &[u8],
) -> Result<(Vec<Instance>, Option<String>), ProviderError> {
    let page: api::InstancePage = http::parse_json(ID, INSTANCES_V1, body)?;
    let read = http::instances(
        ID,
        INSTANCES_V1,
        page.instances.unwrap_or_default(),
        &KEYS,
        to_instance,
    )?;
    Ok((read, page.next_token))
}

fn to_instance(i: api::RentedInstance) -> Instance {
    let status = i
        .actual_status
        .clone()
        .unwrap_or_else(|| "provisioning".to_string());
    let state = match i.actual_status.as_deref() {
        None | Some("loading") | Some("created") | Some("scheduling") => State::Provisioning,
        Some("running") => State::Running,
        Some("stopped") | Some("exited") | Some("frozen") | Some("offline") => State::Stopped,
        Some("destroying") => State::Terminating,
        _ => State::Unknown,
    };
    let ssh = match (i.ssh_host.filter(|h| !h.is_empty()), i.ssh_port) {
        (Some(host), Some(port)) => Some(Ssh {
            host,
            port,
            user: "root".to_string(),
        }),
        _ => None,
    };
    Instance {
        provider: ID.to_string(),
        id: i.id.to_string(),
        name: String::new(),
        state,
        status,
        gpu: i.gpu_name.map(|g| canonical(&g).family),
        gpu_count: i.num_gpus,
        region: i.geolocation,
        price_per_hour_usd: i.dph_total,
        ssh,
        owner: None,
        deadline: None,
        launcher: None,
        launched: None,
        unreadable: None,
    }
    .named(i.label.as_deref().unwrap_or_default())
}

pub(crate) fn to_offers(
    bundles: Vec<api::Bundle>,
    spot: bool,
    disk_gb: u32,
    source_url: &str,
    as_of: &str,
) -> Vec<Offer> {
    let mut offers = Vec::with_capacity(bundles.len());
    for o in bundles {
        let Some(count) = o.num_gpus.filter(|n| *n >= 1) else {
            continue;
        };
        // What the rental bills per hour: the GPU part (`dph_base`, or the bid) plus the disk
        // `gpu up` asks for at `storage_cost` dollars per GB-month (a 720-hour month, as Vast
        // counts it). Without those fields, `dph_total` (which covers `allocated_storage`).
        let storage = o
            .storage_cost
            .filter(|c| c.is_finite() && *c >= 0.0)
            .map(|c| c * f64::from(disk_gb) / HOURS_PER_MONTH);
        let gpu_part = if spot {
            o.min_bid.filter(|p| http::sane_price(*p))
        } else {
            o.dph_base.filter(|p| http::sane_price(*p))
        };
        let (price, storage) = match (gpu_part, storage) {
            (Some(g), Some(s)) => (Some(g + s), Some(s)),
            // No storage price: the GPU part (a bid stays a bid), else `dph_total`.
            (Some(g), None) if spot => (Some(g), None),
            _ => (o.dph_total, None),
        };
        let Some(price) = price.filter(|p| http::sane_price(*p)) else {
            continue;
        };
        let raw_name = o.gpu_name.unwrap_or_default();
        let mut gpu = canonical(&raw_name);
        if let Some(mb) = o.gpu_ram.filter(|m| *m > 0.0) {
            // Vast reports MB; round to the marketed size (81559 MB -> 80 GB).
            gpu.memory_gb = Some((mb / 1024.0).round());
        }
        let memory_gb = match (o.cpu_ram, o.cpu_cores, o.cpu_cores_effective) {
            (Some(ram), Some(cores), Some(eff)) if cores > 0.0 => {
                Some((ram * eff / cores / 1000.0).round())
            }
            _ => None,
        };
        let region = o
            .geolocation
            .map(|g| g.chars().filter(|c| !c.is_control()).collect::<String>())
            .filter(|g| !g.trim().is_empty())
            .unwrap_or_else(|| "unknown".to_string());
        offers.push(Offer {
            provider: ID.to_string(),
            offer_id: format!("{ID}:{}", o.id),
            instance_type: format!(
                "{count}x {raw_name} (machine {})",
                o.machine_id.unwrap_or(0)
            ),
            gpu: gpu.family,
            gpu_variant: gpu.variant,
            gpu_memory_gb: gpu.memory_gb,
            gpu_count: count,
            gpu_fraction: None,
            // `cpu_cores: null` (seen on some hosts) leaves the slice's share unknown too.
            vcpus: o
                .cpu_cores
                .and(o.cpu_cores_effective)
                .filter(|c| *c >= 1.0)
                .map(|c| c.floor() as u32),
            memory_gb,
            disk_gb: o.disk_space.map(f64::round),
            region,
            spot,
            price_per_hour_usd: price,
            price_per_gpu_hour_usd: per_gpu(price, count),
            available: Some(o.rentable.unwrap_or(true) && !o.rented.unwrap_or(false)),
            stock: None,
            source: Source::Live,
            as_of: as_of.to_string(),
            source_url: source_url.to_string(),
            storage_price_per_hour_usd: storage.map(|s| (s * 1e6).round() / 1e6),
            catalog_source: None,
            as_of_estimated: false,
            country: None,
            continent: None,
            value: Default::default(),
        });
    }
    offers
}

/// Vast errors: `{success:false, error, msg}`, or `{detail}` on some 429s. A bad key is a 401,
/// or a 404 whose `msg` says "Invalid user key".
fn error_from(status: u16, body: &[u8]) -> ProviderError {
    let parsed: Option<api::ErrorBody> = serde_json::from_slice(body).ok();
    let detail = parsed
        .as_ref()
        .and_then(|b| {
            b.msg
                .clone()
                .or_else(|| b.detail.clone())
                .or_else(|| b.error.clone())
        })
        .unwrap_or_else(|| http::snippet(body));
    let mut err = http::status_error(ID, status, Some(detail.clone()));
    let code = parsed
        .as_ref()
        .and_then(|b| b.error.clone())
        .unwrap_or_default();
    if status == 404 && detail.to_ascii_lowercase().contains("invalid user key") {
        err = http::status_error(ID, 401, Some(detail));
        err.message = err.message.replace("HTTP 401", "HTTP 404");
    } else if code == "no_such_ask" || status == 410 {
        // Someone rented it first, or it was withdrawn: try the next offer.
        err.kind = ErrorKind::NoCapacity;
        err.message = format!("offer taken (HTTP {status}): {detail}");
    }
    err
}

/// The offers in one `/bundles/` answer (for fuzzing and benchmarks).
#[cfg(test)]
pub(crate) fn parse_offers(body: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    let parsed: api::Bundles = http::parse_json(ID, BUNDLES, body)?;
    let bundles = http::readable(ID, BUNDLES, parsed.offers, "offers", &mut Vec::new())?;
    Ok(to_offers(
        bundles,
        false,
        DEFAULT_DISK_GB,
        "https://fuzz",
        "2026-01-01T00:00:00Z",
    ))
}

#[cfg(test)]
mod tests;
