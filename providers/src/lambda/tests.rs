use std::time::Duration;

use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::testkit::{self, TEST_KEY};

async fn serve(status: u16, body: &str) -> MockServer {
    let server = testkit::server().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_TYPES))
        .and(header(
            "authorization",
            format!("Bearer {TEST_KEY}").as_str(),
        ))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json"),
        )
        .mount(&server)
        .await;
    server
}

async fn offers_from(server: &MockServer) -> Result<Vec<Offer>, ProviderError> {
    let p = build(testkit::context(server, Some(TEST_KEY))).unwrap();
    let r = p.offers(&OfferQuery::default()).await;
    testkit::assert_key_not_in_urls(&server.received_requests().await.unwrap());
    r
}

#[tokio::test]
async fn offers_from_fixture() {
    let server = serve(200, include_str!("fixtures/instance-types.json")).await;
    let offers = offers_from(&server).await.unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    testkit::assert_located(&offers);
    // 8x H100 in two regions, sold-out H100 PCIe once, A10, GH200; the CPU type is dropped.
    assert_eq!(offers.len(), 5);
    let h100: Vec<_> = offers
        .iter()
        .filter(|o| o.instance_type == "gpu_8x_h100_sxm5")
        .collect();
    assert_eq!(h100.len(), 2);
    let o = h100[0];
    assert_eq!(o.gpu, "H100");
    assert_eq!(o.gpu_variant.as_deref(), Some("SXM"));
    assert_eq!(o.gpu_memory_gb, Some(80.0));
    assert_eq!(o.gpu_count, 8);
    assert_eq!(o.vcpus, Some(208));
    assert!((o.price_per_hour_usd - 31.92).abs() < 1e-9);
    assert!((o.price_per_gpu_hour_usd - 3.99).abs() < 1e-9);
    assert_eq!(o.available, Some(true));
    assert_eq!(o.offer_id, "lambda:gpu_8x_h100_sxm5@us-east-1");
    assert!(!o.spot);
}

#[tokio::test]
async fn sold_out_types_are_shown_unavailable() {
    let server = serve(200, include_str!("fixtures/instance-types.json")).await;
    let offers = offers_from(&server).await.unwrap();
    let pcie: Vec<_> = offers
        .iter()
        .filter(|o| o.instance_type == "gpu_1x_h100_pcie")
        .collect();
    assert_eq!(pcie.len(), 1);
    assert_eq!(pcie[0].available, Some(false));
    assert_eq!(pcie[0].region, "any");
    assert_eq!(pcie[0].gpu_variant.as_deref(), Some("PCIe"));
}

#[tokio::test]
async fn empty_list_is_no_offers() {
    let server = serve(200, r#"{"data": {}}"#).await;
    assert!(offers_from(&server).await.unwrap().is_empty());
}

#[tokio::test]
async fn rejected_key_is_auth() {
    let server = serve(401, include_str!("fixtures/error-401.json")).await;
    let e = offers_from(&server).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(e.message.contains("HTTP 401"), "{}", e.message);
    assert!(e.message.contains("API key was invalid"), "{}", e.message);
}

#[tokio::test]
async fn rate_limit_and_outage_are_retryable_kinds() {
    let server = serve(429, include_str!("fixtures/error-429.json")).await;
    let e = offers_from(&server).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    // one attempt plus the one retry the test client allows
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    let server = serve(500, include_str!("fixtures/error-500.json")).await;
    let e = offers_from(&server).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable);
}

#[tokio::test]
async fn malformed_and_drifted_bodies_name_the_problem() {
    let server = serve(200, r#"{"data": {"gpu_1x_a10": {"instance_type": "#).await;
    let e = offers_from(&server).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);

    let server = serve(200, include_str!("fixtures/drift.json")).await;
    let e = offers_from(&server).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
    assert!(e.message.contains("price_cents_per_hour"), "{}", e.message);
}

#[tokio::test]
async fn slow_answer_times_out() {
    let server = testkit::server().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_TYPES))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(include_str!("fixtures/instance-types.json"))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let mut ctx = testkit::context(&server, Some(TEST_KEY));
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
    assert!(e.message.contains("timeout"), "{}", e.message);
}

#[test]
fn needs_a_key() {
    let ctx = ProviderContext {
        api_key: None,
        base_url: "http://127.0.0.1:9".into(),
        http: testkit::http(),
        settings: toml::Table::new(),
    };
    let e = build(ctx).err().unwrap();
    assert_eq!(e.kind, ErrorKind::NotConfigured);
}

#[test]
fn launch_error_codes_decide_the_kind() {
    let capacity = br#"{"error": {"code": "instance-operations/launch/insufficient-capacity", "message": "Not enough capacity to fulfill launch request."}}"#;
    let e = error_from(400, capacity);
    assert_eq!(e.kind, ErrorKind::NoCapacity);
    assert!(
        e.message.starts_with("insufficient capacity (HTTP 400)"),
        "{}",
        e.message
    );
    let quota = br#"{"error": {"code": "global/quota-exceeded", "message": "Quota exceeded."}}"#;
    assert_eq!(error_from(400, quota).kind, ErrorKind::Invalid);
    let gone = br#"{"error": {"code": "global/object-does-not-exist", "message": "Specified instance does not exist."}}"#;
    assert_eq!(error_from(404, gone).kind, ErrorKind::NotFound);
    let inactive = br#"{"error": {"code": "global/account-inactive", "message": "Your account is inactive."}}"#;
    assert_eq!(error_from(403, inactive).kind, ErrorKind::Auth);
}

