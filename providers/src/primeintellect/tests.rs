use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::testkit::{self, TEST_KEY};

const AVAILABLE: &str = include_str!("fixtures/availability-gpus.json");
const EMPTY: &str = r#"{"items": [], "totalCount": 0}"#;

async fn mount(server: &MockServer, verb: &str, route: &str, status: u16, body: &str) {
    Mock::given(method(verb))
        .and(path(route))
        .and(header(
            "Authorization",
            format!("Bearer {TEST_KEY}").as_str(),
        ))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json"),
        )
        .mount(server)
        .await;
}

async fn serve(verb: &str, route: &str, status: u16, body: &str) -> MockServer {
    let server = testkit::server().await;
    mount(&server, verb, route, status, body).await;
    server
}

fn adapter(server: &MockServer) -> Box<dyn Provider> {
    build(testkit::context(server, Some(TEST_KEY))).unwrap()
}

fn request() -> LaunchRequest {
    LaunchRequest {
        offer: "runpod/1xNVIDIA_H100_80GB_HBM3@CA-MTL-1".into(),
        name: "gpu-train".into(),
        ssh_public_key: Some("ssh-ed25519 AAAAC3Nza test@gpu".into()),
        owner: Some("a1b2c3d4".into()),
        deadline: Some(1_764_633_600),
        ..Default::default()
    }
}

#[tokio::test]
async fn offers_keep_the_upstream_provider_price_the_whole_box_and_its_disk() {
    let server = serve("GET", AVAILABILITY, 200, AVAILABLE).await;
    let offers = adapter(&server)
        .offers(&OfferQuery::default())
        .await
        .unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    testkit::assert_key_not_in_urls(&server.received_requests().await.unwrap());
    testkit::assert_located(&offers);
    assert_eq!(offers.len(), 6, "{offers:#?}");
    let runpod = &offers[0];
    assert_eq!(
        runpod.offer_id,
        "primeintellect:runpod/1xNVIDIA_H100_80GB_HBM3@CA-MTL-1"
    );
    assert_eq!(runpod.instance_type, "runpod/NVIDIA H100 80GB HBM3");
    assert_eq!(runpod.gpu, "H100");
    assert_eq!(runpod.gpu_variant.as_deref(), Some("SXM"));
    assert_eq!(runpod.region, "CA-MTL-1");
    assert_eq!(runpod.country.as_deref(), Some("CA"));
    assert_eq!(runpod.continent.as_deref(), Some("NA"));
    // $2.69 for the GPU, plus 120 GB at $0.00014 per GB-hour (not included in the price).
    assert!((runpod.price_per_hour_usd - (2.69 + 120.0 * 0.00014)).abs() < 1e-9);
    assert_eq!(runpod.storage_price_per_hour_usd, Some(0.0168));
    assert_eq!(runpod.stock.as_deref(), Some("low"));
    assert_eq!(runpod.vcpus, Some(28));
    // Two A100s for $3.30 are $1.65 each, with 80 GB each of the 160 listed for the box;
    // 100 GB of disk is included in the price.
    let a100 = offers.iter().find(|o| o.gpu == "A100").unwrap();
    assert_eq!(a100.gpu_count, 2);
    assert_eq!(a100.price_per_hour_usd, 3.30);
    assert_eq!(a100.price_per_gpu_hour_usd, 1.65);
    assert_eq!(a100.gpu_memory_gb, Some(80.0));
    assert_eq!(a100.country.as_deref(), Some("FI"));
    // Community offers are priced by `communityPrice` and say so in their id.
    let community = offers.iter().find(|o| o.gpu == "RTX 4090").unwrap();
    assert_eq!(community.price_per_hour_usd, 0.37);
    assert!(
        community.offer_id.ends_with(":community"),
        "{}",
        community.offer_id
    );
    let h200 = offers.iter().find(|o| o.gpu == "H200").unwrap();
    assert_eq!(h200.available, Some(false));
    let spot = offers.iter().find(|o| o.spot).unwrap();
    assert!(spot.offer_id.ends_with(":spot"));
    // Spot only.
    let q = OfferQuery {
        spot: Some(true),
        ..Default::default()
    };
    let only_spot = adapter(&server).offers(&q).await.unwrap();
    assert_eq!(only_spot.len(), 1);
    assert!(only_spot[0].spot);
    // `--disk 500`: the disk asked for is priced in, within the offer's bounds.
    let q = OfferQuery {
        disk_gb: Some(500),
        ..Default::default()
    };
    let offers = adapter(&server).offers(&q).await.unwrap();
    let runpod = &offers[0];
    assert_eq!(runpod.disk_gb, Some(500.0));
    assert!((runpod.price_per_hour_usd - (2.69 + 500.0 * 0.00014)).abs() < 1e-9);
    // Below the offer's minimum (120 GB) it is the minimum that is rented and priced.
    let q = OfferQuery {
        disk_gb: Some(10),
        ..Default::default()
    };
    let offers = adapter(&server).offers(&q).await.unwrap();
    assert_eq!(offers[0].disk_gb, Some(120.0));
}

