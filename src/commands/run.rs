//! `gpu run`: rent as `up --wait` does, copy a tree if asked, run one command with its output
//! streamed, then release the instance and confirm the release, whatever happened to the
//! command (it failed, was interrupted, ran past `--max-time`). Each step lives in
//! `lifecycle/`; this file puts them in order and reports.

use std::time::{Duration, Instant};

use gpu_providers::{Instance, Provider};
use serde::Serialize;

use crate::cli::RunArgs;
use crate::config::Config;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::gather;
use crate::lifecycle::exec::{self, Ended};
use crate::lifecycle::guard::{self, Signal, Signals};
use crate::lifecycle::ledger::{Entry, Store};
use crate::lifecycle::remote::{self, Target};
use crate::lifecycle::rent::{self, Plan, Prepared};
use crate::lifecycle::sync::{self, Sync};
use crate::lifecycle::wait::{self, WaitError};
use crate::lifecycle::{self, launch, owner, poll_interval, reconcile::short_duration, release};
use crate::output;
use crate::ui::Ui;

/// The deadline kept at the provider when `--ttl` is not given and `--max-time` is not either.
const DEFAULT_TTL: Duration = Duration::from_secs(6 * 3600);
/// Time allowed past `--max-time` for booting, copying and releasing.
const TTL_MARGIN: Duration = Duration::from_secs(3600);

pub async fn run(args: RunArgs, config: &Config, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    let started = Instant::now();
    let started_at = gpu_providers::offer::now_rfc3339();
    // Everything the user typed is checked before anything is rented.
    let store = lifecycle::store(env)?;
    let sync = args.sync.as_deref().map(Sync::parse).transpose()?;
    let identity = crate::commands::ssh::identity(args.identity.clone(), None)?;
    let ttl = deadline(&args)?;
    let command = remote::remote_command(&args.command)
        .ok_or_else(|| CliError::usage("give the command to run after `--`"))?;
    let mut plan = match rent::prepare(&args.launch, Some(ttl), &store, config, env, ui).await {
        Ok(Prepared::Plan(p)) => *p,
        Ok(Prepared::Existing(found)) => {
            let (i, e) = *found;
            return Err(rent_failed(
                CliError::failure(format!(
                    "`{}` is already running ({}:{}); `gpu run` rents an instance of its own",
                    e.name, i.provider, i.id
                ))
                .hint(format!(
                    "pick another `--name`, or run on that one with `gpu ssh {} -- CMD`",
                    e.name
                )),
                args.json,
            ));
        }
        Err(e) => return Err(rent_failed(e, args.json)),
    };
    if args.launch.dry_run {
        return dry_run(&plan, &args, sync.as_ref(), &command, config, env, ui);
    }
    if !lifecycle::confirm::ask(&rent::question(&plan), args.launch.yes, ui).await? {
        ui.note("nothing launched");
        return Ok(Status::Failure);
    }
    let spec = plan.spec(args.json);
    let launched = launch::launch(&plan.tries, &plan.filters, &spec, &store, config, env, ui)
        .await
        .map_err(|e| rent_failed(plan.boot.mask_error(e), args.json))?;
    // From here this command handles Ctrl-C and SIGTERM itself: it releases what it rented.
    let signals = guard::take_signals();
    let launch::Launched {
        instance,
        entry,
        guard: in_flight,
    } = launched;
    drop(in_flight);
    drop(plan.lock.take());
    let (_, provider) = gather::build(&instance.provider, config, env, ui)
        .map_err(|e| CliError::failure(format!("`{}`: {}", instance.provider, e.message)))?;
    let mut job = Job {
        args: &args,
        plan: &plan,
        store: &store,
        env,
        ui,
        provider,
        signals,
        instance,
        entry,
        created: Instant::now(),
        report: Report::new(&args, started_at),
    };
    job.report.seconds.rent = started.elapsed().as_secs_f64();
    job.report.set_instance(&job.instance, &job.entry, None);
    let ended = job.work(identity, sync.as_ref(), &command).await;
    let status = job.finish(ended).await;
    job.report.seconds.total = started.elapsed().as_secs_f64();
    job.print()?;
    Ok(status)
}