#[test]
fn key_names_are_stable_per_key() {
    let a = key_name_for("ssh-ed25519 AAAAkey one@laptop");
    assert_eq!(a, key_name_for("ssh-ed25519 AAAAkey other-comment"));
    assert_ne!(a, key_name_for("ssh-ed25519 AAAAkey2"));
    assert!(a.starts_with("gpu-"));
}

#[tokio::test]
async fn launch_without_any_key_is_refused_before_sending() {
    let server = testkit::server().await;
    let p = build(testkit::context(&server, Some(TEST_KEY))).unwrap();
    let req = LaunchRequest {
        offer: "gpu_1x_a10@us-east-1".into(),
        region: None,
        name: "gpu-x".into(),
        ssh_public_key: None,
        ssh_key_name: None,
        image: None,
        disk_gb: None,
        max_price_per_hour: None,
        offer_spot: false,
        owner: Some("a1b2c3d4".into()),
        deadline: Some(1_764_633_600),
        ..Default::default()
    };
    let e = p.launch(&req).await.unwrap_err();
    assert!(e.message.contains("--ssh-key"), "{}", e.message);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn owner_and_deadline_travel_as_tags_and_are_read_back() {
    let ctx = ProviderContext {
        api_key: Some(Secret::new(TEST_KEY)),
        base_url: "https://cloud.lambda.ai".into(),
        http: Http::new(crate::HttpOptions::default()).unwrap(),
        settings: toml::Table::new(),
    };
    let p = build(ctx).unwrap();
    let req = LaunchRequest {
        offer: "gpu_1x_a10@us-east-1".into(),
        region: None,
        name: "gpu-x".into(),
        ssh_public_key: None,
        ssh_key_name: Some("mine".into()),
        image: None,
        disk_gb: None,
        max_price_per_hour: None,
        offer_spot: false,
        owner: Some("a1b2c3d4".into()),
        deadline: Some(1_764_633_600),
        ..Default::default()
    };
    let plan = p.launch_plan(&req).unwrap();
    let body = plan.last().unwrap().body.clone().unwrap();
    assert_eq!(body["name"], "gpu-x", "Lambda keeps the plain name");
    assert_eq!(
        body["tags"],
        serde_json::json!([{"key": "gpu-owner", "value": "a1b2c3d4"}, {"key": "gpu-deadline", "value": "1764633600"}])
    );
    // A listed instance with those tags, in the shape of Lambda's `Instance`.
    let listed: api::RunningInstance = serde_json::from_str(
        r#"{"id": "0920582c7ff041399e34823a0be62549", "name": "gpu-x", "status": "active",
            "ip": "198.51.100.7", "region": {"name": "us-east-1", "description": "Virginia, USA"},
            "ssh_key_names": ["mine"], "file_system_names": [],
            "tags": [{"key": "gpu-owner", "value": "a1b2c3d4"}, {"key": "gpu-deadline", "value": "1764633600"}]}"#,
    )
    .unwrap();
    let i = to_instance(listed);
    assert_eq!(i.name, "gpu-x");
    assert_eq!(i.owner.as_deref(), Some("a1b2c3d4"));
    assert_eq!(i.deadline, Some(1_764_633_600));
}

#[test]
fn an_instance_with_a_sparse_type_still_lists() {
    // An older documentation example: `specs` without `gpus`, no `gpu_description`.
    let listed: api::RunningInstance = serde_json::from_str(
        r#"{"id": "0920582c7ff041399e34823a0be62549", "name": "gpu-x", "status": "booting",
            "region": {"name": "us-tx-1", "description": "Austin, Texas"},
            "instance_type": {"name": "gpu_1x_a100", "description": "1x A100 (40 GB PCIe)",
                              "price_cents_per_hour": 110,
                              "specs": {"memory_gib": 800, "storage_gib": 512, "vcpus": 24}},
            "ssh_key_names": ["mine"], "file_system_names": []}"#,
    )
    .unwrap();
    let i = to_instance(listed);
    assert_eq!(i.gpu.as_deref(), Some("A100"));
    assert_eq!(i.gpu_count, None, "unknown, not a failed list");
    assert_eq!(i.price_per_hour_usd, Some(1.1));
}

#[test]
fn a_missing_object_on_launch_is_a_bad_request_not_a_gone_instance() {
    let body = br#"{"error": {"code": "global/object-does-not-exist", "message": "Specified SSH key does not exist."}}"#;
    assert_eq!(error_in(404, body, true).kind, ErrorKind::Invalid);
    assert_eq!(error_from(404, body).kind, ErrorKind::NotFound);
    let address = br#"{"error": {"code": "global/invalid-address", "message": "Your billing address is invalid."}}"#;
    assert_eq!(error_from(403, address).kind, ErrorKind::Invalid);
}

/// One instance type the document allows but `gpu` cannot use (a negative count) costs that
/// type only: the others are offers, and the gap names the type and the field.
#[tokio::test]
async fn one_unreadable_type_costs_only_itself() {
    let mut body: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/instance-types.json")).unwrap();
    body["data"]["gpu_1x_a10"]["instance_type"]["specs"]["gpus"] = serde_json::json!(-1);
    let server = serve(200, &body.to_string()).await;
    let p = build(testkit::context(&server, Some(TEST_KEY))).unwrap();
    let offers = p.offers(&OfferQuery::default()).await.unwrap();
    assert_eq!(offers.len(), 4, "the A10 alone is gone: {offers:#?}");
    assert!(offers.iter().all(|o| o.instance_type != "gpu_1x_a10"));
    let gaps = p.gaps();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(
        gaps[0].contains("`gpu_1x_a10`") && gaps[0].contains("specs.gpus"),
        "{gaps:?}"
    );
}
