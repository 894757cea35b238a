use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::testkit::{self, TEST_KEY};

async fn serve(status: u16, body: &str) -> MockServer {
    let server = testkit::server().await;
    Mock::given(method("GET"))
        .and(path(LOCATIONS))
        .and(header(
            "authorization",
            format!("Bearer {TEST_KEY}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(status).set_body_string(body))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn offers_priced_with_cpu_ram_and_disk() {
    let server = serve(200, include_str!("fixtures/locations.json")).await;
    let offers = build(testkit::context(&server, Some(TEST_KEY)))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    let counts: Vec<u32> = offers
        .iter()
        .filter(|o| o.gpu == "H100")
        .map(|o| o.gpu_count)
        .collect();
    assert_eq!(counts, [1, 2, 4], "up to max_count 4");
    let one = &offers[0];
    // 2.25 + 8 * 0.003 + 32 * 0.002 + 100 * 0.00005
    assert!(
        (one.price_per_hour_usd - 2.343).abs() < 1e-9,
        "{}",
        one.price_per_hour_usd
    );
    assert_eq!(one.region, "Chubbuck, Idaho, United States");
    assert_eq!(
        (one.gpu_variant.as_deref(), one.gpu_memory_gb),
        (Some("SXM"), Some(80.0))
    );
    let rtx = offers.iter().find(|o| o.gpu == "RTX 4090").unwrap();
    assert_eq!(
        rtx.memory_gb,
        Some(24.0),
        "RAM capped at the location's maximum"
    );
    testkit::assert_key_not_in_urls(&server.received_requests().await.unwrap());
}

#[tokio::test]
async fn errors() {
    let server = serve(401, r#"{"error": "Invalid token"}"#).await;
    let e = build(testkit::context(&server, Some(TEST_KEY)))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(e.message.contains("Invalid token"));
    let server = serve(200, r#"{"data": {"locations": {}}}"#).await;
    let e = build(testkit::context(&server, Some(TEST_KEY)))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
    assert!(build(testkit::context(&server, None)).is_err());
}
