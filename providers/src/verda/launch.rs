//! Renting on Verda: `POST /v1/instances` (answered with the bare instance id, as text),
//! `GET /v1/instances`, and `PUT /v1/instances` with `{"action": "delete"}`, all with the OAuth
//! token. Hostnames take letters, digits and `-` only, so the name with its owner and deadline
//! (`gpu-train.oa1b2c3d4.d1764633600`) goes in the free-text `description`, which every list
//! gives back; the hostname is the plain name.

use serde_json::json;

use super::{api, error_from, Verda, ID, INSTANCES, SSH_KEYS};
use crate::error::{ErrorKind, ProviderError};
use crate::gpu::canonical;
use crate::http::{self, Request};
use crate::instance::{Instance, LaunchRequest, PlannedRequest, Ssh, State};
use crate::secret::Secret;
use crate::sshkey;

/// The image SkyPilot boots on Verda GPU types: Ubuntu 24.04, CUDA 12.8, Docker.
pub(super) const DEFAULT_IMAGE: &str = "ubuntu-24.04-cuda-12.8-open-docker";
/// Statuses in which Verda refuses a delete, and how many times (about 5 s apart) a delete
/// waits for the instance to leave them.
const PROVISIONING: &[&str] = &["new", "ordered", "provisioning", "validating", "pending"];
const PROVISIONING_POLLS: u32 = 120;
/// The OS volume when `--disk` is not given, in GB.
pub(super) const DEFAULT_DISK_GB: u32 = 50;

/// `TYPE@LOCATION` or `TYPE@LOCATION:spot` -> (type, location, spot).
pub(super) fn split_offer(offer: &str) -> Result<(&str, &str, bool), ProviderError> {
    let (rest, spot) = match offer.strip_suffix(":spot") {
        Some(r) => (r, true),
        None => (offer, false),
    };
    match rest.split_once('@') {
        Some((t, loc)) if !t.is_empty() && !loc.is_empty() => Ok((t, loc, spot)),
        _ => Err(ProviderError::new(
            ID,
            ErrorKind::NoCapacity,
            format!(
                "`verda:{offer}` names no location with capacity (offers carry one, `verda:TYPE@FIN-01`, once `client_id` and the secret are set)"
            ),
        )),
    }
}

/// Verda's hostname rule: letters, digits and `-`, at most 60 characters here.
fn hostname(name: &str) -> String {
    let h: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(60)
        .collect();
    h.trim_matches('-').to_string()
}

pub(super) fn create_body(
    req: &LaunchRequest,
    key_id: &str,
) -> Result<serde_json::Value, ProviderError> {
    let (instance_type, location, spot) = split_offer(&req.offer)?;
    let mut os_volume = json!({
        "name": format!("{}-os", hostname(&req.name)),
        "size": req.disk_gb.unwrap_or(DEFAULT_DISK_GB),
    });
    if spot {
        // An evicted spot instance's volume would bill on, forgotten.
        os_volume["on_spot_discontinue"] = json!("delete_permanently");
    }
    Ok(json!({
        "instance_type": instance_type,
        "image": req.image.clone().unwrap_or_else(|| DEFAULT_IMAGE.to_string()),
        "ssh_key_ids": [key_id],
        // No `startup_script_id` or `coupon`: both optional, and the document types them as
        // strings, not null.
        "hostname": hostname(&req.name),
        "description": req.tagged_name(),
        "location_code": location,
        "os_volume": os_volume,
        "volumes": [],
        "existing_volumes": [],
        "is_spot": spot,
    }))
}

/// A startup script would need a script resource of its own (`/v1/scripts`); environment
/// variables have no field. Neither is sent.
pub(super) fn refuse_boot(req: &LaunchRequest) -> Result<(), ProviderError> {
    crate::boot::refuse_unsupported(
        ID,
        req,
        crate::boot::Boot::default(),
        "`gpu` sends neither environment variables nor startup scripts to Verda yet",
    )
}

impl Verda {
    pub(super) async fn bearer(&self) -> Result<Secret, ProviderError> {
        self.token().await?.ok_or_else(|| {
            ProviderError::new(
                ID,
                ErrorKind::NotConfigured,
                "renting on `verda` needs OAuth client credentials: `client_id` under `[providers.verda]` and `VERDA_CLIENT_SECRET`",
            )
        })
    }

    pub(super) fn plan(&self, req: &LaunchRequest) -> Result<Vec<PlannedRequest>, ProviderError> {
        refuse_boot(req)?;
        if self.client.is_none() {
            return Err(ProviderError::new(
                ID,
                ErrorKind::NotConfigured,
                "renting on `verda` needs OAuth client credentials: `client_id` under `[providers.verda]` and `VERDA_CLIENT_SECRET`",
            ));
        }
        let mut plan = vec![
            PlannedRequest {
                method: "POST".into(),
                url: self.url(super::TOKEN),
                body: Some(
                    json!({"grant_type": "client_credentials", "client_id": "<client id>", "client_secret": "<secret>"}),
                ),
            },
            Request::get(self.url(SSH_KEYS)).plan(),
        ];
        if let (None, Some(k)) = (&req.ssh_key_name, &req.ssh_public_key) {
            plan.push(
                Request::post_json(
                    self.url(SSH_KEYS),
                    json!({"name": sshkey::name_for(k), "key": k.trim()}),
                )
                .plan(),
            );
        }
        plan.push(
            Request::post_json(self.url(INSTANCES), create_body(req, "<ssh key id>")?).plan(),
        );
        Ok(plan)
    }