#[tokio::test]
async fn availability_is_read_page_by_page() {
    let server = testkit::server().await;
    let all: serde_json::Value = serde_json::from_str(AVAILABLE).unwrap();
    let items = all["items"].as_array().unwrap();
    let page = |n: usize, part: &[serde_json::Value]| {
        Mock::given(method("GET"))
            .and(path(AVAILABILITY))
            .and(wiremock::matchers::query_param("page", n.to_string()))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"items": part, "totalCount": items.len()})),
            )
    };
    page(1, &items[..4]).mount(&server).await;
    page(2, &items[4..]).mount(&server).await;
    let offers = adapter(&server)
        .offers(&OfferQuery::default())
        .await
        .unwrap();
    assert_eq!(offers.len(), 6);
}

#[tokio::test]
async fn an_empty_answer_is_asked_again_and_a_lasting_one_is_a_gap_not_no_offers() {
    // Empty once, then the real list: the offers come.
    let server = testkit::server().await;
    Mock::given(method("GET"))
        .and(path(AVAILABILITY))
        .respond_with(ResponseTemplate::new(200).set_body_string(EMPTY))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount(&server, "GET", AVAILABILITY, 200, AVAILABLE).await;
    let offers = adapter(&server)
        .offers(&OfferQuery::default())
        .await
        .unwrap();
    assert_eq!(offers.len(), 6);

    // Empty every time: an error, so `find` warns instead of saying nothing matched.
    let server = serve("GET", AVAILABILITY, 200, EMPTY).await;
    let e = adapter(&server)
        .offers(&OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable, "{e}");
    assert!(e.message.contains("empty list 3 times"), "{e}");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn launch_sends_the_offer_as_listed_with_the_key_and_the_tagged_name() {
    let server = serve("GET", AVAILABILITY, 200, AVAILABLE).await;
    mount(
        &server,
        "GET",
        SSH_KEYS,
        200,
        r#"{"total_count": 0, "offset": 0, "limit": 100, "data": []}"#,
    )
    .await;
    mount(
        &server,
        "POST",
        SSH_KEYS,
        200,
        r#"{"id": "key-9", "userId": "u-1", "name": "gpu-x", "publicKey": "ssh-ed25519 AAAAC3Nza", "isPrimary": false, "isUserKey": true}"#,
    )
    .await;
    mount(
        &server,
        "POST",
        PODS,
        200,
        r#"{"id": "pod-1", "userId": "u-1", "name": "gpu-train.oa1b2c3d4.d1764633600", "providerType": "runpod", "status": "PROVISIONING", "installationStatus": "PENDING", "gpuName": "H100_80GB", "gpuCount": 1, "socket": "SXM5", "priceHr": 2.7068, "sshConnection": null, "ip": null}"#,
    )
    .await;
    let mut req = request();
    req.env.insert("WANDB_MODE".into(), "offline".into());
    req.max_price_per_hour = Some(2.71);
    let i = adapter(&server).launch(&req).await.unwrap();
    assert_eq!(i.id, "pod-1");
    assert_eq!(i.state, State::Provisioning);
    assert_eq!(i.owner.as_deref(), Some("a1b2c3d4"));
    assert_eq!(i.deadline, Some(1_764_633_600));
    let reqs = server.received_requests().await.unwrap();
    let create = reqs
        .iter()
        .find(|r| r.method.as_str() == "POST" && r.url.path() == PODS)
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&create.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "pod": {"name": "gpu-train.oa1b2c3d4.d1764633600", "cloudId": "NVIDIA H100 80GB HBM3",
                "gpuType": "H100_80GB", "socket": "SXM5", "gpuCount": 1, "image": "ubuntu_22_cuda_12",
                "dataCenterId": "CA-MTL-1", "country": "CA", "security": "secure_cloud",
                "sshKeyId": "key-9", "autoRestart": false, "diskSize": 120, "vcpus": 28, "memory": 251,
                "maxPrice": 2.69, "envVars": [{"key": "WANDB_MODE", "value": "offline"}]},
            "provider": {"type": "runpod"}
        })
    );
    // The dry run reads the offer and shows this same body, without the key.
    let plan = adapter(&server).launch_preview(&req).await.unwrap();
    let shown = plan.last().unwrap().body.clone().unwrap();
    assert_eq!(shown["pod"]["cloudId"], body["pod"]["cloudId"]);
    assert_eq!(shown["pod"]["sshKeyId"], "<ssh key id>");
    assert!(!format!("{plan:?}").contains(TEST_KEY));
}

