//! Rented machines: what a launch asks for and what a provider reports back.

use serde::{Deserialize, Serialize};

/// Every instance this tool launches carries a name starting with this, so that `gpu ls` can
/// find instances the ledger lost (a crash between create and record).
pub const NAME_PREFIX: &str = "gpu-";

/// Where an instance is in its life, reduced from each provider's own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Asked for; booting, pulling an image, waiting for a host.
    Provisioning,
    Running,
    /// Stopped or exited but still existing (and often still billing for disk).
    Stopped,
    /// On its way out.
    Terminating,
    Terminated,
    /// The provider reports an error state.
    Failed,
    Unknown,
}

impl State {
    /// Still costs money or may start to.
    pub fn is_live(self) -> bool {
        !matches!(self, State::Terminating | State::Terminated)
    }
    pub fn is_gone(self) -> bool {
        matches!(self, State::Terminating | State::Terminated)
    }
}

/// How to reach an instance over SSH.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ssh {
    pub host: String,
    pub port: u16,
    pub user: String,
}

impl Ssh {
    pub fn command(&self) -> String {
        if self.port == 22 {
            format!("ssh {}@{}", self.user, self.host)
        } else {
            format!("ssh -p {} {}@{}", self.port, self.user, self.host)
        }
    }
}

/// One instance as the provider reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub provider: String,
    /// The provider's id, as `gpu down` takes it (`<provider>:<id>` also works).
    pub id: String,
    pub name: String,
    pub state: State,
    /// The provider's own status word, for display.
    pub status: String,
    pub gpu: Option<String>,
    pub gpu_count: Option<u32>,
    pub region: Option<String>,
    pub price_per_hour_usd: Option<f64>,
    pub ssh: Option<Ssh>,
    /// The owner id of the `gpu` that created it, as kept at the provider; `None`: not
    /// created by `gpu` (or by a version that kept no owner).
    #[serde(default)]
    pub owner: Option<String>,
    /// Its deadline as kept at the provider, Unix seconds.
    #[serde(default)]
    pub deadline: Option<u64>,
    /// The launcher id of the machine (data directory) that created it, as kept at the
    /// provider: who may treat it as its own lost instance.
    #[serde(default)]
    pub launcher: Option<String>,
    /// When it was launched, Unix seconds (kept at the provider, else the provider's own).
    #[serde(default)]
    pub launched: Option<u64>,
    /// Why the provider's record of it could not be read whole (the field that failed): it is
    /// kept as `unknown`, still billing for all this tool knows, so that nothing hides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

impl Instance {
    /// One known by its id alone: state `unknown`, the provider's word `status`, nothing else
    /// yet (fill the rest with struct update syntax, or [`Instance::named`]).
    pub fn bare(provider: &str, id: impl Into<String>, status: &str) -> Instance {
        Instance {
            provider: provider.to_string(),
            id: id.into(),
            name: String::new(),
            state: State::Unknown,
            status: status.to_string(),
            gpu: None,
            gpu_count: None,
            region: None,
            price_per_hour_usd: None,
            ssh: None,
            owner: None,
            deadline: None,
            launcher: None,
            launched: None,
            unreadable: None,
        }
    }

    /// Fill `name`, `owner` and `deadline` from a name as the provider lists it.
    pub fn named(mut self, raw: &str) -> Instance {
        let d = crate::tags::decode_name(raw);
        self.name = d.name;
        self.owner = self.owner.or(d.owner);
        self.deadline = self.deadline.or(d.deadline);
        self.launcher = self.launcher.or(d.launcher);
        self.launched = self.launched.or(d.launched);
        self.price_per_hour_usd = self.price_per_hour_usd.or(d.price_per_hour_usd);
        self
    }

    /// Fill the same from tags, where a provider has them (`gpu-owner`, `gpu-deadline`,
    /// `gpu-launcher`, `gpu-launched`, `gpu-price`), then from the name.
    pub fn tagged(mut self, tag: impl Fn(&str) -> Option<String>, raw_name: &str) -> Instance {
        use crate::tags;
        self.owner = tag(tags::OWNER_TAG).filter(|o| tags::valid_owner(o));
        self.deadline = tag(tags::DEADLINE_TAG).and_then(|d| tags::parse_deadline(&d));
        self.launcher = tag(tags::LAUNCHER_TAG).filter(|l| tags::valid_launcher(l));
        self.launched = tag(tags::LAUNCHED_TAG).and_then(|d| tags::parse_deadline(&d));
        if self.price_per_hour_usd.is_none() {
            self.price_per_hour_usd = tag(tags::PRICE_TAG)
                .and_then(|p| p.trim().parse::<f64>().ok())
                .filter(|p| p.is_finite() && *p >= 0.0);
        }
        self.named(raw_name)
    }

