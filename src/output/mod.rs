//! stdout: data only. One module per format; all print the same fields of [`Offer`].
#![allow(clippy::print_stdout)]

pub mod csv;
pub mod fields;
pub mod jq;
pub mod json;
pub mod summary;
pub mod table;

use std::io::{self, Write};

/// How data is printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    /// Tab-separated values, no quoting unless a value needs it
    Tsv,
    /// One id a line: offer ids for `find` (what `gpu up` takes), instance ids for `ls`
    Id,
}

impl Format {
    /// What a command prints when no format is asked for: a table for a person at a terminal,
    /// plain tab-separated lines for a pipe (as `gh` does), so `gpu find | cut -f1` works and
    /// no row is cut to fit a width nobody sees. `-o table` keeps the table in a pipe.
    pub fn default_for_stdout() -> Format {
        if crate::output::stdout_is_terminal() {
            Format::Table
        } else {
            Format::Tsv
        }
    }
}

/// Write to stdout; a closed pipe (`gpu find | head`) is not an error worth a message.
pub fn write_stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

static FORCE_TERMINAL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `GPU_FORCE_TTY`: treat stdout as a terminal even in a pipe (as `GH_FORCE_TTY` does for
/// `gh`): a table and the per-model summary, e.g. for `GPU_FORCE_TTY=1 gpu find | less`.
pub fn force_terminal(env: &crate::env::Env) {
    let on = env
        .get(crate::env::FORCE_TTY)
        .is_some_and(|v| !matches!(v.trim(), "" | "0" | "false" | "no"));
    FORCE_TERMINAL.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Whether stdout is a terminal (tables fit its width then, and are the default format).
pub fn stdout_is_terminal() -> bool {
    use std::io::IsTerminal;
    FORCE_TERMINAL.load(std::sync::atomic::Ordering::Relaxed) || io::stdout().is_terminal()
}

/// A CSV writer, or a TSV one for `-o tsv`; `header` decides whether `serialize` writes one.
pub fn writer(format: Format, header: bool) -> ::csv::Writer<Vec<u8>> {
    ::csv::WriterBuilder::new()
        .delimiter(if format == Format::Tsv { b'\t' } else { b',' })
        .has_headers(header)
        .from_writer(Vec::new())
}

/// A table without its first line (`--no-header`).
pub fn without_header(text: String, no_header: bool) -> String {
    if !no_header {
        return text;
    }
    match text.split_once('\n') {
        Some((_, rest)) => rest.to_string(),
        None => String::new(),
    }
}

/// The width a table should fit: `COLUMNS` when set (as shells export it, and for scripts
/// that want a given width), else the terminal's when stdout is one; `None` otherwise.
pub fn table_width(env: &crate::env::Env) -> Option<u16> {
    if let Some(w) = env
        .get("COLUMNS")
        .and_then(|v| v.trim().parse::<u16>().ok())
        .filter(|w| *w >= 20)
    {
        return Some(w);
    }
    io::IsTerminal::is_terminal(&io::stdout())
        .then(|| console::Term::stdout().size_checked().map(|(_, w)| w))
        .flatten()
}

/// Pretty JSON of `value`, or what `--jq EXPR` makes of it.
pub fn json_text(
    value: &impl serde::Serialize,
    jq: Option<&str>,
) -> Result<String, crate::exit::CliError> {
    use crate::exit::CliError;
    match jq {
        Some(expr) => {
            let filter = jq::Jq::new(expr).map_err(CliError::usage)?;
            let v = serde_json::to_value(value).map_err(|e| CliError::failure(e.to_string()))?;
            filter.run(v).map_err(CliError::failure)
        }
        None => {
            let mut s = serde_json::to_string_pretty(value)
                .map_err(|e| CliError::failure(e.to_string()))?;
            s.push('\n');
            Ok(s)
        }
    }
}
