//! Stateful fakes of provider APIs for `up`, `ls` and `down`: launch creates an instance, the
//! list reflects it, it boots on later reads, terminate removes it. Faults are switches in the
//! shared state. Paths, fields, units and error bodies follow each provider's public API.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn body(req: &Request) -> Value {
    serde_json::from_slice(&req.body).unwrap_or(Value::Null)
}

fn lambda_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"error": {"code": code, "message": message}}))
}

#[derive(Debug, Clone)]
pub struct LambdaInstance {
    pub id: String,
    pub name: String,
    pub type_name: String,
    pub region: String,
    pub status: String,
    pub reads: u32,
    /// Lambda tags, `(key, value)`.
    pub tags: Vec<(String, String)>,
    /// Not in any list before this moment (a list that lags behind creates).
    pub listed_from: Option<std::time::Instant>,
}

#[derive(Debug, Default)]
pub struct LambdaState {
    pub instances: Vec<LambdaInstance>,
    pub keys: Vec<(String, String)>,
    /// Instance types whose launch answers insufficient capacity.
    pub no_capacity: HashSet<String>,
    /// The next launch answers insufficient capacity, whatever its type.
    pub no_capacity_once: bool,
    /// Answer launches this late (the instance is created at once).
    pub launch_delay: Option<Duration>,
    /// Answer this many launches with 429 (Lambda sends no Retry-After), creating nothing.
    pub launch_429: u32,
    /// Fail this many terminate calls with HTTP 500.
    pub terminate_failures: u32,
    /// Answer terminate with 200 but keep the instance running.
    pub ignore_terminate: bool,
    /// Answer the instance list with HTTP 503.
    pub list_fails: bool,
    /// Answer the instance list with HTTP 503 once a terminate has been received.
    pub list_fails_after_terminate: bool,
    /// Answer every request 401, as Lambda answers a wrong or revoked key.
    pub reject_key: bool,
    /// Answer 401 to every request not carrying this key (`Authorization: Bearer KEY`).
    pub accept_only: Option<String>,
    /// The provider's clock (its `Date` header) runs this far ahead of this machine's.
    pub clock_ahead: Option<Duration>,
    /// Or this far behind it.
    pub clock_behind: Option<Duration>,
    /// Leave instances out of this many instance-list answers after their launch (a new
    /// instance is not listed at once).
    pub listed_after: u32,
    pub list_calls: u32,
    /// New instances appear in lists only this long after their launch.
    pub list_lag: Option<Duration>,
    /// More instance types for sale, as `LAMBDA_TYPES` lists them.
    pub extra_types: Vec<LambdaType>,
    /// `GET /instances/{id}` answers 404 for every id (the list still shows them).
    pub status_404: bool,
    /// `GET /instances/{id}` of a terminated instance answers it, `terminated`, instead of 404.
    pub status_keeps_terminated: bool,
    /// Terminates of these instance ids fail with HTTP 500.
    pub fail_terminate: HashSet<String>,
    /// These instance ids are listed with a record this version cannot read (a negative GPU
    /// count in their instance type), as a newer API might send.
    pub garbled: HashSet<String>,
    /// Right after a launch, make this data directory's ledger unwritable.
    pub break_ledger_on_launch: Option<std::path::PathBuf>,
    /// Price overrides (cents) that take effect after this many instance-types reads.
    pub price_after: Option<(u32, String, u32)>,
    pub type_reads: u32,
    pub launch_calls: u32,
    pub terminate_calls: u32,
    next: u32,
}

#[derive(Clone, Default)]
pub struct LambdaFake {
    pub state: Arc<Mutex<LambdaState>>,
}

