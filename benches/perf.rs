//! `cargo bench`: the performance targets of the README, measured on the whole binary against
//! local fake servers (nothing leaves 127.0.0.1). Each figure is the median of repeated runs.
//!
//! | target | limit |
//! |---|---|
//! | `gpu --help` | 10 ms |
//! | `gpu find --h100` from the catalog, or from a warm cache | 20 ms |
//! | a 10,000-offer Vast.ai answer, parsed, normalised, ranked (whole process) | 50 ms, 100 MB |
//! | six providers at once, each fake answering after 300 ms | 400 ms |
//! | one provider that never answers, `--timeout 1` | ~1 s |
#![allow(clippy::print_stdout, clippy::unwrap_used)]
// wait4 is the one way to read a child's own peak memory; nothing else here is unsafe.
#![allow(unsafe_code)]

use std::time::Duration;

mod support;
use support::*;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let home = tempfile::tempdir().unwrap();
    let dead = dead_url();
    let base = |overrides: &[(&str, String)]| base_env(&dead, overrides);
    print_machine();

    row(
        "gpu --help",
        &median(home.path(), &base(&[]), &["--help"], 31),
        "10 ms",
    );
    row(
        "gpu find --h100 --offline (catalog)",
        &median(
            home.path(),
            &base(&[]),
            &["find", "--h100", "--offline"],
            31,
        ),
        "20 ms",
    );

    // Warm the cache with one live answer per provider, then time answers from it.
    let lambda = fake(
        include_str!("../providers/src/lambda/fixtures/instance-types.json").into(),
        Duration::ZERO,
    )
    .await;
    let vast = fake(
        include_str!("../providers/src/vast/fixtures/bundles.json").into(),
        Duration::ZERO,
    )
    .await;
    let hyperbolic = fake(
        include_str!("../providers/src/hyperbolic/fixtures/rental-options.json").into(),
        Duration::ZERO,
    )
    .await;
    let mut env = base(&[
        ("lambda", lambda.uri()),
        ("vast", vast.uri()),
        ("hyperbolic", hyperbolic.uri()),
    ]);
    env.push(("LAMBDA_API_KEY".into(), "bench".into()));
    let warm = run(home.path(), &env, &["find", "--h100"]);
    assert_eq!(warm.code, 0);
    row(
        "gpu find --h100 (warm cache)",
        &median(home.path(), &env, &["find", "--h100"], 31),
        "20 ms",
    );

    let big = fake(vast_offers(10_000), Duration::ZERO).await;
    let env = base(&[("vast", big.uri())]);
    // Fetch + parse + normalise + rank + print, without writing the cache or the history.
    let bare = home.path().join("bare.toml");
    std::fs::write(&bare, "cache_ttl = 0\nhistory_days = 0\n").unwrap();
    let bare = bare.to_str().unwrap();
    row(
        "10,000 Vast offers: fetch, parse, rank, print 30 (whole process)",
        &median(
            home.path(),
            &env,
            // The table a person sees (30 rows); a pipe would get every row as TSV, measured
            // below as JSON.
            &[
                "--config",
                bare,
                "find",
                "--provider",
                "vast",
                "-o",
                "table",
            ],
            11,
        ),
        "50 ms, 100 MB",
    );
    row(
        "  the same, --json of all 10,000, cache and history written",
        &median(
            home.path(),
            &env,
            &["find", "--provider", "vast", "--json", "--refresh"],
            11,
        ),
        "-",
    );

    let slow = Duration::from_millis(300);
    let mut servers = Vec::new();
    let bodies = [
        (
            "azure",
            r#"{"Items": [], "NextPageLink": null}"#.to_string(),
        ),
        (
            "hyperbolic",
            include_str!("../providers/src/hyperbolic/fixtures/rental-options.json").to_string(),
        ),
        (
            "lambda",
            include_str!("../providers/src/lambda/fixtures/instance-types.json").to_string(),
        ),
        (
            "runpod",
            include_str!("../providers/src/runpod/fixtures/gpus-secure.json").to_string(),
        ),
        (
            "vast",
            include_str!("../providers/src/vast/fixtures/bundles.json").to_string(),
        ),
    ];
    let mut overrides = Vec::new();
    for (id, body) in bodies {
        let s = fake(body, slow).await;
        overrides.push((id, s.uri()));
        servers.push(s);
    }
    let mut env = base(&overrides);
    env.push(("LAMBDA_API_KEY".into(), "bench".into()));
    env.push(("RUNPOD_API_KEY".into(), "bench".into()));
    row(
        "gpu find, all 6 live providers answering after 300 ms",
        &median(home.path(), &env, &["find", "--refresh"], 7),
        "400 ms",
    );

    let never = fake("{}".into(), Duration::from_secs(60)).await;
    let env = base(&[("vast", never.uri())]);
    row(
        "gpu find --timeout 1, one provider never answers",
        &median(
            home.path(),
            &env,
            &["find", "--refresh", "--timeout", "1"],
            3,
        ),
        "its timeout, 1 s",
    );
}
