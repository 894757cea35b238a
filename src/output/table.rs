//! The human format: one line per offer, columns that fit the terminal.

use comfy_table::{presets, CellAlignment, ColumnConstraint, ContentArrangement, Table, Width};
use gpu_providers::{Offer, Source};

use crate::ui::clean;

const HEADERS: &[&str] = &[
    "PROVIDER", "GPU", "N", "$/GPU-H", "$/H", "VCPU", "RAM GB", "REGION", "TYPE", "AVAIL",
    "SOURCE", "OFFER ID",
];
const NUMERIC: &[usize] = &[2, 3, 4, 5, 6];

fn money(v: f64) -> String {
    if v < 1.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.2}")
    }
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".to_string())
}

fn availability(o: &Offer) -> String {
    let base = match o.available {
        Some(true) => "yes",
        Some(false) => "no",
        None => "?",
    };
    match &o.stock {
        Some(s) if o.available == Some(true) => format!("{base} ({})", clean(s)),
        _ => base.to_string(),
    }
}

fn source(o: &Offer) -> String {
    match o.source {
        Source::Live => "live".to_string(),
        Source::Catalog => format!("catalog {}", o.as_of),
    }
}

pub fn row(o: &Offer) -> Vec<String> {
    vec![
        o.provider.clone(),
        clean(&o.gpu_label()),
        o.gpu_count.to_string(),
        money(o.price_per_gpu_hour_usd),
        money(o.price_per_hour_usd),
        opt(o.vcpus),
        opt(o.memory_gb.map(|m| m.round())),
        clean(&o.region),
        if o.spot { "spot" } else { "on-demand" }.to_string(),
        availability(o),
        source(o),
        clean(&o.offer_id),
    ]
}

/// Render rows; `width` is the terminal's when stdout is one, so the table fits it.
pub fn render(offers: &[Offer], width: Option<u16>) -> String {
    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    table.set_header(HEADERS.to_vec());
    match width {
        Some(w) => {
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_width(w);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    for o in offers {
        table.add_row(row(o));
    }
    for i in NUMERIC {
        if let Some(col) = table.column_mut(*i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    // Keep the columns a reader needs most from being squeezed away.
    for i in [0usize, 3] {
        if let Some(col) = table.column_mut(i) {
            col.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(8)));
        }
    }
    let mut s: String = table
        .lines()
        .map(|l| tidy(&l))
        .collect::<Vec<_>>()
        .join("\n");
    s.push('\n');
    s
}

/// comfy-table pads every cell by one space; drop the pad before the first column and the
/// spaces after the last.
pub fn tidy(line: &str) -> String {
    line.strip_prefix(' ')
        .unwrap_or(line)
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpu_providers::catalog;

    #[test]
    fn renders_header_and_rows() {
        let rows: Vec<Offer> = catalog::embedded()
            .into_iter()
            .filter(|o| o.provider == "lambda")
            .take(2)
            .collect();
        let text = render(&rows, None);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("PROVIDER"));
        assert!(lines[1].contains("lambda") && lines[1].contains("catalog 2026-"));
    }

    #[test]
    fn hostile_strings_are_cleaned() {
        let mut o = catalog::embedded().remove(0);
        o.region = "\x1b[31mred\x1b[0m".into();
        let text = render(&[o], None);
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn money_has_sensible_precision() {
        assert_eq!(money(0.345), "0.345");
        assert_eq!(money(31.92), "31.92");
    }
}
