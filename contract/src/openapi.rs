//! Requests checked against a provider's published OpenAPI document in
//! `providers/contracts/<id>/`: the path and method exist, every query parameter is declared, a
//! body fits the operation's request schema with a declared content type, and an operation that
//! takes no body gets none. Where a document is wrong or old against the provider's own docs or
//! official client, the exception is named here with its reason (see each `SOURCE`).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::Value;

/// Providers with a published document, and the file that holds it.
pub const DOCUMENTS: &[(&str, &str)] = &[
    ("fluidstack", "openapi.json"),
    ("lambda", "openapi.json"),
    ("primeintellect", "openapi.yaml"),
    ("runpod", "openapi.json"),
    ("shadeform", "openapi.yaml"),
    ("vast", "openapi.yaml"),
    ("verda", "openapi.yaml"),
];

/// Requests the document does not describe, each with why it is right anyway.
const NOT_IN_DOCUMENT: &[(&str, &str, &str, &str)] = &[
    (
        "verda",
        "POST",
        "/oauth2/token",
        "the 2023 document leaves out the OAuth token endpoint every Verda client (verda-cloud/sdk-python) calls first",
    ),
    (
        "verda",
        "GET",
        "/volume-types",
        "not in the 2023 document; Verda's SDK (verda-cloud/sdk-python, volume_types) lists OS volume prices there",
    ),
];

/// Query parameters the document does not declare, with why they are sent.
const UNDECLARED_QUERY: &[(&str, &str, &str)] = &[
    (
        "verda",
        "currency",
        "the 2023 document has no parameters on /instance-types; Verda's SDK sends currency=usd",
    ),
    (
        "verda",
        "is_spot",
        "the document says `isSpot` (sent too); Verda's Go SDK sends `is_spot`",
    ),
];

/// Body values the document refuses though the provider takes them: (provider, what the
/// validator says, why). Each names a fault of the document recorded in its `SOURCE`.
const BODY_FAULTS: &[(&str, &str, &str)] = &[
    (
        "vast",
        "\"on-demand\" is not one of",
        "the `type` enum says `ondemand`; vast-cli sends its default `on-demand` as it is",
    ),
    (
        "vast",
        "has less than 2 items at `/order`",
        "minItems 2 sits on the outer list where the text means each entry; vast-cli sends [[\"dph_total\", \"asc\"]]",
    ),
    (
        "verda",
        "is not one of \"FIN-01\"",
        "the 2023 document knows one location; Verda sells in FIN-02, FIN-03 and ICE-01 too (its /instance-availability names them; SkyPilot's Verda catalog lists them)",
    ),
    (
        "verda",
        "is not one of \"8V100.48M\"",
        "the 2023 document's instance-type enum predates the types Verda sells now (its /instance-types lists them)",
    ),
];

pub(crate) struct Doc {
    id: &'static str,
    value: Value,
    /// The path of the document's first server (`/v1` for `https://api.shadeform.ai/v1`).
    base: String,
    /// OpenAPI 3.0 schemas are JSON Schema draft 4 with extensions; 3.1's are 2020-12.
    draft: jsonschema::Draft,
}

pub(crate) fn load(id: &'static str, file: &str) -> Doc {
    let path = crate::contracts_dir().join(id).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value: Value = if file.ends_with(".json") {
        serde_json::from_str(&text).unwrap()
    } else {
        serde_norway::from_str(&text).unwrap()
    };
    let server = value["servers"][0]["url"].as_str().unwrap_or_default();
    let base = server
        .split("://")
        .nth(1)
        .and_then(|rest| {
            rest.find('/')
                .map(|i| rest[i..].trim_end_matches('/').to_string())
        })
        .unwrap_or_default();
    let draft = if value["openapi"]
        .as_str()
        .unwrap_or_default()
        .starts_with("3.0")
    {
        jsonschema::Draft::Draft4
    } else {
        jsonschema::Draft::Draft202012
    };
    Doc {
        id,
        value,
        base,
        draft,
    }
}

