//! Scaleway Instance API wire shapes (`products/servers`, `products/servers/availability`).

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct Servers {
    pub servers: BTreeMap<String, Server>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Server {
    pub ncpus: Option<u32>,
    /// Bytes.
    pub ram: Option<f64>,
    pub gpu: Option<u32>,
    /// Euros per hour.
    pub hourly_price: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Availability {
    pub servers: BTreeMap<String, ServerAvailability>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ServerAvailability {
    /// `available`, `scarce` or `shortage`.
    pub availability: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub message: Option<String>,
}
