//! Oracle price list and Cost Estimator shape list (as `dstackai/gpuhunt` and SkyPilot read
//! them).

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct Products {
    pub items: Vec<crate::http::Item<Product>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Product {
    pub part_number: String,
    #[serde(default)]
    pub currency_code_localizations: Vec<Localization>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Localization {
    pub currency_code: String,
    #[serde(default)]
    pub prices: Vec<Price>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Price {
    pub model: String,
    pub value: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Shapes {
    pub items: Vec<crate::http::Item<Shape>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Shape {
    pub name: String,
    pub hidden: Option<bool>,
    pub allow_preemptible: Option<bool>,
    pub bundle_memory_qty: Option<f64>,
    pub gpu_qty: Option<f64>,
    /// GB of GPU memory: the total for most shapes, per GPU for some (MI355X).
    #[serde(default)]
    pub gpu_memory_qty: Option<f64>,
    pub sub_type: Option<Valued>,
    #[serde(default)]
    pub products: Vec<ShapeProduct>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ShapeProduct {
    #[serde(rename = "partNumber")]
    pub part_number: String,
    pub qty: Option<f64>,
    #[serde(rename = "type")]
    pub kind: Option<Valued>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Valued {
    pub value: String,
}
