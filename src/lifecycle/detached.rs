//! A command that outlives its SSH connection. It runs on the instance in a session of its
//! own, its output going to a file and its exit code to another when it ends; `gpu` follows
//! the file from a byte offset, and when the connection drops it connects again and goes on
//! from the last byte it received, so no line is lost or shown twice. Stopping it (a signal,
//! `--max-time`, `--max-cost`) kills its whole process group on the instance.
//!
//! On the instance, in the login's home: `.gpu-run/NAME/` holds `pid` (the command's session
//! and process group), `out` and `err` (its stdout and stderr), `exit` (written once it ends).
//!
//! Every `ssh` started here is in a process group of its own: a Ctrl-C at the terminal reaches
//! `gpu` alone, which stops the command on the instance itself, instead of killing the
//! connection it would stop it through.

use std::process::Stdio;
use std::time::{Duration, Instant};

use gpu_providers::boot::shell_quote;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::lifecycle::guard::{Signal, Signals};
use crate::lifecycle::remote::{self, Mode, Target};
use crate::ui::Ui;

/// How the command ended, or why it was left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// Its exit code (255 when it said 255).
    Exited(u8),
    /// Stopped at `--max-time`.
    TimedOut,
    /// Stopped at `--max-cost`.
    CostCapped,
    Interrupted(Signal),
    /// The provider says the instance is gone, stopped or failed: why.
    Lost(String),
}

/// What the provider says of the instance while the connection is down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    /// Running, starting, or not known: the connection is tried again.
    Running,
    /// Gone, stopped, failed or interrupted, in the provider's words.
    Gone(String),
}

/// When the command is stopped, and why.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_time: Option<Duration>,
    /// From the start of the command.
    pub max_cost_after: Option<Duration>,
}

/// The remote directory of one run.
#[derive(Debug, Clone)]
pub struct RunDir(String);

impl RunDir {
    /// One per run: the instance's name and this run's start, so that a kept instance, or an
    /// instance name used again, never finds an earlier run's files.
    pub fn new(name: &str) -> RunDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        RunDir(format!(
            ".gpu-run/{name}-{:x}-{:x}",
            nanos,
            std::process::id()
        ))
    }

    /// Remove the run's files, once its end is read.
    pub fn remove(&self) -> String {
        format!("rm -rf {}", shell_quote(&self.0))
    }

    fn q(&self, file: &str) -> String {
        shell_quote(&format!("{}/{file}", self.0))
    }

    /// Start `line` detached and return at once: its own session (`setsid`, else a
    /// background job with no terminal), stdin from /dev/null, output to `out`, exit code to
    /// `exit` (written whole, by a rename).
    pub fn start(&self, line: &str) -> String {
        let dir = shell_quote(&self.0);
        let (pid, out, err, exit) = (self.q("pid"), self.q("out"), self.q("err"), self.q("exit"));
        let body = format!(
            "echo $$ > {pid}; ( {line} ) > {out} 2> {err} < /dev/null; echo $? > {exit}.tmp; mv -f {exit}.tmp {exit}"
        );
        let body = shell_quote(&body);
        // Only the first of several tries starts it (`mkdir` is atomic): a try whose answer
        // was lost is repeated without a second copy of the command.
        let once = self.q("started");
        format!(
            "mkdir -p {dir} || exit 1; if mkdir {once} 2>/dev/null; then rm -f {pid} {exit} && : > {out} && : > {err} && if command -v setsid >/dev/null 2>&1; then setsid sh -c {body} > /dev/null 2>&1 < /dev/null & else nohup sh -c {body} > /dev/null 2>&1 < /dev/null & fi; fi; i=0; while [ ! -s {pid} ] && [ ! -f {exit} ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; [ -s {pid} ] || [ -f {exit} ]"
        )
    }

    /// Print `file` (`out` or `err`) from byte `offset` on, as it grows, until the command has
    /// ended and every byte is out; then exit 0. Anything else (ssh's 255, a kill) is a lost
    /// connection.
    pub fn follow(&self, file: &str, offset: u64) -> String {
        let (out, exit) = (self.q(file), self.q("exit"));
        format!(
            "off={offset}; while :; do size=$(wc -c < {out} 2>/dev/null || echo 0); size=$((size+0)); \
             if [ \"$size\" -gt \"$off\" ]; then tail -c +$((off+1)) {out} | head -c $((size-off)); off=$size; \
             elif [ -f {exit} ]; then size=$(wc -c < {out}); size=$((size+0)); [ \"$size\" -gt \"$off\" ] || exit 0; \
             else sleep 0.2; fi; done"
        )
    }

    /// The exit code, once it ended.
    pub fn exit_code(&self) -> String {
        format!("cat {}", self.q("exit"))
    }

    /// Stop the command's whole process group (TERM, then KILL after 5 s).
    pub fn stop(&self) -> String {
        let (pid, exit) = (self.q("pid"), self.q("exit"));
        format!(
            "p=$(cat {pid} 2>/dev/null); [ -n \"$p\" ] || exit 0; [ -f {exit} ] && exit 0; kill -TERM -- -$p 2>/dev/null || kill -TERM $p 2>/dev/null; i=0; while [ ! -f {exit} ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; [ -f {exit} ] || kill -KILL -- -$p 2>/dev/null; exit 0"
        )
    }
}

