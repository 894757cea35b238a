//! RunPod REST v2 wire shapes (`docs.runpod.io/api-reference-v2/catalog/list-gpu-types`).

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct Catalog {
    /// Each read on its own: one type that does not fit costs only itself.
    pub gpus: Vec<crate::http::Item<GpuType>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GpuType {
    /// The long NVIDIA name that a pod request sends, e.g. `NVIDIA H100 80GB HBM3`.
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// GB of VRAM per GPU.
    pub memory: Option<f64>,
    #[serde(default)]
    pub secure: bool,
    #[serde(default)]
    pub community: bool,
    pub price: Prices,
    #[serde(default)]
    pub max_count: MaxCount,
    /// `NONE | LOW | MEDIUM | HIGH`, only with `include=AVAILABILITY`.
    pub availability: Option<String>,
    /// Omitted when the GPU is unavailable everywhere.
    pub data_centers: Option<Vec<DataCenter>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Prices {
    /// US dollars per GPU-hour.
    pub secure: Option<f64>,
    pub community: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct MaxCount {
    pub secure: Option<u32>,
    pub community: Option<u32>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DataCenter {
    pub id: String,
    pub availability: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Problem {
    pub title: Option<String>,
    pub detail: Option<String>,
    /// A 422's list of what failed validation (`$.field: why`).
    #[serde(default)]
    pub errors: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PodList {
    pub pods: Vec<serde_json::Value>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

/// Not in the v2 reference (2.9.0 lists every pod in one answer, `includeClusterPods` its only
/// parameter); read in case a paged answer appears, so that it is never taken as complete.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Pagination {
    #[serde(default)]
    pub has_next_page: bool,
}

/// `Pod` in the v2 reference; only what we read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Pod {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// `PROVISIONING | STARTING | RUNNING | EXITED | ERROR | TERMINATED`
    pub status: String,
    pub data_center_id: Option<String>,
    /// US dollars per hour for the whole pod; 0 when exited or terminated.
    pub cost: Option<f64>,
    pub gpu: Option<PodGpu>,
    pub ssh: Option<PodSsh>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PodGpu {
    pub id: String,
    /// Defaults to 1 in the reference, which does not require it.
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
pub(crate) struct PodSsh {
    pub direct: Option<SshEndpoint>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SshEndpoint {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
}
