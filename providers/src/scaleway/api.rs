//! Scaleway Instance API wire shapes (`products/servers`, `products/servers/availability`).

use std::collections::BTreeMap;

use serde::Deserialize;

/// One page of `products/servers` or of its availability.
/// Each entry is read on its own: one that cannot be read costs that server type only.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: serde::de::DeserializeOwned"))]
pub(crate) struct Paged<T> {
    pub servers: BTreeMap<String, crate::http::Item<T>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Server {
    pub ncpus: Option<u32>,
    /// Bytes.
    pub ram: Option<f64>,
    pub gpu: Option<u32>,
    /// Euros per hour.
    pub hourly_price: Option<f64>,
    /// `null` for CPU types.
    #[serde(default)]
    pub gpu_info: Option<GpuInfo>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct GpuInfo {
    /// Not the marketing name: `H100-PCIe`, `RTX-3070`, `P100`.
    pub gpu_name: Option<String>,
    /// Bytes.
    pub gpu_memory: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ServerAvailability {
    /// `available`, `scarce` or `shortage`.
    pub availability: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub message: Option<String>,
}
