//! `gpu up`, `gpu ls`, `gpu down` against stateful fakes: nothing that bills is forgotten,
//! leaked or launched twice.

use std::time::Duration;

use crate::fakes::{LambdaFake, VastFake};
use crate::support::{GpuTest, TEST_PUBLIC_KEY};

pub fn lambda_test(server: &wiremock::MockServer) -> GpuTest {
    GpuTest::new()
        .fake("lambda", server)
        .env("LAMBDA_API_KEY", "lk-test")
        .with_ssh_key()
}

pub fn open_entries(t: &GpuTest) -> Vec<serde_json::Value> {
    t.ledger()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| ["intent", "launched", "unknown"].contains(&e["status"].as_str().unwrap()))
        .cloned()
        .collect()
}

#[tokio::test]
async fn up_launches_the_cheapest_match_and_records_it() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let out = t.run(&["up", "--gpu", "h100", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["provider"], "lambda");
    assert_eq!(v["region"], "us-west-1");
    assert_eq!(
        v["gpu_count"], 1,
        "the 1x H100 PCIe ($3.29/GPU-hour) beats the 8x SXM ($3.99)"
    );
    assert!(v["name"].as_str().unwrap().starts_with("gpu-"));
    assert_eq!(fake.live().len(), 1);
    assert_eq!(fake.live()[0].name, v["name"].as_str().unwrap());
    // The public key was registered once under a stable name and used.
    let keys = fake.with(|s| s.keys.clone());
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].1, TEST_PUBLIC_KEY);
    // The ledger knows it.
    let entries = open_entries(&t);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["status"], "launched");
    assert_eq!(entries[0]["instance_id"], v["instance_id"]);
    // stdout is exactly one JSON object.
    assert!(out.stdout.trim_start().starts_with('{') && out.stdout.trim_end().ends_with('}'));

    // A second launch reuses the registered key.
    let out = t.run(&["up", "--gpu", "a10", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(fake.with(|s| s.keys.len()), 1);
    assert!(out.stdout.contains("launched lambda:"), "{}", out.stdout);
    assert!(
        out.stdout.contains("release it with: gpu down lambda:"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn no_capacity_fails_over_to_the_next_offer_and_launches_one() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| {
        s.no_capacity.insert("gpu_1x_a10".into());
    });
    let t = lambda_test(&server);
    let out = t.run(&["up", "--gpu", "a10,h100", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("attempt 1: lambda:gpu_1x_a10@us-east-1: insufficient capacity"),
        "{}",
        out.stderr
    );
    assert_eq!(out.json()["offer_id"], "lambda:gpu_1x_h100_pcie@us-west-1");
    assert_eq!(fake.live().len(), 1, "exactly one instance per `up`");
    assert_eq!(fake.with(|s| s.launch_calls), 2);
    let statuses: Vec<String> = t.ledger()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["failed", "launched"]);
}

#[tokio::test]
async fn no_capacity_anywhere_exits_7_and_launches_nothing() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| {
        for t in ["gpu_1x_a10", "gpu_1x_h100_pcie", "gpu_8x_h100_sxm5"] {
            s.no_capacity.insert(t.into());
        }
    });
    let t = lambda_test(&server);
    let out = t.run(&["up", "--yes", "--max-attempts", "2"]);
    assert_eq!(out.code, 7, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("no capacity on any of the 2 offers tried"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.with(|s| s.launch_calls), 2);
    assert!(fake.live().is_empty());
    assert!(open_entries(&t).is_empty());
}

#[tokio::test]
async fn a_rate_limited_launch_is_retried_and_creates_one_instance() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| s.launch_429 = 1);
    let t = lambda_test(&server);
    let out = t.run(&["up", "--gpu", "a10", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        fake.with(|s| s.launch_calls),
        2,
        "429 means not processed: safe to send again"
    );
    assert_eq!(fake.live().len(), 1);
}

