//! The human format: one line per offer, columns that fit the terminal.

use comfy_table::{presets, CellAlignment, ContentArrangement, Table};
use gpu_providers::{Offer, Source};

use crate::ui::clean;

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

/// Where a row's price comes from: `live`, `cached 2m ago`, `catalog`; with `full` (`--wide`)
/// a catalog row also gives its date and public source (`catalog ~2026-11-25 (skypilot)`),
/// which otherwise a note under the table gives once.
fn source(o: &Offer, relative: bool, full: bool) -> String {
    match o.source {
        Source::Live => "live".to_string(),
        Source::Catalog if !full => "catalog".to_string(),
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

/// An extra column shown when sorting by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extra {
    Bf16Value,
    BandwidthValue,
}

pub fn extra_for(sort: crate::core::find::SortKey) -> Option<Extra> {
    match sort {
        crate::core::find::SortKey::Value => Some(Extra::Bf16Value),
        crate::core::find::SortKey::BandwidthValue => Some(Extra::BandwidthValue),
        _ => None,
    }
}

/// How `find` draws its table.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The width to fit (the terminal's, or `COLUMNS`); `None` draws every column in full.
    pub width: Option<u16>,
    pub extra: Option<Extra>,
    /// `--wide`: the offer id and the catalog dates too, never shortened.
    pub wide: bool,
    /// `--columns`: exactly these fields (JSON names), in this order.
    pub columns: Option<Vec<String>>,
}

/// How a column behaves when the width is short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    /// Always shown in full.
    Keep,
    /// Left out when short, lowest rank first.
    Drop(u8),
    /// Left out when short, unless some row knows it (availability).
    DropIfUnknown(u8),
    /// Cut (with `…`) down to this many characters when short, after the drops.
    Shrink(usize),
}

struct Column {
    header: String,
    right: bool,
    fit: Fit,
    cells: Vec<String>,
}

impl Column {
    fn new(header: &str, right: bool, fit: Fit, cells: Vec<String>) -> Column {
        Column {
            header: header.to_string(),
            right,
            fit,
            cells,
        }
    }

    fn width(&self) -> usize {
        self.cells
            .iter()
            .map(|c| c.chars().count())
            .chain([self.header.chars().count()])
            .max()
            .unwrap_or(0)
    }
}

fn columns(offers: &[Offer], o: &Options) -> Vec<Column> {
    let relative = o.width.is_some();
    let cells = |f: &dyn Fn(&Offer) -> String| offers.iter().map(f).collect::<Vec<_>>();
    if let Some(names) = &o.columns {
        return names
            .iter()
            .filter_map(|n| super::fields::FIELDS.iter().find(|(f, _)| f == n))
            .map(|(name, get)| {
                Column::new(
                    &name.to_ascii_uppercase(),
                    false,
                    Fit::Keep,
                    cells(&|x| clean(&get(x))),
                )
            })
            .collect();
    }
    let shrink = |n| if o.wide { Fit::Keep } else { Fit::Shrink(n) };
    let mut cols = vec![
        Column::new("PROVIDER", false, Fit::Keep, cells(&|x| x.provider.clone())),
        Column::new("GPU", false, shrink(9), cells(&|x| clean(&x.gpu_label()))),
        Column::new("N", true, Fit::Keep, cells(&|x| x.gpu_count.to_string())),
        Column::new(
            "$/GPU-H",
            true,
            Fit::Keep,
            cells(&|x| money(x.price_per_gpu_hour_usd)),
        ),
        Column::new(
            "$/H",
            true,
            Fit::Keep,
            cells(&|x| money(x.price_per_hour_usd)),
        ),
    ];
    if let Some(extra) = o.extra {
        let (header, get): (&str, fn(&Offer) -> Option<f64>) = match extra {
            Extra::Bf16Value => ("$/PFLOP-H", |x| x.value.usd_per_bf16_pflop_hour),
            Extra::BandwidthValue => ("$/TBS-H", |x| x.value.usd_per_tbs_hour),
        };
        cols.push(Column::new(
            header,
            true,
            Fit::Keep,
            cells(&|x| get(x).map(money).unwrap_or_else(|| "-".to_string())),
        ));
    }
    cols.extend([
        Column::new("VCPU", true, Fit::Drop(2), cells(&|x| opt(x.vcpus))),
        Column::new(
            "RAM GB",
            true,
            Fit::Drop(1),
            cells(&|x| opt(x.memory_gb.map(|m| m.round()))),
        ),
        Column::new("REGION", false, shrink(6), cells(&|x| clean(&x.region))),
        Column::new(
            "CC",
            false,
            // The last to go, after the region and GPU label were cut: a value column
            // (`--sort value`) needs its room at 80 columns.
            Fit::Drop(4),
            cells(&|x| x.country.as_deref().unwrap_or("-").to_string()),
        ),
        Column::new(
            "TYPE",
            false,
            Fit::Keep,
            cells(&|x| if x.spot { "spot" } else { "on-demand" }.to_string()),
        ),
        Column::new("AVAIL", false, Fit::DropIfUnknown(3), cells(&availability)),
        Column::new(
            "SOURCE",
            false,
            Fit::Keep,
            cells(&|x| source(x, relative, o.wide)),
        ),
    ]);
    if o.wide {
        cols.push(Column::new(
            "OFFER ID",
            false,
            Fit::Keep,
            cells(&|x| clean(&x.offer_id)),
        ));
    }
    cols
}

