//! `gpu mcp` driven by a real MCP client (the official Rust SDK's, over stdio), against the
//! stateful Lambda fake: the tools, every guardrail refusing before anything is sent, a launch
//! and release, a client that goes away mid-launch, and no key in any result.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::Duration;

use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};

use crate::fakes::LambdaFake;
use crate::lifecycle::{lambda_test, open_entries};
use crate::support::GpuTest;

pub type Client = RunningService<RoleClient, ()>;

pub async fn connect(t: &GpuTest, extra: &[&str]) -> Client {
    let mut args = vec!["mcp"];
    args.extend_from_slice(extra);
    let mut cmd = t.command(&args);
    cmd.stderr(Stdio::null());
    let transport = TokioChildProcess::new(tokio::process::Command::from(cmd)).unwrap();
    ().serve(transport).await.unwrap()
}

/// A tool's answer: whether it is a tool error, and its structured content. The text content
/// is checked to say the same.
pub async fn call(c: &Client, tool: &str, args: Value) -> (bool, Value) {
    let r = c
        .call_tool(
            CallToolRequestParams::new(tool.to_string())
                .with_arguments(args.as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    let v = r
        .structured_content
        .clone()
        .unwrap_or_else(|| panic!("{tool}: no structured content: {r:?}"));
    let text = serde_json::to_string(&r.content).unwrap();
    assert!(!text.contains("lk-test"), "a key in a tool result: {text}");
    assert!(
        !v.to_string().contains("lk-test"),
        "a key in a tool result: {v}"
    );
    (r.is_error == Some(true), v)
}

pub const BUDGET: &str = "[agent]\nbudget_usd = 20\n";

/// A test whose Lambda instances are a real sshd on loopback, with an agent budget.
pub fn with_sshd(server: &wiremock::MockServer) -> (GpuTest, crate::sshd::Sshd) {
    let t = GpuTest::new()
        .fake("lambda", server)
        .env("LAMBDA_API_KEY", "lk-test");
    let key = crate::sshd::client_key(t.home());
    let sshd = crate::sshd::Sshd::start(&key);
    let t = t
        .env("GPU_TEST_SSH_PORT", &sshd.port.to_string())
        .env("GPU_TEST_SSH_USER", &sshd.user)
        .config(BUDGET);
    (t, sshd)
}

#[tokio::test]
async fn tools_are_listed_with_schemas_and_read_only_offers_only_reading() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server).config(BUDGET);
    let c = connect(&t, &[]).await;
    let tools = c.list_all_tools().await.unwrap();
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "find_offers",
            "launch",
            "list_instances",
            "price_history",
            "release",
            "run_command"
        ]
    );
    for tool in &tools {
        assert!(
            tool.description.as_ref().is_some_and(|d| d.len() > 40),
            "{}",
            tool.name
        );
        assert_eq!(tool.input_schema["type"], "object", "{}", tool.name);
    }
    let launch = tools.iter().find(|t| t.name == "launch").unwrap();
    let props = launch.input_schema["properties"].as_object().unwrap();
    for field in ["offer_id", "gpu", "ttl", "max_price_per_hour", "name"] {
        assert!(
            props.contains_key(field),
            "launch has no `{field}`: {props:?}"
        );
    }
    assert!(props["ttl"]["description"]
        .as_str()
        .unwrap()
        .contains("deadline"));
    c.cancel().await.unwrap();

    let ro = connect(&t, &["--read-only"]).await;
    let mut names: Vec<String> = ro
        .list_all_tools()
        .await
        .unwrap()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["find_offers", "price_history"]);
    let r = ro
        .call_tool(
            CallToolRequestParams::new("launch").with_arguments(
                json!({"gpu": ["a10"], "ttl": "1h"})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        )
        .await;
    assert!(
        r.is_err() || r.as_ref().unwrap().is_error == Some(true),
        "read-only launched: {r:?}"
    );
    // With a budget that would allow it, nothing was sent.
    assert_eq!(fake.with(|s| s.launch_calls), 0);
    ro.cancel().await.unwrap();
}

