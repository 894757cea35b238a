use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::testkit::{self, TEST_KEY};

async fn serve_clouds(secure: (u16, &str), community: (u16, &str)) -> MockServer {
    let server = testkit::server().await;
    for (cloud, (status, body)) in [("SECURE", secure), ("COMMUNITY", community)] {
        Mock::given(method("GET"))
            .and(path(CATALOG))
            .and(query_param("include", "AVAILABILITY"))
            .and(query_param("product", "POD"))
            .and(query_param("cloud", cloud))
            .and(header(
                "authorization",
                format!("Bearer {TEST_KEY}").as_str(),
            ))
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_raw(body.to_string(), "application/json")
                    .insert_header("Retry-After", "0"),
            )
            .mount(&server)
            .await;
    }
    server
}

async fn offers_from(server: &MockServer, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError> {
    let p = build(testkit::context(server, Some(TEST_KEY))).unwrap();
    let r = p.offers(q).await;
    testkit::assert_key_not_in_urls(&server.received_requests().await.unwrap());
    r
}

#[tokio::test]
async fn offers_per_cloud_and_data_center() {
    let server = serve_clouds(
        (200, include_str!("fixtures/gpus-secure.json")),
        (200, include_str!("fixtures/gpus-community.json")),
    )
    .await;
    let offers = offers_from(&server, &OfferQuery::default()).await.unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    testkit::assert_located(&offers);
    let ids: Vec<&str> = offers.iter().map(|o| o.offer_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "runpod:secure:1xNVIDIA_H100_80GB_HBM3@US-KS-2",
            "runpod:secure:1xNVIDIA_H100_80GB_HBM3@EU-RO-1",
            "runpod:secure:1xNVIDIA_H100_NVL",
            "runpod:secure:1xNVIDIA_GeForce_RTX_4090@EU-SE-1",
            "runpod:community:1xNVIDIA_H100_80GB_HBM3@US-TX-3",
            "runpod:community:1xNVIDIA_GeForce_RTX_4090",
        ]
    );
    let h100 = &offers[0];
    assert_eq!(h100.gpu, "H100");
    assert_eq!(h100.gpu_variant.as_deref(), Some("SXM"));
    // The GPU's $2.69, plus the 50 GB container disk `gpu up` asks for by default.
    assert!((h100.price_per_hour_usd - (2.69 + 50.0 * 0.10 / 730.0)).abs() < 1e-9);
    assert!((h100.storage_price_per_hour_usd.unwrap() - 0.006849).abs() < 1e-6);
    assert_eq!(h100.stock.as_deref(), Some("high"));
    let nvl = &offers[2];
    assert_eq!(nvl.gpu_variant.as_deref(), Some("NVL"));
    assert_eq!(nvl.gpu_memory_gb, Some(94.0));
    assert_eq!(nvl.available, Some(false));
    assert!((offers[4].price_per_hour_usd - (2.39 + 50.0 * 0.10 / 730.0)).abs() < 1e-9);
}

