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

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const GPU: &str = env!("CARGO_BIN_EXE_gpu");
fn providers() -> Vec<&'static str> {
    gpu_providers::REGISTRY.iter().map(|e| e.id).collect()
}

struct Run {
    wall: Duration,
    max_rss_kb: i64,
    code: i32,
}

/// Run the binary once and measure it, including its peak memory (from wait4).
#[allow(clippy::zombie_processes)] // reaped by wait4 below, which also reports its rusage
fn run(home: &Path, env: &[(String, String)], args: &[&str]) -> Run {
    let started = Instant::now();
    let child = Command::new(GPU)
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("NO_COLOR", "1")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child; the pointers outlive the call.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert!(pid > 0, "wait4 failed");
    Run {
        wall: started.elapsed(),
        max_rss_kb: usage.ru_maxrss,
        code: if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -1
        },
    }
}

fn median(home: &Path, env: &[(String, String)], args: &[&str], n: usize) -> Run {
    let mut runs: Vec<Run> = (0..n).map(|_| run(home, env, args)).collect();
    runs.sort_by_key(|r| r.wall);
    runs.swap_remove(n / 2)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn row(name: &str, r: &Run, limit: &str) {
    println!(
        "{name:<66} {:>9.1} ms {:>8.1} MB  exit {}  (target {limit})",
        ms(r.wall),
        r.max_rss_kb as f64 / 1024.0,
        r.code
    );
}

async fn fake(body: String, delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(body, "application/json")
                .set_delay(delay),
        )
        .mount(&server)
        .await;
    server
}

fn vast_offers(n: usize) -> String {
    let names = [
        "H100 SXM",
        "H100 PCIE",
        "RTX 4090",
        "A100 SXM4",
        "L40S",
        "RTX 3090",
        "H200",
        "RTX 5090",
    ];
    let offers: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"id": {}, "machine_id": {}, "gpu_name": "{}", "num_gpus": {}, "gpu_ram": 81559, "cpu_cores": 64,
                "cpu_cores_effective": 16.0, "cpu_ram": 257000, "disk_space": 500.0, "dph_base": 1.0, "dph_total": {:.4},
                "min_bid": 0.5, "geolocation": "Texas, US", "rentable": true, "rented": false, "verification": "verified",
                "reliability2": 0.99, "dlperf": 100.0, "inet_up": 1000.0, "inet_down": 1000.0}}"#,
                20_000_000 + i,
                30_000 + i / 4,
                names[i % names.len()],
                1 << (i % 4),
                0.2 + (i % 997) as f64 * 0.013
            )
        })
        .collect();
    format!(r#"{{"offers": [{}]}}"#, offers.join(","))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let home = tempfile::tempdir().unwrap();
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", l.local_addr().unwrap().port())
    };
    let base = |overrides: &[(&str, String)]| -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = providers()
            .iter()
            .map(|p| {
                let url = overrides
                    .iter()
                    .find(|(id, _)| id == p)
                    .map_or(dead.clone(), |(_, u)| u.clone());
                (format!("GPU_{}_BASE_URL", p.to_uppercase()), url)
            })
            .collect();
        env.push(("GPU_TEST_NO_RETRY_DELAY".into(), "1".into()));
        env
    };
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model()
    );
    println!("{:<66} {:>12} {:>11}", "", "median", "peak RSS");

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
            &["--config", bare, "find", "--provider", "vast"],
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

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}
