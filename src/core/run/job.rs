//! One `gpu run` around one created instance: wait for SSH, copy, run, then release (or keep)
//! and settle the exit status. Every path out of here goes through [`Job::finish`].

use std::time::{Duration, Instant};

use gpu_providers::{Instance, Provider};

use crate::core::run::RunRequest;
use crate::env::Env;
use crate::exit::Status;
use crate::lifecycle::detached::{self, Ended, Presence, RunDir};
use crate::lifecycle::guard::{Signal, Signals};
use crate::lifecycle::ledger::{Entry, Store};
use crate::lifecycle::remote::{self, Target};
use crate::lifecycle::rent::Plan;
use crate::lifecycle::sync::{self, Sync};
use crate::lifecycle::wait::{self, WaitError};
use crate::lifecycle::{poll_interval, reconcile::short_duration, release};
use crate::ui::Ui;

use super::report::Report;

/// Where the work stopped, before the release.
#[derive(Debug, Clone)]
pub enum Stop {
    Ended(Ended),
    /// Never reachable, or failed to start.
    NotReachable(String),
    SyncFailed(String),
    /// Something on this machine failed (the data directory, running ssh).
    Local(String),
    /// A signal before the command started.
    Interrupted(Signal),
}

/// The `--env` variables for the command, written through ssh's stdin (never on a command
/// line), read and removed before the command starts.
fn envfile(name: &str) -> String {
    format!(".{name}.env")
}

pub struct Job<'a> {
    pub args: &'a RunRequest,
    pub plan: &'a Plan,
    pub store: &'a Store,
    pub env: &'a Env,
    pub ui: &'a Ui,
    pub provider: Box<dyn Provider>,
    pub signals: Signals,
    pub instance: Instance,
    pub entry: Entry,
    /// When the create answered: billing starts about here.
    pub created: Instant,
    pub report: Report,
    /// Once the instance took a login: how to reach it, and where the command runs (the
    /// `--sync` directory), for `--sync-back`.
    pub reached: Option<(Target, Option<String>)>,
    /// What the run's earlier attempts cost, US dollars (`--max-cost` counts the whole run).
    pub spent_before: f64,
}

