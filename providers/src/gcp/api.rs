//! Cloud Billing Catalog wire shapes (`services.skus.list`).

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Page {
    #[serde(default)]
    pub skus: Vec<crate::http::Item<Sku>>,
    pub next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Sku {
    #[serde(default)]
    pub description: String,
    pub category: Option<Category>,
    #[serde(default)]
    pub service_regions: Vec<String>,
    #[serde(default)]
    pub pricing_info: Vec<PricingInfo>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Category {
    pub resource_family: Option<String>,
    /// `OnDemand`, `Preemptible` (spot), `Commit1Yr`, ...
    #[serde(default)]
    pub usage_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PricingInfo {
    pub pricing_expression: PricingExpression,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PricingExpression {
    #[serde(default)]
    pub tiered_rates: Vec<TieredRate>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TieredRate {
    pub start_usage_amount: Option<f64>,
    pub unit_price: Money,
}

/// `units` is an int64 as a string; `nanos` billionths.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Money {
    pub currency_code: Option<String>,
    pub units: Option<String>,
    pub nanos: Option<i32>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorDetail {
    #[serde(default)]
    pub message: String,
}
