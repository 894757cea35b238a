//! A stateful fake of Prime Intellect's API for `up`, `ls` and `down`: availability (the
//! adapter's fixture, `{"items", "totalCount"}`, paged), SSH keys (`/api/v1/ssh_keys/`), `POST
//! /api/v1/pods/` answering the pod (`PROVISIONING`, then `ACTIVE` with an `sshConnection` on a
//! later list), `GET /api/v1/pods/` (`{"total_count", "offset", "limit", "data"}`) and `DELETE
//! /api/v1/pods/{id}` (`{"status": "TERMINATED"}`; the pod leaves the list for its history).
//! Shapes as in `providers/src/primeintellect/fixtures/README.md`; both path forms (with and
//! without the trailing slash) are served, as FastAPI redirects one to the other.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::launch_suite::LaunchFake;
use crate::support::GpuTest;

const AVAILABLE: &str =
    include_str!("../../providers/src/primeintellect/fixtures/availability-gpus.json");

#[derive(Debug, Clone)]
pub struct Pod {
    pub id: String,
    pub body: Value,
    pub status: String,
}

#[derive(Debug, Default)]
pub struct PrimeState {
    pub pods: Vec<Pod>,
    pub keys: Vec<(String, String, String)>,
    /// `(provider, dataCenter)` pairs whose creates are out of stock.
    pub out_of_stock: HashSet<(String, String)>,
    /// Answer the next create out of stock, wherever it is.
    pub out_of_stock_once: bool,
    /// Answer this many availability reads with an empty page.
    pub empty_availability: u32,
    pub create_calls: u32,
    pub create_429: u32,
    pub create_delay: Option<Duration>,
}

#[derive(Clone, Default)]
pub struct PrimeFake {
    pub state: Arc<Mutex<PrimeState>>,
}

impl PrimeFake {
    pub async fn start() -> (MockServer, PrimeFake) {
        let fake = PrimeFake::default();
        (crate::support::serve_fake(&fake).await, fake)
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut PrimeState) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }
}

fn detail(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"detail": message}))
}

/// The availability item a pod was made from.
fn offer_of(body: &Value) -> Value {
    let all: Value = serde_json::from_str(AVAILABLE).unwrap();
    all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| {
            o["cloudId"] == body["pod"]["cloudId"] && o["dataCenter"] == body["pod"]["dataCenterId"]
        })
        .cloned()
        .unwrap_or(Value::Null)
}

fn pod_json(p: &Pod) -> Value {
    let active = p.status == "ACTIVE";
    let offer = offer_of(&p.body);
    let disk = p.body["pod"]["diskSize"].as_f64().unwrap_or(0.0);
    let disk_price = offer["disk"]["pricePerUnit"].as_f64().unwrap_or(0.0);
    let price = offer["prices"]["onDemand"]
        .as_f64()
        .or(offer["prices"]["communityPrice"].as_f64())
        .unwrap_or(0.0)
        + disk * disk_price;
    json!({
        "id": p.id, "userId": "u-1", "teamId": null, "walletId": "w-1",
        "name": p.body["pod"]["name"], "type": "HOSTED",
        "providerType": p.body["provider"]["type"], "status": p.status,
        "installationStatus": if active { "FINISHED" } else { "PENDING" },
        "installationFailure": null, "installationProgress": if active { 100 } else { 0 },
        "createdAt": "2026-12-02T08:00:00.000Z", "updatedAt": "2026-12-02T08:01:00.000Z",
        "terminatedAt": null, "gpuName": p.body["pod"]["gpuType"], "gpuCount": p.body["pod"]["gpuCount"],
        "socket": p.body["pod"]["socket"], "priceHr": (price * 1e6).round() / 1e6,
        "stoppedPriceHr": null, "provisioningPriceHr": 0.0,
        "environmentType": p.body["pod"]["image"], "customTemplateId": null, "clusterId": null,
        "primePortMapping": if active { json!([{"internal": "22", "external": "22", "protocol": "TCP", "usedBy": "SSH", "description": ""}]) } else { json!([]) },
        "sshConnection": if active { json!("root@127.0.0.1 -p 22") } else { Value::Null },
        "ip": if active { json!("127.0.0.1") } else { Value::Null },
        "resources": {"memory": p.body["pod"]["memory"], "disk": p.body["pod"]["diskSize"], "vcpus": p.body["pod"]["vcpus"], "shared_disk": null},
        "attachedResources": [], "isSpot": false, "autoRestart": false, "jupyterPassword": null,
    })
}

