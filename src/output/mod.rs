//! stdout: data only. One module per format; all print the same fields of [`Offer`].
#![allow(clippy::print_stdout)]

pub mod csv;
pub mod fields;
pub mod json;
pub mod table;

use std::io::{self, Write};

/// Write to stdout; a closed pipe (`gpu find | head`) is not an error worth a message.
pub fn write_stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Whether stdout is a terminal (tables fit its width then).
pub fn stdout_is_terminal() -> bool {
    use std::io::IsTerminal;
    io::stdout().is_terminal()
}