#[tokio::test]
async fn an_offer_gone_from_the_list_is_no_capacity_and_so_is_an_out_of_stock_create() {
    let server = serve("GET", AVAILABILITY, 200, AVAILABLE).await;
    let mut req = request();
    req.offer = "runpod/1xNVIDIA_H100_80GB_HBM3@US-TX-9".into();
    let e = adapter(&server).launch(&req).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoCapacity, "{e}");
    let e = create_error(
        400,
        br#"{"detail": "No capacity available for this configuration"}"#,
    );
    assert_eq!(e.kind, ErrorKind::NoCapacity, "{e}");
    let e = create_error(503, br#"{"detail": "upstream unavailable"}"#);
    assert_eq!(
        e.kind,
        ErrorKind::Unavailable,
        "an outage is not a sold-out offer: {e}"
    );
    let e = create_error(
        402,
        br#"{"detail": "Insufficient balance. Please add funds"}"#,
    );
    assert_ne!(e.kind, ErrorKind::NoCapacity, "money is not capacity: {e}");
    let e = error_from(401, br#"{"detail": "Invalid API key"}"#);
    assert_eq!(e.kind, ErrorKind::Auth);
    let e = error_from(
        422,
        br#"{"errors": [{"param": "pod.gpuCount", "details": "must be greater than 0"}]}"#,
    );
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(
        e.message.contains("pod.gpuCount: must be greater than 0"),
        "{e}"
    );
}

#[tokio::test]
async fn pods_are_listed_with_owner_deadline_and_ssh_and_a_gone_one_deletes_fine() {
    let server = serve("GET", PODS, 200, include_str!("fixtures/pods.json")).await;
    let list = adapter(&server).instances().await.unwrap();
    assert_eq!(list.len(), 2);
    let a = &list[0];
    assert_eq!(a.name, "gpu-train");
    assert_eq!(a.owner.as_deref(), Some("a1b2c3d4"));
    assert_eq!(a.deadline, Some(1_764_633_600));
    assert_eq!(a.state, State::Running);
    assert_eq!(a.price_per_hour_usd, Some(2.7068));
    assert_eq!(
        a.ssh,
        Some(Ssh {
            host: "203.0.113.7".into(),
            port: 22,
            user: "root".into()
        })
    );
    assert_eq!(a.gpu.as_deref(), Some("H100"));
    let b = &list[1];
    assert_eq!(b.state, State::Stopped);
    assert_eq!(b.ssh, None, "a stopped pod's `[null]` is no address");

    let server = testkit::server().await;
    mount(
        &server,
        "DELETE",
        "/api/v1/pods/pod-1",
        200,
        r#"{"status": "TERMINATED"}"#,
    )
    .await;
    mount(
        &server,
        "DELETE",
        "/api/v1/pods/pod-2",
        404,
        r#"{"detail": "Pod not found"}"#,
    )
    .await;
    adapter(&server).terminate("pod-1").await.unwrap();
    adapter(&server).terminate("pod-2").await.unwrap();
    assert_eq!(
        adapter(&server).terminate("../x").await.unwrap_err().kind,
        ErrorKind::Invalid
    );
}

#[test]
fn ssh_connections_in_every_shape() {
    let p = |v: serde_json::Value| parse_ssh(&v).map(|s| (s.user, s.host, s.port));
    assert_eq!(
        p(serde_json::json!("ubuntu@10.0.0.1 -p 2222")),
        Some(("ubuntu".into(), "10.0.0.1".into(), 2222))
    );
    assert_eq!(
        p(serde_json::json!([null, "root@10.0.0.2:22"])),
        Some(("root".into(), "10.0.0.2".into(), 22))
    );
    assert_eq!(p(serde_json::json!([null])), None);
    assert_eq!(p(serde_json::Value::Null), None);
}

#[test]
fn one_cloud_id_in_several_sizes_gives_one_offer_each() {
    // As Prime Intellect lists A100s at one data center: 1, 2, 4 and 8 of them, one cloudId.
    let sized = |n: u32, price: f64| {
        serde_json::json!({"cloudId": "A100_PCIE_80GB", "gpuType": "A100_80GB", "socket": "PCIe",
            "provider": "oblivus", "dataCenter": "MON1", "country": "CA", "gpuCount": n,
            "gpuMemory": 80 * n, "stockStatus": "Available", "security": "secure_cloud",
            "prices": {"onDemand": price, "communityPrice": null, "isVariable": null, "currency": "USD"},
            "images": ["ubuntu_22_cuda_12"], "isSpot": null})
    };
    let body = serde_json::json!({"items": [sized(1, 1.4755), sized(8, 11.7655)], "totalCount": 2});
    let offers = parse_offers(body.to_string().as_bytes()).unwrap();
    let ids: Vec<&str> = offers.iter().map(|o| o.offer_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "primeintellect:oblivus/1xA100_PCIE_80GB@MON1",
            "primeintellect:oblivus/8xA100_PCIE_80GB@MON1"
        ]
    );
    assert_eq!(offers[1].price_per_gpu_hour_usd, 11.7655 / 8.0);
}

