//! A stateful fake of Shadeform's API for `up`, `ls` and `down`: instance types (the adapter's
//! fixture), SSH keys (`/v1/sshkeys`, `/v1/sshkeys/add`, names unique), `POST
//! /v1/instances/create` answering only `{"id"}` (the instance is `pending_provider`, then
//! `active` with an IP on a later list), `GET /v1/instances`, and `POST
//! /v1/instances/{id}/delete` (an empty 200; `deleting`, then gone). Shapes as in
//! `providers/src/shadeform/fixtures/README.md`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::launch_suite::LaunchFake;
use crate::support::GpuTest;

const TYPES: &str = include_str!("../../providers/src/shadeform/fixtures/instance-types.json");

#[derive(Debug, Clone)]
pub struct ShadeInstance {
    pub id: String,
    pub body: Value,
    pub status: String,
}

#[derive(Debug, Default)]
pub struct ShadeformState {
    pub instances: Vec<ShadeInstance>,
    pub keys: Vec<(String, String, String)>,
    /// `(cloud, region)` pairs whose creates are out of stock.
    pub out_of_stock: HashSet<(String, String)>,
    pub create_calls: u32,
    pub delete_calls: u32,
    /// Answer the next create out of stock, wherever it is.
    pub out_of_stock_once: bool,
    /// Answer this many creates with 429, creating nothing.
    pub create_429: u32,
    /// Answer creates this late (the instance is created at once).
    pub create_delay: Option<std::time::Duration>,
}

#[derive(Clone, Default)]
pub struct ShadeformFake {
    pub state: Arc<Mutex<ShadeformState>>,
}

impl ShadeformFake {
    pub async fn start() -> (MockServer, ShadeformFake) {
        let fake = ShadeformFake::default();
        (crate::support::serve_fake(&fake).await, fake)
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut ShadeformState) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    /// Instances not deleted.
    pub fn live(&self) -> Vec<ShadeInstance> {
        self.with(|s| s.instances.clone())
    }
}

fn price_cents(body: &Value) -> Value {
    let types: Value = serde_json::from_str(TYPES).unwrap();
    types["instance_types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["cloud"] == body["cloud"] && t["shade_instance_type"] == body["shade_instance_type"]
        })
        .map_or(Value::Null, |t| t["hourly_price"].clone())
}

fn instance_json(i: &ShadeInstance) -> Value {
    let active = i.status == "active";
    json!({
        "id": i.id, "cloud": i.body["cloud"], "region": i.body["region"],
        "shade_instance_type": i.body["shade_instance_type"], "cloud_instance_type": "gpu_1x_a6000",
        "cloud_assigned_id": "2865d9f3", "shade_cloud": true, "name": i.body["name"],
        "configuration": {"memory_in_gb": 48, "storage_in_gb": 256, "vcpus": 6, "num_gpus": 1,
            "gpu_type": "A6000", "interconnect": "pcie", "nvlink": false,
            "os": "ubuntu22.04_cuda12.6_shade_os", "vram_per_gpu_in_gb": 48, "gpu_manufacturer": "nvidia"},
        "ip": if active { json!("127.0.0.1") } else { Value::Null },
        "ssh_user": "shadeform", "ssh_port": null, "status": i.status,
        "status_details": if active { "" } else { "Instance created, waiting on provider to spin up instance" },
        "cost_estimate": "0", "hourly_price": price_cents(&i.body),
        "active_at": null, "created_at": "2026-12-02T08:00:00.000000Z", "deleted_at": null,
        "tags": i.body["tags"],
    })
}

fn error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"error_code": code, "error": message}))
}

