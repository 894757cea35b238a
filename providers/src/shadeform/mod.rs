//! Shadeform, an aggregator of GPU clouds: `GET /v1/instances/types` prices every instance type
//! of every upstream cloud (`hourly_price` in whole US cents for the whole instance) with its
//! availability per region; `POST /v1/instances/create` launches one on Shadeform's accounts,
//! `GET /v1/instances` lists them, `POST /v1/instances/{id}/delete` ends one (an empty 200).
//! The key goes in `X-API-KEY`. The upstream cloud stays in the offer: its id is
//! `shadeform:{cloud}/{shade_instance_type}@{region}` and its type `{cloud}/{type}`.
//! Shapes: `fixtures/README.md`.

mod api;

use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Http, Request};
use crate::instance::{Instance, LaunchRequest, PlannedRequest, Ssh, State};
use crate::offer::{now_rfc3339, per_gpu, Offer, Source, Value};
use crate::secret::Secret;
use crate::{sshkey, Capabilities, OfferQuery, Provider, ProviderContext, ProviderEntry};

pub const ID: &str = "shadeform";
const TYPES: &str = "/v1/instances/types";
const CREATE: &str = "/v1/instances/create";
const INSTANCES: &str = "/v1/instances";
const SSH_KEYS: &str = "/v1/sshkeys";
const SSH_KEYS_ADD: &str = "/v1/sshkeys/add";
/// The end of a spot offer's id: `shadeform:CLOUD/TYPE@REGION:spot`.
const SPOT_SUFFIX: &str = ":spot";

pub const ENTRY: ProviderEntry = ProviderEntry {
    id: ID,
    name: "Shadeform",
    key_env: "SHADEFORM_API_KEY",
    default_base_url: "https://api.shadeform.ai",
    docs_url: "https://docs.shadeform.ai",
    capabilities: Capabilities {
        live_offers: true,
        offers_need_key: true,
        spot: true,
        launch: true,
        expires_itself: true,
    },
    settings: &[],
    settings_env: &[],
    build,
};

struct Shadeform {
    key: Option<Secret>,
    base_url: String,
    http: Http,
    /// Instance types of the last answer that could not be read (the others were).
    gaps: std::sync::Mutex<Vec<String>>,
}

fn build(ctx: ProviderContext) -> Result<Box<dyn Provider>, ProviderError> {
    Ok(Box::new(Shadeform {
        key: ctx.api_key,
        base_url: ctx.base_url,
        http: ctx.http,
        gaps: Default::default(),
    }))
}