#[tokio::test]
async fn find_offers_is_gpu_find_and_errors_are_the_cli_errors() {
    let (server, _fake) = LambdaFake::start().await;
    let t = lambda_test(&server);
    let c = connect(&t, &[]).await;
    let (err, v) = call(&c, "find_offers", json!({"gpu": ["h100"], "limit": 50})).await;
    assert!(!err, "{v}");
    assert_eq!(v["status"], "success");
    let offers = v["offers"].as_array().unwrap();
    let cli = t
        .run(&["find", "--gpu", "h100", "--json", "--limit", "50"])
        .json();
    let ids = |a: &[Value]| -> Vec<String> {
        a.iter()
            .map(|o| o["offer_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(offers),
        ids(cli.as_array().unwrap()),
        "the tool is `gpu find`"
    );
    assert!(offers
        .iter()
        .any(|o| o["provider"] == "lambda" && o["source"] == "live"));
    // Catalog rows come with the note the CLI prints.
    assert!(v["notes"].to_string().contains("list prices"), "{v}");

    // The CLI's one-line error, kind and hint.
    let (err, v) = call(&c, "find_offers", json!({"gpu": ["h10"]})).await;
    assert!(err);
    assert_eq!(v["kind"], "usage");
    assert_eq!(v["exit_code"], 2);
    assert_eq!(v["error"], "unknown GPU `h10` given to `--gpu`");
    assert!(v["hint"].as_str().unwrap().contains("did you mean"), "{v}");
    // A value that looks like a flag is a value.
    let (err, v) = call(&c, "find_offers", json!({"gpu": ["--all"]})).await;
    assert!(err, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("unknown GPU `--all`"),
        "{v}"
    );
    // An argument the schema does not have is refused, not ignored.
    let r = c
        .call_tool(
            CallToolRequestParams::new("find_offers")
                .with_arguments(json!({"gpuz": ["h100"]}).as_object().unwrap().clone()),
        )
        .await;
    assert!(r.is_err() || r.unwrap().is_error == Some(true));
    // The live answers just seen are history, as `gpu history` shows them.
    let (err, v) = call(&c, "price_history", json!({"gpu": ["h100"]})).await;
    assert!(!err, "{v}");
    assert_eq!(v["days"][0]["provider"], "lambda", "{v}");
    assert_eq!(v["days"][0]["lowest_per_gpu_hour_usd"], 3.29, "{v}");
    assert_eq!(
        v["days"],
        t.run(&["history", "--gpu", "h100", "--json"]).json()
    );
    // One name per list entry: `h100,a10` would reach the command line as two.
    let (err, v) = call(&c, "find_offers", json!({"gpu": ["h100,a10"]})).await;
    assert!(err);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("one name per list entry"),
        "{v}"
    );
    c.cancel().await.unwrap();
}

/// One launch refused: the message names the limit, and the provider heard nothing.
async fn refused(config: &str, args: Value, says: &str) {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server).config(config);
    let c = connect(&t, &[]).await;
    let (err, v) = call(&c, "launch", args.clone()).await;
    assert!(err, "{config} {args}: launched: {v}");
    assert_eq!(v["kind"], "usage", "{v}");
    let msg = v["error"].as_str().unwrap();
    assert!(msg.contains(says), "{config} {args}:\n{msg}");
    assert_eq!(fake.with(|s| s.launch_calls), 0, "sent a launch: {msg}");
    assert!(fake.live().is_empty());
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn every_guardrail_refuses_before_anything_is_sent() {
    let a10 = json!({"gpu": ["a10"], "ttl": "1h"});
    // No budget: no launches at all.
    refused("", a10.clone(), "off until a person sets `budget_usd`").await;
    // A deadline is required, and no longer than the limit.
    refused(BUDGET, json!({"gpu": ["a10"]}), "needs a deadline").await;
    refused(
        BUDGET,
        json!({"gpu": ["a10"], "ttl": "5h"}),
        "longer than `[agent] max_deadline` (4h) by 1h",
    )
    .await;
    refused(
        &format!("{BUDGET}max_deadline = \"30m\"\n"),
        a10.clone(),
        "(30m) by 30m",
    )
    .await;
    // Providers and GPUs.
    refused(
        &format!("{BUDGET}providers = [\"runpod\"]\n"),
        json!({"gpu": ["a10"], "ttl": "1h", "provider": ["lambda"]}),
        "`lambda` is not among the providers `[agent] providers` allows (runpod)",
    )
    .await;
    refused(
        &format!("{BUDGET}gpus = [\"a10\"]\n"),
        json!({"gpu": ["h100"], "ttl": "1h"}),
        "`h100` is not among the GPUs `[agent] gpus` allows (a10)",
    )
    .await;
    refused(
        &format!("{BUDGET}gpus = [\"a10\"]\n"),
        json!({"offer_id": "lambda:gpu_1x_h100_pcie@us-west-1", "ttl": "1h"}),
        "is not among the GPUs",
    )
    .await;
    // The price of one instance: the cheapest H100 here is $3.29/hour.
    refused(
        &format!("{BUDGET}max_price_per_hour = 1\n"),
        json!({"gpu": ["h100"], "ttl": "1h"}),
        "costs $3.29/hour, over `[agent] max_price_per_hour` ($1.00) by $2.29",
    )
    .await;
    // The budget: 2 hours of $3.29 is $6.58, $1.58 over $5.
    refused(
        "[agent]\nbudget_usd = 5\n",
        json!({"gpu": ["h100"], "ttl": "2h"}),
        "this launch would add $6.58 ($3.29/hour for 2h), $1.58 over",
    )
    .await;
    // A comma would turn one allowed name into two names on the command line.
    refused(
        &format!("{BUDGET}gpus = [\"h100\"]\n"),
        json!({"gpu": ["h100,a10"], "ttl": "1h"}),
        "`gpu` has `h100,a10`; give one name per list entry",
    )
    .await;
    // A very short deadline is still counted as an hour: $3.29 is over $3.
    refused(
        "[agent]\nbudget_usd = 3\n",
        json!({"gpu": ["h100"], "ttl": "1s"}),
        "($3.29/hour for 1h, the least a launch is counted for), $0.29 over",
    )
    .await;
    // A confirmation this client cannot give (it offers no elicitation).
    refused(
        &format!("{BUDGET}confirm = true\n"),
        a10.clone(),
        "`[agent] confirm` is on and this client cannot ask a person",
    )
    .await;
}

#[tokio::test]
async fn running_instances_count_to_their_deadlines_and_their_number_is_limited() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server).config("[agent]\nbudget_usd = 5\nmax_instances = 2\n");
    // The person sees the limits the agent is held to.
    let check = t.run(&["config", "check"]).stdout;
    assert!(check.contains("  budget: $5.00 per 24h\n"), "{check}");
    assert!(check.contains("  instances at once: 2\n"), "{check}");
    let c = connect(&t, &[]).await;
    // $1.29/hour for 2h: $2.58 committed.
    let (err, v) = call(
        &c,
        "launch",
        json!({"gpu": ["a10"], "ttl": "2h", "name": "one"}),
    )
    .await;
    assert!(!err, "{v}");
    // Another $2.58 would make $5.16 (plus the seconds the first has run): over $5.
    let (err, v) = call(
        &c,
        "launch",
        json!({"gpu": ["a10"], "ttl": "2h", "name": "two"}),
    )
    .await;
    assert!(err, "{v}");
    let msg = v["error"].as_str().unwrap();
    assert!(
        msg.contains("`[agent] budget_usd` is $5.00 per 24h: $2.58 is committed"),
        "{msg}"
    );
    assert!(msg.contains("$0.16 over"), "{msg}");
    assert!(
        v["hint"].as_str().unwrap().contains("`[agent]` table"),
        "{v}"
    );
    // An hour fits: $1.29 more.
    let (err, v) = call(
        &c,
        "launch",
        json!({"gpu": ["a10"], "ttl": "1h", "name": "two"}),
    )
    .await;
    assert!(!err, "{v}");
    // Two run: a third is refused by number, before its price is even asked.
    let (err, v) = call(
        &c,
        "launch",
        json!({"gpu": ["a10"], "ttl": "1m", "name": "three"}),
    )
    .await;
    assert!(err);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("2 agent instances may be billing already; `[agent] max_instances` is 2"),
        "{v}"
    );
    assert_eq!(fake.with(|s| s.launch_calls), 2);
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn a_launch_and_release_through_mcp_are_the_agents_own() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server).config(BUDGET);
    // A person's instance, launched from the CLI on the same machine.
    let person = t
        .run(&["up", "--gpu", "a10", "--yes", "--json", "--name", "mine"])
        .json();
    let person_id = person["id"].as_str().unwrap().to_string();
    let machine = person["owner"].as_str().unwrap().to_string();

    let c = connect(&t, &[]).await;
    let (err, v) = call(
        &c,
        "launch",
        json!({"gpu": ["a10"], "ttl": "1h", "name": "job"}),
    )
    .await;
    assert!(!err, "{v}");
    let inst = &v["instance"];
    let id = inst["id"].as_str().unwrap().to_string();
    let agent_owner = format!("{machine}-agent");
    assert_eq!(inst["owner"], agent_owner.as_str());
    assert_eq!(inst["price_per_hour_usd"], 1.29);
    assert!(inst["deadline"].is_string());
    // The owner and deadline are kept at the provider.
    let at_lambda = fake
        .live()
        .into_iter()
        .find(|i| format!("lambda:{}", i.id) == id)
        .unwrap();
    assert!(
        at_lambda
            .tags
            .contains(&("gpu-owner".into(), agent_owner.clone())),
        "{:?}",
        at_lambda.tags
    );
    assert!(at_lambda.tags.iter().any(|(k, _)| k == "gpu-deadline"));
    // Retried with the same name, nothing new is rented.
    let (err, again) = call(
        &c,
        "launch",
        json!({"gpu": ["a10"], "ttl": "1h", "name": "job"}),
    )
    .await;
    assert!(!err, "{again}");
    assert_eq!(again["instance"]["id"], id.as_str());
    assert_eq!(again["instance"]["existing"], true);
    assert_eq!(fake.with(|s| s.launch_calls), 2);

    // `gpu ls` shows it as the agent's; the tool marks it.
    let ls = t.run(&["ls", "--json"]).json();
    let row = ls
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["owner"], agent_owner.as_str());
    let (err, v) = call(&c, "list_instances", json!({})).await;
    assert!(!err, "{v}");
    let rows = v["instances"].as_array().unwrap();
    let agent_of = |wanted: &str| rows.iter().find(|r| r["id"] == wanted).unwrap()["agent"].clone();
    assert_eq!(agent_of(&id), true);
    assert_eq!(agent_of(&person_id), false);
    assert!(
        rows.iter().all(|r| r["cost_so_far_usd"].is_number()),
        "{rows:?}"
    );

    // An id nobody lists is reported missing and never passed on.
    let (err, v) = call(&c, "release", json!({"ids": ["gpu-nothing"]})).await;
    assert!(!err, "{v}");
    assert_eq!(v["released"][0]["result"], "missing", "{v}");
    assert_eq!(fake.with(|s| s.terminate_calls), 0);
    // The person's instance is not the agent's to release.
    let (err, v) = call(&c, "release", json!({"ids": [person_id]})).await;
    assert!(err);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("was not launched by an agent"),
        "{v}"
    );
    // Its own is released and confirmed gone.
    let (err, v) = call(&c, "release", json!({"all": true})).await;
    assert!(!err, "{v}");
    assert_eq!(v["released"][0]["id"], id.as_str());
    assert_eq!(v["released"][0]["result"], "terminated");
    let live: Vec<String> = fake
        .live()
        .iter()
        .map(|i| format!("lambda:{}", i.id))
        .collect();
    assert_eq!(live, std::slice::from_ref(&person_id));

    // `gpu down --owner agent` releases every agent instance, and only those.
    let (err, v) = call(
        &c,
        "launch",
        json!({"gpu": ["a10"], "ttl": "1h", "name": "job2"}),
    )
    .await;
    assert!(!err, "{v}");
    c.cancel().await.unwrap();
    let down = t.run(&["down", "--owner", "agent", "--yes", "--json"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    let released = down.json();
    assert_eq!(released.as_array().unwrap().len(), 1, "{released}");
    assert_eq!(released[0]["id"], v["instance"]["id"]);
    let live: Vec<String> = fake
        .live()
        .iter()
        .map(|i| format!("lambda:{}", i.id))
        .collect();
    assert_eq!(live, [person_id]);
}

/// The client sends a launch and goes away while the provider is still answering: the
/// launch settles, the instance is in the ledger, and the server then exits on its own.
#[tokio::test]
async fn a_client_that_disconnects_mid_launch_leaves_the_instance_tracked() {
    let (server, fake) = LambdaFake::start().await;
    fake.with(|s| s.launch_delay = Some(Duration::from_secs(2)));
    let t = lambda_test(&server).config(BUDGET);
    let mut child = t
        .command(&["mcp"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let send = |stdin: &mut std::process::ChildStdin, v: Value| {
        writeln!(stdin, "{v}").unwrap();
        stdin.flush().unwrap();
    };
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"}}}),
    );
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let init: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(init["result"]["serverInfo"]["name"], "gpu", "{line}");
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    );
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "launch", "arguments": {"gpu": ["a10"], "ttl": "1h", "name": "left"}}}),
    );
    // Gone while the create is in flight.
    let started = std::time::Instant::now();
    while fake.with(|s| s.launch_calls) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the launch was never sent"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(stdin);
    drop(stdout);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not exit"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    // The instance exists, and the ledger knows it by its id.
    let live = fake.live();
    assert_eq!(live.len(), 1);
    let open = open_entries(&t);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["status"], "launched");
    assert_eq!(open[0]["instance_id"], live[0].id.as_str());
    // And `gpu ls` shows it, billing, for anyone to release.
    let ls = t.run(&["ls", "--json"]).json();
    assert_eq!(ls[0]["id"], format!("lambda:{}", live[0].id).as_str());
}