#[tokio::test]
async fn the_disk_asked_for_is_priced_in() {
    let server = serve_clouds(
        (200, include_str!("fixtures/gpus-secure.json")),
        (200, r#"{"gpus": []}"#),
    )
    .await;
    let q = OfferQuery {
        disk_gb: Some(500),
        ..Default::default()
    };
    let offers = offers_from(&server, &q).await.unwrap();
    assert!((offers[0].price_per_hour_usd - (2.69 + 500.0 * 0.10 / 730.0)).abs() < 1e-9);
}

#[tokio::test]
async fn gpu_count_prices_the_whole_pod() {
    let server = serve_clouds(
        (200, include_str!("fixtures/gpus-secure.json")),
        (200, r#"{"gpus": []}"#),
    )
    .await;
    let q = OfferQuery {
        gpu_count: Some(8),
        ..Default::default()
    };
    let offers = offers_from(&server, &q).await.unwrap();
    let o = &offers[0];
    assert_eq!(o.gpu_count, 8);
    assert!((o.price_per_hour_usd - (21.52 + 50.0 * 0.10 / 730.0)).abs() < 1e-9);
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs
        .iter()
        .all(|r| r.url.query().unwrap_or("").contains("count=8")));
}

#[tokio::test]
async fn errors_keep_the_problem_detail() {
    let server = serve_clouds(
        (401, include_str!("fixtures/error-401.json")),
        (401, include_str!("fixtures/error-401.json")),
    )
    .await;
    let e = offers_from(&server, &OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(
        e.message.contains("API key is missing or invalid"),
        "{}",
        e.message
    );

    let server = serve_clouds(
        (429, include_str!("fixtures/error-429.json")),
        (200, include_str!("fixtures/gpus-community.json")),
    )
    .await;
    let e = offers_from(&server, &OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);

    let server = serve_clouds((500, "oops"), (500, "oops")).await;
    let e = offers_from(&server, &OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable);
    assert!(e.message.contains("oops"), "{}", e.message);

    let server = serve_clouds((200, r#"{"gpus": [{"id": 7}]}"#), (200, r#"{"gpus": []}"#)).await;
    let e = offers_from(&server, &OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
    assert!(e.message.contains("at `id`"), "{}", e.message);
}

#[tokio::test]
async fn spot_only_asks_nothing() {
    let server = serve_clouds((200, r#"{"gpus": []}"#), (200, r#"{"gpus": []}"#)).await;
    let q = OfferQuery {
        spot: Some(true),
        ..Default::default()
    };
    assert!(offers_from(&server, &q).await.unwrap().is_empty());
    assert!(server.received_requests().await.unwrap().is_empty());
}

mod launch {
    use wiremock::matchers::{body_partial_json, header, method, path};
    use wiremock::{Mock, ResponseTemplate};

    use super::super::*;
    use crate::testkit::{self, TEST_KEY};

    fn request() -> LaunchRequest {
        LaunchRequest {
            offer: "secure:1xNVIDIA_H100_80GB_HBM3@US-KS-2".into(),
            region: Some("US-KS-2".into()),
            name: "gpu-3f2a9c1b".into(),
            ssh_public_key: Some("ssh-ed25519 AAAAtest me@host".into()),
            ssh_key_name: None,
            image: None,
            disk_gb: Some(50),
            max_price_per_hour: Some(2.69),
            offer_spot: false,
            owner: Some("a1b2c3d4".into()),
            deadline: Some(1_764_633_600),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn create_sends_the_documented_body() {
        let server = testkit::server().await;
        Mock::given(method("POST"))
            .and(path(PODS))
            .and(header(
                "authorization",
                format!("Bearer {TEST_KEY}").as_str(),
            ))
            .and(body_partial_json(serde_json::json!({
                "name": "gpu-3f2a9c1b.oa1b2c3d4.d1764633600",
                "gpu": {"id": "NVIDIA H100 80GB HBM3", "count": 1},
                "cloud": "SECURE",
                "dataCenterIds": ["US-KS-2"],
                "ports": ["22/tcp"],
                "disk": 50,
                "env": {"PUBLIC_KEY": "ssh-ed25519 AAAAtest me@host"}
            })))
            .respond_with(
                ResponseTemplate::new(201).set_body_string(include_str!("fixtures/pod.json")),
            )
            .expect(1)
            .mount(&server)
            .await;
        let p = build(testkit::context(&server, Some(TEST_KEY))).unwrap();
        let i = p.launch(&request()).await.unwrap();
        assert_eq!(i.id, "xedezhzb9la3ye");
        assert_eq!(i.state, State::Running);
        let ssh = i.ssh.unwrap();
        assert_eq!(
            (ssh.host.as_str(), ssh.port, ssh.user.as_str()),
            ("203.0.113.41", 22017, "root")
        );
        assert_eq!(i.price_per_hour_usd, Some(2.69));
        let plan = p.launch_plan(&request()).unwrap();
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].method, "POST");
    }

    #[tokio::test]
    async fn capacity_balance_and_server_errors() {
        for (status, body, kind) in [
            (
                400,
                include_str!("fixtures/error-400-capacity.json"),
                ErrorKind::NoCapacity,
            ),
            (
                402,
                include_str!("fixtures/error-402.json"),
                ErrorKind::Invalid,
            ),
            (
                401,
                include_str!("fixtures/error-401.json"),
                ErrorKind::Auth,
            ),
            // "Your account cannot access the requested pool": the next candidate may do.
            (
                403,
                r#"{"title":"Forbidden","status":403,"detail":"Your account cannot access the requested pool."}"#,
                ErrorKind::NoCapacity,
            ),
            // A key that may not create pods: still a key problem.
            (
                403,
                r#"{"title":"Forbidden","status":403,"detail":"this API key is read-only"}"#,
                ErrorKind::Auth,
            ),
            (500, "{}", ErrorKind::Unavailable),
        ] {
            let server = testkit::server().await;
            Mock::given(method("POST"))
                .and(path(PODS))
                .respond_with(ResponseTemplate::new(status).set_body_string(body))
                .mount(&server)
                .await;
            let p = build(testkit::context(&server, Some(TEST_KEY))).unwrap();
            let e = p.launch(&request()).await.unwrap_err();
            assert_eq!(e.kind, kind, "{status}: {}", e.message);
            // A create is never repeated on a 5xx: it may have happened.
            assert_eq!(
                server.received_requests().await.unwrap().len(),
                1,
                "{status}"
            );
        }
    }

    #[tokio::test]
    async fn list_get_and_delete() {
        let server = testkit::server().await;
        let pod = include_str!("fixtures/pod.json");
        Mock::given(method("GET"))
            .and(path(PODS))
            .respond_with(
                ResponseTemplate::new(200).set_body_string(format!(r#"{{"pods": [{pod}]}}"#)),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v2/pods/gone"))
            .respond_with(ResponseTemplate::new(404).set_body_string(
                r#"{"title": "Not Found", "status": 404, "detail": "pod not found"}"#,
            ))
            .mount(&server)
            .await;
        Mock::given(method("DELETE"))
            .and(path("/v2/pods/xedezhzb9la3ye"))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("DELETE"))
            .and(path("/v2/pods/gone"))
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
        let p = build(testkit::context(&server, Some(TEST_KEY))).unwrap();
        let list = p.instances().await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].gpu.as_deref(), Some("H100"));
        assert_eq!(list[0].region.as_deref(), Some("US-KS-2"));
        assert!(p.instance("gone").await.unwrap().is_none());
        p.terminate("xedezhzb9la3ye").await.unwrap();
        p.terminate("gone").await.unwrap();
    }

    #[tokio::test]
    async fn a_list_with_more_pages_is_not_taken_as_complete() {
        let server = testkit::server().await;
        let pod = include_str!("fixtures/pod.json");
        Mock::given(method("GET"))
            .and(path(PODS))
            .respond_with(ResponseTemplate::new(200).set_body_string(format!(
                r#"{{"pods": [{pod}], "pagination": {{"nextCursor": "c2", "hasNextPage": true}}}}"#
            )))
            .mount(&server)
            .await;
        let p = build(testkit::context(&server, Some(TEST_KEY))).unwrap();
        let err = p.instances().await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unsupported);
        assert!(err.message.contains("in pages"), "{err}");
    }

    #[test]
    fn running_without_a_direct_endpoint_is_still_coming_up() {
        // As recorded live moments after a create: RUNNING, `direct` null, only the proxy.
        let early: api::Pod = serde_json::from_str(
            r#"{"id": "5xpma5eg46tqjq", "name": "gpu-x", "status": "RUNNING", "cost": 0.72,
                "runtime": null, "dataCenterId": "EU-RO-1",
                "gpu": {"id": "NVIDIA RTX PRO 4500 Blackwell"},
                "ssh": {"direct": null, "proxy": {"host": "ssh.runpod.io", "port": 22,
                        "username": "5xpma5eg46tqjq-64411c4e", "command": "ssh 5xpma5eg46tqjq-64411c4e@ssh.runpod.io"}}}"#,
        )
        .unwrap();
        let i = to_instance(early);
        assert_eq!(i.state, State::Provisioning);
        assert!(
            i.ssh.is_none(),
            "the proxy is no endpoint for scp or gpu run"
        );
        assert_eq!(i.gpu_count, Some(1), "gpu.count defaults to 1");
        let later: api::Pod = serde_json::from_str(include_str!("fixtures/pod.json")).unwrap();
        let i = to_instance(later);
        assert_eq!(i.state, State::Running);
        assert_eq!(i.ssh.unwrap().port, 22017);
    }

    #[test]
    fn validation_errors_keep_their_list() {
        let e = error_from(
            422,
            br#"{"detail":"Request validation failed.","errors":["$.gpu.count: must be >= 1"],"status":422,"title":"Unprocessable Entity"}"#,
        );
        assert!(
            e.message
                .contains("Request validation failed. ($.gpu.count: must be >= 1)"),
            "{e}"
        );
    }

    #[test]
    fn offer_ids_round_trip() {
        let o = parse_offer("community:8xNVIDIA_A100-SXM4-80GB").unwrap();
        assert_eq!(
            (o.cloud, o.count, o.gpu_id.as_str(), o.data_center),
            ("COMMUNITY", 8, "NVIDIA A100-SXM4-80GB", None)
        );
        assert!(parse_offer("spot:1xX").is_err());
        assert!(parse_offer("secure:NVIDIA").is_err());
    }
}

/// RunPod sells MIG slices beside whole cards: a slice carries its own memory and share of
/// the card, answers only a filter that asks for slices, and the RTX PRO 5000 it lists can be
/// asked for by name.
#[tokio::test]
async fn a_mig_slice_is_its_own_offer_and_every_listed_card_has_a_name() {
    let server = serve_clouds(
        (200, include_str!("fixtures/gpus-blackwell.json")),
        (200, r#"{"gpus": []}"#),
    )
    .await;
    let mut offers = offers_from(&server, &OfferQuery::default()).await.unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    for o in &mut offers {
        o.locate();
    }
    let slice = offers
        .iter()
        .find(|o| o.instance_type.contains("MIG 1g"))
        .unwrap();
    let half = offers
        .iter()
        .find(|o| o.instance_type.contains("MIG 2g"))
        .unwrap();
    assert_eq!(half.gpu_fraction, Some(0.5));
    assert_eq!(slice.gpu, "RTX PRO 6000");
    assert_eq!(slice.gpu_variant.as_deref(), Some("MIG 1g.24gb"));
    assert_eq!(slice.gpu_memory_gb, Some(24.0));
    assert_eq!(slice.gpu_fraction, Some(0.25));
    assert_eq!(slice.gpu_label(), "RTX PRO 6000 MIG 1g.24gb 24GB");
    let whole = offers
        .iter()
        .find(|o| o.gpu == "RTX PRO 6000" && o.gpu_fraction.is_none())
        .unwrap();
    assert_eq!(whole.gpu_memory_gb, Some(96.0));
    let matching = |f: &str| -> Vec<&str> {
        let f = crate::gpu::GpuFilter::parse(f);
        offers
            .iter()
            .filter(|o| f.matches(&o.gpu, o.gpu_variant.as_deref(), o.gpu_memory_gb))
            .map(|o| o.instance_type.as_str())
            .collect()
    };
    assert_eq!(matching("rtx-pro-6000"), [whole.instance_type.as_str()]);
    assert_eq!(
        matching("rtx-pro-6000:mig"),
        [slice.instance_type.as_str(), half.instance_type.as_str()]
    );
    let pro5000 = matching("RTX PRO 5000");
    assert_eq!(pro5000.len(), 1, "{offers:#?}");
    assert!(crate::gpu::GpuFilter::parse("RTX PRO 5000").known);
}

/// The example answer of RunPod's own document (`contracts/runpod`) is read as offers.
#[test]
fn the_documents_example_answer_is_read() {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../contracts/runpod/openapi.json")).unwrap();
    let example = &doc["paths"]["/v2/catalog/gpus"]["get"]["responses"]["200"]["content"]
        ["application/json"]["examples"]["gpus"]["value"];
    let offers = parse_offers(example.to_string().as_bytes()).unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    assert!(
        // The GPU's 0.44 with the disk RunPod bills beside it.
        offers.iter().any(|o| o.gpu == "RTX 4090"
            && (o.price_per_hour_usd - o.storage_price_per_hour_usd.unwrap_or(0.0) - 0.44).abs()
                < 1e-5),
        "{offers:#?}"
    );
}
