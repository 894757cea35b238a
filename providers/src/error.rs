//! Provider errors: one kind a caller can act on, and a message a user can read.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No key where one is needed.
    NotConfigured,
    /// The provider rejected the key (HTTP 401/403).
    Auth,
    /// HTTP 429.
    RateLimited,
    /// Network failure, timeout or HTTP 5xx: worth retrying later.
    Unavailable,
    /// The answer could not be understood (not JSON, wrong shape, absurd values).
    BadResponse,
    /// The provider cannot do this.
    Unsupported,
    /// The request was refused as invalid (HTTP 4xx other than the above).
    Invalid,
    /// The provider has no capacity for this offer now: try the next one.
    NoCapacity,
    /// The thing asked about does not exist (for an instance: it is gone).
    NotFound,
}

impl ErrorKind {
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::RateLimited | ErrorKind::Unavailable)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProviderError {
    pub provider: &'static str,
    pub kind: ErrorKind,
    /// One line, no trailing period, never a secret.
    pub message: String,
    /// Set when the failure came after the provider created an instance (a launch whose
    /// follow-up step failed): the instance exists and bills, whatever the error says.
    pub created: Option<String>,
}

impl ProviderError {
    pub fn new(provider: &'static str, kind: ErrorKind, message: impl Into<String>) -> Self {
        ProviderError {
            provider,
            kind,
            message: message.into(),
            created: None,
        }
    }

    /// The instance with this id was created before the error happened.
    pub fn created(mut self, instance_id: impl Into<String>) -> Self {
        self.created = Some(instance_id.into());
        self
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ProviderError {}