/// A type the fake sells: (name, description, cents per hour, vCPUs, GiB, GPUs, region).
pub type LambdaType = (&'static str, &'static str, u32, u32, u32, u32, &'static str);

const LAMBDA_TYPES: &[LambdaType] = &[
    (
        "gpu_1x_a10",
        "A10 (24 GB PCIe)",
        129,
        30,
        200,
        1,
        "us-east-1",
    ),
    (
        "gpu_1x_h100_pcie",
        "H100 (80 GB PCIe)",
        329,
        26,
        200,
        1,
        "us-west-1",
    ),
    (
        "gpu_8x_h100_sxm5",
        "H100 (80 GB SXM5)",
        3192,
        208,
        1800,
        8,
        "us-east-1",
    ),
];

impl LambdaFake {
    pub async fn start() -> (MockServer, LambdaFake) {
        let server = MockServer::builder().start().await;
        let fake = LambdaFake::default();
        Mock::given(any())
            .respond_with(fake.clone())
            .mount(&server)
            .await;
        (server, fake)
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut LambdaState) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    /// An instance that exists at the provider but that the ledger never heard of, made by
    /// hand (no tags).
    pub fn add_running(&self, name: &str) -> String {
        self.add_tagged(name, Vec::new())
    }

    /// One that `gpu` created, with its owner (and deadline) tags.
    pub fn add_owned(&self, name: &str, owner: &str, deadline: Option<u64>) -> String {
        let mut tags = vec![("gpu-owner".to_string(), owner.to_string())];
        if let Some(d) = deadline {
            tags.push(("gpu-deadline".to_string(), d.to_string()));
        }
        self.add_tagged(name, tags)
    }

    fn add_tagged(&self, name: &str, tags: Vec<(String, String)>) -> String {
        self.with(|s| {
            s.next += 1;
            let id = format!("0000{:028x}", s.next);
            s.instances.push(LambdaInstance {
                id: id.clone(),
                name: name.into(),
                type_name: "gpu_1x_a10".into(),
                region: "us-east-1".into(),
                status: "active".into(),
                reads: 1,
                tags,
                listed_from: None,
            });
            id
        })
    }

    pub fn live(&self) -> Vec<LambdaInstance> {
        self.with(|s| {
            s.instances
                .iter()
                .filter(|i| i.status != "terminated")
                .cloned()
                .collect()
        })
    }
}

fn lambda_types(s: &LambdaState) -> Vec<LambdaType> {
    LAMBDA_TYPES.iter().chain(&s.extra_types).copied().collect()
}

fn lambda_instance_json(types: &[LambdaType], i: &LambdaInstance) -> Value {
    let t = types.iter().find(|t| t.0 == i.type_name).unwrap();
    let mut v = json!({
        "id": i.id, "name": i.name, "status": i.status, "ssh_key_names": ["k"], "file_system_names": [],
        "region": {"name": i.region, "description": "test region"},
        "instance_type": {"name": t.0, "description": format!("{}x {}", t.5, t.1), "gpu_description": t.1,
            "price_cents_per_hour": t.2, "specs": {"vcpus": t.3, "memory_gib": t.4, "storage_gib": 512, "gpus": t.5}},
        "actions": {"terminate": {"available": true}}
    });
    if !i.tags.is_empty() {
        v["tags"] = Value::Array(
            i.tags
                .iter()
                .map(|(k, val)| json!({"key": k, "value": val}))
                .collect(),
        );
    }
    if i.status == "active" {
        v["ip"] = json!("127.0.0.1");
    }
    v
}

impl Respond for LambdaFake {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let answer = self.answer(req);
        let now = std::time::SystemTime::now();
        match self.with(|s| (s.clock_ahead, s.clock_behind)) {
            (Some(ahead), _) => answer.insert_header("Date", httpdate::fmt_http_date(now + ahead)),
            (None, Some(behind)) => {
                answer.insert_header("Date", httpdate::fmt_http_date(now - behind))
            }
            (None, None) => answer,
        }
    }
}

