//! Budget races found in review: the same instance counted twice (ledger and list), clocks
//! mixed, and two racing launches that each thought the other came first.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::fakes::LambdaFake;
use crate::lifecycle::lambda_test;
use crate::renting::{finish, spawn, until};

fn budget(server: &MockServer, usd: &str) -> crate::support::GpuTest {
    lambda_test(server)
        .env("GPU_OWNER", "team-ci")
        .config(&format!("[budget]\nbudget_usd = {usd}\n"))
}

/// Same machine, two `up`s: B's entry has no instance id yet while the provider already lists
/// B, so A's settle counts B twice and releases A, though both fit the budget.
#[tokio::test]
async fn one_machines_two_launches_that_fit_both_stand() {
    let (server, fake) = LambdaFake::start().await;
    // Two A10s for 2h: $5.16 of $6.00. Both fit.
    let t = budget(&server, "6");
    fake.with(|s| {
        s.list_lag = Some(Duration::from_millis(2500));
        s.launch_delay = Some(Duration::from_millis(5000));
    });
    let args = [
        "up",
        "--provider",
        "lambda",
        "--gpu",
        "a10",
        "--ttl",
        "2h",
        "--yes",
    ];
    let b = spawn(&t, &args);
    until("B's create", Duration::from_secs(20), || {
        fake.with(|s| s.launch_calls) == 1
    });
    std::thread::sleep(Duration::from_millis(1100));
    fake.with(|s| s.launch_delay = Some(Duration::from_millis(1500)));
    let a = spawn(&t, &args);
    let (oa, ob) = (finish(a), finish(b));
    assert_eq!(fake.with(|s| s.launch_calls), 2);
    eprintln!("A: {}\nB: {}", oa.stderr, ob.stderr);
    assert_eq!(oa.code, 0, "A was released though both fit:\n{}", oa.stderr);
    assert_eq!(ob.code, 0, "{}", ob.stderr);
    assert_eq!(fake.live().len(), 2);
}

/// A provider clock 2h ahead: the deadline tag is moved by 2h, and the settle counts it
/// against this machine's clock: $1.29 x 4h = $5.16 > $5, so a $2.58 launch releases itself.
#[tokio::test]
async fn a_provider_clock_ahead_does_not_make_a_launch_that_fits_release_itself() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| s.clock_ahead = Some(Duration::from_secs(7200)));
    let t = budget(&server, "5");
    let up = t.run(&["up", "--gpu", "a10", "--ttl", "2h", "--yes"]);
    eprintln!("{}", up.stderr);
    assert_eq!(up.code, 0, "a $2.58 launch under $5 failed:\n{}", up.stderr);
    assert_eq!(fake.live().len(), 1);
}

/// An instance list that answers `{"instances": []}` after a delay that can be changed.
#[derive(Clone)]
struct SlowList(Arc<Mutex<Duration>>);
impl Respond for SlowList {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if req.method.as_str() == "GET" && req.url.path() == "/v1/instances" {
            let d = *self.0.lock().unwrap();
            return ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"instances": []}))
                .set_delay(d);
        }
        ResponseTemplate::new(404).set_body_json(serde_json::json!({"error": "not found"}))
    }
}

/// Two machines race; A's own list read does not show A yet (B's does): A orders itself by
/// the ledger's `launched_at` (after the create answer), B orders A by its tag (before the
/// create). Each thinks the other came first: both release.
#[tokio::test]
async fn of_two_racing_launches_one_always_stands() {
    let (server, fake) = LambdaFake::start().await;
    let slow = SlowList(Arc::new(Mutex::new(Duration::ZERO)));
    let sf = MockServer::builder().start().await;
    Mock::given(any())
        .respond_with(slow.clone())
        .mount(&sf)
        .await;
    let machine = || {
        budget(&server, "5")
            .fake("shadeform", &sf)
            .env("SHADEFORM_API_KEY", "sf-test")
    };
    let (ma, mb) = (machine(), machine());
    let args = [
        "up",
        "--provider",
        "lambda",
        "--gpu",
        "a10",
        "--ttl",
        "2h",
        "--yes",
    ];
    fake.with(|s| s.launch_delay = Some(Duration::from_millis(3000)));
    let a = spawn(&ma, &args);
    until("A's create", Duration::from_secs(20), || {
        fake.with(|s| s.launch_calls) == 1
    });
    let t0 = Instant::now();
    // A's first listing of itself lags (eventual consistency): hidden until T0+3.3s.
    fake.with(|s| s.instances[0].listed_from = Some(t0 + Duration::from_millis(3300)));
    std::thread::sleep(Duration::from_millis(1100));
    fake.with(|s| s.launch_delay = Some(Duration::from_millis(2500)));
    let b = spawn(&mb, &args);
    until("B's create", Duration::from_secs(20), || {
        fake.with(|s| s.launch_calls) == 2
    });
    // The other provider's list is slow: the decision comes 1.5s after Lambda's answer.
    *slow.0.lock().unwrap() = Duration::from_millis(1500);
    let (oa, ob) = (finish(a), finish(b));
    eprintln!("A: {}\nB: {}", oa.stderr, ob.stderr);
    assert!(
        !fake.live().is_empty(),
        "both released themselves (A exit {}, B exit {})",
        oa.code,
        ob.code
    );
}