    /// The tags to send where a provider has them: `(key, value)`.
    pub fn tags_for(req: &LaunchRequest) -> Vec<(&'static str, String)> {
        use crate::tags;
        let mut out = Vec::new();
        if let Some(o) = &req.owner {
            out.push((tags::OWNER_TAG, o.clone()));
        }
        if let Some(d) = req.deadline {
            out.push((tags::DEADLINE_TAG, d.to_string()));
        }
        if let Some(l) = &req.launcher {
            out.push((tags::LAUNCHER_TAG, l.clone()));
        }
        if let Some(t) = req.launched {
            out.push((tags::LAUNCHED_TAG, t.to_string()));
        }
        if let Some(p) = req.price_per_hour_usd {
            out.push((tags::PRICE_TAG, format!("{p:.4}")));
        }
        out
    }
}

/// What `gpu up` asks a provider for. Its `Debug` masks secret-looking `env` values.
#[derive(Clone, Default)]
pub struct LaunchRequest {
    /// The provider's part of the offer id (after `<provider>:`).
    pub offer: String,
    /// Region to launch in, where the offer names one.
    pub region: Option<String>,
    /// Instance name; always starts with [`NAME_PREFIX`].
    pub name: String,
    /// SSH public key text, for providers that take it at launch.
    pub ssh_public_key: Option<String>,
    /// Name of a key already registered with the provider.
    pub ssh_key_name: Option<String>,
    pub image: Option<String>,
    pub disk_gb: Option<u32>,
    /// Highest price per hour the caller accepts; adapters that bid (Vast spot) use it.
    pub max_price_per_hour: Option<f64>,
    /// The offer is interruptible (a bid on Vast).
    pub offer_spot: bool,
    /// The owner id to keep at the provider (tags, else the name).
    pub owner: Option<String>,
    /// The deadline to keep at the provider, Unix seconds.
    pub deadline: Option<u64>,
    /// The launcher id of this machine's data directory, kept at the provider.
    pub launcher: Option<String>,
    /// This launch's time, Unix seconds, kept at the provider.
    pub launched: Option<u64>,
    /// The price per hour agreed to, kept at the provider (for budgets read from any machine).
    pub price_per_hour_usd: Option<f64>,
    /// Environment variables for the instance (`--env`); see [`crate::boot`].
    pub env: std::collections::BTreeMap<String, String>,
    /// A script the instance runs once at boot, as root (`--startup-script`).
    pub startup_script: Option<String>,
    /// This launch attempt (its ledger intent's time, the process, the instant): a create sent again within
    /// it is the same create, a later launch under the same name is a new one. Providers with
    /// idempotency tokens (AWS's `ClientToken`) make theirs from it.
    pub attempt: Option<String>,
}

impl std::fmt::Debug for LaunchRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let env: Vec<String> = self
            .env
            .iter()
            .map(|(k, v)| {
                if crate::boot::is_secret_name(k) {
                    format!("{k}=***")
                } else {
                    format!("{k}={v}")
                }
            })
            .collect();
        f.debug_struct("LaunchRequest")
            .field("offer", &self.offer)
            .field("region", &self.region)
            .field("name", &self.name)
            .field("ssh_key_name", &self.ssh_key_name)
            .field("image", &self.image)
            .field("disk_gb", &self.disk_gb)
            .field("max_price_per_hour", &self.max_price_per_hour)
            .field("offer_spot", &self.offer_spot)
            .field("owner", &self.owner)
            .field("deadline", &self.deadline)
            .field("launcher", &self.launcher)
            .field("launched", &self.launched)
            .field("price_per_hour_usd", &self.price_per_hour_usd)
            .field("env", &env)
            .field(
                "startup_script",
                &self.startup_script.as_ref().map(|s| s.len()),
            )
            .finish_non_exhaustive()
    }
}

impl LaunchRequest {
    /// The name to send to a provider that has no tags: owner and deadline encoded in it.
    pub fn tagged_name(&self) -> String {
        crate::tags::encode(
            &self.name,
            &crate::tags::Meta {
                owner: self.owner.as_deref(),
                launcher: self.launcher.as_deref(),
                deadline: self.deadline,
                launched: self.launched,
                price_per_hour_usd: self.price_per_hour_usd,
            },
        )
    }
}

/// A request as `--dry-run` prints it: nothing secret in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedRequest {
    pub method: String,
    pub url: String,
    pub body: Option<serde_json::Value>,
}