impl LambdaFake {
    fn answer(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        let types = lambda_types(&s);
        let path = req.url.path().to_string();
        let wrong_key = s.accept_only.as_ref().is_some_and(|k| {
            req.headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                != Some(format!("Bearer {k}").as_str())
        });
        if s.reject_key || wrong_key {
            return lambda_error(
                401,
                "global/invalid-api-key",
                "API key was invalid, expired, or deleted.",
            );
        }
        match (req.method.as_str(), path.as_str()) {
            ("GET", "/api/v1/instance-types") => {
                s.type_reads += 1;
                let mut data = serde_json::Map::new();
                for t in &lambda_types(&s) {
                    let mut cents = t.2;
                    if let Some((after, name, new_cents)) = &s.price_after {
                        if s.type_reads > *after && name == t.0 {
                            cents = *new_cents;
                        }
                    }
                    data.insert(
                        t.0.into(),
                        json!({"instance_type": {"name": t.0, "description": format!("{}x {}", t.5, t.1),
                            "gpu_description": t.1, "price_cents_per_hour": cents,
                            "specs": {"vcpus": t.3, "memory_gib": t.4, "storage_gib": 512, "gpus": t.5}},
                            "regions_with_capacity_available": [{"name": t.6, "description": "test region"}]}),
                    );
                }
                ResponseTemplate::new(200).set_body_json(json!({"data": data}))
            }
            ("GET", "/api/v1/ssh-keys") => {
                let keys: Vec<Value> = s
                    .keys
                    .iter()
                    .map(|(n, k)| json!({"id": n, "name": n, "public_key": k}))
                    .collect();
                ResponseTemplate::new(200).set_body_json(json!({"data": keys}))
            }
            ("POST", "/api/v1/ssh-keys") => {
                let b = body(req);
                let name = b["name"].as_str().unwrap_or_default().to_string();
                s.keys.push((
                    name.clone(),
                    b["public_key"].as_str().unwrap_or_default().to_string(),
                ));
                ResponseTemplate::new(200).set_body_json(
                    json!({"data": {"id": name, "name": name, "public_key": b["public_key"]}}),
                )
            }
            ("POST", "/api/v1/instance-operations/launch") => {
                s.launch_calls += 1;
                if s.launch_429 > 0 {
                    s.launch_429 -= 1;
                    return lambda_error(429, "global/too-many-requests", "Too many requests.");
                }
                let b = body(req);
                let type_name = b["instance_type_name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let key = b["ssh_key_names"][0]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if !s.keys.iter().any(|(n, _)| *n == key) {
                    return lambda_error(
                        400,
                        "global/invalid-parameters",
                        "Specified SSH key does not exist.",
                    );
                }
                if s.no_capacity.contains(&type_name) || std::mem::take(&mut s.no_capacity_once) {
                    return lambda_error(
                        400,
                        "instance-operations/launch/insufficient-capacity",
                        "Not enough capacity to fulfill launch request.",
                    );
                }
                s.next += 1;
                let id = format!("{:032x}", s.next);
                let tags = b["tags"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|t| {
                                (
                                    t["key"].as_str().unwrap_or_default().to_string(),
                                    t["value"].as_str().unwrap_or_default().to_string(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let listed_from = s.list_lag.map(|d| std::time::Instant::now() + d);
                s.instances.push(LambdaInstance {
                    id: id.clone(),
                    name: b["name"].as_str().unwrap_or_default().into(),
                    type_name,
                    region: b["region_name"].as_str().unwrap_or_default().into(),
                    status: "booting".into(),
                    reads: 0,
                    tags,
                    listed_from,
                });
                if let Some(dir) = &s.break_ledger_on_launch {
                    // The writer's temporary file cannot be created where a directory is.
                    std::fs::create_dir_all(dir.join(".ledger.json.tmp").join("x")).unwrap();
                }
                let mut r = ResponseTemplate::new(200)
                    .set_body_json(json!({"data": {"instance_ids": [id]}}));
                if let Some(d) = s.launch_delay {
                    r = r.set_delay(d);
                }
                r
            }
            ("GET", "/api/v1/instances") => {
                if s.list_fails || (s.list_fails_after_terminate && s.terminate_calls > 0) {
                    return lambda_error(
                        503,
                        "provider/internal-unavailable",
                        "Service unavailable.",
                    );
                }
                s.list_calls += 1;
                let hidden = s.list_calls <= s.listed_after;
                let now = std::time::Instant::now();
                let list: Vec<Value> = s
                    .instances
                    .iter()
                    .filter(|i| i.status != "terminated" && !hidden)
                    .filter(|i| i.listed_from.is_none_or(|t| now >= t))
                    .map(|i| {
                        let mut v = lambda_instance_json(&types, i);
                        if s.garbled.contains(&i.id) {
                            v["instance_type"]["specs"]["gpus"] = json!(-1);
                        }
                        v
                    })
                    .collect();
                ResponseTemplate::new(200).set_body_json(json!({"data": list}))
            }
            ("GET", p) if p.starts_with("/api/v1/instances/") => {
                let id = p.trim_start_matches("/api/v1/instances/").to_string();
                if s.status_404 {
                    return lambda_error(
                        404,
                        "global/object-does-not-exist",
                        "Specified instance does not exist.",
                    );
                }
                let keep = s.status_keeps_terminated;
                match s
                    .instances
                    .iter_mut()
                    .find(|i| i.id == id && (keep || i.status != "terminated"))
                {
                    Some(i) => {
                        i.reads += 1;
                        if i.status == "booting" && i.reads >= 2 {
                            i.status = "active".into();
                        }
                        ResponseTemplate::new(200)
                            .set_body_json(json!({"data": lambda_instance_json(&types, i)}))
                    }
                    None => lambda_error(
                        404,
                        "global/object-does-not-exist",
                        "Specified instance does not exist.",
                    ),
                }
            }
            ("POST", "/api/v1/instance-operations/terminate") => {
                s.terminate_calls += 1;
                if s.terminate_failures > 0 {
                    s.terminate_failures -= 1;
                    return lambda_error(
                        500,
                        "provider/internal-unavailable",
                        "Something went wrong.",
                    );
                }
                let ids: Vec<String> = body(req)["instance_ids"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                if ids.iter().any(|id| s.fail_terminate.contains(id)) {
                    return lambda_error(
                        500,
                        "provider/internal-unavailable",
                        "Something went wrong.",
                    );
                }
                let ignore = s.ignore_terminate;
                let mut done = Vec::new();
                for i in s.instances.iter_mut().filter(|i| ids.contains(&i.id)) {
                    if !ignore {
                        i.status = "terminated".into();
                    }
                    done.push(lambda_instance_json(&types, i));
                }
                if done.is_empty() {
                    return lambda_error(
                        404,
                        "global/object-does-not-exist",
                        "Specified instance does not exist.",
                    );
                }
                ResponseTemplate::new(200)
                    .set_body_json(json!({"data": {"terminated_instances": done}}))
            }
            _ => lambda_error(404, "global/not-found", "no such route in the fake"),
        }
    }
}

#[derive(Debug, Default)]
pub struct VastState {
    /// Ask ids that answer 410 (someone rented them first).
    pub taken: HashSet<u64>,
    pub instances: HashMap<u64, (String, u32, String)>,
    pub ssh_port: u16,
    pub attached_keys: Vec<String>,
    pub creates: u32,
    /// Instances never get past `loading`.
    pub never_boot: bool,
    /// Attaching an SSH key is refused (400).
    pub attach_fails: bool,
    next: u64,
}

#[derive(Clone, Default)]
pub struct VastFake {
    pub state: Arc<Mutex<VastState>>,
}

impl VastFake {
    pub async fn start(ssh_port: u16) -> (MockServer, VastFake) {
        let server = MockServer::builder().start().await;
        let fake = VastFake::default();
        fake.state.lock().unwrap().ssh_port = ssh_port;
        Mock::given(any())
            .respond_with(fake.clone())
            .mount(&server)
            .await;
        (server, fake)
    }
}

fn vast_instance_json(id: u64, label: &str, status: Option<&str>, port: u16) -> Value {
    let mut v = json!({"id": id, "label": label, "actual_status": status, "intended_status": "running",
        "gpu_name": "RTX 4090", "num_gpus": 2, "geolocation": "Quebec, CA", "dph_total": 0.6612,
        "ssh_host": null, "ssh_port": null});
    if status == Some("running") {
        v["ssh_host"] = json!("127.0.0.1");
        v["ssh_port"] = json!(port);
    }
    v
}

impl Respond for VastFake {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        let path = req.url.path().to_string();
        let method = req.method.as_str();
        if method == "POST" && path == "/api/v0/bundles/" {
            // Listings lag behind rentals, as on the real marketplace: a taken ask still shows.
            let v: Value = serde_json::from_str(crate::support::VAST_FIXTURE).unwrap();
            return ResponseTemplate::new(200).set_body_json(v);
        }
        if method == "PUT" && path.starts_with("/api/v0/asks/") {
            let ask: u64 = path
                .trim_start_matches("/api/v0/asks/")
                .trim_end_matches('/')
                .parse()
                .unwrap_or(0);
            if s.taken.contains(&ask) {
                return ResponseTemplate::new(410).set_body_json(
                    json!({"success": false, "error": "no_such_ask", "msg": format!("Instance type by id {ask} is no longer available.")}),
                );
            }
            s.creates += 1;
            s.next += 1;
            let id = 9_000_000 + s.next;
            let label = body(req)["label"].as_str().unwrap_or_default().to_string();
            s.instances.insert(id, (label, 0, "created".into()));
            s.taken.insert(ask);
            return ResponseTemplate::new(200)
                .set_body_json(json!({"success": true, "new_contract": id}));
        }
        if method == "POST" && path.ends_with("/ssh/") && s.attach_fails {
            return ResponseTemplate::new(400).set_body_json(
                json!({"success": false, "error": "invalid_args", "msg": "Invalid SSH key format."}),
            );
        }
        if method == "POST" && path.ends_with("/ssh/") {
            s.attached_keys.push(
                body(req)["ssh_key"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
            return ResponseTemplate::new(200).set_body_json(json!({"success": true}));
        }
        // Only the v1 list is in Vast's document: paged by key, at most 25 a page, ordered by id.
        if method == "GET" && path == "/api/v1/instances/" {
            let query: std::collections::HashMap<String, String> =
                req.url.query_pairs().into_owned().collect();
            let limit: usize = query
                .get("limit")
                .and_then(|l| l.parse().ok())
                .map_or(25, |l: usize| if l == 0 { 5 } else { l.min(25) });
            let after: u64 = query
                .get("after_token")
                .and_then(|t| t.strip_prefix("after-"))
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            let port = s.ssh_port;
            let mut ids: Vec<u64> = s
                .instances
                .keys()
                .copied()
                .filter(|id| *id > after)
                .collect();
            ids.sort_unstable();
            let more = ids.len() > limit;
            ids.truncate(limit);
            let list: Vec<Value> = ids
                .iter()
                .map(|id| {
                    let (label, reads, _) = &s.instances[id];
                    let status = if *reads >= 2 { Some("running") } else { None };
                    vast_instance_json(*id, label, status, port)
                })
                .collect();
            let next = more.then(|| format!("after-{}", ids[ids.len() - 1]));
            return ResponseTemplate::new(200).set_body_json(json!({
                "success": true, "instances_found": list.len(), "total_instances": s.instances.len(),
                "next_token": next, "instances": list}));
        }
        if method == "GET" && path == "/api/v0/instances/" {
            // Not in the document; a strict server has no such list.
            return ResponseTemplate::new(404)
                .set_body_json(json!({"success": false, "error": "not_found"}));
        }
        if path.starts_with("/api/v0/instances/") {
            let id: u64 = path
                .trim_start_matches("/api/v0/instances/")
                .trim_end_matches('/')
                .parse()
                .unwrap_or(0);
            let port = s.ssh_port;
            let never_boot = s.never_boot;
            if method == "DELETE" {
                return match s.instances.remove(&id) {
                    Some(_) => ResponseTemplate::new(200).set_body_json(json!({"success": true})),
                    None => ResponseTemplate::new(404)
                        .set_body_json(json!({"success": false, "error": "not_found"})),
                };
            }
            return match s.instances.get_mut(&id) {
                Some((label, reads, _)) => {
                    *reads += 1;
                    let status = if never_boot {
                        Some("loading")
                    } else if *reads >= 2 {
                        Some("running")
                    } else {
                        None
                    };
                    ResponseTemplate::new(200).set_body_json(
                        json!({"instances": vast_instance_json(id, label, status, port)}),
                    )
                }
                None => ResponseTemplate::new(200).set_body_json(json!({"instances": null})),
            };
        }
        ResponseTemplate::new(404).set_body_json(
            json!({"success": false, "error": "not_found", "msg": "no such route in the fake"}),
        )
    }
}

impl crate::launch_suite::LaunchFake for LambdaFake {
    const ID: &'static str = "lambda";
    const CREATE_MARK: &'static str = "/api/v1/instance-operations/launch";
    async fn start() -> (MockServer, Self) {
        LambdaFake::start().await
    }
    fn test(server: &MockServer) -> crate::support::GpuTest {
        crate::lifecycle::lambda_test(server)
    }
    fn up_args() -> Vec<&'static str> {
        vec!["--provider", "lambda", "--gpu", "h100"]
    }
    fn billing(&self) -> Vec<String> {
        self.live().into_iter().map(|i| i.id).collect()
    }
    fn creates(&self) -> u32 {
        self.with(|s| s.launch_calls)
    }
    fn no_capacity_once(&self) {
        self.with(|s| s.no_capacity_once = true);
    }
    fn rate_limit_creates(&self, n: u32) {
        self.with(|s| s.launch_429 = n);
    }
    fn delay_create_answers(&self, by: Duration) {
        self.with(|s| s.launch_delay = Some(by));
    }
    fn add_orphan(&self, name: &str, owner: &str) -> String {
        self.add_owned(name, owner, None)
    }
}
