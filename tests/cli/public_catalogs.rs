//! `gpu catalog refresh` pulling the public catalogs (SkyPilot's CSVs, gpurentalprices.com's
//! JSON) from a fake server that serves small files in their real formats: header order
//! varying per cloud, a malformed `GpuInfo`, a truncated download, a 404, a stale provider.

use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{lambda_fake, GpuTest};

// Lambda's file: Price before Region, GpuInfo after.
const LAMBDA_CSV: &str = "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice
cpu_4x_generalx,,,4.0,16.0,0.2,europe-central-1,,
gpu_1x_h100_pcie,H100,1.0,26.0,200.0,2.49,us-west-1,\"{'Gpus': [{'Name': 'H100', 'Manufacturer': 'NVIDIA', 'Count': 1, 'MemoryInfo': {'SizeInMiB': 81920}}], 'TotalGpuMemoryInMiB': 81920}\",
";
// Hyperstack's file: another order, and `'Manufacturer': null`, which no Python literal parser
// takes.
const HYPERSTACK_CSV: &str = "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,Region,SpotPrice
n3-H100x1,H100,1.0,28.0,180.0,\"{'Gpus': [{'Name': 'H100', 'Manufacturer': null, 'Count': 1.0, 'MemoryInfo': {'SizeInMiB': 81920}}], 'TotalGpuMemoryInMiB': 81920}\",1.90,CANADA-1,
n3-A100x1,A100,1.0,28.0,120.0,{'Gpus': broken,1.35,NORWAY-1,
";
// AWS's file, cut off mid-row.
const AWS_TRUNCATED: &str = "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region,AvailabilityZone,Arch
p5.48xlarge,H100,8,192,2048,,98.32,30.1,us-east-1,us-east-1a,x86_64
p5.48xlarge,H100,8,192,2048,,98.3";

const RENTAL_PRICES: &str = r#"{
  "date": "2026-11-30",
  "generated_at": "2026-11-30T06:21:55.020Z",
  "providers": {
    "crusoe": {"ok": true, "last_verified": "2026-11-08T06:21:49.959Z", "stale": true, "source_url": "https://www.crusoe.ai/cloud/pricing"},
    "coreweave": {"ok": true, "last_verified": "2026-11-30T06:21:49.100Z", "stale": false, "source_url": "https://www.coreweave.com/pricing"}
  },
  "meta": {"provider_count": 2, "ok_count": 2, "stale_count": 1, "stale_providers": ["crusoe"]},
  "offers": [
    {"provider": "crusoe", "gpu": "h200", "vram_gb": 141, "usd_hr": 4.29, "kind": "on-demand",
     "source_url": "https://www.crusoe.ai/cloud/pricing", "fetched_at": "2026-11-08T06:21:49.959Z"},
    {"provider": "coreweave", "gpu": "h100-sxm", "vram_gb": 80, "usd_hr": 6.155, "kind": "on-demand",
     "source_url": "https://www.coreweave.com/pricing", "fetched_at": "2026-11-30T06:21:49.100Z", "min_gpus": 8}
  ]
}"#;

async fn commit(server: &MockServer, cloud: &str, date: &str) {
    Mock::given(method("GET"))
        .and(path("/commits"))
        .and(query_param("path", format!("catalogs/v8/{cloud}/vms.csv")))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([
            {"sha": "0f4070387edc953d7004cff197940e1918a1d6aa",
             "commit": {"author": {"date": date}, "committer": {"name": "GitHub", "date": date},
                        "message": "Update catalogs"}}
        ])))
        .mount(server)
        .await;
}

async fn file(server: &MockServer, route: &str, body: &str) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .mount(server)
        .await;
}

fn catalogs_test(server: &MockServer) -> GpuTest {
    GpuTest::new()
        .env("GPU_CATALOG_GPUHUNT_URL", &format!("{}/v3", server.uri()))
        .env("GPU_CATALOG_SKYPILOT_URL", &format!("{}/v8", server.uri()))
        .env(
            "GPU_CATALOG_SKYPILOT_COMMITS_URL",
            &format!("{}/commits", server.uri()),
        )
        .env(
            "GPU_CATALOG_GPURENTALPRICES_URL",
            &format!("{}/api/latest.json", server.uri()),
        )
}

