//! TensorDock v2 wire shapes (`dashboard.tensordock.com/api/docs`, fetch-hostnodes/locations).

use serde::Deserialize;

use crate::http::Item;

#[derive(Debug, Deserialize)]
pub(crate) struct Locations {
    pub data: Data,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Data {
    pub locations: Vec<Item<Location>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Location {
    pub id: String,
    pub city: Option<String>,
    pub stateprovince: Option<String>,
    pub country: Option<String>,
    #[serde(default)]
    pub gpus: Vec<Item<LocationGpu>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LocationGpu {
    #[serde(rename = "v0Name")]
    pub v0_name: String,
    #[serde(default)]
    pub max_count: u32,
    /// US dollars per GPU-hour.
    pub price_per_hr: Option<f64>,
    pub resources: Option<Resources>,
    pub pricing: Option<Pricing>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Resources {
    pub max_vcpus: Option<f64>,
    pub max_ram_gb: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Pricing {
    pub per_vcpu_hr: Option<f64>,
    pub per_gb_ram_hr: Option<f64>,
    pub per_gb_storage_hr: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: Option<String>,
    pub message: Option<String>,
}
