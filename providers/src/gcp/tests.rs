use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

use super::*;
use crate::testkit::{self, TEST_KEY};

#[tokio::test]
async fn instance_prices_are_composed_from_sku_prices() {
    let server = testkit::server().await;
    Mock::given(method("GET"))
        .and(path(SKUS))
        .and(query_param("currencyCode", "USD"))
        .and(query_param_is_missing("pageToken"))
        .and(header("x-goog-api-key", TEST_KEY))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(include_str!("fixtures/skus-page-1.json")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SKUS))
        .and(query_param("pageToken", "page-2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(include_str!("fixtures/skus-page-2.json")),
        )
        .mount(&server)
        .await;
    let offers = build(testkit::context(&server, Some(TEST_KEY)))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    // L4 SKUs exist only in us-central1; the G2 core and RAM SKUs in two regions.
    assert!(
        offers.iter().all(|o| o.region == "us-central1"),
        "{offers:#?}"
    );
    let g2_4 = offers
        .iter()
        .find(|o| o.offer_id == "gcp:g2-standard-4@us-central1")
        .unwrap();
    // 4 x 0.024988 + 16 x 0.002928 + 1 x 0.56
    assert!(
        (g2_4.price_per_hour_usd - 0.7068).abs() < 1e-9,
        "{}",
        g2_4.price_per_hour_usd
    );
    assert_eq!(
        (g2_4.gpu.as_str(), g2_4.gpu_count, g2_4.vcpus),
        ("L4", 1, Some(4))
    );
    let spot = offers
        .iter()
        .find(|o| o.offer_id == "gcp:g2-standard-4@us-central1:spot")
        .unwrap();
    assert!(spot.spot && spot.price_per_hour_usd < g2_4.price_per_hour_usd);
    assert_eq!(
        offers.iter().filter(|o| !o.spot).count(),
        8,
        "the eight G2 shapes"
    );
    assert!(
        offers.iter().all(|o| o.gpu == "L4"),
        "no A2/A3 SKUs, no A2/A3 offers"
    );
    testkit::assert_key_not_in_urls(&server.received_requests().await.unwrap());
}

#[test]
fn descriptions_are_read_carefully() {
    assert_eq!(
        classify("A2 Instance Core running in Americas"),
        Some((Item::Core("a2".into()), false))
    );
    assert_eq!(
        classify("Spot Preemptible A3 Instance Ram running in EMEA"),
        Some((Item::Ram("a3".into()), true))
    );
    assert_eq!(
        classify("Nvidia Tesla A100 GPU running in APAC"),
        Some((Item::Gpu("tesla a100".into()), false))
    );
    assert_eq!(
        classify("Nvidia H100 80GB GPU running in Americas"),
        Some((Item::Gpu("h100 80gb".into()), false))
    );
    assert_eq!(classify("Storage PD Capacity"), None);
    assert_eq!(classify("Licensing Fee for SQL Server on VM"), None);
}

#[tokio::test]
async fn a_bad_key_is_auth() {
    let server = testkit::server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_string(
            r#"{"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT"}}"#,
        ))
        .mount(&server)
        .await;
    let e = build(testkit::context(&server, Some(TEST_KEY)))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(build(testkit::context(&server, None)).is_err());
}
