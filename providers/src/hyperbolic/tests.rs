use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::testkit::{self, TEST_KEY};

async fn serve(route: &str, status: u16, body: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json"),
        )
        .mount(&server)
        .await;
    server
}

async fn offers_from(server: &MockServer, key: Option<&str>) -> Result<Vec<Offer>, ProviderError> {
    let r = build(testkit::context(server, key))
        .unwrap()
        .offers(&OfferQuery::default())
        .await;
    testkit::assert_key_not_in_urls(&server.received_requests().await.unwrap());
    r
}

#[tokio::test]
async fn anonymous_options_from_fixture() {
    let server = serve(
        OPTIONS_ANONYMOUS,
        200,
        include_str!("fixtures/rental-options.json"),
    )
    .await;
    let offers = offers_from(&server, None).await.unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    assert_eq!(offers.len(), 4);
    let o = &offers[0];
    assert_eq!(
        (o.gpu.as_str(), o.gpu_variant.as_deref()),
        ("H100", Some("SXM"))
    );
    assert!((o.price_per_hour_usd - 3.19).abs() < 1e-9);
    assert_eq!(o.vcpus, Some(26));
    assert_eq!(o.stock.as_deref(), Some("6"));
    assert_eq!(o.available, Some(true));
    assert!((offers[1].price_per_gpu_hour_usd - 4.85).abs() < 1e-9);
    assert_eq!(offers[2].gpu, "H200");
    assert_eq!(
        offers[2].available,
        Some(false),
        "totalAvailable 0 is sold out"
    );
    assert_eq!(
        offers[3].available,
        Some(false),
        "enabled false is sold out"
    );
    assert_eq!(offers[3].gpu_variant.as_deref(), Some("PCIe"));
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs[0].headers.get("authorization").is_none());
    assert!(
        reqs[0].headers.get("user-agent").is_some(),
        "Cloudflare blocks requests without a UA"
    );
}

#[tokio::test]
async fn with_a_key_asks_the_keyed_route() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(OPTIONS))
        .and(header(
            "authorization",
            format!("Bearer {TEST_KEY}").as_str(),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(include_str!("fixtures/rental-options.json")),
        )
        .mount(&server)
        .await;
    assert_eq!(offers_from(&server, Some(TEST_KEY)).await.unwrap().len(), 4);
}

#[tokio::test]
async fn errors() {
    let server = serve(OPTIONS, 401, r#"{"message": "Invalid API key"}"#).await;
    let e = offers_from(&server, Some(TEST_KEY)).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(e.message.contains("Invalid API key"));

    let server = serve(OPTIONS_ANONYMOUS, 403, "error code: 1010").await;
    let e = offers_from(&server, None).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable);
    assert!(e.message.contains("firewall"), "{}", e.message);

    let server = serve(OPTIONS_ANONYMOUS, 429, "").await;
    assert_eq!(
        offers_from(&server, None).await.unwrap_err().kind,
        ErrorKind::RateLimited
    );

    let server = serve(OPTIONS_ANONYMOUS, 503, "").await;
    assert_eq!(
        offers_from(&server, None).await.unwrap_err().kind,
        ErrorKind::Unavailable
    );

    let server = serve(OPTIONS_ANONYMOUS, 200, r#"{"options": []}"#).await;
    assert_eq!(
        offers_from(&server, None).await.unwrap_err().kind,
        ErrorKind::BadResponse
    );

    let server = serve(OPTIONS_ANONYMOUS, 200, "[]").await;
    assert!(offers_from(&server, None).await.unwrap().is_empty());
}