#[test]
fn an_absurd_disk_makes_no_offer_rather_than_an_absurd_price() {
    let body = serde_json::json!({"items": [{"cloudId": "x", "gpuType": "H100_80GB", "socket": "SXM5",
        "provider": "runpod", "dataCenter": "CA-MTL-1", "gpuCount": 1,
        "disk": {"minCount": null, "defaultCount": 1e308, "maxCount": null, "pricePerUnit": 1e308,
            "defaultIncludedInPrice": false},
        "security": "secure_cloud", "prices": {"onDemand": 2.69, "currency": "USD"}}], "totalCount": 1});
    assert!(parse_offers(body.to_string().as_bytes())
        .unwrap()
        .is_empty());
}

/// A negative `gpuCount` in one item (schema-valid: the document types it `integer`) costs that
/// item only; the others are offers and the gap names the field.
#[tokio::test]
async fn one_unreadable_offer_costs_only_itself() {
    let mut body: serde_json::Value = serde_json::from_str(AVAILABLE).unwrap();
    body["items"][0]["gpuCount"] = serde_json::json!(-1);
    let server = serve("GET", AVAILABILITY, 200, &body.to_string()).await;
    let p = adapter(&server);
    let offers = p.offers(&OfferQuery::default()).await.unwrap();
    assert_eq!(offers.len(), 5, "{offers:#?}");
    let gaps = p.gaps();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(gaps[0].contains("gpuCount"), "{gaps:?}");
}
