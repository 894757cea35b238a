//! `--csv`: one header row, then one row per offer, same fields as `--json`.

use gpu_providers::Offer;

use super::fields::FIELDS;
use crate::ui::clean;

pub fn offers(offers: &[Offer]) -> Result<String, String> {
    offers_with(offers, crate::output::Format::Csv, true, None)
}

/// CSV or TSV of `columns` (JSON field names; every field when `None`), with or without the
/// header line.
pub fn offers_with(
    offers: &[Offer],
    format: crate::output::Format,
    header: bool,
    columns: Option<&[String]>,
) -> Result<String, String> {
    let fields: Vec<&(&str, super::fields::Get)> = match columns {
        Some(names) => names
            .iter()
            .filter_map(|n| FIELDS.iter().find(|(f, _)| f == n))
            .collect(),
        None => FIELDS.iter().collect(),
    };
    let mut w = super::writer(format, header);
    if header {
        w.write_record(fields.iter().map(|(name, _)| *name))
            .map_err(|e| e.to_string())?;
    }
    for o in offers {
        w.write_record(fields.iter().map(|(_, get)| clean(&get(o))))
            .map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpu_providers::catalog;

    #[test]
    fn header_and_rows_line_up() {
        let rows = catalog::embedded();
        let text = offers(&rows[..2]).unwrap();
        let mut r = ::csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(header.len(), FIELDS.len());
        assert_eq!(header[0], "provider");
        let first = r.records().next().unwrap().unwrap();
        assert_eq!(&first[0], rows[0].provider);
        assert_eq!(
            first[12].parse::<f64>().unwrap(),
            rows[0].price_per_hour_usd
        );
        let empty = offers(&[]).unwrap();
        assert_eq!(empty.lines().count(), 1);
    }
}
