//! Prime Intellect, an aggregator of GPU clouds: `GET /api/v1/availability/gpus` pages through
//! every offer of every upstream provider (`{"items", "totalCount"}`, prices in US dollars per
//! hour for the whole box, extra disk at `pricePerUnit` per GB-hour); `POST /api/v1/pods/`
//! creates a pod from one offer, `GET /api/v1/pods/` lists them (`{"total_count", "data"}`),
//! `DELETE /api/v1/pods/{id}` ends one. A bearer key (`PRIME_API_KEY`).
//!
//! The upstream provider stays in the offer: `primeintellect:{provider}/{cloudId}@{dataCenter}`
//! (spaces in `cloudId` as `_`; `:community` and `:spot` where they apply). Pods have no tags,
//! so owner and deadline ride in the pod's name. The availability list is intermittently an
//! empty 200 (`{"items": [], "totalCount": 0}`): that is asked again, and an answer that stays
//! empty is a gap, never "no offers". Shapes: `fixtures/README.md`.

mod api;

use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::instance::{Instance, LaunchRequest, PlannedRequest, Ssh, State};
use crate::offer::{now_rfc3339, per_gpu, Offer, Source, Value};
use crate::secret::Secret;
use crate::{sshkey, Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "primeintellect";
const AVAILABILITY: &str = "/api/v1/availability/gpus";
const PODS: &str = "/api/v1/pods/";
const SSH_KEYS: &str = "/api/v1/ssh_keys/";
/// The largest page either list serves.
const PAGE: usize = 100;
/// Stop paging after this many pages, whatever `totalCount` claims.
const MAX_PAGES: usize = 50;
/// How many times an empty availability answer is asked again.
const EMPTY_RETRIES: u32 = 2;
/// The image pods boot when none is asked for, where the offer has it.
const DEFAULT_IMAGE: &str = "ubuntu_22_cuda_12";

pub const ENTRY: ProviderEntry = ProviderEntry {
    id: ID,
    name: "Prime Intellect",
    key_env: "PRIME_API_KEY",
    default_base_url: "https://api.primeintellect.ai",
    docs_url: "https://docs.primeintellect.ai/api-reference",
    capabilities: Capabilities {
        live_offers: true,
        offers_need_key: true,
        spot: true,
        launch: true,
        expires_itself: false,
    },
    settings: &[],
    settings_env: &[],
    build,
};

struct Prime {
    key: Option<Secret>,
    base_url: String,
    http: Http,
    /// Offers of the last availability answer that could not be read (the others were).
    gaps: std::sync::Mutex<Vec<String>>,
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    Ok(Box::new(Prime {
        key: ctx.api_key,
        base_url: ctx.base_url,
        http: ctx.http,
        gaps: Default::default(),
    }))
}

#[async_trait::async_trait]
impl Provider for Prime {
    fn id(&self) -> &'static str {
        ID
    }

    fn boot(&self) -> crate::boot::Boot {
        crate::boot::Boot {
            env: true,
            script: false,
        }
    }

    fn gaps(&self) -> Vec<String> {
        self.gaps.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    async fn offers(&self, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError> {
        let items = self.availability().await?;
        let source = http::redact_url(&self.url(AVAILABILITY));
        Ok(to_offers(&items, q.disk_gb, &source, &now_rfc3339())
            .into_iter()
            .map(|(o, _)| o)
            .filter(|o| {
                if o.spot {
                    q.wants_spot()
                } else {
                    q.wants_on_demand()
                }
            })
            .collect())
    }

    fn launch_plan(&self, req: &LaunchRequest) -> Result<Vec<PlannedRequest>, ProviderError> {
        refuse_script(req)?;
        self.key()?;
        // Without reading the offer the pod body is not known: `launch_preview` reads it.
        let mut plan = self.key_plan(req);
        plan.push(PlannedRequest {
            method: "POST".into(),
            url: self.url(PODS),
            body: None,
        });
        Ok(plan)
    }

    async fn launch_preview(
        &self,
        req: &LaunchRequest,
    ) -> Result<Vec<PlannedRequest>, ProviderError> {
        refuse_script(req)?;
        let offer = self.current(req).await?;
        let mut plan = self.key_plan(req);
        plan.push(
            Request::post_json(self.url(PODS), create_body(&offer, req, "<ssh key id>")?).plan(),
        );
        Ok(plan)
    }

    async fn launch(&self, req: &LaunchRequest) -> Result<Instance, ProviderError> {
        refuse_script(req)?;
        // The pod is made from the offer as Prime Intellect lists it now: its cloudId,
        // socket, data center and security are the request.
        let offer = self.current(req).await?;
        let key_id = self.ssh_key_id(req).await?;
        let body = create_body(&offer, req, &key_id)?;
        let resp = self
            .http
            .send(
                ID,
                &self
                    .authed(Request::post_json(self.url(PODS), body))?
                    .creating(),
            )
            .await?;
        if !resp.is_success() {
            return Err(create_error(resp.status, &resp.body));
        }
        let pod: api::Pod = http::parse_json(ID, PODS, &resp.body)?;
        let mut i = to_instance(pod, Some(&offer));
        if i.name.is_empty() {
            i = i.named(&req.tagged_name());
        }
        Ok(i)
    }

    async fn instances(&self) -> Result<Vec<Instance>, ProviderError> {
        let mut pods = Vec::new();
        for page in 0..MAX_PAGES {
            let url = format!("{}?offset={}&limit={PAGE}", self.url(PODS), page * PAGE);
            let resp = self.http.send(ID, &self.authed(Request::get(url))?).await?;
            if !resp.is_success() {
                return Err(error_from(resp.status, &resp.body));
            }
            let (read, total) = parse_pods(&resp.body)?;
            let n = read.len();
            pods.extend(read);
            let total = total.map_or(usize::MAX, |t| t as usize);
            if n < PAGE || pods.len() >= total {
                break;
            }
        }
        Ok(pods)
    }

    async fn terminate(&self, id: &str) -> Result<(), ProviderError> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ProviderError::new(
                ID,
                ErrorKind::Invalid,
                format!("`{id}` is not a Prime Intellect pod id"),
            ));
        }
        let url = format!("{}{id}", self.url(PODS));
        let resp = self
            .http
            .send(ID, &self.authed(Request::delete(url))?)
            .await?;
        // A pod it no longer knows has gone to its history already.
        if resp.is_success() || resp.status == 404 {
            return Ok(());
        }
        Err(error_from(resp.status, &resp.body))
    }
}

