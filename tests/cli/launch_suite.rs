//! The lifecycle every launch provider must pass, written once: a provider's stateful fake
//! implements [`LaunchFake`] and one `launch_suite!` line runs every story against it.
//!
//! The stories: launch, list and release; owner and deadline kept at the provider (another
//! machine sees them); no capacity fails over; a 429 creates nothing and is sent again once;
//! a lost create answer is found by name, never sent twice; an orphan is shown and released;
//! a dry run shows the exact create and sends nothing that creates; Ctrl-C after the create
//! or while it is in flight says what may bill and how to release it.

use std::time::Duration;

use wiremock::MockServer;

use crate::support::GpuTest;

/// What the shared lifecycle needs from a provider's fake.
pub trait LaunchFake: Sized + Send + Sync + 'static {
    /// The provider id.
    const ID: &'static str;
    /// A fragment of the dry run's create request that only the create has (its path or action).
    const CREATE_MARK: &'static str;
    fn start() -> impl std::future::Future<Output = (MockServer, Self)>;
    /// A test configured for the fake: key(s), base URL(s), an SSH key.
    fn test(server: &MockServer) -> GpuTest;
    /// `gpu up` arguments that pick this provider's offers; more than one offer must match.
    fn up_args() -> Vec<&'static str>;
    /// Ids of the instances that bill now (not being deleted, not deleted).
    fn billing(&self) -> Vec<String>;
    /// Create calls received, refused ones included.
    fn creates(&self) -> u32;
    /// The next create answers the provider's own "no capacity" and creates nothing.
    fn no_capacity_once(&self);
    /// The next `n` creates answer 429 and create nothing.
    fn rate_limit_creates(&self, n: u32);
    /// Creates happen at once but their answers come this late.
    fn delay_create_answers(&self, by: Duration);
    /// An instance made by `gpu` of owner `owner` that no ledger knows; its id.
    fn add_orphan(&self, name: &str, owner: &str) -> String;
    /// The answers given, where the provider's models can read them back (AWS).
    fn answers(&self) -> Vec<serde_json::Value> {
        Vec::new()
    }
}

/// Every story ends here: what `gpu` sent in it is what the provider's document allows.
async fn fits_the_document<F: LaunchFake>(server: &MockServer, fake: &F) {
    crate::contract::assert_fits(F::ID, server, &fake.answers()).await;
}

fn up<F: LaunchFake>(t: &GpuTest, extra: &[&str]) -> crate::support::Output {
    let mut args = vec!["up"];
    args.extend(F::up_args());
    args.extend(["--yes", "--json", "--ttl", "2h"]);
    args.extend(extra);
    t.run(&args)
}

