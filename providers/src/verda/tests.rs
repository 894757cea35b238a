use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::testkit;

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
