//! The GitHub Action (`action.yml` and `action/*.sh`) and the GitLab CI component: their
//! metadata checked against GitHub's and GitLab's published schemas (as `check-jsonschema`
//! vendors them), the workflows and the documents' workflow examples against actionlint, and
//! the action's scripts run as a runner runs them (its `GITHUB_*` variables) against the Lambda
//! fake and a real sshd: a command's exit code, the outputs and job summary, and a cancelled
//! job (SIGINT to the step's process group, SIGTERM 7.5 s later) that releases in time.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::fakes::LambdaFake;
use crate::mcp::with_sshd;
use crate::support::GpuTest;
use crate::sweeper::actionlint;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn root(p: &str) -> PathBuf {
    Path::new(ROOT).join(p)
}

/// `check-jsonschema --builtin-schema vendor.SCHEMA FILES`, as `.ci/run` installs it.
fn check_schema(schema: &str, files: &[&Path]) {
    let out = Command::new("python3")
        .args(["-m", "check_jsonschema", "--builtin-schema"])
        .arg(format!("vendor.{schema}"))
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "check-jsonschema ({schema}; `.ci/run` installs it: pip install check-jsonschema):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_action_and_the_gitlab_component_match_their_platforms_schemas() {
    check_schema("github-actions", &[&root("action.yml")]);
    // A component is two YAML documents: its `spec`, then the jobs, which are CI config.
    let text = std::fs::read_to_string(root("templates/gpu-run.yml")).unwrap();
    let (spec, jobs) = text.split_once("\n---\n").expect("spec, ---, jobs");
    assert!(spec.contains("spec:") && spec.contains("inputs:"), "{spec}");
    let dir = tempfile::TempDir::new().unwrap();
    let jobs_file = dir.path().join("jobs.yml");
    std::fs::write(&jobs_file, jobs).unwrap();
    check_schema("gitlab-ci", &[&jobs_file]);
    // A schema check that cannot fail proves nothing: a wrong key is caught.
    let broken = dir.path().join("action.yml");
    std::fs::write(
        &broken,
        std::fs::read_to_string(root("action.yml"))
            .unwrap()
            .replace("using: composite", "using: compost"),
    )
    .unwrap();
    let out = Command::new("python3")
        .args([
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-actions",
        ])
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!out.status.success(), "a broken action.yml passed");
}

/// The `KEY: value` lines of a YAML block, as written (enough for the flat maps compared here).
fn keys_of(text: &str, prefix: &str) -> Vec<String> {
    let mut keys: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().split_once(':').map(|(k, _)| k.to_string()))
        .filter(|k| k.starts_with(prefix))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

#[test]
fn every_input_reaches_the_scripts_and_the_pinned_version_is_this_one() {
    let action = std::fs::read_to_string(root("action.yml")).unwrap();
    let run = std::fs::read_to_string(root("action/run.sh")).unwrap();
    // Each INPUT_ variable the run script reads is set from an input, and the reverse.
    let mut read: Vec<String> = run
        .split("INPUT_")
        .skip(1)
        .map(|s| {
            let name: String = s
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                .collect();
            format!("INPUT_{name}")
        })
        .collect();
    read.sort();
    read.dedup();
    let run_step = action
        .split("- id: run")
        .nth(1)
        .unwrap()
        .split("run: bash")
        .next()
        .unwrap();
    assert_eq!(keys_of(run_step, "INPUT_"), read);
    let inputs = action
        .split("\ninputs:\n")
        .nth(1)
        .unwrap()
        .split("\noutputs:\n")
        .next()
        .unwrap();
    let declared: Vec<String> = inputs
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.trim_end().ends_with(':'))
        .map(|l| l.trim().trim_end_matches(':').to_string())
        .collect();
    assert!(declared.len() > 10, "{declared:?}");
    for input in &declared {
        let used = action
            .match_indices(&format!("inputs.{input}"))
            .any(|(i, m)| {
                !action[i + m.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
            });
        assert!(used, "the input `{input}` is never used");
    }
    // The binary it installs by default is the release of this version.
    let pinned = format!("default: \"{}\"", env!("CARGO_PKG_VERSION"));
    let version_input = inputs.split("  version:").nth(1).unwrap();
    assert!(
        version_input.lines().take(4).any(|l| l.trim() == pinned),
        "action.yml's `version` default must be {}",
        env!("CARGO_PKG_VERSION")
    );
    let gitlab = std::fs::read_to_string(root("templates/gpu-run.yml")).unwrap();
    assert!(
        gitlab.contains(&format!("default: \"{}\"", env!("CARGO_PKG_VERSION"))),
        "templates/gpu-run.yml's `version` default must be {}",
        env!("CARGO_PKG_VERSION")
    );
}