/// Where the work stopped, before the release.
#[derive(Debug, Clone)]
enum Stop {
    Ended(Ended),
    NotReachable(String),
    SyncFailed(String),
    /// A signal before the command started.
    Interrupted(Signal),
}

struct Job<'a> {
    args: &'a RunArgs,
    plan: &'a Plan,
    store: &'a Store,
    env: &'a Env,
    ui: &'a Ui,
    provider: Box<dyn Provider>,
    signals: Signals,
    instance: Instance,
    entry: Entry,
    /// When the create answered: billing starts about here.
    created: Instant,
    report: Report,
}

impl Job<'_> {
    fn target_id(&self) -> String {
        format!("{}:{}", self.instance.provider, self.instance.id)
    }

    /// Wait, copy, run: everything between the create and the release.
    async fn work(
        &mut self,
        identity: Option<std::path::PathBuf>,
        sync: Option<&Sync>,
        command: &str,
    ) -> Stop {
        let waited = tokio::select! {
            r = wait::until_reachable(
                &self.instance.id,
                self.provider.as_ref(),
                self.args.launch.wait_timeout,
                poll_interval(self.env),
                self.env,
                self.ui,
            ) => r,
            s = self.signals.next() => return Stop::Interrupted(s),
        };
        match waited {
            Ok(i) => {
                self.instance = Instance {
                    owner: self.instance.owner.clone(),
                    deadline: self.instance.deadline,
                    ..i
                }
            }
            Err(WaitError::Timeout(_)) => {
                return Stop::NotReachable(format!(
                    "`{}` did not answer on SSH within {}",
                    self.entry.name,
                    short_duration(self.args.launch.wait_timeout)
                ))
            }
            Err(WaitError::Failed(msg)) => {
                return Stop::NotReachable(format!("`{}` failed to start: {msg}", self.entry.name))
            }
        }
        let Some(ssh) = self.instance.ssh.clone() else {
            return Stop::NotReachable("the provider gave no SSH address".into());
        };
        let name = self.entry.name.clone();
        let recorded = ssh.clone();
        if let Err(e) = self.store.update(|l| {
            if let Some(x) = l.by_name_mut(&name) {
                x.ssh = Some(recorded);
            }
        }) {
            self.ui.warn(&e.message);
        }
        let identity = identity.or_else(|| {
            self.entry
                .identity
                .as_deref()
                .map(std::path::PathBuf::from)
                .filter(|p| p.is_file())
        });
        let target = Target::new(
            &self.instance.provider,
            &self.instance.id,
            &ssh,
            identity,
            self.store.dir(),
            self.env,
        );
        self.report
            .set_instance(&self.instance, &self.entry, Some(&target));
        if let Err(e) = target.prepare() {
            return Stop::SyncFailed(format!(
                "could not create the directory of `{}`: {e}",
                target.known_hosts.display()
            ));
        }
        if let Some(s) = sync {
            let t = Instant::now();
            self.ui
                .note(&format!("copying {} to {}", s.local.display(), s.remote));
            let copied = tokio::select! {
                r = sync::copy(&target, s) => r,
                sig = self.signals.next() => return Stop::Interrupted(sig),
            };
            self.report.seconds.sync = Some(t.elapsed().as_secs_f64());
            match copied {
                Ok(bytes) => self.report.synced_bytes = Some(bytes),
                Err(e) => return Stop::SyncFailed(e),
            }
        }
        let mut line = String::new();
        if !self.plan.boot.env.is_empty() {
            // Set for the command itself too, whatever the image does with /etc/environment.
            let exports: Vec<String> = self
                .plan
                .boot
                .env
                .iter()
                .map(|(k, v)| format!("{k}={}", gpu_providers::boot::shell_quote(v)))
                .collect();
            line.push_str(&format!("export {}; ", exports.join(" ")));
        }
        if let Some(s) = sync {
            line.push_str(&format!("{} && ", s.cd()));
        }
        line.push_str(command);
        let t = Instant::now();
        let ended = exec::run(
            &target,
            &line,
            self.args.json,
            self.args.max_time,
            &mut self.signals,
        )
        .await;
        self.report.seconds.command = Some(t.elapsed().as_secs_f64());
        match ended {
            Ok(e) => Stop::Ended(e),
            Err(msg) => Stop::NotReachable(msg),
        }
    }

    /// Release (or keep) the instance and settle the exit status.
    async fn finish(&mut self, stop: Stop) -> Status {
        let ui = self.ui;
        let mut status = match &stop {
            Stop::Ended(Ended::Exited(code)) => {
                self.report.outcome = "exited";
                self.report.command_exit_code = Some(*code);
                Status::Exit(*code)
            }
            Stop::Ended(Ended::TimedOut) => {
                self.report.outcome = "timed_out";
                ui.warn(&format!(
                    "the command ran past `--max-time {}` and was stopped",
                    short_duration(self.args.max_time.unwrap_or_default())
                ));
                Status::MaxTime
            }
            Stop::Ended(Ended::Interrupted(s)) | Stop::Interrupted(s) => {
                self.report.outcome = "interrupted";
                ui.warn(&format!("interrupted ({})", s.name()));
                s.status()
            }
            Stop::NotReachable(msg) => {
                self.report.outcome = "not_reachable";
                self.report.error = Some(msg.clone());
                ui.warn(msg);
                if matches!(msg.as_str(), m if m.starts_with("could not run `ssh`")) {
                    Status::Exit(255)
                } else {
                    Status::RentFailed
                }
            }
            Stop::SyncFailed(msg) => {
                self.report.outcome = "sync_failed";
                self.report.error = Some(msg.clone());
                ui.warn(&format!("--sync: {msg}"));
                Status::SyncFailed
            }
        };
        let id = self.target_id();
        let name = self.entry.name.clone();
        let price = self.entry.price_per_hour_usd;
        if self.args.keep {
            self.report.kept = true;
            self.report.seconds.billed = self.created.elapsed().as_secs_f64();
            ui.note(&format!(
                "kept {id} (`{name}`), billing ${price:.2}/hour{}",
                self.entry
                    .deadline
                    .as_deref()
                    .map(|d| format!(" until its deadline {d}"))
                    .unwrap_or_default()
            ));
            ui.hint(&format!(
                "reach it with `gpu ssh {name}`; release it with `gpu down {name} --yes`"
            ));
            self.report.release_command = Some(format!("gpu down {id} --yes"));
            self.summary(status);
            return status;
        }
        let t = Instant::now();
        let spinner = ui.spinner(format!("releasing {id} (`{name}`)"));
        let released = tokio::select! {
            r = release::release(self.provider.as_ref(), &self.instance.id, poll_interval(self.env)) => Some(r),
            s = self.signals.next() => {
                ui.warn(&format!("{} again: stopped waiting for the release", s.name()));
                None
            }
        };
        if let Some(bar) = spinner {
            bar.finish_and_clear();
        }
        self.report.seconds.release = Some(t.elapsed().as_secs_f64());
        self.report.seconds.billed = self.created.elapsed().as_secs_f64();
        match released {
            Some(Ok(())) => {
                self.report.released = true;
                if let Err(e) = release::record(
                    self.store,
                    &name,
                    Some(&self.instance.id),
                    "released by `gpu run`",
                ) {
                    ui.warn(&format!(
                        "{}; {id} is released, but the ledger still lists it (the next `gpu ls` settles it)",
                        e.message
                    ));
                }
            }
            failed => {
                let why = match failed {
                    Some(Err(msg)) => msg,
                    _ => "the release was not confirmed".to_string(),
                };
                self.report.release_error = Some(why.clone());
                self.report.release_command = Some(format!("gpu down {id} --yes"));
                ui.warn(&format!(
                    "could not release {id} (`{name}`): {why}; it may still be running and billing ${price:.2}/hour"
                ));
                ui.hint(&format!(
                    "release it with: gpu down {id} --yes (or in the provider's console)"
                ));
                status = Status::ReleaseFailed;
            }
        }
        self.summary(status);
        status
    }

    /// One stderr line: what ran where, for how long, what it cost.
    fn summary(&mut self, status: Status) {
        let billed = Duration::from_secs_f64(self.report.seconds.billed.max(0.0));
        let cost = self.entry.price_per_hour_usd * billed.as_secs_f64() / 3600.0;
        self.report.cost_usd = (cost * 10_000.0).round() / 10_000.0;
        self.report.exit_code = status.code();
        let shown = remote::quoted(&self.args.command);
        let ran = match (self.report.outcome, self.report.command_exit_code) {
            ("exited", Some(c)) => format!(
                "ran `{shown}` for {}, exit {c}",
                short_duration(Duration::from_secs_f64(
                    self.report.seconds.command.unwrap_or(0.0)
                ))
            ),
            ("timed_out", _) => format!("`{shown}` hit --max-time"),
            ("interrupted", _) => format!("`{shown}` was interrupted"),
            _ => format!("`{shown}` did not run"),
        };
        let end = if self.report.kept {
            "kept running".to_string()
        } else if self.report.released {
            "released".to_string()
        } else {
            "NOT RELEASED".to_string()
        };
        self.ui.note(&format!(
            "{ran} on {} (`{}`, {}x {} in {}); rented {} at ${:.2}/hour, about ${:.2}; {end}",
            self.target_id(),
            self.entry.name,
            self.entry.gpu_count,
            self.entry.gpu,
            self.entry.region,
            short_duration(billed),
            self.entry.price_per_hour_usd,
            cost
        ));
    }

    fn print(&self) -> Result<(), CliError> {
        if !self.args.json {
            return Ok(());
        }
        let mut s = serde_json::to_string_pretty(&self.report)
            .map_err(|e| CliError::failure(e.to_string()))?;
        s.push('\n');
        output::write_stdout(&s).or_else(crate::commands::providers::ignore_broken_pipe)
    }
}