#[async_trait::async_trait]
impl Provider for Shadeform {
    fn id(&self) -> &'static str {
        ID
    }

    fn gaps(&self) -> Vec<String> {
        self.gaps.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    async fn offers(&self, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError> {
        let url = self.url(TYPES);
        let resp = self.http.send(ID, &self.get(&url)?).await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        let parsed: api::Types = http::parse_json(ID, TYPES, &resp.body)?;
        let mut gaps = Vec::new();
        let types = http::readable(
            ID,
            TYPES,
            parsed.instance_types,
            "instance types",
            &mut gaps,
        )?;
        *self.gaps.lock().unwrap_or_else(|e| e.into_inner()) = gaps;
        Ok(to_offers(types, &http::redact_url(&url), &now_rfc3339())
            .into_iter()
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
        let mut plan = vec![self.get(&self.url(SSH_KEYS))?.plan()];
        if let (None, Some(k)) = (&req.ssh_key_name, &req.ssh_public_key) {
            plan.push(
                self.post(
                    SSH_KEYS_ADD,
                    serde_json::json!({"name": sshkey::name_for(k), "public_key": k.trim()}),
                )?
                .plan(),
            );
        }
        plan.push(self.create_request(req, "<ssh key id>")?.plan());
        Ok(plan)
    }

    async fn launch(&self, req: &LaunchRequest) -> Result<Instance, ProviderError> {
        refuse_script(req)?;
        let key_id = self.ssh_key_id(req).await?;
        let resp = self
            .http
            .send(ID, &self.create_request(req, &key_id)?)
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        let created: api::Created = http::parse_json(ID, CREATE, &resp.body)?;
        let (_, region) = split_offer(&req.offer)?;
        Ok(Instance {
            provider: ID.to_string(),
            id: created.id,
            name: req.name.clone(),
            state: State::Provisioning,
            status: "creating".into(),
            gpu: None,
            gpu_count: None,
            region: Some(region.to_string()),
            price_per_hour_usd: None,
            ssh: None,
            owner: req.owner.clone(),
            deadline: req.deadline,
            launcher: None,
            launched: None,
            unreadable: None,
        })
    }

    async fn instances(&self) -> Result<Vec<Instance>, ProviderError> {
        let resp = self.http.send(ID, &self.get(&self.url(INSTANCES))?).await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        parse_instances(&resp.body)
    }

    /// `POST /v1/instances/{id}/update` moves Shadeform's own `auto_delete` and the deadline
    /// tag (tags are sent whole, so every tag of gpu's goes again).
    async fn set_deadline(&self, instance: &Instance, deadline: u64) -> Result<(), ProviderError> {
        check_id(&instance.id)?;
        let tags: Vec<String> = Instance::tags_for(&LaunchRequest {
            owner: instance.owner.clone(),
            deadline: Some(deadline),
            launcher: instance.launcher.clone(),
            launched: instance.launched,
            price_per_hour_usd: instance.price_per_hour_usd,
            ..LaunchRequest::default()
        })
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(deadline);
        let body = serde_json::json!({
            "tags": tags,
            "auto_delete": {"date_threshold": humantime::format_rfc3339_seconds(at).to_string()},
        });
        let path = format!("{INSTANCES}/{}/update", instance.id);
        let resp = self.http.send(ID, &self.post(&path, body)?).await?;
        if resp.is_success() {
            return Ok(());
        }
        Err(error_from(resp.status, &resp.body))
    }

    async fn terminate(&self, id: &str) -> Result<(), ProviderError> {
        check_id(id)?;
        let path = format!("{INSTANCES}/{id}/delete");
        let resp = self.http.send(ID, &self.post_empty(&path)?).await?;
        // An empty 200; an instance Shadeform no longer knows is gone already.
        if resp.is_success() || resp.status == 404 {
            return Ok(());
        }
        Err(error_from(resp.status, &resp.body))
    }
}

/// Shadeform's create takes a Docker or a script launch configuration; environment variables
/// go in `envs`. A startup script is not sent (it would replace the image's own start).
fn refuse_script(req: &LaunchRequest) -> Result<(), ProviderError> {
    crate::boot::refuse_unsupported(
        ID,
        req,
        crate::boot::Boot {
            env: true,
            script: false,
        },
        "`gpu` does not send startup scripts to Shadeform yet",
    )
}

/// An id that goes into a path: letters, digits and `-` only.
fn check_id(id: &str) -> Result<(), ProviderError> {
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ProviderError::new(
            ID,
            ErrorKind::Invalid,
            format!("`{id}` is not a Shadeform instance id"),
        ));
    }
    Ok(())
}

/// `{cloud}/{shade_instance_type}@{region}` -> (`{cloud}/{type}`, region).
/// `CLOUD/TYPE@REGION` (on-demand) or `CLOUD/TYPE@REGION:spot` into the type and the region.
fn split_offer(offer: &str) -> Result<(&str, &str), ProviderError> {
    let offer = offer.strip_suffix(SPOT_SUFFIX).unwrap_or(offer);
    offer
        .split_once('@')
        .filter(|(t, r)| t.contains('/') && !r.is_empty())
        .ok_or_else(|| {
            ProviderError::new(
                ID,
                ErrorKind::Invalid,
                format!("`shadeform:{offer}` is not a Shadeform offer id (`shadeform:CLOUD/TYPE@REGION`)"),
            )
        })
}

impl Shadeform {
    fn url(&self, path: &str) -> String {
        http::join(&self.base_url, path)
    }

    fn key(&self) -> Result<&Secret, ProviderError> {
        self.key.as_ref().ok_or_else(|| {
            ProviderError::new(
                ID,
                ErrorKind::NotConfigured,
                "`shadeform` needs an API key (`SHADEFORM_API_KEY`)",
            )
        })
    }

