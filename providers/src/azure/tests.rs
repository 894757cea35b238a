use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

use super::*;
use crate::gpu::GpuFilter;
use crate::testkit;
use crate::ErrorKind;

#[tokio::test]
async fn pages_are_followed_on_the_configured_base() {
    let server = testkit::server().await;
    Mock::given(method("GET"))
        .and(path(PRICES))
        .and(query_param("$skip", "1000"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(include_str!("fixtures/page-2.json")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(PRICES))
        .and(query_param("api-version", API_VERSION))
        .and(query_param_is_missing("$skip"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(include_str!("fixtures/page-1.json")),
        )
        .mount(&server)
        .await;
    let q = OfferQuery {
        gpus: vec![GpuFilter::parse("h100")],
        ..Default::default()
    };
    let offers = build(testkit::context(&server, None))
        .unwrap()
        .offers(&q)
        .await
        .unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    testkit::assert_located(&offers);
    // Windows, Cloud Services, DevTest and Low Priority meters are dropped; on-demand and spot
    // stay.
    let ids: Vec<&str> = offers.iter().map(|o| o.offer_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "azure:Standard_NC24ads_A100_v4@westeurope",
            "azure:Standard_ND96isr_H100_v5@eastus",
            "azure:Standard_ND96isr_H100_v5@eastus:spot",
        ]
    );
    // Of the A100's meters, the primary Linux VM one: not the `Srs Win` product, the Cloud
    // Services one, the non-primary meter or the DevTest price.
    assert_eq!(offers[0].price_per_hour_usd, 3.673);
    let h100 = &offers[1];
    assert_eq!(h100.gpu_count, 8);
    assert!((h100.price_per_gpu_hour_usd - 12.29).abs() < 1e-9);
    assert!(offers[2].spot);
    let reqs = server.received_requests().await.unwrap();
    let urls: Vec<String> = reqs.iter().map(|r| r.url.to_string()).collect();
    assert_eq!(reqs.len(), 2, "{urls:#?}");
    let filter = reqs[0]
        .url
        .query_pairs()
        .find(|(k, _)| k == "$filter")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert!(filter.contains("priceType eq 'Consumption'"), "{filter}");
    assert!(
        filter.contains("armSkuName eq 'Standard_ND96isr_H100_v5'"),
        "{filter}"
    );
    assert!(
        !filter.contains("T4"),
        "only the sizes that can match are asked for: {filter}"
    );
}

#[tokio::test]
async fn all_sizes_are_asked_in_small_batches() {
    let server = testkit::server().await;
    Mock::given(method("GET"))
        .and(path(PRICES))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"Items": [], "NextPageLink": null}"#),
        )
        .mount(&server)
        .await;
    let offers = build(testkit::context(&server, None))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap();
    assert!(offers.is_empty());
    let n = server.received_requests().await.unwrap().len();
    assert_eq!(n, sizes::SIZES.len().div_ceil(SIZES_PER_QUERY));
}

#[tokio::test]
async fn errors() {
    let server = testkit::server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_string(
            r#"{"Error": {"Code": "InvalidRequest", "Message": "Invalid OData parameters supplied"}}"#,
        ))
        .mount(&server)
        .await;
    let e = build(testkit::context(&server, None))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(e.message.contains("Invalid OData"), "{}", e.message);

    let server = testkit::server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).set_body_string("Too many requests"))
        .mount(&server)
        .await;
    let e = build(testkit::context(&server, None))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
}

#[test]
fn encoding_and_rebasing() {
    assert_eq!(http::percent_encode("a b'c"), "a%20b%27c");
    assert_eq!(
        rebase(
            "http://127.0.0.1:5",
            "https://prices.azure.com/api/retail/prices?$skip=1000"
        ),
        "http://127.0.0.1:5/api/retail/prices?$skip=1000"
    );
}
