//! What a fake received from `gpu`, checked against the provider's own published API document
//! (`gpu-contract`): every request of a launch story (creates, lists, releases, retries,
//! failovers) must be one the provider documents, and for AWS, one botocore would send and sign
//! alike; the AWS fake's answers must read as botocore reads AWS's.

use serde_json::{json, Value};
use wiremock::MockServer;

/// The requests `server` received, in the form `gpu-contract` reads.
pub async fn received(provider: &str, server: &MockServer) -> Vec<Value> {
    let reqs = server.received_requests().await.unwrap_or_default();
    reqs.iter()
        .map(|r| {
            let header = |name: &str| {
                r.headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let content_type = header("content-type")
                .map(|c| c.split(';').next().unwrap_or_default().trim().to_string());
            let body: Value = if r.body.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&r.body)
                    .unwrap_or_else(|_| String::from_utf8_lossy(&r.body).into_owned().into())
            };
            let headers: serde_json::Map<String, Value> = r
                .headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.into())))
                .collect();
            let mut line = json!({
                "provider": provider,
                "method": r.method.as_str(),
                "url": r.url.as_str(),
                "content_type": content_type,
                "body": body,
            });
            if provider == "aws" {
                line["headers"] = headers.into();
                line["text"] = String::from_utf8_lossy(&r.body).into_owned().into();
            }
            line
        })
        .collect()
}

/// Fail with every request of `server` that `provider`'s document does not allow; for AWS,
/// also with every answer of `aws_answers` that botocore cannot read as AWS's.
pub async fn assert_fits(provider: &str, server: &MockServer, aws_answers: &[Value]) {
    let requests = received(provider, server).await;
    if provider == "aws" {
        // The fake's own address check is not an AWS API call.
        let api: Vec<Value> = requests
            .into_iter()
            .filter(|r| !r["url"].as_str().unwrap_or_default().contains("/checkip"))
            .collect();
        let checked = gpu_contract::aws::assert_fits(
            &api,
            aws_answers,
            &gpu_contract::aws::Credentials {
                access_key_ids: &[crate::aws_fake::ACCESS_KEY_ID],
                secret: crate::aws_fake::SECRET,
            },
        );
        // Something was read: a fake that stopped answering, or a log that lost its requests,
        // is noticed.
        assert!(
            checked.keys().any(|k| k.starts_with("ec2."))
                && checked.keys().any(|k| k.starts_with("answer ec2.")),
            "the AWS check read no EC2 request or answer: {checked:?}"
        );
    } else if gpu_contract::openapi::has_document(provider) {
        let checked = gpu_contract::assert_fits(&requests);
        assert!(
            checked.contains(provider),
            "no request of {provider} was checked"
        );
    }
}
