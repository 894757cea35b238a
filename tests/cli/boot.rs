//! `up --env` and `--startup-script`: what reaches each launch provider's create request, in
//! the shape its API documents; who refuses, before anything is created; and secret values
//! that never show in a dry run, a message or the ledger.

use serde_json::Value;

use crate::fakes::{LambdaFake, VastFake};
use crate::hyperbolic_fake::HyperbolicFake;
use crate::lifecycle::lambda_test;
use crate::runpod_fake::RunPodFake;
use crate::support::GpuTest;

const SECRET: &str = "hf_s3cretVALUE";
const SCRIPT: &str = "#!/bin/bash\necho \"booted with $EPOCHS\" > /root/booted\n";

fn script(t: &GpuTest) -> String {
    let p = t.home().join("boot.sh");
    std::fs::write(&p, SCRIPT).unwrap();
    p.display().to_string()
}

async fn bodies(server: &wiremock::MockServer, method: &str, prefix: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == method && r.url.path().starts_with(prefix))
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

fn no_secret(out: &crate::support::Output, t: &GpuTest) {
    assert!(!out.all().contains(SECRET), "{}", out.all());
    assert!(!t.ledger().to_string().contains(SECRET));
}

#[tokio::test]
async fn lambda_gets_both_as_cloud_init_user_data() {
    let (server, _fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let path = script(&t);
    let token = format!("HF_TOKEN={SECRET}");
    let out = t.run(&[
        "up",
        "--gpu",
        "a10",
        "--yes",
        "--env",
        "EPOCHS=3",
        "--env",
        &token,
        "--startup-script",
        &path,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    no_secret(&out, &t);
    let body = &bodies(&server, "POST", "/api/v1/instance-operations/launch").await[0];
    let ud = body["user_data"].as_str().unwrap();
    assert!(ud.starts_with("#!/bin/bash\n"), "{ud}");
    // Every SSH session sees the variables (pam_env reads /etc/environment) ...
    assert!(
        ud.contains(&format!("EPOCHS=\"3\"\nHF_TOKEN=\"{SECRET}\"\n")),
        "{ud}"
    );
    // ... and the script runs once, as written, with them set.
    assert!(ud.contains(SCRIPT), "{ud}");
    assert!(
        ud.contains(&format!(
            "env EPOCHS=3 HF_TOKEN={SECRET} /var/lib/gpu/startup"
        )),
        "{ud}"
    );

    // `--env NAME` takes the value from gpu's own environment, off the command line.
    let t = t.env("WANDB_API_KEY", "wk-from-env");
    let out = t.run(&["up", "--gpu", "a10", "--yes", "--env", "WANDB_API_KEY"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.all().contains("wk-from-env"), "{}", out.all());
    let body = &bodies(&server, "POST", "/api/v1/instance-operations/launch").await[1];
    assert!(
        body["user_data"]
            .as_str()
            .unwrap()
            .contains("WANDB_API_KEY=\"wk-from-env\""),
        "{body}"
    );
    let out = t.run(&["up", "--gpu", "a10", "--yes", "--env", "NOT_SET_HERE"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("`--env NOT_SET_HERE`"),
        "{}",
        out.stderr
    );

    // A script alone is user_data as it is: a `#cloud-config` document works.
    let cc = t.home().join("cc.yaml");
    std::fs::write(&cc, "#cloud-config\npackages: [htop]\n").unwrap();
    let out = t.run(&[
        "up",
        "--gpu",
        "a10",
        "--yes",
        "--startup-script",
        cc.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let body = &bodies(&server, "POST", "/api/v1/instance-operations/launch").await[2];
    assert_eq!(body["user_data"], "#cloud-config\npackages: [htop]\n");
}

#[tokio::test]
async fn vast_gets_an_env_object_and_an_onstart_that_keeps_the_deadline_first() {
    let (server, _fake) = VastFake::start(crate::support::closed_port()).await;
    let t = GpuTest::new()
        .fake("vast", &server)
        .env("VAST_API_KEY", "vk")
        .with_ssh_key();
    let path = script(&t);
    let token = format!("HF_TOKEN={SECRET}");
    let out = t.run(&[
        "up",
        "--provider",
        "vast",
        "--gpu",
        "rtx4090",
        "--yes",
        "--ttl",
        "2h",
        "--env",
        "EPOCHS=3",
        "--env",
        &token,
        "--startup-script",
        &path,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    no_secret(&out, &t);
    let body = &bodies(&server, "PUT", "/api/v0/asks/").await[0];
    // The object form, as Vast's own CLI sends it.
    assert_eq!(
        body["env"],
        serde_json::json!({"EPOCHS": "3", "HF_TOKEN": SECRET})
    );
    let onstart = body["onstart"].as_str().unwrap();
    let timer = onstart.find("CONTAINER_API_KEY").expect(onstart);
    let script_at = onstart.find(SCRIPT).expect(onstart);
    assert!(
        timer < script_at,
        "the deadline is armed before the script runs: {onstart}"
    );
    assert!(onstart.contains("cat >> /etc/environment"), "{onstart}");
}

#[tokio::test]
async fn runpod_takes_env_and_refuses_a_startup_script_before_creating() {
    let (server, fake) = RunPodFake::start().await;
    let t = GpuTest::new()
        .fake("runpod", &server)
        .env("RUNPOD_API_KEY", "rp-test")
        .with_ssh_key();
    let token = format!("HF_TOKEN={SECRET}");
    let out = t.run(&[
        "up",
        "--provider",
        "runpod",
        "--gpu",
        "rtx4090",
        "--yes",
        "--env",
        "EPOCHS=3",
        "--env",
        &token,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    no_secret(&out, &t);
    let pods = fake.live();
    let env = &pods[0].body["env"];
    assert_eq!(env["EPOCHS"], "3");
    assert_eq!(env["HF_TOKEN"], SECRET);
    assert!(env["PUBLIC_KEY"].as_str().unwrap().starts_with("ssh-"));

    let path = script(&t);
    let out = t.run(&[
        "up",
        "--provider",
        "runpod",
        "--gpu",
        "rtx4090",
        "--yes",
        "--startup-script",
        &path,
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("`runpod` cannot take `--startup-script`"),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stderr
            .lines()
            .filter(|l| l.starts_with("error"))
            .count(),
        1
    );
    assert_eq!(fake.live().len(), 1, "nothing more was created");
}

#[tokio::test]
async fn hyperbolic_refuses_both_before_creating() {
    let (server, fake) = HyperbolicFake::start().await;
    let t = GpuTest::new()
        .fake("hyperbolic", &server)
        .env("HYPERBOLIC_API_KEY", "hb-test")
        .with_ssh_key();
    let out = t.run(&[
        "up",
        "--provider",
        "hyperbolic",
        "--gpu",
        "h100",
        "--yes",
        "--env",
        "EPOCHS=3",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("`hyperbolic` cannot take `--env`"),
        "{}",
        out.stderr
    );
    assert!(fake.live().is_empty());
}

#[tokio::test]
async fn offers_of_providers_that_cannot_take_them_are_skipped_when_not_named() {
    let (lambda, _l) = LambdaFake::start().await;
    let (hyperbolic, hb) = HyperbolicFake::start().await;
    let t = lambda_test(&lambda)
        .fake("hyperbolic", &hyperbolic)
        .env("HYPERBOLIC_API_KEY", "hb-test");
    // Hyperbolic's H100 is the cheaper one; with `--env`, Lambda's is launched instead.
    let out = t.run(&[
        "up", "--gpu", "h100", "--yes", "--json", "--env", "EPOCHS=3",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["provider"], "lambda");
    assert!(
        out.stderr.contains("`hyperbolic` cannot take `--env`"),
        "{}",
        out.stderr
    );
    assert!(hb.live().is_empty());
}

#[tokio::test]
async fn dry_runs_show_env_with_secret_values_masked() {
    let (server, _fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let path = script(&t);
    let token = format!("HF_TOKEN={SECRET}");
    let pw = format!("DB_PASSWORD={SECRET}x");
    for command in ["up", "run"] {
        let base = vec![
            command,
            "--gpu",
            "a10",
            "--dry-run",
            "--env",
            "EPOCHS=3",
            "--env",
            &token,
            "--env",
            &pw,
            "--startup-script",
            &path,
        ];
        let tail: &[&str] = if command == "run" {
            &["--", "python", "train.py"]
        } else {
            &[]
        };
        let out = t.run(&[base.as_slice(), tail].concat());
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(!out.all().contains(SECRET), "{}", out.all());
        assert!(
            out.stdout
                .contains("env: DB_PASSWORD=*** EPOCHS=3 HF_TOKEN=***"),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout.contains("HF_TOKEN=\\\"***\\\""),
            "masked inside user_data too: {}",
            out.stdout
        );
        assert!(
            out.stdout.contains(&format!("startup script: {path}")),
            "{}",
            out.stdout
        );
        let out = t.run(&[base.as_slice(), &["--json"], tail].concat());
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(!out.all().contains(SECRET), "{}", out.all());
        let v = out.json();
        assert_eq!(
            v["env"],
            serde_json::json!(["DB_PASSWORD=***", "EPOCHS=3", "HF_TOKEN=***"])
        );
    }
    assert_eq!(t.ledger()["entries"], serde_json::json!([]));
    // A malformed argument does not echo a secret value either.
    for bad in [format!("BAD NAME={SECRET}"), format!("API_KEY{SECRET}")] {
        let out = t.run(&["up", "--gpu", "a10", "--dry-run", "--env", &bad]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains("--env"), "{}", out.stderr);
        assert!(!out.all().contains(SECRET), "{}", out.all());
    }
}
