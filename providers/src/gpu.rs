//! Canonical GPU names.
//!
//! Providers spell the same chip a dozen ways (`NVIDIA H100 80GB HBM3`, `H100 SXM`,
//! `gpu_8x_h100_sxm5`, `h100` + `sxm5`). Everything is reduced to a family (`H100`), a form
//! factor (`SXM`, `PCIe`, `NVL`) and a per-GPU memory size, and user input goes through the same
//! function, so `--gpu h100-sxm`, `--gpu "H100 SXM5"` and `--h100` mean what they say.

/// Families in matching order: a longer or more specific key must come before any key it
/// contains (`gh200` before `h200`, `a100` before `a10`, `rtxa4000` before `a40`).
const FAMILIES: &[(&str, &str)] = &[
    ("gb300", "GB300"),
    ("gb200", "GB200"),
    ("b300", "B300"),
    ("b200", "B200"),
    ("gh200", "GH200"),
    ("h200", "H200"),
    ("h100", "H100"),
    ("h800", "H800"),
    ("h20", "H20"),
    ("mi355x", "MI355X"),
    ("mi325x", "MI325X"),
    ("mi300x", "MI300X"),
    ("mi250", "MI250"),
    ("rtxpro6000", "RTX PRO 6000"),
    ("rtx6000pro", "RTX PRO 6000"),
    ("rtxpro5000", "RTX PRO 5000"),
    ("rtxpro4500", "RTX PRO 4500"),
    ("rtxpro4000", "RTX PRO 4000"),
    ("pro6000", "RTX PRO 6000"),
    ("rtx6000ada", "RTX 6000 Ada"),
    ("rtx5000ada", "RTX 5000 Ada"),
    ("rtx4000ada", "RTX 4000 Ada"),
    ("rtx2000ada", "RTX 2000 Ada"),
    ("6000ada", "RTX 6000 Ada"),
    ("rtxa6000", "RTX A6000"),
    ("a6000", "RTX A6000"),
    ("rtxa5000", "RTX A5000"),
    ("a5000", "RTX A5000"),
    ("rtxa4000", "RTX A4000"),
    ("a4000", "RTX A4000"),
    ("rtx8000", "Quadro RTX 8000"),
    ("rtx6000", "Quadro RTX 6000"),
    ("rtx5090", "RTX 5090"),
    ("rtx5080", "RTX 5080"),
    ("rtx5070ti", "RTX 5070 Ti"),
    ("rtx5070", "RTX 5070"),
    ("rtx5060ti", "RTX 5060 Ti"),
    ("rtx4090", "RTX 4090"),
    ("rtx4080", "RTX 4080"),
    ("rtx4070ti", "RTX 4070 Ti"),
    ("rtx4070", "RTX 4070"),
    ("rtx4060ti", "RTX 4060 Ti"),
    ("rtx4060", "RTX 4060"),
    ("rtx3090", "RTX 3090"),
    ("rtx3080", "RTX 3080"),
    ("rtx3070", "RTX 3070"),
    ("rtx3060", "RTX 3060"),
    ("rtx2080", "RTX 2080"),
    ("rtxa4500", "RTX A4500"),
    ("rtxa2000", "RTX A2000"),
    ("gtx1080", "GTX 1080"),
    ("titanrtx", "Titan RTX"),
    ("p40", "P40"),
    ("mi210", "MI210"),
    ("mi100", "MI100"),
    ("a4500", "RTX A4500"),
    ("a2000", "RTX A2000"),
    ("5090", "RTX 5090"),
    ("5080", "RTX 5080"),
    ("4090", "RTX 4090"),
    ("4080", "RTX 4080"),
    ("4070", "RTX 4070"),
    ("3090", "RTX 3090"),
    ("3080", "RTX 3080"),
    ("3070", "RTX 3070"),
    ("3060", "RTX 3060"),
    ("a100", "A100"),
    ("a800", "A800"),
    ("a10g", "A10G"),
    ("a10", "A10"),
    ("a40", "A40"),
    ("a30", "A30"),
    ("a16", "A16"),
    ("l40s", "L40S"),
    ("l40", "L40"),
    ("l20", "L20"),
    ("l4", "L4"),
    ("t4", "T4"),
    ("v100", "V100"),
    ("p100", "P100"),
    ("a2", "A2"),
];

