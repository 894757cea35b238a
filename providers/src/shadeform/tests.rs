use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::testkit::{self, TEST_KEY};

async fn serve(verb: &str, route: &str, status: u16, body: &str) -> MockServer {
    let server = testkit::server().await;
    mount(&server, verb, route, status, body).await;
    server
}

async fn mount(server: &MockServer, verb: &str, route: &str, status: u16, body: &str) {
    Mock::given(method(verb))
        .and(path(route))
        .and(header("X-API-KEY", TEST_KEY))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json"),
        )
        .mount(server)
        .await;
}

fn adapter(server: &MockServer) -> Box<dyn Provider> {
    build(testkit::context(server, Some(TEST_KEY))).unwrap()
}

#[tokio::test]
async fn types_become_one_offer_per_region_priced_from_cents() {
    let server = serve(
        "GET",
        TYPES,
        200,
        include_str!("fixtures/instance-types.json"),
    )
    .await;
    let offers = adapter(&server)
        .offers(&OfferQuery::default())
        .await
        .unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    testkit::assert_key_not_in_urls(&server.received_requests().await.unwrap());
    // Shadeform's region names (`kansascity-usa-1`, `canada-1`) name no country reliably.
    testkit::assert_located_except(&offers, &["kansascity-usa-1", "canada-1"]);
    assert_eq!(offers.len(), 4, "{offers:#?}");
    let a6000 = &offers[0];
    assert_eq!(
        a6000.offer_id,
        "shadeform:massedcompute/A6000@kansascity-usa-1"
    );
    assert_eq!(a6000.instance_type, "massedcompute/A6000");
    assert_eq!(a6000.gpu, "RTX A6000");
    assert_eq!(a6000.price_per_hour_usd, 0.57);
    assert_eq!(a6000.available, Some(true));
    assert_eq!(a6000.vcpus, Some(6));
    assert_eq!(offers[1].region, "us-central-2");
    assert_eq!(offers[1].available, Some(false));
    let a100 = offers.iter().find(|o| o.gpu_count == 8).unwrap();
    assert_eq!(a100.gpu, "A100");
    assert_eq!(a100.gpu_variant.as_deref(), Some("SXM"));
    assert_eq!(a100.gpu_memory_gb, Some(80.0));
    assert_eq!(a100.price_per_hour_usd, 14.32);
    assert_eq!(a100.price_per_gpu_hour_usd, 1.79);
    // No spot capacity at Shadeform.
    let spot = OfferQuery {
        spot: Some(true),
        ..OfferQuery::default()
    };
    assert!(adapter(&server).offers(&spot).await.unwrap().is_empty());
}

#[tokio::test]
async fn instances_carry_state_ssh_owner_and_deadline() {
    let server = serve(
        "GET",
        INSTANCES,
        200,
        include_str!("fixtures/instances.json"),
    )
    .await;
    let list = adapter(&server).instances().await.unwrap();
    assert_eq!(list.len(), 2);
    // Pending, `ip` and `ssh_port` null: no address yet.
    assert_eq!(list[0].state, State::Provisioning);
    assert_eq!(list[0].ssh, None);
    assert_eq!(list[0].owner.as_deref(), Some("a1b2c3d4"));
    assert_eq!(list[0].deadline, Some(1_764_633_600));
    assert_eq!(list[0].price_per_hour_usd, Some(0.57));
    // Active, `ssh_port` null: port 22, user `shadeform`; made by hand, so no owner.
    assert_eq!(list[1].state, State::Running);
    assert_eq!(
        list[1].ssh.as_ref().unwrap().command(),
        "ssh shadeform@123.123.123.123"
    );
    assert_eq!(list[1].owner, None);
}

fn request() -> LaunchRequest {
    LaunchRequest {
        offer: "massedcompute/A6000@kansascity-usa-1".into(),
        name: "gpu-train".into(),
        ssh_public_key: Some("ssh-ed25519 AAAAC3Nza me@host".into()),
        owner: Some("a1b2c3d4".into()),
        deadline: Some(1_764_633_600),
        ..LaunchRequest::default()
    }
}

