//! Renting on AWS against its fake: what `RunInstances` carries, the key and the security
//! group made once, the ClientToken that makes a create sent again return the same instance,
//! and signatures checked on every request.

use std::collections::HashMap;

use crate::aws_fake::{AwsFake, AMI, SECRET};

/// The RunInstances calls, as the form each POST carried.
fn run_instances(reqs: &[wiremock::Request]) -> Vec<HashMap<String, String>> {
    reqs.iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| crate::aws_fake::form(&r.body))
        .filter(|q| q.get("Action").map(String::as_str) == Some("RunInstances"))
        .collect()
}

#[tokio::test]
async fn up_launches_with_the_dlami_an_imported_key_ssh_from_here_and_a_deadline_inside() {
    let (server, fake) = AwsFake::start().await;
    let t = AwsFake::gpu_test(&server).env("GPU_OWNER", "ci-7");
    let out = t.run(&[
        "up",
        "--provider",
        "aws",
        "--gpu",
        "l40s",
        "--on-demand",
        "--ttl",
        "2h",
        "--yes",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert!(
        v["instance_id"].as_str().unwrap().ends_with("@us-west-2"),
        "{v}"
    );
    let reqs = server.received_requests().await.unwrap();
    let runs = run_instances(&reqs);
    assert_eq!(runs.len(), 1);
    let q = &runs[0];
    assert_eq!(q["ImageId"], AMI, "the newest DLAMI, from SSM");
    assert_eq!(q["InstanceType"], "g6e.xlarge");
    assert_eq!(q["InstanceInitiatedShutdownBehavior"], "terminate");
    // The AMI's own root device, grown to the disk asked for, deleted with the instance.
    assert_eq!(q["BlockDeviceMapping.1.DeviceName"], "/dev/sda1");
    assert_eq!(q["BlockDeviceMapping.1.Ebs.VolumeSize"], "100");
    assert_eq!(q["BlockDeviceMapping.1.Ebs.DeleteOnTermination"], "true");
    assert!(!q.contains_key("InstanceMarketOptions.MarketType"));
    assert!(q["ClientToken"].len() <= 64);
    assert_eq!(q["TagSpecification.1.ResourceType"], "instance");
    let tags: HashMap<&str, &str> = (1..=3)
        .map(|n| {
            (
                q[&format!("TagSpecification.1.Tag.{n}.Key")].as_str(),
                q[&format!("TagSpecification.1.Tag.{n}.Value")].as_str(),
            )
        })
        .collect();
    assert_eq!(tags["gpu-owner"], "ci-7");
    assert!(tags["Name"].starts_with("gpu-"));
    assert!(tags["gpu-deadline"].parse::<u64>().is_ok());
    use base64::Engine;
    let user_data = base64::engine::general_purpose::STANDARD
        .decode(&q["UserData"])
        .unwrap();
    let user_data = String::from_utf8(user_data).unwrap();
    // The deadline is armed first, as a persistent systemd timer (it survives a reboot).
    assert!(
        user_data.starts_with("#!/bin/bash\ncat > /etc/systemd/system/gpu-deadline.service"),
        "{user_data}"
    );
    assert!(user_data.contains("\nPersistent=true\n"), "{user_data}");
    assert!(
        user_data.contains("ExecStart=/sbin/shutdown -h now"),
        "{user_data}"
    );
    assert!(
        user_data.contains("systemctl enable --now gpu-deadline.timer) || shutdown -h +12"),
        "{user_data}"
    );
    let on = user_data
        .lines()
        .find_map(|l| l.strip_prefix("OnCalendar="))
        .unwrap();
    assert!(
        on.ends_with(" UTC") && on.len() == "2026-12-02 09:00:00 UTC".len(),
        "{on}"
    );
    // SSH opens to this machine alone.
    fake.with(|s| {
        assert_eq!(s.groups.len(), 1);
        assert_eq!(s.groups[0].1, "gpu-ssh");
        assert_eq!(s.groups[0].2, ["203.0.113.7/32"]);
        assert_eq!(s.keys.len(), 1);
        assert_eq!(s.bad_signatures, 0, "every request signed as AWS checks it");
    });
    // A second launch reuses the key (found by fingerprint) and the group.
    let again = t.run(&[
        "up",
        "--provider",
        "aws",
        "--gpu",
        "l40s",
        "--on-demand",
        "--name",
        "two",
        "--yes",
        "--json",
    ]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    fake.with(|s| {
        assert_eq!(s.keys.len(), 1, "imported once");
        assert_eq!(s.groups.len(), 1, "created once");
        assert_eq!(s.groups[0].2.len(), 1, "opened once");
    });
    assert!(!out.all().contains(SECRET) && !again.all().contains(SECRET));

    let ls = t.run(&["ls", "--json"]);
    assert_eq!(ls.code, 0, "{}", ls.stderr);
    let rows = ls.json();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["instance_id"] == v["instance_id"])
        .unwrap();
    assert_eq!(row["ssh_command"], "ssh ubuntu@127.0.0.1");
    let down = t.run(&["down", "--all", "--yes"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    fake.with(|s| assert!(s.instances.iter().all(|i| i.state != "running")));
}

#[tokio::test]
async fn a_create_sent_again_carries_the_same_client_token_and_makes_one_instance() {
    let (server, fake) = AwsFake::start().await;
    // Throttled once (503 RequestLimitExceeded): looked up by name, then sent again.
    fake.with(|s| s.throttle_runs = 1);
    let t = AwsFake::gpu_test(&server);
    let out = t.run(&[
        "up",
        "--provider",
        "aws",
        "--gpu",
        "l40s",
        "--on-demand",
        "--yes",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let runs = run_instances(&server.received_requests().await.unwrap());
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["ClientToken"], runs[1]["ClientToken"]);
    // Sent a third time, exactly so, AWS answers with the same instance.
    let first = fake.with(|s| s.instances[0].id.clone());
    let third = reqwest_get(&server, &runs[1]).await;
    assert!(third.contains(&first), "{third}");
    fake.with(|s| assert_eq!(s.instances.len(), 1, "one instance for one token"));
}

/// Send a RunInstances again, signed as the adapter signs it (through a second `gpu up`
/// would launch nothing: the ledger knows the name), by replaying the adapter's own request.
async fn reqwest_get(server: &wiremock::MockServer, q: &HashMap<String, String>) -> String {
    let reqs = server.received_requests().await.unwrap();
    let r = reqs
        .iter()
        .rev()
        .find(|r| crate::aws_fake::form(&r.body) == *q)
        .unwrap();
    // The same bytes on the wire: request line, the signed headers, the body.
    let mut wire = format!("POST {} HTTP/1.1\r\n", r.url.path());
    for (k, v) in r.headers.iter() {
        if k.as_str() != "connection" {
            wire.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap()));
        }
    }
    wire.push_str("connection: close\r\n\r\n");
    wire.push_str(&String::from_utf8_lossy(&r.body));
    let addr = *server.address();
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(wire.as_bytes()).unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        answer
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_wrong_secret_is_an_auth_error_and_never_shown() {
    let (server, fake) = AwsFake::start().await;
    let out = AwsFake::gpu_test(&server)
        .env("AWS_SECRET_ACCESS_KEY", "wrong-secret-value")
        .run(&[
            "up",
            "--provider",
            "aws",
            "--gpu",
            "l40s",
            "--yes",
            "--json",
        ]);
    assert_ne!(out.code, 0);
    assert!(!out.all().contains("wrong-secret-value"));
    assert!(fake.with(|s| s.bad_signatures) > 0);
    assert_eq!(fake.with(|s| s.run_calls), 0);
}

#[tokio::test]
async fn env_values_in_the_user_data_never_show_in_a_dry_run_or_a_verbose_log() {
    use base64::Engine;
    let (server, fake) = AwsFake::start().await;
    let t = AwsFake::gpu_test(&server).env("HF_TOKEN", "hf_SENTINEL_value_123");
    let dry = t.run(&[
        "up",
        "--provider",
        "aws",
        "--gpu",
        "l40s",
        "--env",
        "HF_TOKEN",
        "--dry-run",
        "-v",
    ]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(dry.stdout.contains("bytes of user data"), "{}", dry.stdout);
    let up = t.run(&[
        "up",
        "--provider",
        "aws",
        "--gpu",
        "l40s",
        "--env",
        "HF_TOKEN",
        "--yes",
        "-v",
    ]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    // The user data went to AWS, in the body of a POST...
    let runs = run_instances(&server.received_requests().await.unwrap());
    let sent = base64::engine::general_purpose::STANDARD
        .decode(&runs[0]["UserData"])
        .unwrap();
    assert!(String::from_utf8_lossy(&sent).contains("HF_TOKEN=\"hf_SENTINEL_value_123\""));
    // ...and nowhere else: not as text, not as base64.
    let encoded = &runs[0]["UserData"];
    for out in [&dry, &up] {
        assert!(
            !out.all().contains("hf_SENTINEL_value_123"),
            "{}",
            out.all()
        );
        assert!(!out.all().contains(encoded.as_str()));
    }
    assert_eq!(fake.with(|s| s.run_calls), 1);
}

#[tokio::test]
async fn a_name_released_and_launched_again_is_a_new_create() {
    // A CI leg re-run: the same `--name` after `gpu down`; AWS refuses a token whose instance
    // it terminated, so the second launch must send another.
    let (server, fake) = AwsFake::start().await;
    let t = AwsFake::gpu_test(&server);
    let args = [
        "up",
        "--provider",
        "aws",
        "--gpu",
        "l40s",
        "--on-demand",
        "--name",
        "ci-leg-1",
        "--yes",
        "--json",
    ];
    let first = t.run(&args);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let down = t.run(&["down", "gpu-ci-leg-1", "--yes"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    let again = t.run(&args);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_ne!(again.json()["instance_id"], first.json()["instance_id"]);
    let runs = run_instances(&server.received_requests().await.unwrap());
    assert_eq!(runs.len(), 2);
    assert_ne!(runs[0]["ClientToken"], runs[1]["ClientToken"]);
    assert_eq!(fake.with(|s| s.tokens.len()), 2);
}

#[tokio::test]
async fn a_security_group_made_by_a_concurrent_launch_is_used_and_a_disk_below_the_image_is_refused(
) {
    let (server, fake) = AwsFake::start().await;
    // Another launch made `gpu-ssh` between this one's look and its create.
    fake.with(|s| {
        s.groups.push((
            "sg-0c0ffee000000001".into(),
            "gpu-ssh".into(),
            vec!["203.0.113.7/32".into()],
        ));
        s.hide_groups_once = true;
    });
    let t = AwsFake::gpu_test(&server);
    let out = t.run(&[
        "up",
        "--provider",
        "aws",
        "--gpu",
        "l40s",
        "--on-demand",
        "--yes",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    fake.with(|s| assert_eq!(s.groups.len(), 1, "{:?}", s.groups));
    let runs = run_instances(&server.received_requests().await.unwrap());
    assert_eq!(runs[0]["SecurityGroupId.1"], "sg-0c0ffee000000001");

    // The DLAMI's root snapshot is 75 GB: a 50 GB root cannot be made.
    let small = t.run(&[
        "up",
        "--provider",
        "aws",
        "--gpu",
        "l40s",
        "--on-demand",
        "--disk",
        "50",
        "--name",
        "small",
        "--yes",
    ]);
    assert_ne!(small.code, 0);
    assert!(
        small
            .stderr
            .contains("`--disk 50` is smaller than the image's root volume (75 GB)"),
        "{}",
        small.stderr
    );
    assert_eq!(fake.with(|s| s.run_calls), 1);
}

#[tokio::test]
async fn a_dry_run_reads_what_the_create_depends_on_and_makes_nothing() {
    let (server, fake) = AwsFake::start().await;
    let t = AwsFake::gpu_test(&server);
    let dry = t.run(&[
        "up",
        "--provider",
        "aws",
        "--gpu",
        "l40s",
        "--on-demand",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let v = dry.json();
    let run = v["attempts"][0]["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["body"]["Action"] == "RunInstances")
        .unwrap_or_else(|| panic!("{v:#}"))
        .clone();
    assert_eq!(run["body"]["ImageId"], AMI, "{run:#}");
    assert_eq!(run["body"]["BlockDeviceMapping.1.DeviceName"], "/dev/sda1");
    assert!(run["body"]["KeyName"]
        .as_str()
        .unwrap()
        .ends_with("(to be imported)"));
    assert!(run["body"]["SecurityGroupId.1"]
        .as_str()
        .unwrap()
        .contains("to be created"));
    fake.with(|s| {
        assert_eq!(s.run_calls, 0);
        assert!(
            s.keys.is_empty() && s.groups.is_empty(),
            "a dry run makes nothing"
        );
    });
}

#[tokio::test]
async fn a_key_for_prices_only_does_not_make_ls_fail() {
    // Credentials made for `gpu find` (pricing:GetProducts, spot history) and nothing else:
    // EC2 answers DescribeInstances with UnauthorizedOperation. With nothing of this ledger on
    // AWS, `gpu ls` says so once and succeeds; the other providers are listed as before.
    let (server, fake) = AwsFake::start().await;
    fake.with(|s| s.deny_describe_instances = true);
    let (lambda, _l) = crate::fakes::LambdaFake::start().await;
    let t = AwsFake::gpu_test(&server)
        .fake("lambda", &lambda)
        .env("LAMBDA_API_KEY", "lk-test");
    let ls = t.run(&["ls", "--json", "-v"]);
    assert_eq!(ls.code, 0, "{}", ls.stderr);
    assert!(
        ls.stderr.contains("`aws`") && ls.stderr.contains("ec2:DescribeInstances"),
        "{}",
        ls.stderr
    );
    assert!(
        !ls.stderr.contains("warning: could not list `aws`"),
        "{}",
        ls.stderr
    );
    assert_eq!(ls.json(), serde_json::json!([]));
}

#[tokio::test]
async fn a_key_for_prices_only_does_not_block_a_named_launch_elsewhere() {
    let (server, fake) = AwsFake::start().await;
    fake.with(|s| s.deny_describe_instances = true);
    let (lambda, lambda_fake) = crate::fakes::LambdaFake::start().await;
    let t = AwsFake::gpu_test(&server)
        .fake("lambda", &lambda)
        .env("LAMBDA_API_KEY", "lk-test");
    let up = t.run(&[
        "up",
        "--provider",
        "lambda",
        "--gpu",
        "a10",
        "--name",
        "train",
        "--yes",
        "--json",
    ]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert_eq!(lambda_fake.live().len(), 1);
    let up = t.run(&["up", "--gpu", "a10", "--name", "eval", "--yes", "--json"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert!(
        up.stderr.contains("`aws` not asked for `gpu-eval`"),
        "{}",
        up.stderr
    );
}
