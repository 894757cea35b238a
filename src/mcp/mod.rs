//! `gpu mcp`: the Model Context Protocol server, over stdio, for agents that rent GPUs.
//!
//! - [`tools`]: the tools, their schemas, and how each becomes the CLI command it is.
//! - [`answer`]: a tool result from what the core returned and what it said.
//! - [`launch`]: a launch (or a run) held to the `[agent]` guardrails before anything is sent,
//!   and listing and releasing agents' instances.
//! - [`limits`]: the guardrails as the config states them, and the committed-spend arithmetic.
//!
//! Every tool calls the core ([`crate::core`]) the CLI's commands call, with a typed request:
//! there is no second implementation of finding, renting or releasing, and no command line in
//! between. Each call's warnings, notes and hints are collected by its own
//! [`crate::ui::Ui::collecting`] and returned with its result. Tool calls run on a worker of their own,
//! not on the request, so a client that goes away mid-launch never cuts a create short: the
//! launch settles, its instance stays in the ledger, and the server exits once it has.

pub mod answer;
pub mod launch;
pub mod limits;
pub mod tools;

use std::fs::File;
use std::future::Future;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::pin::Pin;
use std::rc::Rc;

use rmcp::ServiceExt;
use tokio::sync::{mpsc, oneshot};

use crate::env::Env;
use crate::exit::{CliError, Status};

/// What the tools share on the worker.
pub struct Shared {
    /// `--config` as `gpu mcp` was given it (each tool call reads the file anew).
    pub config_path: Option<PathBuf>,
    pub env: Env,
    /// Held by each `run_command` (one at a time).
    pub runs: tokio::sync::Mutex<()>,
}

impl Shared {
    /// The config file as a command reads it, anew for each call; `lenient` for listing and
    /// releasing, as `gpu ls` and `gpu down` read it.
    pub fn config(
        &self,
        lenient: bool,
        ui: &crate::ui::Ui,
    ) -> Result<crate::config::Config, CliError> {
        crate::config::load_for_use(self.config_path.as_deref(), &self.env, lenient, true, ui)
    }
}

/// One tool call's work, run on the worker.
pub type Job = Box<dyn FnOnce(Rc<Shared>) -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// Serve MCP on stdin/stdout until the client closes it, then let what is in flight finish.
pub async fn run(
    read_only: bool,
    config_path: Option<PathBuf>,
    env: &Env,
) -> Result<Status, CliError> {
    let io = |what: &str, e: std::io::Error| {
        CliError::failure(format!("`gpu mcp` could not {what}")).cause(e)
    };
    // A person who typed `gpu mcp` at a terminal sees what it waits for, not silence (on
    // stderr: stdout is the protocol's).
    #[allow(clippy::print_stderr)]
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprintln!(
            "gpu mcp: a Model Context Protocol server on stdin and stdout, for an AI agent's client to start (`{{\"mcpServers\": {{\"gpu\": {{\"command\": \"gpu\", \"args\": [\"mcp\"]}}}}}}`); it waits for the client's messages now (Ctrl-D or Ctrl-C ends it)"
        );
    }
    // The protocol keeps the original stdin and stdout; fd 0 becomes /dev/null and fd 1
    // stderr, so that nothing else this process or its children (ssh, plugins) write or read
    // can ever mix with the protocol.
    let proto_in = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| io("take stdin", e))?;
    let proto_out = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| io("take stdout", e))?;
    let null = File::open("/dev/null").map_err(|e| io("open /dev/null", e))?;
    rustix::stdio::dup2_stdin(&null).map_err(|e| io("set stdin aside", e.into()))?;
    rustix::stdio::dup2_stdout(std::io::stderr()).map_err(|e| io("set stdout aside", e.into()))?;

    let (jobs_tx, mut jobs_rx) = mpsc::unbounded_channel::<Job>();
    let server = tools::Server::new(jobs_tx, read_only);
    let shared = Rc::new(Shared {
        config_path,
        env: env.clone(),
        runs: tokio::sync::Mutex::new(()),
    });
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async move {
            let transport = (
                tokio::fs::File::from_std(File::from(proto_in)),
                tokio::fs::File::from_std(File::from(proto_out)),
            );
            let service = server.serve(transport).await.map_err(|e| {
                CliError::failure(format!(
                    "`gpu mcp`: the client did not start a session: {e}"
                ))
            })?;
            let mut running = tokio::task::JoinSet::new();
            // Agents' instances past their deadline are released from here, whichever
            // provider: the budget counts none of them beyond an hour over.
            let every = shared
                .env
                .get(crate::env::MCP_SWEEP_INTERVAL)
                .and_then(|v| v.parse::<f64>().ok())
                .map_or(
                    std::time::Duration::from_secs(60),
                    std::time::Duration::from_secs_f64,
                );
            let sweeper = {
                let shared = shared.clone();
                tokio::task::spawn_local(async move {
                    loop {
                        tokio::time::sleep(every).await;
                        launch::sweep_overdue(&shared).await;
                    }
                })
            };
            let waiting = service.waiting();
            tokio::pin!(waiting);
            loop {
                tokio::select! {
                    _ = &mut waiting => break,
                    Some(_) = running.join_next(), if !running.is_empty() => {}
                    Some(job) = jobs_rx.recv() => {
                        running.spawn_local(job(shared.clone()));
                    }
                }
            }
            // The client is gone. A launch it started still settles and is recorded.
            while let Ok(job) = jobs_rx.try_recv() {
                running.spawn_local(job(shared.clone()));
            }
            if !running.is_empty() {
                crate::ui::stderr_line(&format!(
                    "gpu mcp: the client closed the session; finishing {} call(s) in flight",
                    running.len()
                ));
            }
            while running.join_next().await.is_some() {}
            sweeper.abort();
            Ok(Status::Success)
        })
        .await
}

/// Hand `work` to the worker and wait for its answer.
pub async fn on_worker<F, Fut, T>(jobs: &mpsc::UnboundedSender<Job>, work: F) -> Option<T>
where
    F: FnOnce(Rc<Shared>) -> Fut + Send + 'static,
    Fut: Future<Output = T> + 'static,
    T: Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    let job: Job = Box::new(move |shared| {
        Box::pin(async move {
            let out = work(shared).await;
            let _ = tx.send(out);
        })
    });
    jobs.send(job).ok()?;
    rx.await.ok()
}
