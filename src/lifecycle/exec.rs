//! Running one command on an instance, its output streamed, until it ends, a signal comes, or
//! `--max-time` passes.

use std::process::Stdio;
use std::time::Duration;

use crate::lifecycle::guard::{Signal, Signals};
use crate::lifecycle::remote::{self, Mode, Target};

/// How the command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Its exit code (255: ssh itself failed, or the command said 255).
    Exited(u8),
    /// Stopped at `--max-time`.
    TimedOut,
    Interrupted(Signal),
}

/// Run `line` (a shell line) on the instance. With `stdout_to_stderr` the command's output
/// all goes to stderr, leaving stdout to a JSON report.
pub async fn run(
    target: &Target,
    line: &str,
    stdout_to_stderr: bool,
    max_time: Option<Duration>,
    signals: &mut Signals,
    ui: &crate::ui::Ui,
) -> Result<Ended, String> {
    let argv = target.argv(Mode::Batch, Some(line));
    // Under `gpu mcp` the output is collected for the client, and stdin is the protocol's.
    let caught = ui.is_collecting();
    let stdout = if caught {
        Stdio::piped()
    } else if stdout_to_stderr {
        use std::os::fd::AsFd;
        std::io::stderr()
            .as_fd()
            .try_clone_to_owned()
            .map(Stdio::from)
            .map_err(|e| format!("could not pass stderr on: {e}"))?
    } else {
        Stdio::inherit()
    };
    let mut child = tokio::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(if caught {
            Stdio::null()
        } else {
            Stdio::inherit()
        })
        .stdout(stdout)
        .stderr(if caught {
            Stdio::piped()
        } else {
            Stdio::inherit()
        })
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("could not run `ssh`: {e} (is OpenSSH installed and on PATH?)"))?;
    let (out, err) = (child.stdout.take(), child.stderr.take());
    let caught_output = async {
        use tokio::io::AsyncReadExt;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
        for pipe in [
            out.map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
            err.map(|p| Box::new(p) as _),
        ]
        .into_iter()
        .flatten()
        {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut pipe = pipe;
                let mut buf = vec![0u8; 8192];
                while let Ok(n) = pipe.read(&mut buf).await {
                    if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        while let Some(chunk) = rx.recv().await {
            ui.command_output(&chunk);
        }
    };
    let limit = async {
        match max_time {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(caught_output);
    tokio::pin!(limit);
    let mut output_done = false;
    loop {
        tokio::select! {
            () = &mut caught_output, if !output_done => output_done = true,
            status = child.wait() => {
                // What the pipes still hold when the command ends.
                if !output_done {
                    let _ = tokio::time::timeout(Duration::from_millis(500), &mut caught_output).await;
                }
                let code = remote::exit_code(status.map_err(|e| format!("ssh failed: {e}"))?);
                if let Some(s) = signals.try_next() {
                    return Ok(Ended::Interrupted(s));
                }
                if code != 0 {
                    // A Ctrl-C at the terminal reaches ssh and this process together; ssh may
                    // end a moment before the signal is seen here.
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    if let Some(s) = signals.try_next() {
                        return Ok(Ended::Interrupted(s));
                    }
                }
                return Ok(Ended::Exited(code));
            }
            s = signals.next() => {
                stop(&mut child).await;
                return Ok(Ended::Interrupted(s));
            }
            _ = &mut limit => {
                stop(&mut child).await;
                return Ok(Ended::TimedOut);
            }
        }
    }
}

/// The line that records the remote shell's pid in `pidfile` before `line` runs. sshd starts
/// each command's shell as a session and process-group leader, so that pid names the whole
/// command, children included.
pub fn with_pidfile(pidfile: &str, line: &str) -> String {
    format!(
        "echo $$ > {}; {line}",
        gpu_providers::boot::shell_quote(pidfile)
    )
}

/// Stop what [`with_pidfile`] started (its whole process group). Best effort: `Err` says what
/// failed, for the message.
pub async fn stop_remote(target: &Target, pidfile: &str) -> Result<(), String> {
    let q = gpu_providers::boot::shell_quote(pidfile);
    let line = format!("kill -TERM -- -$(cat {q}) 2>/dev/null; rm -f {q}");
    let argv = target.argv(Mode::Batch, Some(&line));
    let status = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::process::Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .status(),
    )
    .await
    .map_err(|_| "ssh did not answer in 30 s".to_string())?
    .map_err(|e| format!("could not run `ssh`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("ssh exited {}", remote::exit_code(status)))
    }
}

async fn stop(child: &mut tokio::process::Child) {
    let _ = child.start_kill();
    let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
}
