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
}
