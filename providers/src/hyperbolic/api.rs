//! Hyperbolic v2 wire shapes, as observed (no official reference). Every field is optional.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RentalOption {
    pub gpu_type: Option<String>,
    pub gpu_form_factor: Option<String>,
    pub gpu_count: Option<u32>,
    /// US cents per hour for the whole option.
    pub cost_per_hour_cents: Option<f64>,
    pub region: Option<String>,
    pub machine_type: Option<String>,
    pub enabled: Option<bool>,
    /// Missing means unknown.
    pub total_available: Option<u32>,
    #[serde(default)]
    pub nodes: Vec<Node>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Node {
    pub vcpu_count: Option<f64>,
    pub ram_gb: Option<f64>,
    pub storage_gb: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub message: Option<String>,
    pub error: Option<String>,
    pub detail: Option<String>,
}
