//! Who launched an instance and when it must end, kept at the provider so that any machine with
//! the same keys can tell: the owner id of the `gpu` that created it and its deadline.
//!
//! Providers with real tags (Lambda's `tags`) carry them there. The others carry them in the
//! instance's name, which every API accepts and lists back: `gpu-train.oa1b2c3d4.d1764633600`
//! is the instance `gpu-train` of owner `a1b2c3d4` with a deadline of 1764633600 (Unix seconds).
//! A `.` cannot appear in a name `gpu up` accepts, so the suffix never collides with one.

/// Tag keys where a provider has tags.
pub const OWNER_TAG: &str = "gpu-owner";
pub const DEADLINE_TAG: &str = "gpu-deadline";

/// The longest owner id (`owner` in the config, `GPU_OWNER`).
pub const MAX_OWNER_LEN: usize = 32;

/// An owner id: 1 to 32 lowercase letters, digits or `-`.
pub fn valid_owner(owner: &str) -> bool {
    !owner.is_empty()
        && owner.len() <= MAX_OWNER_LEN
        && owner
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// What an instance says about itself once decoded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decoded {
    pub name: String,
    pub owner: Option<String>,
    pub deadline: Option<u64>,
}

/// The name to give the provider when it has no tags.
pub fn encode_name(name: &str, owner: Option<&str>, deadline: Option<u64>) -> String {
    let mut s = name.to_string();
    if let Some(o) = owner {
        s.push_str(".o");
        s.push_str(o);
        if let Some(d) = deadline {
            s.push_str(&format!(".d{d}"));
        }
    }
    s
}

/// Read a name back. A name that does not have exactly the shape [`encode_name`] writes is
/// taken as it is, with no owner: an instance someone named by hand is never claimed.
pub fn decode_name(raw: &str) -> Decoded {
    let plain = Decoded {
        name: raw.to_string(),
        ..Decoded::default()
    };
    let mut parts = raw.split('.');
    let base = parts.next().unwrap_or_default();
    let Some(owner) = parts.next().and_then(|p| p.strip_prefix('o')) else {
        return plain;
    };
    if !valid_owner(owner) || !base.starts_with(crate::NAME_PREFIX) {
        return plain;
    }
    let deadline = match parts.next() {
        None => None,
        Some(p) => match p.strip_prefix('d').and_then(|d| d.parse::<u64>().ok()) {
            Some(d) => Some(d),
            None => return plain,
        },
    };
    if parts.next().is_some() {
        return plain;
    }
    Decoded {
        name: base.to_string(),
        owner: Some(owner.to_string()),
        deadline,
    }
}

/// A deadline tag's value (Unix seconds) read back.
pub fn parse_deadline(value: &str) -> Option<u64> {
    value.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        let n = encode_name("gpu-train", Some("a1b2c3d4"), Some(1_764_633_600));
        assert_eq!(n, "gpu-train.oa1b2c3d4.d1764633600");
        assert_eq!(
            decode_name(&n),
            Decoded {
                name: "gpu-train".into(),
                owner: Some("a1b2c3d4".into()),
                deadline: Some(1_764_633_600)
            }
        );
        let n = encode_name("gpu-x", Some("team-ci"), None);
        assert_eq!(decode_name(&n).owner.as_deref(), Some("team-ci"));
        assert_eq!(decode_name(&n).deadline, None);
    }

    #[test]
    fn hand_made_names_are_never_claimed() {
        for raw in [
            "gpu-box-alice",
            "my.box",
            "gpu-a.oAB",
            "gpu-a.o1.dsoon",
            "gpu-a.o1.d5.x",
            "box.o1",
            "",
        ] {
            let d = decode_name(raw);
            assert_eq!(d.name, raw);
            assert_eq!(d.owner, None, "{raw}");
        }
    }

    #[test]
    fn owners_are_checked() {
        assert!(valid_owner("a1b2c3d4") && valid_owner("team-ci"));
        assert!(!valid_owner("") && !valid_owner("Team") && !valid_owner("a.b"));
        assert!(!valid_owner(&"a".repeat(33)));
    }
}