    fn get(&self, url: &str) -> Result<Request<'_>, ProviderError> {
        let mut r = Request::get(url);
        r.headers
            .push(("X-API-KEY", self.key()?.expose().to_string()));
        Ok(r)
    }

    /// A POST without a body, as the document declares `/instances/{id}/delete` (a strict
    /// server answers a JSON body there with 415).
    fn post_empty(&self, path: &str) -> Result<Request<'_>, ProviderError> {
        let mut r = Request::new(crate::http::Method::Post, self.url(path), None);
        r.headers
            .push(("X-API-KEY", self.key()?.expose().to_string()));
        Ok(r)
    }

    fn post(&self, path: &str, body: serde_json::Value) -> Result<Request<'_>, ProviderError> {
        let mut r = Request::post_json(self.url(path), body);
        r.headers
            .push(("X-API-KEY", self.key()?.expose().to_string()));
        Ok(r)
    }

    /// The id of the key to log in with: the one named, or the public key's own (added once,
    /// found by its material or its name after that).
    async fn ssh_key_id(&self, req: &LaunchRequest) -> Result<String, ProviderError> {
        let resp = self.http.send(ID, &self.get(&self.url(SSH_KEYS))?).await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        let keys: api::SshKeys = http::parse_json(ID, SSH_KEYS, &resp.body)?;
        let listed: Vec<sshkey::Listed<'_>> = keys
            .ssh_keys
            .iter()
            .map(|k| sshkey::Listed {
                id: &k.id,
                name: &k.name,
                public_key: &k.public_key,
            })
            .collect();
        let (name, public) = match sshkey::choose(ID, "Shadeform", &listed, req)? {
            sshkey::Choice::Existing(id) => return Ok(id),
            sshkey::Choice::Add { name, public_key } => (name, public_key),
        };
        let body = serde_json::json!({"name": name, "public_key": public});
        let resp = self.http.send(ID, &self.post(SSH_KEYS_ADD, body)?).await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        let added: api::Created = http::parse_json(ID, SSH_KEYS_ADD, &resp.body)?;
        Ok(added.id)
    }

    /// The owner and deadline go in `tags`; the deadline also in `auto_delete`, so Shadeform
    /// itself ends the instance then, whatever happens to the machine that launched it.
    fn create_request(
        &self,
        req: &LaunchRequest,
        key_id: &str,
    ) -> Result<Request<'_>, ProviderError> {
        let (cloud_type, region) = split_offer(&req.offer)?;
        let (cloud, shade_type) = cloud_type.split_once('/').unwrap_or_default();
        let tags_list: Vec<String> = Instance::tags_for(req)
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut body = serde_json::json!({
            "cloud": cloud,
            "region": region,
            "shade_instance_type": shade_type,
            "shade_cloud": true,
            "name": req.name,
            "ssh_key_id": key_id,
            "tags": tags_list,
        });
        // Spot is asked for by name; without it Shadeform rents on-demand (the default).
        if req.offer_spot || req.offer.ends_with(SPOT_SUFFIX) {
            body["rental_type"] = serde_json::json!("spot");
        }
        if let Some(d) = req.deadline {
            let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(d);
            body["auto_delete"] = serde_json::json!({
                "date_threshold": humantime::format_rfc3339_seconds(at).to_string()
            });
        }
        if !req.env.is_empty() {
            body["envs"] = req
                .env
                .iter()
                .map(|(k, v)| serde_json::json!({"name": k, "value": v}))
                .collect();
        }
        Ok(self.post(CREATE, body)?.creating())
    }
}

fn to_offers(types: Vec<api::Type>, source_url: &str, as_of: &str) -> Vec<Offer> {
    let mut offers = Vec::new();
    for t in types {
        let c = &t.configuration;
        let count = c.num_gpus.unwrap_or(1).max(1);
        let raw_gpu = c.gpu_type.clone().unwrap_or_default().replace('_', " ");
        let mut gpu = canonical(&format!(
            "{raw_gpu} {}",
            c.interconnect.clone().unwrap_or_default()
        ));
        if gpu.memory_gb.is_none() {
            gpu.memory_gb = c.vram_per_gpu_in_gb;
        }
        // A type with no price, or none above zero, is not an offer anyone can be billed for.
        let Some(cents) = t.hourly_price.filter(|c| c.is_finite() && *c > 0.0) else {
            continue;
        };
        let price = cents / 100.0;
        // Without a GPU, a cloud or a type there is nothing to rent or to name.
        if gpu.family.is_empty() || t.cloud.is_empty() || t.shade_instance_type.is_empty() {
            continue;
        }
        for a in t
            .availability
            .iter()
            .filter(|a| !a.region.trim().is_empty())
        {
            // A spot entry is priced by itself; one without its price, or a rental type not
            // known here, is never shown at the on-demand price.
            let (spot, price) = match a.rental_type.as_deref() {
                None | Some("on_demand") => (false, price),
                Some("spot") => match http::price_value(a.hourly_price.as_ref()) {
                    Some(p) if http::sane_price(p) => (true, p),
                    _ => continue,
                },
                Some(_) => continue,
            };
            let suffix = if spot { SPOT_SUFFIX } else { "" };
            offers.push(Offer {
                provider: ID.to_string(),
                offer_id: format!(
                    "{ID}:{}/{}@{}{suffix}",
                    t.cloud, t.shade_instance_type, a.region
                ),
                instance_type: format!("{}/{}", t.cloud, t.shade_instance_type),
                gpu: gpu.family.clone(),
                gpu_variant: gpu.variant.clone(),
                gpu_memory_gb: gpu.memory_gb,
                gpu_count: count,
                gpu_fraction: None,
                vcpus: c.vcpus,
                memory_gb: c.memory_in_gb,
                disk_gb: c.storage_in_gb,
                region: a.region.clone(),
                spot,
                price_per_hour_usd: price,
                price_per_gpu_hour_usd: per_gpu(price, count),
                available: Some(a.available),
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
            });
        }
    }
    offers
}

