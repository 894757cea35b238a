//! GPU performance figures from vendor data sheets, for `--sort value` and `--fit`.
//! The data is `providers/catalog/gpu-specs.csv`, with a source for every row.

use serde::Deserialize;

pub const CSV: &str = include_str!("../catalog/gpu-specs.csv");

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Spec {
    pub gpu: String,
    pub variant: Option<String>,
    pub memory_gb: f64,
    pub bandwidth_tbs: f64,
    pub bf16_tflops: f64,
    pub fp8_tflops: Option<f64>,
    pub interconnect: String,
    pub source_url: String,
}

pub fn all() -> Vec<Spec> {
    csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(CSV.as_bytes())
        .deserialize()
        .filter_map(Result::ok)
        .collect()
}

/// The spec of a GPU: family and form factor must agree where the table distinguishes them,
/// memory picks between sizes (A100 40 GB vs 80 GB).
pub fn find<'a>(
    specs: &'a [Spec],
    gpu: &str,
    variant: Option<&str>,
    memory_gb: Option<f64>,
) -> Option<&'a Spec> {
    let same_family: Vec<&Spec> = specs
        .iter()
        .filter(|s| s.gpu.eq_ignore_ascii_case(gpu))
        .collect();
    let by_memory = |s: &&&Spec| memory_gb.is_none_or(|m| (s.memory_gb - m).abs() < 1.0);
    // Exact form factor first, then a row without one that matches the memory.
    same_family
        .iter()
        .filter(by_memory)
        .find(|s| s.variant.is_some() && s.variant.as_deref() == variant)
        .or_else(|| {
            same_family
                .iter()
                .filter(by_memory)
                .find(|s| s.variant.is_none())
        })
        .or_else(|| {
            // A variant we do not list (e.g. A100 SXM 40 GB): same memory, any form factor.
            same_family
                .iter()
                .find(|s| memory_gb.is_some_and(|m| (s.memory_gb - m).abs() < 1.0))
        })
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_parses_and_has_a_source() {
        let specs = all();
        let rows = CSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count()
            - 1;
        assert_eq!(specs.len(), rows, "a row did not parse");
        for s in &specs {
            assert!(s.source_url.starts_with("https://"));
            assert!(s.bf16_tflops > 0.0 && s.bandwidth_tbs > 0.0 && s.memory_gb > 0.0);
            assert!(crate::gpu::canonical(&s.gpu).known, "{}", s.gpu);
        }
    }

    #[test]
    fn lookups_respect_form_factor_and_memory() {
        let specs = all();
        assert_eq!(
            find(&specs, "H100", Some("SXM"), Some(80.0))
                .unwrap()
                .bandwidth_tbs,
            3.35
        );
        assert_eq!(
            find(&specs, "H100", Some("PCIe"), Some(80.0))
                .unwrap()
                .bandwidth_tbs,
            2.0
        );
        assert_eq!(
            find(&specs, "A100", Some("SXM"), Some(40.0))
                .unwrap()
                .bandwidth_tbs,
            1.555
        );
        assert_eq!(
            find(&specs, "A100", Some("PCIe"), Some(80.0))
                .unwrap()
                .bandwidth_tbs,
            1.935
        );
        assert_eq!(
            find(&specs, "L40S", None, Some(48.0)).unwrap().bf16_tflops,
            362.05
        );
        assert!(find(&specs, "B200", None, Some(180.0)).is_none());
    }
}
