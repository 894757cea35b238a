use crate::fakes::LambdaFake;
use crate::support::GpuTest;

fn watch_test(server: &wiremock::MockServer) -> GpuTest {
    GpuTest::new()
        .fake("lambda", server)
        .env("LAMBDA_API_KEY", "k")
        .env("GPU_CACHE_TTL", "0")
}

#[tokio::test]
async fn once_exits_at_the_first_match_and_exec_gets_the_offer() {
    let (server, _fake) = LambdaFake::start().await;
    let t = watch_test(&server);
    let got = t.home().join("got.json");
    let out = t.run(&[
        "watch",
        "--provider",
        "lambda",
        "--gpu",
        "a10",
        "--once",
        "--json",
        "--exec",
        &format!("cat > {}", got.display()),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let line: serde_json::Value = serde_json::from_str(out.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(line["event"], "new");
    assert_eq!(line["offer"]["offer_id"], "lambda:gpu_1x_a10@us-east-1");
    let offer: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(got).unwrap()).unwrap();
    assert_eq!(offer["price_per_hour_usd"], 1.29);
}

#[tokio::test]
async fn price_changes_are_reported_in_later_rounds() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| s.price_after = Some((1, "gpu_1x_a10".into(), 99)));
    let t = watch_test(&server);
    let out = t.run(&[
        "watch",
        "--provider",
        "lambda",
        "--gpu",
        "a10",
        "--rounds",
        "3",
        "--interval",
        "50ms",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "new once, then one price change, then nothing: {}",
        out.stdout
    );
    assert!(
        lines[0].contains(" new ") && lines[0].contains("$1.29/h"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains(" price ") && lines[1].contains("$0.99/h (was $1.29/h)"),
        "{}",
        lines[1]
    );
}

#[tokio::test]
async fn nothing_to_match_or_to_ask() {
    let (server, _fake) = LambdaFake::start().await;
    let out =
        watch_test(&server).run(&["watch", "--provider", "lambda", "--b200", "--rounds", "1"]);
    assert_eq!(out.code, 5, "{}", out.stderr);
    let out = GpuTest::new().run(&["watch", "--provider", "nebius", "--rounds", "1"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("nothing to watch"), "{}", out.stderr);
    let out = GpuTest::new().unset("GPU_TEST_NO_RETRY_DELAY").run(&[
        "watch",
        "--interval",
        "1s",
        "--rounds",
        "1",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("at least 10s"), "{}", out.stderr);
}

#[tokio::test]
async fn every_round_asks_the_provider_and_records_history() {
    let (server, fake) = LambdaFake::start().await;
    // The default cache_ttl (300 s) is longer than the interval: it must not be used.
    let t = GpuTest::new()
        .fake("lambda", &server)
        .env("LAMBDA_API_KEY", "k");
    let out = t.run(&[
        "watch",
        "--provider",
        "lambda",
        "--gpu",
        "a10",
        "--rounds",
        "4",
        "--interval",
        "50ms",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(fake.with(|s| s.type_reads), 4, "one request per round");
    // What watch saw is in the price history.
    let h = t.run(&["history", "--provider", "lambda", "--gpu", "a10", "--json"]);
    assert_eq!(h.code, 0, "{}", h.stderr);
    let v = h.json();
    assert!(
        !v.as_array().unwrap().is_empty(),
        "watch's answers are in the history: {v}"
    );
}