/// What a runner gives a step: its variables and files.
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        let r = Runner {
            dir: tempfile::TempDir::new().unwrap(),
        };
        std::fs::create_dir_all(r.dir.path().join("temp")).unwrap();
        r
    }
    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).unwrap_or_default()
    }
    /// The value of `key=` in GITHUB_OUTPUT.
    fn output(&self, key: &str) -> String {
        self.read("output")
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix(&format!("{key}=")).map(str::to_string))
            .unwrap_or_else(|| panic!("no output `{key}` in:\n{}", self.read("output")))
    }
    /// `bash action/SCRIPT` as the action's step runs it.
    fn step(&self, t: &GpuTest, script: &str) -> Command {
        let mut c = t.program(
            Path::new("bash"),
            &[root(&format!("action/{script}")).to_str().unwrap()],
        );
        c.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", self.file("output"))
            .env("GITHUB_STEP_SUMMARY", self.file("summary"))
            .env("GITHUB_ENV", self.file("env"))
            .env("GITHUB_PATH", self.file("path"))
            .env("GITHUB_RUN_ID", "4242")
            .env("GITHUB_RUN_ATTEMPT", "2")
            .env("GITHUB_JOB", "gpu-tests")
            .env("GITHUB_ACTION", "__gpu-cli_gpu")
            .env("GITHUB_ACTION_PATH", ROOT)
            .env("GITHUB_WORKSPACE", t.home())
            .env("RUNNER_TEMP", self.file("temp"))
            .env("RUNNER_TOOL_CACHE", self.file("toolcache"))
            .env("RUNNER_OS", "Linux")
            .stdin(Stdio::null());
        c
    }
}

#[test]
fn prep_names_each_leg_and_attempt_apart() {
    let t = GpuTest::new();
    let names: Vec<String> = ["0", "1"]
        .iter()
        .map(|leg| {
            let r = Runner::new();
            let out = r
                .step(&t, "prep.sh")
                .env("INPUT_VERSION", "0.1.0")
                .env("GPU_ACTION_LEG", leg)
                .output()
                .unwrap();
            assert!(out.status.success(), "{out:?}");
            assert!(
                r.output("dir").ends_with("toolcache/gpu-action/0.1.0"),
                "{}",
                r.output("dir")
            );
            r.output("name")
        })
        .collect();
    assert_ne!(names[0], names[1], "two matrix legs share a name");
    for n in &names {
        assert!(n.starts_with("gh-4242-2-"), "{n}");
        assert!(
            n.len() <= 48 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "{n}"
        );
    }
    let r = Runner::new();
    let out = r
        .step(&t, "prep.sh")
        .env("INPUT_NAME", "nightly-bench")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(r.output("name"), "nightly-bench");
}

#[tokio::test]
async fn the_run_step_runs_on_the_instance_reports_and_releases() {
    let (server, fake) = LambdaFake::start().await;
    let (t, _sshd) = with_sshd(&server);
    let r = Runner::new();
    let out = r
        .step(&t, "run.sh")
        .env("GPU_ACTION_NAME", "gh-1-1-abc")
        .env(
            "INPUT_COMMAND",
            "echo \"on the instance: $GREETING\"; exit 3",
        )
        .env("INPUT_GPU", "a10")
        .env("INPUT_TTL", "1h")
        .env("INPUT_MAX_TIME", "10m")
        .env("INPUT_SPOT", "false")
        .env("INPUT_ENV", "  GREETING=hello\n\n")
        .env("INPUT_ARGS", "--max-attempts 2")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The command's own exit code is the step's.
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("on the instance: hello"), "{stderr}");
    assert_eq!(r.output("exit-code"), "3");
    assert_eq!(r.output("outcome"), "exited");
    assert_eq!(r.output("provider"), "lambda");
    assert!(
        r.output("instance").starts_with("lambda:"),
        "{}",
        r.read("output")
    );
    assert!(r.output("cost").parse::<f64>().unwrap() >= 0.0);
    let summary = r.read("summary");
    assert!(summary.contains("### gpu run"), "{summary}");
    assert!(summary.contains("exited (exit 3)"), "{summary}");
    assert!(summary.contains("| released | true |"), "{summary}");
    assert!(fake.live().is_empty());
    // The cleanup step after a run that released: nothing to do, exit 0.
    let out = r
        .step(&t, "cleanup.sh")
        .env("GPU_ACTION_NAME", "gh-1-1-abc")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    // Bad input: one line, and nothing rented.
    let calls = fake.with(|s| s.launch_calls);
    let out = r
        .step(&t, "run.sh")
        .env("GPU_ACTION_NAME", "gh-1-1-abd")
        .env("INPUT_COMMAND", "true")
        .env("INPUT_SPOT", "yes")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("::error title=gpu run::the `spot` input"),
        "{out:?}"
    );
    assert_eq!(fake.with(|s| s.launch_calls), calls);
}

