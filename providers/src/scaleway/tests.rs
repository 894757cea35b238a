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

/// Serve `pages` of one list as Scaleway does: the body holds only `servers`, the total is in
/// `X-Total-Count`, and a page may hold fewer entries than `per_page` asked for (recordings show
/// 50 a page).
async fn paged(server: &wiremock::MockServer, route: &str, pages: &[&str], total: usize) {
    for (n, body) in pages.iter().enumerate() {
        Mock::given(method("GET"))
            .and(path(route))
            .and(query_param("page", (n + 1).to_string()))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("x-total-count", total.to_string())
                    .set_body_string(*body),
            )
            .mount(server)
            .await;
    }
}

#[tokio::test]
async fn every_page_is_read_and_gpus_are_named_by_gpu_info() {
    let server = testkit::server().await;
    paged(
        &server,
        "/instance/v1/zones/fr-par-2/products/servers",
        &[
            include_str!("fixtures/servers.json"),
            include_str!("fixtures/servers-page-2.json"),
            include_str!("fixtures/servers-page-3.json"),
        ],
        6,
    )
    .await;
    paged(
        &server,
        "/instance/v1/zones/fr-par-2/products/servers/availability",
        &[
            include_str!("fixtures/availability.json"),
            include_str!("fixtures/availability-page-2.json"),
            include_str!("fixtures/availability-page-3.json"),
        ],
        6,
    )
    .await;
    let offers = build(ctx(&server, Some(1.1)))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    testkit::assert_located(&offers);
    assert_eq!(
        offers.len(),
        5,
        "the CPU-only type is left out: {offers:#?}"
    );
    let h100 = offers
        .iter()
        .find(|o| o.offer_id == "scaleway:H100-1-80G@fr-par-2")
        .unwrap();
    assert_eq!(
        (
            h100.gpu.as_str(),
            h100.gpu_variant.as_deref(),
            h100.gpu_memory_gb
        ),
        ("H100", Some("PCIe"), Some(80.0))
    );
    assert!(
        (h100.price_per_hour_usd - 3.1532).abs() < 1e-9,
        "{}",
        h100.price_per_hour_usd
    );
    assert!(
        h100.instance_type
            .contains("EUR 2.8665/h at 1.1000 USD/EUR"),
        "{}",
        h100.instance_type
    );
    assert_eq!(
        (h100.available, h100.stock.as_deref()),
        (Some(false), Some("shortage"))
    );
    // 257698037760 bytes is the 240 GiB Scaleway sells.
    assert_eq!((h100.vcpus, h100.memory_gb), (Some(24), Some(240.0)));
    // RENDER-S is a P100, and its availability is on the third page.
    let render = offers
        .iter()
        .find(|o| o.offer_id == "scaleway:RENDER-S@fr-par-2")
        .unwrap();
    assert_eq!(
        (render.gpu.as_str(), render.gpu_memory_gb),
        ("P100", Some(16.0))
    );
    assert_eq!(render.stock.as_deref(), Some("available"));
    let l40s = offers.iter().find(|o| o.gpu == "L40S").unwrap();
    assert_eq!(
        (l40s.available, l40s.stock.as_deref()),
        (Some(true), Some("scarce"))
    );
    // All three pages of both lists were asked, and no more.
    assert_eq!(server.received_requests().await.unwrap().len(), 6);
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
