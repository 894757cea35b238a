//! The human format: one line per offer, columns that fit the terminal.

use comfy_table::{presets, CellAlignment, ContentArrangement, Table};
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

fn source(o: &Offer, relative: bool) -> String {
    match o.source {
        Source::Live => "live".to_string(),
        Source::Catalog => {
            let day = o.as_of.get(..10).unwrap_or(&o.as_of);
            let date = if o.as_of_estimated {
                format!("~{day}")
            } else {
                day.to_string()
            };
            match &o.catalog_source {
                Some(s) => format!("catalog {date} ({s})"),
                None => format!("catalog {date}"),
            }
        }
        Source::Cache => {
            let age = humantime::parse_rfc3339(&o.as_of)
                .ok()
                .and_then(|t| std::time::SystemTime::now().duration_since(t).ok());
            match age {
                Some(a) if relative => format!(
                    "cached {} ago",
                    crate::lifecycle::reconcile::short_duration(a)
                ),
                _ => format!("cached {}", o.as_of),
            }
        }
    }
}

pub fn row(o: &Offer, relative_times: bool) -> Vec<String> {
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
        source(o, relative_times),
        clean(&o.offer_id),
    ]
}

/// Columns that may be left out, in the order they go, when the terminal is too narrow.
/// AVAIL (9) goes only when no row knows its availability.
const OPTIONAL: &[usize] = &[6, 5, 9];
const AVAIL: usize = 9;

/// Which columns to show: all that fit `width`, dropping [`OPTIONAL`] ones first.
fn columns_for(rows: &[Vec<String>], headers: &[&str], width: Option<u16>) -> (Vec<usize>, bool) {
    // (the bool says whether the kept columns fit)
    let shift = headers.len() - HEADERS.len();
    let at = |c: usize| if c >= 5 { c + shift } else { c };
    let mut keep: Vec<usize> = (0..headers.len()).collect();
    let Some(width) = width else {
        return (keep, true);
    };
    let needed = |keep: &[usize]| -> usize {
        keep.iter()
            .map(|&c| {
                let cells = rows.iter().map(|r| r[c].chars().count());
                cells.chain([headers[c].len()]).max().unwrap_or(0) + 2
            })
            .sum()
    };
    for drop in OPTIONAL {
        if needed(&keep) <= usize::from(width) {
            break;
        }
        let drop = at(*drop);
        if drop == at(AVAIL) && rows.iter().any(|r| r[drop] != "?") {
            continue;
        }
        keep.retain(|c| *c != drop);
    }
    let fits = needed(&keep) <= usize::from(width);
    (keep, fits)
}

/// An extra column shown when sorting by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extra {
    Bf16Value,
    BandwidthValue,
}

pub fn extra_for(sort: crate::cli::SortKey) -> Option<Extra> {
    match sort {
        crate::cli::SortKey::Value => Some(Extra::Bf16Value),
        crate::cli::SortKey::BandwidthValue => Some(Extra::BandwidthValue),
        _ => None,
    }
}

/// Render rows; `width` is the terminal's when stdout is one, so the table fits it.
#[cfg(test)]
pub fn render(offers: &[Offer], width: Option<u16>) -> String {
    render_with(offers, width, None)
}

pub fn render_with(offers: &[Offer], width: Option<u16>, extra: Option<Extra>) -> String {
    // Relative times ("3m ago") only for a person at a terminal.
    let mut rows: Vec<Vec<String>> = offers.iter().map(|o| row(o, width.is_some())).collect();
    let mut headers: Vec<&str> = HEADERS.to_vec();
    if let Some(extra) = extra {
        // After $/H, before VCPU.
        headers.insert(
            5,
            if extra == Extra::Bf16Value {
                "$/PFLOP-H"
            } else {
                "$/TBS-H"
            },
        );
        for (r, o) in rows.iter_mut().zip(offers) {
            let v = match extra {
                Extra::Bf16Value => o.value.usd_per_bf16_pflop_hour,
                Extra::BandwidthValue => o.value.usd_per_tbs_hour,
            };
            r.insert(5, v.map(money).unwrap_or_else(|| "-".to_string()));
        }
    }
    let (keep, fits) = columns_for(&rows, &headers, width);
    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    table.set_header(keep.iter().map(|&c| headers[c]).collect::<Vec<_>>());
    // Never wrap cells: an offer id split over lines cannot be copied. A row wider than the
    // terminal, even without the optional columns, is left to the terminal (or to `--json`).
    let _ = fits;
    table.set_content_arrangement(ContentArrangement::Disabled);
    for r in &rows {
        table.add_row(keep.iter().map(|&c| r[c].clone()).collect::<Vec<_>>());
    }
    let numeric: Vec<usize> = NUMERIC
        .iter()
        .map(|&c| {
            if c >= 5 {
                c + headers.len() - HEADERS.len()
            } else {
                c
            }
        })
        .chain((headers.len() > HEADERS.len()).then_some(5))
        .collect();
    for (pos, c) in keep.iter().enumerate() {
        let Some(col) = table.column_mut(pos) else {
            continue;
        };
        if numeric.contains(c) {
            col.set_cell_alignment(CellAlignment::Right);
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
        assert!(lines[1].contains("lambda") && lines[1].contains("catalog ~2026-"));
    }

    #[test]
    fn hostile_strings_are_cleaned() {
        let mut o = catalog::embedded().remove(0);
        o.region = "\x1b[31mred\x1b[0m".into();
        let text = render(&[o], None);
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn narrow_terminals_lose_optional_columns_first() {
        let rows: Vec<Offer> = catalog::embedded()
            .into_iter()
            .filter(|o| o.provider == "nebius")
            .collect();
        let wide = render(&rows, Some(300));
        assert!(wide.lines().next().unwrap().contains("RAM GB"));
        let narrow = render(&rows, Some(120));
        let header = narrow.lines().next().unwrap();
        assert!(
            !header.contains("RAM GB") && !header.contains("VCPU"),
            "{header}"
        );
        assert!(
            header.contains("$/GPU-H") && header.contains("OFFER ID") && header.contains("SOURCE")
        );
    }

    #[test]
    fn money_has_sensible_precision() {
        assert_eq!(money(0.345), "0.345");
        assert_eq!(money(31.92), "31.92");
    }
}
