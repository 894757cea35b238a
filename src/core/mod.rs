//! What `gpu` does, as typed requests and the values they return. One file per capability:
//!
//! - [`find`]: which offers match ([`find::OfferFilter`], [`find::FindRequest`] →
//!   [`find::Found`]).
//! - [`history`]: the lowest and median prices per day ([`history::HistoryRequest`] →
//!   [`history::Daily`]).
//! - [`rent`]: what to rent and how ([`rent::RentRequest`] → [`rent::Rented`] or a
//!   [`rent::Planned`] dry run).
//! - [`run`]: rent, run one command, release ([`run::RunRequest`] → [`run::Report`]).
//! - [`instances`]: what runs, and releasing it ([`instances::ListRequest`] →
//!   [`instances::Listing`], [`instances::ReleaseRequest`] → [`instances::Releasing`]).
//!
//! The command line (`commands/`) and the MCP server (`mcp/`) each translate their own input
//! into these requests and these results into what they print or answer. Neither clap's
//! argument structs nor printed text cross into here: warnings, notes and hints go to the
//! [`crate::ui::Ui`] the caller passes, which prints them or collects them.

pub mod find;
pub mod history;
pub mod instances;
pub mod rent;
pub mod run;

use crate::ui::Ui;

/// One thing to say on stderr (or to an agent), in the order it was meant.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Warning(String),
    Note(String),
    Hint(String),
    /// Said with `-v` only.
    Debug(String),
}

/// What a capability has to say about its answer, kept with the answer until the caller has
/// shown it (the command line says it after the data; the MCP server returns it with it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Messages(pub Vec<Message>);

impl Messages {
    pub fn warn(&mut self, m: impl Into<String>) {
        self.0.push(Message::Warning(m.into()));
    }
    pub fn note(&mut self, m: impl Into<String>) {
        self.0.push(Message::Note(m.into()));
    }
    pub fn hint(&mut self, m: impl Into<String>) {
        self.0.push(Message::Hint(m.into()));
    }
    pub fn debug(&mut self, m: impl Into<String>) {
        self.0.push(Message::Debug(m.into()));
    }
    /// Say each, in order.
    pub fn say(self, ui: &Ui) {
        for m in self.0 {
            match m {
                Message::Warning(w) => ui.warn(&w),
                Message::Note(n) => ui.note(&n),
                Message::Hint(h) => ui.hint(&h),
                Message::Debug(d) if ui.verbose => ui.debug(&d),
                Message::Debug(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// The core and the lifecycle never see the command line: they are called alike by the
    /// CLI and the MCP server.
    #[test]
    fn the_core_does_not_import_the_command_line() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        for dir in ["core", "lifecycle"] {
            collect(&src.join(dir), &mut files);
        }
        for f in ["rank.rs", "gather.rs", "ui.rs", "history.rs"] {
            files.push(src.join(f));
        }
        assert!(files.len() > 15, "{files:?}");
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            // Spelt in pieces, so that this file does not match itself.
            for bad in ["cli", "commands"].map(|m| format!("{m}::")) {
                assert!(
                    !text.contains(&bad),
                    "{} mentions `{bad}`: the core takes typed requests, not the command line",
                    f.display()
                );
            }
        }
    }

    fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                collect(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
}
