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
    testkit::assert_located(&offers);
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
        offers.iter().filter(|o| !o.spot && o.gpu == "L4").count(),
        8,
        "the eight G2 shapes"
    );
    // A2 Ultra (A100 80GB): `Nvidia Tesla A100 80GB GPU`, on demand and spot, in us-central1
    // only, where the GPU is sold; never at the DWS or commitment prices.
    let ultra = offers
        .iter()
        .find(|o| o.offer_id == "gcp:a2-ultragpu-1g@us-central1")
        .expect("a2-ultragpu offers");
    // 12 x 0.031611 + 170 x 0.004237 + 3.92704
    assert!(
        (ultra.price_per_hour_usd - 5.0267).abs() < 1e-4,
        "{}",
        ultra.price_per_hour_usd
    );
    let ultra_spot = offers
        .iter()
        .find(|o| o.offer_id == "gcp:a2-ultragpu-1g@us-central1:spot")
        .expect("spot a2-ultragpu, worded `attached to Spot Preemptible VMs`");
    // 12 x 0.01 + 170 x 0.00134 + 1.57
    assert!((ultra_spot.price_per_hour_usd - 1.9178).abs() < 1e-4);
    assert_eq!(offers.iter().filter(|o| o.gpu == "A100").count(), 8);
    // Families whose SKUs are missing are said, not silently dropped.
    let p = build(testkit::context(&server, Some(TEST_KEY))).unwrap();
    let _ = p.offers(&OfferQuery::default()).await.unwrap();
    let gaps = p.gaps();
    assert!(
        gaps.iter()
            .any(|g| g.contains("a2-highgpu") && g.contains("`a100` GPU")),
        "{gaps:?}"
    );
    assert!(gaps.iter().any(|g| g.contains("a3-highgpu")), "{gaps:?}");
    assert!(!gaps
        .iter()
        .any(|g| g.contains("a2-ultragpu") || g.contains("g2-standard")));
    testkit::assert_key_not_in_urls(&server.received_requests().await.unwrap());
}

#[test]
fn descriptions_are_read_by_what_identifies_them() {
    let od = Some("OnDemand");
    let spot = Some("Preemptible");
    assert_eq!(
        classify("A2 Instance Core running in Americas", od),
        Some((Item::Core("a2".into()), false))
    );
    assert_eq!(
        classify("Spot Preemptible A3 Instance Ram running in EMEA", spot),
        Some((Item::Ram("a3".into()), true))
    );
    assert_eq!(
        classify("Nvidia Tesla A100 GPU running in APAC", od),
        Some((Item::Gpu("a100".into()), false))
    );
    // Google's two spot wordings, and "Tesla" or not, name the same thing.
    for d in [
        "Nvidia Tesla T4 GPU attached to Spot Preemptible VMs running in Americas",
        "Spot Preemptible Nvidia T4 GPU running in Americas",
    ] {
        assert_eq!(
            classify(d, spot),
            Some((Item::Gpu("t4".into()), true)),
            "{d}"
        );
    }
    assert_eq!(
        classify("Nvidia Tesla A100 80GB GPU running in Iowa", None),
        Some((Item::Gpu("a100 80gb".into()), false))
    );
    // A3 Mega's "Plus" is another GPU than A3 High's.
    assert_eq!(
        classify("Nvidia H100 80GB Plus GPU running in Americas", od),
        Some((Item::Gpu("h100 80gb plus".into()), false))
    );
    for other in [
        "Nvidia Tesla A100 80GB GPU attached to DWS Defined Duration VMs running in Americas",
        "Commitment v1: Nvidia L4 GPU in Iowa for 1 Year",
        "Reserved Nvidia H100 80GB Mega GPU in Americas in Calendar Mode",
    ] {
        assert_eq!(classify(other, od), None, "{other}");
    }
    assert_eq!(
        classify("Nvidia L4 GPU running in Iowa", Some("Commit1Yr")),
        None
    );
    assert_eq!(classify("Storage PD Capacity", od), None);
    assert_eq!(classify("Licensing Fee for SQL Server on VM", od), None);
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