#[tokio::test]
async fn a_launch_adds_the_key_once_and_keeps_owner_and_deadline_at_shadeform() {
    let server = serve("GET", SSH_KEYS, 200, r#"{"ssh_keys": []}"#).await;
    mount(
        &server,
        "POST",
        SSH_KEYS_ADD,
        200,
        r#"{"id": "78a0dd5a-dbb1-4568-b55c-5e7e0a8b0c40"}"#,
    )
    .await;
    mount(
        &server,
        "POST",
        CREATE,
        200,
        r#"{"id": "1dc915dd-8899-4b4f-862a-f63fb2b3dc3d"}"#,
    )
    .await;
    let i = adapter(&server).launch(&request()).await.unwrap();
    assert_eq!(i.id, "1dc915dd-8899-4b4f-862a-f63fb2b3dc3d");
    assert_eq!(i.state, State::Provisioning);
    let reqs = server.received_requests().await.unwrap();
    let create = reqs.iter().find(|r| r.url.path() == CREATE).unwrap();
    let body: serde_json::Value = serde_json::from_slice(&create.body).unwrap();
    assert_eq!(body["cloud"], "massedcompute");
    assert_eq!(body["region"], "kansascity-usa-1");
    assert_eq!(body["shade_instance_type"], "A6000");
    assert_eq!(body["shade_cloud"], true);
    assert_eq!(body["ssh_key_id"], "78a0dd5a-dbb1-4568-b55c-5e7e0a8b0c40");
    assert_eq!(
        body["tags"],
        serde_json::json!(["gpu-owner=a1b2c3d4", "gpu-deadline=1764633600"])
    );
    assert_eq!(
        body["auto_delete"]["date_threshold"],
        "2025-12-02T00:00:00Z"
    );
    // The plan shows the same, without the key.
    let plan = adapter(&server).launch_plan(&request()).unwrap();
    assert_eq!(
        plan.last().unwrap().body.as_ref().unwrap()["tags"],
        body["tags"]
    );
    assert!(!format!("{plan:?}").contains(TEST_KEY));
}

#[tokio::test]
async fn a_key_already_at_shadeform_is_reused() {
    let server = serve(
        "GET",
        SSH_KEYS,
        200,
        r#"{"ssh_keys": [{"id": "k-1", "name": "laptop", "public_key": "ssh-ed25519 AAAAC3Nza other-comment", "is_default": false}]}"#,
    )
    .await;
    mount(&server, "POST", CREATE, 200, r#"{"id": "i-1"}"#).await;
    adapter(&server).launch(&request()).await.unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs.iter().all(|r| r.url.path() != SSH_KEYS_ADD));
    let create = reqs.iter().find(|r| r.url.path() == CREATE).unwrap();
    let body: serde_json::Value = serde_json::from_slice(&create.body).unwrap();
    assert_eq!(body["ssh_key_id"], "k-1");
}

#[tokio::test]
async fn out_of_stock_is_no_capacity_and_a_bad_key_is_auth() {
    let server = serve("GET", SSH_KEYS, 200, r#"{"ssh_keys": []}"#).await;
    mount(&server, "POST", SSH_KEYS_ADD, 200, r#"{"id": "k"}"#).await;
    mount(
        &server,
        "POST",
        CREATE,
        409,
        r#"{"error_code": "OUT_OF_STOCK", "error": "Out of stock"}"#,
    )
    .await;
    let e = adapter(&server).launch(&request()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoCapacity, "{e}");
    assert!(e.message.contains("Out of stock"), "{e}");
    let e = error_from(401, br#"{"message": "Invalid API key"}"#);
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(e.message.contains("Invalid API key"));
    let e = error_from(
        409,
        br#"{"error_code": "INVALID_REQUEST", "error": "name too long"}"#,
    );
    assert_eq!(e.kind, ErrorKind::Invalid);
}

#[tokio::test]
async fn delete_answers_an_empty_200_and_a_gone_instance_is_not_an_error() {
    let server = testkit::server().await;
    Mock::given(method("POST"))
        .and(path("/v1/instances/i-1/delete"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/instances/i-2/delete"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    adapter(&server).terminate("i-1").await.unwrap();
    adapter(&server).terminate("i-2").await.unwrap();
    // The operation takes no body: none is sent, nor a content type for one.
    for req in server.received_requests().await.unwrap() {
        assert!(
            req.body.is_empty(),
            "{:?}",
            String::from_utf8_lossy(&req.body)
        );
        assert!(
            req.headers.get("content-type").is_none(),
            "{:?}",
            req.headers
        );
    }
    assert_eq!(
        adapter(&server).terminate("../x").await.unwrap_err().kind,
        ErrorKind::Invalid
    );
}

/// Shadeform's newer document tags each availability entry `on_demand` or `spot`, a spot entry
/// with its own price: spot is sold as spot at that price, never as on-demand; an entry
/// without its price or of another rental type is no offer; a spot create says so.
#[tokio::test]
async fn spot_entries_are_spot_offers_at_their_own_price_and_rent_as_spot() {
    let server = serve(
        "GET",
        TYPES,
        200,
        include_str!("fixtures/instance-types-spot.json"),
    )
    .await;
    let offers = adapter(&server)
        .offers(&OfferQuery::default())
        .await
        .unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    let ids: Vec<(&str, bool, f64, Option<bool>)> = offers
        .iter()
        .map(|o| {
            (
                o.offer_id.as_str(),
                o.spot,
                o.price_per_hour_usd,
                o.available,
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            (
                "shadeform:hyperstack/H100@canada-1",
                false,
                2.19,
                Some(false)
            ),
            (
                "shadeform:hyperstack/H100@canada-1:spot",
                true,
                1.5,
                Some(true)
            ),
        ]
    );
    let spot_only = OfferQuery {
        spot: Some(true),
        ..OfferQuery::default()
    };
    let spot = adapter(&server).offers(&spot_only).await.unwrap();
    assert_eq!(spot.len(), 1);
    assert!(spot[0].spot);

    mount(&server, "GET", SSH_KEYS, 200, r#"{"ssh_keys": []}"#).await;
    mount(&server, "POST", SSH_KEYS_ADD, 200, r#"{"id": "k-1"}"#).await;
    mount(&server, "POST", CREATE, 200, r#"{"id": "i-1"}"#).await;
    let req = LaunchRequest {
        offer: "hyperstack/H100@canada-1:spot".into(),
        offer_spot: true,
        ..request()
    };
    adapter(&server).launch(&req).await.unwrap();
    let on_demand = LaunchRequest {
        offer: "hyperstack/H100@canada-1".into(),
        ..request()
    };
    adapter(&server).launch(&on_demand).await.unwrap();
    let creates: Vec<serde_json::Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == CREATE)
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(creates[0]["rental_type"], "spot");
    assert_eq!(creates[0]["region"], "canada-1");
    assert!(creates[1].get("rental_type").is_none(), "{}", creates[1]);
}
