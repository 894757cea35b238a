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
    testkit::assert_located(&offers);
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

#[tokio::test]
async fn a_gpu_without_resource_prices_is_left_out_and_said() {
    let body = r#"{"data": {"locations": [
      {"id": "1a2b3c4d-0000-4000-8000-00000000a003", "city": "Orem", "stateprovince": "Utah", "country": "United States", "tier": 3,
       "gpus": [
         {"v0Name": "geforcertx3090-pcie-24gb", "displayName": "GeForce RTX 3090 PCIe 24GB", "max_count": 2, "price_per_hr": 0.2,
          "resources": {"max_vcpus": 32, "max_ram_gb": 128, "max_storage_gb": 2000}},
         {"v0Name": "geforcertx4090-pcie-24gb", "displayName": "GeForce RTX 4090 PCIe 24GB", "max_count": 1, "price_per_hr": 0.35,
          "resources": {"max_vcpus": 16, "max_ram_gb": 24, "max_storage_gb": 1000},
          "pricing": {"per_vcpu_hr": 0.003, "per_gb_ram_hr": 0.002, "per_gb_storage_hr": 0.00005}}
       ]}
    ]}}"#;
    let server = serve(200, body).await;
    let p = build(testkit::context(&server, Some(TEST_KEY))).unwrap();
    let offers = p.offers(&OfferQuery::default()).await.unwrap();
    assert!(offers.iter().all(|o| o.gpu == "RTX 4090"), "{offers:#?}");
    assert_eq!(offers.len(), 1);
    assert!((offers[0].storage_price_per_hour_usd.unwrap() - 0.005).abs() < 1e-9);
    let gaps = p.gaps();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(gaps[0].starts_with("1 GPU types left out"), "{gaps:?}");
}
