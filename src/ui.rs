//! Everything written to stderr: warnings, notes, hints, the progress spinner and `-v` request
//! logs. Colour and spinners only when stderr is a terminal, never with `NO_COLOR`.
#![allow(clippy::print_stderr)]

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use gpu_providers::RequestLog;

use serde::Serialize;

use crate::env::{self, Env};

/// Bytes of a remote command's output a collecting [`Ui`] keeps (the end of it).
pub const COMMAND_OUTPUT_LIMIT: usize = 64 * 1024;

/// What a collecting [`Ui`] was told: what the MCP server hands back with a tool's result in
/// place of what the command line prints on stderr.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct Collected {
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
    pub hints: Vec<String>,
    /// The end of what a command run on an instance printed (stdout and stderr as they came).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command_output: Option<String>,
}

/// When to use colour on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Colour decisions for stderr.
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    on: bool,
}

impl Paint {
    pub fn new(choice: ColorChoice, env: &Env) -> Paint {
        let on = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal()
                    && env.get(env::NO_COLOR).is_none()
                    && env.get("TERM") != Some("dumb")
            }
        };
        Paint { on }
    }
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn error(&self, s: &str) -> String {
        self.wrap("1;31", s)
    }
    pub fn warning(&self, s: &str) -> String {
        self.wrap("1;33", s)
    }
    pub fn hint(&self, s: &str) -> String {
        self.wrap("1;36", s)
    }
    pub fn note(&self, s: &str) -> String {
        self.wrap("1", s)
    }
}

pub struct Ui {
    pub paint: Paint,
    pub verbose: bool,
    progress: bool,
    quiet: bool,
    /// Messages are kept here instead of printed (for `gpu mcp`'s client).
    collect: Option<std::sync::Mutex<Collected>>,
}

impl Ui {
    /// `progress`: a spinner may be shown (on a terminal); `quiet`: no notes.
    pub fn new(color: ColorChoice, verbose: bool, progress: bool, quiet: bool, env: &Env) -> Ui {
        Ui {
            paint: Paint::new(color, env),
            verbose,
            progress: progress && std::io::stderr().is_terminal(),
            quiet,
            collect: None,
        }
    }

    /// A Ui that prints nothing and keeps every warning, note and hint, whole, and the output
    /// of a command run on an instance: [`Ui::collected`] hands them over.
    pub fn collecting(env: &Env) -> Ui {
        Ui {
            paint: Paint::new(ColorChoice::Never, env),
            verbose: false,
            progress: false,
            quiet: false,
            collect: Some(std::sync::Mutex::new(Collected::default())),
        }
    }

    pub fn is_collecting(&self) -> bool {
        self.collect.is_some()
    }

    /// What was collected so far (and is now forgotten here).
    pub fn collected(&self) -> Collected {
        self.collect
            .as_ref()
            .and_then(|c| c.lock().ok().map(|mut c| std::mem::take(&mut *c)))
            .unwrap_or_default()
    }

    /// Keep `f`'s change when collecting; false when not (print it then).
    fn keep(&self, f: impl FnOnce(&mut Collected)) -> bool {
        match &self.collect {
            Some(c) => {
                if let Ok(mut c) = c.lock() {
                    f(&mut c);
                }
                true
            }
            None => false,
        }
    }

    /// Keep the end of a remote command's output; false when not collecting.
    pub fn command_output(&self, bytes: &[u8]) -> bool {
        self.keep(|c| {
            let out = c.command_output.get_or_insert_with(String::new);
            out.push_str(&String::from_utf8_lossy(bytes));
            if out.len() > COMMAND_OUTPUT_LIMIT {
                let mut cut = out.len() - COMMAND_OUTPUT_LIMIT;
                while !out.is_char_boundary(cut) {
                    cut += 1;
                }
                out.drain(..cut);
            }
        })
    }

    pub fn warn(&self, msg: &str) {
        if self.keep(|c| c.warnings.push(clean(msg))) {
            return;
        }
        stderr_line(&format!(
            "{} {}",
            self.paint.warning("warning:"),
            clean(msg)
        ));
    }