/// Pods take environment variables (`envVars`) but no script of ours: the image's own
/// start is what makes SSH work.
fn refuse_script(req: &LaunchRequest) -> Result<(), ProviderError> {
    crate::boot::refuse_unsupported(
        ID,
        req,
        crate::boot::Boot {
            env: true,
            script: false,
        },
        "`gpu` does not send startup scripts to Prime Intellect",
    )
}

impl Prime {
    fn url(&self, path: &str) -> String {
        http::join(&self.base_url, path)
    }

    fn key(&self) -> Result<&Secret, ProviderError> {
        self.key.as_ref().ok_or_else(|| {
            ProviderError::new(
                ID,
                ErrorKind::NotConfigured,
                "`primeintellect` needs an API key (`PRIME_API_KEY`)",
            )
        })
    }

    fn authed<'a>(&'a self, r: Request<'a>) -> Result<Request<'a>, ProviderError> {
        Ok(r.bearer(Some(self.key()?)))
    }

    /// The availability item of the offer asked for, as listed now.
    async fn current(&self, req: &LaunchRequest) -> Result<api::Offer, ProviderError> {
        let items = self.availability().await?;
        let id = format!("{ID}:{}", req.offer);
        let mut matching: Vec<api::Offer> = to_offers(&items, req.disk_gb, "", "")
            .into_iter()
            .filter(|(o, _)| o.offer_id == id)
            .map(|(_, item)| item)
            .collect();
        match matching.len() {
            0 => Err(ProviderError::new(
                ID,
                ErrorKind::NoCapacity,
                format!("`{id}` is no longer offered"),
            )),
            1 => Ok(matching.remove(0)),
            // Never guess which box to rent.
            n => Err(ProviderError::new(
                ID,
                ErrorKind::NoCapacity,
                format!(
                    "`{id}` names {n} different offers now; not launching one of them at random"
                ),
            )),
        }
    }

