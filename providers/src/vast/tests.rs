use std::time::Duration;

use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::gpu::GpuFilter;
use crate::testkit::{self, TEST_KEY};

async fn serve(status: u16, body: &str) -> MockServer {
    let server = testkit::server().await;
    Mock::given(method("POST"))
        .and(path(BUNDLES))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json"),
        )
        .mount(&server)
        .await;
    server
}

async fn offers_from(
    server: &MockServer,
    key: Option<&str>,
    q: &OfferQuery,
) -> Result<Vec<Offer>, ProviderError> {
    let p = build(testkit::context(server, key)).unwrap();
    let r = p.offers(q).await;
    testkit::assert_key_not_in_urls(&server.received_requests().await.unwrap());
    r
}

#[tokio::test]
async fn the_disk_asked_for_is_in_the_price_and_the_query() {
    let server = serve(200, include_str!("fixtures/bundles.json")).await;
    let q = OfferQuery {
        disk_gb: Some(500),
        ..Default::default()
    };
    let offers = offers_from(&server, None, &q).await.unwrap();
    let o = offers
        .iter()
        .find(|o| o.offer_id == "vast:24100002")
        .unwrap();
    // $1.60 for the GPUs, 500 GB at $0.40/GB-month.
    assert!((o.price_per_hour_usd - (1.6 + 0.4 * 500.0 / 720.0)).abs() < 1e-9);
    assert!(
        (o.price_per_gpu_hour_usd * f64::from(o.gpu_count) - o.price_per_hour_usd).abs() < 1e-9
    );
    let body: serde_json::Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(body["allocated_storage"], 500);
    assert_eq!(body["disk_space"], serde_json::json!({"gte": 500}));
    // `cpu_cores: null`: the vCPUs are unknown, not zero.
    assert_eq!(o.vcpus, None);
}

#[tokio::test]
async fn offers_from_fixture() {
    let server = serve(200, include_str!("fixtures/bundles.json")).await;
    let offers = offers_from(&server, None, &OfferQuery::default())
        .await
        .unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    // Offer 24100002 has `geolocation: null`: the adapter says "unknown", which has no place.
    testkit::assert_located_except(&offers, &["unknown"]);
    assert_eq!(offers.len(), 4);
    let o = &offers[0];
    assert_eq!(o.offer_id, "vast:24100001");
    assert_eq!(o.gpu, "H100");
    assert_eq!(o.gpu_variant.as_deref(), Some("SXM"));
    assert_eq!(o.gpu_memory_gb, Some(80.0));
    assert_eq!(o.gpu_count, 8);
    // The GPU part plus the 32 GB disk `gpu up` asks for, at $0.15/GB-month: not `dph_total`,
    // which covers the 8 GB Vast assumes when `allocated_storage` is not sent.
    assert!((o.price_per_hour_usd - (17.6 + 0.15 * 32.0 / 720.0)).abs() < 1e-9);
    assert!((o.storage_price_per_hour_usd.unwrap() - 0.006667).abs() < 1e-6);
    assert_eq!(o.vcpus, Some(192));
    // half the host's cores -> half its RAM
    assert_eq!(o.memory_gb, Some(1032.0));
    assert_eq!(o.region, "Texas, US");
    assert!(!o.spot);
    // null geolocation and null cpu_cores are tolerated
    let pcie = &offers[1];
    assert_eq!(pcie.region, "unknown");
    assert_eq!(pcie.memory_gb, None);
    assert_eq!(offers[3].gpu_memory_gb, Some(40.0));
}

