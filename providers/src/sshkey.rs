//! Which SSH key a launch logs in with, at providers that keep keys by id: the one named with
//! `--ssh-key NAME`, or the public key's own, found by its material (or by the stable name
//! `gpu` gives it) and added once when the provider does not have it yet.

use crate::error::{ErrorKind, ProviderError};
use crate::instance::LaunchRequest;

/// A key as a provider lists it.
pub struct Listed<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub public_key: &'a str,
}

/// What to do about the key.
#[derive(Debug, PartialEq, Eq)]
pub enum Choice {
    /// Use this id.
    Existing(String),
    /// Add this key under this name, then use the id the provider gives it.
    Add { name: String, public_key: String },
}

/// The name `gpu` gives a public key at a provider: stable, so it is found again.
pub fn name_for(public_key: &str) -> String {
    crate::lambda::key_name_for(public_key)
}

/// The key's type and base64 body, without its comment.
fn material(key: &str) -> String {
    key.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

/// Choose among `keys` for `req`; `provider` and `label` (`Verda`) name the errors.
pub fn choose(
    provider: &'static str,
    label: &str,
    keys: &[Listed<'_>],
    req: &LaunchRequest,
) -> Result<Choice, ProviderError> {
    match (&req.ssh_key_name, &req.ssh_public_key) {
        (Some(name), _) => keys
            .iter()
            .find(|k| k.name == name)
            .map(|k| Choice::Existing(k.id.to_string()))
            .ok_or_else(|| {
                ProviderError::new(
                    provider,
                    ErrorKind::Invalid,
                    format!("{label} has no SSH key named `{name}`; pass a public key file with `--ssh-key PATH`"),
                )
            }),
        (None, Some(public)) => {
            let name = name_for(public);
            Ok(keys
                .iter()
                .find(|k| material(k.public_key) == material(public) || k.name == name)
                .map_or_else(
                    || Choice::Add {
                        name: name.clone(),
                        public_key: public.trim().to_string(),
                    },
                    |k| Choice::Existing(k.id.to_string()),
                ))
        }
        (None, None) => Err(ProviderError::new(
            provider,
            ErrorKind::Invalid,
            format!("`{provider}` launches only with an SSH key: pass `--ssh-key PATH` (a public key) or `--ssh-key NAME` (one added to {label})"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(name: Option<&str>, public: Option<&str>) -> LaunchRequest {
        LaunchRequest {
            ssh_key_name: name.map(String::from),
            ssh_public_key: public.map(String::from),
            ..Default::default()
        }
    }

    #[test]
    fn a_key_is_found_by_name_by_material_or_added_once() {
        let keys = [Listed {
            id: "k-1",
            name: "laptop",
            public_key: "ssh-ed25519 AAAA other-comment",
        }];
        let pick = |r| choose("x", "X", &keys, &r);
        assert_eq!(
            pick(req(Some("laptop"), None)).unwrap(),
            Choice::Existing("k-1".into())
        );
        assert!(pick(req(Some("desk"), None))
            .unwrap_err()
            .message
            .contains("X has no SSH key named `desk`"));
        assert_eq!(
            pick(req(None, Some("ssh-ed25519 AAAA me@box\n"))).unwrap(),
            Choice::Existing("k-1".into())
        );
        match pick(req(None, Some("ssh-ed25519 BBBB me@box\n"))).unwrap() {
            Choice::Add { name, public_key } => {
                assert_eq!(name, name_for("ssh-ed25519 BBBB me@box"));
                assert_eq!(public_key, "ssh-ed25519 BBBB me@box");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(pick(req(None, None)).unwrap_err().kind, ErrorKind::Invalid);
    }
}
