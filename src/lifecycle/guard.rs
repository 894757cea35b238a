//! What an interrupt says about what still bills.
//!
//! The code that sends a create or a terminate registers what it is doing here; when Ctrl-C or
//! SIGTERM arrives, `main` stops the command and [`interrupted`] says, from that record, which
//! instance may be running and billing and the exact `gpu down` command that releases it (on
//! stderr, and as the one JSON object on stdout when the command was asked for JSON).

use std::sync::Mutex;

use serde::Serialize;

use crate::exit::{CliError, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
    pub fn status(self) -> Status {
        match self {
            Signal::Interrupt => Status::Interrupted,
            Signal::Terminate => Status::Terminated,
        }
    }
}

#[derive(Debug, Clone)]
enum Billing {
    Launch {
        provider: String,
        name: String,
        instance_id: Option<String>,
        price_per_hour_usd: f64,
    },
    Release {
        /// `(id, name)` not yet confirmed released.
        pending: Vec<(String, String)>,
        released: Vec<String>,
    },
}

struct Current {
    billing: Option<Billing>,
    json: bool,
}

static CURRENT: Mutex<Current> = Mutex::new(Current {
    billing: None,
    json: false,
});

fn with<R>(f: impl FnOnce(&mut Current) -> R) -> R {
    f(&mut CURRENT.lock().unwrap_or_else(|e| e.into_inner()))
}

/// Clears the record when dropped: the command finished what it registered.
pub struct Guard(());

impl Drop for Guard {
    fn drop(&mut self) {
        with(|c| c.billing = None);
    }
}

/// A create request for `name` is about to be sent.
pub fn launching(provider: &str, name: &str, price_per_hour_usd: f64, json: bool) -> Guard {
    with(|c| {
        c.json = json;
        c.billing = Some(Billing::Launch {
            provider: provider.to_string(),
            name: name.to_string(),
            instance_id: None,
            price_per_hour_usd,
        });
    });
    Guard(())
}

/// The create answered with this instance id.
pub fn launched(instance_id: &str) {
    with(|c| {
        if let Some(Billing::Launch {
            instance_id: id, ..
        }) = &mut c.billing
        {
            *id = Some(instance_id.to_string());
        }
    });
}

/// These instances (`(provider:id, name)`) are about to be released.
pub fn releasing(targets: Vec<(String, String)>, json: bool) -> Guard {
    with(|c| {
        c.json = json;
        c.billing = Some(Billing::Release {
            pending: targets,
            released: Vec::new(),
        });
    });
    Guard(())
}

/// The provider confirmed this one is gone.
pub fn released(id: &str) {
    with(|c| {
        if let Some(Billing::Release { pending, released }) = &mut c.billing {
            pending.retain(|(p, _)| p != id);
            released.push(id.to_string());
        }
    });
}

#[derive(Serialize)]
struct Interrupted<'a> {
    interrupted: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_id: Option<&'a str>,
    may_be_billing: Vec<String>,
    released: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    price_per_hour_usd: Option<f64>,
    release_command: Option<String>,
}

/// A signal, with what was in flight when it came (taken then: the interrupted command is
/// dropped, and its guards with it, before anything is printed).
pub struct Interrupt {
    signal: Signal,
    billing: Option<Billing>,
    json: bool,
}