#[tokio::test]
async fn the_same_name_twice_launches_once() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let first = t.run(&[
        "up", "--gpu", "a10", "--name", "ci-run-7", "--yes", "--json",
    ]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let second = t.run(&[
        "up", "--gpu", "a10", "--name", "ci-run-7", "--yes", "--json",
    ]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second
            .stderr
            .contains("`gpu-ci-run-7` is already running; launching nothing"),
        "{}",
        second.stderr
    );
    assert_eq!(second.json()["existing"], true);
    assert_eq!(second.json()["instance_id"], first.json()["instance_id"]);
    assert_eq!(fake.with(|s| s.launch_calls), 1);
    assert_eq!(fake.live().len(), 1);
}

#[tokio::test]
async fn a_launch_that_timed_out_but_happened_is_found_not_repeated() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| s.launch_delay = Some(Duration::from_secs(4)));
    let t = lambda_test(&server)
        .unset("GPU_LAMBDA_BASE_URL")
        .config(&format!(
            "timeout = 1\n[providers.lambda]\nbase_url = \"{}\"\n",
            server.uri()
        ));
    let out = t.run(&["up", "--gpu", "a10", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("the launch answer was lost"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.with(|s| s.launch_calls), 1, "never sent twice");
    assert_eq!(fake.live().len(), 1);
    assert_eq!(
        out.json()["instance_id"].as_str().unwrap(),
        fake.live()[0].id
    );
    assert_eq!(open_entries(&t)[0]["status"], "launched");
}

#[tokio::test]
async fn a_lost_launch_answer_waits_for_the_instance_to_be_listed() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| {
        s.launch_delay = Some(Duration::from_secs(4));
        s.listed_after = 2; // the new instance appears in the third list answer
    });
    let t = lambda_test(&server)
        .unset("GPU_LAMBDA_BASE_URL")
        .config(&format!(
            "timeout = 1\n[providers.lambda]\nbase_url = \"{}\"\n",
            server.uri()
        ));
    let out = t.run(&["up", "--gpu", "a10", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("the launch answer was lost"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.with(|s| s.launch_calls), 1, "never sent twice");
    assert_eq!(
        out.json()["instance_id"].as_str().unwrap(),
        fake.live()[0].id
    );
    assert_eq!(open_entries(&t)[0]["status"], "launched");

    // Not listed in three reads: the ledger keeps it open as unknown (one short look proves
    // nothing), and says how it will be settled.
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| {
        s.launch_delay = Some(Duration::from_secs(4));
        s.listed_after = 100;
    });
    let t = lambda_test(&server)
        .unset("GPU_LAMBDA_BASE_URL")
        .config(&format!(
            "timeout = 1\n[providers.lambda]\nbase_url = \"{}\"\n",
            server.uri()
        ));
    let out = t.run(&["up", "--gpu", "a10", "--yes", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("may have created `gpu-"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("keeps `gpu-"), "{}", out.stderr);
    assert_eq!(fake.with(|s| s.list_calls), 3, "looked three times");
    assert_eq!(open_entries(&t)[0]["status"], "unknown");
    // It did exist after all: `ls` finds it and the ledger tracks it.
    fake.with(|s| s.listed_after = 0);
    let ls = t.run(&["ls", "--json"]);
    assert_eq!(ls.json()[0]["ledger"], "tracked", "{}", ls.stdout);
    assert_eq!(open_entries(&t)[0]["status"], "launched");
}

#[tokio::test]
async fn orphans_are_shown_and_can_be_released() {
    let (server, fake) = LambdaFake::start().await;
    // A crash between create and record: the instance exists with this owner's tags, the
    // ledger never heard of it.
    let orphan = fake.add_owned("gpu-lost-1234", "me-1", None);
    fake.add_running("someone-elses-box");
    // Named like ours, made by hand: never released by `--orphans`.
    let alice = fake.add_running("gpu-box-alice");
    let t = lambda_test(&server).owned_by("me-1");
    let out = t.run(&["ls", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = out.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(
        rows.len(),
        2,
        "instances not named gpu-* are not shown: {rows:#?}"
    );
    let row = |id: &str| rows.iter().find(|r| r["instance_id"] == id).unwrap();
    assert_eq!(row(&orphan)["ledger"], "orphan");
    assert_eq!(row(&orphan)["owner"], "me-1");
    assert_eq!(row(&alice)["ledger"], "not gpu");
    assert_eq!(row(&alice)["owner"], serde_json::Value::Null);
    assert!(
        out.stderr.contains("`gpu down --orphans` releases them"),
        "{}",
        out.stderr
    );

    let out = t.run(&["down", "--orphans", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("released lambda:{orphan}")),
        "{}",
        out.stderr
    );
    let names: Vec<String> = fake.live().iter().map(|i| i.name.clone()).collect();
    assert_eq!(names, ["someone-elses-box", "gpu-box-alice"]);
}

#[tokio::test]
async fn a_ledger_intent_without_an_id_is_reconciled_by_name() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let id = fake.add_running("gpu-crashed");
    // What a crash after the intent was written and the create was sent leaves behind.
    let ledger_dir = t.home().join("data/gpu");
    std::fs::create_dir_all(&ledger_dir).unwrap();
    std::fs::write(
        ledger_dir.join("ledger.json"),
        serde_json::json!({"version": 1, "entries": [{
            "name": "gpu-crashed", "provider": "lambda", "offer_id": "lambda:gpu_1x_a10@us-east-1",
            "instance_id": null, "status": "intent", "gpu": "A10 24GB", "gpu_count": 1, "region": "us-east-1",
            "price_per_hour_usd": 1.29, "labels": {}, "created_at": "2026-11-25T08:00:00Z",
            "launched_at": null, "released_at": null, "deadline": null, "ssh": null, "note": null}]})
        .to_string(),
    )
    .unwrap();
    let out = t.run(&["ls", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = out.json();
    assert_eq!(rows[0]["ledger"], "tracked");
    assert_eq!(rows[0]["instance_id"], id.as_str());
    assert_eq!(
        open_entries(&t)[0]["instance_id"],
        id.as_str(),
        "the ledger adopted the id"
    );
}

#[tokio::test]
async fn ls_shows_cost_and_ssh_and_down_releases_and_verifies() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let up = t
        .run(&[
            "up", "--gpu", "a10", "--yes", "--json", "--label", "team=ml",
        ])
        .json();
    let id = up["id"].as_str().unwrap().to_string();
    let out = t.run(&["ls", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let row = &out.json()[0];
    assert_eq!(row["id"], id.as_str());
    assert_eq!(row["price_per_hour_usd"], 1.29);
    assert_eq!(row["labels"]["team"], "ml");
    assert!(row["cost_so_far_usd"].is_number());
    let table = t.run(&["ls", "-o", "table"]);
    assert!(table.stdout.starts_with("ID"), "{}", table.stdout);
    assert!(table.stdout.contains(&id));

    let out = t.run(&["down", "--label", "team=ml", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()[0]["result"], "terminated");
    assert!(fake.live().is_empty());
    assert!(open_entries(&t).is_empty());
    let out = t.run(&["ls"]);
    assert!(
        out.stderr
            .contains("no instances launched by `gpu` are running"),
        "{}",
        out.stderr
    );
}

/// A newer API, or a provider's slip, lists one instance in a form this version cannot read:
/// it stays in `ls` (unknown, counted as billing), the warning names the field, the other
/// instance is whole, and `down` releases it by name.
#[tokio::test]
async fn an_instance_that_cannot_be_read_whole_is_shown_and_released() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let a = t.run(&["up", "--gpu", "a10", "--yes", "--json", "--name", "gpu-odd"]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    let b = t.run(&[
        "up", "--gpu", "a10", "--yes", "--json", "--name", "gpu-fine",
    ]);
    assert_eq!(b.code, 0, "{}", b.stderr);
    let odd = a.json()["instance_id"].as_str().unwrap().to_string();
    fake.with(|s| s.garbled.insert(odd.clone()));

    let out = t.run(&["ls", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = out.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let row = |name: &str| rows.iter().find(|r| r["name"] == name).unwrap().clone();
    assert_eq!(row("gpu-odd")["state"], "unreadable");
    assert_eq!(row("gpu-odd")["ledger"], "tracked");
    assert_eq!(row("gpu-fine")["price_per_hour_usd"], 1.29);
    assert!(
        out.stderr
            .contains(&format!("`lambda` lists instance `{odd}` (`gpu-odd`)"))
            && out.stderr.contains("instance_type.specs.gpus")
            && out.stderr.contains("counted as billing"),
        "{}",
        out.stderr
    );
    // Listed, so not missing: the ledger still has both open.
    assert_eq!(open_entries(&t).len(), 2);

    let out = t.run(&["down", "gpu-odd", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()[0]["result"], "terminated", "{}", out.stdout);
    let live: Vec<String> = fake.live().into_iter().map(|i| i.name).collect();
    assert_eq!(live, ["gpu-fine"]);
    assert_eq!(open_entries(&t).len(), 1);
}

#[tokio::test]
async fn down_reports_failure_honestly() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let id = t.run(&["up", "--gpu", "a10", "--yes", "--json"]).json()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // The provider says yes but the instance keeps running: not a success.
    fake.with(|s| s.ignore_terminate = true);
    let out = t.run(&["down", &id, "--yes"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("the provider still reports it as `active`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(&format!("{id} may still be running and billing")),
        "{}",
        out.stderr
    );
    assert_eq!(open_entries(&t).len(), 1, "the ledger still tracks it");

    // A terminate that fails once is retried and then confirmed.
    fake.with(|s| {
        s.ignore_terminate = false;
        s.terminate_failures = 1;
    });
    let out = t.run(&["down", &id, "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(fake.live().is_empty());
    assert!(open_entries(&t).is_empty());

    // Always failing: exit 1, never a silent success.
    let id = t.run(&["up", "--gpu", "a10", "--yes", "--json"]).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    fake.with(|s| s.terminate_failures = 100);
    let out = t.run(&["down", &id, "--yes"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("could not release"), "{}", out.stderr);
    assert_eq!(fake.live().len(), 1);
}

#[tokio::test]
async fn ttl_deadlines_are_recorded_flagged_and_enforced() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let up = t.run(&["up", "--gpu", "a10", "--yes", "--json", "--ttl", "1s"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert!(up.json()["deadline"].is_string());
    std::thread::sleep(Duration::from_millis(1200));
    let out = t.run(&["ls", "--json"]);
    assert_eq!(out.json()[0]["overdue"], true);
    assert!(
        out.stderr.contains("past their `--ttl` deadline"),
        "{}",
        out.stderr
    );
    let out = t.run(&["down", "--expired", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(fake.live().is_empty());
}

#[tokio::test]
async fn a_price_rise_before_launch_is_refused() {
    let (server, fake) = LambdaFake::start().await;
    // The first read (choosing) sees $1.29; the re-read just before launch sees $2.50.
    fake.with(|s| s.price_after = Some((1, "gpu_1x_a10".into(), 250)));
    let t = lambda_test(&server);
    let out = t.run(&["up", "--gpu", "a10", "--yes", "--max-attempts", "1"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr
            .contains("now costs $2.50/hour, more than the $1.29 agreed"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.with(|s| s.launch_calls), 0);

    // Naming an offer whose price is above --max-price refuses too.
    let out = t.run(&[
        "up",
        "lambda:gpu_1x_a10@us-east-1",
        "--max-price",
        "2",
        "--yes",
    ]);
    assert_eq!(out.code, 5, "{}", out.stderr);
    assert!(
        out.stderr.contains("above your limit; not launching"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.with(|s| s.launch_calls), 0);
}

#[tokio::test]
async fn dry_run_sends_nothing_that_creates() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let out = t.run(&["up", "--gpu", "a10", "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("POST http://127.0.0.1:"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("/api/v1/instance-operations/launch"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("\"instance_type_name\":\"gpu_1x_a10\""),
        "{}",
        out.stdout
    );
    let reqs = server.received_requests().await.unwrap();
    assert!(
        reqs.iter().all(|r| r.method.as_str() == "GET"),
        "only reads were sent"
    );
    assert_eq!(fake.with(|s| s.launch_calls), 0);
    assert!(t.ledger()["entries"].as_array().unwrap().is_empty());
    let json = t.run(&["up", "--gpu", "a10", "--dry-run", "--json"]).json();
    assert_eq!(json["dry_run"], true);
}

#[tokio::test]
async fn confirmation_is_required_without_a_terminal() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let out = t.run(&["up", "--gpu", "a10"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("pass `--yes`"), "{}", out.stderr);
    assert_eq!(fake.with(|s| s.launch_calls), 0);
    let out = t.run(&["down", "--all"]);
    assert!(out.code == 0 || out.code == 2, "{}", out.stderr);
}

#[tokio::test]
async fn providers_that_cannot_launch_say_so() {
    let out = GpuTest::new().run(&["up", "azure:Standard_NC24ads_A100_v4@westeurope", "--yes"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("`azure` cannot launch instances through this tool yet"),
        "{}",
        out.stderr
    );
    let out = GpuTest::new().run(&["up", "lambda:gpu_1x_a10@us-east-1", "--yes"]);
    assert_eq!(out.code, 4);
    assert!(
        out.stderr.contains("`lambda` has no API key"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn a_provider_that_cannot_be_listed_is_not_hidden() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    t.run(&["up", "--gpu", "a10", "--yes"]);
    fake.with(|s| s.list_fails = true);
    let out = t.run(&["ls", "--json"]);
    assert_eq!(out.code, 3);
    assert_eq!(out.json()[0]["ledger"], "unreachable");
    assert!(
        out.stderr.contains("could not list `lambda`"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn vast_waits_for_ssh_and_fails_over_taken_asks() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (server, fake) = VastFake::start(port).await;
    fake.state.lock().unwrap().taken.insert(24100003); // the cheapest RTX 4090 ask is gone
    let t = GpuTest::new()
        .fake("vast", &server)
        .env("VAST_API_KEY", "vk")
        .with_ssh_key();
    let out = t.run(&[
        "up",
        "--provider",
        "vast",
        "--gpu",
        "rtx4090",
        "--yes",
        "--wait",
        "--json",
    ]);
    // Only one RTX 4090 ask exists in the fixture, so after it is taken nothing is left.
    assert_eq!(out.code, 7, "{}", out.stderr);
    assert!(
        out.stderr.contains("offer taken (HTTP 410)"),
        "{}",
        out.stderr
    );

    fake.state.lock().unwrap().taken.clear();
    let out = t.run(&[
        "up",
        "--provider",
        "vast",
        "--gpu",
        "rtx4090",
        "--yes",
        "--wait",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["host"], "127.0.0.1");
    assert_eq!(v["port"], port);
    assert_eq!(v["ssh_command"], format!("ssh -p {port} root@127.0.0.1"));
    assert_eq!(fake.state.lock().unwrap().attached_keys, [TEST_PUBLIC_KEY]);
    let out = t.run(&["ssh", v["id"].as_str().unwrap(), "--print"]);
    let line = out.stdout.trim();
    assert!(line.starts_with(&format!("ssh -p {port} ")), "{line}");
    assert!(line.ends_with(" -- root@127.0.0.1"), "{line}");
    drop(listener);
    crate::contract::assert_fits("vast", &server, &[]).await;
}

#[tokio::test]
async fn wait_timeout_exits_6_and_keeps_tracking() {
    let (server, fake) = VastFake::start(1).await;
    fake.state.lock().unwrap().never_boot = true;
    let t = GpuTest::new()
        .fake("vast", &server)
        .env("VAST_API_KEY", "vk")
        .with_ssh_key();
    let out = t.run(&[
        "up",
        "--provider",
        "vast",
        "--gpu",
        "h100",
        "--yes",
        "--wait",
        "--wait-timeout",
        "1s",
        "--json",
    ]);
    assert_eq!(out.code, 6, "{}", out.stderr);
    assert!(
        out.stderr.contains("it is still running and billing"),
        "{}",
        out.stderr
    );
    assert_eq!(open_entries(&t).len(), 1);
    out.json();
}

#[tokio::test]
async fn two_ups_at_once_keep_both_in_the_ledger() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    std::thread::scope(|s| {
        let a = s.spawn(|| t.run(&["up", "--gpu", "a10", "--yes", "--name", "one"]));
        let b = s.spawn(|| t.run(&["up", "--gpu", "h100", "--yes", "--name", "two"]));
        let (a, b) = (a.join().unwrap(), b.join().unwrap());
        assert_eq!((a.code, b.code), (0, 0), "{}\n{}", a.stderr, b.stderr);
    });
    assert_eq!(fake.live().len(), 2);
    let mut names: Vec<String> = open_entries(&t)
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["gpu-one", "gpu-two"]);
}
