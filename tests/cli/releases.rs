//! Every release confirmed, every create accounted for: the stories of a fault matrix that
//! once failed (a provider that ignores a terminate, a list that fails at the wrong moment, a
//! ledger that cannot be written while a create is in flight, a retried CI step), each against
//! the stateful Lambda fake. Every `gpu down ...` command the tool prints is run here too.

use std::time::Duration;

use crate::fakes::LambdaFake;
use crate::lifecycle::{lambda_test, open_entries};
use crate::renting::{finish, spawn, until};
use crate::support::Output;

/// The `gpu down ...` command a message printed, without the leading `gpu`.
fn printed_down(text: &str) -> Vec<String> {
    let at = text
        .find("gpu down ")
        .unwrap_or_else(|| panic!("no `gpu down` command in:\n{text}"));
    text[at + 4..]
        .split(['`', '\n', ')', ';'])
        .next()
        .unwrap()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Launch one A10 and give its `provider:id`.
fn launched(t: &crate::support::GpuTest) -> String {
    let up = t.run(&["up", "--gpu", "a10", "--yes", "--json"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    up.json()["id"].as_str().unwrap().to_string()
}

fn run_printed(t: &crate::support::GpuTest, text: &str) -> Output {
    let args = printed_down(text);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    t.run(&args)
}

#[tokio::test]
async fn a_terminate_the_provider_ignores_is_still_billing_not_released() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let id = launched(&t);
    // The terminate is answered 200 and ignored; the status read says 404 while the list
    // still shows the instance.
    fake.with(|s| {
        s.ignore_terminate = true;
        s.status_404 = true;
    });
    let out = t.run(&["down", &id, "--yes"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stderr.contains("released lambda"), "{}", out.stderr);
    assert!(out.stderr.contains("still billing"), "{}", out.stderr);
    assert!(out.stderr.contains(&id), "{}", out.stderr);
    assert_eq!(open_entries(&t).len(), 1, "the ledger keeps it open");
    assert_eq!(fake.live().len(), 1);
    // Once the provider does end it, the printed command releases it.
    fake.with(|s| s.ignore_terminate = false);
    let again = run_printed(&t, &out.stderr);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(fake.live().is_empty());
    assert!(open_entries(&t).is_empty());
}

#[tokio::test]
async fn an_explicit_id_is_released_when_the_list_fails() {
    let (server, fake) = LambdaFake::start().await;
    // The ledger lost it (a crash), and the list answers 503.
    let id = fake.add_owned("gpu-lost", "me-1", None);
    fake.with(|s| s.list_fails = true);
    let t = lambda_test(&server).env("GPU_OWNER", "me-1");
    let out = t.run(&["down", &format!("lambda:{id}"), "--yes"]);
    assert_eq!(fake.with(|s| s.terminate_calls), 1, "{}", out.stderr);
    assert!(fake.live().is_empty());
    // A 404 with no list to agree confirms nothing: it says so, and exits 1.
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("could not be read to confirm"),
        "says what it could not confirm: {}",
        out.stderr
    );
    // Once the list answers again, the printed command settles it.
    fake.with(|s| s.list_fails = false);
    let again = run_printed(&t, &out.stderr);
    assert_eq!(again.code, 0, "{}", again.stderr);
}

#[tokio::test]
async fn a_confirmed_release_exits_0_when_the_list_fails_afterwards() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let id = launched(&t);
    // The status read shows it terminated; the list fails from then on.
    fake.with(|s| {
        s.list_fails_after_terminate = true;
        s.status_keeps_terminated = true;
    });
    let out = t.run(&["down", &id, "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("warning:"), "{}", out.stderr);
    assert!(fake.live().is_empty());
    assert!(open_entries(&t).is_empty());
}

#[tokio::test]
async fn a_bare_404_with_no_list_to_agree_is_not_a_confirmed_release() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let id = launched(&t);
    // The provider ignores the terminate, its status read says 404, and its list is down:
    // nothing shows that it stopped billing.
    fake.with(|s| {
        s.ignore_terminate = true;
        s.status_404 = true;
        s.list_fails_after_terminate = true;
    });
    let out = t.run(&["down", &id, "--yes"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("may still be billing"),
        "{}",
        out.stderr
    );
    assert_eq!(open_entries(&t).len(), 1, "the ledger keeps it open");
    assert_eq!(fake.live().len(), 1);
}

#[tokio::test]
async fn down_all_names_each_orphan_it_leaves_with_a_command_that_works() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server).owned_by("me-1");
    let up = t.run(&["up", "--gpu", "a10", "--yes", "--json"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    let crashed = fake.add_owned("gpu-crashed", "me-1", None);
    let out = t.run(&["down", "--all", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("gpu-crashed"), "{}", out.stderr);
    let live = fake.live();
    assert_eq!(live.len(), 1, "`--all` is this ledger's");
    assert_eq!(live[0].id, crashed);
    let after = out.stderr[out.stderr.find("gpu-crashed").unwrap()..].to_string();
    let again = run_printed(&t, &after);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(fake.live().is_empty());
}

#[tokio::test]
async fn down_all_racing_a_create_releases_what_the_create_made() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| s.launch_delay = Some(Duration::from_millis(1500)));
    let t = lambda_test(&server);
    let child = spawn(&t, &["up", "--gpu", "a10", "--name", "x", "--yes"]);
    until("the create", Duration::from_secs(10), || {
        fake.with(|s| s.launch_calls) == 1
    });
    let out = t.run(&["down", "--all", "--yes"]);
    let up = finish(child);
    if out.stderr.contains("released lambda:") {
        // Released before `up` heard its create's answer: `up` must not say it runs.
        assert_eq!(up.code, 1, "{}", up.stderr);
        assert!(
            up.stderr.contains("released it while the create"),
            "{}",
            up.stderr
        );
    }
    assert!(!out.all().contains(":-"), "{}", out.stderr);
    if out.code == 0 {
        assert!(fake.live().is_empty(), "{}", out.stderr);
    } else {
        // Whatever it printed works now that the create has landed.
        let again = run_printed(&t, &out.stderr);
        assert_eq!(again.code, 0, "{}", again.stderr);
        assert!(fake.live().is_empty());
    }
    assert!(
        open_entries(&t).is_empty(),
        "{:#?}\n{}\n{}",
        open_entries(&t),
        out.stderr,
        up.stderr
    );
}

#[tokio::test]
async fn up_timeout_bounds_the_create_as_gpu_timeout_does() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| s.launch_delay = Some(Duration::from_secs(6)));
    let t = lambda_test(&server);
    let start = std::time::Instant::now();
    let out = t.run(&["up", "--gpu", "a10", "--yes", "--timeout", "2"]);
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "the create was not bounded by --timeout: {took:?}\n{}",
        out.stderr
    );
    // The lost answer is looked up by name: the instance the create made is found, once.
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("answer was lost"), "{}", out.stderr);
    assert_eq!(fake.with(|s| s.launch_calls), 1);
    assert_eq!(fake.live().len(), 1);
}

