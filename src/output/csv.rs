//! `--csv`: one header row, then one row per offer, same fields as `--json`.

use gpu_providers::Offer;

use crate::ui::clean;

pub fn offers(offers: &[Offer]) -> Result<String, String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    if offers.is_empty() {
        w.write_record(HEADER).map_err(|e| e.to_string())?;
    }
    for o in offers {
        let mut o = o.clone();
        o.instance_type = clean(&o.instance_type);
        o.region = clean(&o.region);
        o.gpu = clean(&o.gpu);
        w.serialize(o).map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

const HEADER: &[&str] = &[
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
];

#[cfg(test)]
mod tests {
    use super::*;
    use gpu_providers::catalog;

    #[test]
    fn header_matches_serialized_fields() {
        let rows = catalog::embedded();
        let text = offers(&rows[..1]).unwrap();
        let first_line = text.lines().next().unwrap();
        assert_eq!(first_line, HEADER.join(","));
        let empty = offers(&[]).unwrap();
        assert_eq!(empty.trim(), HEADER.join(","));
    }
}
