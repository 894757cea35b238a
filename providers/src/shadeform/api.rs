//! Shadeform's answers, as much of them as the adapter reads. Everything but the ids is
//! optional or defaulted: fields come and go between clouds (`ip` and `ssh_port` are null
//! until an instance is active, `nvlink` and `boot_time` are optional).

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Types {
    /// Each read on its own: one type that does not fit costs only itself.
    #[serde(default)]
    pub instance_types: Vec<crate::http::Item<Type>>,
}

#[derive(Debug, Deserialize)]
pub struct Type {
    pub cloud: String,
    pub shade_instance_type: String,
    #[serde(default)]
    pub configuration: Configuration,
    /// Whole US cents per hour for the whole instance.
    pub hourly_price: Option<f64>,
    #[serde(default)]
    pub availability: Vec<Availability>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Configuration {
    pub memory_in_gb: Option<f64>,
    pub storage_in_gb: Option<f64>,
    pub vcpus: Option<u32>,
    pub num_gpus: Option<u32>,
    pub gpu_type: Option<String>,
    pub interconnect: Option<String>,
    pub vram_per_gpu_in_gb: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub struct Availability {
    pub region: String,
    #[serde(default)]
    pub available: bool,
    /// `on_demand` or `spot` (Shadeform's newer document: a type that sells spot lists a second
    /// entry per region); absent in older answers, which are on-demand.
    #[serde(default)]
    pub rental_type: Option<String>,
    /// A spot entry's own price: US dollars per instance-hour as a decimal string (`"1.50"`);
    /// the type's `hourly_price` is in cents and is the on-demand price.
    #[serde(default)]
    pub hourly_price: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub struct Created {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub struct Instances {
    #[serde(default)]
    pub instances: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub struct Instance {
    pub id: String,
    pub region: Option<String>,
    #[serde(default, deserialize_with = "crate::http::null_as_empty")]
    pub name: String,
    #[serde(default)]
    pub configuration: Configuration,
    pub ip: Option<String>,
    pub ssh_user: Option<String>,
    pub ssh_port: Option<u16>,
    #[serde(default, deserialize_with = "crate::http::null_as_empty")]
    pub status: String,
    pub hourly_price: Option<f64>,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct SshKeys {
    #[serde(default)]
    pub ssh_keys: Vec<SshKey>,
}

#[derive(Debug, Deserialize)]
pub struct SshKey {
    pub id: String,
    #[serde(default, deserialize_with = "crate::http::null_as_empty")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::http::null_as_empty")]
    pub public_key: String,
}

#[derive(Debug, Deserialize)]
pub struct Error {
    pub error_code: Option<String>,
    pub error: Option<String>,
    pub message: Option<String>,
}