/// Per-GPU memory when a name does not say it and the family has only one size.
const DEFAULT_MEMORY_GB: &[(&str, f64)] = &[
    ("B200", 180.0),
    ("GH200", 96.0),
    ("H200", 141.0),
    ("H100", 80.0),
    ("MI300X", 192.0),
    ("MI325X", 256.0),
    ("RTX PRO 6000", 96.0),
    ("RTX PRO 5000", 48.0),
    ("RTX PRO 4500", 32.0),
    ("RTX PRO 4000", 24.0),
    ("RTX 6000 Ada", 48.0),
    ("RTX A6000", 48.0),
    ("RTX A5000", 24.0),
    ("RTX A4000", 16.0),
    ("Quadro RTX 8000", 48.0),
    ("Quadro RTX 6000", 24.0),
    ("RTX 5090", 32.0),
    ("RTX 4090", 24.0),
    ("RTX 3090", 24.0),
    ("A10G", 24.0),
    ("A10", 24.0),
    ("A40", 48.0),
    ("L40S", 48.0),
    ("L40", 48.0),
    ("L4", 24.0),
    ("T4", 16.0),
];

/// A GPU name reduced to its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct GpuName {
    pub family: String,
    pub variant: Option<String>,
    pub memory_gb: Option<f64>,
    /// False when the name matched no known family; `family` is then the cleaned input.
    pub known: bool,
}

/// Lowercase ASCII letters and digits only.
pub fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The memory size a name spells out (`80GB`, `80 GB`, `-80G`, `141gb`), if any.
fn memory_in(raw: &str) -> Option<f64> {
    let lower = raw.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let digits = &lower[start..i];
            let mut j = i;
            while j < bytes.len() && bytes[j] == b' ' {
                j += 1;
            }
            let rest = &lower[j..];
            let unit = rest.starts_with("gb")
                || (rest.starts_with('g')
                    && !rest[1..].starts_with(|c: char| c.is_ascii_alphabetic()));
            if unit {
                if let Ok(n) = digits.parse::<f64>() {
                    if (4.0..=1024.0).contains(&n) {
                        return Some(n);
                    }
                }
            }
        } else {
            i += 1;
        }
    }
    None
}

fn variant_in(compact: &str) -> Option<&'static str> {
    if compact.contains("sxm") || (compact.contains("hbm3") && compact.contains("h100")) {
        Some("SXM")
    } else if compact.contains("pcie") {
        Some("PCIe")
    } else if compact.contains("nvl") && !compact.contains("nvlink") {
        Some("NVL")
    } else {
        None
    }
}

/// Reduce any spelling of a GPU to its canonical parts.
pub fn canonical(raw: &str) -> GpuName {
    // A marketplace answer repeats a handful of names thousands of times: each is worked out
    // once per thread (the memo is bounded, so odd inputs cannot grow it without end).
    thread_local! {
        static MEMO: std::cell::RefCell<std::collections::HashMap<String, GpuName>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    if let Some(hit) = MEMO.with(|m| m.borrow().get(raw).cloned()) {
        return hit;
    }
    let name = canonical_uncached(raw);
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() < 4096 {
            m.insert(raw.to_string(), name.clone());
        }
    });
    name
}

/// A MIG slice in a name: `... MIG 1g.24gb` is `MIG 1g.24gb`, a bare `mig` is `MIG`.
fn partition_in(raw: &str) -> Option<String> {
    let lower = raw.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-' || c == ':')
        .filter(|w| !w.is_empty())
        .collect();
    let at = words.iter().position(|w| *w == "mig")?;
    let profile = words.get(at + 1).filter(|p| {
        p.split_once("g.")
            .is_some_and(|(n, m)| n.parse::<u32>().is_ok() && m.ends_with("gb"))
    });
    Some(match profile {
        Some(p) => format!("MIG {p}"),
        None => "MIG".to_string(),
    })
}

