//! Running one command on a rented GPU: rent as [`crate::core::rent`] does, copy a tree if
//! asked, run one command with its output streamed, then release the instance and confirm the
//! release, whatever happened to the command (it failed, was interrupted, ran past
//! `max_time`). [`job`] puts the steps in order around one instance, [`report`] is what it
//! returns.
//!
//! Signals: until the question is answered, Ctrl-C stops at once (nothing exists). From the
//! moment the create request is sent, `run` handles SIGINT and SIGTERM itself: a signal
//! during the create waits for its answer and then releases what it made (a second one stops
//! waiting and says what may bill); a signal later stops the command and releases.

mod job;
pub mod report;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::core::rent::{Planned, RentRequest};
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::gather;
use crate::lifecycle::guard;
use crate::lifecycle::remote;
use crate::lifecycle::rent::{self, Plan, Prepared};
use crate::lifecycle::sync::Sync;
use crate::lifecycle::{self, launch, poll_interval, reconcile::short_duration, release};
use crate::ui::Ui;

use crate::lifecycle::detached::Ended;
use job::{Job, Stop};
pub use report::Report;

/// Rent, run one command, release.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub rent: RentRequest,
    /// `DIR[:REMOTE]`: copied to the instance before the command runs, which runs in it.
    pub sync: Option<String>,
    /// Keep the instance after the command.
    pub keep: bool,
    /// Stop the command after this long (and release).
    pub max_time: Option<Duration>,
    /// Stop the command before the run costs more than this, US dollars (price times the
    /// time since the create, by started minute), and release.
    pub max_cost: Option<f64>,
    /// `REMOTE[:LOCAL]`: copied back from the instance whenever the run ends.
    pub sync_back: Option<String>,
    /// When the provider says the instance is gone mid-command (preempted, stopped): rent
    /// again and run the command again, up to this many times.
    pub recover: u32,
    /// The private key for SSH [default: the private half of `rent.ssh_key`].
    pub identity: Option<PathBuf>,
    /// One item: a shell line; several: a program and its arguments, passed exactly.
    pub command: Vec<String>,
}

/// What [`run`] did.
pub enum RunOutcome {
    /// The command ran (or was stopped), and the instance was released or kept.
    Ran {
        report: Box<Report>,
        /// The command's own exit code, or what stopped it (see `gpu run --help`).
        status: Status,
    },
    /// `rent.dry_run`: what would be sent, and what would follow, as lines and JSON fields.
    Planned {
        planned: Planned,
        lines: Vec<String>,
        fields: serde_json::Map<String, serde_json::Value>,
    },
    /// The person said no; nothing was sent.
    Declined,
}

/// A run that ended before it had an instance to use, or on an error of this machine's.
#[derive(Debug)]
pub struct RunFailed {
    pub error: CliError,
    /// What `--json` calls it (`usage_error`, `rent_failed`, `may_be_billing`,
    /// `ledger_unwritable`); `None`: nothing is said on stdout.
    pub outcome: Option<&'static str>,
    /// How to release what may still bill.
    pub release_command: Option<String>,
}

impl RunFailed {
    fn with(error: CliError, outcome: &'static str, release_command: Option<String>) -> Self {
        RunFailed {
            error,
            outcome: Some(outcome),
            release_command,
        }
    }

    /// The one `--json` object for it, if it has one.
    pub fn json(&self) -> Option<serde_json::Value> {
        let outcome = self.outcome?;
        Some(serde_json::json!({
            "outcome": outcome,
            "exit_code": self.error.status.code(),
            "error": self.error.message,
            "instance": null,
            "released": false,
            "release_command": self.release_command,
        }))
    }
}

impl From<CliError> for RunFailed {
    fn from(error: CliError) -> Self {
        RunFailed {
            error,
            outcome: None,
            release_command: None,
        }
    }
}

/// The deadline kept at the provider when `--ttl` is not given and `--max-time` is not either.
const DEFAULT_TTL: Duration = Duration::from_secs(6 * 3600);
/// Time allowed past `--max-time` for booting, copying and releasing.
const TTL_MARGIN: Duration = Duration::from_secs(3600);

