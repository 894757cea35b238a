//! Test support for both crates: the requests `gpu` sends, checked against each provider's own
//! published API document (`providers/contracts/<id>/`).
//!
//! A request is one JSON object: `provider`, `method`, `url`, `content_type`, `body` (the JSON
//! body, or null), and for AWS `headers` and `text` (the body as sent). The providers crate's
//! unit tests write them down as they send them (`http::contract_log`); the CLI tests take them
//! from their fakes.
//!
//! - [`openapi`]: providers with an OpenAPI document, checked here in Rust.
//! - [`aws`]: AWS, checked by botocore's own validator, serializers and signer against its
//!   service models (`providers/contracts/aws/check.py`).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

pub mod aws;
pub mod openapi;

/// `providers/contracts`: the documents, their `SOURCE` files and the AWS checker.
pub fn contracts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../providers/contracts")
}

/// Fail with every problem of `requests`, one per line; the providers checked. Requests of
/// providers without a document (TensorDock, Hyperbolic: none is published) pass unchecked.
pub fn assert_fits(requests: &[serde_json::Value]) -> std::collections::BTreeSet<String> {
    let (problems, checked) = openapi::check_all(requests);
    assert!(
        problems.is_empty(),
        "requests their provider's document does not allow:\n{}",
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
    checked
}
