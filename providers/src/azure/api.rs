//! Azure Retail Prices wire shapes (api-version 2023-01-01-preview).

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct Page {
    #[serde(rename = "Items")]
    pub items: Vec<crate::http::Item<Item>>,
    #[serde(rename = "NextPageLink")]
    pub next_page_link: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Item {
    pub currency_code: Option<String>,
    /// Price per `unitOfMeasure`. Lenient (like the region): one odd item costs only itself.
    #[serde(default)]
    pub retail_price: f64,
    #[serde(default)]
    pub arm_region_name: String,
    #[serde(default)]
    pub meter_name: String,
    #[serde(default)]
    pub product_name: String,
    #[serde(default)]
    pub sku_name: String,
    #[serde(default)]
    pub unit_of_measure: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub arm_sku_name: String,
    /// Several meters can price one size in one region; the primary one is the price.
    pub is_primary_meter_region: Option<bool>,
    pub effective_start_date: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(rename = "Error")]
    pub error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorDetail {
    #[serde(rename = "Message", default)]
    pub message: String,
}