    pub(super) async fn create(&self, req: &LaunchRequest) -> Result<Instance, ProviderError> {
        refuse_boot(req)?;
        let token = self.bearer().await?;
        let key_id = self.ssh_key_id(req, &token).await?;
        let body = create_body(req, &key_id)?;
        let resp = self
            .http
            .send(
                ID,
                &Request::post_json(self.url(INSTANCES), body)
                    .bearer(Some(&token))
                    .creating(),
            )
            .await?;
        if !resp.is_success() {
            return Err(create_error(resp.status, &resp.body));
        }
        // The bare id as text (`text/html` even); some answers quote it.
        let text = String::from_utf8_lossy(&resp.body);
        let id = text.trim().trim_matches('"').to_string();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ProviderError::new(
                ID,
                ErrorKind::BadResponse,
                format!(
                    "`{INSTANCES}` answered `{}`, not an instance id",
                    http::snippet(&resp.body)
                ),
            ));
        }
        let (_, location, _) = split_offer(&req.offer)?;
        Ok(Instance {
            provider: ID.to_string(),
            id,
            name: req.name.clone(),
            state: State::Provisioning,
            status: "ordered".into(),
            gpu: None,
            gpu_count: None,
            region: Some(location.to_string()),
            price_per_hour_usd: None,
            ssh: None,
            owner: req.owner.clone(),
            deadline: req.deadline,
            launcher: None,
            launched: None,
            unreadable: None,
        })
    }

    pub(super) async fn list(&self) -> Result<Vec<Instance>, ProviderError> {
        let token = self.bearer().await?;
        let resp = self
            .http
            .send(ID, &Request::get(self.url(INSTANCES)).bearer(Some(&token)))
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        parse_instances(&resp.body)
    }

    /// Delete the instance and its OS volume for good (a volume left in the trash is one more
    /// thing to forget). One already discontinued, or unknown, is gone.
    pub(super) async fn delete(&self, id: &str) -> Result<(), ProviderError> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ProviderError::new(
                ID,
                ErrorKind::Invalid,
                format!("`{id}` is not a Verda instance id"),
            ));
        }
        let token = self.bearer().await?;
        // Verda refuses to delete an instance it is still provisioning ("Can't discontinue a
        // provisioning instance"): wait for it to leave that state, then delete.
        let pause = self.http.options().retry_base_delay * 10;
        for _ in 0..PROVISIONING_POLLS {
            let url = format!("{}/{id}", self.url(INSTANCES));
            let resp = self
                .http
                .send(ID, &Request::get(url).bearer(Some(&token)))
                .await?;
            if gone(resp.status, &resp.body) {
                return Ok(());
            }
            if !resp.is_success() {
                return Err(error_from(resp.status, &resp.body));
            }
            let i: Releasing = http::parse_json(ID, INSTANCES, &resp.body)?;
            match i.status.as_str() {
                "discontinued" | "deleted" | "deleting" => return Ok(()),
                s if PROVISIONING.contains(&s) => {
                    tokio::time::sleep(pause).await;
                    continue;
                }
                _ => {}
            }
            let mut body = json!({"id": [id], "action": "delete"});
            if let Some(v) = i.os_volume_id.as_ref().and_then(|v| v.as_str()) {
                body["volume_ids"] = json!([v]);
                body["delete_permanently"] = json!(true);
            }
            let resp = self
                .http
                .send(
                    ID,
                    &Request::new(http::Method::Put, self.url(INSTANCES), Some(body))
                        .bearer(Some(&token)),
                )
                .await?;
            if resp.is_success() || gone(resp.status, &resp.body) {
                return Ok(());
            }
            if resp.status == 403 && String::from_utf8_lossy(&resp.body).contains("provisioning") {
                tokio::time::sleep(pause).await;
                continue;
            }
            return Err(error_from(resp.status, &resp.body));
        }
        Err(ProviderError::new(
            ID,
            ErrorKind::Unavailable,
            format!("`{id}` is still being provisioned and Verda refuses to delete it until it is; it will bill once it runs: run `gpu down` again"),
        ))
    }

    async fn ssh_key_id(
        &self,
        req: &LaunchRequest,
        token: &Secret,
    ) -> Result<String, ProviderError> {
        let resp = self
            .http
            .send(ID, &Request::get(self.url(SSH_KEYS)).bearer(Some(token)))
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        let keys: Vec<api::SshKey> = http::parse_json(ID, SSH_KEYS, &resp.body)?;
        let listed: Vec<sshkey::Listed<'_>> = keys
            .iter()
            .map(|k| sshkey::Listed {
                id: &k.id,
                name: &k.name,
                public_key: &k.key,
            })
            .collect();
        let (name, public) = match sshkey::choose(ID, "Verda", &listed, req)? {
            sshkey::Choice::Existing(id) => return Ok(id),
            sshkey::Choice::Add { name, public_key } => (name, public_key),
        };
        let body = json!({"name": name, "key": public});
        let resp = self
            .http
            .send(
                ID,
                &Request::post_json(self.url(SSH_KEYS), body).bearer(Some(token)),
            )
            .await?;
        if !resp.is_success() {
            return Err(error_from(resp.status, &resp.body));
        }
        // The bare id, as text.
        Ok(String::from_utf8_lossy(&resp.body)
            .trim()
            .trim_matches('"')
            .to_string())
    }
}

