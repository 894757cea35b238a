//! A stateful fake of Verda's API for `up`, `ls` and `down`: the OAuth token (client
//! credentials), instance types (the adapter's fixture), availability per location, volume
//! types, SSH keys (`POST /v1/sshkeys` answers the bare id, 201), `POST /v1/instances`
//! (202 with the bare id as `text/html`; the instance is `ordered`, then `running` with an IP
//! on a later list), `GET /v1/instances[/{id}]` and `PUT /v1/instances` with `{"action":
//! "delete"}` (202; `discontinued`, then gone from the list). Errors are `{"code", "message"}`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::launch_suite::LaunchFake;
use crate::support::GpuTest;

const TYPES: &str = include_str!("../../providers/src/verda/fixtures/instance-types.json");

#[derive(Debug, Clone)]
pub struct VerdaInstance {
    pub id: String,
    pub body: Value,
    pub status: String,
    pub os_volume: String,
    /// What the delete asked for.
    pub deleted_volumes: Option<Value>,
}

#[derive(Debug, Default)]
pub struct VerdaState {
    pub instances: Vec<VerdaInstance>,
    pub keys: Vec<(String, String, String)>,
    pub create_calls: u32,
    pub no_capacity_once: bool,
    pub create_429: u32,
    pub create_delay: Option<Duration>,
    /// OAuth tokens handed out.
    pub tokens: u32,
}

#[derive(Clone, Default)]
pub struct VerdaFake {
    pub state: Arc<Mutex<VerdaState>>,
}

impl VerdaFake {
    pub async fn start() -> (MockServer, VerdaFake) {
        let fake = VerdaFake::default();
        (crate::support::serve_fake(&fake).await, fake)
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut VerdaState) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }
}

fn error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"code": code, "message": message}))
}

fn price(body: &Value) -> Value {
    let types: Value = serde_json::from_str(TYPES).unwrap();
    let field = if body["is_spot"] == true {
        "spot_price"
    } else {
        "price_per_hour"
    };
    types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["instance_type"] == body["instance_type"])
        .map_or(Value::Null, |t| t[field].clone())
}

fn instance_json(i: &VerdaInstance) -> Value {
    let running = i.status == "running";
    json!({
        "id": i.id, "ip": if running { json!("127.0.0.1") } else { Value::Null }, "status": i.status,
        "created_at": "2026-12-02T08:00:00.000Z",
        "cpu": {"description": "32 CPU", "number_of_cores": 32},
        "gpu": {"description": "1x H100 SXM5 80GB", "number_of_gpus": 1},
        "gpu_memory": {"description": "80GB GPU RAM", "size_in_gigabytes": 80},
        "memory": {"description": "185GB RAM", "size_in_gigabytes": 185},
        "storage": {"description": "dynamic"},
        "hostname": i.body["hostname"], "description": i.body["description"],
        "location": i.body["location_code"], "price_per_hour": price(&i.body),
        "is_spot": i.body["is_spot"], "instance_type": i.body["instance_type"], "image": i.body["image"],
        "os_name": "Ubuntu 24.04", "startup_script_id": null, "ssh_key_ids": i.body["ssh_key_ids"],
        "os_volume_id": i.os_volume, "jupyter_token": null,
    })
}

