use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::instance::State;
use crate::testkit;

/// `GET /v1/volume-types`, in the shape of the SDKs' `VolumeType` (`type`, `price`).
const VOLUME_TYPES_BODY: &str = r#"[{"type": "NVMe", "price": {"price_per_month_per_gb": 0.2, "cps_per_gb": 7.6e-8, "currency": "usd"}, "is_shared_fs": false},
 {"type": "HDD", "price": {"price_per_month_per_gb": 0.05, "cps_per_gb": 1.9e-8, "currency": "usd"}, "is_shared_fs": false}]"#;

async fn types_server() -> MockServer {
    let server = testkit::server().await;
    Mock::given(method("GET"))
        .and(path(TYPES))
        .and(query_param("currency", "usd"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(include_str!("fixtures/instance-types.json")),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn keyless_prices_on_demand_and_spot() {
    let server = types_server().await;
    let offers = build(testkit::context(&server, None))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    testkit::assert_located(&offers);
    let ids: Vec<&str> = offers.iter().map(|o| o.offer_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "verda:1H100.80S.32V",
            "verda:1H100.80S.32V:spot",
            "verda:8B200.240V",
            "verda:8B200.240V:spot"
        ]
    );
    let h100 = &offers[0];
    assert_eq!(
        (
            h100.gpu.as_str(),
            h100.gpu_variant.as_deref(),
            h100.gpu_memory_gb
        ),
        ("H100", Some("SXM"), Some(80.0))
    );
    assert_eq!(h100.price_per_hour_usd, 3.382);
    // Confidential-computing types boot only special images: not offered.
    assert!(
        offers.iter().all(|o| !o.instance_type.ends_with(".CC")),
        "{offers:?}"
    );
    assert_eq!(h100.available, None, "no token: availability unknown");
    assert_eq!(
        offers[2].gpu_memory_gb,
        Some(180.0),
        "total GPU memory divided by the count"
    );
    assert!(offers[3].spot);
    assert!(server.received_requests().await.unwrap()[0]
        .headers
        .get("authorization")
        .is_none());
}

#[tokio::test]
async fn with_credentials_availability_is_per_location() {
    let server = types_server().await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .and(body_partial_json(serde_json::json!({"grant_type": "client_credentials", "client_id": "cid"})))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"access_token": "tok-123", "refresh_token": "r", "scope": "cloud-api-v1", "token_type": "Bearer", "expires_in": 3600}"#,
        ))
        .mount(&server)
        .await;
    for (spot, body) in [
        (
            "false",
            r#"[{"location_code": "FIN-01", "availabilities": ["1H100.80S.32V"]}, {"location_code": "FIN-02", "availabilities": ["1H100.80S.32V"]}]"#,
        ),
        (
            "true",
            r#"[{"location_code": "FIN-03", "availabilities": ["8B200.240V"]}]"#,
        ),
    ] {
        Mock::given(method("GET"))
            .and(path(AVAILABILITY))
            .and(query_param("is_spot", spot))
            .and(header("authorization", "Bearer tok-123"))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(VOLUME_TYPES))
        .and(header("authorization", "Bearer tok-123"))
        .respond_with(ResponseTemplate::new(200).set_body_string(VOLUME_TYPES_BODY))
        .mount(&server)
        .await;
    let mut ctx = testkit::context(&server, Some("secret-SENTINEL"));
    ctx.settings
        .insert("client_id".into(), toml::Value::String("cid".into()));
    let offers = build(ctx)
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap();
    let ids: Vec<(&str, Option<bool>)> = offers
        .iter()
        .map(|o| (o.offer_id.as_str(), o.available))
        .collect();
    assert_eq!(
        ids,
        [
            ("verda:1H100.80S.32V@FIN-01", Some(true)),
            ("verda:1H100.80S.32V@FIN-02", Some(true)),
            ("verda:1H100.80S.32V:spot", Some(false)),
            ("verda:8B200.240V", Some(false)),
            ("verda:8B200.240V@FIN-03:spot", Some(true)),
        ]
    );
    testkit::assert_located(&offers);
    testkit::assert_key_not_in_urls(&server.received_requests().await.unwrap());
    // The 50 GB OS volume a launch gets bills too: $0.20 per GB-month over 730 hours.
    let storage = 50.0 * 0.2 / 730.0;
    assert!((offers[0].price_per_hour_usd - (3.382 + storage)).abs() < 1e-9);
    assert_eq!(offers[0].storage_price_per_hour_usd, Some(0.013699));
}

#[tokio::test]
async fn bad_credentials_and_errors() {
    let server = types_server().await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(ResponseTemplate::new(401).set_body_string(
            r#"{"code": "unauthorized_request", "message": "Invalid client credentials"}"#,
        ))
        .mount(&server)
        .await;
    let mut ctx = testkit::context(&server, Some("wrong"));
    ctx.settings
        .insert("client_id".into(), toml::Value::String("cid".into()));
    let e = build(ctx)
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(
        e.message.contains("Invalid client credentials"),
        "{}",
        e.message
    );

    let mut ctx = testkit::context(&server, None);
    ctx.settings
        .insert("client_id".into(), toml::Value::String("cid".into()));
    assert_eq!(build(ctx).err().unwrap().kind, ErrorKind::NotConfigured);

    let broken = testkit::server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"[{"instance_type": 5}]"#))
        .mount(&broken)
        .await;
    let e = build(testkit::context(&broken, None))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
    let down = testkit::server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&down)
        .await;
    let e = build(testkit::context(&down, None))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable);
}

