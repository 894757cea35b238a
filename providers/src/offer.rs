//! The normalised offer every adapter produces and every output format prints.

use serde::{Deserialize, Serialize};

/// Where a price came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Asked from the provider's API just now.
    Live,
    /// From the catalog embedded in the binary: a public list price of the date in `as_of`.
    Catalog,
    /// A live answer kept in the local cache; `as_of` says when it was asked.
    Cache,
}

/// One thing a user can rent: an instance type in a region, at a price.
///
/// Field names are part of the `--json` contract: add fields, never rename them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    /// Provider id, e.g. `lambda`.
    pub provider: String,
    /// What `gpu up` accepts: `<provider>:<provider's own id>`.
    pub offer_id: String,
    /// The provider's name for the machine shape, e.g. `gpu_8x_h100_sxm5`.
    pub instance_type: String,
    /// Canonical GPU family, e.g. `H100`, `RTX 4090`; an unknown GPU keeps its own name.
    pub gpu: String,
    /// Form factor where it matters: `SXM`, `PCIe`, `NVL`.
    pub gpu_variant: Option<String>,
    /// Memory of one GPU, in GB.
    pub gpu_memory_gb: Option<f64>,
    pub gpu_count: u32,
    /// The share of one card each GPU of the offer is, for a slice (a MIG instance): 0.25 for
    /// `MIG 1g.24gb` of a 96 GB card; `None` for whole cards.
    #[serde(default)]
    pub gpu_fraction: Option<f64>,
    pub vcpus: Option<u32>,
    /// System memory of the whole instance, in GB.
    pub memory_gb: Option<f64>,
    pub disk_gb: Option<f64>,
    pub region: String,
    /// Interruptible (spot, bid, preemptible) rather than on-demand.
    pub spot: bool,
    /// Price of the whole instance per hour, in US dollars.
    pub price_per_hour_usd: f64,
    /// `price_per_hour_usd / gpu_count`.
    pub price_per_gpu_hour_usd: f64,
    /// Whether the provider says it can be launched now; `None` when it does not say.
    pub available: Option<bool>,
    /// The provider's own stock signal where it gives one (`high`, `low`, a count).
    pub stock: Option<String>,
    pub source: Source,
    /// RFC 3339 time of a live answer, or the date of a catalog price.
    pub as_of: String,
    /// The endpoint or public page the price came from.
    pub source_url: String,
    /// The part of `price_per_hour_usd` that pays for the disk (`--disk`, or what `gpu up`
    /// asks for by default), where the provider bills disk by the hour; `None` where the
    /// price covers the disk or the provider bills none.
    #[serde(default)]
    pub storage_price_per_hour_usd: Option<f64>,
    /// The source of a catalog price gives no date of its own: `as_of` is the day the price was
    /// read there (newest evidence), and the price may be older. Tables show it as `~DATE`.
    #[serde(default)]
    pub as_of_estimated: bool,
    /// For a `catalog` row from a public catalog (`gpu catalog refresh`): which one
    /// (`skypilot`, `gpuhunt`, `gpurentalprices`); `None` for the embedded catalog and live answers.
    #[serde(default)]
    pub catalog_source: Option<String>,
    /// Where the region is: ISO 3166-1 alpha-2 country code, `None` when unknown or priced
    /// everywhere (`any`). Filled in from `gpu_providers::place`.
    #[serde(default)]
    pub country: Option<std::borrow::Cow<'static, str>>,
    /// `NA`, `SA`, `EU`, `AS`, `OC` or `AF`, with `country`.
    #[serde(default)]
    pub continent: Option<std::borrow::Cow<'static, str>>,
    /// Price per unit of work, where the GPU's data sheet figures are known.
    #[serde(flatten)]
    pub value: Value,
}

/// What an hour of this offer costs per unit of compute or memory bandwidth, from the GPU's
/// data sheet (`gpu_providers::specs`). Filled in by the caller; `None` for GPUs not listed there.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Value {
    /// US dollars per PFLOP-hour of dense BF16 Tensor Core compute.
    #[serde(default)]
    pub usd_per_bf16_pflop_hour: Option<f64>,
    /// US dollars per hour per TB/s of GPU memory bandwidth.
    #[serde(default)]
    pub usd_per_tbs_hour: Option<f64>,
}

impl Offer {
    /// Fill in `country` and `continent` from the provider's region.
    pub fn locate(&mut self) {
        // A provider that names the country itself (Prime Intellect) is taken at its word.
        let place = self
            .country
            .as_deref()
            .and_then(crate::place::of_code)
            .or_else(|| crate::place::of(&self.provider, &self.region));
        // Borrowed from the place table: no allocation per offer.
        self.country = place.map(|(c, _)| std::borrow::Cow::Borrowed(c));
        self.continent = place.map(|(_, k)| std::borrow::Cow::Borrowed(k));
        if self.gpu_fraction.is_none() {
            self.gpu_fraction =
                crate::gpu::fraction(&self.gpu, self.gpu_variant.as_deref(), self.gpu_memory_gb);
        }
    }

    /// GPU label for tables: `H100 SXM 80GB`.
    pub fn gpu_label(&self) -> String {
        let mut s = self.gpu.clone();
        if let Some(v) = &self.gpu_variant {
            s.push(' ');
            s.push_str(v);
        }
        if let Some(m) = self.gpu_memory_gb {
            s.push_str(&format!(" {}GB", m.round()));
        }
        s
    }

    /// Total GPU memory of the instance.
    pub fn total_gpu_memory_gb(&self) -> Option<f64> {
        self.gpu_memory_gb.map(|m| m * f64::from(self.gpu_count))
    }
}

/// Per-GPU price from an instance price; `gpu_count` is at least 1 by construction.
pub fn per_gpu(price_per_hour: f64, gpu_count: u32) -> f64 {
    price_per_hour / f64::from(gpu_count.max(1))
}

/// Current time as RFC 3339 with seconds, UTC.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}
