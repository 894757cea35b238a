//! Renting unattended: several machines on one account, concurrent runs, lost and late
//! answers, interrupts, a ledger that cannot be written. Each test is a user's story against
//! the stateful fakes; each failed on the main branch before renting got its own module.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::fakes::{LambdaFake, VastFake};
use crate::lifecycle::{lambda_test, open_entries};
use crate::support::GpuTest;

/// Start `gpu` in the background, with its output captured.
pub fn spawn(t: &GpuTest, args: &[&str]) -> std::process::Child {
    t.command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

pub fn until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn signal(child: &std::process::Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} failed");
}

pub fn finish(child: std::process::Child) -> crate::support::Output {
    let out = child.wait_with_output().unwrap();
    crate::support::Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[tokio::test]
async fn up_pays_for_the_whole_instance_not_the_price_per_gpu() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| {
        // 2x H100 at $3.18/h ($1.59/GPU) and 8x at $12.64/h ($1.58/GPU, cheaper per GPU).
        s.extra_types.push((
            "gpu_2x_h100_pcie",
            "H100 (80 GB PCIe)",
            318,
            52,
            400,
            2,
            "us-west-3",
        ));
        s.extra_types.push((
            "gpu_8x_h100_pcie",
            "H100 (80 GB PCIe)",
            1264,
            208,
            1600,
            8,
            "us-west-3",
        ));
    });
    let t = lambda_test(&server);
    let plan = t.run(&["up", "--h100", "--max-price", "3", "--dry-run", "--json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let first = &plan.json()["attempts"][0]["offer"];
    assert_eq!(first["instance_type"], "gpu_2x_h100_pcie");
    assert_eq!(first["price_per_hour_usd"], 3.18);
    assert_eq!(first["price_per_gpu_hour_usd"], 1.59);

    let out = t.run(&["up", "--h100", "--max-price", "3", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["gpu_count"], 2, "{v}");
    assert_eq!(v["price_per_hour_usd"], 3.18);
    assert_eq!(v["price_per_gpu_hour_usd"], 1.59);
    assert_eq!(fake.live()[0].type_name, "gpu_2x_h100_pcie");

    // `--sort price` still means per GPU-hour, as in `gpu find`.
    let plan = t.run(&[
        "up",
        "--h100",
        "--max-price",
        "3",
        "--sort",
        "price",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(
        plan.json()["attempts"][0]["offer"]["instance_type"],
        "gpu_8x_h100_pcie"
    );
}

#[tokio::test]
async fn two_machines_on_one_account_see_owner_and_deadline_and_sweep_only_what_is_due() {
    let (server, fake) = LambdaFake::start().await;
    let ci = lambda_test(&server);
    let sweeper = lambda_test(&server);
    let out = ci.run(&[
        "up", "--gpu", "a10", "--name", "job", "--ttl", "1s", "--yes", "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let job = out.json();
    let ci_owner = job["owner"].as_str().unwrap().to_string();
    let identity: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ci.home().join("data/gpu/identity.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        identity["owner"], ci_owner,
        "the owner id is kept apart from the ledger"
    );
    // Another of the CI machine's instances without a deadline, and one made by hand.
    let out = ci.run(&["up", "--gpu", "a10", "--name", "keep", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let alice = fake.add_running("gpu-box-alice");

    // The sweeper has its own data dir and never launched anything.
    std::thread::sleep(Duration::from_millis(1100));
    let ls = sweeper.run(&["ls", "--json"]);
    assert_eq!(ls.code, 0, "{}", ls.stderr);
    let rows = ls.json();
    let row = |name: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {rows}"))
            .clone()
    };
    let j = row("gpu-job");
    assert_eq!(j["owner"], ci_owner.as_str());
    assert_eq!(j["mine"], false);
    assert_eq!(j["ledger"], "foreign");
    assert_eq!(j["deadline"], job["deadline"]);
    assert_eq!(j["overdue"], true);
    assert_eq!(row("gpu-keep")["overdue"], false);
    assert_eq!(row("gpu-box-alice")["owner"], serde_json::Value::Null);
    assert_eq!(row("gpu-box-alice")["ledger"], "not gpu");

    // `--orphans` on the sweeper releases none of the CI machine's, nor Alice's box.
    let out = sweeper.run(&["down", "--orphans", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(fake.live().len(), 3);
    assert_eq!(fake.with(|s| s.terminate_calls), 0);

    // `--expired`, run as a bounded sweeper, releases exactly the overdue one.
    let out = sweeper.run(&[
        "down",
        "--expired",
        "--every",
        "50ms",
        "--rounds",
        "2",
        "--yes",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let live: Vec<String> = fake.live().iter().map(|i| i.name.clone()).collect();
    assert_eq!(live, ["gpu-keep", "gpu-box-alice"]);
    assert!(out.stderr.contains("next sweep in"), "{}", out.stderr);
    let _ = alice;

    // Back on the CI machine, the released job is closed, the other still tracked.
    let ls = ci.run(&["ls", "--json"]);
    let names: Vec<String> = ls
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ledger"] == "tracked")
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["gpu-keep"]);
}

#[tokio::test]
async fn a_ci_matrix_and_its_re_run_launch_one_instance_per_leg_and_clean_up_green() {
    let (server, fake) = LambdaFake::start().await;
    // The README's recipe: a name unique per run, attempt and leg; cleanup with --missing-ok.
    let legs: Vec<GpuTest> = (0..3)
        .map(|_| lambda_test(&server).env("GPU_OWNER", "my-team-ci"))
        .collect();
    for (leg, t) in legs.iter().enumerate() {
        let name = format!("ci-4242-1-{leg}");
        let out = t.run(&[
            "up",
            "--gpu",
            "a10",
            "--name",
            &name,
            "--ttl",
            "2h",
            "--yes",
            "--wait",
            "--wait-timeout",
            "1s",
            "--json",
        ]);
        assert!(out.code == 0 || out.code == 6, "{}", out.stderr);
        assert_eq!(out.json()["name"], format!("gpu-{name}"));
    }
    assert_eq!(fake.live().len(), 3);
    for (leg, t) in legs.iter().enumerate() {
        let name = format!("gpu-ci-4242-1-{leg}");
        let out = t.run(&["down", &name, "--yes", "--missing-ok"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        // An `if: always()` step that runs again is still green.
        let again = t.run(&["down", &name, "--yes", "--missing-ok", "--json"]);
        assert_eq!(again.code, 0, "{}", again.stderr);
        assert_eq!(again.json()[0]["result"], "missing");
    }
    assert!(fake.live().is_empty(), "nothing left billing");

    // Legs that share a name and an owner id (GPU_OWNER) share one instance: the second finds
    // it at the provider although its own ledger is empty.
    let a = lambda_test(&server).env("GPU_OWNER", "team-ci");
    let b = lambda_test(&server).env("GPU_OWNER", "team-ci");
    let first = a.run(&["up", "--gpu", "a10", "--name", "shared", "--yes", "--json"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let second = b.run(&["up", "--gpu", "a10", "--name", "shared", "--yes", "--json"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(second.json()["existing"], true);
    assert_eq!(second.json()["instance_id"], first.json()["instance_id"]);
    assert_eq!(fake.live().len(), 1);
    // `down NAME` resolves through each machine's own ledger: unambiguous on both.
    let out = b.run(&["down", "gpu-shared", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = a.run(&["down", "gpu-shared", "--yes", "--missing-ok"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(fake.live().is_empty());
}

#[tokio::test]
async fn eight_concurrent_ups_of_one_name_send_one_create() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| s.launch_delay = Some(Duration::from_millis(300)));
    let t = lambda_test(&server);
    let children: Vec<_> = (0..8)
        .map(|_| {
            spawn(
                &t,
                &["up", "--gpu", "a10", "--name", "same", "--yes", "--json"],
            )
        })
        .collect();
    let outs: Vec<_> = children.into_iter().map(finish).collect();
    for o in &outs {
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    assert_eq!(fake.with(|s| s.launch_calls), 1, "exactly one create");
    let ids: std::collections::HashSet<String> = outs
        .iter()
        .map(|o| o.json()["instance_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 1, "all eight report the same instance");
    assert_eq!(
        outs.iter().filter(|o| o.json()["existing"] == true).count(),
        7
    );
    let open = open_entries(&t);
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0]["status"], "launched");
    // And `ls` afterwards writes nothing wrong.
    t.run(&["ls"]);
    assert_eq!(
        open_entries(&t)[0]["instance_id"],
        fake.live()[0].id.as_str()
    );
}

#[tokio::test]
async fn a_dropped_answer_for_an_instance_listed_only_after_8s_stays_tracked() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| {
        s.launch_delay = Some(Duration::from_secs(3)); // the answer never arrives in time
        s.list_lag = Some(Duration::from_secs(8));
    });
    let t = lambda_test(&server)
        .unset("GPU_LAMBDA_BASE_URL")
        .config(&format!(
            "timeout = 1\n[providers.lambda]\nbase_url = \"{}\"\n",
            server.uri()
        ));
    let started = Instant::now();
    let out = t.run(&["up", "--gpu", "a10", "--name", "late", "--yes", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("may have created `gpu-late`"),
        "{}",
        out.stderr
    );
    assert_eq!(open_entries(&t)[0]["status"], "unknown");

    // A re-run while it is still not listed launches nothing.
    let again = t.run(&["up", "--gpu", "a10", "--name", "late", "--yes", "--json"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(
        again.stderr.contains("not launching a second one"),
        "{}",
        again.stderr
    );
    // `ls` keeps it open and counts it as billing.
    let ls = t.run(&["ls", "--json"]);
    assert_eq!(ls.json()[0]["ledger"], "missing", "{}", ls.stdout);
    assert!(
        ls.stderr.contains("not listed by their provider yet"),
        "{}",
        ls.stderr
    );
    assert_eq!(open_entries(&t).len(), 1);

    // Once listed, it is the instance of that entry, and `up --name` returns it.
    std::thread::sleep(
        Duration::from_secs(8).saturating_sub(started.elapsed()) + Duration::from_millis(200),
    );
    let ls = t.run(&["ls", "--json"]);
    assert_eq!(ls.json()[0]["ledger"], "tracked", "{}", ls.stdout);
    let out = t.run(&["up", "--gpu", "a10", "--name", "late", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["existing"], true);
    assert_eq!(fake.with(|s| s.launch_calls), 1, "never created twice");
}

#[tokio::test]
async fn a_404_from_a_status_read_never_beats_the_list_and_ls_leaves_a_create_in_flight() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| {
        s.launch_delay = Some(Duration::from_millis(1500));
        s.list_lag = Some(Duration::from_millis(2500)); // not listed while the create runs
    });
    let t = lambda_test(&server);
    let child = spawn(
        &t,
        &[
            "up", "--gpu", "a10", "--name", "x", "--ttl", "1h", "--yes", "--json",
        ],
    );
    until("the create", Duration::from_secs(10), || {
        fake.with(|s| s.launch_calls) == 1
    });
    let ls = t.run(&["ls", "--json"]);
    assert_eq!(ls.json()[0]["ledger"], "launching", "{}", ls.stdout);
    assert_eq!(
        open_entries(&t)[0]["status"],
        "intent",
        "untouched while in flight"
    );
    let out = finish(child);
    assert_eq!(out.code, 0, "{}", out.stderr);
    std::thread::sleep(Duration::from_millis(1200)); // now it is listed

    fake.with(|s| s.status_404 = true);
    let again = t.run(&["up", "--gpu", "a10", "--name", "x", "--yes", "--json"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.json()["existing"], true);
    assert_eq!(fake.with(|s| s.launch_calls), 1);
    let entry = &open_entries(&t)[0];
    assert_eq!(entry["status"], "launched");
    assert!(
        entry["deadline"].is_string(),
        "the deadline is kept: {entry}"
    );
    // A re-run asking for a later deadline returns the running one and says that its
    // deadline could not be moved (Lambda's tags are fixed at launch), never silently.
    let ttl = t.run(&["up", "--gpu", "a10", "--name", "x", "--ttl", "5h", "--yes"]);
    assert_eq!(ttl.code, 0, "{}", ttl.stderr);
    assert!(
        ttl.stderr.contains("change a running instance's deadline"),
        "{}",
        ttl.stderr
    );
    assert_eq!(fake.with(|s| s.launch_calls), 1);
}

#[tokio::test]
async fn vast_created_but_key_refused_is_released_and_confirmed() {
    let (server, fake) = VastFake::start(crate::support::closed_port()).await;
    fake.state.lock().unwrap().attach_fails = true;
    let t = GpuTest::new()
        .fake("vast", &server)
        .env("VAST_API_KEY", "vk-test")
        .with_ssh_key();
    let out = t.run(&["up", "--gpu", "rtx4090", "--yes", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("attaching the SSH key failed"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("it was released"), "{}", out.stderr);
    assert!(
        fake.state.lock().unwrap().instances.is_empty(),
        "nothing bills"
    );
    assert!(open_entries(&t).is_empty());
    let status: Vec<String> = t.ledger()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(status, ["released"]);
    // A re-run launches one instance, not a second one next to a leaked first.
    {
        let mut s = fake.state.lock().unwrap();
        s.attach_fails = false;
        s.taken.clear(); // the host offers the slice again
    }
    let out = t.run(&["up", "--gpu", "rtx4090", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(fake.state.lock().unwrap().instances.len(), 1);
    let down = t.run(&["down", "--all", "--yes"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    // Offers, creates, the key, the v1 list and the releases: all as Vast's document has them.
    crate::contract::assert_fits("vast", &server, &[]).await;
}

#[tokio::test]
async fn a_ledger_that_cannot_be_written_names_the_instance_and_still_lets_you_clean_up() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let data = t.home().join("data/gpu");
    let keep = t.run(&["up", "--gpu", "a10", "--yes", "--json"]).json();
    fake.with(|s| s.break_ledger_on_launch = Some(data.clone()));
    let out = t.run(&["up", "--gpu", "a10", "--yes", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let id = fake.live()[1].id.clone();
    assert!(
        out.stderr.contains(&format!("created lambda:{id}")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("gpu down lambda:{id} --yes")),
        "{}",
        out.stderr
    );

    // `ls` still lists both, and says the ledger could not be updated.
    let ls = t.run(&["ls", "--json"]);
    assert_eq!(ls.code, 0, "{}", ls.stderr);
    assert_eq!(ls.json().as_array().unwrap().len(), 2, "{}", ls.stdout);
    assert!(
        ls.stderr.contains("could not write the ledger"),
        "{}",
        ls.stderr
    );

    // `down --all` goes on past a release that fails, and says what still bills.
    fake.with(|s| {
        s.fail_terminate
            .insert(keep["instance_id"].as_str().unwrap().to_string());
    });
    let out = t.run(&["down", "--all", "--yes"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "{} may still be running",
            keep["id"].as_str().unwrap()
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("released lambda:{id}")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("the ledger still lists it"),
        "{}",
        out.stderr
    );
    assert_eq!(
        fake.live().len(),
        1,
        "only the one whose release failed is left"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") && n != ".ledger.json.tmp")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test]
async fn an_empty_or_newer_ledger_is_never_launched_over_or_rewritten() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let path = t.home().join("data/gpu/ledger.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "").unwrap();
    let out = t.run(&["up", "--gpu", "a10", "--yes"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("ledger.json"),
        "names the file: {}",
        out.stderr
    );
    assert!(out.stderr.contains("is empty"), "{}", out.stderr);
    assert_eq!(fake.with(|s| s.launch_calls), 0);
    // `ls` still shows what the providers list.
    let ls = t.run(&["ls"]);
    assert_eq!(ls.code, 0, "{}", ls.stderr);
    assert!(
        ls.stderr.contains("showing only what the providers list"),
        "{}",
        ls.stderr
    );

    let newer = r#"{"version": 9, "owner": "abc", "entries": [], "sealed": true}"#;
    std::fs::write(&path, newer).unwrap();
    let out = t.run(&["up", "--gpu", "a10", "--yes"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("newer `gpu`"), "{}", out.stderr);
    assert_eq!(fake.with(|s| s.launch_calls), 0);
    t.run(&["ls"]);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        newer,
        "never rewritten"
    );
}

#[tokio::test]
async fn a_rate_limited_create_is_looked_up_before_it_is_sent_again() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| s.launch_429 = 1);
    let t = lambda_test(&server);
    let out = t.run(&["up", "--gpu", "a10", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(fake.with(|s| s.launch_calls), 2);
    assert!(
        fake.with(|s| s.list_calls) >= 3,
        "looked by name before the retry"
    );
    assert_eq!(fake.live().len(), 1);
}

#[tokio::test]
async fn sigint_or_sigterm_during_up_says_what_bills_and_how_to_release_it() {
    for (sig, code) in [("-INT", 130), ("-TERM", 143)] {
        let (server, fake) = LambdaFake::start().await;
        let t = lambda_test(&server);
        // `--wait`: the instance runs, its SSH port (22 on 127.0.0.1 here) never answers.
        let child = spawn(&t, &["up", "--gpu", "a10", "--yes", "--wait", "--json"]);
        until("the instance", Duration::from_secs(10), || {
            fake.live().len() == 1
        });
        std::thread::sleep(Duration::from_millis(300));
        signal(&child, sig);
        let out = finish(child);
        assert_eq!(out.code, code, "{}", out.stderr);
        let id = fake.live()[0].id.clone();
        assert!(
            out.stderr.contains("may be running and billing"),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains(&format!("gpu down lambda:{id} --yes")),
            "{}",
            out.stderr
        );
        let v = out.json();
        assert_eq!(v["release_command"], format!("gpu down lambda:{id} --yes"));
        assert_eq!(v["instance_id"], id.as_str());
        assert_eq!(open_entries(&t).len(), 1, "still tracked");
    }

    // Interrupted while the create request is in flight: the name, and that it may exist.
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| s.launch_delay = Some(Duration::from_secs(5)));
    let t = lambda_test(&server);
    let child = spawn(&t, &["up", "--gpu", "a10", "--name", "inflight", "--yes"]);
    until("the create", Duration::from_secs(10), || {
        fake.with(|s| s.launch_calls) == 1
    });
    std::thread::sleep(Duration::from_millis(200));
    signal(&child, "-INT");
    let out = finish(child);
    assert_eq!(out.code, 130, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("a create request for `gpu-inflight` was sent"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("gpu down gpu-inflight --yes"),
        "{}",
        out.stderr
    );
    // The next `ls` finds it by name and tracks it.
    let ls = t.run(&["ls", "--json"]);
    assert_eq!(ls.json()[0]["ledger"], "tracked", "{}", ls.stdout);
}

#[tokio::test]
async fn an_interrupted_down_says_what_was_and_was_not_released() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server).env("GPU_POLL_INTERVAL", "0.5");
    let id = t.run(&["up", "--gpu", "a10", "--yes", "--json"]).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    fake.with(|s| s.ignore_terminate = true);
    let child = spawn(&t, &["down", &id, "--yes"]);
    until("the terminate", Duration::from_secs(10), || {
        fake.with(|s| s.terminate_calls) >= 1
    });
    signal(&child, "-TERM");
    let out = finish(child);
    assert_eq!(out.code, 143, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("not confirmed released, may still bill: {id}")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("gpu down {id} --yes")),
        "{}",
        out.stderr
    );
}