/// Rent, run `args.command`, release. `Err` when the run ended before it had an instance to
/// use (with what `--json` says of it), or an error of this machine's.
pub async fn run(
    args: &RunRequest,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<RunOutcome, RunFailed> {
    let env = &lifecycle::with_timeout(env, args.rent.timeout);
    let started = Instant::now();
    let started_at = gpu_providers::offer::now_rfc3339();
    let json = args.rent.json;
    // Everything the user typed is checked before anything is rented.
    let checked = (|| {
        let store = lifecycle::store(env)?;
        let sync = args.sync.as_deref().map(Sync::parse).transpose()?;
        let identity = crate::lifecycle::remote::identity(args.identity.clone(), None)?;
        let ttl = deadline(args)?;
        let command = remote::remote_command(&args.command)
            .ok_or_else(|| CliError::usage("give the command to run after `--`"))?;
        Ok((store, sync, identity, ttl, command))
    })();
    let (store, sync, identity, ttl, command) = checked.map_err(not_rented)?;
    let mut signals: Option<guard::Signals> = None;
    let mut attempts: Vec<report::Attempt> = Vec::new();
    let mut rent_request = args.rent.clone();
    let mut base_name: Option<String> = None;
    loop {
        let attempt = attempts.len() as u32 + 1;
        let mut plan = match rent::prepare(&rent_request, Some(ttl), &store, config, env, ui).await
        {
            Ok(Prepared::Plan(p)) => *p,
            Ok(Prepared::Existing(found)) => {
                let (i, e) = *found;
                return Err(not_rented(
                    CliError::failure(format!(
                        "`{}` is already running ({}:{}); `gpu run` rents an instance of its own",
                        e.name, i.provider, i.id
                    ))
                    .hint(format!(
                        "pick another `--name`, or run on that one with `gpu ssh {} -- CMD`",
                        e.name
                    )),
                ));
            }
            Err(e) => return Err(not_rented(e)),
        };
        if attempt == 1 {
            if args.rent.dry_run {
                return dry_run(&plan, args, sync.as_ref(), &command, config, env, ui)
                    .await
                    .map_err(RunFailed::from);
            }
            if !lifecycle::confirm::ask(&rent::question(&plan), args.rent.yes, ui).await? {
                ui.note("nothing launched");
                return Ok(RunOutcome::Declined);
            }
        }
        let base = base_name.get_or_insert_with(|| plan.name.clone()).clone();
        // From here on, signals are this command's: what it creates, it releases.
        let mut sig = signals.take().unwrap_or_else(guard::take_signals);
        let mut early = None;
        let launched = {
            let spec = plan.spec(json);
            let launching =
                launch::launch(&plan.tries, &plan.filters, &spec, &store, config, env, ui);
            tokio::pin!(launching);
            loop {
                tokio::select! {
                    r = &mut launching => break r,
                    // Taken before the create's future (and its record of what is in flight) is dropped.
                    (s, now) = async { let s = sig.next().await; (s, guard::snapshot(s)) } => {
                        if early.is_some() {
                            return Err(guard::interrupted(now, &ui.paint).into());
                        }
                        ui.warn(&format!(
                            "{}: the create request is in flight; its answer is awaited so that what it made can be released ({} again stops waiting)",
                            s.name(),
                            s.name()
                        ));
                        early = Some(s);
                    }
                }
            }
        };
        let launched = match launched {
            Ok(l) => l,
            Err(e) => return Err(launch_failed(plan.boot.mask_error(e), &plan, &store)),
        };
        drop(plan.lock.take());
        let launch::Launched {
            instance,
            entry,
            guard: in_flight,
            unrecorded,
        } = launched;
        if let Some(e) = unrecorded {
            return Err(release_unrecorded(e, &instance, &entry, config, env, ui).await);
        }
        // The guard's record is for `main`'s interrupt path, which no longer applies here.
        drop(in_flight);
        let provider = match gather::build(&instance.provider, config, env, ui) {
            Ok((_, p)) => p,
            // It was just launched through the same provider; should that ever fail, say
            // loudly what bills.
            Err(e) => {
                let id = format!("{}:{}", instance.provider, instance.id);
                return Err(RunFailed::from(CliError::new(
                    Status::ReleaseFailed,
                    format!(
                        "created {id} (`{}`), billing ${:.2}/hour, but cannot reach `{}` again to use or release it: {}",
                        entry.name, entry.price_per_hour_usd, instance.provider, e.message
                    ),
                )
                .hint(format!("release it with: gpu down {id} --yes"))));
            }
        };
        let mut job = Job {
            args,
            plan: &plan,
            store: &store,
            env,
            ui,
            provider,
            signals: sig,
            instance,
            entry,
            created: Instant::now(),
            report: Report::new(&args.command, started_at.clone()),
            reached: None,
            spent_before: attempts.iter().map(|a| a.cost_usd).sum(),
        };
        // If this runner dies, the deadline at the provider is what ends the instance.
        if attempt == 1 {
            lifecycle::say_if_no_sweeper([job.instance.provider.as_str()], &store, ui);
        }
        job.report.seconds.rent = started.elapsed().as_secs_f64();
        job.report.set_instance(&job.instance, &job.entry, None);
        // The command knows which attempt it is: a re-run can pick up where the last stopped.
        let line = format!("export GPU_RUN_ATTEMPT={attempt}; {command}");
        let stop = match early.or_else(|| job.signals.try_next()) {
            Some(s) => Stop::Interrupted(s),
            None => job.work(identity.clone(), sync.as_ref(), &line).await,
        };
        let lost = matches!(stop, Stop::Ended(Ended::Lost(_)));
        let status = job.finish(stop).await;
        attempts.push(job.report.attempt(attempt));
        let Job {
            signals: sig,
            report: mut last,
            ..
        } = job;
        let spent: f64 = attempts.iter().map(|a| a.cost_usd).sum();
        let budget_left = args.max_cost.is_none_or(|max| spent < max);
        if lost && !budget_left && attempt <= args.recover {
            ui.warn(&format!(
                "not recovering: the attempts so far cost ${spent:.2}, all `--max-cost` allows"
            ));
        }
        if lost && budget_left && status != Status::ReleaseFailed && attempt <= args.recover {
            // Only on the provider's word (`lost`): rent again, from the cheapest offer that
            // matches, the lost instance released.
            ui.warn(&format!(
                "recovering: attempt {} of {} rents another instance and runs the command again",
                attempt + 1,
                args.recover + 1
            ));
            signals = Some(sig);
            rent_request.name = Some(format!("{base}-r{}", attempt + 1));
            continue;
        }
        last.seconds.total = started.elapsed().as_secs_f64();
        if attempts.len() > 1 {
            let cost: f64 = attempts.iter().map(|a| a.cost_usd).sum();
            ui.note(&format!(
                "{} attempts: {}; about ${cost:.2} in all",
                attempts.len(),
                attempts
                    .iter()
                    .map(|a| format!("{} ({}, ${:.2})", a.instance, a.outcome, a.cost_usd))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            last.cost_usd = (cost * 10_000.0).round() / 10_000.0;
        }
        last.attempts = attempts;
        return Ok(RunOutcome::Ran {
            report: Box::new(last),
            status,
        });
    }
}

/// The ledger could not record what the create made (a full disk, a read-only data dir):
/// nothing runs on it; it is released at once, and the error says whether that was confirmed.
async fn release_unrecorded(
    mut e: CliError,
    instance: &gpu_providers::Instance,
    entry: &lifecycle::ledger::Entry,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> RunFailed {
    let id = format!("{}:{}", instance.provider, instance.id);
    let command = format!("gpu down {id} --yes");
    ui.warn(&format!("{}; releasing {id} at once", e.message));
    let released = match gather::build(&instance.provider, config, env, ui) {
        Ok((_, p)) => release::release(p.as_ref(), &instance.id, poll_interval(env))
            .await
            .map_err(|e| e.message),
        Err(b) => Err(b.message),
    };
    match released {
        Ok(_) => {
            e.status = Status::Failure;
            e.message = format!(
                "the ledger could not record {id} (`{}`), so it was released and `{}` confirms it is gone; nothing ran",
                entry.name, instance.provider
            );
            e.hint = Some(
                "check that the data directory is writable and the disk not full (or set `GPU_DATA_DIR`)".into(),
            );
            RunFailed::with(e, "ledger_unwritable", None)
        }
        Err(why) => {
            e.status = Status::ReleaseFailed;
            e.message = format!(
                "the ledger could not record {id} (`{}`), and releasing it failed ({why}): it may be running and billing ${:.2}/hour",
                entry.name, entry.price_per_hour_usd
            );
            e.hint = Some(format!("release it with: {command}"));
            RunFailed::with(e, "may_be_billing", Some(command))
        }
    }
}

/// `--ttl`, else `--max-time` plus an hour, else six hours; never shorter than `--max-time`.
fn deadline(args: &RunRequest) -> Result<Duration, CliError> {
    match (args.rent.ttl, args.max_time) {
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

/// Nothing was created: usage errors keep exit 2, every other failure to rent exits 125. With
/// `--json` the one object says so.
fn not_rented(mut e: CliError) -> RunFailed {
    let outcome = if e.status == Status::Usage {
        "usage_error"
    } else {
        e.status = Status::RentFailed;
        "rent_failed"
    };
    RunFailed::with(e, outcome, None)
}

/// The launch failed. If the ledger still holds the name as open (a create whose answer was
/// lost, a ledger write that failed after the create, a release after a half-made create that
/// failed), something may bill: exit 122 with what to run. Otherwise nothing was made.
fn launch_failed(mut e: CliError, plan: &Plan, store: &lifecycle::ledger::Store) -> RunFailed {
    let open = store
        .read()
        .map(|l| l.by_name(&plan.name).is_some_and(|x| x.status.is_open()))
        // An unreadable ledger proves nothing: assume it may bill.
        .unwrap_or(true);
    if !open {
        return not_rented(e);
    }
    e.status = Status::ReleaseFailed;
    let command = format!("gpu down {} --yes", plan.name);
    if e.hint.is_none() {
        e.hint = Some(format!(
            "it may be billing; `gpu ls` shows it, `{command}` releases it"
        ));
    }
    RunFailed::with(e, "may_be_billing", Some(command))
}

async fn dry_run(
    plan: &Plan,
    args: &RunRequest,
    sync: Option<&Sync>,
    command: &str,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<RunOutcome, CliError> {
    let mut lines = Vec::new();
    let mut fields = serde_json::Map::new();
    lines.push(format!(
        "then: wait up to {} for SSH",
        short_duration(args.rent.wait_timeout)
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
    Ok(RunOutcome::Planned {
        planned: rent::planned(plan, config, env, ui).await?,
        lines,
        fields,
    })
}
