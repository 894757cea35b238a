//! `gpu gpus`: the GPU names `--gpu` accepts, with memory and data-sheet figures.

use gpu_providers::{gpu, specs};
use serde::Serialize;

use crate::cli::{Format, OutputArgs};
use crate::commands::providers::ignore_broken_pipe;
use crate::exit::{CliError, Status};
use crate::output;

#[derive(Debug, Serialize)]
struct Row {
    gpu: &'static str,
    variant: Option<String>,
    memory_gb: Option<f64>,
    bf16_tflops: Option<f64>,
    bandwidth_tbs: Option<f64>,
}

fn rows() -> Vec<Row> {
    let table = specs::all();
    let mut out = Vec::new();
    for family in gpu::families() {
        let listed: Vec<&specs::Spec> = table.iter().filter(|s| s.gpu == family).collect();
        if listed.is_empty() {
            out.push(Row {
                gpu: family,
                variant: None,
                memory_gb: gpu::default_memory(family),
                bf16_tflops: None,
                bandwidth_tbs: None,
            });
        }
        for s in listed {
            out.push(Row {
                gpu: family,
                variant: s.variant.clone(),
                memory_gb: Some(s.memory_gb),
                bf16_tflops: Some(s.bf16_tflops),
                bandwidth_tbs: Some(s.bandwidth_tbs),
            });
        }
    }
    out
}

pub fn run(out: &OutputArgs) -> Result<Status, CliError> {
    let rows = rows();
    let fail = |e: &dyn std::fmt::Display| CliError::failure(e.to_string());
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let text = match out.format() {
        Format::Json => output::json_text(&rows, out.jq.as_deref())?,
        Format::Csv | Format::Tsv => {
            let mut w = output::writer(out.format(), !out.no_header);
            for r in &rows {
                w.serialize(r).map_err(|e| fail(&e))?;
            }
            String::from_utf8(w.into_inner().map_err(|e| fail(&e))?).map_err(|e| fail(&e))?
        }
        Format::Id => {
            let mut names: Vec<&str> = rows.iter().map(|r| r.gpu).collect();
            names.dedup();
            names.iter().map(|n| format!("{n}\n")).collect()
        }
        Format::Table => {
            let mut t = comfy_table::Table::new();
            t.load_style(comfy_table::presets::NOTHING);
            t.set_header(["GPU", "VARIANT", "MEMORY GB", "BF16 TFLOPS", "TB/S"]);
            for r in &rows {
                let dash = |s: String| if s.is_empty() { "-".to_string() } else { s };
                t.add_row([
                    r.gpu.to_string(),
                    dash(r.variant.clone().unwrap_or_default()),
                    dash(opt(r.memory_gb)),
                    dash(opt(r.bf16_tflops)),
                    dash(opt(r.bandwidth_tbs)),
                ]);
            }
            let mut s = t
                .lines()
                .map(|l| output::table::tidy(&l))
                .collect::<Vec<_>>()
                .join("\n");
            s.push('\n');
            output::without_header(s, out.no_header)
        }
    };
    output::write_stdout(&text).or_else(ignore_broken_pipe)?;
    Ok(Status::Success)
}
