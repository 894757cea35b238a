//! A team's machines on one account and one owner id: each instance carries the launcher id
//! of the data directory that made it, so one runner's `--orphans` never takes another's
//! instance, and a machine whose ledger is gone still knows its own.

use std::time::Duration;

use crate::fakes::LambdaFake;
use crate::lifecycle::lambda_test;
use crate::renting::{finish, spawn, until};

fn rows(out: &crate::support::Output) -> Vec<serde_json::Value> {
    out.json().as_array().unwrap().clone()
}

#[tokio::test]
async fn a_shared_owner_never_makes_another_runners_instance_an_orphan() {
    let (server, fake) = LambdaFake::start().await;
    let a = lambda_test(&server).env("GPU_OWNER", "team-ci");
    let b = lambda_test(&server).env("GPU_OWNER", "team-ci");
    let up = a.run(&["up", "--gpu", "a10", "--name", "job-1", "--yes", "--json"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    let id = up.json()["instance_id"].as_str().unwrap().to_string();

    let ls = b.run(&["ls", "--json"]);
    assert_eq!(ls.code, 0, "{}", ls.stderr);
    let seen = rows(&ls);
    assert_eq!(seen.len(), 1, "{seen:#?}");
    assert_eq!(seen[0]["ledger"], "team", "{seen:#?}");
    assert_eq!(seen[0]["owner"], "team-ci");
    assert!(seen[0]["launcher"].is_string(), "{seen:#?}");

    let sweep = b.run(&["down", "--orphans", "--yes"]);
    assert_eq!(sweep.code, 0, "{}", sweep.stderr);
    assert_eq!(fake.live().len(), 1, "{}", sweep.stderr);
    assert_eq!(fake.live()[0].id, id);
    // A's own view is unchanged: tracked.
    assert_eq!(rows(&a.run(&["ls", "--json"]))[0]["ledger"], "tracked");

    // While A's next create is in flight, B's sweep leaves it too, and A's `up` then has a
    // live instance.
    fake.with(|s| s.launch_delay = Some(Duration::from_millis(1500)));
    let child = spawn(&a, &["up", "--gpu", "a10", "--name", "job-2", "--yes"]);
    until("the create", Duration::from_secs(10), || {
        fake.with(|s| s.launch_calls) == 2
    });
    let sweep = b.run(&["down", "--orphans", "--yes"]);
    assert_eq!(sweep.code, 0, "{}", sweep.stderr);
    let up2 = finish(child);
    assert_eq!(up2.code, 0, "{}", up2.stderr);
    assert_eq!(fake.live().len(), 2, "{}", sweep.stderr);
    // By name, B may release A's instance: the team shares its owner.
    let named = b.run(&["down", &format!("lambda:{id}"), "--yes"]);
    assert_eq!(named.code, 0, "{}", named.stderr);
    assert_eq!(fake.live().len(), 1);
}

#[tokio::test]
async fn a_deleted_ledger_keeps_the_owner_and_the_machine_finds_its_orphans() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let up = t.run(&["up", "--gpu", "a10", "--yes", "--json"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    let owner = up.json()["owner"].as_str().unwrap().to_string();
    let ledger = t.home().join("data/gpu/ledger.json");
    for broken in ["deleted", "emptied"] {
        match broken {
            "deleted" => std::fs::remove_file(&ledger).unwrap(),
            _ => std::fs::write(&ledger, "").unwrap(),
        }
        let ls = t.run(&["ls", "--json"]);
        let seen = rows(&ls);
        assert_eq!(seen.len(), 1, "{broken}: {seen:#?}");
        assert_eq!(seen[0]["ledger"], "orphan", "{broken}: {}", ls.stderr);
        assert_eq!(seen[0]["owner"], owner.as_str(), "{broken}");
        assert_eq!(seen[0]["mine"], true, "{broken}");
    }
    std::fs::remove_file(&ledger).unwrap();
    let down = t.run(&["down", "--orphans", "--yes"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert!(fake.live().is_empty(), "{}", down.stderr);
}

#[tokio::test]
async fn deadlines_are_judged_by_the_providers_clock() {
    let (server, fake) = LambdaFake::start().await;
    // Due in an hour by this machine's clock; an hour past due by the provider's, which runs
    // two hours ahead.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    fake.add_owned("gpu-late", "me-1", Some(now + 3600));
    fake.with(|s| s.clock_ahead = Some(Duration::from_secs(7200)));
    let t = lambda_test(&server).env("GPU_OWNER", "me-1");
    let ls = t.run(&["ls", "--json"]);
    assert_eq!(ls.code, 0, "{}", ls.stderr);
    assert_eq!(rows(&ls)[0]["overdue"], true, "{}", ls.stderr);
    assert_eq!(
        ls.stderr.matches("`lambda`'s clock is 2h00m ahead").count(),
        1,
        "said once: {}",
        ls.stderr
    );
    let down = t.run(&["down", "--expired", "--yes"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert!(fake.live().is_empty(), "{}", down.stderr);
    // A new `--ttl 1h` is an hour of the provider's time: not overdue the moment it starts.
    let up = t.run(&["up", "--gpu", "a10", "--ttl", "1h", "--yes"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    let deadline: u64 = fake.live()[0]
        .tags
        .iter()
        .find(|(k, _)| k == "gpu-deadline")
        .unwrap()
        .1
        .parse()
        .unwrap();
    assert!(deadline > now + 3 * 3600 - 120, "{deadline} vs {now}");
    assert_eq!(rows(&t.run(&["ls", "--json"]))[0]["overdue"], false);
}

#[tokio::test]
async fn an_older_versions_instance_under_a_shared_owner_is_the_teams() {
    let (server, fake) = LambdaFake::start().await;
    // Launched by a runner of the same team before it upgraded: an owner, no launcher.
    let id = fake.add_owned("gpu-job-old", "team-ci", None);
    let t = lambda_test(&server).env("GPU_OWNER", "team-ci");
    let ls = t.run(&["ls", "--json"]);
    assert_eq!(rows(&ls)[0]["ledger"], "team", "{}", ls.stdout);
    let sweep = t.run(&["down", "--orphans", "--yes"]);
    assert_eq!(sweep.code, 0, "{}", sweep.stderr);
    assert_eq!(fake.live().len(), 1, "{}", sweep.stderr);
    assert_eq!(fake.live()[0].id, id);
}

fn budget_test(server: &wiremock::MockServer) -> crate::support::GpuTest {
    lambda_test(server)
        .env("GPU_OWNER", "team-ci")
        .config("[budget]\nbudget_usd = 5\n")
}

#[tokio::test]
async fn a_budget_holds_for_the_whole_owner_one_machine_after_the_other() {
    let (server, fake) = LambdaFake::start().await;
    let a = budget_test(&server);
    let b = budget_test(&server);
    // An A10 at $1.29/hour for 2 hours commits $2.58; two commit $5.16 of $5.00.
    let first = a.run(&["up", "--gpu", "a10", "--ttl", "2h", "--yes"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let second = b.run(&["up", "--gpu", "a10", "--ttl", "2h", "--yes"]);
    assert_eq!(second.code, 1, "{}", second.stderr);
    assert!(second.stderr.contains("$5.00"), "{}", second.stderr);
    assert!(
        second.stderr.contains("$2.58 is committed"),
        "{}",
        second.stderr
    );
    assert_eq!(fake.with(|s| s.launch_calls), 1);
    // A provider that cannot be listed is unknown spending: nothing is launched.
    fake.with(|s| s.list_fails = true);
    let blind = b.run(&["up", "--gpu", "a10", "--ttl", "1h", "--yes"]);
    assert_eq!(blind.code, 1, "{}", blind.stderr);
    assert!(
        blind.stderr.contains("`lambda` could not be listed"),
        "{}",
        blind.stderr
    );
    assert_eq!(fake.with(|s| s.launch_calls), 1);
}

#[tokio::test]
async fn a_budget_holds_when_two_machines_launch_at_the_same_instant() {
    let (server, fake) = LambdaFake::start().await;
    // Neither sees the other before its create: new instances are listed only after a
    // second, and each create is answered after a second and a half.
    fake.with(|s| {
        s.list_lag = Some(Duration::from_millis(1000));
        s.launch_delay = Some(Duration::from_millis(1500));
    });
    let a = budget_test(&server);
    let b = budget_test(&server);
    let args = ["up", "--gpu", "a10", "--ttl", "2h", "--yes"];
    let (ca, cb) = (spawn(&a, &args), spawn(&b, &args));
    let (oa, ob) = (finish(ca), finish(cb));
    assert_eq!(
        fake.with(|s| s.launch_calls),
        2,
        "both passed the first check"
    );
    let live = fake.live();
    assert_eq!(
        live.len(),
        1,
        "at most $5.00 once both settle:\n{}\n{}",
        oa.stderr,
        ob.stderr
    );
    let (won, lost) = if oa.code == 0 { (&oa, &ob) } else { (&ob, &oa) };
    assert_eq!(won.code, 0, "{}", won.stderr);
    assert_eq!(lost.code, 1, "{}", lost.stderr);
    assert!(
        lost.stderr
            .contains("another launch of `team-ci` came first"),
        "{}",
        lost.stderr
    );
}

#[tokio::test]
async fn the_budget_counts_what_a_plugin_lists_for_the_owner() {
    let (server, fake) = LambdaFake::start().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // A homelab box of the same owner at $2.00/hour, in the older dotted name: no launch time,
    // so it reserves a whole window (24 h, $48.00), as an instance of unknown start does.
    let plugin = format!(
        "#!/bin/sh\nread -r request\ncase \"$request\" in\n  *'\"op\":\"list\"'*)\n    echo '{{\"version\": 1, \"instances\": [{{\"id\": \"box1\", \"name\": \"gpu-box.oteam-ci.d{}\", \"state\": \"running\", \"status\": \"running\", \"price_per_hour_usd\": 2.0}}]}}' ;;\n  *'\"op\":\"offers\"'*) echo '{{\"version\": 1, \"offers\": []}}' ;;\n  *) echo '{{\"version\": 1, \"error\": {{\"kind\": \"unsupported\", \"message\": \"no\"}}}}' ;;\nesac\n",
        now + 7200
    );
    let t = crate::plugins::with_plugin_dir(
        budget_test(&server),
        &[("gpu-provider-homelab", plugin.as_str())],
    );
    let out = t.run(&["up", "--gpu", "a10", "--ttl", "1h", "--yes"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("$48.00 is committed"), "{}", out.stderr);
    assert_eq!(fake.with(|s| s.launch_calls), 0);
}

#[tokio::test]
async fn a_retried_step_is_the_same_deadline_whichever_clock_is_off() {
    let (server, fake) = LambdaFake::start().await;
    // The provider's clock runs two hours behind: the deadline it keeps is by its clock.
    fake.with(|s| s.clock_behind = Some(Duration::from_secs(7200)));
    let t = lambda_test(&server);
    let args = [
        "up", "--gpu", "a10", "--name", "job", "--ttl", "1h", "--yes",
    ];
    let first = t.run(&args);
    assert_eq!(first.code, 0, "{}", first.stderr);
    // The same step run again asks for the same deadline: nothing to move, nothing to warn.
    let again = t.run(&args);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(!again.stderr.contains("warning:"), "{}", again.stderr);
    assert_eq!(fake.with(|s| s.launch_calls), 1);
}