impl Respond for ShadeformFake {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        if req.headers.get("x-api-key").is_none() {
            return ResponseTemplate::new(401).set_body_json(json!({"message": "Invalid API key"}));
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let path = req.url.path().to_string();
        match (req.method.as_str(), path.as_str()) {
            ("GET", "/v1/instances/types") => ResponseTemplate::new(200).set_body_string(TYPES),
            ("GET", "/v1/sshkeys") => {
                let keys: Vec<Value> = s
                    .keys
                    .iter()
                    .map(|(id, name, key)| json!({"id": id, "name": name, "public_key": key, "is_default": false}))
                    .collect();
                ResponseTemplate::new(200).set_body_json(json!({"ssh_keys": keys}))
            }
            ("POST", "/v1/sshkeys/add") => {
                let name = body["name"].as_str().unwrap_or_default().to_string();
                if s.keys.iter().any(|(_, n, _)| *n == name) {
                    return error(409, "INVALID_REQUEST", "ssh key name must be unique");
                }
                let id = format!("key-{}", s.keys.len() + 1);
                let key = body["public_key"].as_str().unwrap_or_default().to_string();
                s.keys.push((id.clone(), name, key));
                ResponseTemplate::new(200).set_body_json(json!({"id": id}))
            }
            ("POST", "/v1/instances/create") => {
                s.create_calls += 1;
                if s.create_429 > 0 {
                    s.create_429 -= 1;
                    return error(429, "RATE_LIMITED", "Too many requests");
                }
                let cloud = body["cloud"].as_str().unwrap_or_default().to_string();
                let region = body["region"].as_str().unwrap_or_default().to_string();
                if s.out_of_stock.contains(&(cloud, region))
                    || std::mem::take(&mut s.out_of_stock_once)
                {
                    return error(409, "OUT_OF_STOCK", "Out of stock");
                }
                let id = format!("1dc915dd-8899-4b4f-862a-{:012}", s.create_calls);
                s.instances.push(ShadeInstance {
                    id: id.clone(),
                    body,
                    status: "pending_provider".into(),
                });
                let answer = ResponseTemplate::new(200).set_body_json(json!({"id": id}));
                match s.create_delay {
                    Some(d) => answer.set_delay(d),
                    None => answer,
                }
            }
            ("GET", "/v1/instances") => {
                // Deleting ones are listed once more, then gone; pending ones become active.
                s.instances.retain(|i| i.status != "deleting");
                let now = std::time::SystemTime::now();
                for i in &mut s.instances {
                    if i.status == "pending_provider" {
                        i.status = "active".into();
                    }
                    // Shadeform's own auto-delete: past `date_threshold`, it deletes the instance.
                    let due = i.body["auto_delete"]["date_threshold"]
                        .as_str()
                        .and_then(|d| humantime::parse_rfc3339(d).ok())
                        .is_some_and(|d| d <= now);
                    if due {
                        i.status = "deleting".into();
                    }
                }
                let list: Vec<Value> = s.instances.iter().map(instance_json).collect();
                ResponseTemplate::new(200).set_body_json(json!({"instances": list}))
            }
            ("POST", p) if p.starts_with("/v1/instances/") && p.ends_with("/update") => {
                let id = p
                    .trim_start_matches("/v1/instances/")
                    .trim_end_matches("/update");
                let b: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                match s.instances.iter_mut().find(|i| i.id == id) {
                    Some(i) => {
                        // Omitted fields are kept; `tags` is replaced whole.
                        for field in ["tags", "auto_delete", "name"] {
                            if !b[field].is_null() {
                                i.body[field] = b[field].clone();
                            }
                        }
                        ResponseTemplate::new(200)
                    }
                    None => error(404, "NOT_FOUND", "instance not found"),
                }
            }
            ("POST", p) if p.starts_with("/v1/instances/") && p.ends_with("/delete") => {
                s.delete_calls += 1;
                let id = p
                    .trim_start_matches("/v1/instances/")
                    .trim_end_matches("/delete");
                match s.instances.iter_mut().find(|i| i.id == id) {
                    Some(i) => {
                        i.status = "deleting".into();
                        ResponseTemplate::new(200)
                    }
                    None => error(404, "NOT_FOUND", "instance not found"),
                }
            }
            _ => error(404, "NOT_FOUND", "not found"),
        }
    }
}

impl LaunchFake for ShadeformFake {
    const ID: &'static str = "shadeform";
    const CREATE_MARK: &'static str = "/v1/instances/create";
    async fn start() -> (MockServer, Self) {
        ShadeformFake::start().await
    }
    fn test(server: &MockServer) -> GpuTest {
        GpuTest::new()
            .fake("shadeform", server)
            .env("SHADEFORM_API_KEY", "sf-test")
            .with_ssh_key()
    }
    fn up_args() -> Vec<&'static str> {
        vec!["--provider", "shadeform"]
    }
    fn billing(&self) -> Vec<String> {
        self.with(|s| {
            s.instances
                .iter()
                .filter(|i| i.status != "deleting")
                .map(|i| i.id.clone())
                .collect()
        })
    }
    fn creates(&self) -> u32 {
        self.with(|s| s.create_calls)
    }
    fn no_capacity_once(&self) {
        self.with(|s| s.out_of_stock_once = true);
    }
    fn rate_limit_creates(&self, n: u32) {
        self.with(|s| s.create_429 = n);
    }
    fn delay_create_answers(&self, by: std::time::Duration) {
        self.with(|s| s.create_delay = Some(by));
    }
    fn add_orphan(&self, name: &str, owner: &str) -> String {
        self.with(|s| {
            let id = format!("0rphan00-8899-4b4f-862a-{:012}", s.instances.len() + 1);
            s.instances.push(ShadeInstance {
                id: id.clone(),
                body: json!({"cloud": "massedcompute", "region": "kansascity-usa-1",
                    "shade_instance_type": "A6000", "name": name,
                    "tags": [format!("gpu-owner={owner}")]}),
                status: "active".into(),
            });
            id
        })
    }
}
