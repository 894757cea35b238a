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

/// Tag keys for who launched it (the machine's launcher id), when (Unix seconds) and at what
/// price (US dollars per hour), where a provider has tags.
pub const LAUNCHER_TAG: &str = "gpu-launcher";
pub const LAUNCHED_TAG: &str = "gpu-launched";
pub const PRICE_TAG: &str = "gpu-price";

/// A launcher id: 8 lowercase hex digits, made once per data directory.
pub fn valid_launcher(id: &str) -> bool {
    id.len() == 8
        && id
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// What an instance says about itself once decoded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decoded {
    pub name: String,
    pub owner: Option<String>,
    pub deadline: Option<u64>,
    /// The launcher id of the machine (data directory) that created it.
    pub launcher: Option<String>,
    /// When it was launched, Unix seconds.
    pub launched: Option<u64>,
    /// What it was launched at, US dollars per hour.
    pub price_per_hour_usd: Option<f64>,
}

/// Everything kept at the provider besides the name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Meta<'a> {
    pub owner: Option<&'a str>,
    pub launcher: Option<&'a str>,
    pub deadline: Option<u64>,
    pub launched: Option<u64>,
    pub price_per_hour_usd: Option<f64>,
}

/// Times in names count from 2026-01-01T00:00:00Z, so six base-36 digits last until 2094.
const EPOCH: u64 = 1_767_225_600;
/// The version letter that opens the block of a name's metadata.
const VERSION: char = 'a';
/// Version, owner length, launcher, launch time, deadline, price: 1 + 1 + 8 + 6 + 6 + 4.
const BLOCK: usize = 26;

fn base36(mut n: u64, width: usize) -> String {
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = digits[(n % 36) as usize];
        n /= 36;
    }
    String::from_utf8(out).unwrap_or_default()
}

fn from_base36(s: &str) -> Option<u64> {
    u64::from_str_radix(s, 36).ok()
}

/// Seconds since [`EPOCH`] in six base-36 digits; `0` (none) for what cannot be said.
fn time36(t: Option<u64>) -> String {
    let n = t
        .and_then(|t| t.checked_sub(EPOCH))
        .filter(|n| *n < 36u64.pow(6))
        .unwrap_or(0);
    base36(n, 6)
}

/// The name to give a provider that has no tags. With a launcher id, every field goes into a
/// form each launch provider accepts (letters, digits and `-` only, ending in a digit or
/// letter): `gpu-train-team-ci-a7` + launcher + launch time + deadline + price, read from the
/// right. Without one, the older dotted form (`gpu-train.oteam-ci.d1764633600`).
pub fn encode(name: &str, meta: &Meta) -> String {
    let Some(owner) = meta.owner else {
        return name.to_string();
    };
    match meta.launcher.filter(|l| valid_launcher(l)) {
        Some(launcher) => {
            // Tenths of a cent: a $0.175/hour card keeps its price; four digits go to $1,679/hour.
            let mills = meta
                .price_per_hour_usd
                .filter(|p| p.is_finite() && *p >= 0.0)
                .map(|p| (p * 1000.0).round() as u64)
                .filter(|m| *m < 36u64.pow(4))
                .unwrap_or(0);
            format!(
                "{name}-{owner}-{VERSION}{}{launcher}{}{}{}",
                base36(owner.len() as u64, 1),
                time36(meta.launched),
                time36(meta.deadline),
                base36(mills, 4)
            )
        }
        None => encode_name(name, Some(owner), meta.deadline),
    }
}

/// The older dotted name (`gpu-train.oa1b2c3d4.d1764633600`), still read back.
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

/// Read a name back, in either form. A name that does not have exactly the shape [`encode`]
/// writes is taken as it is, with no owner: an instance someone named by hand is never
/// claimed.
pub fn decode_name(raw: &str) -> Decoded {
    decode_block(raw).unwrap_or_else(|| decode_dotted(raw))
}