    /// The reads (and the one key upload) that come before a create.
    fn key_plan(&self, req: &LaunchRequest) -> Vec<PlannedRequest> {
        let mut plan = vec![
            Request::get(self.url(AVAILABILITY)).plan(),
            Request::get(self.url(SSH_KEYS)).plan(),
        ];
        if let (None, Some(k)) = (&req.ssh_key_name, &req.ssh_public_key) {
            plan.push(
                Request::post_json(
                    self.url(SSH_KEYS),
                    serde_json::json!({"name": sshkey::name_for(k), "publicKey": k.trim()}),
                )
                .plan(),
            );
        }
        plan
    }

    /// Every offer, page by page. An empty first page is asked again: Prime Intellect serves
    /// one now and then from a replica that has nothing, and "no GPU anywhere" is not a thing
    /// it really says.
    async fn availability(&self) -> Result<Vec<api::Offer>, ProviderError> {
        let mut tries = 0;
        loop {
            let items = self.availability_once().await?;
            if !items.is_empty() {
                return Ok(items);
            }
            if tries >= EMPTY_RETRIES {
                return Err(ProviderError::new(
                    ID,
                    ErrorKind::Unavailable,
                    format!(
                        "`{AVAILABILITY}` answered an empty list {} times (it does so intermittently); not taken as \"no offers\": try again",
                        tries + 1
                    ),
                ));
            }
            tries += 1;
            tokio::time::sleep(self.http.options().retry_base_delay).await;
        }
    }

    async fn availability_once(&self) -> Result<Vec<api::Offer>, ProviderError> {
        // Each offer read on its own: one that does not fit costs only itself.
        let mut items: Vec<http::Item<api::Offer>> = Vec::new();
        for page in 1..=MAX_PAGES {
            let url = format!("{}?page={page}&page_size={PAGE}", self.url(AVAILABILITY));
            let resp = self.http.send(ID, &self.authed(Request::get(url))?).await?;
            if !resp.is_success() {
                return Err(error_from(resp.status, &resp.body));
            }
            let parsed: api::Availability = http::parse_json(ID, AVAILABILITY, &resp.body)?;
            let n = parsed.items.len();
            items.extend(parsed.items);
            let total = parsed.total_count.map_or(usize::MAX, |t| t as usize);
            // A later page empty while the count says more: the same flaky replica, mid-list.
            // Half a list is not the list.
            if n == 0 && page > 1 && total != usize::MAX && items.len() < total {
                return Err(ProviderError::new(
                    ID,
                    ErrorKind::Unavailable,
                    format!(
                        "`{AVAILABILITY}` page {page} was empty after {} of {total} offers; try again",
                        items.len()
                    ),
                ));
            }
            if n == 0 || items.len() >= total {
                break;
            }
        }
        let mut gaps = Vec::new();
        let read = http::readable(ID, AVAILABILITY, items, "offers", &mut gaps)?;
        *self.gaps.lock().unwrap_or_else(|e| e.into_inner()) = gaps;
        Ok(read)
    }

    /// The id of the key to log in with: the one named, or the public key's own (added once,
    /// found by its material after that).
    async fn ssh_key_id(&self, req: &LaunchRequest) -> Result<String, ProviderError> {
        let resp = self
            .http
            .send(
                ID,
                &self.authed(Request::get(format!(
                    "{}?offset=0&limit={PAGE}",
                    self.url(SSH_KEYS)
                )))?,
            )
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        let keys: api::Page<api::SshKey> = http::parse_json(ID, SSH_KEYS, &resp.body)?;
        let listed: Vec<sshkey::Listed<'_>> = keys
            .data
            .iter()
            .map(|k| sshkey::Listed {
                id: &k.id,
                name: &k.name,
                public_key: &k.public_key,
            })
            .collect();
        let (name, public) = match sshkey::choose(ID, "Prime Intellect", &listed, req)? {
            sshkey::Choice::Existing(id) => return Ok(id),
            sshkey::Choice::Add { name, public_key } => (name, public_key),
        };
        let body = serde_json::json!({"name": name, "publicKey": public});
        let resp = self
            .http
            .send(
                ID,
                &self.authed(Request::post_json(self.url(SSH_KEYS), body))?,
            )
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        let added: api::SshKey = http::parse_json(ID, SSH_KEYS, &resp.body)?;
        Ok(added.id)
    }
}

