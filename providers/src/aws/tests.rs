use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Match, Mock, MockServer, ResponseTemplate};

use super::*;
use crate::testkit::{self, TEST_KEY};

const ACCESS_KEY_ID: &str = "AKIDTESTEXAMPLE0001";

/// A signed request for this region and service, as AWS routes and checks it.
struct Signed {
    region: &'static str,
    service: &'static str,
}

impl Match for Signed {
    fn matches(&self, r: &wiremock::Request) -> bool {
        let auth = r
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let header = |name: &str| {
            r.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        // Sign again what arrived (host, query, body and the headers named signed, as received)
        // with the test secret: the signature matches only if what was signed was what was sent.
        let signed_names = auth
            .split("SignedHeaders=")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .unwrap_or_default();
        let extra: Vec<(&'static str, String)> = ["content-type", "x-amz-target"]
            .into_iter()
            .filter(|n| signed_names.split(';').any(|s| s == *n))
            .map(|n| (n, header(n)))
            .collect();
        let creds = sigv4::Credentials {
            access_key_id: ACCESS_KEY_ID.into(),
            secret: Secret::new(TEST_KEY),
            session_token: None,
        };
        let host = header("host");
        let amz_date = header("x-amz-date");
        let expected = sigv4::sign(
            &creds,
            &sigv4::ToSign {
                method: r.method.as_str(),
                host: &host,
                path: r.url.path(),
                query: r.url.query().unwrap_or_default(),
                headers: &extra,
                body: &r.body,
                region: self.region,
                service: self.service,
                amz_date: &amz_date,
            },
        );
        let verified = expected
            .iter()
            .any(|(k, v)| *k == "authorization" && v == auth);
        verified
            && auth.starts_with(&format!("AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/"))
            && auth.contains(&format!("/{}/{}/aws4_request, ", self.region, self.service))
            && auth.contains("SignedHeaders=")
            && auth.contains("host;x-amz-date")
    }
}

/// A `GetProducts` call for `region`, on the page named by `token` (`None`: the first).
struct Products {
    region: &'static str,
    token: Option<&'static str>,
    /// The gp3 storage query rather than the instances'.
    storage: bool,
}

impl Match for Products {
    fn matches(&self, r: &wiremock::Request) -> bool {
        let Ok(body) = serde_json::from_slice::<serde_json::Value>(&r.body) else {
            return false;
        };
        let region_filter = body["Filters"].as_array().is_some_and(|f| {
            f.iter()
                .any(|f| f["Field"] == "regionCode" && f["Value"] == self.region)
        });
        let storage = body["Filters"].as_array().is_some_and(|f| {
            f.iter()
                .any(|f| f["Field"] == "productFamily" && f["Value"] == "Storage")
        });
        body["ServiceCode"] == "AmazonEC2"
            && region_filter
            && storage == self.storage
            && body.get("NextToken").and_then(|t| t.as_str()) == self.token
    }
}

async fn products(
    server: &MockServer,
    region: &'static str,
    token: Option<&'static str>,
    resp: ResponseTemplate,
) {
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header("x-amz-target", GET_PRODUCTS))
        .and(header("content-type", "application/x-amz-json-1.1"))
        .and(Signed {
            region: PRICING_REGION,
            service: "pricing",
        })
        .and(Products {
            region,
            token,
            storage: false,
        })
        .respond_with(resp)
        .mount(server)
        .await;
}

/// The gp3 storage price of `region`.
async fn storage(server: &MockServer, region: &'static str, resp: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header("x-amz-target", GET_PRODUCTS))
        .and(Signed {
            region: PRICING_REGION,
            service: "pricing",
        })
        .and(Products {
            region,
            token: None,
            storage: true,
        })
        .respond_with(resp)
        .mount(server)
        .await;
}

/// The root volume `gpu up` gives an instance: 100 GB of gp3 at $0.08 per GB-month.
const ROOT_VOLUME: f64 = 100.0 * 0.08 / 730.0;

async fn spot(server: &MockServer, region: &'static str, resp: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/"))
        .and(query_param("Action", "DescribeSpotPriceHistory"))
        .and(query_param("Version", EC2_VERSION))
        .and(query_param("ProductDescription.1", "Linux/UNIX"))
        .and(Signed {
            region,
            service: "ec2",
        })
        .respond_with(resp)
        .mount(server)
        .await;
}

fn ok(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(body)
}

fn context(server: &MockServer, regions: &[&str]) -> ProviderContext {
    let mut ctx = testkit::context(server, Some(TEST_KEY));
    ctx.settings
        .insert("access_key_id".into(), ACCESS_KEY_ID.into());
    ctx.settings.insert(
        "regions".into(),
        toml::Value::Array(regions.iter().map(|r| toml::Value::from(*r)).collect()),
    );
    ctx
}

async fn us_east_1_prices(server: &MockServer) {
    products(
        server,
        "us-east-1",
        None,
        ok(include_str!("fixtures/products-page-1.json")),
    )
    .await;
    products(
        server,
        "us-east-1",
        Some("tok-2:AAAAAQ=="),
        ok(include_str!("fixtures/products-page-2.json")),
    )
    .await;
    storage(
        server,
        "us-east-1",
        ok(include_str!("fixtures/storage-gp3-us-east-1.json")),
    )
    .await;
}

async fn us_east_1_prices_and_spot(server: &MockServer) {
    us_east_1_prices(server).await;
    spot(
        server,
        "us-east-1",
        ok(include_str!("fixtures/spot-us-east-1.xml")),
    )
    .await;
}

async fn ask(
    server: &MockServer,
    regions: &[&str],
    q: &OfferQuery,
) -> Result<Vec<Offer>, ProviderError> {
    build(context(server, regions)).unwrap().offers(q).await
}

fn find<'a>(offers: &'a [Offer], id: &str) -> &'a Offer {
    offers
        .iter()
        .find(|o| o.offer_id == id)
        .unwrap_or_else(|| panic!("no {id} in {offers:#?}"))
}

