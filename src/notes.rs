//! The notes under a listing: gathered while it is made, printed once at the end. A person at a
//! terminal gets one line of at most 80 columns, the most important notes first; `-v` prints
//! each note whole on its own line; with `--json` (a script reading stdout) there are none
//! unless `-v`. Warnings are not notes: they always print.

use crate::ui::Ui;

/// The widest a note line gets, whatever the terminal's width.
pub const MAX_WIDTH: usize = 80;

/// How much a note matters: lower prints first and is the last to be cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// The rows are not what was asked for (nothing matched, a place matched only `any`).
    Answer,
    /// Where the prices come from (catalog, not live).
    Source,
    /// Rows left out of the table.
    Cut,
    /// Everything else.
    Aside,
}

#[derive(Debug)]
struct Note {
    rank: Rank,
    short: String,
    full: String,
}

#[derive(Debug, Default)]
pub struct Notes {
    items: Vec<Note>,
}

impl Notes {
    pub fn new() -> Notes {
        Notes::default()
    }

    /// A note with its few-word form for the one line and its whole form for `-v`.
    pub fn add(&mut self, rank: Rank, short: impl Into<String>, full: impl Into<String>) {
        self.items.push(Note {
            rank,
            short: short.into(),
            full: full.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Print the notes as the reader wants them. `json`: stdout is JSON for a script.
    pub fn print(mut self, ui: &Ui, json: bool, columns: Option<u16>) {
        self.items.sort_by_key(|n| n.rank);
        // An agent under `gpu mcp` reads every note whole; so does `-v`.
        if ui.is_collecting() || ui.verbose {
            for n in &self.items {
                ui.note(&n.full);
            }
            return;
        }
        if json {
            return;
        }
        let width = columns.map_or(MAX_WIDTH, |c| usize::from(c).min(MAX_WIDTH));
        let shorts: Vec<&str> = self.items.iter().map(|n| n.short.as_str()).collect();
        if let Some(line) = one_line(&shorts, width - "note: ".len()) {
            ui.note(&line);
        }
    }
}

/// The notes joined by `; ` in at most `width` characters: as many as fit whole, then how to
/// see the rest; a first note longer than the line is cut with `…`.
pub fn one_line(shorts: &[&str], width: usize) -> Option<String> {
    let first = shorts.first()?;
    let all = shorts.join("; ");
    if all.chars().count() <= width {
        return Some(all);
    }
    let more = |n: usize| format!(" (-v: +{n})");
    // Room for the longest count a listing has.
    let room = width.saturating_sub(more(9).chars().count());
    // The first note is always there, cut with `…` when it alone is too long.
    let mut line = if first.chars().count() <= room {
        first.to_string()
    } else {
        first
            .chars()
            .take(room.saturating_sub(1))
            .collect::<String>()
            + "…"
    };
    let mut left_out = 0;
    for s in &shorts[1..] {
        let candidate = format!("{line}; {s}");
        if candidate.chars().count() <= room {
            line = candidate;
        } else {
            left_out += 1;
        }
    }
    if left_out > 0 {
        line.push_str(&more(left_out));
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_that_fit_are_joined() {
        assert_eq!(one_line(&["a b", "c"], 74).unwrap(), "a b; c");
        assert_eq!(one_line(&[], 74), None);
    }

    #[test]
    fn notes_that_do_not_fit_are_counted() {
        let a = "x".repeat(40);
        let b = "y".repeat(40);
        let line = one_line(&[&a, &b, "z"], 74).unwrap();
        assert_eq!(line, format!("{a}; z (-v: +1)"));
        assert!(line.chars().count() <= 74);
    }

    #[test]
    fn a_first_note_too_long_is_cut() {
        let a = "x".repeat(100);
        let line = one_line(&[&a, "z"], 74).unwrap();
        assert!(line.chars().count() <= 74, "{line}");
        assert!(line.ends_with("… (-v: +1)"), "{line}");
    }
}
