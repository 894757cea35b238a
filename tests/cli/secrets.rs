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
    let aws = fake(
        "POST",
        "/",
        400,
        r#"{"__type":"com.amazon.coral.service#UnrecognizedClientException","Message":"The security token included in the request is invalid."}"#,
    )
    .await;
    let t = with_keys(GpuTest::new())
        .fake("lambda", &lambda)
        .fake("vast", &vast)
        .fake("runpod", &runpod)
        .fake("aws", &aws);
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
    for server in [&lambda, &vast, &runpod, &aws] {
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
    // AWS signs with its secret and never sends it; the session token travels in its header.
    let aws_requests = aws.received_requests().await.unwrap();
    assert!(!aws_requests.is_empty(), "aws was not asked");
    for r in aws_requests {
        let all = format!("{:?}", r.headers) + &String::from_utf8_lossy(&r.body);
        assert!(!all.contains("SENTINEL-awssecret"), "AWS secret sent");
        assert!(all.contains("SENTINEL-awstoken"));
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

/// Every command, every failure path, every file gpu writes: no key anywhere.
#[tokio::test]
async fn keys_never_reach_files_either() {
    let (lambda, _fake) = crate::fakes::LambdaFake::start().await;
    let vast = fake(
        "POST",
        "/api/v0/bundles/",
        401,
        r#"{"success": false, "error": "invalid_user_key", "msg": "Invalid user key"}"#,
    )
    .await;
    let t = with_keys(GpuTest::new())
        .fake("lambda", &lambda)
        .fake("vast", &vast)
        .with_ssh_key()
        .config("[providers.scaleway]\neur_usd = 1.1\n[providers.verda]\nclient_id = \"cid\"\n")
        .env("VERDA_CLIENT_SECRET", "SENTINEL-verda-0123456789abcdef");
    let runs: &[&[&str]] = &[
        &["find", "-vv"],
        &["find", "--json", "--refresh"],
        &["up", "--gpu", "a10", "--dry-run", "--json"],
        &[
            "up",
            "--gpu",
            "a10",
            "--yes",
            "-v",
            "--json",
            "--name",
            "sweep",
            "--provider",
            "lambda",
        ],
        &["ls", "-v", "--json"],
        &["ssh", "gpu-sweep", "--print"],
        &["history", "--json"],
        &["catalog", "refresh", "-v"],
        &["catalog", "show"],
        &[
            "watch",
            "--provider",
            "lambda",
            "--rounds",
            "1",
            "--interval",
            "10ms",
        ],
        &["down", "gpu-sweep", "--yes", "-v"],
        &["config", "check"],
        &["providers"],
    ];
    let mut all = String::new();
    for args in runs {
        all.push_str(&t.run(args).all());
    }
    assert_no_secret(&all);
    assert!(
        all.contains("\"name\": \"gpu-sweep\""),
        "the sweep really ran the lifecycle: {all}"
    );
    assert!(all.contains("released lambda:"), "and released it: {all}");
    // Files: cache, ledger, history database, user catalog.
    let mut files = 0;
    let mut stack = vec![t.home().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "config.toml") {
                files += 1;
                let bytes = std::fs::read(&p).unwrap();
                for (_, key) in SENTINEL_KEYS {
                    assert!(
                        !bytes.windows(key.len()).any(|w| w == key.as_bytes()),
                        "a key was written to {}",
                        p.display()
                    );
                }
                assert!(
                    !bytes.windows(8).any(|w| w == b"SENTINEL"),
                    "a key was written to {}",
                    p.display()
                );
            }
        }
    }
    assert!(
        files >= 4,
        "cache, ledger, history and catalog were all checked ({files} files)"
    );
}