/// The pod Prime Intellect is asked for: the offer's own identity, its default resources,
/// the disk asked for within the offer's bounds, the key, and the GPU price as listed (and as
/// agreed: it was checked against it) as `maxPrice`: variable-price offers refuse a create
/// without one, and none may bill more.
fn create_body(
    offer: &api::Offer,
    req: &LaunchRequest,
    key_id: &str,
) -> Result<serde_json::Value, ProviderError> {
    let image = match &req.image {
        Some(i) if offer.images.is_empty() || offer.images.contains(i) => i.clone(),
        Some(i) => {
            return Err(ProviderError::new(
                ID,
                ErrorKind::Invalid,
                format!(
                    "`--image {i}` is not one this offer boots; it has: {}",
                    offer.images.join(", ")
                ),
            ))
        }
        None if offer.images.is_empty() || offer.images.iter().any(|i| i == DEFAULT_IMAGE) => {
            DEFAULT_IMAGE.to_string()
        }
        None => offer
            .images
            .iter()
            .find(|i| *i != "custom_template")
            .cloned()
            .unwrap_or_else(|| DEFAULT_IMAGE.to_string()),
    };
    let mut pod = serde_json::json!({
        "name": req.tagged_name(),
        "cloudId": offer.cloud_id,
        "gpuType": offer.gpu_type,
        "socket": offer.socket,
        "gpuCount": offer.gpu_count.unwrap_or(1),
        "image": image,
        "dataCenterId": offer.data_center,
        "country": offer.country,
        "security": offer.security,
        "sshKeyId": key_id,
        "autoRestart": false,
    });
    if let Some(disk) = disk_gb(offer.disk.as_ref(), req.disk_gb) {
        pod["diskSize"] = serde_json::json!(disk);
    }
    for (field, spec) in [("vcpus", &offer.vcpu), ("memory", &offer.memory)] {
        if let Some(n) = spec.as_ref().and_then(|s| s.default_count) {
            pod[field] = serde_json::json!(n.round() as u64);
        }
    }
    let listed = if offer.security.as_deref() == Some("community_cloud") {
        offer.prices.community_price.or(offer.prices.on_demand)
    } else {
        offer.prices.on_demand
    };
    if let Some(max) = listed {
        pod["maxPrice"] = serde_json::json!(max);
    }
    if !req.env.is_empty() {
        pod["envVars"] = req
            .env
            .iter()
            .map(|(k, v)| serde_json::json!({"key": k, "value": v}))
            .collect();
    }
    Ok(serde_json::json!({"pod": pod, "provider": {"type": offer.provider}}))
}

/// The disk to ask for: `--disk` within the offer's bounds, else the offer's default.
fn disk_gb(spec: Option<&api::Spec>, asked: Option<u32>) -> Option<u64> {
    let s = spec?;
    let default = s.default_count.or(s.min_count)?;
    let mut gb = asked.map_or(default, f64::from);
    if let Some(min) = s.min_count {
        gb = gb.max(min);
    }
    if let Some(max) = s.max_count {
        gb = gb.min(max);
    }
    Some(gb.round() as u64)
}

/// What the disk adds per hour: Prime Intellect prices extra disk by the GB-hour, and a
/// default it does not include costs from the first GB.
fn disk_cost(spec: Option<&api::Spec>, gb: Option<u64>) -> f64 {
    let (Some(s), Some(gb)) = (spec, gb) else {
        return 0.0;
    };
    let Some(ppu) = s.price_per_unit.filter(|p| p.is_finite() && *p > 0.0) else {
        return 0.0;
    };
    let free = if s.default_included_in_price == Some(false) {
        0.0
    } else {
        s.default_count.unwrap_or(0.0)
    };
    (gb as f64 - free).max(0.0) * ppu
}

fn slug(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join("_")
}

