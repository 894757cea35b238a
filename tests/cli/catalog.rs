use crate::support::{lambda_fake, GpuTest};

#[tokio::test]
async fn refresh_makes_a_user_catalog_that_offline_answers_prefer() {
    let lambda = lambda_fake().await;
    let t = GpuTest::new()
        .fake("lambda", &lambda)
        .env("LAMBDA_API_KEY", "k");
    let before = t.run(&["catalog", "show", "--json"]).json();
    let lambda_before = before
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["provider"] == "lambda")
        .unwrap()
        .clone();
    assert_eq!(lambda_before["origin"], "embedded");

    let out = t.run(&["catalog", "refresh"]);
    // Three keyless providers point at a closed port here: refreshed partly, exit 3.
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("`vast` not refreshed"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("`lambda`: 5 offers"), "{}", out.stderr);
    assert!(
        out.stderr.contains("offline answers now prefer them"),
        "{}",
        out.stderr
    );

    let after = t.run(&["catalog", "show", "--json"]).json();
    let l = after
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["provider"] == "lambda")
        .unwrap();
    assert_eq!(l["origin"], "refreshed");
    assert_eq!(l["rows"], 5);
    let n = after
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["provider"] == "nebius")
        .unwrap();
    assert_eq!(
        n["origin"], "embedded",
        "providers not reached keep their embedded rows"
    );

    // Offline, without the cache: lambda's rows now come from the refreshed catalog.
    let table = t.run(&["catalog", "show"]);
    assert!(table.stdout.contains("refreshed"), "{}", table.stdout);
    let offline =
        t.env("GPU_CACHE_TTL", "0")
            .run(&["find", "--provider", "lambda", "--offline", "--json"]);
    let v = offline.json();
    assert_eq!(v.as_array().unwrap().len(), 5);
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["source"] == "catalog"));
}

#[test]
fn refresh_with_nothing_reachable_changes_nothing() {
    let t = GpuTest::new();
    let out = t.run(&["catalog", "refresh"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("the catalog was not changed"),
        "{}",
        out.stderr
    );
    let show = t.run(&["catalog", "show", "--json"]).json();
    assert!(show
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["origin"] == "embedded"));
}
