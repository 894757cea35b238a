//! FluidStack wire shapes (as SkyPilot's `fetch_fluidstack.py` reads them).

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct Configuration {
    pub gpu_type: String,
    #[serde(default)]
    pub gpu_counts: Vec<u32>,
    /// US dollars per GPU-hour; FluidStack's OpenAPI types it as a string (`"5"`), SkyPilot's
    /// reader takes either.
    pub price_per_gpu_hr: Option<serde_json::Value>,
    #[serde(default)]
    pub regions: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    /// A string, or for a 422 a list of `{loc, msg, type}`.
    pub detail: Option<serde_json::Value>,
    pub error: Option<String>,
    /// What a 401 carries.
    pub message: Option<String>,
}
