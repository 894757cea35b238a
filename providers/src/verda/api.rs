//! Verda wire shapes (`verda-cloud/sdk-python`, `verda/instance_types`).

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct InstanceType {
    pub instance_type: String,
    /// US dollars per instance-hour, as a string.
    pub price_per_hour: Option<serde_json::Value>,
    pub spot_price: Option<serde_json::Value>,
    pub currency: Option<String>,
    pub cpu: Option<Cpu>,
    pub gpu: Option<Gpu>,
    pub memory: Option<Size>,
    /// Total for all GPUs.
    pub gpu_memory: Option<Size>,
    pub storage: Option<Size>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Cpu {
    /// The document types the counts `number`: `2.0` is 2.
    #[serde(deserialize_with = "crate::http::whole_count")]
    pub number_of_cores: u32,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Gpu {
    #[serde(default, deserialize_with = "crate::http::null_as_empty")]
    pub description: String,
    #[serde(deserialize_with = "crate::http::whole_count")]
    pub number_of_gpus: u32,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Size {
    pub size_in_gigabytes: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Token {
    pub access_token: String,
    /// Seconds the token is good for (3600 in Verda's answers).
    #[serde(default)]
    pub expires_in: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LocationAvailability {
    pub location_code: String,
    #[serde(default)]
    pub availabilities: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub code: Option<String>,
    pub message: Option<String>,
}

/// An instance as `GET /v1/instances` lists it (`location` here, `location_code` in requests).
#[derive(Debug, Deserialize)]
pub(crate) struct Instance {
    pub id: String,
    #[serde(default, deserialize_with = "crate::http::null_as_empty")]
    pub hostname: String,
    #[serde(default, deserialize_with = "crate::http::null_as_empty")]
    pub description: String,
    pub ip: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "crate::http::null_as_empty")]
    pub status: String,
    pub location: Option<String>,
    /// The whole instance, per hour; a number or a numeric string.
    pub price_per_hour: Option<serde_json::Value>,
    pub gpu: Option<Gpu>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SshKey {
    pub id: String,
    #[serde(default, deserialize_with = "crate::http::null_as_empty")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::http::null_as_empty")]
    pub key: String,
}

/// `GET /v1/volume-types`: what a GB of each kind of volume costs a month.
#[derive(Debug, Deserialize)]
pub(crate) struct VolumeType {
    #[serde(rename = "type")]
    pub kind: String,
    pub price: VolumePrice,
}

#[derive(Debug, Deserialize)]
pub(crate) struct VolumePrice {
    pub price_per_month_per_gb: Option<f64>,
    pub currency: Option<String>,
}
