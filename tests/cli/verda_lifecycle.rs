//! Verda's own stories, beyond the shared suite: a release right after the launch (Verda
//! refuses to delete an instance it is still provisioning), and the OS volume going with it.

use crate::launch_suite::LaunchFake;
use crate::verda_fake::VerdaFake;

const UP: [&str; 8] = [
    "up",
    "--provider",
    "verda",
    "--gpu",
    "h100",
    "--on-demand",
    "--yes",
    "--json",
];

#[tokio::test]
async fn down_right_after_up_waits_out_provisioning_and_deletes_the_os_volume_too() {
    let (server, fake) = <VerdaFake as LaunchFake>::start().await;
    let t = VerdaFake::test(&server);
    let up = t.run(&UP);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert_eq!(fake.with(|s| s.instances[0].status.clone()), "ordered");
    let down = t.run(&["down", "--all", "--yes"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    fake.with(|s| {
        let i = &s.instances[0];
        assert_eq!(i.status, "discontinued");
        assert_eq!(
            i.deleted_volumes,
            Some(serde_json::json!([i.os_volume])),
            "the OS volume is deleted with the instance, not left to bill"
        );
    });
    // The offer's price counted the 50 GB OS volume: $0.20 per GB-month over 730 hours.
    let price = up.json()["price_per_hour_usd"].as_f64().unwrap();
    let storage = 50.0 * 0.2 / 730.0;
    assert!((price - (3.382 + storage)).abs() < 1e-6, "{price}");
}

#[tokio::test]
async fn one_oauth_token_serves_a_whole_up_wait_and_a_whole_down() {
    let (server, fake) = <VerdaFake as LaunchFake>::start().await;
    let t = VerdaFake::test(&server);
    let up = t.run(&UP);
    assert_eq!(up.code, 0, "{}", up.stderr);
    // A token lasts `expires_in` (3600 s): one per process, however many calls it makes.
    assert_eq!(fake.with(|s| s.tokens), 1, "{}", up.stderr);
    let down = t.run(&["down", "--all", "--yes"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert_eq!(fake.with(|s| s.tokens), 2, "{}", down.stderr);
}