/// `GET /instances`, one instance at a time; one that cannot be read whole keeps its id and name.
pub(crate) fn parse_instances(body: &[u8]) -> Result<Vec<Instance>, ProviderError> {
    let list: api::Instances = http::parse_json(ID, INSTANCES, body)?;
    let keys = http::InstanceKeys {
        id: "id",
        names: &["name"],
    };
    http::instances(ID, INSTANCES, list.instances, &keys, to_instance)
}

fn to_instance(i: api::Instance) -> Instance {
    let state = match i.status.as_str() {
        "creating" | "pending_provider" | "pending" => State::Provisioning,
        "active" => State::Running,
        "error" => State::Failed,
        "deleting" => State::Terminating,
        "deleted" => State::Terminated,
        _ => State::Unknown,
    };
    let tag = |key: &str| {
        i.tags
            .iter()
            .find_map(|t| t.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
            .map(str::to_string)
    };
    let ssh = match (&i.ip, state) {
        (Some(ip), State::Running) if !ip.is_empty() => Some(Ssh {
            host: ip.clone(),
            port: i.ssh_port.unwrap_or(22),
            user: i.ssh_user.clone().unwrap_or_else(|| "shadeform".into()),
        }),
        _ => None,
    };
    let gpu = i.configuration.gpu_type.clone().map(|g| {
        let n = canonical(&g.replace('_', " "));
        n.family
    });
    Instance {
        provider: ID.to_string(),
        id: i.id,
        name: String::new(),
        state,
        status: i.status,
        gpu,
        gpu_count: i.configuration.num_gpus,
        region: i.region,
        price_per_hour_usd: i.hourly_price.map(|c| c / 100.0),
        ssh,
        owner: None,
        deadline: None,
        launcher: None,
        launched: None,
        unreadable: None,
    }
    .tagged(tag, &i.name)
}

/// 409 `{"error_code": "OUT_OF_STOCK", "error": ...}` is no capacity (Shadeform answers an
/// unknown region the same way); `message` or `error` carry the words otherwise.
fn error_from(status: u16, body: &[u8]) -> ProviderError {
    let parsed: Option<api::Error> = serde_json::from_slice(body).ok();
    let code = parsed.as_ref().and_then(|e| e.error_code.clone());
    let detail = parsed
        .and_then(|e| e.error.or(e.message))
        .map(|m| m.chars().take(300).collect::<String>());
    if code.as_deref() == Some("OUT_OF_STOCK") {
        return ProviderError::new(
            ID,
            ErrorKind::NoCapacity,
            format!(
                "no capacity (HTTP {status}): {}",
                detail.unwrap_or_else(|| "out of stock".into())
            ),
        );
    }
    let mut e = http::status_error(ID, status, detail);
    if status == 409 {
        e.kind = ErrorKind::Invalid;
    }
    e
}

/// The offers of one answer (for the fuzz tests).
#[cfg(test)]
pub(crate) fn parse_offers(body: &[u8]) -> Result<Vec<Offer>, ProviderError> {
    let parsed: api::Types = http::parse_json(ID, TYPES, body)?;
    let types = http::readable(
        ID,
        TYPES,
        parsed.instance_types,
        "instance types",
        &mut Vec::new(),
    )?;
    Ok(to_offers(types, "https://fuzz", "2026-01-01T00:00:00Z"))
}

#[cfg(test)]
mod tests;
