//! `gpu ls`: what this tool launched, on every provider, what it costs, what needs attention.

use std::time::SystemTime;

use serde::Serialize;

use crate::cli::{Format, LsArgs};
use crate::commands::providers::ignore_broken_pipe;
use crate::config::Config;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::lifecycle::reconcile::{self as fleet, Note, Row};
use crate::lifecycle::{self, owner};
use crate::notes::{Notes, Rank};
use crate::output;
use crate::ui::Ui;

#[derive(Debug, Serialize)]
pub struct Listed {
    pub id: String,
    pub provider: String,
    pub instance_id: Option<String>,
    pub name: String,
    pub state: String,
    pub gpu: Option<String>,
    pub gpu_count: Option<u32>,
    pub region: Option<String>,
    pub price_per_hour_usd: Option<f64>,
    pub running_seconds: Option<u64>,
    pub cost_so_far_usd: Option<f64>,
    /// RFC 3339, as kept at the provider (else as the ledger recorded it).
    pub deadline: Option<String>,
    pub overdue: bool,
    /// The owner id the instance carries at the provider; null when `gpu` did not create it.
    pub owner: Option<String>,
    /// Launched with this machine's owner id.
    pub mine: bool,
    /// The launcher id of the data directory that created it, as kept at the provider.
    pub launcher: Option<String>,
    pub ssh_command: Option<String>,
    /// `tracked`; `launching` (a create still in flight); `missing` (in the ledger, not listed
    /// lately: not yet proven gone, still counted as billing); `orphan` (this owner's, not in
    /// the ledger, launched here); `team` (this owner's, launched by another machine);
    /// `foreign` (another owner's); `not gpu` (named `gpu-*` but not created by
    /// `gpu`); `gone`; `not created`; `unreachable`.
    pub ledger: String,
    pub labels: std::collections::BTreeMap<String, String>,
}

fn listed(row: &Row, now: SystemTime, mine: Option<&str>) -> Listed {
    let running = row.running_for(now);
    let price = row.price();
    let state = match (&row.note, &row.instance) {
        (Note::Unreachable(_) | Note::Missing, _) => "unknown".to_string(),
        (Note::Launching, _) => "launching".to_string(),
        (Note::Gone, _) => "gone".to_string(),
        (Note::NotCreated, _) => "not created".to_string(),
        (_, Some(i)) => i.status.to_ascii_lowercase(),
        (_, None) => "unknown".to_string(),
    };
    Listed {
        id: row.id(),
        provider: row.provider.clone(),
        instance_id: row.instance_id(),
        name: row.name(),
        state,
        gpu: row
            .entry
            .as_ref()
            .map(|e| e.gpu.clone())
            .or_else(|| row.instance.as_ref().and_then(|i| i.gpu.clone())),
        gpu_count: row
            .entry
            .as_ref()
            .map(|e| e.gpu_count)
            .or_else(|| row.instance.as_ref().and_then(|i| i.gpu_count)),
        region: row
            .instance
            .as_ref()
            .and_then(|i| i.region.clone())
            .or_else(|| row.entry.as_ref().map(|e| e.region.clone())),
        price_per_hour_usd: price,
        running_seconds: running.map(|d| d.as_secs()),
        cost_so_far_usd: match (running, price) {
            (Some(d), Some(p)) if row.may_bill() => {
                Some((d.as_secs_f64() / 3600.0 * p * 100.0).round() / 100.0)
            }
            _ => None,
        },
        deadline: row.deadline().map(owner::rfc3339),
        overdue: row.overdue(now),
        owner: row.owner_id(),
        mine: row.owner_id().is_some_and(|o| Some(o.as_str()) == mine)
            || (row.entry.is_some() && row.owner_id().is_none()),
        launcher: row.instance.as_ref().and_then(|i| i.launcher.clone()),
        ssh_command: row
            .instance
            .as_ref()
            .and_then(|i| i.ssh.as_ref())
            .or_else(|| row.entry.as_ref().and_then(|e| e.ssh.as_ref()))
            .map(|s| s.command()),
        ledger: match &row.note {
            Note::Tracked => "tracked",
            Note::Launching => "launching",
            Note::Missing => "missing",
            Note::Orphan => "orphan",
            Note::Team => "team",
            Note::Foreign(_) => "foreign",
            Note::NotGpu => "not gpu",
            Note::Gone => "gone",
            Note::NotCreated => "not created",
            Note::Unreachable(_) => "unreachable",
        }
        .to_string(),
        labels: row
            .entry
            .as_ref()
            .map(|e| e.labels.clone())
            .unwrap_or_default(),
    }
}