#[tokio::test]
async fn refresh_pulls_public_catalogs_and_find_shows_them_with_source_and_date() {
    let server = MockServer::start().await;
    file(&server, "/v8/lambda/vms.csv", LAMBDA_CSV).await;
    file(&server, "/v8/hyperstack/vms.csv", HYPERSTACK_CSV).await;
    file(&server, "/v8/aws/vms.csv", AWS_TRUNCATED).await;
    file(&server, "/api/latest.json", RENTAL_PRICES).await;
    commit(&server, "lambda", "2026-11-30T07:12:03Z").await;
    // Hyperstack's date cannot be asked: it is dated by the download, and says so.
    let t = catalogs_test(&server);

    let out = t.run(&["catalog", "refresh"]);
    assert_eq!(
        out.code, 3,
        "the keyless live providers are unreachable here: {}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("`skypilot` catalog: 3 offers, 2 providers"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("skypilot `aws`: the download ended mid-row"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("skypilot `azure`: no such file (404)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("skypilot `hyperstack`: the date of the file is unknown"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("`gpurentalprices` catalog: 2 offers"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("the `gpurentalprices` catalog has not updated `crusoe` since 2026-11-08"),
        "{}",
        out.stderr
    );

    let t = t.env("GPU_CACHE_TTL", "0");
    let v = t.run(&["find", "--offline", "--json", "--all"]).json();
    let rows = v.as_array().unwrap();
    let find = |provider: &str| {
        rows.iter()
            .filter(|o| o["provider"] == provider)
            .cloned()
            .collect::<Vec<_>>()
    };
    let lambda: Vec<_> = find("lambda")
        .into_iter()
        .filter(|o| o["catalog_source"] == "skypilot")
        .collect();
    assert_eq!(lambda.len(), 1, "{lambda:?}");
    assert_eq!(
        lambda[0]["as_of"], "2026-11-30T07:12:03Z",
        "dated by its commit"
    );
    assert_eq!(lambda[0]["price_per_hour_usd"], 2.49);
    assert_eq!(lambda[0]["gpu_memory_gb"], 80.0);
    let hyperstack = find("hyperstack");
    assert_eq!(
        hyperstack.len(),
        2,
        "the malformed GpuInfo cell costs only the memory"
    );
    assert!(hyperstack.iter().all(|o| o["source"] == "catalog"));
    let coreweave = find("coreweave");
    assert!(
        coreweave
            .iter()
            .any(|o| o["catalog_source"] == "gpurentalprices" && o["gpu_count"] == 8),
        "{coreweave:?}"
    );
    assert!(find("crusoe")
        .iter()
        .any(|o| o["as_of"] == "2026-11-08T06:21:49.959Z"));

    // A row older than `catalog_max_age_days` (14 by default) is named, and so is the source's
    // own word that it has stopped updating the provider.
    let crusoe = t.run(&["find", "--offline", "--provider", "crusoe", "-v"]);
    assert!(
        crusoe.stderr.contains(
            "catalog prices of crusoe (2026-11-08) are older than 14 days (`catalog_max_age_days`)"
        ),
        "{}",
        crusoe.stderr
    );
    assert!(
        crusoe
            .stderr
            .contains("the `gpurentalprices` catalog has not updated `crusoe` since 2026-11-08"),
        "{}",
        crusoe.stderr
    );
    // The table names the catalog.
    let table = t.run(&[
        "find",
        "--offline",
        "--provider",
        "hyperstack",
        "--wide",
        "-o",
        "table",
    ]);
    assert!(table.stdout.contains("(skypilot)"), "{}", table.stdout);

    // Providers known only from them are listed as such.
    let providers = t.run(&["providers", "--json"]).json();
    let hs = providers
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "hyperstack")
        .expect("hyperstack listed");
    assert_eq!(hs["status"], "catalog only (skypilot)");

    // `catalog show` names each source's licence and what it has not updated.
    let show = t.run(&["catalog", "show", "-o", "table"]);
    assert!(
        show.stdout.contains("licence: CC BY 4.0"),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout.contains("not updated: crusoe since 2026-11-08"),
        "{}",
        show.stdout
    );

    let t = t.config("catalog_max_age_days = 3650\n");
    let lenient = t.run(&["find", "--offline", "--provider", "crusoe", "-v"]);
    assert!(!lenient.stderr.contains("older than"), "{}", lenient.stderr);
    assert!(
        lenient
            .stderr
            .contains("more than a week old (the oldest of 2026-11-08)"),
        "{}",
        lenient.stderr
    );
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_previous_rows() {
    let server = MockServer::start().await;
    file(&server, "/v8/lambda/vms.csv", LAMBDA_CSV).await;
    file(&server, "/api/latest.json", RENTAL_PRICES).await;
    let t = catalogs_test(&server);
    let out = t.run(&["catalog", "refresh"]);
    assert!(
        out.stderr.contains("`skypilot` catalog: 1 offer"),
        "{}",
        out.stderr
    );
    // Now every file is gone and the JSON is broken.
    server.reset().await;
    file(&server, "/api/latest.json", "{\"offers\": [").await;
    let out = t.run(&["catalog", "refresh"]);
    assert!(
        out.stderr
            .contains("`skypilot` catalog not refreshed (what it stored before is kept)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("`gpurentalprices` catalog not refreshed"),
        "{}",
        out.stderr
    );
    let v = t.run(&["find", "--offline", "--json", "--all"]).json();
    let rows = v.as_array().unwrap();
    assert!(rows.iter().any(|o| o["catalog_source"] == "skypilot"));
    assert!(rows.iter().any(|o| o["provider"] == "coreweave"));
}

#[tokio::test]
async fn a_catalog_row_never_replaces_a_live_answer() {
    let server = MockServer::start().await;
    file(&server, "/v8/lambda/vms.csv", LAMBDA_CSV).await;
    let lambda = lambda_fake().await;
    let t = catalogs_test(&server)
        .fake("lambda", &lambda)
        .env("LAMBDA_API_KEY", "k");
    let out = t.run(&["catalog", "refresh"]);
    assert!(
        out.stderr.contains("`skypilot` catalog: 1 offer"),
        "{}",
        out.stderr
    );
    let t = t.env("GPU_CACHE_TTL", "0");
    // Offline, the SkyPilot row is there to stand in ...
    let offline = t
        .run(&[
            "find",
            "--provider",
            "lambda",
            "--offline",
            "--json",
            "--all",
        ])
        .json();
    assert!(
        offline
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["catalog_source"] == "skypilot"),
        "{offline}"
    );
    // ... but a live answer is never mixed with or replaced by it.
    let v = t
        .run(&["find", "--provider", "lambda", "--json", "--all"])
        .json();
    let rows = v.as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|o| o["source"] == "live"), "{v}");
}