#[tokio::test]
async fn on_demand_and_spot_prices_across_pages() {
    let server = testkit::server().await;
    us_east_1_prices_and_spot(&server).await;
    let offers = ask(&server, &["us-east-1"], &OfferQuery::default())
        .await
        .unwrap();
    testkit::assert_offers_well_formed(ID, &offers);
    testkit::assert_located(&offers);

    let p5 = find(&offers, "aws:p5.48xlarge@us-east-1");
    assert_eq!(
        (
            p5.gpu.as_str(),
            p5.gpu_count,
            p5.vcpus,
            p5.memory_gb,
            p5.spot
        ),
        ("H100", 8, Some(192), Some(2048.0), false)
    );
    // The instance and the gp3 root volume it is launched with.
    assert!((p5.price_per_hour_usd - (55.04 + ROOT_VOLUME)).abs() < 1e-9);
    assert!((p5.price_per_gpu_hour_usd - (55.04 + ROOT_VOLUME) / 8.0).abs() < 1e-9);
    assert_eq!(p5.storage_price_per_hour_usd, Some(0.010959));
    assert_eq!(p5.disk_gb, Some(100.0));
    // Page 2 was read; its fractional-GPU g6f and its unreadable entry were skipped.
    let p4d = find(&offers, "aws:p4d.24xlarge@us-east-1");
    assert_eq!((p4d.gpu.as_str(), p4d.gpu_memory_gb), ("A100", Some(40.0)));
    assert!(offers.iter().all(|o| !o.instance_type.starts_with("g6f")));
    // AMD g4ad is not a GPU this table names: no offer, on-demand or spot.
    assert!(offers.iter().all(|o| !o.instance_type.starts_with("g4ad")));

    // Spot: the newest price per zone, one offer per zone.
    let spot_1a = find(&offers, "aws:p5.48xlarge@us-east-1a:spot");
    assert!(spot_1a.spot);
    assert!(
        (spot_1a.price_per_hour_usd - (29.875 + ROOT_VOLUME)).abs() < 1e-9,
        "{spot_1a:?}"
    );
    assert_eq!(
        spot_1a.vcpus,
        Some(192),
        "spot offers carry the price-list shape"
    );
    find(&offers, "aws:p5.48xlarge@us-east-1b:spot");
    let g6e = find(&offers, "aws:g6e.xlarge@us-east-1c:spot");
    assert_eq!(g6e.gpu, "L40S");
    assert_eq!(offers.len(), 3 + 3, "{offers:#?}");

    let requests = server.received_requests().await.unwrap();
    testkit::assert_key_not_in_urls(&requests);
    for r in &requests {
        let headers = format!("{:?}", r.headers);
        assert!(!headers.contains(TEST_KEY), "the secret key was sent");
        assert!(!String::from_utf8_lossy(&r.body).contains(TEST_KEY));
    }
    // The spot query asked for exactly the GPU types the price list named.
    let spot_query = requests
        .iter()
        .find(|r| r.method.as_str() == "GET")
        .map(|r| r.url.query().unwrap_or_default().to_string())
        .unwrap();
    assert!(
        spot_query.contains("InstanceType.1=g6e.xlarge"),
        "{spot_query}"
    );
    assert!(
        spot_query.contains("InstanceType.2=p4d.24xlarge"),
        "{spot_query}"
    );
    assert!(
        spot_query.contains("InstanceType.3=p5.48xlarge"),
        "{spot_query}"
    );
}

