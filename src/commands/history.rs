//! `gpu history`: where prices are going, as a table and as one sparkline per provider.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::cli::{Format, HistoryArgs};
use crate::commands::providers::ignore_broken_pipe;
use crate::config::Config;
use crate::core::{self, history::HistoryRequest};
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::history;
use crate::output;
use crate::ui::Ui;

/// The CSV and TSV columns: [`crate::history::Day`]'s fields, in its order.
const DAY_COLUMNS: [&str; 7] = [
    "provider",
    "day",
    "lowest_per_gpu_hour_usd",
    "median_per_gpu_hour_usd",
    "offers",
    "available_offers",
    "gpu",
];

pub fn run(args: HistoryArgs, _config: &Config, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    let request = HistoryRequest {
        filter: args.filters.to_filter(),
        days: args.days,
    };
    let daily = core::history::daily(&request, env)?;
    let days = &daily.days;
    let text = match args.output.format() {
        Format::Json => output::json_text(days, args.output.jq.as_deref())?,
        Format::Csv | Format::Tsv => {
            // The header always, even with no rows: a script reads the same columns either way.
            let mut w = crate::output::writer(args.output.format(), false);
            if !args.output.no_header {
                w.write_record(DAY_COLUMNS)
                    .map_err(|e| CliError::failure(e.to_string()))?;
            }
            for d in days {
                w.serialize(d)
                    .map_err(|e| CliError::failure(e.to_string()))?;
            }
            String::from_utf8(
                w.into_inner()
                    .map_err(|e| CliError::failure(e.to_string()))?,
            )
            .map_err(|e| CliError::failure(e.to_string()))?
        }
        Format::Id => {
            return Err(CliError::usage("`gpu history` has no ids to print")
                .hint("use `--json`, `--csv` or `-o tsv`"))
        }
        Format::Table if days.is_empty() => String::new(),
        Format::Table => table(days, args.days, daily.now),
    };
    let text = output::without_header(
        text,
        args.output.no_header && args.output.format() == Format::Table,
    );
    output::write_stdout(&text).or_else(ignore_broken_pipe)?;
    let status = daily.status;
    daily.said.say(ui);
    Ok(status)
}

fn table(days: &[history::Day], span: u32, now: SystemTime) -> String {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING);
    t.set_header([
        "GPU",
        "PROVIDER",
        "DAY",
        "LOWEST $/GPU-H",
        "MEDIAN $/GPU-H",
        "OFFERS",
        "AVAILABLE",
    ]);
    for d in days {
        t.add_row([
            d.gpu.clone(),
            d.provider.clone(),
            d.day.clone(),
            format!("{:.3}", d.lowest_per_gpu_hour_usd),
            format!("{:.3}", d.median_per_gpu_hour_usd),
            d.offers.to_string(),
            d.available_offers.to_string(),
        ]);
    }
    let mut s = t
        .lines()
        .map(|l| output::table::tidy(&l))
        .collect::<Vec<_>>()
        .join("\n");
    s.push_str("\n\n");
    // One line per provider: the lowest price of each day, oldest on the left.
    let today = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    let labels: Vec<String> = (0..u64::from(span))
        .rev()
        .map(|back| {
            let day = today.saturating_sub(back);
            humantime::format_rfc3339(UNIX_EPOCH + Duration::from_secs(day * 86_400)).to_string()
                [..10]
                .to_string()
        })
        .collect();
    let mut by_provider: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    for d in days {
        let series = by_provider
            .entry(format!("{} {}", d.provider, d.gpu))
            .or_insert_with(|| vec![None; labels.len()]);
        if let Some(i) = labels.iter().position(|l| *l == d.day) {
            series[i] = Some(d.lowest_per_gpu_hour_usd);
        }
    }
    let width = by_provider.keys().map(|p| p.len()).max().unwrap_or(0);
    s.push_str(&format!(
        "lowest $/GPU-hour per day, {} to {}:\n",
        labels[0],
        labels[labels.len() - 1]
    ));
    for (p, series) in by_provider {
        let known: Vec<f64> = series.iter().flatten().copied().collect();
        let (first, last) = (
            known.first().copied().unwrap_or(0.0),
            known.last().copied().unwrap_or(0.0),
        );
        s.push_str(&format!(
            "{p:<width$}  {}  {first:.2} -> {last:.2}\n",
            history::sparkline(&series)
        ));
    }
    s
}

#[cfg(test)]
mod columns {
    /// The fixed header is `Day`'s fields, so a CSV of rows and one of none agree.
    #[test]
    fn day_columns_are_the_fields_of_day() {
        let day = crate::history::Day {
            provider: "p".into(),
            day: "2026-12-01".into(),
            lowest_per_gpu_hour_usd: 1.0,
            median_per_gpu_hour_usd: 1.0,
            offers: 1,
            available_offers: 1,
            gpu: "H100".into(),
        };
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(&day).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text.lines().next().unwrap(), super::DAY_COLUMNS.join(","));
    }
}
