//! The command line and `gpu mcp` are one core: each tool and the command it names, run on
//! the same fakes, give the same data, exit status, warnings, notes and hints, or the same
//! error with the same kind and hint. The CLI runs with `-v`, which prints every note whole,
//! as the server returns them.

use serde_json::{json, Value};

use crate::fakes::LambdaFake;
use crate::lifecycle::lambda_test;
use crate::mcp::{call, connect, Client, BUDGET};
use crate::support::{GpuTest, Output};

/// What was said besides the data: warnings, notes, hints, and an error with its hint.
#[derive(Debug, Default, PartialEq)]
struct Said {
    warnings: Vec<String>,
    notes: Vec<String>,
    hints: Vec<String>,
    error: Option<String>,
    error_hint: Option<String>,
}

/// The CLI's stderr, line by line (`debug:` lines and a remote command's output left out).
fn cli_said(stderr: &str) -> Said {
    let mut s = Said::default();
    for line in stderr.lines() {
        if let Some(w) = line.strip_prefix("warning: ") {
            s.warnings.push(w.to_string());
        } else if let Some(n) = line.strip_prefix("note: ") {
            s.notes.push(n.to_string());
        } else if let Some(h) = line.strip_prefix("hint: ") {
            // The hint printed after the error is the error's own.
            if s.error.is_some() {
                s.error_hint = Some(h.to_string());
            } else {
                s.hints.push(h.to_string());
            }
        } else if let Some(e) = line.strip_prefix("error: ") {
            s.error = Some(e.to_string());
        }
    }
    s
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn tool_said(v: &Value, is_error: bool) -> Said {
    Said {
        warnings: strings(&v["warnings"]),
        notes: strings(&v["notes"]),
        hints: strings(&v["hints"]),
        error: is_error.then(|| v["error"].as_str().unwrap().to_string()),
        error_hint: v["hint"].as_str().map(str::to_string),
    }
}

/// The same answer: exit status, what was said, the kind of error; returns the tool's value.
async fn same(c: &Client, tool: &str, args: Value, cli: &Output) -> Value {
    let (is_error, v) = call(c, tool, args.clone()).await;
    assert_eq!(
        v["exit_code"], cli.code,
        "{tool} {args}: exit status\ntool: {v}\ncli: {}",
        cli.stderr
    );
    assert_eq!(
        is_error,
        cli_said(&cli.stderr).error.is_some(),
        "{tool} {args}: an error on one side only\ntool: {v}\ncli: {}",
        cli.stderr
    );
    assert_eq!(
        tool_said(&v, is_error),
        cli_said(&cli.stderr),
        "{tool} {args}: what was said\ncli stderr:\n{}",
        cli.stderr
    );
    let kind = v[if is_error { "kind" } else { "status" }]
        .as_str()
        .unwrap();
    let expected = match cli.code {
        0 => "success",
        2 => "usage",
        3 => "partial",
        4 => "auth",
        5 => "no_match",
        1 => "failure",
        other => panic!("{tool} {args}: no kind is known here for exit {other}"),
    };
    assert_eq!(kind, expected, "{tool} {args}: the kind of outcome");
    v
}

/// `gpu ARGS` with this owner id (`GPU_OWNER`).
fn run_as(t: &GpuTest, owner: &str, args: &[&str]) -> Output {
    let out = t.command(args).env("GPU_OWNER", owner).output().unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Live offers carry the time they were read; everything else must be the same.
fn without_read_times(offers: &Value) -> Value {
    let mut offers = offers.clone();
    for o in offers.as_array_mut().unwrap() {
        if o["source"] == "live" {
            o.as_object_mut().unwrap().remove("as_of");
        }
    }
    offers
}

#[tokio::test]
async fn find_offers_and_gpu_find_say_the_same() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let c = connect(&t, &[]).await;
    let v = same(
        &c,
        "find_offers",
        json!({"gpu": ["h100"], "limit": 50, "refresh": true}),
        &t.run(&[
            "find",
            "-v",
            "--json",
            "--gpu",
            "h100",
            "--limit",
            "50",
            "--refresh",
        ]),
    )
    .await;
    let cli = t
        .run(&[
            "find",
            "--json",
            "--gpu",
            "h100",
            "--limit",
            "50",
            "--refresh",
        ])
        .json();
    assert!(v["offers"].as_array().unwrap().len() > 1, "{v}");
    assert_eq!(without_read_times(&v["offers"]), without_read_times(&cli));
    // Catalog rows: the note on where their prices come from, on both sides.
    assert!(v["notes"].to_string().contains("list prices"), "{v}");

    // Filters that match nothing: the note, the hint, exit 5.
    let v = same(
        &c,
        "find_offers",
        json!({"gpu": ["a10"], "max_price_per_gpu_hour": 0.01, "refresh": true}),
        &t.run(&[
            "find",
            "-v",
            "--json",
            "--gpu",
            "a10",
            "--max-price",
            "0.01",
            "--refresh",
            "--limit",
            "20",
        ]),
    )
    .await;
    assert_eq!(v["offers"], json!([]));
    assert!(!v["hints"].as_array().unwrap().is_empty(), "{v}");

    // A usage error: the same line, kind and hint.
    let v = same(
        &c,
        "find_offers",
        json!({"gpu": ["h10"]}),
        &t.run(&["find", "-v", "--json", "--gpu", "h10"]),
    )
    .await;
    assert!(v["hint"].as_str().unwrap().contains("did you mean"), "{v}");
    // A region no provider has.
    same(
        &c,
        "find_offers",
        json!({"region": ["germnay"]}),
        &t.run(&[
            "find", "-v", "--json", "--region", "germnay", "--limit", "20",
        ]),
    )
    .await;

    // A provider that refuses the key: the warning, the hint, exit 4, the catalog's rows.
    fake.with(|s| s.reject_key = true);
    let v = same(
        &c,
        "find_offers",
        json!({"gpu": ["h100"], "refresh": true}),
        &t.run(&[
            "find",
            "-v",
            "--json",
            "--gpu",
            "h100",
            "--refresh",
            "--limit",
            "20",
        ]),
    )
    .await;
    assert!(
        v["warnings"].to_string().contains("skipped `lambda`"),
        "{v}"
    );
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn price_history_and_gpu_history_say_the_same() {
    let (server, _fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let c = connect(&t, &[]).await;
    // Nothing recorded yet: exit 5 and the note that says why.
    let v = same(
        &c,
        "price_history",
        json!({"gpu": ["h100"]}),
        &t.run(&["history", "-v", "--json", "--gpu", "h100"]),
    )
    .await;
    assert_eq!(v["days"], json!([]));
    assert!(
        v["notes"].to_string().contains("no price history yet"),
        "{v}"
    );
    assert_eq!(t.run(&["find", "--json", "--gpu", "h100"]).code, 0);
    let v = same(
        &c,
        "price_history",
        json!({"gpu": ["h100"], "days": 7}),
        &t.run(&["history", "-v", "--json", "--gpu", "h100", "--days", "7"]),
    )
    .await;
    assert_eq!(
        v["days"],
        t.run(&["history", "--json", "--gpu", "h100", "--days", "7"])
            .json()
    );
    assert_eq!(v["days"][0]["provider"], "lambda", "{v}");
    c.cancel().await.unwrap();
}

/// A row as both list it, without what moves with the clock.
fn steady(rows: &Value) -> Value {
    let mut rows = rows.clone();
    for r in rows.as_array_mut().unwrap() {
        let r = r.as_object_mut().unwrap();
        for k in ["agent", "running_seconds", "cost_so_far_usd"] {
            r.remove(k);
        }
    }
    rows
}

#[tokio::test]
async fn list_instances_and_gpu_ls_say_the_same() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server).config(BUDGET);
    let c = connect(&t, &[]).await;
    // Nothing runs.
    same(
        &c,
        "list_instances",
        json!({}),
        &t.run(&["ls", "-v", "--json"]),
    )
    .await;
    // One instance of the person's, one of an agent's.
    let up = t.run(&[
        "up", "--gpu", "a10", "--ttl", "1h", "--name", "mine", "--yes", "--json",
    ]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    let (err, v) = call(
        &c,
        "launch",
        json!({"gpu": ["a10"], "ttl": "1h", "name": "theirs"}),
    )
    .await;
    assert!(!err, "{v}");
    let v = same(
        &c,
        "list_instances",
        json!({}),
        &t.run(&["ls", "-v", "--json"]),
    )
    .await;
    assert_eq!(v["instances"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(
        steady(&v["instances"]),
        steady(&t.run(&["ls", "--json"]).json())
    );
    let history = same(
        &c,
        "list_instances",
        json!({"history": true}),
        &t.run(&["ls", "-v", "--json", "--history"]),
    )
    .await;
    assert_eq!(
        steady(&history["instances"]),
        steady(&t.run(&["ls", "--json", "--history"]).json())
    );
    // A provider that cannot be listed: the warning, exit 3, the ledger's rows.
    fake.with(|s| s.list_fails = true);
    let v = same(
        &c,
        "list_instances",
        json!({}),
        &t.run(&["ls", "-v", "--json"]),
    )
    .await;
    assert!(
        v["warnings"]
            .to_string()
            .contains("could not list `lambda`"),
        "{v}"
    );
    assert_eq!(
        steady(&v["instances"]),
        steady(&t.run(&["ls", "--json"]).json())
    );
    c.cancel().await.unwrap();
}

/// What names one instance in particular, replaced by a placeholder.
fn anonymous(text: &str, names: &[&str]) -> String {
    let mut text = text.to_string();
    for (i, n) in names.iter().enumerate() {
        text = text.replace(n, &format!("<{i}>"));
    }
    text
}

/// One instance launched by the agent (`launch`) and one by a person with the agent's owner
/// id (`gpu up`), with their names and instance ids.
struct Pair {
    agent: Value,
    person: Output,
    /// The agent's, then the person's: name and instance id each.
    names: [[String; 2]; 2],
}

impl Pair {
    fn ids(&self) -> (String, String) {
        (
            self.agent["instance"]["id"].as_str().unwrap().to_string(),
            self.person.json()["id"].as_str().unwrap().to_string(),
        )
    }

    /// The two texts are the same but for the names of their own instance.
    fn assert_same(&self, tool: &str, cli: &str, what: &str) {
        let [a, p] = &self.names;
        assert_eq!(
            anonymous(tool, &[&a[0], &a[1]]),
            anonymous(cli, &[&p[0], &p[1]]),
            "{what}"
        );
    }
}

async fn launch_pair(c: &Client, t: &GpuTest, owner: Option<&str>, n: u32) -> Pair {
    let (err, agent) = call(
        c,
        "launch",
        json!({"gpu": ["a10"], "ttl": "1h", "name": format!("agent-{n}")}),
    )
    .await;
    assert!(!err, "{agent}");
    let owner = owner.map_or_else(
        || agent["instance"]["owner"].as_str().unwrap().to_string(),
        str::to_string,
    );
    let name = format!("person-{n}");
    let person = run_as(
        t,
        &owner,
        &[
            "up", "-v", "--json", "--gpu", "a10", "--ttl", "1h", "--name", &name, "--yes",
        ],
    );
    assert_eq!(person.code, 0, "{}", person.stderr);
    let ids = |v: &Value| {
        [
            v["name"].as_str().unwrap().to_string(),
            v["instance_id"].as_str().unwrap().to_string(),
        ]
    };
    let names = [ids(&agent["instance"]), ids(&person.json())];
    Pair {
        agent,
        person,
        names,
    }
}

/// `release` of the agent's and `gpu down` of the person's: the same results, status and
/// messages; returns the tool's answer.
async fn release_pair(c: &Client, t: &GpuTest, pair: &Pair, is_error: bool) -> Value {
    let (a_id, p_id) = pair.ids();
    let (err, released) = call(c, "release", json!({"ids": [a_id]})).await;
    assert_eq!(err, is_error, "{released}");
    let down = t.run(&["down", "-v", "--json", "--yes", "--missing-ok", &p_id]);
    assert_eq!(released["exit_code"], down.code, "{}", down.stderr);
    pair.assert_same(
        &released["released"].to_string(),
        &down.json().to_string(),
        "the results of `release` and `down`",
    );
    pair.assert_same(
        &format!("{:?}", tool_said(&released, is_error)),
        &format!("{:?}", cli_said(&down.stderr)),
        "what `release` and `down` said",
    );
    released
}

#[tokio::test]
async fn launch_and_release_and_gpu_up_and_down_say_the_same() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server).config(BUDGET);
    let c = connect(&t, &[]).await;
    // The same offer, the same answer, the same notes.
    let pair = launch_pair(&c, &t, None, 1).await;
    let cli = pair.person.json();
    for field in [
        "provider",
        "offer_id",
        "state",
        "gpu",
        "gpu_count",
        "region",
        "price_per_hour_usd",
        "price_per_gpu_hour_usd",
        "owner",
        "existing",
    ] {
        assert_eq!(pair.agent["instance"][field], cli[field], "{field}");
    }
    assert_eq!(pair.agent["exit_code"], pair.person.code);
    let said = cli_said(&pair.person.stderr);
    assert!(!said.notes.is_empty(), "{}", pair.person.stderr);
    pair.assert_same(
        &format!("{:?}", tool_said(&pair.agent, false)),
        &format!("{said:?}"),
        "what `launch` and `up` said",
    );
    let released = release_pair(&c, &t, &pair, false).await;
    assert!(
        released["notes"].to_string().contains("released lambda:"),
        "{released}"
    );
    assert!(fake.live().is_empty());

    // A release the provider does not carry out: the same error, kind and results.
    let owner = cli["owner"].as_str().unwrap().to_string();
    let pair = launch_pair(&c, &t, Some(&owner), 2).await;
    fake.with(|s| s.terminate_failures = 1000);
    let failed = release_pair(&c, &t, &pair, true).await;
    assert_eq!(failed["kind"], "failure");
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("may still be running"),
        "{failed}"
    );
    fake.with(|s| s.terminate_failures = 0);
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn run_command_and_gpu_run_say_the_same() {
    let (server, fake) = LambdaFake::start().await;
    let (t, _sshd) = crate::mcp::with_sshd(&server);
    let c = connect(&t, &[]).await;
    let command = ["sh", "-c", "echo out; exit 3"];
    let (err, tool) = call(
        &c,
        "run_command",
        json!({"gpu": ["a10"], "ttl": "1h", "max_time": "10m", "command": command}),
    )
    .await;
    assert!(!err, "{tool}");
    let owner = t.ledger()["entries"][0]["owner"]
        .as_str()
        .unwrap()
        .to_string();
    let mut args = vec![
        "run",
        "-v",
        "--json",
        "--yes",
        "--gpu",
        "a10",
        "--ttl",
        "1h",
        "--max-time",
        "10m",
        "--",
    ];
    args.extend(command);
    let cli = run_as(&t, &owner, &args);
    assert_eq!(tool["exit_code"], cli.code, "{}", cli.stderr);
    assert_eq!(tool["status"], "command_failed");
    let report = cli.json();
    for field in [
        "outcome",
        "exit_code",
        "command_exit_code",
        "command",
        "released",
        "kept",
        "release_error",
        "release_command",
        "error",
    ] {
        assert_eq!(tool["run"][field], report[field], "{field}");
    }
    for field in [
        "provider",
        "gpu",
        "gpu_count",
        "region",
        "price_per_hour_usd",
        "owner",
    ] {
        assert_eq!(
            tool["run"]["instance"][field], report["instance"][field],
            "instance {field}"
        );
    }
    assert!(tool["command_output"].as_str().unwrap().contains("out"));
    assert!(tool["notes"].to_string().contains("ran `sh -c"), "{tool}");
    // The closing note names the instance and the times: those are each run's own.
    let only_words = |said: Said| Said {
        notes: said
            .notes
            .iter()
            .map(|n| {
                n.split(" on ")
                    .next()
                    .unwrap()
                    .replace(|c: char| c.is_ascii_digit(), "#")
            })
            .collect(),
        ..said
    };
    assert_eq!(
        only_words(tool_said(&tool, false)),
        only_words(cli_said(&cli.stderr)),
        "what `run_command` and `run` said"
    );
    assert!(fake.live().is_empty());
    c.cancel().await.unwrap();
}