#[test]
fn a_secret_without_its_client_id_is_not_ignored() {
    let ctx = ProviderContext {
        api_key: Some(crate::secret::Secret::new(testkit::TEST_KEY)),
        base_url: "http://127.0.0.1:9".into(),
        http: testkit::http(),
        settings: toml::Table::new(),
    };
    let err = build(ctx).err().unwrap();
    assert_eq!(err.kind, ErrorKind::NotConfigured);
    assert!(err.message.contains("`client_id`"), "{err}");
}

async fn rent_server() -> MockServer {
    let server = testkit::server().await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"access_token": "tok-123", "refresh_token": "r", "scope": "cloud-api-v1", "token_type": "Bearer", "expires_in": 3600}"#,
        ))
        .mount(&server)
        .await;
    server
}

fn renter(server: &MockServer) -> Box<dyn Provider> {
    let mut ctx = testkit::context(server, Some("secret-SENTINEL"));
    ctx.settings
        .insert("client_id".into(), toml::Value::String("cid".into()));
    build(ctx).unwrap()
}

fn request() -> LaunchRequest {
    LaunchRequest {
        offer: "1H100.80S.32V@FIN-01:spot".into(),
        name: "gpu-train".into(),
        ssh_public_key: Some("ssh-ed25519 AAAAC3Nza test@gpu".into()),
        owner: Some("a1b2c3d4".into()),
        deadline: Some(1_764_633_600),
        ..Default::default()
    }
}

#[tokio::test]
async fn launch_adds_the_key_once_and_sends_the_name_with_owner_and_deadline_in_the_description() {
    let server = rent_server().await;
    Mock::given(method("GET"))
        .and(path(SSH_KEYS))
        .and(header("authorization", "Bearer tok-123"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&server)
        .await;
    // Both answers are the bare id, as text.
    Mock::given(method("POST"))
        .and(path(SSH_KEYS))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_raw("01cf5dc1-a5d2-4972-ae4e-d429115d055b", "text/plain"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(INSTANCES))
        .respond_with(
            ResponseTemplate::new(202)
                .set_body_raw("4755734c-63fc-42df-9bfc-ff5ec2802cfa", "text/html"),
        )
        .mount(&server)
        .await;
    let i = renter(&server).launch(&request()).await.unwrap();
    assert_eq!(i.id, "4755734c-63fc-42df-9bfc-ff5ec2802cfa");
    assert_eq!(i.region.as_deref(), Some("FIN-01"));
    let reqs = server.received_requests().await.unwrap();
    let create = reqs
        .iter()
        .find(|r| r.method.as_str() == "POST" && r.url.path() == INSTANCES)
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&create.body).unwrap();
    assert_eq!(body["instance_type"], "1H100.80S.32V");
    assert_eq!(body["location_code"], "FIN-01");
    assert_eq!(body["is_spot"], true);
    assert_eq!(body["hostname"], "gpu-train");
    assert_eq!(body["description"], "gpu-train.oa1b2c3d4.d1764633600");
    assert_eq!(
        body["ssh_key_ids"],
        serde_json::json!(["01cf5dc1-a5d2-4972-ae4e-d429115d055b"])
    );
    assert_eq!(body["image"], "ubuntu-24.04-cuda-12.8-open-docker");
    assert_eq!(body["os_volume"]["size"], 50);
    assert_eq!(
        body["os_volume"]["on_spot_discontinue"],
        "delete_permanently"
    );
    // The plan shows the same body, without the secret.
    let plan = renter(&server).launch_plan(&request()).unwrap();
    assert_eq!(
        plan.last().unwrap().body.as_ref().unwrap()["description"],
        body["description"]
    );
    assert!(!format!("{plan:?}").contains("secret-SENTINEL"));
    testkit::assert_key_not_in_urls(&reqs);
}

#[tokio::test]
async fn not_enough_resources_is_no_capacity() {
    let server = rent_server().await;
    Mock::given(method("GET"))
        .and(path(SSH_KEYS))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"[{"id": "k-1", "name": "laptop", "key": "ssh-ed25519 AAAAC3Nza other"}]"#,
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(INSTANCES))
        .respond_with(ResponseTemplate::new(503).set_body_string(
            r#"{"code": "service_unavailable", "message": "Not enough resources at the moment"}"#,
        ))
        .mount(&server)
        .await;
    let e = renter(&server).launch(&request()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoCapacity, "{e}");
    let mut no_location = request();
    no_location.offer = "1H100.80S.32V".into();
    let e = renter(&server).launch(&no_location).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoCapacity, "{e}");
    let keyless = build(testkit::context(&server, None)).unwrap();
    assert_eq!(
        keyless.instances().await.unwrap_err().kind,
        ErrorKind::NotConfigured
    );
}

