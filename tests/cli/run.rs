//! `gpu ssh -- CMD` and `gpu run`, against the Lambda fake whose instance is a real OpenSSH
//! server on loopback: commands really run, exit codes and quoting are the shell's, and every
//! way a run can end (success, failure, a signal, `--max-time`, a failed release) is checked at
//! the fake provider (was it terminated?) and in the ledger.

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fakes::LambdaFake;
use crate::lifecycle::open_entries;
use crate::sshd::{self, ClientKey, Sshd};
use crate::support::{GpuTest, Output};

pub struct Rig {
    pub t: GpuTest,
    pub server: wiremock::MockServer,
    pub fake: LambdaFake,
    pub sshd: Sshd,
    pub key: ClientKey,
}

/// A Lambda account whose instances are the test's sshd, and a user with a real key pair.
pub async fn rig() -> Rig {
    let (server, fake) = LambdaFake::start().await;
    let t = GpuTest::new()
        .fake("lambda", &server)
        .env("LAMBDA_API_KEY", "lk-test");
    let key = sshd::client_key(t.home());
    let sshd = Sshd::start(&key);
    let t = t
        .env("GPU_TEST_SSH_PORT", &sshd.port.to_string())
        .env("GPU_TEST_SSH_USER", &sshd.user);
    Rig {
        t,
        server,
        fake,
        sshd,
        key,
    }
}

impl Rig {
    pub fn run(&self, cmd: &[&str]) -> Output {
        let mut args = vec!["run", "--provider", "lambda", "--gpu", "a10", "--yes"];
        args.extend_from_slice(cmd);
        self.t.run(&args)
    }

    /// Instances the fake still has running (or booting).
    pub fn live(&self) -> usize {
        self.fake.with(|s| {
            s.instances
                .iter()
                .filter(|i| i.status != "terminated")
                .count()
        })
    }

    async fn launch_bodies(&self) -> Vec<Value> {
        self.server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == "/api/v1/instance-operations/launch")
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect()
    }
}

fn marker(t: &GpuTest, name: &str) -> std::path::PathBuf {
    t.home().join(name)
}

