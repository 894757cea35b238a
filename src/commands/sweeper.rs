//! `gpu sweeper`: `install` puts `gpu down --expired --yes` on a scheduler; `status` says what
//! is installed here. The files and the scheduler calls live in `crate::sweeper`.

use serde_json::json;

use crate::cli::{Format, SweeperCommand, SweeperInstallArgs};
use crate::config::Config;
use crate::env::{self, Env};
use crate::exit::{CliError, Status};
use crate::lifecycle;
use crate::output;
use crate::sweeper::{self, Job, Kind};
use crate::ui::Ui;

pub fn run(cmd: SweeperCommand, config: &Config, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    match cmd {
        SweeperCommand::Install(args) => install(&args, config, env, ui),
        SweeperCommand::Status { output: out } => {
            let store = lifecycle::store(env)?;
            let all = sweeper::status(store.dir());
            let text = match out.format() {
                Format::Json => output::json_text(&all, out.jq.as_deref())?,
                _ => all
                    .iter()
                    .map(|s| {
                        format!(
                            "{:<8} {}{}\n",
                            format!("{:?}", s.kind).to_lowercase(),
                            if s.installed {
                                s.path.clone().unwrap_or_default()
                            } else {
                                "not installed".to_string()
                            },
                            s.state
                                .as_ref()
                                .map(|st| format!(" ({st})"))
                                .unwrap_or_default()
                        )
                    })
                    .collect(),
            };
            output::write_stdout(&text).or_else(crate::commands::providers::ignore_broken_pipe)?;
            if !all.iter().any(|s| s.installed) {
                ui.note("no sweeper is installed here: `gpu sweeper install --systemd` (or `--cron`, `--launchd`, `--github`) puts one on a schedule");
            }
            Ok(Status::Success)
        }
    }
}

fn install(
    args: &SweeperInstallArgs,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
    let kind = match (&args.github, args.systemd, args.cron, args.launchd) {
        (Some(_), ..) => Kind::Github,
        (_, true, ..) => Kind::Systemd,
        (_, _, true, _) => Kind::Cron,
        _ => Kind::Launchd,
    };
    let store = lifecycle::store(env)?;
    let exe = std::env::current_exe()
        .map_err(|e| CliError::failure("cannot tell where this `gpu` is").cause(e))?;
    // The scheduler's `gpu` must read what this one reads: its config and data directory.
    let mut vars = Vec::new();
    let config_path = env
        .get(env::CONFIG)
        .map(std::path::PathBuf::from)
        .or_else(|| (config.path.exists()).then(|| config.path.clone()));
    if let Some(p) = config_path {
        vars.push((env::CONFIG.to_string(), absolute(&p)));
    }
    if let Some(d) = env.get(env::DATA_DIR) {
        vars.push((env::DATA_DIR.to_string(), absolute(std::path::Path::new(d))));
    }
    let job = Job {
        exe,
        env: vars,
        log: store.dir().join("sweeper.log"),
        secrets: sweeper::key_variables(),
        repo: args
            .from
            .clone()
            .or_else(|| env.get("GPU_REPO").map(str::to_string)),
    };
    if kind != Kind::Github {
        sweeper::check_value("this gpu's path", &job.exe.display().to_string())?;
        sweeper::check_value("the sweeper's log", &job.log.display().to_string())?;
        for (k, v) in &job.env {
            sweeper::check_value(&format!("`{k}`"), v)?;
        }
    }
    if let Some(url) = &job.repo {
        // `https://user:token@host/...` would be committed with the workflow.
        let credentials = url
            .split_once("://")
            .is_some_and(|(_, rest)| rest.split('/').next().is_some_and(|h| h.contains('@')));
        if credentials || url.contains(['\n', '\r']) {
            return Err(CliError::usage(
                "`--from` must be a git URL without credentials in it: the workflow is committed to the repository",
            ));
        }
    }
    let done = sweeper::install(kind, &job, args.github.as_deref(), !args.no_enable)?;
    sweeper::record(store.dir(), &done.installed)?;
    if args.json {
        let text = output::json_text(
            &json!({
                "kind": done.installed.kind,
                "path": done.installed.path,
                "scheduled": done.installed.scheduled,
                "files": done.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
                "next": done.next,
            }),
            None,
        )?;
        output::write_stdout(&text).or_else(crate::commands::providers::ignore_broken_pipe)?;
    } else {
        let mut text = String::new();
        for f in &done.files {
            text.push_str(&format!("wrote {}\n", f.display()));
        }
        text.push_str(&format!(
            "{} sweeper: `gpu down --expired --yes` every {} minutes{}\n",
            kind.flag().trim_start_matches("--"),
            sweeper::EVERY_MINUTES,
            if done.installed.scheduled {
                ", scheduled"
            } else {
                ", not scheduled yet"
            }
        ));
        output::write_stdout(&text).or_else(crate::commands::providers::ignore_broken_pipe)?;
    }
    for n in &done.next {
        ui.note(n);
    }
    Ok(Status::Success)
}

fn absolute(p: &std::path::Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}