#[tokio::test]
async fn request_carries_filters_and_no_key_when_none_is_set() {
    let server = serve(200, r#"{"offers": []}"#).await;
    let q = OfferQuery {
        gpus: vec![GpuFilter::parse("h100")],
        min_gpus: Some(2),
        ..Default::default()
    };
    assert!(offers_from(&server, None, &q).await.unwrap().is_empty());
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    assert!(reqs[0].headers.get("authorization").is_none());
    assert!(reqs[0].headers.get("user-agent").is_some());
    let body: serde_json::Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert_eq!(body["type"], "on-demand");
    assert_eq!(body["rentable"], json!({"eq": true}));
    assert_eq!(body["verified"], json!({"eq": true}));
    assert_eq!(body["num_gpus"], json!({"gte": 2}));
    assert_eq!(
        body["gpu_name"],
        json!({"in": ["H100 SXM", "H100 PCIE", "H100 NVL"]})
    );
    assert_eq!(body["limit"], 1000);
}

#[tokio::test]
async fn spot_asks_for_bids_and_prices_at_min_bid() {
    let server = testkit::server().await;
    Mock::given(method("POST"))
        .and(path(BUNDLES))
        .and(header(
            "authorization",
            format!("Bearer {TEST_KEY}").as_str(),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(include_str!("fixtures/bundles.json")),
        )
        .mount(&server)
        .await;
    let q = OfferQuery {
        spot: Some(true),
        ..Default::default()
    };
    let offers = offers_from(&server, Some(TEST_KEY), &q).await.unwrap();
    assert!(offers.iter().all(|o| o.spot));
    // The bid covers the GPUs; the disk bills on top.
    assert!((offers[0].price_per_hour_usd - (11.2 + 0.15 * 32.0 / 720.0)).abs() < 1e-9);
    let body: serde_json::Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(body["type"], "bid");
}

#[tokio::test]
async fn unknown_gpu_names_are_not_sent_server_side() {
    let server = serve(200, r#"{"offers": []}"#).await;
    let q = OfferQuery {
        gpus: vec![GpuFilter::parse("some-future-gpu")],
        ..Default::default()
    };
    offers_from(&server, None, &q).await.unwrap();
    let body: serde_json::Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert!(body.get("gpu_name").is_none());
}

#[tokio::test]
async fn invalid_key_is_auth() {
    let server = serve(404, include_str!("fixtures/error-invalid-key.json")).await;
    let e = offers_from(&server, Some(TEST_KEY), &OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(e.message.contains("Invalid user key"), "{}", e.message);
    assert!(e.message.contains("HTTP 404"), "{}", e.message);
}

#[tokio::test]
async fn rate_limit_outage_and_garbage() {
    let server = serve(429, include_str!("fixtures/error-429.json")).await;
    let e = offers_from(&server, None, &OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert!(e.message.contains("too frequent"), "{}", e.message);

    let server = serve(502, "<html><body>Bad gateway</body></html>").await;
    let e = offers_from(&server, None, &OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable);

    let server = serve(200, "<html>maintenance</html>").await;
    let e = offers_from(&server, None, &OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
    assert!(e.message.contains("HTML"), "{}", e.message);

    let server = serve(200, include_str!("fixtures/drift.json")).await;
    let e = offers_from(&server, None, &OfferQuery::default())
        .await
        .unwrap_err();
    assert!(e.message.contains("offers"), "{}", e.message);
}

#[tokio::test]
async fn absurd_prices_are_dropped() {
    let body = r#"{"offers": [
        {"id": 1, "gpu_name": "RTX 4090", "num_gpus": 1, "dph_total": -1.0},
        {"id": 2, "gpu_name": "RTX 4090", "num_gpus": 1, "dph_total": 0},
        {"id": 3, "gpu_name": "RTX 4090", "num_gpus": 0, "dph_total": 0.4},
        {"id": 4, "gpu_name": "RTX 4090", "num_gpus": 1, "dph_total": 1e12},
        {"id": 5, "gpu_name": "RTX 4090", "num_gpus": 1, "dph_total": 0.41}
    ]}"#;
    let server = serve(200, body).await;
    let offers = offers_from(&server, None, &OfferQuery::default())
        .await
        .unwrap();
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].offer_id, "vast:5");
}

#[tokio::test]
async fn slow_answer_times_out() {
    let server = testkit::server().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("{\"offers\":[]}")
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let mut ctx = testkit::context(&server, None);
    ctx.http = crate::http::Http::new(crate::http::HttpOptions {
        timeout: Duration::from_millis(200),
        retries: 0,
        ..Default::default()
    })
    .unwrap();
    let e = build(ctx)
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable);
}

#[test]
fn settings_are_checked() {
    let mut settings = toml::Table::new();
    settings.insert("limit".into(), toml::Value::Integer(0));
    let ctx = ProviderContext {
        api_key: None,
        base_url: "http://127.0.0.1:9".into(),
        http: testkit::http(),
        settings,
    };
    let e = build(ctx).err().unwrap();
    assert!(e.message.contains("`limit`"));
}

mod launch {
    use wiremock::matchers::{body_json, body_partial_json, method, path, query_param};
    use wiremock::{Mock, ResponseTemplate};

    use super::super::*;
    use crate::testkit::{self, TEST_KEY};

    fn request(spot: bool) -> LaunchRequest {
        LaunchRequest {
            offer: "24100003".into(),
            region: Some("Quebec, CA".into()),
            name: "gpu-77aa88bb".into(),
            ssh_public_key: Some("ssh-ed25519 AAAAtest".into()),
            ssh_key_name: None,
            image: None,
            disk_gb: None,
            max_price_per_hour: Some(0.35),
            offer_spot: spot,
            owner: Some("a1b2c3d4".into()),
            deadline: Some(1_764_633_600),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn rent_attach_key_list_destroy() {
        let server = testkit::server().await;
        Mock::given(method("PUT"))
            .and(path("/api/v0/asks/24100003/"))
            .and(body_partial_json(serde_json::json!({"client_id": "me", "image": DEFAULT_IMAGE, "label": "gpu-77aa88bb.oa1b2c3d4.d1764633600", "runtype": "ssh", "price": 0.35})))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"success": true, "new_contract": 9000001}"#))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/api/v0/instances/9000001/ssh/"))
            .and(body_json(
                serde_json::json!({"ssh_key": "ssh-ed25519 AAAAtest"}),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"success": true}"#))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(INSTANCES_V1))
            .and(query_param("limit", "25"))
            .respond_with(
                ResponseTemplate::new(200).set_body_string(include_str!("fixtures/instances.json")),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v0/instances/1/"))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"instances": null}"#))
            .mount(&server)
            .await;
        Mock::given(method("DELETE"))
            .and(path("/api/v0/instances/9000001/"))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"success": true}"#))
            .expect(1)
            .mount(&server)
            .await;
        let p = build(testkit::context(&server, Some(TEST_KEY))).unwrap();
        let i = p.launch(&request(true)).await.unwrap();
        assert_eq!(i.id, "9000001");
        // The deadline is armed inside the instance with its own key, never the account's.
        let sent = &server.received_requests().await.unwrap()[0];
        let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
        let onstart = body["onstart"].as_str().unwrap();
        assert!(
            onstart.contains("sleep $(( 1764633600 - $(date +%s) ))"),
            "{onstart}"
        );
        assert!(onstart.contains("Bearer $CONTAINER_API_KEY"), "{onstart}");
        assert!(
            onstart.contains("/api/v0/instances/$CONTAINER_ID/"),
            "{onstart}"
        );
        assert!(!onstart.contains(TEST_KEY));
        let list = p.instances().await.unwrap();
        assert_eq!(list[0].state, State::Running);
        assert_eq!(
            list[0].ssh.as_ref().unwrap().command(),
            "ssh -p 30456 root@ssh4.vast.ai"
        );
        assert_eq!(
            list[1].state,
            State::Provisioning,
            "a null actual_status is provisioning"
        );
        assert!(p.instance("1").await.unwrap().is_none());
        p.terminate("9000001").await.unwrap();
        testkit::assert_key_not_in_urls(&server.received_requests().await.unwrap());
    }

    #[tokio::test]
    async fn a_taken_ask_is_no_capacity_and_on_demand_sends_no_bid() {
        let server = testkit::server().await;
        Mock::given(method("PUT"))
            .respond_with(ResponseTemplate::new(410).set_body_string(
                r#"{"success": false, "error": "no_such_ask", "msg": "Instance type by id 24100003 is no longer available."}"#,
            ))
            .mount(&server)
            .await;
        let p = build(testkit::context(&server, Some(TEST_KEY))).unwrap();
        let e = p.launch(&request(false)).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NoCapacity);
        let body: serde_json::Value =
            serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
        assert!(
            body.get("price").is_none(),
            "a bid would make it interruptible"
        );
        let keyless = build(testkit::context(&server, None)).unwrap();
        assert_eq!(
            keyless.launch(&request(false)).await.unwrap_err().kind,
            ErrorKind::NotConfigured
        );
    }
}

