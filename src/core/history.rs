//! The price history: per provider, GPU and UTC day, the lowest and median price seen in live
//! answers. Every [`crate::core::find::find`] with live answers adds to it ([`record`]).

use std::time::{Duration, SystemTime};

use gpu_providers::Offer;

use crate::config::Config;
use crate::core::find::OfferFilter;
use crate::core::Messages;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::history::{Day, History};
use crate::rank::Filters;
use crate::ui::Ui;

/// Which days of which offers.
#[derive(Debug, Clone)]
pub struct HistoryRequest {
    pub filter: OfferFilter,
    /// How many days back, today included.
    pub days: u32,
}

/// What [`daily`] found.
pub struct Daily {
    pub days: Vec<Day>,
    /// When it was read (the last day shown is this one's).
    pub now: SystemTime,
    /// `NoMatch` when nothing is recorded or nothing matches.
    pub status: Status,
    pub said: Messages,
}

fn data_dir(env: &Env) -> Result<std::path::PathBuf, CliError> {
    crate::lifecycle::ledger::Store::default_dir(env.get(crate::env::DATA_DIR)).ok_or_else(|| {
        CliError::failure("no data directory is known on this system").hint("set `GPU_DATA_DIR`")
    })
}

fn retention(config: &Config) -> f64 {
    config
        .history_days
        .unwrap_or(crate::history::DEFAULT_RETENTION_DAYS)
}

/// Record the live offers of a `gpu find`. History is a convenience: failing to record it is
/// a debug line, never an error.
pub fn record(offers: &[Offer], config: &Config, env: &Env, ui: &Ui) {
    let days = retention(config);
    if days <= 0.0
        || !offers
            .iter()
            .any(|o| o.source == gpu_providers::Source::Live)
    {
        return;
    }
    let result = data_dir(env)
        .and_then(|d| History::open(&d))
        .and_then(|mut h| {
            h.record(
                offers,
                SystemTime::now(),
                Duration::from_secs_f64(days * 86_400.0),
            )
            .map_err(|e| CliError::failure("could not record the price history").cause(e))
        });
    if let Err(e) = result {
        if ui.verbose {
            ui.debug(&e.message);
        }
    }
}

/// The days asked for, from the history in the data directory.
pub fn daily(req: &HistoryRequest, env: &Env) -> Result<Daily, CliError> {
    let dir = data_dir(env)?;
    crate::rank::check_gpu_names(&req.filter)?;
    let filters = Filters::from_request(&req.filter);
    let now = SystemTime::now();
    let recorded = History::path(&dir).exists();
    let days = if recorded {
        History::open(&dir)?
            .daily(&filters, req.days, now)
            .map_err(|e| CliError::failure("could not read the price history").cause(e))?
    } else {
        Vec::new()
    };
    let mut said = Messages::default();
    let status = if !recorded {
        said.note("no price history yet: every `gpu find` that gets live answers adds to it");
        Status::NoMatch
    } else if days.is_empty() {
        said.note("no recorded offer matches these filters in that period");
        Status::NoMatch
    } else {
        Status::Success
    };
    Ok(Daily {
        days,
        now,
        status,
        said,
    })
}