/// Whether a variant is a slice of a card (a MIG instance), not the card.
pub fn is_partition(variant: Option<&str>) -> bool {
    variant.is_some_and(|v| v.starts_with("MIG"))
}

/// The share of one card a slice is, by its memory (a `MIG 1g.24gb` of a 96 GB RTX PRO 6000
/// is 0.25); `None` for a whole card.
pub fn fraction(family: &str, variant: Option<&str>, memory_gb: Option<f64>) -> Option<f64> {
    if !is_partition(variant) {
        return None;
    }
    let whole = default_memory(family)?;
    let part = memory_gb?;
    (part > 0.0 && part < whole).then(|| ((part / whole) * 1000.0).round() / 1000.0)
}

fn canonical_uncached(raw: &str) -> GpuName {
    let c = compact(raw);
    let explicit_memory = memory_in(raw);
    for (key, family) in FAMILIES {
        if c.contains(key) {
            let variant = partition_in(raw).or_else(|| variant_in(&c).map(str::to_string));
            let memory_gb = explicit_memory
                .or_else(|| {
                    (variant.as_deref() == Some("NVL") && *family == "H100").then_some(94.0)
                })
                .or_else(|| default_memory(family));
            return GpuName {
                family: (*family).to_string(),
                variant,
                memory_gb,
                known: true,
            };
        }
    }
    GpuName {
        family: clean_unknown(raw),
        variant: None,
        memory_gb: explicit_memory,
        known: false,
    }
}

/// The per-GPU memory of a family that comes in one size.
pub fn default_memory(family: &str) -> Option<f64> {
    DEFAULT_MEMORY_GB
        .iter()
        .find(|(f, _)| *f == family)
        .map(|(_, m)| *m)
}

/// An unknown name is kept, minus vendor words and stray characters, so it still shows.
fn clean_unknown(raw: &str) -> String {
    let words: Vec<&str> = raw
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty())
        .filter(|w| {
            !matches!(
                w.to_ascii_lowercase().as_str(),
                "nvidia" | "geforce" | "tesla" | "amd" | "instinct"
            )
        })
        .collect();
    let s: String = words.join(" ");
    let s: String = s.chars().filter(|c| !c.is_control()).take(40).collect();
    if s.is_empty() {
        "unknown".to_string()
    } else {
        s.to_uppercase()
    }
}

/// One `--gpu` value as a filter.
#[derive(Debug, Clone, PartialEq)]
pub struct GpuFilter {
    pub input: String,
    pub family: String,
    pub variant: Option<String>,
    /// Only when the user spelled it (`a100-80gb`), never a family default.
    pub memory_gb: Option<f64>,
    /// GPUs per instance, when the user spelled it as other tools take it: `h100:8`
    /// (SkyPilot), `h100:80gb:8` (dstack), `8xh100`, `h100x8`.
    pub count: Option<u32>,
    pub known: bool,
}

/// Split a GPU count off the forms other tools' users type: `h100:8`, `h100:80gb:8`,
/// `8xh100`, `8x h100`, `h100x8`. Returns the name (with `:` as `-`) and the count.
pub fn split_count(input: &str) -> (String, Option<u32>) {
    let t = input.trim();
    let lower = t.to_ascii_lowercase();
    let count = |s: &str| s.parse::<u32>().ok().filter(|n| *n > 0);
    // `h100:8`, `h100:80gb:8`: the last `:` part, when it is a bare number.
    if let Some((head, last)) = lower.rsplit_once(':') {
        if let Some(n) = count(last) {
            return (head.replace(':', "-"), Some(n));
        }
        return (lower.replace(':', "-"), None);
    }
    // `8xh100`, `8x h100`.
    if let Some((n, rest)) = lower.split_once('x') {
        if let (Some(n), false) = (count(n.trim()), rest.trim().is_empty()) {
            return (rest.trim().to_string(), Some(n));
        }
    }
    // `h100x8` (but not `rtx4090`'s or `mi300x`'s own `x`).
    if let Some((name, n)) = lower.rsplit_once('x') {
        if let (Some(n), false) = (count(n), name.is_empty()) {
            if !name.ends_with("rt") && canonical(name).known {
                return (name.to_string(), Some(n));
            }
        }
    }
    (t.to_string(), None)
}

