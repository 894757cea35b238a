//! Cloud GPU provider adapters for the `gpu` CLI.
//!
//! Every cloud lives in its own module (`lambda/`, `vast/`, ...) behind the [`Provider`] trait
//! and is listed once in [`REGISTRY`]. Adapters see only what a [`ProviderContext`] hands them:
//! a key, a base URL, the shared [`Http`] client and their own settings table. They convert the
//! provider's wire shapes into the normalised [`Offer`] at the edge; nothing provider-specific
//! leaves the module.

pub mod boot;
pub mod catalog;
#[cfg(test)]
mod conformance;
pub mod error;
#[cfg(test)]
mod fuzz;
pub mod gpu;
pub mod http;
pub mod instance;
#[cfg(test)]
mod instance_lists;
pub mod offer;
pub mod place;
pub mod plugin;
pub mod secret;
pub mod specs;
pub mod sshkey;
pub mod tags;

mod aws;
mod azure;
mod fluidstack;
mod gcp;
mod hyperbolic;
mod lambda;
mod oci;
mod primeintellect;
mod runpod;
mod scaleway;
mod shadeform;
mod tensordock;
mod vast;
mod verda;

#[cfg(test)]
pub(crate) mod testkit;

pub use error::{ErrorKind, ProviderError};
pub use gpu::{GpuFilter, GpuName};
pub use http::{Http, HttpOptions, RequestLog};
pub use instance::{Instance, LaunchRequest, PlannedRequest, Ssh, State, NAME_PREFIX};
pub use offer::{Offer, Source};
pub use secret::Secret;

/// AWS request signing, for fakes of AWS APIs to check what they receive.
pub use aws::sigv4::verify as verify_aws_signature;

/// What a provider can do through this tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Live offers and prices through the provider's API.
    pub live_offers: bool,
    /// Whether asking for live offers needs an API key.
    pub offers_need_key: bool,
    /// Spot / interruptible offers are reported.
    pub spot: bool,
    /// `gpu up`, `gpu ls` and `gpu down` work (launch, list, terminate).
    pub launch: bool,
    /// An instance ends itself (or the provider ends it) at its deadline, with no machine of
    /// the user's running; where false, only a sweeper (`gpu down --expired`) ends it.
    pub expires_itself: bool,
}

/// Filters an adapter may use to narrow its request. They are hints: the caller re-applies
/// every filter to whatever comes back, so an adapter may ignore any of them.
#[derive(Debug, Clone, Default)]
pub struct OfferQuery {
    pub gpus: Vec<GpuFilter>,
    /// Exact GPU count per instance.
    pub gpu_count: Option<u32>,
    pub min_gpus: Option<u32>,
    /// `Some(true)`: spot only; `Some(false)`: on-demand only; `None`: both.
    pub spot: Option<bool>,
    pub max_price_per_gpu_hour: Option<f64>,
    /// Disk in GB the instance would get (`--disk`); `None`: what `gpu up` asks for by default.
    /// Adapters whose providers bill disk by the hour price it in.
    pub disk_gb: Option<u32>,
}

impl OfferQuery {
    /// Whether offers of this kind (spot or on-demand) are wanted at all.
    pub fn wants_spot(&self) -> bool {
        self.spot != Some(false)
    }
    pub fn wants_on_demand(&self) -> bool {
        self.spot != Some(true)
    }
}

/// Everything an adapter is built from.
pub struct ProviderContext {
    pub api_key: Option<Secret>,
    /// API root without a trailing slash, e.g. `https://cloud.lambda.ai`.
    pub base_url: String,
    pub http: Http,
    /// The provider's own `[providers.<id>]` table, for adapter-specific settings.
    pub settings: toml::Table,
}

fn unsupported(id: &'static str, what: &str) -> ProviderError {
    ProviderError::new(
        id,
        ErrorKind::Unsupported,
        format!("`{id}` cannot {what} through this tool yet"),
    )
}

