//! A tool's answer, built from what the core returned: its data under one key, the exit
//! status the CLI would give, and the warnings, notes and hints the CLI would print on
//! stderr (collected by the call's [`Ui`]); or the CLI's error, with its kind and hint.

use rmcp::model::CallToolResult;
use serde::Serialize;
use serde_json::{json, Value};

use crate::exit::{CliError, Status};
use crate::ui::{Collected, Ui};

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
        Status::MaxCost => "max_cost",
        Status::ReleaseFailed => "release_failed",
    }
}

fn messages(c: &Collected, v: &mut serde_json::Map<String, Value>) {
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

/// A tool error: the CLI's one-line message, its kind and exit code, its hint, what was said
/// before it, and `data` (what the CLI would still have printed on stdout) when there is some.
pub fn error_with(e: &CliError, data: Option<(&str, Value)>, said: &Collected) -> CallToolResult {
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
    if let Some((key, data)) = data {
        v.insert(key.into(), data);
    }
    messages(said, &mut v);
    CallToolResult::structured_error(Value::Object(v))
}

pub fn error_result(e: &CliError, said: &Collected) -> CallToolResult {
    error_with(e, None, said)
}

/// The answer: `data` under `key`, with its status and what was said.
pub fn result(key: &str, data: Value, status: Status, said: &Collected) -> CallToolResult {
    let mut v = serde_json::Map::new();
    v.insert(key.into(), data);
    v.insert("status".into(), json!(status_kind(status)));
    v.insert("exit_code".into(), json!(status.code()));
    messages(said, &mut v);
    CallToolResult::structured(Value::Object(v))
}

/// `outcome` as a tool result: its data under `key`, or its error; with what `ui` collected.
pub fn from(key: &str, outcome: Result<(Value, Status), CliError>, ui: &Ui) -> CallToolResult {
    let said = ui.collected();
    match outcome {
        Ok((data, status)) => result(key, data, status, &said),
        Err(e) => error_result(&e, &said),
    }
}

/// A value as tool data.
pub fn data(v: &impl Serialize) -> Result<Value, CliError> {
    serde_json::to_value(v).map_err(|e| CliError::failure(format!("could not write JSON: {e}")))
}