#[tokio::test]
async fn a_retried_up_with_a_ttl_returns_the_running_instance() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let first = t.run(&[
        "up", "--gpu", "a10", "--name", "x", "--ttl", "1h", "--yes", "--json",
    ]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let again = t.run(&[
        "up", "--gpu", "a10", "--name", "x", "--ttl", "1h", "--yes", "--json",
    ]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.json()["existing"], true);
    assert_eq!(again.json()["id"], first.json()["id"]);
    assert!(again.stderr.contains("deadline"), "{}", again.stderr);
    assert_eq!(fake.with(|s| s.launch_calls), 1);
    // A later deadline: applied at the provider where it can be, else said.
    let later = t.run(&[
        "up", "--gpu", "a10", "--name", "x", "--ttl", "5h", "--yes", "--json",
    ]);
    assert_eq!(later.code, 0, "{}", later.stderr);
    assert_eq!(later.json()["existing"], true);
    assert!(later.stderr.contains("deadline"), "{}", later.stderr);
    assert_eq!(fake.with(|s| s.launch_calls), 1);
}

#[tokio::test]
async fn a_rejected_key_is_exit_4_on_up_naming_the_variable() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| s.reject_key = true);
    let t = lambda_test(&server);
    for args in [
        vec!["up", "--gpu", "a10", "--yes"],
        vec!["up", "--gpu", "a10", "--name", "x", "--yes"],
        vec!["up", "lambda:gpu_1x_a10@us-east-1", "--yes"],
        vec!["ls"],
        vec!["down", "lambda:0123", "--yes"],
    ] {
        let out = t.run(&args);
        assert_eq!(out.code, 4, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("LAMBDA_API_KEY"),
            "{args:?}: {}",
            out.stderr
        );
    }
    assert_eq!(fake.with(|s| s.launch_calls), 0);
}

#[tokio::test]
async fn run_releases_what_it_created_when_the_ledger_cannot_be_written() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let data = t.home().join("data/gpu");
    // The ledger exists (so the intent is written); the disk "fills" while the create is in
    // flight.
    assert_eq!(t.run(&["up", "--gpu", "a10", "--dry-run"]).code, 0);
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("ledger.json"), r#"{"version": 1, "entries": []}"#).unwrap();
    fake.with(|s| s.break_ledger_on_launch = Some(data.clone()));
    let out = t.run(&["run", "--gpu", "a10", "--yes", "--", "true"]);
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert_ne!(out.code, 122, "it was released: {}", out.stderr);
    assert_eq!(fake.with(|s| s.terminate_calls), 1, "{}", out.stderr);
    assert!(fake.live().is_empty(), "{}", out.stderr);
}
