//! Output caught instead of printed: what `gpu mcp` returns to its client. A command run under
//! [`capture`] writes its stdout (the data), its warnings, notes and hints, and the output of a
//! command it runs on an instance here, so the MCP server hands back exactly what the CLI
//! would have printed, through the CLI's own code.

use std::cell::RefCell;
use std::future::Future;

use serde::Serialize;

/// Bytes of a remote command's output kept (the end of it).
pub const COMMAND_OUTPUT_LIMIT: usize = 64 * 1024;

#[derive(Debug, Default, Clone, Serialize)]
pub struct Captured {
    /// What the command printed on stdout.
    #[serde(skip)]
    pub stdout: String,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
    pub hints: Vec<String>,
    /// The end of what a command run on an instance printed (stdout and stderr as they came).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command_output: Option<String>,
}

tokio::task_local! {
    static CAPTURE: RefCell<Captured>;
}

/// Run `work` with its output caught.
pub async fn capture<F: Future>(work: F) -> (F::Output, Captured) {
    CAPTURE
        .scope(RefCell::new(Captured::default()), async {
            let out = work.await;
            let caught = CAPTURE.with(|c| c.take());
            (out, caught)
        })
        .await
}

/// Whether output is being caught here.
pub fn active() -> bool {
    CAPTURE.try_with(|_| ()).is_ok()
}

/// Catch stdout text; false when nothing is catching (print it then).
pub fn stdout(text: &str) -> bool {
    CAPTURE
        .try_with(|c| c.borrow_mut().stdout.push_str(text))
        .is_ok()
}

pub enum Level {
    Warning,
    Note,
    Hint,
}

/// Catch a message for stderr; false when nothing is catching.
pub fn message(level: Level, text: &str) -> bool {
    CAPTURE
        .try_with(|c| {
            let mut c = c.borrow_mut();
            let list = match level {
                Level::Warning => &mut c.warnings,
                Level::Note => &mut c.notes,
                Level::Hint => &mut c.hints,
            };
            list.push(text.to_string());
        })
        .is_ok()
}

/// Keep the end of a remote command's output; false when nothing is catching.
pub fn command_output(bytes: &[u8]) -> bool {
    CAPTURE
        .try_with(|c| {
            let mut c = c.borrow_mut();
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
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn caught_inside_printed_outside() {
        assert!(!stdout("x"));
        let ((), caught) = capture(async {
            assert!(stdout("data\n"));
            assert!(message(Level::Warning, "w"));
            assert!(message(Level::Note, "n"));
            assert!(command_output(&vec![b'a'; COMMAND_OUTPUT_LIMIT]));
            assert!(command_output(b"end"));
        })
        .await;
        assert_eq!(caught.stdout, "data\n");
        assert_eq!(caught.warnings, ["w"]);
        assert_eq!(caught.notes, ["n"]);
        let out = caught.command_output.unwrap();
        assert_eq!(out.len(), COMMAND_OUTPUT_LIMIT);
        assert!(out.ends_with("aend"));
    }
}