/// The document's path template that `path` fits (`/instances/{id}/delete`), if any. Vast's
/// document writes its paths without the trailing slash its own CLI sends (SOURCE).
fn template<'a>(doc: &'a Doc, path: &str) -> Option<&'a str> {
    let path = path.strip_prefix(doc.base.as_str()).unwrap_or(path);
    let trimmed = if doc.id == "vast" {
        path.trim_end_matches('/')
    } else {
        path
    };
    let parts: Vec<&str> = trimmed.split('/').collect();
    let paths = doc.value["paths"].as_object()?;
    // A literal path wins over a template (`/instances/action` over `/instances/{id}`).
    let mut best: Option<(&str, usize)> = None;
    for t in paths.keys() {
        let t_norm = if doc.id == "vast" {
            t.trim_end_matches('/')
        } else {
            t.as_str()
        };
        let tp: Vec<&str> = t_norm.split('/').collect();
        if tp.len() != parts.len() {
            continue;
        }
        let mut literal = 0;
        let fits = tp.iter().zip(&parts).all(|(a, b)| {
            if a.starts_with('{') && a.ends_with('}') {
                !b.is_empty()
            } else {
                literal += 1;
                a == b
            }
        });
        if fits && best.is_none_or(|(_, l)| literal > l) {
            best = Some((t.as_str(), literal));
        }
    }
    best.map(|(t, _)| t)
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("unresolved {r}")),
        None => v,
    }
}

/// Check one request; the problems found, one line each.
pub(crate) fn check(doc: &Doc, req: &Value) -> Vec<String> {
    let method = req["method"].as_str().unwrap();
    let url = req["url"].as_str().unwrap();
    let after_host = url.splitn(4, '/').nth(3).unwrap_or_default();
    let (path, query) = match after_host.split_once('?') {
        Some((p, q)) => (format!("/{p}"), q.to_string()),
        None => (format!("/{after_host}"), String::new()),
    };
    let local = path.strip_prefix(doc.base.as_str()).unwrap_or(&path);
    if NOT_IN_DOCUMENT
        .iter()
        .any(|(p, m, l, _)| *p == doc.id && *m == method && *l == local)
    {
        return Vec::new();
    }
    let said = |what: String| format!("{} {method} {path}: {what}", doc.id);
    let Some(t) = template(doc, &path) else {
        return vec![said("no such path in the document".into())];
    };
    let item = &doc.value["paths"][t];
    let Some(op) = item.get(method.to_ascii_lowercase()) else {
        return vec![said(format!("`{t}` has no {method}"))];
    };
    let mut problems = Vec::new();
    // Query parameters: declared on the operation or its path.
    let declared: BTreeSet<String> = [item.get("parameters"), op.get("parameters")]
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .map(|p| resolve(&doc.value, p))
        .filter(|p| p["in"] == "query")
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let name = pair.split('=').next().unwrap_or_default();
        let waived = UNDECLARED_QUERY
            .iter()
            .any(|(p, n, _)| *p == doc.id && *n == name);
        if !declared.contains(name) && !waived {
            problems.push(said(format!(
                "query parameter `{name}` is not declared (declared: {declared:?})"
            )));
        }
    }
    // The body.
    let body = op.get("requestBody").map(|b| resolve(&doc.value, b));
    match (req["body"].is_null(), body) {
        (true, Some(b)) if b["required"] == true => {
            problems.push(said("the operation requires a body; none was sent".into()))
        }
        (true, _) => {}
        (false, None) => problems.push(said("the operation takes no body; one was sent".into())),
        (false, Some(b)) => {
            let ct = req["content_type"].as_str().unwrap_or_default();
            match b["content"].get(ct) {
                None => problems.push(said(format!(
                    "content type `{ct}` is not one the operation takes ({:?})",
                    b["content"]
                        .as_object()
                        .map(|o| o.keys().collect::<Vec<_>>())
                ))),
                Some(media) => {
                    let pointer = format!(
                        "#/paths/{}/{}/requestBody/content/{}/schema",
                        escape(t),
                        method.to_ascii_lowercase(),
                        escape(ct)
                    );
                    let pointer = if op["requestBody"].get("$ref").is_some() {
                        format!(
                            "{}/content/{}/schema",
                            op["requestBody"]["$ref"].as_str().unwrap(),
                            escape(ct)
                        )
                    } else {
                        pointer
                    };
                    if media.get("schema").is_some() {
                        problems.extend(
                            validate(doc, &pointer, &req["body"])
                                .into_iter()
                                .filter(|e| {
                                    !BODY_FAULTS
                                        .iter()
                                        .any(|(p, text, _)| *p == doc.id && e.contains(text))
                                })
                                .map(|e| said(format!("body: {e}"))),
                        );
                    }
                }
            }
        }
    }
    problems
}