#[tokio::test]
async fn on_demand_only_skips_ec2() {
    let server = testkit::server().await;
    us_east_1_prices(&server).await;
    let q = OfferQuery {
        spot: Some(false),
        ..Default::default()
    };
    let offers = ask(&server, &["us-east-1"], &q).await.unwrap();
    assert_eq!(offers.len(), 3);
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.method.as_str() == "POST"));
}

#[tokio::test]
async fn refused_spot_prices_keep_on_demand_offers() {
    let server = testkit::server().await;
    us_east_1_prices(&server).await;
    spot(
        &server,
        "us-east-1",
        ResponseTemplate::new(403).set_body_string(include_str!("fixtures/ec2-unauthorized.xml")),
    )
    .await;
    let aws = build(context(&server, &["us-east-1"])).unwrap();
    let offers = aws.offers(&OfferQuery::default()).await.unwrap();
    assert_eq!(offers.len(), 3);
    assert!(offers.iter().all(|o| !o.spot));
    let gaps = aws.gaps();
    assert!(
        gaps.len() == 1 && gaps[0].starts_with("us-east-1 spot prices: "),
        "{gaps:?}"
    );
    // Asked for spot only, the refusal is the answer, in AWS's words.
    let q = OfferQuery {
        spot: Some(true),
        ..Default::default()
    };
    let err = aws.offers(&q).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(err.message.contains("UnauthorizedOperation"), "{err}");
}

