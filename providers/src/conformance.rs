//! Every adapter in the registry, against the same faults: whatever the provider, a 401 is an
//! auth error, a 429 a rate limit, a 5xx an outage, a body that is not what was asked for a bad
//! response, and a silent server a timeout — each one error naming the provider, on one line,
//! without the key. Adapter-specific cases (sold out, pagination, each provider's own error
//! bodies) live beside each adapter.

use std::time::Duration;

use wiremock::matchers::any;
use wiremock::{Mock, ResponseTemplate};

use crate::error::ErrorKind;
use crate::testkit::{self, TEST_KEY};
use crate::{OfferQuery, ProviderContext, REGISTRY};

/// Settings some adapters cannot be built without.
fn settings(id: &str) -> toml::Table {
    let text = match id {
        "aws" => "access_key_id = \"AKIDTEST\"\nregions = [\"us-east-1\"]\n",
        "scaleway" => "eur_usd = 1.1\nzones = [\"fr-par-2\"]\n",
        "verda" => "client_id = \"test-client\"\n",
        _ => "",
    };
    text.parse().unwrap()
}

/// Ask every adapter once against a server that answers everything with `response`.
async fn every_adapter_gets(response: ResponseTemplate, expected: ErrorKind) {
    let server = testkit::server().await;
    Mock::given(any())
        .respond_with(response)
        .mount(&server)
        .await;
    let asks = REGISTRY.iter().map(|e| {
        let ctx = ProviderContext {
            settings: settings(e.id),
            ..testkit::context(&server, Some(TEST_KEY))
        };
        async move {
            let provider = (e.build)(ctx).unwrap_or_else(|err| panic!("{}: {err}", e.id));
            (e.id, provider.offers(&OfferQuery::default()).await)
        }
    });
    for (id, result) in futures_util::future::join_all(asks).await {
        let err = match result {
            Ok(offers) => panic!("{id}: expected {expected:?}, got {} offers", offers.len()),
            Err(e) => e,
        };
        assert_eq!(err.kind, expected, "{id}: {err}");
        assert_eq!(err.provider, id);
        assert!(!err.message.contains('\n'), "{id}: one line: {err}");
        assert!(
            !err.to_string().contains(TEST_KEY),
            "{id}: key in error: {err}"
        );
    }
    testkit::assert_key_not_in_urls(&server.received_requests().await.unwrap());
}

#[tokio::test]
async fn a_401_is_an_auth_error() {
    every_adapter_gets(
        ResponseTemplate::new(401).set_body_string(r#"{"message": "unauthorized"}"#),
        ErrorKind::Auth,
    )
    .await;
}

#[tokio::test]
async fn a_429_is_a_rate_limit() {
    every_adapter_gets(
        ResponseTemplate::new(429).set_body_string(r#"{"message": "slow down"}"#),
        ErrorKind::RateLimited,
    )
    .await;
}

#[tokio::test]
async fn a_5xx_is_an_outage() {
    every_adapter_gets(
        ResponseTemplate::new(503).set_body_string("upstream unavailable"),
        ErrorKind::Unavailable,
    )
    .await;
}

#[tokio::test]
async fn an_html_error_page_is_a_bad_response() {
    every_adapter_gets(
        ResponseTemplate::new(200).set_body_string("<html><body>502 Bad Gateway</body></html>"),
        ErrorKind::BadResponse,
    )
    .await;
}

#[tokio::test]
async fn truncated_json_is_a_bad_response() {
    every_adapter_gets(
        ResponseTemplate::new(200).set_body_string(r#"{"data": [{"name": "#),
        ErrorKind::BadResponse,
    )
    .await;
}

#[tokio::test]
async fn a_silent_server_is_a_timeout() {
    every_adapter_gets(
        ResponseTemplate::new(200)
            .set_body_string("{}")
            .set_delay(Duration::from_secs(5)),
        ErrorKind::Unavailable,
    )
    .await;
}

/// Providers whose empty answer is a known fault, not an empty market: Prime Intellect serves
/// `{"items": [], "totalCount": 0}` intermittently from a replica that has nothing.
const EMPTY_IS_A_GAP: &[&str] = &["primeintellect"];

/// What each API answers when it has nothing to sell, in its own shape.
fn empty_answer(id: &str) -> &'static str {
    match id {
        "aws" => r#"{"FormatVersion": "aws_v1", "PriceList": []}"#,
        "azure" => r#"{"BillingCurrency": "USD", "Items": [], "NextPageLink": null, "Count": 0}"#,
        "fluidstack" | "hyperbolic" | "verda" => "[]",
        "gcp" => r#"{"skus": [], "nextPageToken": ""}"#,
        "lambda" => r#"{"data": {}}"#,
        "oci" => r#"{"items": []}"#,
        "primeintellect" => r#"{"items": [], "totalCount": 0}"#,
        "runpod" => r#"{"gpus": []}"#,
        "scaleway" => r#"{"servers": {}}"#,
        "shadeform" => r#"{"instance_types": []}"#,
        "tensordock" => r#"{"data": {"locations": []}}"#,
        "vast" => r#"{"offers": []}"#,
        other => panic!("no empty answer written for `{other}`: add one here"),
    }
}

#[tokio::test]
async fn nothing_for_sale_is_no_offers_not_an_error() {
    for e in REGISTRY {
        let server = testkit::server().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_string(empty_answer(e.id)))
            .mount(&server)
            .await;
        // Verda keyless: its token flow has an answer of its own.
        let (key, settings) = match e.id {
            "verda" => (None, toml::Table::new()),
            id => (Some(TEST_KEY), settings(id)),
        };
        let ctx = ProviderContext {
            settings,
            ..testkit::context(&server, key)
        };
        let provider = (e.build)(ctx).unwrap_or_else(|err| panic!("{}: {err}", e.id));
        let answer = provider.offers(&OfferQuery::default()).await;
        if EMPTY_IS_A_GAP.contains(&e.id) {
            let err = answer.expect_err(e.id);
            assert_eq!(err.kind, ErrorKind::Unavailable, "{}: {err}", e.id);
            continue;
        }
        let offers = answer.unwrap_or_else(|err| panic!("{}: {err}", e.id));
        assert!(offers.is_empty(), "{}: {offers:?}", e.id);
        assert!(
            !server.received_requests().await.unwrap().is_empty(),
            "{} asked nothing",
            e.id
        );
    }
}