/// 404, or `Invalid instance id`, or a delete refused because it is discontinued already.
fn gone(status: u16, body: &[u8]) -> bool {
    if status == 404 {
        return true;
    }
    let text = String::from_utf8_lossy(body).to_ascii_lowercase();
    (status == 400 && text.contains("invalid instance id"))
        || (status == 403 && text.contains("discontinued instance"))
}

/// 503 "Not enough resources at the moment" is no capacity, as are words about resources
/// or capacity in a refused create; money is not.
pub(super) fn create_error(status: u16, body: &[u8]) -> ProviderError {
    let e = error_from(status, body);
    let lower = e.message.to_ascii_lowercase();
    let capacity = [
        "not enough resources",
        "capacity",
        "out of stock",
        "not available",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if (status == 503 || status == 400) && capacity && !lower.contains("balance") {
        return ProviderError::new(
            ID,
            ErrorKind::NoCapacity,
            format!("no capacity: {}", e.message),
        );
    }
    // Older types (V100, A6000) refuse the newer images: that offer cannot start with this
    // image, another one may.
    if status == 400 && lower.contains("not valid for this instance type") {
        return ProviderError::new(
            ID,
            ErrorKind::NoCapacity,
            format!(
                "{} (pick an image it takes with `--image`, e.g. `ubuntu-22.04-cuda-12.0-docker`)",
                e.message
            ),
        );
    }
    e
}

/// What a delete needs of an instance, read alone: one whose other fields cannot be read is
/// released all the same.
#[derive(serde::Deserialize)]
struct Releasing {
    #[serde(default, deserialize_with = "crate::http::null_as_empty")]
    status: String,
    #[serde(default)]
    os_volume_id: Option<serde_json::Value>,
}

/// `GET /instances`, one instance at a time; one that cannot be read whole keeps its id and the
/// name in its description (or hostname).
pub(crate) fn parse_instances(body: &[u8]) -> Result<Vec<Instance>, ProviderError> {
    let list: Vec<serde_json::Value> = http::parse_json(ID, INSTANCES, body)?;
    let keys = http::InstanceKeys {
        id: "id",
        names: &["description", "hostname"],
    };
    http::instances(ID, INSTANCES, list, &keys, to_instance)
}

pub(super) fn to_instance(i: api::Instance) -> Instance {
    let state = match i.status.as_str() {
        "new" | "ordered" | "provisioning" | "validating" | "pending" => State::Provisioning,
        "running" => State::Running,
        "offline" | "hibernating" | "starting_hibernation" | "restoring" => State::Stopped,
        "deleting" => State::Terminating,
        "discontinued" | "deleted" => State::Terminated,
        "error" | "no_capacity" => State::Failed,
        _ => State::Unknown,
    };
    let ip = match &i.ip {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Array(a)) => a.iter().find_map(|x| x.as_str()).map(str::to_string),
        _ => None,
    };
    let ssh = match (ip, state) {
        (Some(ip), State::Running) if !ip.is_empty() => Some(Ssh {
            host: ip,
            port: 22,
            user: "root".into(),
        }),
        _ => None,
    };
    // The tagged name is in the description; an instance made elsewhere has only a hostname.
    let raw = if i.description.starts_with(crate::instance::NAME_PREFIX) {
        i.description.clone()
    } else {
        i.hostname.clone()
    };
    Instance {
        provider: ID.to_string(),
        id: i.id,
        name: String::new(),
        state,
        status: i.status,
        gpu: i
            .gpu
            .as_ref()
            .map(|g| canonical(&g.description).family)
            .filter(|f| !f.is_empty()),
        gpu_count: i.gpu.as_ref().map(|g| g.number_of_gpus).filter(|n| *n > 0),
        region: i.location,
        price_per_hour_usd: http::price_value(i.price_per_hour.as_ref()),
        ssh,
        owner: None,
        deadline: None,
        launcher: None,
        launched: None,
        unreadable: None,
    }
    .named(&raw)
}