#[tokio::test]
async fn bad_credentials_are_an_auth_error() {
    let server = testkit::server().await;
    products(
        &server,
        "us-east-1",
        None,
        ResponseTemplate::new(400)
            .set_body_string(include_str!("fixtures/pricing-bad-credentials.json")),
    )
    .await;
    let err = ask(&server, &["us-east-1"], &OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(err.message.contains("UnrecognizedClientException"), "{err}");
    assert!(!err.to_string().contains(TEST_KEY));
}

#[tokio::test]
async fn a_throttled_region_does_not_hide_the_others() {
    let server = testkit::server().await;
    us_east_1_prices_and_spot(&server).await;
    products(
        &server,
        "us-west-2",
        None,
        ResponseTemplate::new(400).set_body_string(include_str!("fixtures/pricing-throttled.json")),
    )
    .await;
    let aws = build(context(&server, &["us-east-1", "us-west-2"])).unwrap();
    let offers = aws.offers(&OfferQuery::default()).await.unwrap();
    assert!(!offers.is_empty());
    assert!(offers.iter().all(|o| o.region.starts_with("us-east-1")));
    // ...and the caller hears which region is missing, and why.
    let gaps = aws.gaps();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(
        gaps[0].starts_with("us-west-2: ") && gaps[0].contains("ThrottlingException"),
        "{gaps:?}"
    );

    // Alone, the throttled region is a rate-limit error.
    let err = ask(&server, &["us-west-2"], &OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::RateLimited, "{err}");
}

#[tokio::test]
async fn each_region_is_asked_with_its_own_signature() {
    let server = testkit::server().await;
    us_east_1_prices_and_spot(&server).await;
    products(
        &server,
        "us-west-2",
        None,
        ok(include_str!("fixtures/products-us-west-2.json")),
    )
    .await;
    // us-west-2's EC2 answers nothing for this type: no spot offer there, no error.
    spot(
        &server,
        "us-west-2",
        ok(r#"<DescribeSpotPriceHistoryResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>x</requestId><spotPriceHistorySet/><nextToken/></DescribeSpotPriceHistoryResponse>"#),
    )
    .await;
    let offers = ask(&server, &["us-east-1", "us-west-2"], &OfferQuery::default())
        .await
        .unwrap();
    find(&offers, "aws:g6e.xlarge@us-west-2");
    testkit::assert_located(&offers);
    assert!(!offers
        .iter()
        .any(|o| o.region.starts_with("us-west-2") && o.spot));
}

#[tokio::test]
async fn server_errors_and_garbage_are_reported() {
    let server = testkit::server().await;
    products(&server, "us-east-1", None, ResponseTemplate::new(503)).await;
    products(&server, "eu-west-1", None, ok("<html>gateway</html>")).await;
    products(
        &server,
        "ap-south-1",
        None,
        ok(r#"{"FormatVersion":"aws_v1","PriceList":["{","["]}"#),
    )
    .await;
    let run = |region: &'static str| {
        let ctx = context(&server, &[region]);
        async move {
            build(ctx)
                .unwrap()
                .offers(&OfferQuery::default())
                .await
                .unwrap_err()
        }
    };
    assert_eq!(run("us-east-1").await.kind, ErrorKind::Unavailable);
    let html = run("eu-west-1").await;
    assert_eq!(html.kind, ErrorKind::BadResponse);
    assert!(html.message.contains("HTML"), "{html}");
    assert_eq!(run("ap-south-1").await.kind, ErrorKind::BadResponse);
}

#[tokio::test]
async fn malformed_spot_xml_is_a_bad_response() {
    let server = testkit::server().await;
    us_east_1_prices(&server).await;
    spot(
        &server,
        "us-east-1",
        ok("<DescribeSpotPriceHistoryResponse><spotPriceHistorySet><item>"),
    )
    .await;
    let q = OfferQuery {
        spot: Some(true),
        ..Default::default()
    };
    let err = ask(&server, &["us-east-1"], &q).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadResponse, "{err}");
}

#[tokio::test]
async fn a_sold_out_region_has_no_offers() {
    let server = testkit::server().await;
    products(
        &server,
        "us-east-1",
        None,
        ok(r#"{"FormatVersion":"aws_v1","PriceList":[]}"#),
    )
    .await;
    let offers = ask(&server, &["us-east-1"], &OfferQuery::default())
        .await
        .unwrap();
    assert!(offers.is_empty());
    // Nothing to ask EC2 about (the price list alone was asked: instances and gp3).
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.method.as_str() == "POST"));
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let server = testkit::server().await;
    products(
        &server,
        "us-east-1",
        None,
        ok(include_str!("fixtures/products-page-1.json"))
            .set_delay(std::time::Duration::from_secs(5)),
    )
    .await;
    let err = ask(&server, &["us-east-1"], &OfferQuery::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unavailable, "{err}");
}

#[test]
fn credentials_and_regions_are_checked_at_build() {
    let server_uri = "http://127.0.0.1:9".to_string();
    let ctx = |settings: toml::Table, key: Option<&str>| ProviderContext {
        api_key: key.map(Secret::new),
        base_url: server_uri.clone(),
        http: testkit::http(),
        settings,
    };
    let no_id = build(ctx(toml::Table::new(), Some(TEST_KEY)))
        .err()
        .unwrap();
    assert_eq!(no_id.kind, ErrorKind::NotConfigured);
    assert!(no_id.message.contains("AWS_ACCESS_KEY_ID"), "{no_id}");

    let mut t = toml::Table::new();
    t.insert("access_key_id".into(), ACCESS_KEY_ID.into());
    t.insert("regions".into(), "us-east-1".into());
    let bad = build(ctx(t.clone(), Some(TEST_KEY))).err().unwrap();
    assert_eq!(bad.kind, ErrorKind::Invalid);
    t.insert("regions".into(), toml::Value::Array(vec!["US East".into()]));
    assert!(build(ctx(t, Some(TEST_KEY))).is_err());
}

