//! Questions a person answers before anything bills or is released. The answer is read on a
//! thread of its own, so that Ctrl-C at the prompt ends `gpu` at once instead of waiting for
//! Enter.
#![allow(clippy::print_stderr)]

use std::io::{BufRead, IsTerminal, Write};

use crate::exit::CliError;
use crate::ui::Ui;

/// `Ok(true)` when the person said yes (or `--yes` said it for them).
pub async fn ask(question: &str, yes: bool, ui: &Ui) -> Result<bool, CliError> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(
            CliError::usage("stdin is not a terminal, so nothing can be confirmed")
                .hint("pass `--yes` to confirm in advance (in CI, for example)"),
        );
    }
    let mut err = std::io::stderr();
    let _ = write!(err, "{} {question} [y/N] ", ui.paint.note("?"));
    let _ = err.flush();
    let line = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|e| CliError::failure("could not read the answer").cause(e))?
    .map_err(|e| CliError::failure("could not read the answer").cause(e))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// Ask before releasing, repeating each instance's name and region.
pub async fn release(list: &[String], yes: bool, ui: &Ui) -> Result<bool, CliError> {
    if !yes {
        for l in list {
            ui.note(&format!("will release {l}"));
        }
    }
    ask(&format!("Release {} instance(s)?", list.len()), yes, ui).await
}
