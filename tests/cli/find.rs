use std::time::Duration;

use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{fake, lambda_fake, vast_fake, GpuTest};

fn prices(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|o| o["price_per_gpu_hour_usd"].as_f64().unwrap())
        .collect()
}

#[test]
fn offline_answer_comes_from_the_catalog_and_says_so() {
    let out = GpuTest::new()
        .env("GPU_FORCE_TTY", "1")
        .run(&["find", "--h100", "--max-price", "3"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("PROVIDER"), "{}", out.stdout);
    assert!(lines.len() > 2);
    for line in &lines[1..] {
        assert!(line.contains("H100"), "{line}");
        assert!(line.ends_with("catalog"), "{line}");
    }
    assert!(out.stderr.contains("catalog of 20"), "{}", out.stderr);
    // Rows whose source gives no date carry the day they were read, marked `~` (each row's
    // date with `--wide`), and say so.
    let wide = GpuTest::new().run(&["find", "--h100", "--max-price", "3", "--wide", "-v"]);
    assert!(wide.stdout.contains("catalog ~20"), "{}", wide.stdout);
    assert!(wide.stdout.contains("OFFER ID"), "{}", wide.stdout);
    assert!(
        wide.stderr
            .contains("dates marked `~` are the day the price was read"),
        "{}",
        wide.stderr
    );
    // Without the dates on screen, `~` is not explained.
    let narrow = GpuTest::new().run(&["find", "--h100", "--max-price", "3", "-v"]);
    assert!(
        !narrow.stderr.contains("dates marked `~`"),
        "{}",
        narrow.stderr
    );
    assert!(out.stderr.contains("not live"), "{}", out.stderr);
    assert!(
        !out.stderr.contains("warning"),
        "unconfigured providers fall back quietly: {}",
        out.stderr
    );
}

#[test]
fn json_is_an_array_of_offers_ranked_by_price() {
    let out = GpuTest::new().run(&["find", "--gpu", "H100-SXM", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    let p = prices(&v);
    assert!(!p.is_empty());
    assert!(p.windows(2).all(|w| w[0] <= w[1]), "not sorted: {p:?}");
    for o in v.as_array().unwrap() {
        assert_eq!(o["gpu"], "H100");
        assert_eq!(o["gpu_variant"], "SXM");
        assert_eq!(o["source"], "catalog");
        for field in [
            "provider",
            "offer_id",
            "gpu_memory_gb",
            "gpu_count",
            "vcpus",
            "memory_gb",
            "disk_gb",
            "region",
            "spot",
            "price_per_hour_usd",
            "available",
            "as_of",
            "source_url",
        ] {
            assert!(o.get(field).is_some(), "missing {field}");
        }
        let total = o["price_per_hour_usd"].as_f64().unwrap();
        let n = o["gpu_count"].as_f64().unwrap();
        assert!((total / n - o["price_per_gpu_hour_usd"].as_f64().unwrap()).abs() < 1e-9);
    }
}

#[test]
fn csv_has_a_header_and_one_row_per_offer() {
    let json = GpuTest::new().run(&["find", "--b200", "--json"]).json();
    let out = GpuTest::new().run(&["find", "--b200", "--csv"]);
    assert_eq!(out.code, 0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("provider,offer_id,instance_type,gpu,"));
    assert_eq!(lines.len() - 1, json.as_array().unwrap().len());
}

#[test]
fn filters_and_sort() {
    let t = GpuTest::new();
    let v = t
        .run(&["find", "--min-gpus", "8", "--max-total", "30", "--json"])
        .json();
    for o in v.as_array().unwrap() {
        assert!(o["gpu_count"].as_u64().unwrap() >= 8);
        assert!(o["price_per_hour_usd"].as_f64().unwrap() <= 30.0);
    }
    let v = t.run(&["find", "--spot", "--json"]).json();
    assert!(v.as_array().unwrap().iter().all(|o| o["spot"] == true));
    assert!(!v.as_array().unwrap().is_empty());
    let v = t
        .run(&[
            "find",
            "--region",
            "eu-north,FIN",
            "--strict-region",
            "--json",
        ])
        .json();
    for o in v.as_array().unwrap() {
        let r = o["region"].as_str().unwrap().to_lowercase();
        assert!(r.contains("eu-north") || r.contains("fin"), "{r}");
    }
    let v = t
        .run(&["find", "--provider", "oci", "--sort", "total", "--json"])
        .json();
    let totals: Vec<f64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["price_per_hour_usd"].as_f64().unwrap())
        .collect();
    assert!(totals.windows(2).all(|w| w[0] <= w[1]), "{totals:?}");
    assert!(v.as_array().unwrap().iter().all(|o| o["provider"] == "oci"));
    let v = t.run(&["find", "--min-vram", "141", "--json"]).json();
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["gpu_memory_gb"].as_f64().unwrap() >= 141.0));
    let v = t.run(&["find", "--limit", "3", "--json"]).json();
    assert_eq!(v.as_array().unwrap().len(), 3);
}