#[tokio::test]
async fn instances_decode_the_description_and_delete_takes_the_os_volume_with_it() {
    let server = rent_server().await;
    let instance = r#"{"id": "4755734c-63fc-42df-9bfc-ff5ec2802cfa", "ip": "203.0.113.9", "status": "running", "created_at": "2026-12-02T08:00:00.000Z",
        "cpu": {"description": "32 CPU", "number_of_cores": 32}, "gpu": {"description": "1x H100 SXM5 80GB", "number_of_gpus": 1},
        "gpu_memory": {"description": "80GB GPU RAM", "size_in_gigabytes": 80}, "memory": {"description": "185GB RAM", "size_in_gigabytes": 185},
        "storage": {"description": "dynamic"}, "hostname": "gpu-train", "description": "gpu-train.oa1b2c3d4.d1764633600",
        "location": "FIN-01", "price_per_hour": "1.691", "is_spot": true, "instance_type": "1H100.80S.32V",
        "image": "ubuntu-24.04-cuda-12.8-open-docker", "os_name": "Ubuntu 24.04", "startup_script_id": null,
        "ssh_key_ids": ["k-1"], "os_volume_id": "9eb0f166-f119-49c9-ba55-e857dd055500", "jupyter_token": null}"#;
    Mock::given(method("GET"))
        .and(path(INSTANCES))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("[{instance}]")))
        .mount(&server)
        .await;
    let list = renter(&server).instances().await.unwrap();
    let i = &list[0];
    assert_eq!(i.name, "gpu-train");
    assert_eq!(i.owner.as_deref(), Some("a1b2c3d4"));
    assert_eq!(i.deadline, Some(1_764_633_600));
    assert_eq!(i.state, State::Running);
    assert_eq!(i.price_per_hour_usd, Some(1.691));
    assert_eq!(i.ssh.as_ref().unwrap().command(), "ssh root@203.0.113.9");
    assert_eq!(i.gpu.as_deref(), Some("H100"));

    Mock::given(method("GET"))
        .and(path("/v1/instances/4755734c-63fc-42df-9bfc-ff5ec2802cfa"))
        .respond_with(ResponseTemplate::new(200).set_body_string(instance))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(INSTANCES))
        .and(body_partial_json(serde_json::json!({
            "id": ["4755734c-63fc-42df-9bfc-ff5ec2802cfa"], "action": "delete",
            "volume_ids": ["9eb0f166-f119-49c9-ba55-e857dd055500"], "delete_permanently": true})))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    renter(&server)
        .terminate("4755734c-63fc-42df-9bfc-ff5ec2802cfa")
        .await
        .unwrap();
    // Unknown, or discontinued already: gone, nothing sent.
    Mock::given(method("GET"))
        .and(path("/v1/instances/gone-1"))
        .respond_with(
            ResponseTemplate::new(400).set_body_string(
                r#"{"code": "invalid_request", "message": "Invalid instance id"}"#,
            ),
        )
        .mount(&server)
        .await;
    renter(&server).terminate("gone-1").await.unwrap();
    assert_eq!(
        renter(&server).terminate("../x").await.unwrap_err().kind,
        ErrorKind::Invalid
    );
}

#[test]
fn an_image_the_type_refuses_moves_to_the_next_offer() {
    let e = launch::create_error(
        400,
        br#"{"code": "invalid_request", "message": "Operating system is not valid for this instance type"}"#,
    );
    assert_eq!(e.kind, ErrorKind::NoCapacity, "{e}");
    assert!(e.message.contains("--image"), "{e}");
    let e = launch::create_error(
        402,
        br#"{"code": "insufficient_funds", "message": "Not enough balance"}"#,
    );
    assert_ne!(e.kind, ErrorKind::NoCapacity, "{e}");
}

/// The document types `number_of_gpus` `number`: `8.0` is 8, in the types and in the instance
/// list; a type that cannot be read (a negative count) costs only itself.
#[test]
fn float_counts_are_read_and_one_bad_type_costs_only_itself() {
    let mut types: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/instance-types.json")).unwrap();
    types[1]["gpu"]["number_of_gpus"] = serde_json::json!(8.0);
    types[2]["gpu"]["number_of_gpus"] = serde_json::json!(-8);
    let mut gaps = Vec::new();
    let read = read_types(types.to_string().as_bytes(), &mut gaps).unwrap();
    let names: Vec<&str> = read.iter().map(|t| t.instance_type.as_str()).collect();
    assert_eq!(names, ["1H100.80S.32V", "8B200.240V", "CPU.4V.16G"]);
    assert_eq!(read[1].gpu.as_ref().unwrap().number_of_gpus, 8);
    assert_eq!(gaps.len(), 1);
    assert!(gaps[0].contains("number_of_gpus"), "{gaps:?}");
    let instance: api::Instance = serde_json::from_str(
        r#"{"id": "i-1", "status": "running", "gpu": {"description": "2x H100", "number_of_gpus": 2.0}}"#,
    )
    .unwrap();
    assert_eq!(instance.gpu.unwrap().number_of_gpus, 2);
}
