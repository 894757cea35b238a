//! `cargo bench --bench growth`: costs as the user's data grows (issue "costs that grow with the
//! work"). Whole-process figures of the release binary, against local fakes only.
//!
//! | case | target |
//! |---|---|
//! | `find` of a 5,000-offer answer, history of 1M rows vs one answer's | within 10% |
//! | `history --h100 --days 30` on 1M and 13M rows | < 100 ms, memory flat in the rows |
//! | `watch` over 300 rounds, 10% new offer ids a round | resident memory flat from start to end |
//!
//! The history is synthesised through the tool's own writer (`gpu::history::History::record`)
//! as `find` every 5 minutes would leave it: 5,000 offers, 10% of prices changing a round.
//! `GPU_BENCH_HISTORY_ROWS` (default `1000000,13000000`) and `GPU_BENCH_WATCH_ROUNDS` (default
//! `300`) pick the sizes.
#![allow(clippy::print_stdout, clippy::unwrap_used)]
// wait4 (in support) is the one way to read a child's own peak memory.
#![allow(unsafe_code)]

mod support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use gpu::history::History;
use gpu_providers::Offer;
use support::*;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const OFFERS: usize = 5_000;
const ROUND: Duration = Duration::from_secs(300);
const RETENTION: Duration = Duration::from_secs(90 * 86_400);

/// The offers of one answer, as the binary itself normalises them.
fn live_offers(home: &Path, env: &[(String, String)]) -> Vec<Offer> {
    let out = std::process::Command::new(GPU)
        .args(["find", "--provider", "vast", "--json", "--all", "--refresh"])
        .env_clear()
        .env("HOME", home)
        .env("GPU_DATA_DIR", home.join("scratch-data"))
        .env("GPU_CACHE_DIR", home.join("scratch-cache"))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A history of about `rows` raw rows ending now: every round 10% of the offers change price
/// (a new row each); every hour the whole answer is recorded (the unchanged ones only move
/// `last_seen` and fill their day).
fn synthesise(data_dir: &Path, offers: &[Offer], rows: u64) -> (u64, Duration) {
    let started = Instant::now();
    let changing = offers.len() / 10;
    let rounds = rows.div_ceil(changing as u64);
    let now = SystemTime::now();
    let start = now - ROUND * (rounds as u32 + 2);
    let mut h = History::open(data_dir).unwrap();
    let mut current: Vec<Offer> = offers.to_vec();
    let mut written = h.record(&current, start, RETENTION).unwrap() as u64;
    for r in 1..rounds {
        let t = start + ROUND * r as u32;
        let first = (r as usize * changing) % current.len();
        let mut changed = Vec::with_capacity(changing);
        for k in 0..changing {
            let o = &mut current[(first + k) % offers.len()];
            // Up or down by a cent per GPU, never back to the same price in one step.
            let step = if r % 2 == 0 { 0.01 } else { -0.01 };
            o.price_per_gpu_hour_usd += step;
            o.price_per_hour_usd = o.price_per_gpu_hour_usd * f64::from(o.gpu_count);
            changed.push(o.clone());
        }
        let batch = if r % 12 == 0 { &current } else { &changed };
        written += h.record(batch, t, RETENTION).unwrap() as u64;
    }
    (written, started.elapsed())
}

fn db_mb(data_dir: &Path) -> f64 {
    std::fs::read_dir(data_dir)
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum::<u64>()
        })
        .unwrap_or(0) as f64
        / 1e6
}

/// Vast answers whose ids turn over by 10% a round.
struct Churning {
    round: AtomicUsize,
    offers: usize,
}

impl Respond for Churning {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let r = self.round.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(200).set_body_raw(
            vast_offers_from(r * self.offers / 10, self.offers),
            "application/json",
        )
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let process_env = gpu::env::Env::from_process();
    let list = |name: &str, default: &str| -> Vec<u64> {
        process_env
            .get(name)
            .unwrap_or(default)
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect()
    };
    let sizes = list("GPU_BENCH_HISTORY_ROWS", "1000000,13000000");
    let watch_rounds = list("GPU_BENCH_WATCH_ROUNDS", "300");
    let dead = dead_url();
    let vast = fake(vast_offers(OFFERS), Duration::ZERO).await;
    let env = base_env(&dead, &[("vast", vast.uri())]);
    print_machine();

    let scratch = tempfile::tempdir().unwrap();
    let offers = live_offers(scratch.path(), &env);
    assert_eq!(offers.len(), OFFERS, "the fake's answer, normalised");

