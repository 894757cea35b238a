use crate::support::GpuTest;

#[test]
fn lists_every_provider_with_its_status() {
    let out = GpuTest::new()
        .env("LAMBDA_API_KEY", "k")
        .run(&["providers", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    for id in [
        "aws",
        "azure",
        "coreweave",
        "gcp",
        "hyperbolic",
        "lambda",
        "nebius",
        "oci",
        "paperspace",
        "runpod",
        "tensordock",
        "vast",
        "verda",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let status = |id: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("lambda"), "live");
    assert_eq!(status("runpod"), "catalog only (no API key)");
    assert_eq!(status("vast"), "live (keyless)");
    assert_eq!(status("coreweave"), "catalog only");

    let table = GpuTest::new().run(&["providers"]);
    assert!(table.stdout.starts_with("ID"), "{}", table.stdout);
    assert!(table.stdout.contains("LAMBDA_API_KEY (needed)"));
}