/// Run `line` on the instance and follow it to its end. `alive` asks the provider about the
/// instance while the connection is down: the command is given up only on its word.
#[allow(clippy::too_many_arguments)]
pub async fn run<F, Fut>(
    who: &str,
    target: &Target,
    dir: &RunDir,
    line: &str,
    to_stderr: bool,
    limits: Limits,
    signals: &mut Signals,
    ui: &Ui,
    mut alive: F,
) -> Result<Ended, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Presence>,
{
    let started = Instant::now();
    let (stop_at, stop_why) = match (limits.max_time, limits.max_cost_after) {
        (Some(t), Some(c)) if c < t => (Some(started + c), Ended::CostCapped),
        (Some(t), _) => (Some(started + t), Ended::TimedOut),
        (None, Some(c)) => (Some(started + c), Ended::CostCapped),
        (None, None) => (None, Ended::TimedOut),
    };
    let limit = async move {
        match stop_at {
            Some(at) => tokio::time::sleep_until(at.into()).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(limit);
    let mut lost = Lost {
        who,
        target,
        dir,
        ui,
        once: false,
        backoff: Duration::from_millis(500),
    };
    // Started, or known to be: a start whose connection dropped is tried again.
    let start_line = dir.start(line);
    loop {
        let start = tokio::select! {
            r = batch(target, &start_line, Duration::from_secs(60)) => r,
            s = signals.next() => {
                stop_remote(target, dir).await;
                return Ok(Ended::Interrupted(s));
            }
        };
        match start {
            Ok((true, _)) => break,
            // The shell on the instance refused it: not a connection that failed.
            Ok((false, code)) if code != 255 && code < 128 => {
                return Err(format!(
                    "could not start the command on the instance (its shell exited {code})"
                ))
            }
            _ => {}
        }
        if let Some(end) = lost
            .wait(&mut alive, signals, limit.as_mut(), &stop_why)
            .await
        {
            return Ok(end);
        }
    }
    // stdout's and stderr's bytes received so far, and whether each is whole.
    let mut offsets = [0u64; 2];
    let mut whole = [false; 2];
    loop {
        let (now_offsets, now_whole) = (offsets, whole);
        let streams = async move {
            let one = |i: usize| {
                let (file, to_err) = if i == 0 {
                    ("out", to_stderr)
                } else {
                    ("err", true)
                };
                let (off, done) = (now_offsets[i], now_whole[i]);
                async move {
                    if done {
                        (0, true)
                    } else {
                        follow(target, dir, file, off, to_err, ui).await
                    }
                }
            };
            tokio::join!(one(0), one(1))
        };
        tokio::pin!(streams);
        let outcome = tokio::select! {
            r = &mut streams => r,
            s = signals.next() => {
                stop_remote(target, dir).await;
                return Ok(Ended::Interrupted(s));
            }
            () = &mut limit => {
                stop_remote(target, dir).await;
                return Ok(stop_why);
            }
        };
        let ((got_out, out_whole), (got_err, err_whole)) = outcome;
        offsets[0] += got_out;
        offsets[1] += got_err;
        whole = [out_whole, err_whole];
        if whole == [true, true] {
            break;
        }
        let got = got_out + got_err;
        // The connection is gone, not (yet) the command: ask the provider, then connect again.
        if got > 0 {
            lost.backoff = Duration::from_millis(500);
        }
        if let Some(end) = lost
            .wait(&mut alive, signals, limit.as_mut(), &stop_why)
            .await
        {
            return Ok(end);
        }
    }
    if lost.once {
        ui.note(&format!(
            "`{who}`: connected again; the output above is whole"
        ));
    }
    // The command ended: its code, read the same way (a lost read is tried again).
    for _ in 0..10 {
        if let Ok((true, _, text)) = batch_output(target, &dir.exit_code()).await {
            if let Ok(code) = text.trim().parse::<i32>() {
                let _ = batch(target, &dir.remove(), Duration::from_secs(30)).await;
                return Ok(Ended::Exited(code.clamp(0, 255) as u8));
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Err("the command ended, but its exit code could not be read from the instance".into())
}

/// A connection that is gone, not (yet) the command.
struct Lost<'a> {
    who: &'a str,
    target: &'a Target,
    dir: &'a RunDir,
    ui: &'a Ui,
    /// Said once a run.
    once: bool,
    backoff: Duration,
}

impl Lost<'_> {
    /// Say so (once), ask the provider, wait before the next try. `Some` when the run ends
    /// here: the provider says it is gone, a signal came, or a limit passed.
    async fn wait<F, Fut>(
        &mut self,
        alive: &mut F,
        signals: &mut Signals,
        limit: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
        stop_why: &Ended,
    ) -> Option<Ended>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Presence>,
    {
        if !self.once {
            self.ui.warn(&format!(
                "the connection to `{}` was lost; connecting again (the command goes on on the instance)",
                self.who
            ));
            self.once = true;
        }
        let presence = tokio::select! {
            p = alive() => p,
            s = signals.next() => {
                stop_remote(self.target, self.dir).await;
                return Some(Ended::Interrupted(s));
            }
        };
        if let Presence::Gone(why) = presence {
            return Some(Ended::Lost(why));
        }
        tokio::select! {
            () = tokio::time::sleep(self.backoff) => {}
            s = signals.next() => {
                stop_remote(self.target, self.dir).await;
                return Some(Ended::Interrupted(s));
            }
            () = limit => {
                stop_remote(self.target, self.dir).await;
                return Some(stop_why.clone());
            }
        }
        self.backoff = (self.backoff * 2).min(Duration::from_secs(10));
        None
    }
}

/// One follow session: bytes copied to stdout (or stderr, or the collecting `ui`), and
/// whether it ended because the command did.
async fn follow(
    target: &Target,
    dir: &RunDir,
    file: &str,
    offset: u64,
    to_stderr: bool,
    ui: &Ui,
) -> (u64, bool) {
    let argv = target.argv(Mode::Batch, Some(&dir.follow(file, offset)));
    let child = tokio::process::Command::new(&argv[0])
        .args(&argv[1..])
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let Ok(mut child) = child else {
        return (0, false);
    };
    let Some(mut out) = child.stdout.take() else {
        return (0, false);
    };
    let mut got = 0u64;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match out.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let chunk = &buf[..n];
                if !ui.command_output(chunk) {
                    write_local(chunk, to_stderr).await;
                }
                got += n as u64;
            }
        }
    }
    let finished = matches!(child.wait().await, Ok(s) if s.success());
    (got, finished)
}