impl Respond for PrimeFake {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        let authed = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Bearer "));
        if !authed {
            return detail(401, "Not authenticated");
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let path = req.url.path().trim_end_matches('/').to_string();
        match (req.method.as_str(), path.as_str()) {
            ("GET", "/api/v1/availability/gpus") => {
                if s.empty_availability > 0 {
                    s.empty_availability -= 1;
                    return ResponseTemplate::new(200)
                        .set_body_json(json!({"items": [], "totalCount": 0}));
                }
                ResponseTemplate::new(200).set_body_string(AVAILABLE)
            }
            ("GET", "/api/v1/ssh_keys") => {
                let data: Vec<Value> = s
                    .keys
                    .iter()
                    .map(|(id, name, key)| json!({"id": id, "userId": "u-1", "name": name, "publicKey": key, "isPrimary": false, "isUserKey": true}))
                    .collect();
                ResponseTemplate::new(200).set_body_json(
                    json!({"total_count": data.len(), "offset": 0, "limit": 100, "data": data}),
                )
            }
            ("POST", "/api/v1/ssh_keys") => {
                let id = format!("key-{}", s.keys.len() + 1);
                let name = body["name"].as_str().unwrap_or_default().to_string();
                let key = body["publicKey"].as_str().unwrap_or_default().to_string();
                s.keys.push((id.clone(), name.clone(), key.clone()));
                ResponseTemplate::new(200).set_body_json(json!({"id": id, "userId": "u-1", "name": name, "publicKey": key, "isPrimary": false, "isUserKey": true}))
            }
            ("POST", "/api/v1/pods") => {
                s.create_calls += 1;
                if s.create_429 > 0 {
                    s.create_429 -= 1;
                    return detail(429, "Too Many Requests");
                }
                let pod = &body["pod"];
                for field in ["cloudId", "gpuType", "socket", "gpuCount"] {
                    if pod[field].is_null() {
                        return ResponseTemplate::new(422).set_body_json(
                            json!({"errors": [{"param": format!("pod.{field}"), "details": "field required"}]}),
                        );
                    }
                }
                // Prime's own CLI accepts only letters, digits and dashes, with a letter.
                let name = pod["name"].as_str().unwrap_or_default();
                if !name.chars().any(|c| c.is_ascii_alphabetic())
                    || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                {
                    return ResponseTemplate::new(422).set_body_json(json!({"errors": [{
                        "param": "pod.name",
                        "details": "Pod name must be alphanumeric and dashes only"}]}));
                }
                let provider = body["provider"]["type"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let dc = pod["dataCenterId"].as_str().unwrap_or_default().to_string();
                if s.out_of_stock.contains(&(provider, dc))
                    || std::mem::take(&mut s.out_of_stock_once)
                {
                    return detail(400, "This GPU configuration is out of stock");
                }
                let id = format!("5c0ffee0-0000-4000-8000-{:012}", s.create_calls);
                let p = Pod {
                    id,
                    body,
                    status: "PROVISIONING".into(),
                };
                let answer = ResponseTemplate::new(200).set_body_json(pod_json(&p));
                s.pods.push(p);
                match s.create_delay {
                    Some(d) => answer.set_delay(d),
                    None => answer,
                }
            }
            ("GET", "/api/v1/pods") => {
                for p in &mut s.pods {
                    if p.status == "PROVISIONING" {
                        p.status = "ACTIVE".into();
                    }
                }
                let data: Vec<Value> = s.pods.iter().map(pod_json).collect();
                ResponseTemplate::new(200).set_body_json(
                    json!({"total_count": data.len(), "offset": 0, "limit": 100, "data": data}),
                )
            }
            ("DELETE", p) if p.starts_with("/api/v1/pods/") => {
                let id = p.trim_start_matches("/api/v1/pods/").to_string();
                let before = s.pods.len();
                s.pods.retain(|p| p.id != id);
                if s.pods.len() == before {
                    return detail(404, "Pod not found");
                }
                ResponseTemplate::new(200).set_body_json(json!({"status": "TERMINATED"}))
            }
            _ => detail(404, "Not Found"),
        }
    }
}

impl LaunchFake for PrimeFake {
    const ID: &'static str = "primeintellect";
    const CREATE_MARK: &'static str = r#""cloudId":"n3-H100x1""#;
    async fn start() -> (MockServer, Self) {
        PrimeFake::start().await
    }
    fn test(server: &MockServer) -> GpuTest {
        GpuTest::new()
            .fake("primeintellect", server)
            .env("PRIME_API_KEY", "pi-test")
            .with_ssh_key()
    }
    fn up_args() -> Vec<&'static str> {
        vec!["--provider", "primeintellect", "--gpu", "h100"]
    }
    fn billing(&self) -> Vec<String> {
        self.with(|s| s.pods.iter().map(|p| p.id.clone()).collect())
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
    fn delay_create_answers(&self, by: Duration) {
        self.with(|s| s.create_delay = Some(by));
    }
    fn add_orphan(&self, name: &str, owner: &str) -> String {
        self.with(|s| {
            let id = format!("0a0a0a0a-0000-4000-8000-{:012}", s.pods.len() + 1);
            s.pods.push(Pod {
                id: id.clone(),
                body: json!({"pod": {"name": format!("{name}.o{owner}"), "cloudId": "n3-H100x1",
                    "gpuType": "H100_80GB", "socket": "PCIe", "gpuCount": 1, "dataCenterId": "CANADA-1",
                    "image": "ubuntu_22_cuda_12"}, "provider": {"type": "hyperstack"}}),
                status: "ACTIVE".into(),
            });
            id
        })
    }
}
