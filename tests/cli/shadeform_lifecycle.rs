//! `gpu up`, `gpu ls`, `gpu down` on Shadeform, against its stateful fake.

use crate::shadeform_fake::ShadeformFake;
use crate::support::GpuTest;

fn shadeform_test(server: &wiremock::MockServer) -> GpuTest {
    GpuTest::new()
        .fake("shadeform", server)
        .env("SHADEFORM_API_KEY", "sf-test")
        .with_ssh_key()
}

#[tokio::test]
async fn up_rents_on_the_upstream_cloud_keeps_owner_and_deadline_and_down_deletes() {
    let (server, fake) = ShadeformFake::start().await;
    let t = shadeform_test(&server);
    let find = t.run(&["find", "--provider", "shadeform", "--json"]).json();
    assert_eq!(
        find[0]["offer_id"],
        "shadeform:massedcompute/A6000@kansascity-usa-1"
    );
    assert_eq!(find[0]["price_per_hour_usd"], 0.57);
    let out = t.run(&[
        "up",
        "--provider",
        "shadeform",
        "--gpu",
        "a6000",
        "--ttl",
        "1h",
        "--yes",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    let live = fake.live();
    assert_eq!(live.len(), 1);
    let body = &live[0].body;
    assert_eq!(body["cloud"], "massedcompute");
    assert_eq!(body["shade_instance_type"], "A6000");
    assert_eq!(body["shade_cloud"], true);
    assert_eq!(body["ssh_key_id"], "key-1");
    let owner = format!("gpu-owner={}", v["owner"].as_str().unwrap());
    assert!(
        body["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == owner.as_str()),
        "{body}"
    );
    // The deadline is also Shadeform's own: it deletes the instance then.
    assert_eq!(
        body["auto_delete"]["date_threshold"].as_str().unwrap(),
        v["deadline"].as_str().unwrap()
    );
    assert!(!out.stdout.contains("sf-test") && !out.stderr.contains("sf-test"));

    let ls = t.run(&["ls", "--json"]);
    assert_eq!(ls.code, 0, "{}", ls.stderr);
    let row = &ls.json()[0];
    assert_eq!(row["id"], v["id"]);
    assert_eq!(row["state"], "active");
    assert_eq!(row["price_per_hour_usd"], 0.57);
    assert_eq!(row["ssh_command"], "ssh shadeform@127.0.0.1");
    assert_eq!(row["ledger"], "tracked");

    // The key is reused, not added again (Shadeform refuses a second one of that name).
    let again = t.run(&[
        "up",
        "--provider",
        "shadeform",
        "--gpu",
        "a6000",
        "--ttl",
        "1h",
        "--yes",
        "--json",
        "--name",
        "two",
    ]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(fake.with(|s| s.keys.len()), 1);

    let down = t.run(&["down", "--all", "--yes"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert!(fake.live().iter().all(|i| i.status == "deleting"));
}

#[tokio::test]
async fn out_of_stock_fails_over_to_the_next_offer() {
    let (server, fake) = ShadeformFake::start().await;
    fake.with(|s| {
        s.out_of_stock
            .insert(("massedcompute".into(), "kansascity-usa-1".into()));
    });
    let t = shadeform_test(&server);
    let out = t.run(&[
        "up",
        "--provider",
        "shadeform",
        "--yes",
        "--json",
        "--ttl",
        "1h",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("Out of stock"), "{}", out.stderr);
    let live = fake.live();
    assert_eq!(live.len(), 1, "one instance, whatever the attempts");
    assert_ne!(live[0].body["cloud"], "massedcompute");
    assert_eq!(fake.with(|s| s.create_calls), 2);
}

#[tokio::test]
async fn a_retried_up_with_a_later_ttl_moves_shadeforms_own_deadline() {
    let (server, fake) = ShadeformFake::start().await;
    let t = shadeform_test(&server);
    let args = |ttl: &'static str| {
        vec![
            "up",
            "--provider",
            "shadeform",
            "--gpu",
            "a6000",
            "--name",
            "job",
            "--ttl",
            ttl,
            "--yes",
            "--json",
        ]
    };
    let first = t.run(&args("1h"));
    assert_eq!(first.code, 0, "{}", first.stderr);
    let before = fake.live()[0].body["auto_delete"]["date_threshold"].clone();
    let again = t.run(&args("5h"));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.json()["existing"], true);
    assert!(
        again.stderr.contains("its deadline moved"),
        "{}",
        again.stderr
    );
    let body = fake.live()[0].body.clone();
    assert_ne!(body["auto_delete"]["date_threshold"], before, "{body}");
    let deadline = again.json()["deadline"].as_str().unwrap().to_string();
    assert_eq!(body["auto_delete"]["date_threshold"], deadline.as_str());
    // Every tag of gpu's is sent again, the deadline's moved.
    let tags: Vec<String> = body["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    assert!(tags.iter().any(|t| t.starts_with("gpu-owner=")), "{tags:?}");
    assert!(
        tags.iter().any(|t| t.starts_with("gpu-launcher=")),
        "{tags:?}"
    );
    let ls = t.run(&["ls", "--json"]);
    assert_eq!(ls.json()[0]["deadline"], deadline.as_str(), "{}", ls.stdout);
    assert_eq!(fake.live().len(), 1);
}

/// `up --name X --ttl LATER` on a running X moves the deadline only within the budget.
#[tokio::test]
async fn a_later_deadline_must_fit_the_budget() {
    let (server, fake) = crate::shadeform_fake::ShadeformFake::start().await;
    let t = crate::support::GpuTest::new()
        .fake("shadeform", &server)
        .env("SHADEFORM_API_KEY", "sf-test")
        .with_ssh_key()
        .config("[budget]\nbudget_usd = 2\n");
    let args = |ttl: &'static str| {
        vec![
            "up",
            "--provider",
            "shadeform",
            "--gpu",
            "a6000",
            "--name",
            "job",
            "--ttl",
            ttl,
            "--yes",
            "--json",
        ]
    };
    let first = t.run(&args("1h"));
    assert_eq!(first.code, 0, "{}", first.stderr);
    let again = t.run(&args("48h"));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stderr.contains("over the budget"), "{}", again.stderr);
    let body = fake.live()[0].body.clone();
    assert!(
        !again.stderr.contains("its deadline moved"),
        "moved to 48h (${:.2} committed of $2): {}",
        0.57 * 48.0,
        body["auto_delete"]
    );
}
