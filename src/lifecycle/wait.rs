//! Waiting: until the instance runs and its SSH port answers, or the time is up.

use std::time::{Duration, Instant};

use gpu_providers::{Instance, Provider, State};

use crate::env::Env;
use crate::lifecycle::remote;
use crate::ui::Ui;

pub enum WaitError {
    Timeout(Box<Option<Instance>>),
    Failed(String),
}

pub async fn until_reachable(
    id: &str,
    provider: &dyn Provider,
    limit: Duration,
    interval: Duration,
    env: &Env,
    ui: &Ui,
) -> Result<Instance, WaitError> {
    let started = Instant::now();
    let spinner = ui.spinner("waiting for the instance to start".to_string());
    let mut last = None;
    let result = loop {
        match provider.instance(id).await {
            Ok(Some(i)) => {
                if matches!(
                    i.state,
                    State::Failed | State::Terminated | State::Terminating
                ) {
                    break Err(WaitError::Failed(format!(
                        "the provider reports `{}`",
                        i.status
                    )));
                }
                if i.state == State::Running {
                    if let Some(ssh) = &i.ssh {
                        if let Some(bar) = &spinner {
                            bar.set_message(format!(
                                "waiting for SSH on {}:{}",
                                ssh.host, ssh.port
                            ));
                        }
                        let (host, port) = remote::address(ssh, env);
                        let addr = format!("{host}:{port}");
                        let connect = tokio::time::timeout(
                            Duration::from_secs(3),
                            tokio::net::TcpStream::connect(addr),
                        )
                        .await;
                        if matches!(connect, Ok(Ok(_))) {
                            break Ok(i);
                        }
                    }
                }
                last = Some(i);
            }
            // One "no such instance" is no proof: a new instance can take a while to be
            // listed. Keep asking until the time is up.
            Ok(None) if ui.verbose => ui.debug("the provider does not show it yet"),
            Ok(None) => {}
            Err(e) if ui.verbose => ui.debug(&format!("status check failed: {}", e.message)),
            Err(_) => {}
        }
        if started.elapsed() >= limit {
            break Err(WaitError::Timeout(Box::new(last.clone())));
        }
        tokio::time::sleep(interval.min(limit.saturating_sub(started.elapsed()))).await;
    };
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    result
}