#[tokio::test]
async fn catalogs_can_be_turned_off() {
    let server = MockServer::start().await;
    file(&server, "/api/latest.json", RENTAL_PRICES).await;
    let t = catalogs_test(&server).config("[catalogs.skypilot]\nenabled = false\n");
    let out = t.run(&["catalog", "refresh"]);
    assert!(!out.stderr.contains("skypilot"), "{}", out.stderr);
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| !r.url.path().starts_with("/v8/")));
    let bad = catalogs_test(&server).config("[catalogs.skypilott]\nenabled = false\n");
    let out = bad.run(&["catalog", "refresh"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("no such catalog"), "{}", out.stderr);
}

fn zipped(name: &str, body: &str) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut buf);
    w.start_file(name, zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(body.as_bytes()).unwrap();
    w.finish().unwrap();
    buf.into_inner()
}

#[tokio::test]
async fn gpuhunt_catalogs_are_dated_by_their_version() {
    let server = MockServer::start().await;
    file(&server, "/v3/lambdalabs/version", "20261130-4471\n").await;
    let csv = "instance_name,location,price,cpu,memory,gpu_count,gpu_name,gpu_memory,spot,disk_size,gpu_vendor,flags,cpu_arch,provider_data\n\
               gpu_8x_b200_sxm6,us-east-3,39.92,208,2900,8,B200,180,False,22000,nvidia,,x86,{}\n";
    Mock::given(method("GET"))
        .and(path("/v3/lambdalabs/20261130-4471/catalog.zip"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(zipped("lambdalabs.csv", csv)))
        .mount(&server)
        .await;
    let t = catalogs_test(&server);
    let out = t.run(&["catalog", "refresh"]);
    assert!(
        out.stderr
            .contains("`gpuhunt` catalog: 1 offer, 1 provider"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("gpuhunt `aws`: HTTP 404"),
        "{}",
        out.stderr
    );
    let v = t
        .run(&["find", "--offline", "--gpu", "b200", "--json"])
        .json();
    let row = v
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["catalog_source"] == "gpuhunt")
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(row["provider"], "lambda");
    assert_eq!(row["as_of"], "2026-11-30");
    assert_eq!(row["as_of_estimated"], false);
    assert_eq!(row["price_per_hour_usd"], 39.92);
}