impl Job<'_> {
    fn target_id(&self) -> String {
        format!("{}:{}", self.instance.provider, self.instance.id)
    }

    /// Wait, copy, run: everything between the create and the release.
    pub async fn work(
        &mut self,
        identity: Option<std::path::PathBuf>,
        sync: Option<&Sync>,
        command: &str,
    ) -> Stop {
        let deadline = Instant::now() + self.args.rent.wait_timeout;
        let waited = tokio::select! {
            r = wait::until_reachable(
                &self.instance.id,
                self.provider.as_ref(),
                self.args.rent.wait_timeout,
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
            Err(WaitError::Timeout(_)) => return self.not_reachable(),
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
            return Stop::Local(format!(
                "could not create the directory of `{}`: {e}",
                target.known_hosts.display()
            ));
        }
        // An open port is not yet a login (a proxy in front, keys still being installed).
        loop {
            let ready = tokio::select! {
                r = remote::probe(&target) => r,
                s = self.signals.next() => return Stop::Interrupted(s),
            };
            if ready {
                break;
            }
            if Instant::now() >= deadline {
                return self.not_reachable();
            }
            tokio::time::sleep(poll_interval(self.env).max(Duration::from_millis(200))).await;
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
            // For the command itself too, whatever the image does with /etc/environment; the
            // values travel in ssh's stdin, never on a command line.
            let text: String = self
                .plan
                .boot
                .env
                .iter()
                .map(|(k, v)| format!("export {k}={}\n", gpu_providers::boot::shell_quote(v)))
                .collect();
            let file = envfile(&name);
            let uploaded = tokio::select! {
                r = remote::upload(&target, &file, &text) => r,
                s = self.signals.next() => return Stop::Interrupted(s),
            };
            if let Err(e) = uploaded {
                return Stop::NotReachable(self.plan.boot.mask_text(&e));
            }
            line.push_str(&format!(". ./{file} || exit 1; rm -f ./{file}; "));
        }
        if let Some(s) = sync {
            line.push_str(&s.cd());
        }
        line.push_str(command);
        self.reached = Some((target.clone(), sync.map(|s| s.remote.clone())));
        let limits = detached::Limits {
            max_time: self.args.max_time,
            max_cost_after: self.cost_cap(),
        };
        let t = Instant::now();
        let provider = self.provider.as_ref();
        let id = self.instance.id.clone();
        let who = self.target_id();
        let ended = detached::run(
            &who,
            &target,
            &RunDir::new(&name),
            &line,
            self.args.rent.json,
            limits,
            &mut self.signals,
            self.ui,
            || presence(provider, &id),
        )
        .await;
        self.report.seconds.command = Some(t.elapsed().as_secs_f64());
        // A command stopped on a kept instance was stopped there too (its process group).
        match ended {
            Ok(e) => Stop::Ended(e),
            Err(msg) => Stop::Local(msg),
        }
    }

    /// `--max-cost`: how long after now the command may run, so that the run (every attempt,
    /// from each create, by started minute, with a minute for the release) stays within it.
    fn cost_cap(&self) -> Option<Duration> {
        // What earlier attempts (`--recover`) cost counts too.
        let max = self.args.max_cost? - self.spent_before;
        let price = self.entry.price_per_hour_usd;
        if price <= 0.0 {
            return None;
        }
        let minutes = (max / (price / 60.0)).floor();
        let allowed = Duration::from_secs_f64((minutes * 60.0 - 60.0).max(0.0));
        Some(allowed.saturating_sub(self.created.elapsed()))
    }

    fn not_reachable(&self) -> Stop {
        Stop::NotReachable(format!(
            "`{}` did not answer on SSH within {}",
            self.entry.name,
            short_duration(self.args.rent.wait_timeout)
        ))
    }

    /// Release (or keep) the instance and settle the exit status.
    pub async fn finish(&mut self, stop: Stop) -> Status {
        let ui = self.ui;
        let mut interrupted = false;
        let mut status = match &stop {
            Stop::Ended(Ended::Exited(code)) => {
                self.report.outcome = "exited";
                self.report.command_exit_code = Some(*code);
                Status::Exit(*code)
            }
            Stop::Ended(Ended::CostCapped) => {
                self.report.outcome = "max_cost";
                ui.warn(&format!(
                    "the run reached `--max-cost ${:.2}` and the command was stopped",
                    self.args.max_cost.unwrap_or_default()
                ));
                Status::MaxCost
            }
            Stop::Ended(Ended::Lost(why)) => {
                self.report.outcome = "lost";
                self.report.error = Some(why.clone());
                ui.warn(&format!(
                    "`{}` was lost while the command ran: {why}",
                    self.entry.name
                ));
                Status::Exit(255)
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
                interrupted = true;
                self.report.outcome = "interrupted";
                ui.warn(&format!("interrupted ({})", s.name()));
                s.status()
            }
            Stop::NotReachable(msg) => {
                self.report.outcome = "not_reachable";
                self.report.error = Some(msg.clone());
                ui.warn(msg);
                Status::RentFailed
            }
            Stop::SyncFailed(msg) => {
                self.report.outcome = "sync_failed";
                self.report.error = Some(msg.clone());
                ui.warn(&format!("--sync: {msg}"));
                Status::SyncFailed
            }
            Stop::Local(msg) => {
                self.report.outcome = "failed";
                self.report.error = Some(msg.clone());
                ui.warn(msg);
                Status::Failure
            }
        };
        self.sync_back(&stop).await;
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
        let released = self.release(&mut interrupted, &mut status).await;
        self.report.seconds.release = Some(t.elapsed().as_secs_f64());
        self.report.seconds.billed = self.created.elapsed().as_secs_f64();
        match released {
            Ok(()) => {
                self.report.released = true;
                if let Err(e) = release::record(
                    self.store,
                    &self.instance.provider,
                    Some(&name),
                    Some(&self.instance.id),
                    "released by `gpu run`",
                ) {
                    ui.warn(&format!(
                        "{}; {id} is released, but the ledger still lists it (the next `gpu ls` settles it)",
                        e.message
                    ));
                }
            }
            Err(why) => {
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

    /// `--sync-back`: copy the results home before the instance goes, on every end where the
    /// command ran and the instance may still answer. A signal meanwhile skips to the release.
    async fn sync_back(&mut self, stop: &Stop) {
        let Some(back) = &self.args.sync_back else {
            return;
        };
        let Some((target, cwd)) = &self.reached else {
            return;
        };
        if matches!(stop, Stop::NotReachable(_) | Stop::SyncFailed(_)) {
            return;
        }
        let back = match crate::lifecycle::sync::Back::parse(back) {
            Ok(b) => b,
            Err(e) => {
                self.ui.warn(&e.message);
                return;
            }
        };
        let t = Instant::now();
        let copied = tokio::select! {
            r = sync::copy_back(target, &back, cwd.as_deref()) => r,
            s = self.signals.next() => Err(format!("{}: skipped to release the instance", s.name())),
        };
        self.report.seconds.sync_back = Some(t.elapsed().as_secs_f64());
        match copied {
            Ok(bytes) => {
                self.report.synced_back_bytes = Some(bytes);
                self.ui.note(&format!(
                    "copied `{}` back to `{}`",
                    back.remote,
                    back.local.display()
                ));
            }
            Err(e) => {
                self.report.sync_back_error = Some(e.clone());
                self.ui.warn(&format!("--sync-back {}: {e}", back.remote));
            }
        }
    }

    /// Terminate, then confirm. The terminate is never abandoned: a signal meanwhile is noted
    /// and the release goes on. Waiting for the confirmation stops at a second signal.
    async fn release(&mut self, interrupted: &mut bool, status: &mut Status) -> Result<(), String> {
        let id = self.instance.id.clone();
        let shown = self.target_id();
        let ui = self.ui;
        let interval = poll_interval(self.env);
        let provider = self.provider.as_ref();
        let signals = &mut self.signals;
        let spinner = ui.spinner(format!("releasing {shown}"));
        let warn = |s: Signal| {
            ui.warn(&format!(
                "{}: releasing {shown} first ({} again stops waiting for the confirmation)",
                s.name(),
                s.name()
            ))
        };
        let mut seen = u32::from(*interrupted);
        let mut last = None;
        let result = async {
            let terminate = provider.terminate(&id);
            tokio::pin!(terminate);
            loop {
                tokio::select! {
                    r = &mut terminate => break r.map_err(|e| e.message)?,
                    s = signals.next() => {
                        warn(s);
                        seen += 1;
                        last = Some(s);
                    }
                }
            }
            let confirm = release::confirm(provider, &id, interval);
            tokio::pin!(confirm);
            loop {
                tokio::select! {
                    r = &mut confirm => break r
                        .map(|c| {
                            if let Some(w) = c.unlisted {
                                ui.warn(&format!("{shown}: {w}"));
                            }
                        })
                        .map_err(|e| e.message),
                    s = signals.next() => {
                        if seen > 0 {
                            break Err(format!(
                                "{} again: the release was sent, but its confirmation was not awaited",
                                s.name()
                            ));
                        }
                        warn(s);
                        seen += 1;
                        last = Some(s);
                    }
                }
            }
        }
        .await;
        if let Some(bar) = spinner {
            bar.finish_and_clear();
        }
        if let Some(s) = last {
            *interrupted = true;
            *status = s.status();
        }
        result
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
}

/// What the provider says of the instance while SSH is down: gone only on its word.
async fn presence(provider: &dyn Provider, id: &str) -> Presence {
    match provider.instance(id).await {
        Ok(Some(i)) => match i.state {
            gpu_providers::State::Terminated
            | gpu_providers::State::Terminating
            | gpu_providers::State::Stopped
            | gpu_providers::State::Failed => Presence::Gone(format!(
                "the provider says it is {}",
                i.status.to_ascii_lowercase()
            )),
            _ => Presence::Running,
        },
        // One read that does not find it proves nothing: a second one must agree.
        Ok(None) => match provider.instance(id).await {
            Ok(None) => Presence::Gone("the provider no longer lists it".into()),
            _ => Presence::Running,
        },
        Err(_) => Presence::Running,
    }
}