#[test]
fn families_name_the_right_gpus() {
    assert_eq!(gpu_of("p5.48xlarge"), Some("H100 SXM 80GB"));
    assert_eq!(gpu_of("p5en.48xlarge"), Some("H200 SXM 141GB"));
    assert_eq!(gpu_of("p4de.24xlarge"), Some("A100 SXM 80GB"));
    assert_eq!(gpu_of("g6e.12xlarge"), Some("L40S"));
    assert_eq!(gpu_of("g6.xlarge"), Some("L4"));
    assert_eq!(gpu_of("g6f.large"), None, "fractional GPUs are not offers");
    assert_eq!(gpu_of("m7i.large"), None);
    for (_, name) in FAMILIES {
        assert!(canonical(name).known, "{name} is not a GPU the tool knows");
    }
}

#[test]
fn spot_xml_is_read_field_by_field() {
    let page = api::parse_spot(include_bytes!("fixtures/spot-us-east-1.xml")).unwrap();
    assert_eq!(page.prices.len(), 5);
    assert_eq!(page.next_token, None);
    assert_eq!(
        page.prices[3],
        api::SpotPrice {
            instance_type: "g6e.xlarge".into(),
            zone: "us-east-1c".into(),
            price: "0.731300".into(),
            timestamp: "2026-11-25T08:01:37.000Z".into(),
        }
    );
    let paged = api::parse_spot(b"<DescribeSpotPriceHistoryResponse><spotPriceHistorySet/><nextToken>abc&amp;d</nextToken></DescribeSpotPriceHistoryResponse>").unwrap();
    assert_eq!(paged.next_token.as_deref(), Some("abc&d"));
    assert!(api::parse_spot(b"").is_err());
    assert!(api::parse_spot(b"<Response><Errors/></Response>").is_err());
    assert_eq!(
        api::parse_ec2_error(include_bytes!("fixtures/ec2-unauthorized.xml"))
            .map(|(c, _)| c)
            .as_deref(),
        Some("UnauthorizedOperation")
    );
}

/// `DescribeInstances`, answered in EC2's XML for one region: each instance is read field by
/// field, and one without an `instanceId` (nothing to release it by) fails the list rather
/// than leave it short.
#[tokio::test]
async fn an_instance_without_an_id_fails_the_list_and_the_rest_are_read_whole() {
    let item = |id: &str, name: &str| {
        format!(
            "<item>{id}<instanceState><code>16</code><name>running</name></instanceState>\
             <instanceType>p5.48xlarge</instanceType><ipAddress>198.51.100.4</ipAddress>\
             <tagSet><item><key>Name</key><value>{name}</value></item></tagSet></item>"
        )
    };
    let answer = |items: &[String]| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
<requestId>8f7724cf-496f-496e-8fe3-example</requestId>
<reservationSet><item><reservationId>r-1234567890abcdef0</reservationId><ownerId>123456789012</ownerId>
<instancesSet>{}</instancesSet></item></reservationSet></DescribeInstancesResponse>"#,
            items.concat()
        )
    };
    let whole = answer(&[
        item("<instanceId>i-0aa</instanceId>", "gpu-a"),
        item("<instanceId>i-0bb</instanceId>", "gpu-b"),
    ]);
    let short = answer(&[
        item("<instanceId>i-0aa</instanceId>", "gpu-a"),
        item("", "gpu-b"),
    ]);
    for (body, complete) in [(whole, true), (short, false)] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(Signed {
                region: "us-east-1",
                service: "ec2",
            })
            .respond_with(ok(&body))
            .mount(&server)
            .await;
        let aws = build(context(&server, &["us-east-1"])).unwrap();
        let listed = aws.instances().await;
        if complete {
            let ids: Vec<String> = listed.unwrap().into_iter().map(|i| i.id).collect();
            assert_eq!(ids, ["i-0aa@us-east-1", "i-0bb@us-east-1"]);
        } else {
            let e = listed.unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadResponse);
            assert!(
                e.message.contains("without an `instanceId`"),
                "{}",
                e.message
            );
        }
    }
}
