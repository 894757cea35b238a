//! AWS requests and answers, checked with the botocore that `.ci/run` installs (pinned in
//! `providers/contracts/aws/check.py`, which does the checking with botocore's own code).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

/// The botocore `.ci/run` installs: `pip install --target target/botocore botocore==…`.
pub const BOTOCORE: &str = "botocore==1.44.18";

/// The access key ids the requests may be signed with, and their secret (test values).
pub struct Credentials<'a> {
    pub access_key_ids: &'a [&'a str],
    pub secret: &'a str,
}

/// What the check found: its problems, one per line, and how many requests (and answers) of
/// each operation it read.
#[derive(Debug)]
pub struct Report {
    pub problems: Vec<String>,
    pub checked: BTreeMap<String, u64>,
}

fn botocore_dir() -> PathBuf {
    #[allow(clippy::disallowed_methods)] // test support: no `crate::env` here
    match std::env::var_os("GPU_TEST_BOTOCORE_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/botocore"),
    }
}

/// Check `requests` (each with `method`, `url`, `headers`, `text`) and `answers` (each with
/// `service`, `operation`, `status`, `body`, and `bad_entries`: how many entries of a price
/// list are unreadable on purpose). Panics, saying how to install it, when the pinned
/// botocore is not there: the check is never skipped quietly.
pub fn check(requests: &[Value], answers: &[Value], creds: &Credentials<'_>) -> Report {
    let input = json!({
        "credentials": {"access_key_ids": creds.access_key_ids, "secret": creds.secret},
        "requests": requests.iter().map(|r| json!({
            "method": r["method"], "url": r["url"], "headers": r["headers"], "body": r["text"],
        })).collect::<Vec<_>>(),
        "answers": answers,
    });
    let dir = botocore_dir();
    let mut child = Command::new("python3")
        .arg(crate::contracts_dir().join("aws/check.py"))
        .env("PYTHONPATH", &dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("python3 could not be started for the AWS contract check: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let answer: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|_| {
        panic!(
            "the AWS contract check failed (exit {:?}):\n{stdout}\n{stderr}",
            out.status.code()
        )
    });
    if let Some(missing) = answer["missing"].as_str() {
        panic!(
            "{missing} in {}: run `python3 -m pip install --target {} {BOTOCORE}` (`.ci/run` does), or set GPU_TEST_BOTOCORE_DIR",
            dir.display(),
            dir.display()
        );
    }
    Report {
        problems: answer["problems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect(),
        checked: answer["checked"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
            .collect(),
    }
}

/// [`check`], failing with every problem found; the operations checked.
pub fn assert_fits(
    requests: &[Value],
    answers: &[Value],
    creds: &Credentials<'_>,
) -> BTreeMap<String, u64> {
    let report = check(requests, answers, creds);
    assert!(
        report.problems.is_empty(),
        "AWS requests or answers botocore's models do not allow:\n{}",
        report.problems.join("\n")
    );
    report.checked
}