impl GpuFilter {
    pub fn parse(input: &str) -> GpuFilter {
        let (spelled, count) = split_count(input);
        let name = canonical(&spelled);
        GpuFilter {
            input: input.to_string(),
            memory_gb: memory_in(&spelled),
            family: name.family,
            variant: name.variant,
            count,
            known: name.known,
        }
    }

    pub fn matches(&self, gpu: &str, variant: Option<&str>, memory_gb: Option<f64>) -> bool {
        // A slice of a card answers only a filter that asks for slices (`rtx-pro-6000:mig`).
        if is_partition(variant) != is_partition(self.variant.as_deref()) {
            return false;
        }
        if self.known {
            if !gpu.eq_ignore_ascii_case(&self.family) {
                return false;
            }
        } else if !compact(gpu).contains(&compact(&self.family)) {
            return false;
        }
        if let Some(want) = &self.variant {
            // `MIG` asks for any slice; `MIG 1g.24gb` for that one.
            let fits =
                |v: &str| v.eq_ignore_ascii_case(want) || (want == "MIG" && is_partition(Some(v)));
            if !variant.is_some_and(fits) {
                return false;
            }
        }
        if let Some(want) = self.memory_gb {
            if !memory_gb.is_some_and(|m| (m - want).abs() < 1.0) {
                return false;
            }
        }
        true
    }
}

/// The known family closest to an unknown name (within two edits of one of its spellings),
/// for "did you mean".
pub fn suggest(input: &str) -> Option<&'static str> {
    let typed = compact(input);
    FAMILIES
        .iter()
        .map(|(key, family)| (edit_distance(&typed, key), *family))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, f)| f)
}