/// The official Python SDK's client (`mcp` on PyPI), as an agent's host would use it: it lists
/// the tools, finds offers, answers the launch confirmation (elicitation) and releases.
#[tokio::test]
async fn the_official_python_client_drives_a_confirmed_launch() {
    let python = "python3";
    let has_sdk = std::process::Command::new(python)
        .args(["-c", "import mcp"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        has_sdk,
        "the MCP Python SDK is missing: `pip install mcp` (`.ci/run` installs it)"
    );
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server).config(&format!("{BUDGET}confirm = true\nmax_instances = 2\n"));
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp_client.py");
    // The script starts `gpu mcp` with this test's environment.
    let cmd = t.command(&["mcp"]);
    let mut py = std::process::Command::new(python);
    py.arg(&script).arg(cmd.get_program());
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            py.env(k, v);
        }
    }
    py.current_dir(t.home());
    let out = tokio::task::spawn_blocking(move || py.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(report["tools"].as_array().unwrap().len(), 6, "{report}");
    assert!(report["offers"].as_u64().unwrap() > 0, "{report}");
    // The person was asked, with the price, and said yes; then said no.
    assert!(
        report["asked"][0].as_str().unwrap().contains("$1.29/hour"),
        "{report}"
    );
    assert!(report["launched"]["owner"]
        .as_str()
        .unwrap()
        .ends_with("-agent"));
    assert!(
        report["declined"].as_str().unwrap().contains("declined"),
        "{report}"
    );
    assert_eq!(report["released"], "terminated", "{report}");
    assert_eq!(fake.with(|s| s.launch_calls), 1);
    assert!(fake.live().is_empty());
    assert!(!stdout.contains("lk-test"));
}

