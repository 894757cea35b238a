//! `gpu ls`: the core lists what this tool launched, on every provider; this prints it as a
//! table, CSV, TSV, ids or JSON, then what needs attention.

use std::time::SystemTime;

use crate::cli::{Format, LsArgs};
use crate::commands::providers::ignore_broken_pipe;
use crate::config::Config;
use crate::core::instances::{self, ListRequest, Listed};
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::lifecycle::reconcile as fleet;
use crate::output;
use crate::ui::Ui;

pub async fn run(args: LsArgs, config: &Config, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    let request = ListRequest {
        history: args.history,
    };
    let listing = instances::list(&request, config, env, ui).await?;
    let rows = &listing.rows;
    let text = match args.output.format() {
        Format::Json => output::json_text(&rows, args.output.jq.as_deref())?,
        Format::Csv | Format::Tsv => {
            let mut w = crate::output::writer(args.output.format(), !args.output.no_header);
            // The header always, even with no rows: a script reads the same columns either way.
            if !args.output.no_header {
                w.write_record([
                    "id",
                    "name",
                    "state",
                    "gpu",
                    "region",
                    "price_per_hour_usd",
                    "cost_so_far_usd",
                    "deadline",
                    "ledger",
                    "owner",
                ])
                .map_err(|e| CliError::failure(e.to_string()))?;
            }
            for r in rows {
                w.write_record([
                    r.id.as_str(),
                    &r.name,
                    &r.state,
                    &r.gpu.clone().unwrap_or_default(),
                    &r.region.clone().unwrap_or_default(),
                    &r.price_per_hour_usd
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                    &r.cost_so_far_usd.map(|p| p.to_string()).unwrap_or_default(),
                    &r.deadline.clone().unwrap_or_default(),
                    &r.ledger,
                    &r.owner.clone().unwrap_or_default(),
                ])
                .map_err(|e| CliError::failure(e.to_string()))?;
            }
            String::from_utf8(
                w.into_inner()
                    .map_err(|e| CliError::failure(e.to_string()))?,
            )
            .map_err(|e| CliError::failure(e.to_string()))?
        }
        Format::Id => rows.iter().map(|r| format!("{}\n", r.id)).collect(),
        Format::Table if rows.is_empty() => String::new(),
        Format::Table => table(rows),
    };
    let text = output::without_header(
        text,
        args.output.no_header && args.output.format() == Format::Table,
    );
    output::write_stdout(&text).or_else(ignore_broken_pipe)?;
    Ok(listing.finish(args.output.format() == Format::Json, config, env, ui))
}

fn table(rows: &[Listed]) -> String {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING);
    t.set_header([
        "ID", "NAME", "GPU", "REGION", "STATE", "$/H", "UP", "COST", "TTL", "OWNER", "SSH",
        "LEDGER",
    ]);
    let now = SystemTime::now();
    for r in rows {
        let ttl = match (&r.deadline, r.overdue) {
            (Some(_), true) => "OVERDUE".to_string(),
            (Some(d), false) => humantime::parse_rfc3339(d)
                .ok()
                .and_then(|d| d.duration_since(now).ok())
                .map(fleet::short_duration)
                .unwrap_or_else(|| "-".into()),
            (None, _) => "-".to_string(),
        };
        t.add_row([
            r.id.clone(),
            r.name.clone(),
            match (&r.gpu, r.gpu_count) {
                (Some(g), Some(n)) => format!("{n}x {g}"),
                (Some(g), None) => g.clone(),
                _ => "-".into(),
            },
            r.region.clone().unwrap_or_else(|| "-".into()),
            r.state.clone(),
            r.price_per_hour_usd
                .map(|p| format!("{p:.2}"))
                .unwrap_or_else(|| "-".into()),
            r.running_seconds
                .map(|s| fleet::short_duration(std::time::Duration::from_secs(s)))
                .unwrap_or_else(|| "-".into()),
            r.cost_so_far_usd
                .map(|c| format!("${c:.2}"))
                .unwrap_or_else(|| "-".into()),
            ttl,
            match (&r.owner, r.mine) {
                (_, true) => "me".to_string(),
                (Some(o), false) => o.clone(),
                (None, false) => "not gpu".to_string(),
            },
            r.ssh_command.clone().unwrap_or_else(|| "-".into()),
            r.ledger.clone(),
        ]);
    }
    let mut s = t
        .lines()
        .map(|l| crate::output::table::tidy(&l))
        .collect::<Vec<_>>()
        .join("\n");
    s.push('\n');
    crate::ui::clean(&s)
}