/// Offers, each with the availability item it came from.
fn to_offers(
    items: &[api::Offer],
    disk_asked: Option<u32>,
    source_url: &str,
    as_of: &str,
) -> Vec<(Offer, api::Offer)> {
    let mut offers = Vec::new();
    for it in items {
        let community = it.security.as_deref() == Some("community_cloud");
        let base = if community {
            it.prices.community_price.or(it.prices.on_demand)
        } else {
            it.prices.on_demand
        };
        let usd = it
            .prices
            .currency
            .as_deref()
            .is_none_or(|c| c.eq_ignore_ascii_case("usd"));
        let Some(base) = base.filter(|p| p.is_finite() && *p > 0.0 && usd) else {
            continue;
        };
        let count = it.gpu_count.unwrap_or(1).max(1);
        let raw = it.gpu_type.replace('_', " ");
        let mut gpu = canonical(&format!("{raw} {}", it.socket.clone().unwrap_or_default()));
        if gpu.family.is_empty() || it.gpu_type.eq_ignore_ascii_case("CPU_NODE") {
            continue;
        }
        if gpu.memory_gb.is_none() {
            gpu.memory_gb = it
                .gpu_memory
                .filter(|m| *m > 0.0)
                .map(|m| (m / f64::from(count)).round());
        }
        let disk = disk_gb(it.disk.as_ref(), disk_asked);
        let storage = disk_cost(it.disk.as_ref(), disk);
        let price = base + storage;
        // An absurd disk size or unit price makes an absurd total: not an offer to show.
        if !http::sane_price(price) {
            continue;
        }
        let spot = it.is_spot == Some(true);
        let place = it
            .data_center
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| "any".into());
        // The same cloudId at one data center comes in several sizes (1, 2, 4, 8 GPUs): the
        // count is part of what is rented.
        let offer_id = format!(
            "{ID}:{}/{count}x{}@{}{}{}",
            it.provider,
            slug(&it.cloud_id),
            slug(&place),
            if community { ":community" } else { "" },
            if spot { ":spot" } else { "" },
        );
        let country = it
            .country
            .as_deref()
            .map(str::trim)
            .filter(|c| c.len() == 2 && crate::place::continent(&c.to_ascii_uppercase()).is_some())
            .map(|c| std::borrow::Cow::Owned(c.to_ascii_uppercase()));
        offers.push((
            Offer {
                provider: ID.to_string(),
                offer_id,
                instance_type: format!("{}/{}", it.provider, it.cloud_id),
                gpu: gpu.family.clone(),
                gpu_variant: gpu.variant.clone(),
                gpu_memory_gb: gpu.memory_gb,
                gpu_count: count,
                gpu_fraction: None,
                vcpus: it
                    .vcpu
                    .as_ref()
                    .and_then(|v| v.default_count)
                    .map(|v| v as u32),
                memory_gb: it.memory.as_ref().and_then(|m| m.default_count),
                disk_gb: disk.map(|d| d as f64),
                region: http::region(&place),
                spot,
                price_per_hour_usd: price,
                price_per_gpu_hour_usd: per_gpu(price, count),
                available: Some(it.stock_status.as_deref() != Some("Unavailable")),
                stock: it.stock_status.as_deref().map(str::to_ascii_lowercase),
                source: Source::Live,
                as_of: as_of.to_string(),
                source_url: source_url.to_string(),
                storage_price_per_hour_usd: (storage > 0.0).then(|| (storage * 1e6).round() / 1e6),
                catalog_source: None,
                as_of_estimated: false,
                continent: country
                    .as_deref()
                    .and_then(crate::place::continent)
                    .map(std::borrow::Cow::Borrowed),
                country,
                value: Value::default(),
            },
            it.clone(),
        ));
    }
    offers
}

/// `"root@1.2.3.4 -p 22"` (or `user@host:port`), or the first such string of a list.
fn parse_ssh(v: &serde_json::Value) -> Option<Ssh> {
    let s = match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a.iter().find_map(|x| x.as_str())?.to_string(),
        _ => return None,
    };
    let s = s.trim().trim_start_matches("ssh ").trim();
    let (target, port) = match s.split_once(" -p ") {
        Some((t, p)) => (t.trim(), p.trim().parse().ok()?),
        None => match s.rsplit_once(':') {
            Some((t, p)) if p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty() => {
                (t, p.parse().ok()?)
            }
            _ => (s, 22),
        },
    };
    let (user, host) = target.split_once('@').unwrap_or(("root", target));
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    Some(Ssh {
        host: host.to_string(),
        port,
        user: user.to_string(),
    })
}

