//! What the benchmarks share: running the release binary with a clean environment and reading
//! its peak memory, fake servers, and answers in the providers' real shapes.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const GPU: &str = env!("CARGO_BIN_EXE_gpu");
pub fn providers() -> Vec<&'static str> {
    gpu_providers::REGISTRY.iter().map(|e| e.id).collect()
}

pub struct Run {
    pub wall: Duration,
    pub max_rss_kb: i64,
    pub code: i32,
}

/// Run the binary once and measure it, including its peak memory (from wait4).
#[allow(clippy::zombie_processes)] // reaped by wait4 below, which also reports its rusage
pub fn run(home: &Path, env: &[(String, String)], args: &[&str]) -> Run {
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

pub fn median(home: &Path, env: &[(String, String)], args: &[&str], n: usize) -> Run {
    let mut runs: Vec<Run> = (0..n).map(|_| run(home, env, args)).collect();
    runs.sort_by_key(|r| r.wall);
    runs.swap_remove(n / 2)
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn row(name: &str, r: &Run, limit: &str) {
    println!(
        "{name:<66} {:>9.1} ms {:>8.1} MB  exit {}  (target {limit})",
        ms(r.wall),
        r.max_rss_kb as f64 / 1024.0,
        r.code
    );
}

pub async fn fake(body: String, delay: Duration) -> MockServer {
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

pub fn vast_offers(n: usize) -> String {
    vast_offers_from(0, n)
}

/// `n` Vast offers in the real bundle shape, ids from `first`.
pub fn vast_offers_from(first: usize, n: usize) -> String {
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
    let offers: Vec<String> = (first..first + n)
        .map(|i| {
            format!(
                r#"{{"id": {}, "machine_id": {}, "gpu_name": "{}", "num_gpus": {}, "gpu_ram": 81559, "cpu_cores": 64,
                "cpu_cores_effective": 16.0, "cpu_ram": 257000, "disk_space": 500.0, "dph_base": {price:.4}, "dph_total": {price:.4},
                "min_bid": 0.5, "geolocation": "Texas, US", "rentable": true, "rented": false, "verification": "verified",
                "reliability2": 0.99, "dlperf": 100.0, "inet_up": 1000.0, "inet_down": 1000.0}}"#,
                20_000_000 + i,
                30_000 + i / 4,
                names[i % names.len()],
                1 << (i % 4),
                price = 0.2 + (i % 997) as f64 * 0.013
            )
        })
        .collect();
    format!(r#"{{"offers": [{}]}}"#, offers.join(","))
}

pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}

/// A URL where nothing listens: every provider not under test points there.
pub fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://127.0.0.1:{}", l.local_addr().unwrap().port())
}

/// Every provider's base URL at `dead`, except those given, and no retry delays.
pub fn base_env(dead: &str, overrides: &[(&str, String)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = providers()
        .iter()
        .map(|p| {
            let url = overrides
                .iter()
                .find(|(id, _)| id == p)
                .map_or(dead.to_string(), |(_, u)| u.clone());
            (format!("GPU_{}_BASE_URL", p.to_uppercase()), url)
        })
        .collect();
    env.push(("GPU_TEST_NO_RETRY_DELAY".into(), "1".into()));
    env
}

/// The machine the figures were taken on.
pub fn print_machine() {
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model()
    );
    println!("{:<66} {:>12} {:>11}", "", "median", "peak RSS");
}
