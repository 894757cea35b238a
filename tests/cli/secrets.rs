use crate::support::{fake, GpuTest, SENTINEL_KEYS};

fn assert_no_secret(text: &str) {
    for (_, key) in SENTINEL_KEYS {
        assert!(!text.contains(key), "a key leaked:\n{text}");
        assert!(!text.contains(&key[..20]), "part of a key leaked:\n{text}");
    }
}

fn with_keys(mut t: GpuTest) -> GpuTest {
    for (var, key) in SENTINEL_KEYS {
        t = t.env(var, key);
    }
    t
}

#[tokio::test]
async fn keys_never_reach_any_output() {
    let lambda = fake(
        "GET",
        "/api/v1/instance-types",
        401,
        r#"{"error": {"code": "global/invalid-api-key", "message": "API key was invalid"}}"#,
    )
    .await;
    let vast = fake("POST", "/api/v0/bundles/", 500, "upstream exploded").await;
    let runpod = fake("GET", "/v2/catalog/gpus", 200, "{not json").await;
    let t = with_keys(GpuTest::new())
        .fake("lambda", &lambda)
        .fake("vast", &vast)
        .fake("runpod", &runpod);
    for args in [
        &["find", "-v"][..],
        &["find", "-vv", "--json"],
        &["find", "--csv", "--all"],
        &["config", "check"],
        &["providers", "--json"],
        &["find", "--provider", "nope"],
    ] {
        let out = t.run(args);
        assert_no_secret(&out.all());
    }
    // The keys did travel, in headers only.
    for server in [&lambda, &vast, &runpod] {
        for r in server.received_requests().await.unwrap() {
            assert!(
                !r.url.as_str().contains("SENTINEL"),
                "key in URL: {}",
                r.url
            );
            assert!(r
                .headers
                .get("authorization")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("SENTINEL"));
        }
    }
}

#[test]
fn keys_in_the_config_file_stay_hidden_on_errors() {
    let t = GpuTest::new()
        .unset("GPU_LAMBDA_BASE_URL")
        .config("[providers.lambda]\napi_key = \"SENTINEL-lambda-0123456789abcdef\"\nbase_url = \"http://198.51.100.7\"\n");
    let out = t.run(&["find"]);
    assert_eq!(out.code, 2);
    assert_no_secret(&out.all());
}
