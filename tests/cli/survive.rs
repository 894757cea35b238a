//! `gpu run` when the network fails under it: the command runs detached on the instance (the
//! Lambda fake's instance is the test's real sshd), so a connection that is cut, or a server
//! that stops listening for a while, ends nothing; the output goes on from the last byte, once.
//! The provider's word, not SSH's, decides that an instance is gone. `--sync-back` copies the
//! results home on every end, and `--max-cost` stops the run and releases.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::run::{rig, Rig};

/// `gpu run` started in the background (stdout and stderr piped).
fn spawn(r: &Rig, cmd: &[&str]) -> Child {
    let mut args = vec!["run", "--provider", "lambda", "--gpu", "a10", "--yes"];
    args.extend_from_slice(cmd);
    r.t.command(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for(path: &std::path::Path, within: Duration) {
    let started = Instant::now();
    while !path.exists() {
        assert!(
            started.elapsed() < within,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Kill the `ssh` connections this `gpu` follows the command's output through. Between two
/// connections there may be none for a moment: it looks again, for a few seconds.
fn cut_connections(gpu: &Child) -> usize {
    let started = Instant::now();
    loop {
        let out = Command::new("pgrep")
            .args(["-P", &gpu.id().to_string(), "-f", "^ssh .*off=[0-9]"])
            .output()
            .unwrap();
        let pids: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        for p in &pids {
            let _ = Command::new("kill").args(["-KILL", p]).status();
        }
        if !pids.is_empty() || started.elapsed() > Duration::from_secs(5) {
            return pids.len();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The provider ends every instance, and their SSH goes with them.
fn preempt(r: &mut Rig, gpu: &Child) {
    r.fake.with(|s| {
        for i in &mut s.instances {
            i.status = "terminated".into();
        }
    });
    r.sshd.stop_listening();
    cut_connections(gpu);
}

fn finish(child: Child) -> (i32, String, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Lines `line 1` to `line N`, in order, each once.
fn numbered(n: u32) -> String {
    (1..=n).map(|i| format!("line {i}\n")).collect()
}

#[tokio::test]
async fn a_cut_connection_loses_no_line_and_repeats_none() {
    let r = rig().await;
    let mark = r.t.home().join("half-way");
    let line = format!(
        "for i in $(seq 1 20); do echo line $i; done; touch '{}'; sleep 2; for i in $(seq 21 40); do echo line $i; done; echo err-line >&2; exit 7",
        mark.display()
    );
    let child = spawn(&r, &["--", &line]);
    wait_for(&mark, Duration::from_secs(60));
    assert!(cut_connections(&child) >= 1, "no ssh to cut");
    let (code, stdout, stderr) = finish(child);
    assert_eq!(code, 7, "{stderr}");
    assert_eq!(stdout, numbered(40), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| *l == "err-line").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("was lost; connecting again"), "{stderr}");
    assert_eq!(
        r.fake.with(|s| s.launch_calls),
        1,
        "rented again: {}",
        r.t.ledger()
    );
    assert_eq!(r.live(), 0, "{stderr}");
}

/// SSH fails for seconds while the provider says the instance runs: `gpu` waits and connects
/// again; it neither gives up nor rents another.
#[tokio::test]
async fn ssh_down_while_the_provider_says_running_is_waited_out() {
    let mut r = rig().await;
    let mark = r.t.home().join("started");
    let line = format!(
        "echo before; touch '{}'; sleep 4; echo after",
        mark.display()
    );
    let child = spawn(&r, &["--", &line]);
    wait_for(&mark, Duration::from_secs(60));
    r.sshd.stop_listening();
    cut_connections(&child);
    std::thread::sleep(Duration::from_secs(3));
    r.sshd.listen_again();
    let (code, stdout, stderr) = finish(child);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "before\nafter\n", "{stderr}");
    assert_eq!(r.fake.with(|s| s.launch_calls), 1, "rented again: {stderr}");
    assert_eq!(r.live(), 0);
}

/// The provider says the instance is gone while the command runs: the run says so and exits
/// 255, and nothing is left billing.
#[tokio::test]
async fn an_instance_the_provider_ends_mid_command_is_lost_on_its_word() {
    let mut r = rig().await;
    let mark = r.t.home().join("started");
    let line = format!("touch '{}'; sleep 30", mark.display());
    let child = spawn(&r, &["--json", "--", &line]);
    wait_for(&mark, Duration::from_secs(60));
    preempt(&mut r, &child);
    let (code, stdout, stderr) = finish(child);
    r.sshd.listen_again();
    assert_eq!(code, 255, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["outcome"], "lost", "{v}");
    // In the provider's words: it is terminated, or no longer listed.
    let why = v["error"].as_str().unwrap();
    assert!(
        why.contains("terminated") || why.contains("no longer lists"),
        "{v}"
    );
    assert_eq!(r.live(), 0);
}

fn results(r: &Rig, name: &str) -> std::path::PathBuf {
    r.t.home().join(name)
}

#[tokio::test]
async fn sync_back_brings_the_results_home_on_every_end() {
    let r = rig().await;
    let write = "mkdir -p out && echo \"$RESULT\" > out/result.txt";
    // Success, and a failure.
    for (code, result) in [(0, "ok"), (4, "failed")] {
        let line = format!("export RESULT={result}; {write}; exit {code}");
        let local = format!("back-{result}");
        let sync_back = format!("out:{}", results(&r, &local).display());
        let out = r.run(&["--sync-back", &sync_back, "--json", "--", &line]);
        assert_eq!(out.code, code, "{}", out.stderr);
        let got = std::fs::read_to_string(results(&r, &local).join("result.txt")).unwrap();
        assert_eq!(got, format!("{result}\n"));
        assert!(out.json()["synced_back_bytes"].as_u64().unwrap() > 0);
    }
    // `--max-time`.
    let line = format!("export RESULT=partial; {write}; sleep 30");
    let sync_back = format!("out:{}", results(&r, "back-max").display());
    let out = r.run(&["--sync-back", &sync_back, "--max-time", "3s", "--", &line]);
    assert_eq!(out.code, 124, "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(results(&r, "back-max").join("result.txt")).unwrap(),
        "partial\n"
    );
    // SIGTERM (a cancelled CI job).
    let mark = r.t.home().join("written");
    let line = format!(
        "export RESULT=cancelled; {write}; touch '{}'; sleep 30",
        mark.display()
    );
    let sync_back = format!("out:{}", results(&r, "back-term").display());
    let child = spawn(&r, &["--sync-back", &sync_back, "--", &line]);
    wait_for(&mark, Duration::from_secs(60));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let (code, _, stderr) = finish(child);
    assert_eq!(code, 143, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(results(&r, "back-term").join("result.txt")).unwrap(),
        "cancelled\n",
        "{stderr}"
    );
    // Something that is not there: said, and the run's own code kept.
    let out = r.run(&["--sync-back", "nothing-here", "--", "true"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("--sync-back nothing-here"),
        "{}",
        out.stderr
    );
    assert_eq!(r.live(), 0);
}

#[tokio::test]
async fn max_cost_stops_the_run_and_releases() {
    let r = rig().await;
    // The A10 is $1.29/hour: 2.2 cents buy its first minute, and that minute is the release's.
    let mut child = spawn(&r, &["--max-cost", "0.022", "--json", "--", "sleep 60"]);
    let started = Instant::now();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let (code, stdout, _) = finish(child);
    assert!(started.elapsed() < Duration::from_secs(40), "it ran on");
    assert_eq!(code, 121, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["outcome"], "max_cost", "{v}");
    assert_eq!(v["released"], true);
    assert!(stderr.contains("--max-cost $0.02"), "{stderr}");
    assert_eq!(r.live(), 0);
}

/// `--recover`: the provider ends the instance mid-command; another is rented, the command
/// runs again knowing it is the second attempt, and its exit code is the run's.
#[tokio::test]
async fn recover_rents_again_on_the_providers_word_and_reruns() {
    let mut r = rig().await;
    let mark = r.t.home().join("first-attempt");
    let line = format!(
        "if [ \"$GPU_RUN_ATTEMPT\" = 2 ]; then echo second attempt; exit 5; fi; echo first attempt; touch '{}'; sleep 30",
        mark.display()
    );
    let child = spawn(&r, &["--recover", "1", "--json", "--", &line]);
    wait_for(&mark, Duration::from_secs(60));
    preempt(&mut r, &child);
    // The replacement boots while this one's SSH is back.
    std::thread::sleep(Duration::from_secs(2));
    r.sshd.listen_again();
    let (code, stdout, stderr) = finish(child);
    assert_eq!(code, 5, "{stderr}");
    assert_eq!(r.fake.with(|s| s.launch_calls), 2, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["outcome"], "exited", "{v}");
    assert_eq!(v["command_exit_code"], 5);
    let attempts = v["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{v}");
    assert_eq!(attempts[0]["outcome"], "lost");
    assert_eq!(attempts[1]["outcome"], "exited");
    assert_ne!(attempts[0]["instance"], attempts[1]["instance"]);
    assert!(attempts.iter().all(|a| a["released"] == true), "{v}");
    assert!(stderr.contains("recovering: attempt 2 of 2"), "{stderr}");
    assert!(stderr.lines().any(|l| l == "second attempt"), "{stderr}");
    assert_eq!(r.live(), 0);

    // Without `--recover` the same loss ends the run (see above); with SSH failing alone, no
    // recovery is tried (`ssh_down_while_the_provider_says_running_is_waited_out`).
}
