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
    /// Bare-metal rows give their CPUs here instead of `vcpuCount`.
    #[serde(default)]
    pub cpu_count: Option<f64>,
    pub ram_gb: Option<f64>,
    pub storage_gb: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub message: Option<String>,
    pub error: Option<String>,
    pub detail: Option<String>,
}

/// A rental record as the list and create endpoints return it (observed, not documented).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Rental {
    pub id: u64,
    pub status: Option<String>,
    pub gpu_type: Option<String>,
    pub gpu_count: Option<u32>,
    pub region: Option<String>,
    pub label: Option<String>,
    pub name: Option<String>,
    pub current_term: Option<Term>,
    pub provider_data: Option<ProviderData>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Term {
    pub cost_per_hour_cents: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProviderData {
    #[serde(default)]
    pub ssh_networking: Vec<SshNetworking>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SshNetworking {
    pub host: String,
    pub port: Option<u16>,
    pub user: Option<String>,
}
