//! A stateful fake of RunPod's REST v2 API for `up`, `ls` and `down`: the GPU catalog, pod
//! creation (201 with the pod; 400 problem documents for no capacity; 429 with Retry-After),
//! the pod list and single pod (PROVISIONING, then RUNNING with SSH), and DELETE. Shapes follow
//! `docs.runpod.io/api-reference-v2` as recorded in `shared/research/apis-a.md` §3.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A GPU type the fake sells, priced per GPU-hour in each cloud.
struct Gpu {
    id: &'static str,
    name: &'static str,
    memory: u32,
    secure: f64,
    community: f64,
    centers: &'static [&'static str],
}

const GPUS: &[Gpu] = &[
    Gpu {
        id: "NVIDIA GeForce RTX 4090",
        name: "RTX 4090",
        memory: 24,
        secure: 0.59,
        community: 0.34,
        centers: &["EU-SE-1", "US-TX-3"],
    },
    Gpu {
        id: "NVIDIA H100 80GB HBM3",
        name: "H100 SXM",
        memory: 80,
        secure: 2.69,
        community: 2.39,
        centers: &["US-KS-2"],
    },
];

/// Fields `POST /v2/pods` accepts (the schema has `unevaluatedProperties: false`).
const CREATE_FIELDS: &[&str] = &[
    "name",
    "gpu",
    "cpu",
    "image",
    "templateId",
    "cloud",
    "dataCenterIds",
    "disk",
    "ports",
    "env",
    "mounts",
    "startSsh",
    "startJupyter",
    "globalNetworking",
    "registry",
    "args",
    "entrypoint",
    "cmd",
];

#[derive(Debug, Clone)]
pub struct Pod {
    pub id: String,
    pub body: Value,
    pub status: String,
    pub reads: u32,
}

#[derive(Debug, Default)]
pub struct RunPodState {
    pub pods: Vec<Pod>,
    /// `(cloud, data center)` pairs whose creates answer "no longer any instances available".
    pub no_capacity: HashSet<(String, String)>,
    /// Answer this many creates with 429 and `Retry-After: 1`, creating nothing.
    pub create_429: u32,
    /// The next create answers no capacity, wherever it asks.
    pub no_capacity_once: bool,
    /// Answer creates this late (the pod is made at once).
    pub create_delay: Option<std::time::Duration>,
    /// Fail this many DELETEs with HTTP 500 (the pod stays).
    pub delete_failures: u32,
    /// The port the pods' direct SSH endpoint reports.
    pub ssh_port: u16,
    pub create_calls: u32,
    next: u32,
}

#[derive(Clone, Default)]
pub struct RunPodFake {
    pub state: Arc<Mutex<RunPodState>>,
}

fn problem(status: u16, title: &str, detail: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(
        json!({"title": title, "status": status, "detail": detail}).to_string(),
        "application/problem+json",
    )
}

impl RunPodFake {
    pub async fn start() -> (MockServer, RunPodFake) {
        let server = MockServer::builder().start().await;
        let fake = RunPodFake::default();
        fake.with(|s| s.ssh_port = 22);
        Mock::given(any())
            .respond_with(fake.clone())
            .mount(&server)
            .await;
        (server, fake)
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut RunPodState) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    /// Pods that exist (RunPod drops terminated pods from its answers).
    pub fn live(&self) -> Vec<Pod> {
        self.with(|s| s.pods.clone())
    }
}

/// The catalog is the same for both clouds here; only the price the adapter reads differs.
fn catalog() -> Value {
    let gpus: Vec<Value> = GPUS
        .iter()
        .map(|g| {
            json!({
                "id": g.id, "name": g.name, "pool": null, "manufacturer": "NVIDIA", "memory": g.memory,
                "secure": true, "community": true,
                "price": {"secure": g.secure, "community": g.community},
                "maxCount": {"secure": 8, "community": 8},
                "availability": "HIGH",
                "dataCenters": g.centers.iter().map(|c| json!({"id": c, "name": c, "availability": "HIGH"})).collect::<Vec<_>>(),
                "cudaVersions": [{"version": "12.8", "available": true}],
            })
        })
        .collect();
    json!({ "gpus": gpus })
}

fn pod_json(p: &Pod, ssh_port: u16) -> Value {
    let gpu_id = p.body["gpu"]["id"].as_str().unwrap_or_default();
    let count = p.body["gpu"]["count"].as_u64().unwrap_or(1);
    let cloud = p.body["cloud"].as_str().unwrap_or("SECURE");
    let gpu = GPUS.iter().find(|g| g.id == gpu_id);
    let per_gpu = gpu
        .map(|g| {
            if cloud == "COMMUNITY" {
                g.community
            } else {
                g.secure
            }
        })
        .unwrap_or(0.0);
    let running = p.status == "RUNNING";
    let dc = p.body["dataCenterIds"][0]
        .as_str()
        .or_else(|| gpu.map(|g| g.centers[0]))
        .unwrap_or("US-KS-2");
    json!({
        "id": p.id, "name": p.body["name"], "status": p.status,
        "image": p.body["image"], "cloud": cloud, "dataCenterId": dc,
        "ports": p.body["ports"], "env": {},
        "cost": if running { per_gpu * count as f64 } else { 0.0 },
        "gpu": {"id": gpu_id, "count": count},
        // As recorded live: RUNNING comes before the public port; at first only the proxy
        // (an interactive shell) is there and `direct` is null.
        "ssh": if running && p.reads > 1 {
            json!({"direct": {"host": "127.0.0.1", "port": ssh_port, "username": "root",
                "command": format!("ssh root@127.0.0.1 -p {ssh_port}")},
                "proxy": {"host": "ssh.runpod.io", "port": 22, "username": format!("{}-64411c4e", p.id),
                "command": format!("ssh {}-64411c4e@ssh.runpod.io", p.id)}})
        } else if running {
            json!({"direct": null, "proxy": {"host": "ssh.runpod.io", "port": 22,
                "username": format!("{}-64411c4e", p.id), "command": format!("ssh {}-64411c4e@ssh.runpod.io", p.id)}})
        } else { Value::Null },
        "createdAt": "2026-11-25T08:00:00Z",
    })
}