/// Levenshtein distance in characters, for every "did you mean" of the tool.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The spellings `--gpu` completes to: each family's key (`h100`, `rtx4090`, `mi300x`).
pub fn spellings() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = FAMILIES
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| !k.chars().all(|c| c.is_ascii_digit()))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Known families, for help texts and "did you mean".
pub fn families() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = FAMILIES.iter().map(|(_, f)| *f).collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_come_off_the_forms_other_tools_take() {
        for (input, name, count) in [
            ("h100:8", "h100", Some(8)),
            ("H100:80GB:8", "h100-80gb", Some(8)),
            ("h100:80gb", "h100-80gb", None),
            ("8xh100", "h100", Some(8)),
            ("8x h100", "h100", Some(8)),
            ("h100x8", "h100", Some(8)),
            ("rtx4090", "rtx4090", None),
            ("mi300x", "mi300x", None),
            ("a100-80gb", "a100-80gb", None),
        ] {
            assert_eq!(split_count(input), (name.to_string(), count), "{input}");
        }
        let f = GpuFilter::parse("h100:80gb:8");
        assert_eq!(
            (f.family.as_str(), f.memory_gb, f.count),
            ("H100", Some(80.0), Some(8))
        );
    }

    use super::*;

    fn parts(raw: &str) -> (String, Option<String>, Option<f64>) {
        let g = canonical(raw);
        (g.family, g.variant, g.memory_gb)
    }

    #[test]
    fn provider_spellings_agree() {
        let h100_sxm = ("H100".to_string(), Some("SXM".to_string()), Some(80.0));
        assert_eq!(parts("NVIDIA H100 80GB HBM3"), h100_sxm);
        assert_eq!(parts("H100 SXM"), h100_sxm);
        assert_eq!(parts("gpu_8x_h100_sxm5"), h100_sxm);
        assert_eq!(parts("H100 (80 GB SXM5)"), h100_sxm);
        assert_eq!(parts("NVIDIA-H100-80GB-HBM3"), h100_sxm);
        assert_eq!(
            parts("NVIDIA H100 PCIe"),
            ("H100".into(), Some("PCIe".into()), Some(80.0))
        );
        assert_eq!(
            parts("H100 NVL"),
            ("H100".into(), Some("NVL".into()), Some(94.0))
        );
        assert_eq!(
            parts("NVIDIA A100-SXM4-80GB"),
            ("A100".into(), Some("SXM".into()), Some(80.0))
        );
        assert_eq!(
            parts("A100 PCIE"),
            ("A100".into(), Some("PCIe".into()), None)
        );
        assert_eq!(parts("gpu_1x_a10"), ("A10".into(), None, Some(24.0)));
        assert_eq!(parts("A10G"), ("A10G".into(), None, Some(24.0)));
        assert_eq!(
            parts("NVIDIA GeForce RTX 4090"),
            ("RTX 4090".into(), None, Some(24.0))
        );
        assert_eq!(parts("rtx4090"), ("RTX 4090".into(), None, Some(24.0)));
        assert_eq!(
            parts("RTX 6000Ada"),
            ("RTX 6000 Ada".into(), None, Some(48.0))
        );
        assert_eq!(
            parts("NVIDIA RTX 6000 Ada Generation"),
            ("RTX 6000 Ada".into(), None, Some(48.0))
        );
        assert_eq!(parts("RTX A6000"), ("RTX A6000".into(), None, Some(48.0)));
        assert_eq!(
            parts("gpu_1x_rtx6000"),
            ("Quadro RTX 6000".into(), None, Some(24.0))
        );
        assert_eq!(parts("L40S"), ("L40S".into(), None, Some(48.0)));
        assert_eq!(parts("NVIDIA L4"), ("L4".into(), None, Some(24.0)));
        assert_eq!(parts("gpu_1x_gh200"), ("GH200".into(), None, Some(96.0)));
        assert_eq!(parts("NVIDIA H200"), ("H200".into(), None, Some(141.0)));
        assert_eq!(
            parts("AMD Instinct MI300X OAM"),
            ("MI300X".into(), None, Some(192.0))
        );
        assert_eq!(
            parts("Tesla V100-SXM2-32GB"),
            ("V100".into(), Some("SXM".into()), Some(32.0))
        );
    }

    #[test]
    fn unknown_names_are_kept_not_dropped() {
        let g = canonical("NVIDIA Quantum Z9");
        assert!(!g.known);
        assert_eq!(g.family, "QUANTUM Z9");
        let g = canonical("\u{1b}[31m");
        assert!(!g.family.contains('\u{1b}'));
    }

    #[test]
    fn filters_are_spelling_tolerant() {
        let f = GpuFilter::parse("h100");
        assert!(f.matches("H100", Some("SXM"), Some(80.0)));
        assert!(f.matches("H100", None, None));
        assert!(!f.matches("H200", None, None));
        assert!(!f.matches("GH200", None, None));

        let f = GpuFilter::parse("H100-SXM");
        assert!(f.matches("H100", Some("SXM"), Some(80.0)));
        assert!(!f.matches("H100", Some("PCIe"), Some(80.0)));

        let f = GpuFilter::parse("a100-80gb");
        assert!(f.matches("A100", Some("SXM"), Some(80.0)));
        assert!(!f.matches("A100", Some("SXM"), Some(40.0)));

        let f = GpuFilter::parse("a10");
        assert!(!f.matches("A100", None, Some(80.0)));
        assert!(f.matches("A10", None, Some(24.0)));

        assert!(GpuFilter::parse("RTX4090").matches("RTX 4090", None, None));
        assert!(GpuFilter::parse("4090").matches("RTX 4090", None, None));
    }

    #[test]
    fn memory_parsing_ignores_model_numbers() {
        assert_eq!(memory_in("A100 80GB"), Some(80.0));
        assert_eq!(memory_in("V100-32G"), Some(32.0));
        assert_eq!(memory_in("RTX 4090"), None);
        assert_eq!(memory_in("h100-sxm5"), None);
        assert_eq!(memory_in("gpu_8x_a100_80gb_sxm4"), Some(80.0));
    }
}
