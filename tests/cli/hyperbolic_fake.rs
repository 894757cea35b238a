//! A stateful fake of Hyperbolic's v2 on-demand API for `up`, `ls` and `down`: rental options
//! (the adapter's fixture), `POST /v2/on-demand/virtual-machine-rentals` (Pending, then
//! Running with SSH), the rental list, and `POST .../terminate {rentalId}`. Hyperbolic publishes
//! no reference; shapes follow the adapter's fixtures and `providers/src/hyperbolic/fixtures/README.md`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const OPTIONS: &str = include_str!("../../providers/src/hyperbolic/fixtures/rental-options.json");

#[derive(Debug, Clone)]
pub struct Rental {
    pub id: u64,
    pub body: Value,
    pub status: String,
}

#[derive(Debug, Default)]
pub struct HyperbolicState {
    pub rentals: Vec<Rental>,
    /// `(gpuType, region)` pairs whose rentals are refused for lack of capacity.
    pub no_capacity: HashSet<(String, String)>,
    /// Fail this many terminate calls with HTTP 500.
    pub terminate_failures: u32,
    pub create_calls: u32,
    pub no_capacity_once: bool,
    pub create_429: u32,
    pub create_delay: Option<std::time::Duration>,
}

#[derive(Clone, Default)]
pub struct HyperbolicFake {
    pub state: Arc<Mutex<HyperbolicState>>,
}

impl HyperbolicFake {
    pub async fn start() -> (MockServer, HyperbolicFake) {
        let server = MockServer::builder().start().await;
        let fake = HyperbolicFake::default();
        Mock::given(any())
            .respond_with(fake.clone())
            .mount(&server)
            .await;
        (server, fake)
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut HyperbolicState) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    pub fn live(&self) -> Vec<Rental> {
        self.with(|s| s.rentals.clone())
    }
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "message": message }))
}

/// The option a rental was made from, for its price.
fn cents_for(body: &Value) -> f64 {
    let options: Vec<Value> = serde_json::from_str(OPTIONS).unwrap();
    options
        .iter()
        .find(|o| {
            o["gpuType"] == body["gpuType"]
                && o["gpuCount"] == body["gpuCount"]
                && o["region"] == body["region"]
        })
        .and_then(|o| o["costPerHourCents"].as_f64())
        .unwrap_or(0.0)
}

fn rental_json(r: &Rental) -> Value {
    let mut v = json!({
        "id": r.id, "status": r.status, "gpuType": r.body["gpuType"], "gpuCount": r.body["gpuCount"],
        "region": r.body["region"], "label": r.body["label"],
        "createdAt": "2026-11-25T08:00:00.000Z",
        "currentTerm": {"costPerHourCents": cents_for(&r.body)},
    });
    if r.status == "Running" {
        v["providerData"] =
            json!({"sshNetworking": [{"host": "127.0.0.1", "port": 31022, "user": "ubuntu"}]});
    }
    v
}

impl Respond for HyperbolicFake {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        let authorized = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Bearer "));
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        match (req.method.as_str(), req.url.path()) {
            ("GET", "/v2/alpha/on-demand/rental-options") => {
                ResponseTemplate::new(200).set_body_string(OPTIONS)
            }
            _ if !authorized => error(401, "Unauthorized"),
            ("GET", "/v2/on-demand/rental-options") => {
                ResponseTemplate::new(200).set_body_string(OPTIONS)
            }
            ("POST", "/v2/on-demand/virtual-machine-rentals") => {
                s.create_calls += 1;
                if s.create_429 > 0 {
                    s.create_429 -= 1;
                    return error(429, "Too Many Requests");
                }
                let gpu = body["gpuType"].as_str().unwrap_or_default().to_string();
                let region = body["region"].as_str().unwrap_or_default().to_string();
                if s.no_capacity.contains(&(gpu.clone(), region.clone()))
                    || std::mem::take(&mut s.no_capacity_once)
                {
                    return error(400, &format!("No capacity available for {gpu} in {region}"));
                }
                let rental = Rental {
                    id: 50_000 + u64::from(s.create_calls),
                    body,
                    status: "Pending".into(),
                };
                let answer = rental_json(&rental);
                s.rentals.push(rental);
                let answer = ResponseTemplate::new(200).set_body_json(answer);
                match s.create_delay {
                    Some(d) => answer.set_delay(d),
                    None => answer,
                }
            }
            ("GET", "/v2/on-demand/virtual-machine-rentals") => {
                for r in &mut s.rentals {
                    if r.status == "Pending" {
                        r.status = "Running".into();
                    }
                }
                let list: Vec<Value> = s.rentals.iter().map(rental_json).collect();
                ResponseTemplate::new(200).set_body_json(list)
            }
            ("POST", "/v2/on-demand/virtual-machine-rentals/terminate") => {
                if s.terminate_failures > 0 {
                    s.terminate_failures -= 1;
                    return error(500, "Internal Server Error");
                }
                let id = body["rentalId"].as_u64().unwrap_or_default();
                let before = s.rentals.len();
                s.rentals.retain(|r| r.id != id);
                if s.rentals.len() == before {
                    return error(404, "Rental not found");
                }
                ResponseTemplate::new(200).set_body_json(json!({ "message": "terminated" }))
            }
            _ => error(404, "Not Found"),
        }
    }
}

impl crate::launch_suite::LaunchFake for HyperbolicFake {
    const ID: &'static str = "hyperbolic";
    const CREATE_MARK: &'static str = "/v2/on-demand/virtual-machine-rentals";
    async fn start() -> (MockServer, Self) {
        HyperbolicFake::start().await
    }
    fn test(server: &MockServer) -> crate::support::GpuTest {
        crate::support::GpuTest::new()
            .fake("hyperbolic", server)
            .env("HYPERBOLIC_API_KEY", "hb-test")
            .with_ssh_key()
    }
    fn up_args() -> Vec<&'static str> {
        vec!["--provider", "hyperbolic"]
    }
    fn billing(&self) -> Vec<String> {
        self.live().into_iter().map(|r| r.id.to_string()).collect()
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
            let options: Vec<Value> = serde_json::from_str(OPTIONS).unwrap();
            let o = &options[0];
            let id = 90_000 + s.rentals.len() as u64;
            s.rentals.push(Rental {
                id,
                body: json!({"gpuType": o["gpuType"], "gpuCount": o["gpuCount"], "region": o["region"],
                    "label": format!("{name}.o{owner}")}),
                status: "Running".into(),
            });
            id.to_string()
        })
    }
}