impl Respond for RunPodFake {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !auth.starts_with("Bearer ") {
            return problem(401, "Unauthorized", "missing or invalid API key");
        }
        let path = req.url.path().to_string();
        let query = |name: &str| {
            req.url
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.to_string())
        };
        match (req.method.as_str(), path.as_str()) {
            ("GET", "/v2/catalog/gpus") => {
                if query("product").as_deref() != Some("POD") {
                    return problem(400, "Bad Request", "product is required with include");
                }
                ResponseTemplate::new(200).set_body_json(catalog())
            }
            ("POST", "/v2/pods") => {
                s.create_calls += 1;
                if s.create_429 > 0 {
                    s.create_429 -= 1;
                    return problem(429, "Too Many Requests", "rate limit exceeded")
                        .insert_header("Retry-After", "1");
                }
                let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let Some(fields) = body.as_object() else {
                    return problem(422, "Unprocessable Entity", "body must be an object");
                };
                if let Some(extra) = fields.keys().find(|k| !CREATE_FIELDS.contains(&k.as_str())) {
                    return problem(
                        422,
                        "Unprocessable Entity",
                        &format!("property {extra} is not allowed"),
                    );
                }
                if body["name"].as_str().is_none() || body["image"].as_str().is_none() {
                    return problem(422, "Unprocessable Entity", "name and image are required");
                }
                let gpu_id = body["gpu"]["id"].as_str().unwrap_or_default();
                if !GPUS.iter().any(|g| g.id == gpu_id) {
                    return problem(400, "Bad Request", &format!("unknown GPU type {gpu_id}"));
                }
                let cloud = body["cloud"].as_str().unwrap_or("SECURE").to_string();
                let dc = body["dataCenterIds"][0]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if s.no_capacity.contains(&(cloud, dc)) || std::mem::take(&mut s.no_capacity_once) {
                    return problem(
                        400,
                        "Bad Request",
                        "There are no longer any instances available with the requested specifications. Please refresh and try again.",
                    );
                }
                s.next += 1;
                let pod = Pod {
                    id: format!("pod{:011x}", s.next),
                    body,
                    status: "PROVISIONING".into(),
                    reads: 0,
                };
                let answer = pod_json(&pod, s.ssh_port);
                s.pods.push(pod);
                let answer = ResponseTemplate::new(201).set_body_json(answer);
                match s.create_delay {
                    Some(d) => answer.set_delay(d),
                    None => answer,
                }
            }
            ("GET", "/v2/pods") => {
                let port = s.ssh_port;
                let pods: Vec<Value> = s
                    .pods
                    .iter_mut()
                    .map(|p| {
                        boot(p);
                        pod_json(p, port)
                    })
                    .collect();
                ResponseTemplate::new(200).set_body_json(json!({ "pods": pods }))
            }
            (method, p) if p.starts_with("/v2/pods/") => {
                let id = p.trim_start_matches("/v2/pods/").to_string();
                let port = s.ssh_port;
                let Some(at) = s.pods.iter().position(|pod| pod.id == id) else {
                    return problem(404, "Not Found", &format!("pod {id} not found"));
                };
                match method {
                    "GET" => {
                        let pod = &mut s.pods[at];
                        boot(pod);
                        ResponseTemplate::new(200).set_body_json(pod_json(pod, port))
                    }
                    "DELETE" => {
                        if s.delete_failures > 0 {
                            s.delete_failures -= 1;
                            return problem(500, "Internal Server Error", "try again");
                        }
                        s.pods.remove(at);
                        ResponseTemplate::new(204)
                    }
                    _ => problem(405, "Method Not Allowed", method),
                }
            }
            _ => problem(404, "Not Found", &path),
        }
    }
}

/// A pod is PROVISIONING in the create answer and RUNNING from the first read on (with its
/// direct SSH endpoint from the second).
fn boot(p: &mut Pod) {
    p.reads += 1;
    if p.status == "PROVISIONING" {
        p.status = "RUNNING".into();
    }
}

impl crate::launch_suite::LaunchFake for RunPodFake {
    const ID: &'static str = "runpod";
    const CREATE_MARK: &'static str = "/v2/pods";
    async fn start() -> (MockServer, Self) {
        RunPodFake::start().await
    }
    fn test(server: &MockServer) -> crate::support::GpuTest {
        crate::support::GpuTest::new()
            .fake("runpod", server)
            .env("RUNPOD_API_KEY", "rp-test")
            .with_ssh_key()
    }
    fn up_args() -> Vec<&'static str> {
        vec!["--provider", "runpod", "--gpu", "h100"]
    }
    fn billing(&self) -> Vec<String> {
        self.live().into_iter().map(|p| p.id).collect()
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
    fn delay_create_answers(&self, by: std::time::Duration) {
        self.with(|s| s.create_delay = Some(by));
    }
    fn add_orphan(&self, name: &str, owner: &str) -> String {
        self.with(|s| {
            s.next += 1;
            let id = format!("pod{:011x}", s.next);
            s.pods.push(Pod {
                id: id.clone(),
                body: json!({"name": format!("{name}.o{owner}"), "image": "runpod/pytorch",
                    "gpu": {"id": GPUS[0].id, "count": 1}, "cloud": "SECURE"}),
                status: "RUNNING".into(),
                reads: 2,
            });
            id
        })
    }
}
