//! What a run says when it is done: the one JSON object of `gpu run --json`.

use gpu_providers::Instance;
use serde::Serialize;

use crate::lifecycle::ledger::Entry;
use crate::lifecycle::owner;
use crate::lifecycle::remote::Target;

/// What `gpu run --json` prints: one object.
#[derive(Debug, Serialize)]
pub struct Report {
    /// `exited`, `timed_out`, `interrupted`, `not_reachable`, `sync_failed` or `failed`.
    pub outcome: &'static str,
    /// `gpu run`'s own exit code (see `gpu run --help`).
    pub exit_code: u8,
    /// The command's exit code, when it ran to its end.
    pub command_exit_code: Option<u8>,
    pub command: Vec<String>,
    pub instance: Option<InstanceView>,
    pub released: bool,
    pub kept: bool,
    pub release_error: Option<String>,
    /// How to release it, when it was kept or its release failed.
    pub release_command: Option<String>,
    pub error: Option<String>,
    pub started_at: String,
    pub seconds: Seconds,
    pub synced_bytes: Option<u64>,
    /// `--sync-back`: the bytes copied back, or why they could not be.
    pub synced_back_bytes: Option<u64>,
    pub sync_back_error: Option<String>,
    /// The instance's price per hour times the time from create to confirmed release: an
    /// estimate of the bill (providers round to their own billing unit); of every attempt.
    pub cost_usd: f64,
    /// Each instance rented, in order: more than one when `--recover` rented again.
    pub attempts: Vec<Attempt>,
}

/// One instance of a run, and why it ended.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub attempt: u32,
    /// `provider:id`.
    pub instance: String,
    pub provider: String,
    /// `exited`, `lost`, `timed_out`, ...
    pub outcome: &'static str,
    pub error: Option<String>,
    pub released: bool,
    /// From create to release.
    pub billed_seconds: f64,
    pub cost_usd: f64,
}

#[derive(Debug, Default, Serialize)]
pub struct Seconds {
    /// From start to created.
    pub rent: f64,
    pub sync: Option<f64>,
    pub command: Option<f64>,
    pub sync_back: Option<f64>,
    pub release: Option<f64>,
    /// From create to confirmed release (or to now, when kept).
    pub billed: f64,
    pub total: f64,
}

#[derive(Debug, Serialize)]
pub struct InstanceView {
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
    pub fn new(command: &[String], started_at: String) -> Report {
        Report {
            outcome: "not_reachable",
            exit_code: 0,
            command_exit_code: None,
            command: command.to_vec(),
            instance: None,
            released: false,
            kept: false,
            release_error: None,
            release_command: None,
            error: None,
            started_at,
            seconds: Seconds::default(),
            synced_bytes: None,
            synced_back_bytes: None,
            sync_back_error: None,
            cost_usd: 0.0,
            attempts: Vec::new(),
        }
    }

    /// This attempt, as the report says it now.
    pub fn attempt(&self, n: u32) -> Attempt {
        Attempt {
            attempt: n,
            instance: self
                .instance
                .as_ref()
                .map(|i| i.id.clone())
                .unwrap_or_default(),
            provider: self
                .instance
                .as_ref()
                .map(|i| i.provider.clone())
                .unwrap_or_default(),
            outcome: self.outcome,
            error: self.error.clone(),
            released: self.released,
            billed_seconds: self.seconds.billed,
            cost_usd: self.cost_usd,
        }
    }

    pub fn set_instance(&mut self, i: &Instance, e: &Entry, t: Option<&Target>) {
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
