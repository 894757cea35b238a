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

    let table = GpuTest::new().run(&["providers", "-o", "table"]);
    assert!(table.stdout.starts_with("ID"), "{}", table.stdout);
    assert!(table.stdout.contains("LAMBDA_API_KEY (needed)"));
}

#[test]
fn half_set_up_providers_say_what_is_missing() {
    let status = |t: &GpuTest, id: &str| {
        let v = t.run(&["providers", "--json"]).json();
        v.as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Scaleway with no table of its own was not set up at all: opt-in, and no warning.
    let untouched = GpuTest::new();
    assert_eq!(status(&untouched, "scaleway"), "catalog only (opt-in)");
    let check = untouched.run(&["config", "check"]);
    assert!(!check.stderr.contains("eur_usd"), "{}", check.stderr);
    // An AWS secret without its access key id, Scaleway's table without a euro rate.
    let half = GpuTest::new()
        .env("AWS_SECRET_ACCESS_KEY", "secret-value")
        .config("[providers.scaleway]\nzones = [\"fr-par-2\"]\n");
    assert_eq!(status(&half, "aws"), "catalog only (incomplete setup)");
    assert_eq!(status(&half, "scaleway"), "catalog only (incomplete setup)");
    let check = half.run(&["config", "check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(
        check.stderr.contains("AWS_ACCESS_KEY_ID"),
        "{}",
        check.stderr
    );
    assert!(check.stderr.contains("`eur_usd`"), "{}", check.stderr);
    assert!(!check.all().contains("secret-value"));

    let whole = GpuTest::new()
        .env("AWS_SECRET_ACCESS_KEY", "secret-value")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .config("[providers.scaleway]\neur_usd = 1.1\n");
    assert_eq!(status(&whole, "aws"), "live");
    assert_eq!(status(&whole, "scaleway"), "live (keyless)");
}

#[test]
fn providers_says_which_can_launch() {
    let v = GpuTest::new().run(&["providers", "--json"]).json();
    let can = |id: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap()["can_launch"]
            .clone()
    };
    for id in [
        "lambda",
        "runpod",
        "vast",
        "hyperbolic",
        "shadeform",
        "primeintellect",
        "verda",
        "aws",
    ] {
        assert_eq!(can(id), true, "{id}");
    }
    for id in ["azure", "gcp", "oci", "coreweave"] {
        assert_eq!(can(id), false, "{id}");
    }
    let table = GpuTest::new().run(&["providers", "-o", "table"]).stdout;
    assert!(
        table.lines().next().unwrap().contains("CAN LAUNCH"),
        "{table}"
    );
}