/// The list is Vast's v1 `showInstances`, read page after page by its key (`next_token` sent
/// back as `after_token`) until `next_token` is null; a `null` page is no instances.
#[tokio::test]
async fn the_instance_list_is_v1_read_to_its_last_page() {
    use wiremock::matchers::{method, path, query_param, query_param_is_missing};
    let server = testkit::server().await;
    let row = |id: u64| {
        serde_json::json!({"id": id, "label": format!("gpu-{id}"), "actual_status": "running",
            "gpu_name": "RTX 4090", "num_gpus": 1, "dph_total": 0.4, "ssh_host": "ssh4.vast.ai", "ssh_port": 30456})
    };
    let first: Vec<_> = (1..=25).map(row).collect();
    Mock::given(method("GET"))
        .and(path(INSTANCES_V1))
        .and(query_param("limit", "25"))
        .and(query_param_is_missing("after_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "success": true, "instances_found": 25, "total_instances": 27,
            "next_token": "eyJpZCI6MjV9", "instances": first})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(INSTANCES_V1))
        .and(query_param("after_token", "eyJpZCI6MjV9"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "success": true, "instances_found": 2, "total_instances": 27,
            "next_token": null, "instances": [row(26), row(27)]})))
        .mount(&server)
        .await;
    let p = build(testkit::context(&server, Some(TEST_KEY))).unwrap();
    let list = p.instances().await.unwrap();
    assert_eq!(list.len(), 27);
    assert_eq!(list[26].id, "27");
    let asked = server.received_requests().await.unwrap();
    assert_eq!(asked.len(), 2);
    for r in &asked {
        assert_eq!(
            r.headers.get("authorization").unwrap().to_str().unwrap(),
            format!("Bearer {TEST_KEY}")
        );
        assert!(r.url.query().unwrap().contains("order_by="), "{}", r.url);
    }

    let empty = testkit::server().await;
    Mock::given(method("GET"))
        .and(path(INSTANCES_V1))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"success": true, "instances_found": 0, "total_instances": 0, "next_token": null, "instances": null}"#,
        ))
        .mount(&empty)
        .await;
    let p = build(testkit::context(&empty, Some(TEST_KEY))).unwrap();
    assert!(p.instances().await.unwrap().is_empty());
}

/// The example answer of Vast's document (`contracts/vast`) is read, once its one fault is
/// undone: the example has `offers` as one object where the schema (and every real answer)
/// has a list (SOURCE).
#[test]
fn the_documents_example_answer_is_read() {
    let doc: serde_json::Value =
        serde_norway::from_str(include_str!("../../contracts/vast/openapi.yaml")).unwrap();
    let paths = &doc["paths"];
    let op = paths
        .get("/api/v0/bundles/")
        .or_else(|| paths.get("/api/v0/bundles"))
        .unwrap();
    let mut example =
        op["post"]["responses"]["200"]["content"]["application/json"]["example"].clone();
    let one = example["offers"].take();
    assert!(one.is_object(), "the fault SOURCE names is still there");
    example["offers"] = serde_json::json!([one]);
    let offers = parse_offers(example.to_string().as_bytes()).unwrap();
    assert_eq!(offers.len(), 1, "{offers:#?}");
    testkit::assert_offers_well_formed(ID, &offers);
}
