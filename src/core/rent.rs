//! Renting one instance: what to rent (an offer id, or the cheapest offer that matches), what
//! it gets at boot, its name, deadline and labels, and how many offers to try. The steps are
//! in [`crate::lifecycle`]; this file names the request and the results.

use std::path::PathBuf;
use std::time::Duration;

use gpu_providers::{Offer, PlannedRequest};
use serde::Serialize;

use crate::core::find::{OfferFilter, SortKey};

/// How long a launch waits for the instance to run and answer on SSH unless told otherwise.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(15 * 60);

/// Rent one instance.
#[derive(Debug, Clone)]
pub struct RentRequest {
    /// An offer id from [`crate::core::find`] (`lambda:gpu_1x_h100_pcie@us-east-1`); without
    /// one, the cheapest live offer matching `filter` is tried first.
    pub offer: Option<String>,
    pub filter: OfferFilter,
    /// An SSH public key file, or the name of a key registered with the provider.
    pub ssh_key: Option<String>,
    /// The instance's name (prefixed with `gpu-`): renting the same name again finds the
    /// instance instead of renting a second one.
    pub name: Option<String>,
    pub labels: Vec<(String, String)>,
    /// A container or machine image, where the provider takes one.
    pub image: Option<String>,
    /// Variables for the instance: `KEY=VALUE`, or `KEY` for this process's value of it.
    pub env: Vec<String>,
    /// A script the instance runs as root once at boot.
    pub startup_script: Option<PathBuf>,
    /// How long to wait for the instance to run and answer on SSH.
    pub wait_timeout: Duration,
    /// The deadline, kept at the provider.
    pub ttl: Option<Duration>,
    /// Plan only: say what would be sent, send nothing that creates anything.
    pub dry_run: bool,
    /// Rent without asking.
    pub yes: bool,
    /// The order offers are tried in [default: the whole instance's price per hour].
    pub sort: Option<SortKey>,
    /// Offers to try when one has no capacity.
    pub max_attempts: u32,
    /// Seconds to wait for each provider's API.
    pub timeout: Option<f64>,
    /// Stdout is one JSON object for a script: what an interrupt says goes there too.
    pub json: bool,
}

impl Default for RentRequest {
    fn default() -> RentRequest {
        RentRequest {
            offer: None,
            filter: OfferFilter::default(),
            ssh_key: None,
            name: None,
            labels: Vec::new(),
            image: None,
            env: Vec::new(),
            startup_script: None,
            wait_timeout: DEFAULT_WAIT,
            ttl: None,
            dry_run: false,
            yes: false,
            sort: None,
            max_attempts: 3,
            timeout: None,
            json: false,
        }
    }
}

/// A dry run: what would be tried, in order, and the requests each would send (secrets
/// masked). Nothing was sent that creates anything.
#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    pub dry_run: bool,
    pub name: String,
    /// The owner id the instance would carry at the provider.
    pub owner: String,
    /// RFC 3339.
    pub deadline: Option<String>,
    /// `KEY=VALUE` for the instance, secret values masked.
    pub env: Vec<String>,
    pub startup_script: Option<String>,
    pub attempts: Vec<PlannedAttempt>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedAttempt {
    pub offer: Offer,
    pub requests: Vec<PlannedRequest>,
}

impl Planned {
    /// The dry run as a person reads it; `command` is `up` or `run`, `then` what would follow.
    pub fn text(&self, command: &str, then: &[String]) -> String {
        let mut s = format!(
            "dry run: `gpu {command}` would launch `{}`, trying in order:\n",
            self.name
        );
        if let Some(d) = &self.deadline {
            s.push_str(&format!("deadline: {d}\n"));
        }
        if !self.env.is_empty() {
            s.push_str(&format!("env: {}\n", self.env.join(" ")));
        }
        if let Some(p) = &self.startup_script {
            s.push_str(&format!("startup script: {p}\n"));
        }
        for (n, a) in self.attempts.iter().enumerate() {
            s.push_str(&format!(
                "{}. {} ({})\n",
                n + 1,
                crate::lifecycle::choose::describe(&a.offer),
                a.offer.offer_id
            ));
            for r in &a.requests {
                s.push_str(&format!("   {} {}\n", r.method, r.url));
                if let Some(b) = &r.body {
                    s.push_str(&format!("   {b}\n"));
                }
            }
        }
        for line in then {
            s.push_str(line);
            s.push('\n');
        }
        s.push_str("nothing was sent that creates anything\n");
        s
    }

    /// The dry run as one JSON object (pretty, with a newline), with `then`'s fields (for
    /// `run`) after its own.
    pub fn json_text(
        &self,
        then: serde_json::Map<String, serde_json::Value>,
    ) -> Result<String, serde_json::Error> {
        #[derive(Serialize)]
        struct With<'a> {
            #[serde(flatten)]
            plan: &'a Planned,
            #[serde(flatten)]
            then: serde_json::Map<String, serde_json::Value>,
        }
        let mut s = serde_json::to_string_pretty(&With { plan: self, then })?;
        s.push('\n');
        Ok(s)
    }
}
