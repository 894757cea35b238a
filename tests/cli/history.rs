use crate::support::{lambda_fake, GpuTest};

#[tokio::test]
async fn live_answers_become_daily_history() {
    let t0 = GpuTest::new();
    let out = t0.run(&["history", "--h100"]);
    assert_eq!(out.code, 5);
    assert!(
        out.stderr.contains("no price history yet"),
        "{}",
        out.stderr
    );

    let lambda = lambda_fake().await;
    let t = GpuTest::new()
        .fake("lambda", &lambda)
        .env("LAMBDA_API_KEY", "k")
        .env("GPU_CACHE_TTL", "0");
    t.run(&["find", "--provider", "lambda"]);
    t.run(&["find", "--provider", "lambda"]);
    // Catalog-only answers are never history.
    t.run(&["find", "--provider", "nebius"]);
    let out = t.run(&["history", "--h100", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let days = out.json();
    let days = days.as_array().unwrap();
    assert_eq!(days.len(), 1, "{days:#?}");
    assert_eq!(days[0]["provider"], "lambda");
    assert_eq!(days[0]["gpu"], "H100");
    // fixture: 8x H100 SXM in two regions at $3.99/GPU-hour, sold-out 1x H100 PCIe at $3.29
    assert_eq!(days[0]["lowest_per_gpu_hour_usd"], 3.29);
    assert_eq!(days[0]["offers"], 3);
    assert_eq!(days[0]["available_offers"], 2);

    let table = t.run(&["history", "--h100", "-o", "table"]);
    assert!(table.stdout.starts_with("GPU"), "{}", table.stdout);
    assert!(
        table.stdout.contains("lowest $/GPU-hour per day"),
        "{}",
        table.stdout
    );
    let csv = t.run(&["history", "--gpu", "gh200", "--csv"]);
    assert!(
        csv.stdout
            .starts_with("provider,day,lowest_per_gpu_hour_usd"),
        "the columns of before keep their places: {}",
        csv.stdout
    );
    assert!(
        csv.stdout.lines().next().unwrap().ends_with(",gpu"),
        "{}",
        csv.stdout
    );
    // Without a GPU filter, each family has its own rows: the A10's price is not the H100's
    // lowest.
    let all = t.run(&["history", "--json"]).json();
    let families: std::collections::BTreeSet<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["gpu"].as_str().unwrap())
        .collect();
    assert!(families.len() > 1 && families.contains("H100"), "{all:#}");
    let h100 = all
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["gpu"] == "H100")
        .unwrap();
    assert_eq!(h100["lowest_per_gpu_hour_usd"], 3.29);
    let none = t.run(&["history", "--b200"]);
    assert_eq!(none.code, 5);
}