/// `run_command` is `gpu run`: rented within the limits, the command run over real SSH (the
/// fake's instances are this test's sshd), its output returned, the instance released.
#[tokio::test]
async fn run_command_runs_over_ssh_returns_the_output_and_releases() {
    let (server, fake) = LambdaFake::start().await;
    let (t, _sshd) = with_sshd(&server);
    let c = connect(&t, &[]).await;
    let (err, v) = call(
        &c,
        "run_command",
        json!({"gpu": ["a10"], "ttl": "1h",
               "command": ["sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"]}),
    )
    .await;
    assert!(!err, "{v}");
    // The command's own failure is its exit code, not a tool error.
    assert_eq!(v["status"], "command_failed", "{v}");
    assert_eq!(v["exit_code"], 3);
    let run = &v["run"];
    assert_eq!(run["command_exit_code"], 3, "{v}");
    assert_eq!(run["released"], true, "{v}");
    let output = v["command_output"].as_str().unwrap();
    assert!(
        output.contains("to-stdout") && output.contains("to-stderr"),
        "{output}"
    );
    assert!(run["cost_usd"].as_f64().unwrap() >= 0.0);
    assert!(fake.live().is_empty());
    let entries = t.ledger()["entries"].clone();
    assert_eq!(entries[0]["status"], "released");
    assert!(
        entries[0]["owner"].as_str().unwrap().ends_with("-agent"),
        "{entries}"
    );
    // The command stops at the deadline: the budget counted no further.
    let started = std::time::Instant::now();
    let (err, v) = call(
        &c,
        "run_command",
        json!({"gpu": ["a10"], "ttl": "2s", "command": ["sleep", "60"]}),
    )
    .await;
    assert!(!err, "{v}");
    assert_eq!(v["run"]["outcome"], "timed_out", "{v}");
    assert_eq!(v["run"]["released"], true, "{v}");
    assert!(started.elapsed() < Duration::from_secs(40));
    // The same limits hold: over the deadline limit, nothing is rented.
    let (err, v) = call(
        &c,
        "run_command",
        json!({"gpu": ["a10"], "ttl": "9h", "command": ["true"]}),
    )
    .await;
    assert!(err);
    assert!(v["error"].as_str().unwrap().contains("max_deadline"), "{v}");
    assert_eq!(fake.with(|s| s.launch_calls), 2);
    c.cancel().await.unwrap();
}