#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    fn id(&self) -> &'static str;
    /// Current offers, normalised. Filters in `q` are hints.
    async fn offers(&self, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError>;
    /// Parts of the last `offers` answer that failed while the rest succeeded (one region
    /// throttled, spot prices refused), one line each, for the caller to warn about.
    fn gaps(&self) -> Vec<String> {
        Vec::new()
    }

    /// What this provider can hand an instance at boot (`--env`, `--startup-script`).
    fn boot(&self) -> boot::Boot {
        boot::Boot::default()
    }
    /// The requests `launch` would send, for `--dry-run`. Sends nothing.
    fn launch_plan(&self, _req: &LaunchRequest) -> Result<Vec<PlannedRequest>, ProviderError> {
        Err(unsupported(self.id(), "launch instances"))
    }
    /// The requests `launch` would send, exactly, for `--dry-run`: an adapter whose create body
    /// depends on what the provider lists now reads that first. Never sends anything that
    /// creates or changes.
    async fn launch_preview(
        &self,
        req: &LaunchRequest,
    ) -> Result<Vec<PlannedRequest>, ProviderError> {
        self.launch_plan(req)
    }
    /// Create one instance. Never retried on an ambiguous failure: the caller reconciles by
    /// name instead, so that a create that timed out but happened is not made twice.
    async fn launch(&self, _req: &LaunchRequest) -> Result<Instance, ProviderError> {
        Err(unsupported(self.id(), "launch instances"))
    }
    /// Every instance of the account that this provider reports.
    async fn instances(&self) -> Result<Vec<Instance>, ProviderError> {
        Err(unsupported(self.id(), "list instances"))
    }
    /// One instance; `None` when the provider no longer knows it.
    async fn instance(&self, id: &str) -> Result<Option<Instance>, ProviderError> {
        Ok(self.instances().await?.into_iter().find(|i| i.id == id))
    }
    /// Move a running instance's deadline (kept at the provider, where every machine and the
    /// provider's own expiry see it) to `deadline`, Unix seconds. Providers whose API cannot
    /// change what an instance carries answer `Unsupported`.
    async fn set_deadline(
        &self,
        _instance: &Instance,
        _deadline: u64,
    ) -> Result<(), ProviderError> {
        Err(unsupported(
            self.id(),
            "change a running instance's deadline",
        ))
    }
    /// Release an instance. An instance that is already gone is not an error.
    async fn terminate(&self, _id: &str) -> Result<(), ProviderError> {
        Err(unsupported(self.id(), "terminate instances"))
    }
}

/// One line of the registry: how to build an adapter and what to tell users about it.
pub struct ProviderEntry {
    pub id: &'static str,
    pub name: &'static str,
    /// Environment variable conventionally holding the key.
    pub key_env: &'static str,
    pub default_base_url: &'static str,
    pub docs_url: &'static str,
    pub capabilities: Capabilities,
    /// Adapter-specific keys accepted under `[providers.<id>]`, besides the common ones.
    pub settings: &'static [&'static str],
    /// Settings that may also come from an environment variable, `(variable, setting)`; the
    /// variable wins over the file, as keys do.
    pub settings_env: &'static [(&'static str, &'static str)],
    pub build: fn(ProviderContext) -> Result<Box<dyn Provider>, ProviderError>,
}

/// Every live adapter, sorted by id. Adding a cloud adds one line here.
pub const REGISTRY: &[ProviderEntry] = &[
    aws::ENTRY,
    azure::ENTRY,
    fluidstack::ENTRY,
    gcp::ENTRY,
    hyperbolic::ENTRY,
    lambda::ENTRY,
    oci::ENTRY,
    primeintellect::ENTRY,
    runpod::ENTRY,
    scaleway::ENTRY,
    shadeform::ENTRY,
    tensordock::ENTRY,
    vast::ENTRY,
    verda::ENTRY,
];

/// Providers that are known only through the embedded catalog (no live adapter yet), with the
/// variable their key would come from once one exists. Sorted by id.
pub const CATALOG_ONLY: &[(&str, &str)] = &[
    ("coreweave", "CoreWeave"),
    ("nebius", "Nebius"),
    ("paperspace", "Paperspace"),
];

pub fn entry(id: &str) -> Option<&'static ProviderEntry> {
    REGISTRY.iter().find(|e| e.id == id)
}

/// Every provider id this build knows, live or catalog-only, sorted.
pub fn known_ids() -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = REGISTRY
        .iter()
        .map(|e| e.id)
        .chain(CATALOG_ONLY.iter().map(|(id, _)| *id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_ids_are_unique_sorted_and_lowercase() {
        let ids: Vec<_> = REGISTRY.iter().map(|e| e.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            ids, sorted,
            "REGISTRY must be sorted by id without duplicates"
        );
        for id in &ids {
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase()),
                "{id} must be lowercase"
            );
        }
        let catalog_only: Vec<_> = CATALOG_ONLY.iter().map(|(id, _)| *id).collect();
        let mut sorted = catalog_only.clone();
        sorted.sort_unstable();
        assert_eq!(catalog_only, sorted);
        for id in catalog_only {
            assert!(entry(id).is_none(), "{id} is both live and catalog-only");
        }
    }

    #[test]
    fn every_adapter_has_fixtures() {
        for e in REGISTRY {
            let dir = format!("{}/src/{}/fixtures", env!("CARGO_MANIFEST_DIR"), e.id);
            let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
            assert!(n > 0, "{dir} has no fixtures");
        }
    }
}
