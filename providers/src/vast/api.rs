//! Vast.ai wire shapes (`vast-ai/docs` OpenAPI, `search-offers`). Many fields can be null.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct Bundles {
    pub offers: Vec<crate::http::Item<Bundle>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Bundle {
    /// The ask contract id: what gets rented.
    pub id: u64,
    pub machine_id: Option<u64>,
    pub gpu_name: Option<String>,
    pub num_gpus: Option<u32>,
    /// Per-GPU memory in MB.
    pub gpu_ram: Option<f64>,
    /// Whole host; can be null.
    pub cpu_cores: Option<f64>,
    /// The share that comes with this offer.
    pub cpu_cores_effective: Option<f64>,
    /// Whole host, MB.
    pub cpu_ram: Option<f64>,
    /// GB.
    pub disk_space: Option<f64>,
    /// US dollars per hour for the whole offer, storage of `allocated_storage` GB included.
    pub dph_total: Option<f64>,
    /// The GPU part of `dph_total`, US dollars per hour.
    pub dph_base: Option<f64>,
    /// US dollars per GB-month of disk.
    pub storage_cost: Option<f64>,
    /// Lowest bid for an interruptible instance, dollars per hour.
    pub min_bid: Option<f64>,
    pub geolocation: Option<String>,
    pub rentable: Option<bool>,
    pub rented: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: Option<String>,
    pub msg: Option<String>,
    pub detail: Option<String>,
}

/// `PUT /asks/{id}/` answer.
#[derive(Debug, Deserialize)]
pub(crate) struct Created {
    pub new_contract: u64,
}

/// One page of `GET /api/v1/instances/`: `instances` may be `null` (read as none), and
/// `next_token` is the cursor of the next page, `null` on the last.
#[derive(Debug, Deserialize)]
pub(crate) struct InstancePage {
    pub instances: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct OneInstance {
    pub instances: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RentedInstance {
    pub id: u64,
    pub label: Option<String>,
    /// null while provisioning, then `loading`, `running`, `stopped`, `exited`, ...
    pub actual_status: Option<String>,
    pub ssh_host: Option<String>,
    pub ssh_port: Option<u16>,
    pub gpu_name: Option<String>,
    pub num_gpus: Option<u32>,
    pub geolocation: Option<String>,
    pub dph_total: Option<f64>,
}
