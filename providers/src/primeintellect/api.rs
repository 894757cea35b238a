//! Prime Intellect's answers, as much of them as the adapter reads. Availability is camelCase
//! (`totalCount`), pod lists snake_case (`total_count`); most fields are nullable.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Availability {
    #[serde(default)]
    pub items: Vec<crate::http::Item<Offer>>,
    #[serde(default)]
    pub total_count: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    pub cloud_id: String,
    pub gpu_type: String,
    #[serde(default)]
    pub socket: Option<String>,
    pub provider: String,
    #[serde(default)]
    pub data_center: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub gpu_count: Option<u32>,
    /// GB for the whole box (the reference says per GPU; the answers do not).
    #[serde(default)]
    pub gpu_memory: Option<f64>,
    #[serde(default)]
    pub disk: Option<Spec>,
    #[serde(default)]
    pub vcpu: Option<Spec>,
    #[serde(default)]
    pub memory: Option<Spec>,
    #[serde(default)]
    pub stock_status: Option<String>,
    #[serde(default)]
    pub security: Option<String>,
    #[serde(default)]
    pub prices: Prices,
    #[serde(default)]
    pub images: Vec<String>,
    #[serde(default)]
    pub is_spot: Option<bool>,
}

/// An adjustable resource: how much comes by default and what more costs per unit-hour.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    pub min_count: Option<f64>,
    pub default_count: Option<f64>,
    pub max_count: Option<f64>,
    pub price_per_unit: Option<f64>,
    pub default_included_in_price: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Prices {
    pub on_demand: Option<f64>,
    pub community_price: Option<f64>,
    pub currency: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub total_count: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pod {
    pub id: String,
    #[serde(default, deserialize_with = "crate::http::null_as_empty")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::http::null_as_empty")]
    pub status: String,
    #[serde(default)]
    pub gpu_name: Option<String>,
    #[serde(default)]
    pub gpu_count: Option<u32>,
    #[serde(default)]
    pub price_hr: Option<f64>,
    /// `"root@1.2.3.4 -p 22"`, a list of those (one per node, `[null]` when stopped) or null.
    #[serde(default)]
    pub ssh_connection: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SshKey {
    pub id: String,
    #[serde(default, deserialize_with = "crate::http::null_as_empty")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::http::null_as_empty")]
    pub public_key: String,
}

/// `{"detail": "..."}` (or FastAPI's list of `{"msg"}`), or the reference's
/// `{"errors": [{"param", "details"}]}`.
#[derive(Debug, Deserialize)]
pub struct Error {
    pub detail: Option<serde_json::Value>,
    pub errors: Option<Vec<ParamError>>,
    pub message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ParamError {
    pub param: Option<String>,
    pub details: Option<String>,
}
