//! AWS Signature Version 4, the request signing every AWS API wants: a canonical form of the
//! request is hashed and signed with a key derived from the secret, the date, the region and
//! the service. Spec: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::http::percent_encode;
use crate::secret::Secret;

pub(crate) struct Credentials {
    pub access_key_id: String,
    pub secret: Secret,
    pub session_token: Option<Secret>,
}

/// What is signed, besides `host` and `x-amz-date`, which are always signed.
pub(crate) struct ToSign<'a> {
    pub method: &'a str,
    /// `host[:port]` exactly as the client sends it.
    pub host: &'a str,
    /// Already in canonical form: `/` for the APIs used here.
    pub path: &'a str,
    /// Already in canonical form: sorted by name, RFC 3986-encoded (see [`canonical_query`]).
    pub query: &'a str,
    /// Extra headers to sign, names in lower case.
    pub headers: &'a [(&'static str, String)],
    pub body: &'a [u8],
    pub region: &'a str,
    pub service: &'a str,
    /// `YYYYMMDDTHHMMSSZ`.
    pub amz_date: &'a str,
}

/// The headers to add to the request: `x-amz-date`, `x-amz-security-token` when there is a
/// session token, and `authorization`.
pub(crate) fn sign(creds: &Credentials, req: &ToSign<'_>) -> Vec<(&'static str, String)> {
    let mut headers: Vec<(&'static str, String)> = vec![
        ("host", req.host.to_string()),
        ("x-amz-date", req.amz_date.to_string()),
    ];
    if let Some(token) = &creds.session_token {
        headers.push(("x-amz-security-token", token.expose().to_string()));
    }
    headers.extend(req.headers.iter().cloned());
    headers.sort_by(|a, b| a.0.cmp(b.0));
    let canonical_headers: String = headers
        .iter()
        .map(|(k, v)| format!("{k}:{}\n", v.trim()))
        .collect();
    let signed_headers = headers
        .iter()
        .map(|(k, _)| *k)
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        req.method,
        req.path,
        req.query,
        hex(&Sha256::digest(req.body))
    );
    let date = &req.amz_date[..8.min(req.amz_date.len())];
    let scope = format!("{date}/{}/{}/aws4_request", req.region, req.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        req.amz_date,
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let mut key = hmac(
        format!("AWS4{}", creds.secret.expose()).as_bytes(),
        date.as_bytes(),
    );
    for part in [req.region, req.service, "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
    let mut out: Vec<(&'static str, String)> = headers
        .into_iter()
        .filter(|(k, _)| *k == "x-amz-date" || *k == "x-amz-security-token")
        .collect();
    out.push((
        "authorization",
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            creds.access_key_id
        ),
    ));
    out
}

/// What a fake of an AWS API checks: whether `authorization` signs exactly this request (its
/// method, host, path, query, the other signed headers and the body) with `secret`, for this
/// region and service. The access key id and date are read from the request itself.
#[allow(clippy::too_many_arguments)]
pub fn verify(
    secret: &str,
    authorization: &str,
    method: &str,
    host: &str,
    path: &str,
    query: &str,
    headers: &[(&'static str, String)],
    body: &[u8],
    region: &str,
    service: &str,
    amz_date: &str,
) -> bool {
    let Some(access_key_id) = authorization
        .split("Credential=")
        .nth(1)
        .and_then(|c| c.split('/').next())
    else {
        return false;
    };
    let creds = Credentials {
        access_key_id: access_key_id.to_string(),
        secret: Secret::new(secret),
        session_token: None,
    };
    sign(
        &creds,
        &ToSign {
            method,
            host,
            path,
            query,
            headers,
            body,
            region,
            service,
            amz_date,
        },
    )
    .iter()
    .any(|(k, v)| *k == "authorization" && v == authorization)
}

/// A query string in canonical form: pairs sorted by name, names and values RFC 3986-encoded.
/// The same string is sent, so what is signed is what arrives.
pub(crate) fn canonical_query(pairs: &[(&str, String)]) -> String {
    let mut encoded: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    encoded.sort();
    encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `YYYYMMDDTHHMMSSZ` for now.
pub(crate) fn amz_date_now() -> String {
    crate::offer::now_rfc3339().replace(['-', ':'], "")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Credentials {
        // AWS's published example credentials, used by its signature test suite.
        Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret: Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            session_token: None,
        }
    }

    fn signature(query: &str) -> String {
        let headers = sign(
            &example(),
            &ToSign {
                method: "GET",
                host: "example.amazonaws.com",
                path: "/",
                query,
                headers: &[],
                body: b"",
                region: "us-east-1",
                service: "service",
                amz_date: "20150830T123600Z",
            },
        );
        headers
            .iter()
            .find(|(k, _)| *k == "authorization")
            .map(|(_, v)| v.clone())
            .unwrap()
    }

    #[test]
    fn matches_the_aws_signature_test_suite() {
        // get-vanilla
        assert_eq!(
            signature(""),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        // get-vanilla-query-order-key-case: the query is sorted before signing.
        let sorted = canonical_query(&[("Param2", "value2".into()), ("Param1", "value1".into())]);
        assert_eq!(sorted, "Param1=value1&Param2=value2");
        assert!(signature(&sorted)
            .ends_with("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"));
    }

    #[test]
    fn a_session_token_is_signed_and_sent() {
        let mut creds = example();
        creds.session_token = Some(Secret::new("token/+="));
        let headers = sign(
            &creds,
            &ToSign {
                method: "POST",
                host: "api.pricing.us-east-1.amazonaws.com",
                path: "/",
                query: "",
                headers: &[("x-amz-target", "AWSPriceListService.GetProducts".into())],
                body: b"{}",
                region: "us-east-1",
                service: "pricing",
                amz_date: "20261125T090000Z",
            },
        );
        let names: Vec<_> = headers.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            ["x-amz-date", "x-amz-security-token", "authorization"]
        );
        assert!(headers[2].1.contains(
            "/20261125/us-east-1/pricing/aws4_request, \
             SignedHeaders=host;x-amz-date;x-amz-security-token;x-amz-target,"
        ));
        assert!(
            !headers[2].1.contains("EXAMPLEKEY"),
            "the secret is never sent"
        );
    }

    #[test]
    fn query_values_are_encoded_as_aws_wants() {
        assert_eq!(
            canonical_query(&[
                ("ProductDescription.1", "Linux/UNIX".into()),
                ("StartTime", "2026-11-25T09:00:00Z".into()),
            ]),
            "ProductDescription.1=Linux%2FUNIX&StartTime=2026-11-25T09%3A00%3A00Z"
        );
        assert_eq!(amz_date_now().len(), "20261125T090000Z".len());
    }
}