/// `--ttl`, else `--max-time` plus an hour, else six hours; never shorter than `--max-time`.
fn deadline(args: &RunArgs) -> Result<Duration, CliError> {
    match (args.launch.ttl, args.max_time) {
        (Some(ttl), Some(max)) if ttl < max => Err(CliError::usage(format!(
            "`--ttl {}` is shorter than `--max-time {}`: the provider would end the instance first",
            short_duration(ttl),
            short_duration(max)
        ))
        .hint("make `--ttl` longer than `--max-time`, with time to boot and copy")),
        (Some(ttl), _) => Ok(ttl),
        (None, Some(max)) => Ok(max + TTL_MARGIN),
        (None, None) => Ok(DEFAULT_TTL),
    }
}

/// A renting failure exits 125 (usage errors keep 2); with `--json` the one object says so.
fn rent_failed(mut e: CliError, json: bool) -> CliError {
    if e.status != Status::Usage {
        e.status = Status::RentFailed;
    }
    if json {
        let v = serde_json::json!({
            "outcome": "rent_failed",
            "exit_code": e.status.code(),
            "error": e.message,
            "instance": null,
            "released": false,
        });
        if let Ok(mut s) = serde_json::to_string_pretty(&v) {
            s.push('\n');
            let _ = output::write_stdout(&s);
        }
    }
    e
}