#[tokio::test]
async fn a_cancelled_job_releases_before_the_runner_kills_it() {
    let (server, fake) = LambdaFake::start().await;
    let (t, _sshd) = with_sshd(&server);
    let r = Runner::new();
    let mark = r.file("started");
    let child = {
        use std::os::unix::process::CommandExt;
        r.step(&t, "run.sh")
            .env("GPU_ACTION_NAME", "gh-7-1-cancel")
            .env(
                "INPUT_COMMAND",
                format!("touch '{}'; sleep 60", mark.display()),
            )
            .env("INPUT_GPU", "a10")
            .env("INPUT_TTL", "1h")
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let started = Instant::now();
    let mut child = child;
    while !mark.exists() {
        if started.elapsed() > Duration::from_secs(60) || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the command never started: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(fake.live().len(), 1);
    // The runner: SIGINT to the step's process group, SIGTERM 7.5 s later if it still runs.
    let group = format!("-{}", child.id());
    let kill = |sig: &str| {
        Command::new("kill")
            .args([sig, "--", &group])
            .status()
            .unwrap();
    };
    kill("-INT");
    let cancelled = Instant::now();
    let mut termed = false;
    while !fake.live().is_empty() {
        if !termed && cancelled.elapsed() > Duration::from_millis(7500) {
            kill("-TERM");
            termed = true;
        }
        assert!(
            cancelled.elapsed() < Duration::from_secs(30),
            "still billing after a cancel"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        cancelled.elapsed() < Duration::from_millis(7500),
        "the release took {:?}: the runner sends SIGTERM at 7.5 s",
        cancelled.elapsed()
    );
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert_eq!(r.output("outcome"), "interrupted", "{stderr}");
    assert!(r.read("summary").contains("| released | true |"));
    // One signal reached gpu: it did not stop waiting for the confirmation.
    assert!(!stderr.contains("again"), "{stderr}");
    let out = r
        .step(&t, "cleanup.sh")
        .env("GPU_ACTION_NAME", "gh-7-1-cancel")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

/// A run step killed outright (the runner's last resort) leaves its instance to the cleanup
/// step, which releases it and confirms.
#[tokio::test]
async fn the_cleanup_step_releases_what_a_killed_run_left() {
    let (server, fake) = LambdaFake::start().await;
    let (t, _sshd) = with_sshd(&server);
    let up = |name: &str| {
        let up = t.run(&[
            "up", "--gpu", "a10", "--ttl", "1h", "--name", name, "--yes", "--json",
        ]);
        assert_eq!(up.code, 0, "{}", up.stderr);
    };
    up("gh-9-1-killed");
    assert_eq!(fake.live().len(), 1);
    let r = Runner::new();
    let out = r
        .step(&t, "cleanup.sh")
        .env("GPU_ACTION_NAME", "gh-9-1-killed")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(fake.live().is_empty());
    // A release the provider does not carry out: the step fails and says what bills.
    up("gh-9-2-stuck");
    fake.with(|s| s.terminate_failures = 1000);
    let out = r
        .step(&t, "cleanup.sh")
        .env("GPU_ACTION_NAME", "gh-9-2-stuck")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("may still be running and billing"),
        "{out:?}"
    );
    fake.with(|s| s.terminate_failures = 0);
}

/// The workflows in `.github/workflows` and every workflow the README and the docs show.
#[test]
fn the_workflows_and_the_documented_examples_pass_actionlint() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(files.len() >= 2, "{files:?}");
    let mut examples = 0;
    for doc in ["README.md", "docs/ci.md"] {
        let text = std::fs::read_to_string(root(doc)).unwrap();
        for (i, block) in text.split("```yaml\n").skip(1).enumerate() {
            let block = block.split("\n```").next().unwrap();
            if !(block.contains("\njobs:") && block.contains("\non:")) {
                continue;
            }
            let f = dir
                .path()
                .join(format!("{}-{i}.yml", doc.replace('/', "-")));
            std::fs::write(&f, block).unwrap();
            files.push(f);
            examples += 1;
        }
    }
    assert!(examples >= 2, "the documents show no workflow");
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let out = actionlint(&refs);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
