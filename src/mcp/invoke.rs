//! Run one `gpu` command line in this process, as the CLI would, with its output caught: the
//! JSON it prints, its warnings, notes and hints, its exit status or its error.

use clap::Parser;
use rmcp::model::CallToolResult;
use serde_json::{json, Value};

use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::mcp::Shared;
use crate::output::capture::{self, Captured};

pub struct Invoked {
    pub result: Result<Status, CliError>,
    pub caught: Captured,
}

impl Shared {
    /// `args` is what follows `gpu` on a command line. Values always go as `--flag=value`
    /// and positional ones after `--`, so no value can pass for a flag.
    pub async fn invoke(&self, args: &[String], env: &Env) -> Invoked {
        let mut argv: Vec<String> = vec!["gpu".into(), "--no-progress".into()];
        if let Some(p) = &self.config_path {
            argv.push(format!("--config={}", p.display()));
        }
        argv.extend(args.iter().cloned());
        let cli = match crate::cli::Cli::try_parse_from(&argv) {
            Ok(cli) => cli,
            Err(e) => {
                let text = e.render().to_string();
                let line = text
                    .lines()
                    .next()
                    .unwrap_or("invalid arguments")
                    .trim_start_matches("error: ")
                    .to_string();
                return Invoked {
                    result: Err(CliError::usage(line)),
                    caught: Captured::default(),
                };
            }
        };
        let ui = cli.global.ui(env);
        let (result, caught) = capture::capture(crate::commands::run(cli, env, &ui)).await;
        Invoked { result, caught }
    }
}

/// The word for an exit status, as tool results name it.
pub fn status_kind(s: Status) -> &'static str {
    match s {
        Status::Success | Status::Exit(0) => "success",
        Status::Failure => "failure",
        Status::Usage => "usage",
        Status::Partial => "partial",
        Status::Auth => "auth",
        Status::NoMatch => "no_match",
        Status::WaitTimeout => "wait_timeout",
        Status::NoCapacity => "no_capacity",
        Status::Interrupted | Status::Terminated => "interrupted",
        Status::Exit(_) => "command_failed",
        Status::RentFailed => "rent_failed",
        Status::SyncFailed => "sync_failed",
        Status::MaxTime => "max_time",
        Status::ReleaseFailed => "release_failed",
    }
}

fn messages(c: &Captured, v: &mut serde_json::Map<String, Value>) {
    for (k, list) in [
        ("warnings", &c.warnings),
        ("notes", &c.notes),
        ("hints", &c.hints),
    ] {
        if !list.is_empty() {
            v.insert(k.into(), json!(list));
        }
    }
    if let Some(out) = &c.command_output {
        v.insert("command_output".into(), json!(out));
    }
}

/// A tool error: the CLI's one-line message, its kind and exit code, its hint.
pub fn error_result(e: &CliError, caught: &Captured) -> CallToolResult {
    let mut v = serde_json::Map::new();
    v.insert("error".into(), json!(e.message));
    v.insert("kind".into(), json!(status_kind(e.status)));
    v.insert("exit_code".into(), json!(e.status.code()));
    if let Some(h) = &e.hint {
        v.insert("hint".into(), json!(h));
    }
    if !e.causes.is_empty() {
        v.insert("causes".into(), json!(e.causes));
    }
    messages(caught, &mut v);
    CallToolResult::structured_error(Value::Object(v))
}

impl Invoked {
    /// The JSON the command printed, if it printed JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(self.caught.stdout.trim()).ok()
    }

    /// The answer as a tool result: the command's JSON under `key`, with its status and
    /// messages; an error, or a run that printed no JSON, is a tool error.
    pub fn into_result(self, key: &str) -> CallToolResult {
        let status = match &self.result {
            Ok(s) => *s,
            Err(e) => return error_result(e, &self.caught),
        };
        let Some(data) = self.json() else {
            let e = CliError::new(status, "the command printed no JSON");
            return error_result(&e, &self.caught);
        };
        let mut v = serde_json::Map::new();
        v.insert(key.into(), data);
        v.insert("status".into(), json!(status_kind(status)));
        v.insert("exit_code".into(), json!(status.code()));
        messages(&self.caught, &mut v);
        CallToolResult::structured(Value::Object(v))
    }
}