#[tokio::test]
async fn run_streams_output_exits_with_the_commands_code_and_releases() {
    let r = rig().await;
    let out = r.run(&[
        "--",
        "sh",
        "-c",
        "echo to-stdout; echo to-stderr >&2; exit 3",
    ]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(out.stdout, "to-stdout\n", "{}", out.stderr);
    assert!(out.stderr.contains("to-stderr"), "{}", out.stderr);
    // Released, and the release confirmed, at the provider and in the ledger.
    assert_eq!(r.live(), 0);
    assert!(open_entries(&r.t).is_empty(), "{}", r.t.ledger());
    assert_eq!(r.t.ledger()["entries"][0]["status"], "released");
    // One closing line says what ran where, how long, and what it cost.
    let last = out.stderr.lines().last().unwrap();
    assert!(
        last.contains("exit 3") && last.contains("lambda:"),
        "{last}"
    );
    assert!(
        last.contains("$1.29/hour") && last.contains("released"),
        "{last}"
    );
    // A deadline is always set at the provider: six hours by default.
    let body = &r.launch_bodies().await[0];
    let deadline: u64 = body["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "gpu-deadline")
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!((now + 6 * 3600 - 120..=now + 6 * 3600 + 5).contains(&deadline));

    let ok = r.run(&["--", "true"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let failed = r.run(&["--", "false"]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert_eq!(r.live(), 0);
    assert_eq!(r.fake.with(|s| s.launch_calls), 3);
}

#[tokio::test]
async fn run_json_is_one_object_and_the_commands_output_goes_to_stderr() {
    let r = rig().await;
    let out = r.run(&["--json", "--max-time", "5m", "--", "echo", "hello  world"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert!(out.stderr.contains("hello  world"), "{}", out.stderr);
    assert_eq!(v["outcome"], "exited");
    assert_eq!(v["exit_code"], 0);
    assert_eq!(v["command_exit_code"], 0);
    assert_eq!(v["command"], serde_json::json!(["echo", "hello  world"]));
    assert_eq!(v["released"], true);
    assert_eq!(v["kept"], false);
    let i = &v["instance"];
    assert_eq!(i["provider"], "lambda");
    assert_eq!(i["price_per_hour_usd"], 1.29);
    assert_eq!(i["host"], "127.0.0.1");
    assert_eq!(i["port"], r.sshd.port);
    assert!(i["deadline"].is_string(), "{v}");
    let s = &v["seconds"];
    assert!(s["billed"].as_f64().unwrap() > 0.0, "{v}");
    assert!(s["command"].as_f64().unwrap() > 0.0, "{v}");
    assert!(s["total"].as_f64().unwrap() >= s["billed"].as_f64().unwrap());
    let cost = v["cost_usd"].as_f64().unwrap();
    let expected = 1.29 * s["billed"].as_f64().unwrap() / 3600.0;
    assert!((cost - expected).abs() < 0.001, "{cost} vs {expected}");
    assert_eq!(r.live(), 0);
}

#[tokio::test]
async fn run_with_no_offer_exits_125_and_rents_nothing() {
    let r = rig().await;
    let out = r.t.run(&[
        "run",
        "--provider",
        "lambda",
        "--gpu",
        "b200",
        "--yes",
        "--json",
        "--",
        "true",
    ]);
    assert_eq!(out.code, 125, "{}", out.stderr);
    assert_eq!(out.json()["outcome"], "rent_failed");
    assert_eq!(r.fake.with(|s| s.launch_calls), 0);
    // Usage errors keep exit 2, before anything is asked.
    let out = r.run(&["--ttl", "1h", "--max-time", "2h", "--", "true"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--ttl 1h"), "{}", out.stderr);
    let out = r.run(&["--sync", "/no/such/dir", "--", "true"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(r.fake.with(|s| s.launch_calls), 0);
}

/// Start `gpu run` with a command that touches a marker, wait for the marker, send `signal`:
/// to `gpu` alone (a CI runner's SIGTERM), or with `group` to its whole process group, ssh
/// included, as a terminal's Ctrl-C does.
fn interrupted_run(r: &Rig, signal: &str, group: bool) -> (i32, String) {
    let mark = marker(&r.t, &format!("started-{signal}"));
    let line = format!("touch '{}'; sleep 20", mark.display());
    let mut command = r.t.command(&[
        "run",
        "--provider",
        "lambda",
        "--gpu",
        "a10",
        "--yes",
        "--",
        &line,
    ]);
    if group {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !mark.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the command never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let ended = if group {
        let pgid = format!("-{}", child.id());
        signal_and_wait_target(child, signal, &pgid)
    } else {
        let pid = child.id().to_string();
        signal_and_wait_target(child, signal, &pid)
    };
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "it waited for the command"
    );
    ended
}

/// Send `signal` (`-INT`, `-TERM`) to a running `gpu`; its exit code and stderr.
fn signal_and_wait(child: std::process::Child, signal: &str) -> (i32, String) {
    let pid = child.id().to_string();
    signal_and_wait_target(child, signal, &pid)
}

/// Send `signal` to `target` (a pid, or `-PGID` for a process group), then wait for `child`.
fn signal_and_wait_target(
    mut child: std::process::Child,
    signal: &str,
    target: &str,
) -> (i32, String) {
    let kill = std::process::Command::new("kill")
        .args([signal, "--", target])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    let mut err = String::new();
    let mut stderr = child.stderr.take().unwrap();
    stderr.read_to_string(&mut err).unwrap();
    (status.code().unwrap_or(-1), err)
}

#[tokio::test]
async fn ctrl_c_at_the_terminal_in_the_middle_of_the_command_releases_and_exits_130() {
    let r = rig().await;
    let (code, err) = interrupted_run(&r, "-INT", true);
    assert_eq!(code, 130, "{err}");
    assert!(err.contains("interrupted (SIGINT)"), "{err}");
    assert!(err.contains("released"), "{err}");
    assert_eq!(r.live(), 0, "{err}");
    assert!(open_entries(&r.t).is_empty());
}

#[tokio::test]
async fn sigterm_from_a_cancelled_ci_job_releases_and_exits_143() {
    let r = rig().await;
    let (code, err) = interrupted_run(&r, "-TERM", false);
    assert_eq!(code, 143, "{err}");
    assert!(err.contains("interrupted (SIGTERM)"), "{err}");
    assert_eq!(r.live(), 0, "{err}");
    assert!(open_entries(&r.t).is_empty());
}

#[tokio::test]
async fn max_time_stops_the_command_releases_and_exits_124() {
    let r = rig().await;
    let started = Instant::now();
    let out = r.run(&["--max-time", "1s", "--", "sleep", "20"]);
    assert_eq!(out.code, 124, "{}", out.stderr);
    assert!(started.elapsed() < Duration::from_secs(15));
    assert!(out.stderr.contains("--max-time 1s"), "{}", out.stderr);
    assert_eq!(r.live(), 0);
}

#[tokio::test]
async fn sync_copies_a_tree_with_spaces_in_names_and_runs_in_it() {
    let r = rig().await;
    let src = marker(&r.t, "project");
    std::fs::create_dir_all(src.join("sub dir")).unwrap();
    std::fs::write(src.join("a file.txt"), "hello from a file\n").unwrap();
    std::fs::write(src.join("sub dir/it's $x.py"), "print(1)\n").unwrap();
    let dest = marker(&r.t, "remote/work");
    let arg = format!("{}:{}", src.display(), dest.display());
    let out = r.run(&[
        "--sync",
        &arg,
        "--",
        "sh",
        "-c",
        "cat 'a file.txt'; ls 'sub dir'; pwd",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!("hello from a file\nit's $x.py\n{}\n", dest.display())
    );
    assert_eq!(
        std::fs::read_to_string(dest.join("sub dir/it's $x.py")).unwrap(),
        "print(1)\n"
    );
    assert_eq!(r.live(), 0);
}

#[tokio::test]
async fn a_failed_release_is_loud_and_exits_122() {
    let r = rig().await;
    r.fake.with(|s| s.terminate_failures = 1000);
    let out = r.run(&["--", "true"]);
    assert_eq!(out.code, 122, "{}", out.stderr);
    let id = r.fake.with(|s| s.instances[0].id.clone());
    assert!(
        out.stderr
            .contains(&format!("could not release lambda:{id}")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("billing $1.29/hour"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("gpu down lambda:{id} --yes")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("NOT RELEASED"), "{}", out.stderr);
    assert_eq!(r.live(), 1);
    assert_eq!(open_entries(&r.t).len(), 1, "the ledger keeps it");
}

#[tokio::test]
async fn keep_leaves_the_instance_running_and_says_how_to_release_it() {
    let r = rig().await;
    let out = r.run(&["--keep", "--name", "kept", "--", "sh", "-c", "exit 4"]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert!(out.stderr.contains("gpu ssh gpu-kept"), "{}", out.stderr);
    assert!(
        out.stderr.contains("gpu down gpu-kept --yes"),
        "{}",
        out.stderr
    );
    assert_eq!(r.live(), 1);
    let down = r.t.run(&["down", "gpu-kept", "--yes"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert_eq!(r.live(), 0);
    // A cleanup step that runs again after a successful one still passes.
    let again = r.t.run(&["down", "gpu-kept", "--yes", "--missing-ok"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
}

#[tokio::test]
async fn ssh_runs_commands_with_their_exit_codes_and_exact_arguments() {
    let r = rig().await;
    let up = r.t.run(&[
        "up",
        "--provider",
        "lambda",
        "--gpu",
        "a10",
        "--yes",
        "--wait",
        "--name",
        "box",
    ]);
    assert_eq!(up.code, 0, "{}", up.stderr);

    let out = r.t.run(&["ssh", "gpu-box", "--", "sh", "-c", "exit 7"]);
    assert_eq!(out.code, 7, "{}", out.stderr);
    // Several words: a program and its arguments, passed exactly.
    let words = ["printf", "%s|", "a  b", "$HOME", "it's;x", "\"q\""];
    let mut args = vec!["ssh", "gpu-box", "--"];
    args.extend_from_slice(&words);
    let out = r.t.run(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "a  b|$HOME|it's;x|\"q\"|");
    // One word: a shell line.
    let out =
        r.t.run(&["ssh", "gpu-box", "--", "echo one; echo $((1+2)) | tr 3 x"]);
    assert_eq!(out.stdout, "one\nx\n", "{}", out.stderr);

    // `--print` prints a line that, pasted into a shell, runs the same thing.
    let mut args = vec!["ssh", "gpu-box", "--print", "--"];
    args.extend_from_slice(&words);
    let printed = r.t.run(&args);
    assert_eq!(printed.code, 0, "{}", printed.stderr);
    let line = printed.stdout.trim();
    assert!(line.contains(&format!("-p {}", r.sshd.port)), "{line}");
    assert!(
        line.contains(&format!("-i {}", r.key.private.display())),
        "the key `up` used is the default identity: {line}"
    );
    let pasted = std::process::Command::new("sh")
        .args(["-c", line])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&pasted.stdout),
        "a  b|$HOME|it's;x|\"q\"|"
    );

    // The host key went into gpu's own known_hosts, under this instance's alias.
    let id = r.fake.with(|s| s.instances[0].id.clone());
    let known = std::fs::read_to_string(r.t.home().join("data/gpu/known_hosts")).unwrap();
    let host_key = r.sshd.host_key();
    let material = host_key.split_whitespace().nth(1).unwrap();
    assert!(
        known.contains(&format!("gpu.lambda.{id}")) && known.contains(material),
        "{known}"
    );
    assert!(!r.t.home().join(".ssh/known_hosts").exists());

    // An explicit identity works; a missing one is a usage error.
    let key = r.key.private.display().to_string();
    let out =
        r.t.run(&["ssh", "gpu-box", "--identity", &key, "--", "true"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out =
        r.t.run(&["ssh", "gpu-box", "--identity", "/no/key", "--", "true"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--identity /no/key"), "{}", out.stderr);
}

#[tokio::test]
async fn a_changed_host_key_is_refused_and_ssh_failures_exit_255() {
    let r = rig().await;
    let up = r.t.run(&[
        "up",
        "--provider",
        "lambda",
        "--gpu",
        "a10",
        "--yes",
        "--wait",
        "--name",
        "box",
    ]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    let first = r.t.run(&["ssh", "gpu-box", "--", "true"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    // The same instance now answers with another host key: refused.
    let other = Sshd::start(&r.key);
    let t = r.t.env("GPU_TEST_SSH_PORT", &other.port.to_string());
    let out = t.run(&["ssh", "gpu-box", "--", "echo", "reached"]);
    assert_eq!(out.code, 255, "{}", out.stderr);
    assert!(!out.stdout.contains("reached"));
    assert!(
        out.stderr
            .contains("REMOTE HOST IDENTIFICATION HAS CHANGED")
            || out.stderr.contains("Host key verification failed"),
        "{}",
        out.stderr
    );
    // Nothing listens: ssh's own failure, 255.
    let t = t.env(
        "GPU_TEST_SSH_PORT",
        &crate::support::closed_port().to_string(),
    );
    let out = t.run(&["ssh", "gpu-box", "--", "true"]);
    assert_eq!(out.code, 255, "{}", out.stderr);
}

#[tokio::test]
async fn an_instance_that_never_answers_is_released_and_run_exits_125() {
    let (server, fake) = crate::fakes::VastFake::start(crate::support::closed_port()).await;
    fake.state.lock().unwrap().never_boot = true;
    let t = GpuTest::new()
        .fake("vast", &server)
        .env("VAST_API_KEY", "vk")
        .with_ssh_key();
    let out = t.run(&[
        "run",
        "--provider",
        "vast",
        "--gpu",
        "rtx4090",
        "--yes",
        "--wait-timeout",
        "1s",
        "--json",
        "--",
        "true",
    ]);
    assert_eq!(out.code, 125, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["outcome"], "not_reachable");
    assert_eq!(v["released"], true);
    assert!(
        v["instance"]["id"].as_str().unwrap().starts_with("vast:"),
        "{v}"
    );
    let s = fake.state.lock().unwrap();
    assert_eq!(s.creates, 1);
    assert!(s.instances.is_empty(), "destroyed");
}

#[tokio::test]
async fn sigterm_while_the_instance_boots_releases_it() {
    let (server, fake) = crate::fakes::VastFake::start(crate::support::closed_port()).await;
    fake.state.lock().unwrap().never_boot = true;
    let t = GpuTest::new()
        .fake("vast", &server)
        .env("VAST_API_KEY", "vk")
        .with_ssh_key();
    let child = t
        .command(&[
            "run",
            "--provider",
            "vast",
            "--gpu",
            "rtx4090",
            "--yes",
            "--",
            "true",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // Created and recorded: the ledger holds it as launched.
    while !open_entries(&t).iter().any(|e| e["status"] == "launched") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never launched"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (code, err) = signal_and_wait(child, "-TERM");
    assert_eq!(code, 143, "{err}");
    assert!(err.contains("released"), "{err}");
    assert!(fake.state.lock().unwrap().instances.is_empty(), "{err}");
    assert!(open_entries(&t).is_empty());
}

#[tokio::test]
async fn env_reaches_the_command_and_its_secret_value_is_never_shown() {
    let r = rig().await;
    let secret = "sk-it's a secret";
    let pair = format!("API_KEY={secret}");
    let out = r.run(&[
        "--env",
        &pair,
        "--env",
        "EPOCHS=3",
        "--",
        "echo \"$(printf %s \"$API_KEY\" | wc -c) $EPOCHS\"",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!("{} 3\n", secret.len()),
        "{}",
        out.stderr
    );
    assert!(!out.all().contains("a secret"), "{}", out.all());
    assert!(!r.t.ledger().to_string().contains("a secret"));
    // The value went to Lambda in user_data (the instance's own copy), nowhere else.
    let body = &r.launch_bodies().await[0];
    assert!(body["user_data"].as_str().unwrap().contains(secret));
}

#[tokio::test]
async fn a_data_directory_with_a_space_keeps_its_known_hosts_inside() {
    let r = rig().await;
    let data = r.t.home().join("Application Support");
    let t = r.t.env("XDG_DATA_HOME", data.to_str().unwrap());
    let out = t.run(&[
        "run",
        "--provider",
        "lambda",
        "--gpu",
        "a10",
        "--yes",
        "--",
        "echo",
        "ok",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "ok\n");
    let known = std::fs::read_to_string(data.join("gpu/known_hosts")).unwrap();
    assert!(known.contains("gpu.lambda."), "{known}");
    assert!(!t.home().join("Application").exists());
}

/// Start `gpu run ARGS -- true` against a create that answers `delay` late, and return once
/// the provider has made the instance (its answer still on the way).
fn run_during_a_slow_create(r: &Rig, delay: Duration, args: &[&str]) -> std::process::Child {
    r.fake.with(|s| s.launch_delay = Some(delay));
    let mut all = vec!["run", "--provider", "lambda", "--gpu", "a10", "--yes"];
    all.extend_from_slice(args);
    all.extend(["--", "true"]);
    let child =
        r.t.command(&all)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
    let started = Instant::now();
    while r.fake.with(|s| s.instances.len()) == 0 {
        assert!(started.elapsed() < Duration::from_secs(20), "never created");
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

#[tokio::test]
async fn ctrl_c_during_the_create_waits_for_its_answer_then_releases() {
    let r = rig().await;
    let child = run_during_a_slow_create(&r, Duration::from_millis(1500), &[]);
    let (code, err) = signal_and_wait(child, "-INT");
    assert_eq!(code, 130, "{err}");
    assert!(err.contains("the create request is in flight"), "{err}");
    assert_eq!(r.live(), 0, "{err}");
    assert!(open_entries(&r.t).is_empty(), "{err}");
}

#[tokio::test]
async fn a_second_ctrl_c_during_the_create_stops_and_says_what_may_bill() {
    let r = rig().await;
    let started = Instant::now();
    let child = run_during_a_slow_create(&r, Duration::from_secs(4), &["--name", "twice"]);
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let (code, err) = signal_and_wait(child, "-INT");
    assert_eq!(code, 130, "{err}");
    assert!(err.contains("billing $1.29/hour"), "{err}");
    assert!(err.contains("gpu down gpu-twice --yes"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "it waited: {err}"
    );
    assert_eq!(open_entries(&r.t).len(), 1, "the ledger keeps it");
}

#[tokio::test]
async fn keep_with_max_time_stops_the_command_on_the_kept_instance() {
    let r = rig().await;
    let late = marker(&r.t, "still-running");
    let line = format!("sleep 3; touch '{}'", late.display());
    let out = r.run(&["--keep", "--max-time", "1s", "--", &line]);
    assert_eq!(out.code, 124, "{}", out.stderr);
    assert_eq!(r.live(), 1, "kept");
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        !late.exists(),
        "the stopped command went on: {}",
        out.stderr
    );
}
