use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::testkit;

async fn serve(products: (u16, &str), shapes: (u16, &str)) -> MockServer {
    let server = testkit::server().await;
    Mock::given(method("GET"))
        .and(path(PRODUCTS))
        .and(query_param("currencyCode", "USD"))
        .respond_with(ResponseTemplate::new(products.0).set_body_string(products.1))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SHAPES_PATH))
        .respond_with(ResponseTemplate::new(shapes.0).set_body_string(shapes.1))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn gpu_shapes_priced_from_the_price_list() {
    let server = serve(
        (200, include_str!("fixtures/products.json")),
        (200, include_str!("fixtures/shapes.json")),
    )
    .await;
    let offers = build(testkit::context(&server, None))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    testkit::assert_located(&offers);
    let ids: Vec<&str> = offers.iter().map(|o| o.offer_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "oci:BM.GPU.H100.8",
            "oci:VM.GPU.A10.1:spot",
            "oci:VM.GPU.A10.1",
            "oci:BM.GPU.MI355X.8",
            "oci:BM.GPU.GB200.4",
            "oci:BM.GPU.GB300.4",
            "oci:BM.GPU.B300.8"
        ]
    );
    let h100 = &offers[0];
    assert_eq!(
        (h100.price_per_hour_usd, h100.gpu_count, h100.vcpus),
        (80.0, 8, Some(224))
    );
    assert_eq!(
        (h100.gpu.as_str(), h100.gpu_memory_gb),
        ("H100", Some(80.0))
    );
    assert_eq!(
        offers[1].price_per_hour_usd, 1.0,
        "preemptible at half price"
    );
    // Both documents came from the configured base URL.
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_newest_shapes_read_as_the_estimator_gives_them() {
    let server = serve(
        (200, include_str!("fixtures/products.json")),
        (200, include_str!("fixtures/shapes.json")),
    )
    .await;
    let offers = build(testkit::context(&server, None))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    let by = |id: &str| {
        offers
            .iter()
            .find(|o| o.offer_id == id)
            .unwrap_or_else(|| panic!("{id}: {offers:#?}"))
    };
    // The shape name, not the estimator's display form.
    let gb200 = by("oci:BM.GPU.GB200.4");
    assert_eq!(gb200.instance_type, "BM.GPU.GB200.4");
    // 128 OCPUs of Grace (Arm): one vCPU each.
    assert_eq!(gb200.vcpus, Some(128));
    assert_eq!(gb200.gpu_memory_gb, Some(189.0));
    assert!((gb200.price_per_hour_usd - 64.0).abs() < 1e-9);
    // MI355X's gpuMemoryQty is per GPU.
    assert_eq!(by("oci:BM.GPU.MI355X.8").gpu_memory_gb, Some(288.0));
    assert_eq!(by("oci:BM.GPU.MI355X.8").vcpus, Some(256));
    // B300: total memory; no OCPU count given, so vCPUs unknown.
    let b300 = by("oci:BM.GPU.B300.8");
    assert_eq!((b300.gpu_memory_gb, b300.vcpus), (Some(263.0), None));
    // GB300's gpuMemoryQty (278) is one GPU's, not the 4 GPUs' total.
    assert_eq!(by("oci:BM.GPU.GB300.4").gpu_memory_gb, Some(278.0));
    assert_eq!(by("oci:BM.GPU.H100.8").vcpus, Some(224));
}

#[test]
fn legacy_shape_names() {
    assert_eq!(gpu_of("BM.GPU4.8"), Some(("A100".into(), Some(40.0))));
    assert_eq!(
        gpu_of("BM.GPU.A100-v2.8"),
        Some(("A100".into(), Some(80.0)))
    );
    assert_eq!(gpu_of("VM.GPU3.2"), Some(("V100".into(), Some(16.0))));
    assert_eq!(
        gpu_of("BM.GPU.RTXPRO.8"),
        Some(("RTX PRO 6000".into(), Some(96.0)))
    );
    assert_eq!(gpu_of("BM.GPU.MI300X.8").unwrap().0, "MI300X");
    assert_eq!(gpu_of("BM.Standard.E4.128"), None);
}

#[tokio::test]
async fn a_failed_price_list_or_shape_list_fails_the_answer() {
    let server = serve((503, "busy"), (200, include_str!("fixtures/shapes.json"))).await;
    let e = build(testkit::context(&server, None))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap_err();
    // Both lists are asked at once; the prices' failure is the one reported.
    assert_eq!(e.kind, ErrorKind::Unavailable);
    let server = serve(
        (200, include_str!("fixtures/products.json")),
        (200, "<html>"),
    )
    .await;
    let e = build(testkit::context(&server, None))
        .unwrap()
        .offers(&OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
}
