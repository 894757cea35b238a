use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::testkit::{self, TEST_KEY};

async fn serve(route: &str, status: u16, body: &str) -> MockServer {
    let server = testkit::server().await;
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
    // Hyperbolic's `eu-` regions name no country (see `place::HYPERBOLIC`).
    testkit::assert_located_except(&offers, &["eu-north-5"]);
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
async fn recorded_rows_keep_unknown_availability_and_bare_metal_cpus() {
    let server = serve(
        OPTIONS_ANONYMOUS,
        200,
        include_str!("fixtures/rental-options-recorded.json"),
    )
    .await;
    let offers = offers_from(&server, None).await.unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    testkit::assert_located(&offers);
    assert_eq!(offers.len(), 3);
    let pcie = offers.iter().find(|o| o.region == "ca-east-1").unwrap();
    assert_eq!(
        (pcie.available, pcie.stock.as_deref()),
        (Some(true), Some("2"))
    );
    let metal = offers
        .iter()
        .find(|o| o.region == "uk-southeast-3")
        .unwrap();
    assert_eq!(metal.available, None, "no totalAvailable: unknown");
    assert_eq!(metal.vcpus, Some(96), "bare metal gives `cpuCount`");
    assert!((metal.price_per_gpu_hour_usd - 3.19).abs() < 1e-9);
    let vm = offers.iter().find(|o| o.region == "jp-east-1").unwrap();
    assert_eq!((vm.available, vm.vcpus), (None, Some(160)));
}

#[tokio::test]
async fn with_a_key_asks_the_keyed_route() {
    let server = testkit::server().await;
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

mod launch {
    use wiremock::matchers::{body_json, header, method, path};
    use wiremock::{Mock, ResponseTemplate};

    use super::super::*;
    use crate::testkit::{self, TEST_KEY};

    fn request(offer: &str) -> LaunchRequest {
        LaunchRequest {
            offer: offer.into(),
            region: Some("us-east-1".into()),
            name: "gpu-ab12cd34".into(),
            ssh_public_key: None,
            ssh_key_name: None,
            image: None,
            disk_gb: None,
            max_price_per_hour: None,
            offer_spot: false,
            owner: Some("a1b2c3d4".into()),
            deadline: Some(1_764_633_600),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn create_list_terminate() {
        let server = testkit::server().await;
        Mock::given(method("POST"))
            .and(path(RENTALS))
            .and(header("authorization", format!("Bearer {TEST_KEY}").as_str()))
            .and(body_json(serde_json::json!({"gpuType": "rtx-6000-pro", "gpuCount": 2, "region": "us-east-1", "label": "gpu-ab12cd34.oa1b2c3d4.d1764633600"})))
            .respond_with(ResponseTemplate::new(200).set_body_string(
                r#"{"id": 48300, "status": "Pending", "gpuType": "rtx-6000-pro", "gpuCount": 2, "region": "us-east-1", "label": "gpu-ab12cd34.oa1b2c3d4.d1764633600"}"#,
            ))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(RENTALS))
            .respond_with(
                ResponseTemplate::new(200).set_body_string(include_str!("fixtures/rentals.json")),
            )
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(TERMINATE))
            .and(body_json(serde_json::json!({"rentalId": 48213})))
            .respond_with(
                ResponseTemplate::new(200).set_body_string(r#"{"message": "Rental terminated"}"#),
            )
            .expect(1)
            .mount(&server)
            .await;
        let p = build(testkit::context(&server, Some(TEST_KEY))).unwrap();
        let i = p
            .launch(&request("rtx-6000-pro-pciex2@us-east-1/virtual-machine"))
            .await
            .unwrap();
        assert_eq!((i.id.as_str(), i.state), ("48300", State::Provisioning));
        // Owner and deadline travel in the label and are read back from it.
        assert_eq!(i.name, "gpu-ab12cd34");
        assert_eq!(i.owner.as_deref(), Some("a1b2c3d4"));
        assert_eq!(i.deadline, Some(1_764_633_600));
        let list = p.instances().await.unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].state, State::Running);
        assert_eq!(list[0].price_per_hour_usd, Some(3.19));
        assert_eq!(
            list[0].ssh.as_ref().unwrap().command(),
            "ssh -p 31022 ubuntu@203.0.113.77"
        );
        assert_eq!(list[1].name, "someone-else");
        assert!(p.instance("48213").await.unwrap().is_some());
        p.terminate("48213").await.unwrap();
    }

    #[tokio::test]
    async fn capacity_words_mean_no_capacity_and_keys_are_required() {
        let server = testkit::server().await;
        Mock::given(method("POST"))
            .and(path(RENTALS))
            .respond_with(
                ResponseTemplate::new(400)
                    .set_body_string(r#"{"message": "Not enough capacity in us-east-1"}"#),
            )
            .mount(&server)
            .await;
        let p = build(testkit::context(&server, Some(TEST_KEY))).unwrap();
        let e = p
            .launch(&request("h100-sxm5x1@us-east-1/virtual-machine"))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NoCapacity);
        let keyless = build(testkit::context(&server, None)).unwrap();
        assert_eq!(
            keyless.instances().await.unwrap_err().kind,
            ErrorKind::NotConfigured
        );
        assert_eq!(
            p.launch(&request("nonsense")).await.unwrap_err().kind,
            ErrorKind::Invalid
        );
    }
}
