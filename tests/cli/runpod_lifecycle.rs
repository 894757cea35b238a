//! `gpu up`, `gpu ls`, `gpu down` on RunPod, against its stateful fake: the same guarantees as
//! for Lambda and Vast.ai (one launch per `up`, failover on capacity, verified release).

use crate::runpod_fake::RunPodFake;
use crate::support::{GpuTest, TEST_PUBLIC_KEY};

fn runpod_test(server: &wiremock::MockServer) -> GpuTest {
    GpuTest::new()
        .fake("runpod", server)
        .env("RUNPOD_API_KEY", "rp-test")
        .with_ssh_key()
}

#[tokio::test]
async fn up_creates_one_pod_with_the_key_and_down_deletes_it() {
    let (server, fake) = RunPodFake::start().await;
    let t = runpod_test(&server);
    let out = t.run(&["up", "--gpu", "rtx4090", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["provider"], "runpod");
    let pods = fake.live();
    assert_eq!(pods.len(), 1);
    let body = &pods[0].body;
    // The cheapest 4090 is Community Cloud, in the data center the offer named.
    assert_eq!(body["cloud"], "COMMUNITY");
    assert_eq!(body["gpu"]["id"], "NVIDIA GeForce RTX 4090");
    assert_eq!(body["gpu"]["count"], 1);
    assert_eq!(body["dataCenterIds"][0], v["region"]);
    assert_eq!(body["env"]["PUBLIC_KEY"], TEST_PUBLIC_KEY);
    assert_eq!(body["ports"][0], "22/tcp");
    // Owner, launcher, launch time and price travel in the name.
    let sent = body["name"].as_str().unwrap();
    crate::support::assert_carries(
        sent,
        v["name"].as_str().unwrap(),
        v["owner"].as_str().unwrap(),
    );

    // `ls` reads the pod as RUNNING, with its price and SSH endpoint.
    let ls = t.run(&["ls", "--json"]);
    assert_eq!(ls.code, 0, "{}", ls.stderr);
    let row = &ls.json()[0];
    assert_eq!(row["id"], v["id"]);
    assert_eq!(row["state"], "running");
    // What `up` agreed to: the GPU's $0.34 and the 50 GB container disk it asked for.
    let price = row["price_per_hour_usd"].as_f64().unwrap();
    assert!(
        (price - (0.34 + 50.0 * 0.10 / 730.0)).abs() < 1e-9,
        "{price}"
    );

    let id = v["id"].as_str().unwrap();
    let down = t.run(&["down", id, "--yes", "--json"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert_eq!(down.json()[0]["result"], "terminated");
    assert!(fake.live().is_empty());
}

#[tokio::test]
async fn no_capacity_in_community_cloud_fails_over_to_secure() {
    let (server, fake) = RunPodFake::start().await;
    fake.with(|s| {
        for dc in ["EU-SE-1", "US-TX-3"] {
            s.no_capacity.insert(("COMMUNITY".into(), dc.into()));
        }
    });
    let t = runpod_test(&server);
    let out = t.run(&["up", "--gpu", "rtx4090", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("attempt 1: runpod:community:")
            && out.stderr.contains("no longer any instances available"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.with(|s| s.create_calls), 3, "two refusals, one create");
    let pods = fake.live();
    assert_eq!(pods.len(), 1, "one pod, whatever the attempts");
    assert_eq!(pods[0].body["cloud"], "SECURE");
}

#[tokio::test]
async fn a_rate_limited_create_is_retried_once_and_a_failed_delete_is_not_success() {
    let (server, fake) = RunPodFake::start().await;
    fake.with(|s| s.create_429 = 1);
    let t = runpod_test(&server);
    let out = t.run(&["up", "--gpu", "h100", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        fake.with(|s| s.create_calls),
        2,
        "429 is safe to send again"
    );
    assert_eq!(fake.live().len(), 1);
    let id = out.json()["id"].as_str().unwrap().to_string();

    // DELETE fails every time: exit 1, the pod still there and still tracked.
    fake.with(|s| s.delete_failures = 100);
    let down = t.run(&["down", &id, "--yes"]);
    assert_eq!(down.code, 1, "{}", down.stderr);
    assert!(down.stderr.contains("could not release"), "{}", down.stderr);
    assert_eq!(fake.live().len(), 1);

    // Once: retried, then confirmed gone.
    fake.with(|s| s.delete_failures = 1);
    let down = t.run(&["down", &id, "--yes"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert!(fake.live().is_empty());
}

#[tokio::test]
async fn a_pod_the_ledger_never_heard_of_is_an_orphan() {
    let (server, fake) = RunPodFake::start().await;
    let t = runpod_test(&server);
    let out = t.run(&["up", "--gpu", "h100", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Simulate a crash between create and record: the ledger loses the entry (not its owner).
    let path = t.home().join("data/gpu/ledger.json");
    let mut ledger = t.ledger();
    ledger["entries"] = serde_json::json!([]);
    std::fs::write(&path, ledger.to_string()).unwrap();
    let ls = t.run(&["ls", "--json"]);
    assert_eq!(ls.code, 0, "{}", ls.stderr);
    let rows = ls.json();
    assert_eq!(rows[0]["ledger"], "orphan", "{rows}");
    let down = t.run(&["down", "--orphans", "--yes"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert!(fake.live().is_empty());
}

#[tokio::test]
async fn wait_returns_once_the_pod_runs_and_ssh_answers() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (server, fake) = RunPodFake::start().await;
    fake.with(|s| s.ssh_port = port);
    let t = runpod_test(&server).env("GPU_POLL_INTERVAL", "0.1");
    let out = t.run(&["up", "--gpu", "h100", "--yes", "--wait", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["host"], "127.0.0.1");
    assert_eq!(v["port"], port);
    assert_eq!(v["ssh_command"], format!("ssh -p {port} root@127.0.0.1"));
    assert!(fake.live()[0].reads >= 1, "the pod was read until it ran");
    drop(listener);
}