/// A JSON pointer token, percent-encoded where a URI fragment needs it (`{id}`).
fn escape(s: &str) -> String {
    s.replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

/// Validate `instance` against the schema at `pointer`, inside the whole document so that its
/// `$ref`s resolve.
fn validate(doc: &Doc, pointer: &str, instance: &Value) -> Vec<String> {
    let mut root = doc.value.clone();
    root["$ref"] = Value::String(pointer.to_string());
    let validator = jsonschema::options()
        .with_draft(doc.draft)
        .build(&root)
        .unwrap_or_else(|e| panic!("{}: schema at {pointer}: {e}", doc.id));
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} at `{}`", e.instance_path))
        .collect()
}

/// Every document, read once per process.
fn docs() -> &'static [Doc] {
    static DOCS: OnceLock<Vec<Doc>> = OnceLock::new();
    DOCS.get_or_init(|| DOCUMENTS.iter().map(|(id, f)| load(id, f)).collect())
}

/// Whether `provider` has a published document here.
pub fn has_document(provider: &str) -> bool {
    DOCUMENTS.iter().any(|(id, _)| *id == provider)
}

/// The problems of every request of a provider with a document, one line each, and the
/// providers whose requests were checked.
pub fn check_all(requests: &[Value]) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut problems = BTreeSet::new();
    let mut checked = BTreeSet::new();
    for req in requests {
        let provider = req["provider"].as_str().unwrap_or_default();
        let Some(doc) = docs().iter().find(|d| d.id == provider) else {
            continue;
        };
        checked.insert(provider.to_string());
        problems.extend(check(doc, req));
    }
    (problems, checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checker itself: a request the document does not allow is caught (wrong path, wrong
    /// method, an undeclared parameter, a body where there is none, a body that does not fit).
    #[test]
    fn the_checker_catches_what_the_document_does_not_allow() {
        let shadeform = load("shadeform", "openapi.yaml");
        let req = |method: &str, url: &str, body: Value| {
            serde_json::json!({"provider": "shadeform", "method": method, "url": url,
                "content_type": if body.is_null() { Value::Null } else { "application/json".into() },
                "body": body})
        };
        let base = "http://127.0.0.1:1/v1";
        assert!(check(
            &shadeform,
            &req("GET", &format!("{base}/instances/types"), Value::Null)
        )
        .is_empty());
        assert_eq!(
            check(
                &shadeform,
                &req("GET", &format!("{base}/nowhere"), Value::Null)
            )
            .len(),
            1
        );
        assert_eq!(
            check(
                &shadeform,
                &req("DELETE", &format!("{base}/instances/types"), Value::Null)
            )
            .len(),
            1
        );
        assert_eq!(
            check(
                &shadeform,
                &req(
                    "GET",
                    &format!("{base}/instances/types?colour=red"),
                    Value::Null
                )
            )
            .len(),
            1
        );
        // The delete takes no body: `{}` is refused, as a strict server refuses it.
        assert_eq!(
            check(
                &shadeform,
                &req(
                    "POST",
                    &format!("{base}/instances/i-1/delete"),
                    serde_json::json!({})
                )
            )
            .len(),
            1
        );
        // A create without its required fields does not fit the schema.
        let bad = check(
            &shadeform,
            &req(
                "POST",
                &format!("{base}/instances/create"),
                serde_json::json!({"cloud": 3}),
            ),
        );
        assert!(!bad.is_empty(), "{bad:?}");
    }
}