/// Say what the interrupt left billing, and give the error `main` exits with.
pub fn interrupted(interrupt: Interrupt, paint: &crate::ui::Paint) -> CliError {
    let Interrupt {
        signal,
        billing,
        json,
    } = interrupt;
    let status = signal.status();
    let Some(billing) = billing else {
        // Nothing was in flight (a `watch` being stopped, a question declined): say nothing.
        return CliError::new(status, "interrupted");
    };
    let mut lines = Vec::new();
    let report = match &billing {
        Billing::Launch {
            provider,
            name,
            instance_id,
            price_per_hour_usd,
        } => {
            let (target, what) = match instance_id {
                Some(id) => (
                    format!("{provider}:{id}"),
                    format!(
                        "`{provider}` created {provider}:{id} (`{name}`); it may be running and billing ${price_per_hour_usd:.2}/hour"
                    ),
                ),
                None => (
                    name.clone(),
                    format!(
                        "a create request for `{name}` was sent to `{provider}`; the instance may exist and be billing ${price_per_hour_usd:.2}/hour (the ledger keeps it, `gpu ls` shows it)"
                    ),
                ),
            };
            lines.push(format!("interrupted ({}): {what}", signal.name()));
            lines.push(format!("release it with: gpu down {target} --yes"));
            Interrupted {
                interrupted: signal.name(),
                provider: Some(provider),
                name: Some(name),
                instance_id: instance_id.as_deref(),
                may_be_billing: vec![target.clone()],
                released: Vec::new(),
                price_per_hour_usd: Some(*price_per_hour_usd),
                release_command: Some(format!("gpu down {target} --yes")),
            }
        }
        Billing::Release { pending, released } => {
            let left: Vec<String> = pending.iter().map(|(id, _)| id.clone()).collect();
            lines.push(format!(
                "interrupted ({}): released {}; not confirmed released, may still bill: {}",
                signal.name(),
                if released.is_empty() {
                    "none".to_string()
                } else {
                    released.join(", ")
                },
                if left.is_empty() {
                    "none".to_string()
                } else {
                    left.join(", ")
                }
            ));
            let command = (!left.is_empty()).then(|| format!("gpu down {} --yes", left.join(" ")));
            if let Some(c) = &command {
                lines.push(format!("release them with: {c}"));
            }
            Interrupted {
                interrupted: signal.name(),
                provider: None,
                name: None,
                instance_id: None,
                may_be_billing: left,
                released: released.clone(),
                price_per_hour_usd: None,
                release_command: command,
            }
        }
    };
    let mut err = String::new();
    for (k, l) in lines.iter().enumerate() {
        let tag = if k == 0 {
            paint.warning("warning:")
        } else {
            paint.hint("hint:")
        };
        err.push_str(&format!("{tag} {l}\n"));
    }
    crate::ui::stderr_text(&err);
    if json {
        if let Ok(mut s) = serde_json::to_string_pretty(&report) {
            s.push('\n');
            let _ = crate::output::write_stdout(&s);
        }
    }
    CliError::new(status, "interrupted")
}

/// Where signals go while a command handles them itself ([`take_signals`]).
static FORWARD: Mutex<Option<tokio::sync::mpsc::UnboundedSender<Signal>>> = Mutex::new(None);

/// Signals for a command that handles them itself (`gpu run` releases what it rented before
/// it exits). While this lives, a signal no longer stops the command: it arrives here.
pub struct Signals {
    rx: tokio::sync::mpsc::UnboundedReceiver<Signal>,
}

pub fn take_signals() -> Signals {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    *FORWARD.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
    Signals { rx }
}

impl Signals {
    /// The next signal.
    pub async fn next(&mut self) -> Signal {
        match self.rx.recv().await {
            Some(s) => s,
            None => std::future::pending().await,
        }
    }
    /// A signal that has already arrived, if any.
    pub fn try_next(&mut self) -> Option<Signal> {
        self.rx.try_recv().ok()
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        *FORWARD.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// What an interrupt would say now, without clearing the record: for a command that handles
/// signals itself and gives up on the second one.
pub fn snapshot(signal: Signal) -> Interrupt {
    let (billing, json) = with(|c| (c.billing.clone(), c.json));
    Interrupt {
        signal,
        billing,
        json,
    }
}

/// The next Ctrl-C or SIGTERM that the command does not handle itself, and what was in
/// flight at that moment.
pub async fn interrupt() -> Interrupt {
    let mut signals = Listener::new();
    loop {
        let signal = signals.next().await;
        let forward = FORWARD.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(tx) = forward {
            if tx.send(signal).is_ok() {
                continue;
            }
        }
        let (billing, json) = with(|c| (c.billing.take(), c.json));
        return Interrupt {
            signal,
            billing,
            json,
        };
    }
}

/// Ctrl-C and SIGTERM, listened to from the start so that none is missed between two.
struct Listener {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Listener {
    fn new() -> Listener {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Listener {
                term: signal(SignalKind::terminate()).ok(),
                int: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        Listener {}
    }

    async fn next(&mut self) -> Signal {
        #[cfg(unix)]
        if let (Some(term), Some(int)) = (self.term.as_mut(), self.int.as_mut()) {
            return tokio::select! {
                _ = int.recv() => Signal::Interrupt,
                _ = term.recv() => Signal::Terminate,
            };
        }
        let _ = tokio::signal::ctrl_c().await;
        Signal::Interrupt
    }
}