pub async fn run(args: LsArgs, config: &Config, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    let store = lifecycle::store(env)?;
    let fleet = fleet::survey(config, env, ui, &store).await?;
    fleet.warn_ledger(ui);
    fleet.warn_unreadable(ui);
    fleet.note_clocks(ui);
    let now = SystemTime::now();
    let mine = owner::known(config, env, &store);
    let mut rows: Vec<Listed> = fleet
        .rows
        .iter()
        .map(|r| listed(r, now, mine.as_deref()))
        .collect();
    if args.history {
        let ledger = store.read().unwrap_or_default();
        for e in ledger.entries.iter().filter(|e| !e.status.is_open()) {
            if rows
                .iter()
                .any(|r| r.name == e.name && r.provider == e.provider)
            {
                continue;
            }
            rows.push(Listed {
                id: format!(
                    "{}:{}",
                    e.provider,
                    e.instance_id.clone().unwrap_or_else(|| "-".into())
                ),
                provider: e.provider.clone(),
                instance_id: e.instance_id.clone(),
                name: e.name.clone(),
                state: format!("{:?}", e.status).to_ascii_lowercase(),
                gpu: Some(e.gpu.clone()),
                gpu_count: Some(e.gpu_count),
                region: Some(e.region.clone()),
                price_per_hour_usd: Some(e.price_per_hour_usd),
                running_seconds: None,
                cost_so_far_usd: None,
                deadline: e.deadline.clone(),
                overdue: false,
                owner: e.owner.clone(),
                mine: true,
                launcher: None,
                ssh_command: None,
                ledger: "history".into(),
                labels: e.labels.clone(),
            });
        }
    }
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
            for r in &rows {
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
        Format::Table => table(&rows),
    };
    let text = output::without_header(
        text,
        args.output.no_header && args.output.format() == Format::Table,
    );
    output::write_stdout(&text).or_else(ignore_broken_pipe)?;
    let mut notes = Notes::new();
    if rows.is_empty() {
        let none = "no instances launched by `gpu` are running";
        notes.add(Rank::Answer, none, none);
    }
    let orphans = rows.iter().filter(|r| r.ledger == "orphan").count();
    if orphans > 0 {
        ui.warn(&format!("{orphans} instance(s) of this owner are not in the ledger; `gpu down --orphans` releases them"));
    }
    let team = rows.iter().filter(|r| r.ledger == "team").count();
    if team > 0 {
        notes.add(
            Rank::Source,
            format!("{team} launched by another machine (`team`)"),
            format!("{team} instance(s) of this owner were launched by another machine (`team`): `gpu down --expired` releases them once they are past their deadline, `gpu down ID` before"),
        );
    }
    let missing = rows.iter().filter(|r| r.ledger == "missing").count();
    if missing > 0 {
        ui.warn(&format!("{missing} instance(s) in the ledger are not listed by their provider yet; they count as billing until the provider has gone on not listing them for {}", fleet::short_duration(lifecycle::absence_grace(config, env))));
    }
    lifecycle::say_if_no_sweeper(
        rows.iter()
            .filter(|r| r.mine && r.deadline.is_some() && r.ledger != "history")
            .map(|r| r.provider.as_str()),
        &store,
        ui,
    );
    let overdue = rows.iter().filter(|r| r.overdue).count();
    if overdue > 0 {
        ui.warn(&format!("{overdue} instance(s) are past their `--ttl` deadline; `gpu down --expired` releases them"));
    }
    for e in &fleet.not_listable {
        notes.add(
            Rank::Aside,
            format!("`{}` not listed", e.provider),
            format!("`{}` not listed: {}", e.provider, e.message),
        );
    }
    notes.print(
        ui,
        args.output.format() == Format::Json,
        output::table_width(env),
    );
    let mut status = Status::Success;
    for e in &fleet.failures {
        ui.warn(&format!("could not list `{}`: {}", e.provider, e.message));
        status = status.worst(if e.kind == gpu_providers::ErrorKind::Auth {
            ui.hint(&lifecycle::key_hint(e.provider, config));
            Status::Auth
        } else {
            Status::Partial
        });
    }
    Ok(status)
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
