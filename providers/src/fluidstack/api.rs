//! FluidStack wire shapes (as SkyPilot's `fetch_fluidstack.py` reads them).

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct Configuration {
    pub gpu_type: String,
    #[serde(default)]
    pub gpu_counts: Vec<u32>,
    /// US dollars per GPU-hour.
    pub price_per_gpu_hr: Option<f64>,
    #[serde(default)]
    pub regions: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub detail: Option<String>,
    pub error: Option<String>,
}
