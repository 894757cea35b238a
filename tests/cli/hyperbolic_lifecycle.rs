//! `gpu up`, `gpu ls`, `gpu down` on Hyperbolic, against its stateful fake.

use crate::hyperbolic_fake::HyperbolicFake;
use crate::support::GpuTest;

fn hyperbolic_test(server: &wiremock::MockServer) -> GpuTest {
    GpuTest::new()
        .fake("hyperbolic", server)
        .env("HYPERBOLIC_API_KEY", "hb-test")
        .with_ssh_key()
}

#[tokio::test]
async fn up_rents_the_cheapest_option_and_down_terminates_it() {
    let (server, fake) = HyperbolicFake::start().await;
    let t = hyperbolic_test(&server);
    let out = t.run(&["up", "--gpu", "h100", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    let rentals = fake.live();
    assert_eq!(rentals.len(), 1);
    let body = &rentals[0].body;
    assert_eq!(body["gpuType"], "h100");
    assert_eq!(body["gpuCount"], 1);
    assert_eq!(body["region"], "us-east-1");
    crate::support::assert_carries(
        body["label"].as_str().unwrap(),
        v["name"].as_str().unwrap(),
        v["owner"].as_str().unwrap(),
    );

    let ls = t.run(&["ls", "--json"]);
    assert_eq!(ls.code, 0, "{}", ls.stderr);
    let row = &ls.json()[0];
    assert_eq!(row["id"], v["id"]);
    assert_eq!(row["state"], "running");
    assert_eq!(row["price_per_hour_usd"], 3.19);
    assert_eq!(row["ssh_command"], "ssh -p 31022 ubuntu@127.0.0.1");

    let down = t.run(&["down", v["id"].as_str().unwrap(), "--yes"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert!(fake.live().is_empty());
}

#[tokio::test]
async fn no_capacity_fails_over_and_a_failing_terminate_is_retried() {
    let (server, fake) = HyperbolicFake::start().await;
    fake.with(|s| {
        s.no_capacity.insert(("h100".into(), "us-east-1".into()));
    });
    let t = hyperbolic_test(&server);
    let out = t.run(&["up", "--gpu", "h100", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("attempt 1: hyperbolic:h100-")
            && out.stderr.contains("No capacity available"),
        "{}",
        out.stderr
    );
    let rentals = fake.live();
    assert_eq!(rentals.len(), 1, "one rental, whatever the attempts");
    assert_ne!(rentals[0].body["region"], "us-east-1");

    fake.with(|s| s.terminate_failures = 1);
    let id = out.json()["id"].as_str().unwrap().to_string();
    let down = t.run(&["down", &id, "--yes"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert!(fake.live().is_empty());
}