/// A name whose instance ended outside `gpu` (a console, a spot reclaim) is never relaunched
/// past the checks: it is either still counted as billing, or launched only within them.
#[tokio::test]
async fn a_name_whose_instance_ended_is_launched_again_only_through_the_checks() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server).config(BUDGET);
    let c = connect(&t, &[]).await;
    let (err, v) = call(
        &c,
        "launch",
        json!({"gpu": ["a10"], "ttl": "1h", "name": "job"}),
    )
    .await;
    assert!(!err, "{v}");
    fake.with(|s| {
        for i in &mut s.instances {
            i.status = "terminated".into();
        }
    });
    // No deadline this time: a launch would have to pass the checks, which refuse it.
    let (err, v) = call(&c, "launch", json!({"gpu": ["a10"], "name": "job"})).await;
    assert_eq!(
        fake.with(|s| s.launch_calls),
        1,
        "relaunched past the checks: {v}"
    );
    assert!(err || v["instance"]["existing"] == true, "{v}");
    c.cancel().await.unwrap();
}

/// Past its deadline, an agent's instance is released by the server itself, whichever
/// provider: nothing keeps billing because no `down --expired` sweeper runs. A person's
/// overdue instance is left to the person.
#[tokio::test]
async fn the_server_releases_agents_instances_past_their_deadline() {
    let (server, fake) = LambdaFake::start().await;
    let t = lambda_test(&server)
        .config(BUDGET)
        .env("GPU_MCP_SWEEP_INTERVAL", "0.3");
    let person = t
        .run(&["up", "--gpu", "a10", "--yes", "--json", "--ttl", "1s"])
        .json();
    let c = connect(&t, &[]).await;
    let (err, v) = call(
        &c,
        "launch",
        json!({"gpu": ["a10"], "ttl": "1s", "name": "short"}),
    )
    .await;
    assert!(!err, "{v}");
    let started = std::time::Instant::now();
    while fake.live().len() > 1 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never swept: {:?}",
            fake.live()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let live: Vec<String> = fake
        .live()
        .iter()
        .map(|i| format!("lambda:{}", i.id))
        .collect();
    assert_eq!(live, [person["id"].as_str().unwrap()]);
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn the_agents_budget_holds_across_two_machines_of_one_owner() {
    let (server, fake) = LambdaFake::start().await;
    let config = "[agent]\nbudget_usd = 5\nowner = \"fleet-agent\"\nmax_instances = 4\n";
    let a = lambda_test(&server).config(config);
    let b = lambda_test(&server).config(config);
    let ca = connect(&a, &[]).await;
    let (err, v) = call(&ca, "launch", json!({"gpu": ["a10"], "ttl": "2h"})).await;
    assert!(!err, "{v}");
    // Machine B's ledger is empty; the providers' lists show what A's agent committed.
    let cb = connect(&b, &[]).await;
    let (err, v) = call(&cb, "launch", json!({"gpu": ["a10"], "ttl": "2h"})).await;
    assert!(err, "{v}");
    let msg = v["error"].as_str().unwrap();
    assert!(msg.contains("$2.58 is committed on every machine"), "{msg}");
    assert_eq!(fake.with(|s| s.launch_calls), 1);
    assert_eq!(fake.live().len(), 1);
    ca.cancel().await.unwrap();
    cb.cancel().await.unwrap();
}