fn dry_run(
    plan: &Plan,
    args: &RunArgs,
    sync: Option<&Sync>,
    command: &str,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
    let mut lines = Vec::new();
    let mut fields = serde_json::Map::new();
    lines.push(format!(
        "then: wait up to {} for SSH",
        short_duration(args.launch.wait_timeout)
    ));
    if let Some(s) = sync {
        lines.push(format!(
            "then: copy {} to `{}` on the instance",
            s.local.display(),
            s.remote
        ));
        fields.insert(
            "sync".into(),
            serde_json::json!({"local": s.local.display().to_string(), "remote": s.remote}),
        );
    }
    lines.push(format!(
        "then: run {}{}",
        remote::quoted(&args.command),
        args.max_time
            .map(|m| format!(" (stopped after {})", short_duration(m)))
            .unwrap_or_default()
    ));
    lines.push(if args.keep {
        "then: keep the instance (`--keep`)".to_string()
    } else {
        "then: release the instance and confirm the release".to_string()
    });
    fields.insert("command".into(), serde_json::json!(args.command));
    fields.insert("remote_command".into(), serde_json::json!(command));
    fields.insert(
        "max_time_seconds".into(),
        serde_json::json!(args.max_time.map(|m| m.as_secs())),
    );
    fields.insert("keep".into(), serde_json::json!(args.keep));
    rent::dry_run(plan, "run", args.json, (&lines, fields), config, env, ui)
}