pub async fn launches_lists_and_releases<F: LaunchFake>() {
    let (server, fake) = F::start().await;
    let t = F::test(&server);
    let out = up::<F>(&t, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["provider"], F::ID);
    let id = v["instance_id"].as_str().unwrap().to_string();
    assert_eq!(fake.billing(), std::slice::from_ref(&id));
    assert_eq!(fake.creates(), 1);

    let ls = t.run(&["ls", "--json"]);
    assert_eq!(ls.code, 0, "{}", ls.stderr);
    let rows = ls.json();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["instance_id"] == id.as_str())
        .unwrap_or_else(|| panic!("{id} not listed: {rows:#}"));
    assert_eq!(row["ledger"], "tracked");
    assert_eq!(row["provider"], F::ID);

    let down = t.run(&["down", "--all", "--yes"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert!(
        fake.billing().is_empty(),
        "still billing: {:?}",
        fake.billing()
    );
    assert!(
        down.stderr.contains(&format!("released {}:{id}", F::ID)),
        "{}",
        down.stderr
    );
    fits_the_document(&server, &fake).await;
}

pub async fn owner_and_deadline_are_kept_at_the_provider<F: LaunchFake>() {
    let (server, fake) = F::start().await;
    let t = F::test(&server).env("GPU_OWNER", "ci-box-1");
    let out = up::<F>(&t, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    // Another machine on the account, with an empty ledger, learns both from the provider.
    let other = F::test(&server).env("GPU_OWNER", "laptop-2");
    let ls = other.run(&["ls", "--json"]);
    assert_eq!(ls.code, 0, "{}", ls.stderr);
    let rows = ls.json();
    let row = &rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["instance_id"] == v["instance_id"])
        .unwrap_or_else(|| panic!("not listed: {rows:#}"));
    assert_eq!(row["owner"], "ci-box-1");
    assert_eq!(row["deadline"], v["deadline"], "{row:#}");
    assert_ne!(
        row["ledger"], "orphan",
        "someone else's instance is not ours to sweep"
    );
    fits_the_document(&server, &fake).await;
}

pub async fn no_capacity_fails_over_to_the_next_offer<F: LaunchFake>() {
    let (server, fake) = F::start().await;
    fake.no_capacity_once();
    let t = F::test(&server);
    let out = up::<F>(&t, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(fake.creates(), 2, "{}", out.stderr);
    assert_eq!(
        fake.billing().len(),
        1,
        "one instance, whatever the attempts"
    );
    assert!(out.stderr.contains("attempt 1: "), "{}", out.stderr);
    fits_the_document(&server, &fake).await;
}

pub async fn a_rate_limited_create_is_sent_again_once<F: LaunchFake>() {
    let (server, fake) = F::start().await;
    fake.rate_limit_creates(1);
    let t = F::test(&server);
    let out = up::<F>(&t, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        fake.creates(),
        2,
        "429 means not processed: safe to send again"
    );
    assert_eq!(fake.billing().len(), 1);
    fits_the_document(&server, &fake).await;
}

pub async fn a_lost_create_answer_is_found_not_repeated<F: LaunchFake>() {
    let (server, fake) = F::start().await;
    fake.delay_create_answers(Duration::from_secs(4));
    let t = F::test(&server).env("GPU_TIMEOUT", "1");
    let out = up::<F>(&t, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("the launch answer was lost"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.creates(), 1, "never sent twice");
    assert_eq!(
        fake.billing(),
        [out.json()["instance_id"].as_str().unwrap().to_string()]
    );
    let entries = t.ledger()["entries"].clone();
    assert_eq!(entries[0]["status"], "launched", "{entries:#}");
    fits_the_document(&server, &fake).await;
}

pub async fn orphans_are_shown_and_released<F: LaunchFake>() {
    let (server, fake) = F::start().await;
    // An instance of this machine's own owner id (one an older version launched carries no
    // launcher: it is this machine's only under an owner id it made itself).
    let orphan = fake.add_orphan("gpu-lost-1234", "me-1");
    let t = F::test(&server).owned_by("me-1");
    let ls = t.run(&["ls", "--json"]);
    assert_eq!(ls.code, 0, "{}", ls.stderr);
    let rows = ls.json();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["instance_id"] == orphan.as_str())
        .unwrap_or_else(|| panic!("orphan not listed: {rows:#}"));
    assert_eq!(row["ledger"], "orphan");
    assert_eq!(row["owner"], "me-1");
    let down = t.run(&["down", "--orphans", "--yes"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert!(fake.billing().is_empty(), "{}", down.stderr);
    fits_the_document(&server, &fake).await;
}

pub async fn a_dry_run_shows_the_create_and_sends_nothing_that_creates<F: LaunchFake>() {
    let (server, fake) = F::start().await;
    let t = F::test(&server);
    let mut args = vec!["up"];
    args.extend(F::up_args());
    args.extend(["--dry-run", "--ttl", "2h"]);
    let out = t.run(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("http://127.0.0.1:"), "{}", out.stdout);
    assert!(out.stdout.contains(F::CREATE_MARK), "{}", out.stdout);
    assert_eq!(fake.creates(), 0);
    assert!(fake.billing().is_empty());
    assert!(t.ledger()["entries"].as_array().unwrap().is_empty());
    fits_the_document(&server, &fake).await;
}

pub async fn ctrl_c_says_what_may_bill_and_how_to_release_it<F: LaunchFake>() {
    use crate::renting::{finish, signal, spawn, until};
    // After the create: the instance bills; the interrupt names it and the command that
    // releases it, and the ledger keeps it.
    let (server, fake) = F::start().await;
    let t = F::test(&server);
    let mut args = vec!["up"];
    args.extend(F::up_args());
    args.extend(["--yes", "--json", "--wait", "--wait-timeout", "60s"]);
    let child = spawn(&t, &args);
    until("the instance", Duration::from_secs(20), || {
        fake.billing().len() == 1
    });
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "-INT");
    let out = finish(child);
    assert_eq!(out.code, 130, "{}", out.stderr);
    let id = fake.billing()[0].clone();
    let release = format!("gpu down {}:{id} --yes", F::ID);
    assert!(
        out.stderr.contains("may be running and billing"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(&release), "{}", out.stderr);
    assert_eq!(out.json()["release_command"], release);
    let entries = t.ledger()["entries"].clone();
    assert_eq!(
        entries[0]["instance_id"],
        id.as_str(),
        "still tracked: {entries:#}"
    );
    fits_the_document(&server, &fake).await;

    // While the create is in flight: the name, that it may exist, and how to release it; the
    // next `ls` finds it by name.
    let (server, fake) = F::start().await;
    fake.delay_create_answers(Duration::from_secs(5));
    let t = F::test(&server);
    let mut args = vec!["up"];
    args.extend(F::up_args());
    args.extend(["--yes", "--name", "inflight"]);
    let child = spawn(&t, &args);
    until("the create", Duration::from_secs(20), || {
        fake.creates() == 1
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
    let ls = t.run(&["ls", "--json"]);
    let rows = ls.json();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "gpu-inflight")
        .unwrap_or_else(|| panic!("{rows:#}"));
    assert_eq!(row["ledger"], "tracked", "{row:#}");
    assert_eq!(fake.billing().len(), 1);
    fits_the_document(&server, &fake).await;
}

/// Every shared lifecycle story for one fake: `launch_suite!(module, FakeType);`.
#[macro_export]
macro_rules! launch_suite {
    ($name:ident, $fake:ty) => {
        mod $name {
            use $crate::launch_suite as s;
            #[tokio::test]
            async fn launches_lists_and_releases() {
                s::launches_lists_and_releases::<$fake>().await;
            }
            #[tokio::test]
            async fn owner_and_deadline_are_kept_at_the_provider() {
                s::owner_and_deadline_are_kept_at_the_provider::<$fake>().await;
            }
            #[tokio::test]
            async fn no_capacity_fails_over_to_the_next_offer() {
                s::no_capacity_fails_over_to_the_next_offer::<$fake>().await;
            }
            #[tokio::test]
            async fn a_rate_limited_create_is_sent_again_once() {
                s::a_rate_limited_create_is_sent_again_once::<$fake>().await;
            }
            #[tokio::test]
            async fn a_lost_create_answer_is_found_not_repeated() {
                s::a_lost_create_answer_is_found_not_repeated::<$fake>().await;
            }
            #[tokio::test]
            async fn orphans_are_shown_and_released() {
                s::orphans_are_shown_and_released::<$fake>().await;
            }
            #[tokio::test]
            async fn ctrl_c_says_what_may_bill_and_how_to_release_it() {
                s::ctrl_c_says_what_may_bill_and_how_to_release_it::<$fake>().await;
            }
            #[tokio::test]
            async fn a_dry_run_shows_the_create_and_sends_nothing_that_creates() {
                s::a_dry_run_shows_the_create_and_sends_nothing_that_creates::<$fake>().await;
            }
        }
    };
}
