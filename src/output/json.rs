//! `--json`: the offers as a JSON array, the field names of [`gpu_providers::Offer`].

use gpu_providers::Offer;

/// Write the array straight to stdout, without building it as one string first (50k offers
/// would be tens of MB).
pub fn write_offers(offers: &[Offer]) -> std::io::Result<()> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    serde_json::to_writer_pretty(&mut out, offers).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The same, as a string (what the tests compare).
#[cfg(test)]
pub fn offers(offers: &[Offer]) -> String {
    let mut s = serde_json::to_string_pretty(offers).unwrap_or_else(|_| "[]".to_string());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpu_providers::catalog;

    #[test]
    fn schema_fields_are_present_and_typed() {
        let rows = catalog::embedded();
        let v: serde_json::Value = serde_json::from_str(&offers(&rows[..2])).unwrap();
        let first = &v[0];
        for field in [
            "provider",
            "offer_id",
            "instance_type",
            "gpu",
            "gpu_variant",
            "gpu_memory_gb",
            "gpu_count",
            "vcpus",
            "memory_gb",
            "disk_gb",
            "region",
            "spot",
            "price_per_hour_usd",
            "price_per_gpu_hour_usd",
            "available",
            "stock",
            "source",
            "as_of",
            "source_url",
        ] {
            assert!(first.get(field).is_some(), "missing field {field}");
        }
        assert!(first["price_per_hour_usd"].is_number());
        assert!(first["gpu_count"].is_u64());
        assert!(first["spot"].is_boolean());
        assert_eq!(first["source"], "catalog");
    }

    #[test]
    fn empty_is_an_empty_array() {
        assert_eq!(offers(&[]).trim(), "[]");
    }
}
