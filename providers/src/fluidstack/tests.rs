use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

use super::*;
use crate::testkit::{self, TEST_KEY};

#[tokio::test]
async fn configurations_become_offers_per_count_and_region() {
    let server = testkit::server().await;
    Mock::given(method("GET"))
        .and(path(CONFIGURATIONS))
        .and(header("api-key", TEST_KEY))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(include_str!("fixtures/configurations.json")),
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
    assert_eq!(
        offers.len(),
        6,
        "2 counts x 2 regions for H100, 2 counts for A100, nothing for no counts"
    );
    let h100x8 = offers
        .iter()
        .find(|o| {
            o.offer_id.starts_with("fluidstack:H100_SXM5_80GBx8@")
                && o.region.eq_ignore_ascii_case("norway")
        })
        .unwrap();
    assert_eq!(
        (h100x8.gpu.as_str(), h100x8.gpu_variant.as_deref()),
        ("H100", Some("SXM"))
    );
    // The price comes as a string, as FluidStack's OpenAPI types it.
    assert!((h100x8.price_per_hour_usd - 23.12).abs() < 1e-9);
    let a100 = offers.iter().find(|o| o.gpu == "A100").unwrap();
    assert_eq!(
        (a100.gpu_variant.as_deref(), a100.gpu_memory_gb),
        (Some("PCIe"), Some(80.0))
    );
    testkit::assert_key_not_in_urls(&server.received_requests().await.unwrap());
}

#[tokio::test]
async fn errors() {
    let server = testkit::server().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403).set_body_string(r#"{"detail": "Invalid API key"}"#),
        )
        .mount(&server)
        .await;
    let e = build(testkit::context(&server, Some(TEST_KEY)))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(e.message.contains("Invalid API key"));
    assert!(build(testkit::context(&server, None)).is_err());
}

#[test]
fn error_bodies_of_every_shape_keep_their_message() {
    // 401: `{"message"}`; 422: `detail` as a list of `{loc, msg, type}`.
    let e = error_from(401, br#"{"message": "Unauthorized"}"#);
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(e.message.contains("Unauthorized"), "{e}");
    let e = error_from(
        422,
        br#"{"detail": [{"loc": ["query", "gpu_type"], "msg": "value is not a valid enumeration member", "type": "type_error.enum"}]}"#,
    );
    assert!(
        e.message
            .contains("value is not a valid enumeration member"),
        "{e}"
    );
}

/// A negative GPU count in one configuration (the document types the counts `integer`) costs
/// that configuration only; the gap names the field.
#[test]
fn one_unreadable_configuration_costs_only_itself() {
    let mut body: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/configurations.json")).unwrap();
    body[1]["gpu_counts"] = serde_json::json!([1, -2]);
    let mut gaps = Vec::new();
    let configs = read_configurations(body.to_string().as_bytes(), &mut gaps).unwrap();
    let offers = to_offers(configs, "https://x", "2026-01-01T00:00:00Z");
    assert_eq!(offers.len(), 4, "the H100's four stay: {offers:#?}");
    assert!(offers.iter().all(|o| o.gpu == "H100"));
    assert_eq!(gaps.len(), 1);
    assert!(gaps[0].contains("gpu_counts"), "{gaps:?}");
    // Not one readable: the answer is not what the adapter knows.
    let e = read_configurations(b"[{\"gpu_type\": 3}]", &mut Vec::new()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
}
