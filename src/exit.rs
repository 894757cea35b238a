//! Exit codes and the one place errors are printed.

use std::fmt;

/// The process exit status. Commands return one; only `main` turns it into a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    Failure,
    Usage,
    Partial,
    Auth,
    NoMatch,
    WaitTimeout,
    NoCapacity,
    /// Ctrl-C (SIGINT).
    Interrupted,
    /// SIGTERM (a cancelled CI job).
    Terminated,
    /// A remote command's own exit code (`gpu ssh -- CMD`, `gpu run`).
    Exit(u8),
    /// `gpu run`: renting failed (no offer, no capacity, never reachable).
    RentFailed,
    /// `gpu run --sync`: the copy failed.
    SyncFailed,
    /// `gpu run --max-time`: CMD ran too long.
    MaxTime,
    /// `gpu run --max-cost`: the run would have cost more.
    MaxCost,
    /// `gpu run`: the release failed or was not confirmed; the instance may bill.
    ReleaseFailed,
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Failure => 1,
            Status::Usage => 2,
            Status::Partial => 3,
            Status::Auth => 4,
            Status::NoMatch => 5,
            Status::WaitTimeout => 6,
            Status::NoCapacity => 7,
            Status::Interrupted => 130,
            Status::Terminated => 143,
            Status::Exit(code) => code,
            Status::RentFailed => 125,
            Status::SyncFailed => 123,
            Status::MaxTime => 124,
            Status::MaxCost => 121,
            Status::ReleaseFailed => 122,
        }
    }

    /// The more serious of two statuses, for commands that collect several outcomes.
    pub fn worst(self, other: Status) -> Status {
        fn rank(s: Status) -> u8 {
            match s {
                Status::Success => 0,
                Status::NoMatch => 1,
                Status::Partial => 2,
                Status::WaitTimeout => 3,
                Status::NoCapacity => 4,
                Status::Auth => 5,
                Status::Failure => 6,
                Status::Usage => 7,
                Status::Interrupted => 8,
                Status::Terminated => 9,
                Status::Exit(0) => 0,
                Status::Exit(_)
                | Status::RentFailed
                | Status::SyncFailed
                | Status::MaxTime
                | Status::MaxCost => 6,
                Status::ReleaseFailed => 10,
            }
        }
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

impl From<Status> for std::process::ExitCode {
    fn from(s: Status) -> Self {
        std::process::ExitCode::from(s.code())
    }
}

/// An error a command gives up with: one line, an optional cause chain, an optional hint.
#[derive(Debug)]
pub struct CliError {
    pub status: Status,
    pub message: String,
    pub causes: Vec<String>,
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        CliError {
            status,
            message: message.into(),
            causes: Vec::new(),
            hint: None,
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Status::Usage, message)
    }
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(Status::Failure, message)
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    /// A hint, unless one says what to do already.
    pub fn hint_if_none(mut self, hint: impl Into<String>) -> Self {
        if self.hint.is_none() {
            self.hint = Some(hint.into());
        }
        self
    }
    pub fn cause(mut self, cause: impl fmt::Display) -> Self {
        self.causes.push(cause.to_string());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// Print an error the way every command does: `error:`, causes indented (all of them with
/// `-v`, the first otherwise), then a blank line and `hint:`.
pub fn report(err: &CliError, verbose: bool, paint: &crate::ui::Paint) -> Status {
    let mut out = format!("{} {}\n", paint.error("error:"), err.message);
    let shown = if verbose {
        err.causes.len()
    } else {
        err.causes.len().min(1)
    };
    for cause in &err.causes[..shown] {
        out.push_str(&format!("  caused by: {cause}\n"));
    }
    if let Some(hint) = &err.hint {
        out.push_str(&format!("\n{} {hint}\n", paint.hint("hint:")));
    }
    crate::ui::stderr_text(&out);
    err.status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let all = [
            (Status::Success, 0),
            (Status::Failure, 1),
            (Status::Usage, 2),
            (Status::Partial, 3),
            (Status::Auth, 4),
            (Status::NoMatch, 5),
            (Status::WaitTimeout, 6),
            (Status::NoCapacity, 7),
            (Status::Interrupted, 130),
            (Status::Terminated, 143),
            (Status::Exit(3), 3),
            (Status::Exit(255), 255),
            (Status::ReleaseFailed, 122),
            (Status::SyncFailed, 123),
            (Status::MaxTime, 124),
            (Status::MaxCost, 121),
            (Status::RentFailed, 125),
        ];
        for (s, code) in all {
            assert_eq!(s.code(), code);
        }
    }

    #[test]
    fn worst_prefers_the_more_serious() {
        assert_eq!(Status::Success.worst(Status::Partial), Status::Partial);
        assert_eq!(Status::Auth.worst(Status::Partial), Status::Auth);
        assert_eq!(Status::NoMatch.worst(Status::Partial), Status::Partial);
        assert_eq!(Status::Partial.worst(Status::Success), Status::Partial);
    }
}