    // find: the same answer recorded into a history of one answer, and of 1M rows.
    let find = ["find", "--provider", "vast", "--refresh"];
    let small = tempfile::tempdir().unwrap();
    let small_env = with_dirs(&env, small.path());
    run(small.path(), &small_env, &find);

    for rows in sizes {
        let home = tempfile::tempdir().unwrap();
        let data = home.path().join("data");
        let (written, took) = synthesise(&data, &offers, rows);
        println!(
            "  history synthesised: {written} rows, {:.0} MB, in {:.1} s",
            db_mb(&data),
            took.as_secs_f64()
        );
        let env = with_dirs(&env, home.path());
        let label = format!("{}M", rows as f64 / 1e6);
        row(
            &format!("history --h100 --days 30, {label} rows"),
            &median(
                home.path(),
                &env,
                &["history", "--h100", "--days", "30"],
                11,
            ),
            "100 ms",
        );
        row(
            &format!("history --days 90 (every GPU), {label} rows"),
            &median(home.path(), &env, &["history", "--days", "90"], 5),
            "-",
        );
        // The two histories in turns, so that drift in the machine's load falls on both.
        run(home.path(), &env, &find);
        let (mut one, mut many) = (Vec::new(), Vec::new());
        for _ in 0..15 {
            one.push(run(small.path(), &small_env, &find));
            many.push(run(home.path(), &env, &find));
        }
        let (one, many) = (middle(one), middle(many));
        row(
            "find, 5,000 live offers, history of that one answer",
            &one,
            "-",
        );
        row(
            &format!("find, 5,000 live offers, history of {label} rows"),
            &many,
            "within 10% of the one-answer history",
        );
        println!(
            "  find: {:+.1}% against the one-answer history",
            (ms(many.wall) / ms(one.wall) - 1.0) * 100.0
        );
    }

    // watch: 2,000 offers a round, a tenth of them new each round.
    for rounds in watch_rounds {
        let churn = MockServer::start().await;
        Mock::given(any())
            .respond_with(Churning {
                round: AtomicUsize::new(0),
                offers: 2_000,
            })
            .mount(&churn)
            .await;
        let home = tempfile::tempdir().unwrap();
        let env = with_dirs(&base_env(&dead, &[("vast", churn.uri())]), home.path());
        let n = rounds.to_string();
        let args = [
            "watch",
            "--provider",
            "vast",
            "--interval",
            "1ms",
            "--rounds",
            &n,
        ];
        let (samples, code) = sampled(home.path(), &env, &args);
        assert_eq!(code, Some(0), "watch ran its rounds");
        let tenth = (samples.len() / 10).max(1);
        let mid = |s: &[u64]| {
            let mut v = s.to_vec();
            v.sort_unstable();
            v[v.len() / 2] as f64 / 1024.0
        };
        println!(
            "watch, {rounds:>4} rounds of 2,000 offers, 10% new ids a round: resident {:.1} MB in the first tenth of the run, {:.1} MB in the last (peak {:.1} MB; target: flat)",
            mid(&samples[..tenth]),
            mid(&samples[samples.len() - tenth..]),
            *samples.iter().max().unwrap() as f64 / 1024.0
        );
    }
}

/// Run the binary, reading its resident memory (kB) every 50 ms until it exits.
fn sampled(home: &Path, env: &[(String, String)], args: &[&str]) -> (Vec<u64>, Option<i32>) {
    let mut child = std::process::Command::new(GPU)
        .args(args)
        .env_clear()
        .env("HOME", home)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut samples = Vec::new();
    loop {
        if let Some(done) = child.try_wait().unwrap() {
            return (samples, done.code());
        }
        if let Some(kb) = std::fs::read_to_string(&status).ok().and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        }) {
            samples.push(kb);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The median run by wall time.
fn middle(mut runs: Vec<Run>) -> Run {
    runs.sort_by_key(|r| r.wall);
    let mid = runs.len() / 2;
    runs.swap_remove(mid)
}

fn with_dirs(env: &[(String, String)], home: &Path) -> Vec<(String, String)> {
    let mut env = env.to_vec();
    env.push((
        "GPU_DATA_DIR".into(),
        home.join("data").display().to_string(),
    ));
    env.push((
        "GPU_CACHE_DIR".into(),
        home.join("cache").display().to_string(),
    ));
    env
}