#[test]
fn long_tables_are_cut_with_a_note() {
    let out = GpuTest::new().run(&["find", "-o", "table"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout.lines().count(), 31, "header + 30 rows");
    assert!(out.stderr.contains("more (`--all`)"), "{}", out.stderr);
    let all = GpuTest::new().run(&["find", "-o", "table", "--all"]);
    assert!(all.stdout.lines().count() > 31);
    let json = GpuTest::new().run(&["find", "--json"]).json();
    assert_eq!(
        json.as_array().unwrap().len(),
        all.stdout.lines().count() - 1,
        "JSON is never cut"
    );
}

#[test]
fn nothing_matched_exits_5_with_valid_json() {
    let out = GpuTest::new().run(&["find", "--h100", "--max-price", "0.01", "--json"]);
    assert_eq!(out.code, 5);
    assert_eq!(out.json(), serde_json::json!([]));
    // A script reading JSON gets no notes; a person at a table does.
    assert!(!out.stderr.contains("note:"), "{}", out.stderr);
    let table = GpuTest::new().run(&["find", "--h100", "--max-price", "0.01", "-o", "table"]);
    assert_eq!(table.code, 5);
    assert!(
        table.stderr.contains("no offer matches"),
        "{}",
        table.stderr
    );
    // A known GPU no catalog row has: nothing matched (an unknown name is a usage error).
    let out = GpuTest::new().run(&["find", "-o", "table", "--gpu", "titan-rtx"]);
    assert_eq!(out.code, 5, "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn live_answers_replace_catalog_rows() {
    let lambda = lambda_fake().await;
    let vast = vast_fake().await;
    let out = GpuTest::new()
        .fake("lambda", &lambda)
        .fake("vast", &vast)
        .env("LAMBDA_API_KEY", "k-live-test")
        .run(&["find", "--h100", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    let offers = v.as_array().unwrap();
    let lambda_rows: Vec<_> = offers
        .iter()
        .filter(|o| o["provider"] == "lambda")
        .collect();
    assert!(!lambda_rows.is_empty());
    assert!(
        lambda_rows.iter().all(|o| o["source"] == "live"),
        "live answers replace catalog rows"
    );
    assert!(offers
        .iter()
        .any(|o| o["provider"] == "vast" && o["source"] == "live"));
    assert!(offers
        .iter()
        .any(|o| o["provider"] == "nebius" && o["source"] == "catalog"));
    let p = prices(&v);
    assert!(p.windows(2).all(|w| w[0] <= w[1]));
    let req = &lambda.received_requests().await.unwrap()[0];
    assert_eq!(
        req.headers.get("authorization").unwrap(),
        "Bearer k-live-test"
    );
}

#[tokio::test]
async fn a_failing_configured_provider_is_a_warning_and_exit_3() {
    let vast = fake(
        "POST",
        "/api/v0/bundles/",
        503,
        "<html>Service Unavailable</html>",
    )
    .await;
    let lambda = lambda_fake().await;
    let t = GpuTest::new()
        .fake("lambda", &lambda)
        .env("LAMBDA_API_KEY", "k")
        .configured("vast", &vast.uri(), "");
    let out = t.run(&["find", "--h100", "-o", "table"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("warning: skipped `vast`: service unavailable (HTTP 503)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("lambda"),
        "the others' offers are still printed"
    );
    assert!(
        out.stdout.lines().any(|l| l.ends_with(" live")),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn garbage_from_a_provider_names_the_field() {
    let lambda = fake(
        "GET",
        "/api/v1/instance-types",
        200,
        r#"{"data": {"x": {"instance_type": {"name": "x"}}}}"#,
    )
    .await;
    let out = GpuTest::new()
        .fake("lambda", &lambda)
        .env("LAMBDA_API_KEY", "k")
        .run(&["find"]);
    assert_eq!(out.code, 3);
    assert!(
        out.stderr
            .contains("skipped `lambda`: could not read the `/api/v1/instance-types` response"),
        "{}",
        out.stderr
    );
    // The item, and the field in it.
    assert!(
        out.stderr.contains("`x`:") && out.stderr.contains("at `instance_type`"),
        "{}",
        out.stderr
    );
    assert!(out
        .stderr
        .contains("hint: the provider's API may have changed"));
    assert!(out.stdout.lines().count() > 1);
}

#[tokio::test]
async fn rejected_key_exits_4_with_a_hint() {
    let lambda = fake(
        "GET",
        "/api/v1/instance-types",
        401,
        include_str!("../../providers/src/lambda/fixtures/error-401.json"),
    )
    .await;
    let out = GpuTest::new()
        .fake("lambda", &lambda)
        .env("LAMBDA_API_KEY", "k")
        .run(&["find", "--h100"]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert!(
        out.stderr.contains("rejected the API key (HTTP 401)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("hint: check `LAMBDA_API_KEY`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("lambda"),
        "catalog rows stand in: {}",
        out.stdout
    );
}

#[tokio::test]
async fn rate_limited_provider_is_retried_then_reported() {
    let vast = fake(
        "POST",
        "/api/v0/bundles/",
        429,
        r#"{"detail": "API requests too frequent endpoint threshold=4.5"}"#,
    )
    .await;
    let out = GpuTest::new()
        .configured("vast", &vast.uri(), "")
        .run(&["find", "--gpu", "rtx4090"]);
    assert_eq!(out.code, 3);
    assert!(
        out.stderr.contains("rate limited the request (HTTP 429)"),
        "{}",
        out.stderr
    );
    assert_eq!(
        vast.received_requests().await.unwrap().len(),
        3,
        "one try and two retries"
    );
}

#[tokio::test]
async fn a_slow_provider_costs_its_timeout_not_a_hang() {
    let vast = MockServer::builder().start().await;
    Mock::given(method("POST"))
        .and(path("/api/v0/bundles/"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(crate::support::VAST_FIXTURE)
                .set_delay(Duration::from_secs(30)),
        )
        .mount(&vast)
        .await;
    let out = GpuTest::new()
        .configured("vast", &vast.uri(), "timeout = 1")
        .run(&["find", "--h100"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("skipped `vast`: no response within"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("H100"));
}

#[tokio::test]
async fn unconfigured_keyless_provider_that_answers_is_live() {
    let hyperbolic = fake(
        "GET",
        "/v2/alpha/on-demand/rental-options",
        200,
        crate::support::HYPERBOLIC_FIXTURE,
    )
    .await;
    let out = GpuTest::new().fake("hyperbolic", &hyperbolic).run(&[
        "find",
        "--provider",
        "hyperbolic",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert!(v.as_array().unwrap().iter().all(|o| o["source"] == "live"));
    assert_eq!(v.as_array().unwrap().len(), 4);
    assert!(hyperbolic.received_requests().await.unwrap()[0]
        .headers
        .get("authorization")
        .is_none());
}

#[tokio::test]
async fn runpod_with_a_key_asks_both_clouds() {
    let server = MockServer::builder().start().await;
    for (cloud, body) in [
        ("SECURE", crate::support::RUNPOD_SECURE_FIXTURE),
        ("COMMUNITY", crate::support::RUNPOD_COMMUNITY_FIXTURE),
    ] {
        Mock::given(method("GET"))
            .and(path("/v2/catalog/gpus"))
            .and(wiremock::matchers::query_param("cloud", cloud))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&server)
            .await;
    }
    let out = GpuTest::new()
        .fake("runpod", &server)
        .env("RUNPOD_API_KEY", "rk")
        .run(&["find", "--provider", "runpod", "--available", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    let offers = v.as_array().unwrap();
    assert_eq!(offers.len(), 4, "{offers:#?}");
    assert!(offers.iter().all(|o| o["available"] == true));
    assert_eq!(offers[0]["gpu"], "RTX 4090");
}

#[test]
fn named_provider_without_a_key_exits_4_but_shows_catalog_prices() {
    let out = GpuTest::new().run(&["find", "--provider", "runpod"]);
    assert_eq!(out.code, 4);
    assert!(
        out.stderr
            .contains("warning: `runpod` has no API key; showing catalog prices of"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("hint: set `RUNPOD_API_KEY`"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("runpod"));
}

#[test]
fn unknown_provider_is_a_usage_error_with_a_suggestion() {
    let out = GpuTest::new().run(&["find", "--provider", "lamda"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("error: unknown provider `lamda` given to `--provider`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `lambda`?"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn offline_flag_asks_nobody() {
    let out = GpuTest::new().env("LAMBDA_API_KEY", "k").run(&[
        "find",
        "--offline",
        "--provider",
        "lambda",
        "-v",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        !out.stderr.contains("debug:"),
        "no request was sent: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("lambda was not asked (`--offline`)"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn verbose_shows_requests_on_stderr_only() {
    let lambda = lambda_fake().await;
    let out = GpuTest::new()
        .fake("lambda", &lambda)
        .env("LAMBDA_API_KEY", "k")
        .run(&["find", "--provider", "lambda", "-v", "--json"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stderr.contains("debug: lambda GET http://127.0.0.1:"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("/api/v1/instance-types -> 200"),
        "{}",
        out.stderr
    );
    out.json();
}

#[test]
fn disabled_providers_are_left_out() {
    let out = GpuTest::new()
        .config("[providers.oci]\nenabled = false\n[providers.nebius]\nenabled = false\n")
        .run(&["find", "--json"]);
    let v = out.json();
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["provider"] != "oci" && o["provider"] != "nebius"));
}

#[tokio::test]
async fn answers_are_cached_reused_and_refreshed() {
    let lambda = lambda_fake().await;
    let t = GpuTest::new()
        .fake("lambda", &lambda)
        .env("LAMBDA_API_KEY", "k");
    let asked = || async { lambda.received_requests().await.unwrap().len() };
    let first = t.run(&["find", "--provider", "lambda", "--json"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first
        .json()
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["source"] == "live"));
    assert_eq!(asked().await, 1);

    let second = t.run(&["find", "--provider", "lambda", "--json", "-v"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(asked().await, 1, "the second answer comes from the cache");
    let v = second.json();
    assert!(v.as_array().unwrap().iter().all(|o| o["source"] == "cache"));
    assert_eq!(
        v.as_array().unwrap().len(),
        first.json().as_array().unwrap().len()
    );
    assert!(
        second.stderr.contains("reused answers asked lambda"),
        "{}",
        second.stderr
    );
    assert!(second.stderr.contains("`--refresh` asks again"));

    let third = t.run(&["find", "--provider", "lambda", "--refresh", "--json"]);
    assert_eq!(asked().await, 2);
    assert!(third
        .json()
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["source"] == "live"));

    // --offline reuses the cache whatever its age and asks nobody.
    let offline =
        t.env("GPU_CACHE_TTL", "1")
            .run(&["find", "--provider", "lambda", "--offline", "--json"]);
    assert_eq!(asked().await, 2);
    assert!(offline
        .json()
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["source"] == "cache"));

    // A TTL of 0 turns the cache off.
    let t0 = GpuTest::new()
        .fake("lambda", &lambda)
        .env("LAMBDA_API_KEY", "k")
        .env("GPU_CACHE_TTL", "0");
    t0.run(&["find", "--provider", "lambda"]);
    t0.run(&["find", "--provider", "lambda"]);
    assert_eq!(asked().await, 4);
}

#[tokio::test]
async fn a_stale_cache_is_not_used_online() {
    let lambda = lambda_fake().await;
    let t = GpuTest::new()
        .fake("lambda", &lambda)
        .env("LAMBDA_API_KEY", "k")
        .env("GPU_CACHE_TTL", "1");
    t.run(&["find", "--provider", "lambda"]);
    std::thread::sleep(Duration::from_millis(1100));
    let out = t.run(&["find", "--provider", "lambda", "--json"]);
    assert_eq!(
        lambda.received_requests().await.unwrap().len(),
        2,
        "older than cache_ttl: asked again"
    );
    assert!(out
        .json()
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["source"] == "live"));
}

#[test]
fn value_sort_and_model_fit() {
    let t = GpuTest::new();
    let out = t.run(&["find", "--sort", "value", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    let values: Vec<Option<f64>> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["usd_per_bf16_pflop_hour"].as_f64())
        .collect();
    let known: Vec<f64> = values.iter().map_while(|x| *x).collect();
    assert!(known.len() > 5);
    assert!(known.windows(2).all(|w| w[0] <= w[1]), "{known:?}");
    assert!(
        values[known.len()..].iter().all(Option::is_none),
        "offers without figures come last"
    );
    let table = t.run(&[
        "find",
        "-o",
        "table",
        "--sort",
        "bandwidth-value",
        "--limit",
        "3",
    ]);
    assert!(
        table.stdout.lines().next().unwrap().contains("$/TBS-H"),
        "{}",
        table.stdout
    );

    let out = t.run(&["find", "--fit", "70b", "--json"]);
    for o in out.json().as_array().unwrap() {
        let total = o["gpu_memory_gb"].as_f64().unwrap() * o["gpu_count"].as_f64().unwrap();
        assert!(total >= 168.0, "{o}");
    }
    let bad = t.run(&["find", "--fit", "70"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("billions of parameters"),
        "{}",
        bad.stderr
    );
}

/// An AWS fake: us-west-2's gp3 price for the storage query, its price list for every other
/// `GetProducts`, `spot` for every spot query.
async fn aws_answers(server: &MockServer, spot: &str) {
    Mock::given(method("POST"))
        .and(|r: &wiremock::Request| String::from_utf8_lossy(&r.body).contains(r#""Storage""#))
        .respond_with(ResponseTemplate::new(200).set_body_string(include_str!(
            "../../providers/src/aws/fixtures/storage-gp3-us-west-2.json"
        )))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_string(include_str!(
            "../../providers/src/aws/fixtures/products-us-west-2.json"
        )))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_string(spot))
        .mount(server)
        .await;
}

#[tokio::test]
async fn aws_with_credentials_from_the_environment_is_live() {
    let aws = MockServer::builder().start().await;
    aws_answers(
        &aws,
        r#"<DescribeSpotPriceHistoryResponse><spotPriceHistorySet><item><instanceType>g6e.xlarge</instanceType><productDescription>Linux/UNIX</productDescription><spotPrice>0.7313</spotPrice><timestamp>2026-11-25T08:00:00.000Z</timestamp><availabilityZone>us-west-2b</availabilityZone></item></spotPriceHistorySet></DescribeSpotPriceHistoryResponse>"#,
    )
    .await;
    let out = GpuTest::new()
        .fake("aws", &aws)
        .env("AWS_ACCESS_KEY_ID", "AKIDCLITEST")
        .env("AWS_SECRET_ACCESS_KEY", "cli-test-secret")
        .config("[providers.aws]\nregions = [\"us-west-2\"]\n")
        .run(&["find", "--provider", "aws", "--gpu", "l40s", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["offer_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["aws:g6e.xlarge@us-west-2b:spot", "aws:g6e.xlarge@us-west-2"]
    );
    assert!(v.as_array().unwrap().iter().all(|o| o["source"] == "live"));
    let requests = aws.received_requests().await.unwrap();
    assert_eq!(
        requests.len(),
        3,
        "one price-list page, the gp3 price, one spot query"
    );
    for r in &requests {
        let auth = r.headers.get("authorization").unwrap().to_str().unwrap();
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDCLITEST/"),
            "{auth}"
        );
        assert!(!format!("{:?}", r.headers).contains("cli-test-secret"));
    }
    assert!(!out.all().contains("cli-test-secret"));
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
}

#[tokio::test]
async fn a_region_aws_refuses_is_a_warning_not_a_loss() {
    let throttled = r#"{"__type":"com.amazonaws.awspricingservice#ThrottlingException","Message":"Rate exceeded"}"#;
    let aws = MockServer::builder().start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(body_string_contains("eu-west-1"))
        .respond_with(ResponseTemplate::new(400).set_body_string(throttled))
        .with_priority(1)
        .mount(&aws)
        .await;
    aws_answers(
        &aws,
        "<DescribeSpotPriceHistoryResponse><spotPriceHistorySet/></DescribeSpotPriceHistoryResponse>",
    )
    .await;
    let with = |server: &MockServer| {
        GpuTest::new()
            .fake("aws", server)
            .env("AWS_ACCESS_KEY_ID", "AKIDCLITEST")
            .env("AWS_SECRET_ACCESS_KEY", "cli-test-secret")
            .config("[providers.aws]\nregions = [\"us-west-2\", \"eu-west-1\"]\n")
    };
    let out = with(&aws).run(&["find", "--provider", "aws", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("`aws` answered only in part: eu-west-1: ")
            && out.stderr.contains("ThrottlingException"),
        "{}",
        out.stderr
    );
    let v = out.json();
    let offers = v.as_array().unwrap();
    assert!(!offers.is_empty());
    assert!(offers
        .iter()
        .all(|o| o["source"] == "live" && o["region"] == "us-west-2"));

    // Every region throttled: AWS failed as a whole, and its catalog rows stand in.
    let down = MockServer::builder().start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_string(throttled))
        .mount(&down)
        .await;
    let out = with(&down).run(&["find", "--provider", "aws", "--json"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("ThrottlingException"), "{}", out.stderr);
    let v = out.json();
    assert!(!v.as_array().unwrap().is_empty());
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["source"] == "catalog"));
}

#[tokio::test]
async fn aws_credentials_meant_for_other_tools_fail_quietly() {
    // The AWS CLI's credentials are in the environment, but this account may not read prices:
    // a plain `gpu find` must not warn or exit 3 over it every day.
    let aws = MockServer::builder().start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_string(
            r#"{"__type":"AccessDeniedException","Message":"User is not authorized to perform: pricing:GetProducts"}"#,
        ))
        .mount(&aws)
        .await;
    let t = GpuTest::new()
        .fake("aws", &aws)
        .env("AWS_ACCESS_KEY_ID", "AKIDCLITEST")
        .env("AWS_SECRET_ACCESS_KEY", "cli-test-secret");
    let out = t.run(&["find", "--gpu", "h200", "--json", "-v"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("aws refused the credentials in your environment"),
        "{}",
        out.stderr
    );
    let v = out.json();
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["provider"] == "aws" && o["source"] == "catalog"));
    assert!(
        !aws.received_requests().await.unwrap().is_empty(),
        "aws was asked"
    );

    // Named, the same refusal is a warning with the auth exit code.
    let out = t.run(&["find", "--provider", "aws", "--gpu", "h200"]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert!(
        out.stderr.contains("AccessDeniedException"),
        "{}",
        out.stderr
    );
}

/// `find --disk GB` prices in the disk `up --disk GB` would ask for, where the provider bills
/// disk by the hour (Vast: `storage_cost` per GB-month; RunPod: container disk).
#[tokio::test]
async fn disk_changes_the_price_where_disk_is_billed() {
    let (vast, _v) = crate::fakes::VastFake::start(crate::support::closed_port()).await;
    let (runpod, _r) = crate::runpod_fake::RunPodFake::start().await;
    let t = GpuTest::new()
        .fake("vast", &vast)
        .fake("runpod", &runpod)
        .env("RUNPOD_API_KEY", "rp")
        .env("GPU_CACHE_TTL", "0");
    let price = |args: &[&str], offer: &str| -> (f64, f64) {
        let mut all = vec!["find", "--gpu", "rtx4090", "--json", "--all"];
        all.extend_from_slice(args);
        let out = t.run(&all);
        let v = out.json();
        let o = v
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["offer_id"].as_str().unwrap().starts_with(offer))
            .unwrap_or_else(|| panic!("no {offer}: {v}"))
            .clone();
        (
            o["price_per_hour_usd"].as_f64().unwrap(),
            o["storage_price_per_hour_usd"].as_f64().unwrap(),
        )
    };
    for (offer, per_gb_hour) in [
        ("vast:24100003", 0.1333333333333333 / 720.0),
        ("runpod:community", 0.10 / 730.0),
    ] {
        let (p_default, s_default) = price(&[], offer);
        let (p_big, s_big) = price(&["--disk", "1000"], offer);
        assert!(
            (s_big - 1000.0 * per_gb_hour).abs() < 1e-5,
            "{offer}: {s_big}"
        );
        assert!(
            ((p_big - p_default) - (s_big - s_default)).abs() < 1e-5,
            "{offer}: {p_default} -> {p_big}"
        );
        assert!(p_big > p_default);
    }
}

/// A provider named with `--provider` of which no public price could be confirmed with a date
/// has no catalog rows: offline, it says so in one line with what gets live prices, instead of
/// "no offer matches" and a hint to relax filters.
#[test]
fn a_named_provider_without_catalog_prices_says_why_in_one_line() {
    let t = GpuTest::new()
        .env("GPU_FORCE_TTY", "1")
        .env("COLUMNS", "80");
    for id in ["tensordock", "fluidstack", "scaleway"] {
        let out = t.run(&["find", "--provider", id, "--offline", "-o", "table"]);
        assert_eq!(out.code, 5, "{id}: {}", out.stderr);
        let notes: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("note:"))
            .collect();
        assert_eq!(notes.len(), 1, "{id}: {}", out.stderr);
        assert!(
            notes[0].contains(&format!("`{id}`: no catalog prices")),
            "{}",
            notes[0]
        );
        assert!(notes[0].chars().count() <= 80, "{}", notes[0]);
        assert!(!out.stderr.contains("relax a filter"), "{}", out.stderr);
    }
    let keyed = t.run(&[
        "find",
        "--provider",
        "tensordock",
        "--offline",
        "-o",
        "table",
    ]);
    assert!(
        keyed.stderr.contains("TENSORDOCK_API_TOKEN"),
        "{}",
        keyed.stderr
    );
    // One with catalog rows is listed as before.
    let lambda = t.run(&["find", "--provider", "lambda", "--offline", "-o", "table"]);
    assert_eq!(lambda.code, 0, "{}", lambda.stderr);
    assert!(
        !lambda.stderr.contains("no catalog prices"),
        "{}",
        lambda.stderr
    );
}

/// Azure offline: the dated Retail Prices meters of the embedded catalog, each with its source
/// and date, the region's own price (eastus and uksouth differ for the same size).
#[test]
fn azure_offline_answers_from_dated_retail_prices() {
    let t = GpuTest::new();
    let out = t.run(&[
        "find",
        "--provider",
        "azure",
        "--offline",
        "--gpu",
        "h100",
        "--all",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    let offers = v.as_array().unwrap();
    assert!(offers.iter().all(|o| o["provider"] == "azure"), "{v}");
    let nd = |region: &str| {
        offers
            .iter()
            .find(|o| o["instance_type"] == "Standard_ND96isr_H100_v5" && o["region"] == region)
            .unwrap_or_else(|| panic!("no ND96isr_H100_v5 in {region}: {v}"))
            .clone()
    };
    let east = nd("eastus");
    assert_eq!(east["price_per_hour_usd"], 98.32);
    assert_eq!(east["gpu_count"], 8);
    assert_eq!(east["as_of"], "2026-09-16");
    assert!(east["source_url"]
        .as_str()
        .unwrap()
        .starts_with("https://github.com/israelhen153/llm-vram-planner/"));
    assert_eq!(nd("uksouth")["price_per_hour_usd"], 122.9);
    // The H100 NVL sizes are there too, and nothing spot.
    assert!(offers
        .iter()
        .any(|o| o["instance_type"] == "Standard_NC40ads_H100_v5"));
    assert!(offers.iter().all(|o| o["spot"] == false));
}