fn decode_block(raw: &str) -> Option<Decoded> {
    if !raw.is_ascii() || raw.len() < BLOCK + 2 {
        return None;
    }
    let (head, block) = raw.split_at(raw.len() - BLOCK);
    let head = head.strip_suffix('-')?;
    let mut chars = block.chars();
    if chars.next()? != VERSION {
        return None;
    }
    let owner_len = from_base36(&block[1..2])? as usize;
    let launcher = &block[2..10];
    let launched = from_base36(&block[10..16])?;
    let deadline = from_base36(&block[16..22])?;
    let mills = from_base36(&block[22..26])?;
    if !valid_launcher(launcher) || owner_len == 0 || head.len() < owner_len + 1 {
        return None;
    }
    let (base, owner) = head.split_at(head.len() - owner_len);
    let base = base.strip_suffix('-')?;
    if !valid_owner(owner) || !base.starts_with(crate::NAME_PREFIX) {
        return None;
    }
    let time = |n: u64| (n > 0).then_some(EPOCH + n);
    Some(Decoded {
        name: base.to_string(),
        owner: Some(owner.to_string()),
        deadline: time(deadline),
        launcher: Some(launcher.to_string()),
        launched: time(launched),
        price_per_hour_usd: (mills > 0).then_some(mills as f64 / 1000.0),
    })
}

fn decode_dotted(raw: &str) -> Decoded {
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
        ..Decoded::default()
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
                deadline: Some(1_764_633_600),
                ..Decoded::default()
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
    fn every_field_survives_a_name_of_letters_digits_and_dashes() {
        let meta = Meta {
            owner: Some("team-ci"),
            launcher: Some("9f3e2a71"),
            deadline: Some(1_796_595_816),
            launched: Some(1_796_580_000),
            price_per_hour_usd: Some(2.39),
        };
        let n = encode("gpu-train-2", &meta);
        assert!(
            n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{n}"
        );
        assert!(n.ends_with(|c: char| c.is_ascii_alphanumeric()), "{n}");
        let d = decode_name(&n);
        assert_eq!(d.name, "gpu-train-2");
        assert_eq!(d.owner.as_deref(), Some("team-ci"));
        assert_eq!(d.launcher.as_deref(), Some("9f3e2a71"));
        assert_eq!(d.deadline, Some(1_796_595_816));
        assert_eq!(d.launched, Some(1_796_580_000));
        assert_eq!(d.price_per_hour_usd, Some(2.39));
        // No deadline, a cheap card, a one-letter owner.
        let n = encode(
            "gpu-x",
            &Meta {
                owner: Some("a"),
                launcher: Some("00000001"),
                price_per_hour_usd: Some(0.175),
                ..Meta::default()
            },
        );
        let d = decode_name(&n);
        assert_eq!((d.owner.as_deref(), d.deadline), (Some("a"), None));
        assert_eq!(d.price_per_hour_usd, Some(0.175));
        // Names of the older form are still read.
        assert_eq!(
            decode_name("gpu-train.oa1b2c3d4.d1764633600")
                .owner
                .as_deref(),
            Some("a1b2c3d4")
        );
    }

    #[test]
    fn a_hand_made_name_shaped_like_a_block_is_not_claimed() {
        for raw in [
            "gpu-x-a-a1zzzzzzzz000000000000000",
            "box-a-a19f3e2a7100000000000000000",
            "gpu-x-a-b19f3e2a7100000000000000000",
            "gpu-x--a29f3e2a71000000000000000000",
        ] {
            assert_eq!(decode_name(raw).owner, None, "{raw}");
        }
    }

    #[test]
    fn owners_are_checked() {
        assert!(valid_owner("a1b2c3d4") && valid_owner("team-ci"));
        assert!(!valid_owner("") && !valid_owner("Team") && !valid_owner("a.b"));
        assert!(!valid_owner(&"a".repeat(33)));
    }
}