/// Fit the columns into `width`: leave out the optional ones, lowest rank first, then cut the
/// shrinkable ones (region, then GPU label) with `…`. What still does not fit is left to the
/// terminal: a cell is never wrapped.
fn fit(cols: &mut Vec<Column>, width: usize) {
    let needed = |cols: &[Column]| -> usize {
        cols.iter()
            .map(|c| c.width() + 2)
            .sum::<usize>()
            .saturating_sub(2)
    };
    for rank in 1..=3 {
        if needed(cols) <= width {
            return;
        }
        cols.retain(|c| match c.fit {
            Fit::Drop(r) => r != rank,
            Fit::DropIfUnknown(r) => r != rank || c.cells.iter().any(|v| v != "?"),
            _ => true,
        });
    }
    for header in ["REGION", "GPU"] {
        let over = needed(cols).saturating_sub(width);
        if over == 0 {
            return;
        }
        let Some(col) = cols.iter_mut().find(|c| c.header == header) else {
            continue;
        };
        let Fit::Shrink(min) = col.fit else {
            continue;
        };
        let target = col.width().saturating_sub(over).max(min);
        for cell in &mut col.cells {
            if cell.chars().count() > target {
                let cut: String = cell.chars().take(target.saturating_sub(1)).collect();
                *cell = format!("{cut}…");
            }
        }
    }
    if needed(cols) > width {
        cols.retain(|c| c.fit != Fit::Drop(4));
    }
}

/// Render rows with the default options and a width.
#[cfg(test)]
pub fn render(offers: &[Offer], width: Option<u16>) -> String {
    render_with(
        offers,
        &Options {
            width,
            ..Options::default()
        },
        true,
    )
}

pub fn render_with(offers: &[Offer], options: &Options, header: bool) -> String {
    let mut cols = columns(offers, options);
    if let Some(w) = options.width {
        fit(&mut cols, usize::from(w));
    }
    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    if header {
        table.set_header(cols.iter().map(|c| c.header.clone()).collect::<Vec<_>>());
    }
    // Never wrap cells: an offer id split over lines cannot be copied.
    table.set_content_arrangement(ContentArrangement::Disabled);
    for i in 0..offers.len() {
        table.add_row(cols.iter().map(|c| c.cells[i].clone()).collect::<Vec<_>>());
    }
    for (pos, c) in cols.iter().enumerate() {
        if let Some(col) = table.column_mut(pos) {
            if c.right {
                col.set_cell_alignment(CellAlignment::Right);
            }
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
        assert!(lines[1].contains("lambda") && lines[1].contains("catalog"));
        let wide = render_with(
            &rows,
            &Options {
                wide: true,
                ..Options::default()
            },
            true,
        );
        assert!(
            wide.contains("OFFER ID") && wide.contains("catalog ~2026-"),
            "{wide}"
        );
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
        let narrow = render(&rows, Some(78));
        let header = narrow.lines().next().unwrap();
        assert!(
            !header.contains("RAM GB") && !header.contains("VCPU"),
            "{header}"
        );
        assert!(header.contains("$/GPU-H") && header.contains("SOURCE"));
        // At 80 columns every line fits, the region and GPU label cut if need be.
        let eighty = render(&rows, Some(80));
        assert!(eighty.lines().all(|l| l.chars().count() <= 80), "{eighty}");
    }

    #[test]
    fn money_has_sensible_precision() {
        assert_eq!(money(0.345), "0.345");
        assert_eq!(money(31.92), "31.92");
    }
}
