//! Running one command on a rented GPU: rent as [`crate::core::rent`] does, copy a tree,
//! run the command with its output streamed, release and confirm the release whatever
//! happened to the command.

use std::path::PathBuf;
use std::time::Duration;

use crate::core::rent::RentRequest;

/// Rent, run one command, release.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub rent: RentRequest,
    /// `DIR[:REMOTE]`: copied to the instance before the command runs, which runs in it.
    pub sync: Option<String>,
    /// Keep the instance after the command.
    pub keep: bool,
    /// Stop the command after this long (and release).
    pub max_time: Option<Duration>,
    /// The private key for SSH [default: the private half of `rent.ssh_key`].
    pub identity: Option<PathBuf>,
    /// One item: a shell line; several: a program and its arguments, passed exactly.
    pub command: Vec<String>,
}
