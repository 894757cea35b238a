//! `gpu history`: where prices are going, as a table and as one sparkline per provider.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gpu_providers::Offer;

use crate::cli::{Format, HistoryArgs};
use crate::commands::providers::ignore_broken_pipe;
use crate::config::Config;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::history::{self, History};
use crate::output;
use crate::rank::Filters;
use crate::ui::Ui;

fn data_dir(env: &Env) -> Result<std::path::PathBuf, CliError> {
    crate::lifecycle::ledger::Store::default_dir(env.get(crate::env::DATA_DIR)).ok_or_else(|| {
        CliError::failure("no data directory is known on this system").hint("set `GPU_DATA_DIR`")
    })
}

fn retention(config: &Config) -> f64 {
    config
        .history_days
        .unwrap_or(history::DEFAULT_RETENTION_DAYS)
}

/// Record the live offers of a `gpu find`. History is a convenience: failing to record it is
/// a debug line, never an error.
pub fn record(offers: &[Offer], config: &Config, env: &Env, ui: &Ui) {
    let days = retention(config);
    if days <= 0.0
        || !offers
            .iter()
            .any(|o| o.source == gpu_providers::Source::Live)
    {
        return;
    }
    let result = data_dir(env)
        .and_then(|d| History::open(&d))
        .and_then(|mut h| {
            h.record(
                offers,
                SystemTime::now(),
                Duration::from_secs_f64(days * 86_400.0),
            )
            .map_err(|e| CliError::failure("could not record the price history").cause(e))
        });
    if let Err(e) = result {
        if ui.verbose {
            ui.debug(&e.message);
        }
    }
}

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
    let dir = data_dir(env)?;
    crate::rank::check_gpu_names(&args.filters)?;
    let filters = Filters::from_args(&args.filters);
    let now = SystemTime::now();
    let recorded = History::path(&dir).exists();
    let days = if recorded {
        History::open(&dir)?
            .daily(&filters, args.days, now)
            .map_err(|e| CliError::failure("could not read the price history").cause(e))?
    } else {
        Vec::new()
    };
    let text = match args.output.format() {
        Format::Json => output::json_text(&days, args.output.jq.as_deref())?,
        Format::Csv | Format::Tsv => {
            // The header always, even with no rows: a script reads the same columns either way.
            let mut w = crate::output::writer(args.output.format(), false);
            if !args.output.no_header {
                w.write_record(DAY_COLUMNS)
                    .map_err(|e| CliError::failure(e.to_string()))?;
            }
            for d in &days {
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
        Format::Table => table(&days, args.days, now),
    };
    let text = output::without_header(
        text,
        args.output.no_header && args.output.format() == Format::Table,
    );
    output::write_stdout(&text).or_else(ignore_broken_pipe)?;
    if !recorded {
        ui.note("no price history yet: every `gpu find` that gets live answers adds to it");
        return Ok(Status::NoMatch);
    }
    if days.is_empty() {
        ui.note("no recorded offer matches these filters in that period");
        return Ok(Status::NoMatch);
    }
    Ok(Status::Success)
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
