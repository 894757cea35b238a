//! Lambda's wire shapes (OpenAPI v1.10.0). Unknown fields are ignored.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct InstanceTypes {
    /// Each type read on its own: one that does not fit costs only itself.
    pub data: BTreeMap<String, crate::http::Item<InstanceTypeEntry>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct InstanceTypeEntry {
    pub instance_type: InstanceType,
    #[serde(default)]
    pub regions_with_capacity_available: Vec<Region>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct InstanceType {
    pub name: String,
    #[serde(default)]
    pub gpu_description: String,
    /// US cents per hour for the whole instance.
    pub price_cents_per_hour: f64,
    pub specs: Specs,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Specs {
    pub vcpus: u32,
    pub memory_gib: u32,
    pub storage_gib: u32,
    pub gpus: u32,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Region {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorDetail {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Data<T> {
    pub data: T,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Launched {
    pub instance_ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SshKey {
    pub name: String,
    pub public_key: String,
}

/// `Instance` in the OpenAPI; `ip` is absent while booting.
#[derive(Debug, Deserialize)]
pub(crate) struct RunningInstance {
    pub id: String,
    pub name: Option<String>,
    pub ip: Option<String>,
    pub status: String,
    pub region: Option<Region>,
    /// Read leniently: older answers leave fields of it out (`specs.gpus`, `gpu_description`),
    /// and one odd instance must not make the whole list unreadable.
    pub instance_type: Option<InstanceBrief>,
    /// `[{key, value}]`; absent on instances launched without tags.
    #[serde(default)]
    pub tags: Option<Vec<Tag>>,
}

/// An instance's type, every field optional.
#[derive(Debug, Deserialize)]
pub(crate) struct InstanceBrief {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub gpu_description: String,
    pub price_cents_per_hour: Option<f64>,
    pub specs: Option<SpecsBrief>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SpecsBrief {
    pub gpus: Option<u32>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}