async fn write_local(chunk: &[u8], to_stderr: bool) {
    if to_stderr {
        let mut e = tokio::io::stderr();
        let _ = e.write_all(chunk).await;
        let _ = e.flush().await;
    } else {
        let mut o = tokio::io::stdout();
        let _ = o.write_all(chunk).await;
        let _ = o.flush().await;
    }
}

/// Stop the command on the instance; best effort (the release follows).
async fn stop_remote(target: &Target, dir: &RunDir) {
    let _ = batch(target, &dir.stop(), Duration::from_secs(30)).await;
}

/// Run `line` over ssh with no input or output: (success, exit code).
async fn batch(target: &Target, line: &str, within: Duration) -> Result<(bool, u8), String> {
    let argv = target.argv(Mode::Batch, Some(line));
    let status = tokio::time::timeout(
        within,
        tokio::process::Command::new(&argv[0])
            .args(&argv[1..])
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .status(),
    )
    .await
    .map_err(|_| format!("ssh did not answer in {} s", within.as_secs()))?
    .map_err(|e| format!("could not run `ssh`: {e} (is OpenSSH installed and on PATH?)"))?;
    Ok((status.success(), remote::exit_code(status)))
}

/// Run `line` over ssh and keep its stdout.
async fn batch_output(target: &Target, line: &str) -> Result<(bool, u8, String), String> {
    let argv = target.argv(Mode::Batch, Some(line));
    let out = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::process::Command::new(&argv[0])
            .args(&argv[1..])
            .process_group(0)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .map_err(|_| "ssh did not answer in 30 s".to_string())?
    .map_err(|e| format!("could not run `ssh`: {e}"))?;
    Ok((
        out.status.success(),
        remote::exit_code(out.status),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}