impl Respond for VerdaFake {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let path = req.url.path().to_string();
        if path == "/v1/oauth2/token" {
            if body["client_id"] != "cid" || body["client_secret"].as_str().is_none() {
                return error(
                    401,
                    "unauthorized_request",
                    "Invalid client id or client secret",
                );
            }
            s.tokens += 1;
            return ResponseTemplate::new(200).set_body_json(json!({
                "access_token": "tok-verda", "refresh_token": "ref-verda", "scope": "cloud-api-v1",
                "token_type": "Bearer", "expires_in": 3600}));
        }
        if path == "/v1/instance-types" {
            return ResponseTemplate::new(200).set_body_string(TYPES);
        }
        let authed = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some("Bearer tok-verda");
        if !authed {
            return error(
                401,
                "unauthorized_request",
                "Access token is missing or invalid",
            );
        }
        match (req.method.as_str(), path.as_str()) {
            ("GET", "/v1/instance-availability") => {
                let q = req.url.query().unwrap_or_default();
                let spot = q.contains("isSpot=true") || q.contains("is_spot=true");
                let list = if spot {
                    json!([{"location_code": "FIN-03", "availabilities": ["1H100.80S.32V"]}])
                } else {
                    json!([{"location_code": "FIN-01", "availabilities": ["1H100.80S.32V", "8B200.240V"]},
                           {"location_code": "FIN-02", "availabilities": ["1H100.80S.32V"]}])
                };
                ResponseTemplate::new(200).set_body_json(list)
            }
            ("GET", "/v1/volume-types") => ResponseTemplate::new(200).set_body_json(json!([
                {"type": "NVMe", "price": {"price_per_month_per_gb": 0.2, "cps_per_gb": 7.6e-8, "currency": "usd"}, "is_shared_fs": false},
                {"type": "HDD", "price": {"price_per_month_per_gb": 0.05, "cps_per_gb": 1.9e-8, "currency": "usd"}, "is_shared_fs": false}])),
            ("GET", "/v1/sshkeys") => {
                let keys: Vec<Value> = s
                    .keys
                    .iter()
                    .map(|(id, name, key)| json!({"id": id, "name": name, "key": key}))
                    .collect();
                ResponseTemplate::new(200).set_body_json(keys)
            }
            ("POST", "/v1/sshkeys") => {
                let id = format!("0000000{}-a5d2-4972-ae4e-d429115d055b", s.keys.len() + 1);
                s.keys.push((
                    id.clone(),
                    body["name"].as_str().unwrap_or_default().into(),
                    body["key"].as_str().unwrap_or_default().into(),
                ));
                ResponseTemplate::new(201).set_body_raw(id, "text/plain")
            }
            ("POST", "/v1/instances") => {
                s.create_calls += 1;
                if s.create_429 > 0 {
                    s.create_429 -= 1;
                    return error(429, "rate_limited", "Too many requests");
                }
                if std::mem::take(&mut s.no_capacity_once) {
                    return error(503, "service_unavailable", "Not enough resources at the moment");
                }
                if body["location_code"].as_str().is_none() {
                    return error(400, "invalid_request", "location_code is required");
                }
                let n = s.create_calls;
                let id = format!("4755734c-63fc-42df-9bfc-{n:012}");
                s.instances.push(VerdaInstance {
                    id: id.clone(),
                    body,
                    status: "ordered".into(),
                    os_volume: format!("9eb0f166-f119-49c9-ba55-{n:012}"),
                    deleted_volumes: None,
                });
                let answer = ResponseTemplate::new(202).set_body_raw(id, "text/html");
                match s.create_delay {
                    Some(d) => answer.set_delay(d),
                    None => answer,
                }
            }
            ("GET", "/v1/instances") => {
                for i in &mut s.instances {
                    if i.status == "ordered" || i.status == "provisioning" {
                        i.status = "running".into();
                    }
                }
                // Discontinued ones are no longer listed (still known by id).
                let list: Vec<Value> = s
                    .instances
                    .iter()
                    .filter(|i| i.status != "discontinued")
                    .map(instance_json)
                    .collect();
                ResponseTemplate::new(200).set_body_json(list)
            }
            ("GET", p) if p.starts_with("/v1/instances/") => {
                let id = p.trim_start_matches("/v1/instances/");
                match s.instances.iter_mut().find(|i| i.id == id) {
                    Some(i) => {
                        // Provisioning takes a read or two.
                        if i.status == "ordered" {
                            i.status = "provisioning".into();
                        } else if i.status == "provisioning" {
                            i.status = "running".into();
                        }
                        ResponseTemplate::new(200).set_body_json(instance_json(i))
                    }
                    None => error(404, "not_found", "Invalid instance id"),
                }
            }
            ("PUT", "/v1/instances") => {
                let ids: Vec<String> = match &body["id"] {
                    Value::Array(a) => a.iter().filter_map(|v| v.as_str().map(String::from)).collect(),
                    Value::String(s) => vec![s.clone()],
                    _ => Vec::new(),
                };
                if body["action"] != "delete" {
                    return error(400, "invalid_request", "unsupported action");
                }
                for id in ids {
                    match s.instances.iter_mut().find(|i| i.id == id) {
                        Some(i) if i.status == "ordered" || i.status == "provisioning" => {
                            return error(
                                403,
                                "forbidden_action",
                                "Can't discontinue a provisioning instance",
                            )
                        }
                        Some(i) if i.status == "discontinued" => {
                            return error(403, "forbidden_action", "Can't discontinue a discontinued instance")
                        }
                        Some(i) => {
                            i.status = "discontinued".into();
                            i.deleted_volumes = Some(body["volume_ids"].clone());
                        }
                        None => return error(404, "not_found", "One or more instances were not found"),
                    }
                }
                ResponseTemplate::new(202)
            }
            _ => error(404, "not_found", "Not found"),
        }
    }
}

impl LaunchFake for VerdaFake {
    const ID: &'static str = "verda";
    const CREATE_MARK: &'static str = r#""location_code":"FIN-01""#;
    async fn start() -> (MockServer, Self) {
        VerdaFake::start().await
    }
    fn test(server: &MockServer) -> GpuTest {
        GpuTest::new()
            .fake("verda", server)
            .env("VERDA_CLIENT_SECRET", "verda-secret-test")
            .config("[providers.verda]\nclient_id = \"cid\"\n")
            .with_ssh_key()
    }
    fn up_args() -> Vec<&'static str> {
        vec!["--provider", "verda", "--gpu", "h100"]
    }
    fn billing(&self) -> Vec<String> {
        self.with(|s| {
            s.instances
                .iter()
                .filter(|i| i.status != "discontinued")
                .map(|i| i.id.clone())
                .collect()
        })
    }
    fn creates(&self) -> u32 {
        self.with(|s| s.create_calls)
    }
    fn no_capacity_once(&self) {
        self.with(|s| s.no_capacity_once = true);
    }
    fn rate_limit_creates(&self, n: u32) {
        self.with(|s| s.create_429 = n);
    }
    fn delay_create_answers(&self, by: Duration) {
        self.with(|s| s.create_delay = Some(by));
    }
    fn add_orphan(&self, name: &str, owner: &str) -> String {
        self.with(|s| {
            let id = format!("0a0a0a0a-63fc-42df-9bfc-{:012}", s.instances.len() + 1);
            s.instances.push(VerdaInstance {
                id: id.clone(),
                body: json!({"instance_type": "1H100.80S.32V", "hostname": name,
                    "description": format!("{name}.o{owner}"), "location_code": "FIN-01",
                    "is_spot": false, "image": "ubuntu-24.04-cuda-12.8-open-docker", "ssh_key_ids": []}),
                status: "running".into(),
                os_volume: "9eb0f166-0000-0000-0000-000000000000".into(),
                deleted_volumes: None,
            });
            id
        })
    }
}