    pub fn note(&self, msg: &str) {
        if self.keep(|c| c.notes.push(clean(msg))) {
            return;
        }
        if self.quiet {
            return;
        }
        stderr_line(&format!("{} {}", self.paint.note("note:"), clean(msg)));
    }

    pub fn debug(&self, msg: &str) {
        stderr_line(&format!("debug: {}", clean(msg)));
    }

    pub fn hint(&self, msg: &str) {
        if self.keep(|c| c.hints.push(clean(msg))) {
            return;
        }
        stderr_line(&format!("{} {}", self.paint.hint("hint:"), clean(msg)));
    }

    /// A spinner on stderr while providers are asked; `None` when stderr is not a terminal.
    pub fn spinner(&self, message: String) -> Option<indicatif::ProgressBar> {
        if !self.progress {
            return None;
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(100));
        Some(bar)
    }

    /// The `-v` request logger handed to the HTTP client.
    pub fn request_logger(&self) -> Option<gpu_providers::http::Logger> {
        if !self.verbose {
            return None;
        }
        Some(Arc::new(|log: &RequestLog| {
            stderr_line(&format_request(log))
        }))
    }
}

/// Write to stderr, ignoring a closed or full stderr: `eprintln!` would panic there (`gpu run
/// ... 2>&1 | head`), and a panic on the way to a release would leave an instance billing.
pub fn stderr_text(text: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// `1 offer`, `2 offers`: a count with its noun, plural by `s`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

pub fn stderr_line(line: &str) {
    stderr_text(&format!("{line}\n"));
}

/// `debug: lambda GET https://host/path -> 200 (123 ms)`; the URL is already redacted.
pub fn format_request(log: &RequestLog) -> String {
    let outcome = match (&log.status, &log.error) {
        (Some(s), _) => s.to_string(),
        (None, Some(e)) => format!("failed: {e}"),
        (None, None) => "no answer".to_string(),
    };
    let retry = if log.attempt > 1 {
        format!(" [attempt {}]", log.attempt)
    } else {
        String::new()
    };
    clean(&format!(
        "debug: {} {} {} -> {} ({} ms){retry}",
        log.provider,
        log.method,
        log.url,
        outcome,
        log.elapsed.as_millis()
    ))
}

/// Strip control characters (terminal escape sequences among them) from text that came from
/// a provider or a file before it reaches a terminal.
pub fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collecting_ui_keeps_what_it_is_told() {
        let ui = Ui::collecting(&Env::default());
        ui.warn("w\x1b[2J");
        ui.note("n");
        ui.hint("h");
        assert!(ui.command_output(&vec![b'a'; COMMAND_OUTPUT_LIMIT]));
        assert!(ui.command_output(b"end"));
        let c = ui.collected();
        assert_eq!(c.warnings, ["w[2J"]);
        assert_eq!(c.notes, ["n"]);
        assert_eq!(c.hints, ["h"]);
        let out = c.command_output.unwrap();
        assert_eq!(out.len(), COMMAND_OUTPUT_LIMIT);
        assert!(out.ends_with("aend"));
        assert_eq!(ui.collected(), Collected::default());
        let printing = Ui::new(ColorChoice::Never, false, false, true, &Env::default());
        assert!(!printing.command_output(b"x"));
    }

    #[test]
    fn escape_sequences_are_removed() {
        assert_eq!(clean("ok\x1b[2Jbad\x07"), "ok[2Jbad");
    }

    #[test]
    fn request_lines_are_one_line() {
        let line = format_request(&RequestLog {
            provider: "vast",
            method: "POST",
            url: "http://127.0.0.1:1/api/v0/bundles/".into(),
            status: Some(200),
            elapsed: Duration::from_millis(12),
            attempt: 2,
            error: None,
        });
        assert_eq!(
            line,
            "debug: vast POST http://127.0.0.1:1/api/v0/bundles/ -> 200 (12 ms) [attempt 2]"
        );
    }
}
