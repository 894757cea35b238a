use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::testkit;

fn ctx(server: &MockServer, rate: Option<f64>) -> ProviderContext {
    let mut c = testkit::context(server, None);
    if let Some(r) = rate {
        c.settings.insert("eur_usd".into(), toml::Value::Float(r));
    }
    c.settings.insert(
        "zones".into(),
        toml::Value::Array(vec![toml::Value::String("fr-par-2".into())]),
    );
    c
}

#[tokio::test]
async fn euro_prices_are_converted_at_the_configured_rate() {
    let server = testkit::server().await;
    Mock::given(method("GET"))
        .and(path("/instance/v1/zones/fr-par-2/products/servers"))
        .and(query_param("page", "1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(include_str!("fixtures/servers.json")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/instance/v1/zones/fr-par-2/products/servers/availability",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(include_str!("fixtures/availability.json")),
        )
        .mount(&server)
        .await;
    let offers = build(ctx(&server, Some(1.1)))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    assert_eq!(offers.len(), 2, "the CPU-only type is left out");
    let h100 = offers.iter().find(|o| o.gpu == "H100").unwrap();
    assert!((h100.price_per_hour_usd - 3.003).abs() < 1e-9);
    assert!(
        h100.instance_type
            .contains("EUR 2.7300/h at 1.1000 USD/EUR"),
        "{}",
        h100.instance_type
    );
    assert_eq!(
        (h100.available, h100.stock.as_deref()),
        (Some(true), Some("scarce"))
    );
    assert_eq!(h100.memory_gb, Some(258.0));
    let l4 = offers.iter().find(|o| o.gpu == "L4").unwrap();
    assert_eq!(l4.available, Some(false), "shortage");
}

#[test]
fn a_rate_is_required_and_checked() {
    let server_uri = "http://127.0.0.1:9";
    let mut c = ProviderContext {
        api_key: None,
        base_url: server_uri.into(),
        http: testkit::http(),
        settings: toml::Table::new(),
    };
    let e = build(ProviderContext {
        settings: toml::Table::new(),
        ..c_clone(&c)
    })
    .err()
    .unwrap();
    assert_eq!(e.kind, ErrorKind::NotConfigured);
    assert!(e.message.contains("eur_usd"));
    c.settings
        .insert("eur_usd".into(), toml::Value::Float(1000.0));
    assert_eq!(build(c).err().unwrap().kind, ErrorKind::Invalid);
}

fn c_clone(c: &ProviderContext) -> ProviderContext {
    ProviderContext {
        api_key: c.api_key.clone(),
        base_url: c.base_url.clone(),
        http: c.http.clone(),
        settings: c.settings.clone(),
    }
}

#[tokio::test]
async fn a_failing_zone_is_a_gap_not_the_end_of_the_answer() {
    let server = testkit::server().await;
    Mock::given(method("GET"))
        .and(path("/instance/v1/zones/fr-par-2/products/servers"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(include_str!("fixtures/servers.json")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/instance/v1/zones/nl-ams-1/products/servers"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let mut c = ctx(&server, Some(1.1));
    c.settings.insert(
        "zones".into(),
        toml::Value::Array(vec!["fr-par-2".into(), "nl-ams-1".into()]),
    );
    let scaleway = build(c).unwrap();
    let offers = scaleway.offers(&OfferQuery::default()).await.unwrap();
    assert_eq!(offers.len(), 2);
    assert!(offers.iter().all(|o| o.region == "fr-par-2"));
    let gaps = scaleway.gaps();
    assert!(
        gaps.len() == 1 && gaps[0].starts_with("nl-ams-1: service unavailable"),
        "{gaps:?}"
    );
}