/// What `gpu run --json` prints: one object.
#[derive(Debug, Serialize)]
struct Report {
    /// `exited`, `timed_out`, `interrupted`, `not_reachable` or `sync_failed`.
    outcome: &'static str,
    /// `gpu run`'s own exit code (see `gpu run --help`).
    exit_code: u8,
    /// The command's exit code, when it ran to its end.
    command_exit_code: Option<u8>,
    command: Vec<String>,
    instance: Option<InstanceView>,
    released: bool,
    kept: bool,
    release_error: Option<String>,
    /// How to release it, when it was kept or its release failed.
    release_command: Option<String>,
    error: Option<String>,
    started_at: String,
    seconds: Seconds,
    synced_bytes: Option<u64>,
    /// The instance's price per hour times the time from create to confirmed release: an
    /// estimate of the bill (providers round to their own billing unit).
    cost_usd: f64,
}

#[derive(Debug, Default, Serialize)]
struct Seconds {
    /// From start to created.
    rent: f64,
    sync: Option<f64>,
    command: Option<f64>,
    release: Option<f64>,
    /// From create to confirmed release (or to now, when kept).
    billed: f64,
    total: f64,
}

#[derive(Debug, Serialize)]
struct InstanceView {
    id: String,
    provider: String,
    instance_id: String,
    name: String,
    offer_id: String,
    gpu: String,
    gpu_count: u32,
    region: String,
    price_per_hour_usd: f64,
    host: Option<String>,
    port: Option<u16>,
    user: Option<String>,
    deadline: Option<String>,
    owner: Option<String>,
}

impl Report {
    fn new(args: &RunArgs, started_at: String) -> Report {
        Report {
            outcome: "not_reachable",
            exit_code: 0,
            command_exit_code: None,
            command: args.command.clone(),
            instance: None,
            released: false,
            kept: false,
            release_error: None,
            release_command: None,
            error: None,
            started_at,
            seconds: Seconds::default(),
            synced_bytes: None,
            cost_usd: 0.0,
        }
    }

    fn set_instance(&mut self, i: &Instance, e: &Entry, t: Option<&Target>) {
        self.instance = Some(InstanceView {
            id: format!("{}:{}", i.provider, i.id),
            provider: i.provider.clone(),
            instance_id: i.id.clone(),
            name: e.name.clone(),
            offer_id: e.offer_id.clone(),
            gpu: e.gpu.clone(),
            gpu_count: e.gpu_count,
            region: e.region.clone(),
            price_per_hour_usd: e.price_per_hour_usd,
            host: t.map(|t| t.ssh.host.clone()),
            port: t.map(|t| t.ssh.port),
            user: t.map(|t| t.ssh.user.clone()),
            deadline: e.deadline.clone().or(i.deadline.map(owner::rfc3339)),
            owner: i.owner.clone().or(e.owner.clone()),
        });
    }
}
