//! `gpu config path`, `gpu config check [--live]` and `gpu config init`: make the hidden state
//! visible, and set up keys.

pub mod init;
pub mod live;

use gpu_providers::REGISTRY;

use crate::cli::ConfigCommand;
pub use crate::commands::providers::ignore_broken_pipe;
use crate::commands::providers::key_origin;
use crate::config::{self, Config};
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::output;
use crate::ui::Ui;

pub async fn run(
    cmd: ConfigCommand,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
    match cmd {
        ConfigCommand::Path => {
            if config.path.as_os_str().is_empty() {
                return Err(
                    CliError::failure("no config directory is known on this system")
                        .hint("pass a file with `--config PATH` or `GPU_CONFIG`"),
                );
            }
            output::write_stdout(&format!("{}\n", config.path.display()))
                .or_else(ignore_broken_pipe)?;
            if !config.exists {
                ui.note("the file does not exist yet; `gpu` works without it");
            }
            Ok(Status::Success)
        }
        ConfigCommand::Check(args) => check(args.live, config, env, ui).await,
        // Dispatched before the config is read (`commands::run`).
        ConfigCommand::Init(_) => Ok(Status::Success),
    }
}

async fn check(live: bool, config: &Config, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    let mut lines = Vec::new();
    if config.exists {
        lines.push(format!("config: {} (ok)", config.path.display()));
    } else {
        lines.push(format!(
            "config: {} (not present; defaults in use)",
            config.path.display()
        ));
    }
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING);
    // At a narrow terminal the base URL says only whether it was changed (and to which host).
    let narrow = crate::output::table_width(env).is_some_and(|w| w < 120);
    t.set_header(["PROVIDER", "STATUS", "KEY", "FROM", "BASE URL", "TIMEOUT"]);
    let mut problems = Vec::new();
    let mut keyed = Vec::new();
    for e in REGISTRY {
        let r = config::resolve(e, config, env, None)?;
        let (key, from) = match &r.api_key {
            Some((k, source)) => (k.masked(), key_origin(source, config)),
            None => ("-".to_string(), "-".to_string()),
        };
        let problem = config::incomplete(e, &r);
        // A setup only its own table can complete (Scaleway's euro rate) is a problem of that
        // table: with no `[providers.<id>]`, nothing was set up to be incomplete.
        let has_table = config.providers.contains_key(e.id);
        let status = if !r.enabled {
            "disabled"
        } else if e.capabilities.offers_need_key && r.api_key.is_none() {
            "catalog (no key)"
        } else if problem.is_some() && !has_table && r.api_key.is_none() {
            "catalog (opt-in)"
        } else if problem.is_some() {
            "catalog (incomplete)"
        } else {
            "live"
        };
        if has_table || r.api_key.is_some() {
            problems.extend(problem.clone());
        }
        if r.enabled && r.api_key.is_some() && problem.is_none() {
            keyed.push(e);
        }
        t.add_row([
            e.id.to_string(),
            status.to_string(),
            key,
            from,
            if narrow
                && r.base_url.trim_end_matches('/') == e.default_base_url.trim_end_matches('/')
            {
                "default".to_string()
            } else if narrow {
                let url = gpu_providers::http::redact_url(&r.base_url);
                let host = url.split("://").nth(1).unwrap_or(&url);
                host.split('/').next().unwrap_or(host).to_string()
            } else {
                gpu_providers::http::redact_url(&r.base_url)
            },
            format!("{}s", crate::gather::fmt_secs(r.timeout)),
        ]);
    }
    lines.push(String::new());
    lines.extend(t.lines().map(|l| crate::output::table::tidy(&l)));
    lines.push(String::new());
    lines.push(match config.budget {
        Some(b) => format!(
            "budget (`up`, `run`): ${:.2} per {} for every instance of this owner, on every machine (read from the providers' lists before and after each launch)",
            b.usd,
            crate::mcp::limits::span(b.window)
        ),
        None => "budget (`up`, `run`): none (`[budget] budget_usd` sets one for the whole owner)".into(),
    });
    lines.extend(crate::mcp::limits::describe(&config.agent));
    let mut status = Status::Success;
    if live {
        lines.push(String::new());
        if keyed.is_empty() {
            lines.push(
                "live: no provider has a key to check (`gpu config init` sets one up)".into(),
            );
        } else {
            lines.push("live:".into());
            let checks = keyed.iter().map(|e| live::check(e, config, env, ui));
            let verdicts = futures_util::future::join_all(checks).await;
            for v in &verdicts {
                status = status.worst(v.status());
            }
            lines.extend(live::lines(&verdicts).into_iter().map(|l| format!("  {l}")));
            for v in verdicts.iter().filter(|v| v.refused()) {
                ui.hint(&crate::lifecycle::key_hint(v.id, config));
            }
        }
    }
    let mut text = lines.join("\n");
    text.push('\n');
    output::write_stdout(&text).or_else(ignore_broken_pipe)?;
    for w in config.warnings.iter().chain(&problems) {
        ui.warn(w);
    }
    Ok(status)
}