/// One page of `GET /pods/`, a pod at a time (one that cannot be read whole keeps its id and
/// name), with the total the answer gives.
pub(crate) fn parse_pods(body: &[u8]) -> Result<(Vec<Instance>, Option<u64>), ProviderError> {
    let page: api::Page<serde_json::Value> = http::parse_json(ID, PODS, body)?;
    let keys = http::InstanceKeys {
        id: "id",
        names: &["name"],
    };
    let pods = http::instances(ID, PODS, page.data, &keys, |p| to_instance(p, None))?;
    Ok((pods, page.total_count))
}

fn to_instance(p: api::Pod, offer: Option<&api::Offer>) -> Instance {
    let state = match p.status.as_str() {
        "PROVISIONING" | "PENDING" => State::Provisioning,
        "ACTIVE" => State::Running,
        "STOPPED" => State::Stopped,
        "ERROR" => State::Failed,
        "DELETING" => State::Terminating,
        "TERMINATED" => State::Terminated,
        _ => State::Unknown,
    };
    let ssh = match state {
        State::Running => p.ssh_connection.as_ref().and_then(parse_ssh),
        _ => None,
    };
    let gpu = p
        .gpu_name
        .as_deref()
        .map(|g| canonical(&g.replace('_', " ")).family)
        .filter(|f| !f.is_empty());
    Instance {
        provider: ID.to_string(),
        id: p.id,
        name: String::new(),
        state,
        status: p.status.to_ascii_lowercase(),
        gpu,
        gpu_count: p.gpu_count,
        region: offer.and_then(|o| o.data_center.clone()),
        price_per_hour_usd: p.price_hr,
        ssh,
        owner: None,
        deadline: None,
        launcher: None,
        launched: None,
        unreadable: None,
    }
    .named(&p.name)
}

/// The words of an error answer, in whichever of its shapes it came.
fn detail(body: &[u8]) -> Option<String> {
    let e: api::Error = serde_json::from_slice(body).ok()?;
    let text = match e.detail {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Array(a)) => Some(
            a.iter()
                .filter_map(|d| d.get("msg").and_then(|m| m.as_str()))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        _ => None,
    }
    .or(e.message)
    .or_else(|| {
        e.errors.map(|errs| {
            errs.iter()
                .map(|p| {
                    format!(
                        "{}: {}",
                        p.param.as_deref().unwrap_or("request"),
                        p.details.as_deref().unwrap_or("invalid")
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
    })?;
    Some(text.chars().take(300).collect())
}

/// No capacity comes as words, not a code: a refused create that speaks of stock or capacity
/// moves on to the next offer; one about balance or credit does not.
fn create_error(status: u16, body: &[u8]) -> ProviderError {
    let words = detail(body).unwrap_or_default();
    let lower = words.to_ascii_lowercase();
    let money = ["balance", "credit", "funds", "payment"]
        .iter()
        .any(|w| lower.contains(w));
    let capacity = [
        "stock",
        "capacity",
        "not available",
        "no available",
        "sold out",
        "insufficient",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if matches!(status, 400 | 409 | 422 | 503) && capacity && !money {
        return ProviderError::new(
            ID,
            ErrorKind::NoCapacity,
            format!("no capacity (HTTP {status}): {words}"),
        );
    }
    error_from(status, body)
}

fn error_from(status: u16, body: &[u8]) -> ProviderError {
    let detail = detail(body).or_else(|| Some(http::snippet(body)).filter(|s| !s.is_empty()));
    let mut e = http::status_error(ID, status, detail);
    if status == 404 {
        e.kind = ErrorKind::NotFound;
    }
    e
}

/// The offers of one answer (for the fuzz tests).
#[cfg(test)]
pub(crate) fn parse_offers(body: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    let parsed: api::Availability = http::parse_json(ID, AVAILABILITY, body)?;
    let items = http::readable(ID, AVAILABILITY, parsed.items, "offers", &mut Vec::new())?;
    Ok(
        to_offers(&items, None, "https://fuzz", "2026-01-01T00:00:00Z")
            .into_iter()
            .map(|(o, _)| o)
            .collect(),
    )
}

#[cfg(test)]
mod tests;
