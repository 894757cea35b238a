//! `gpu config check --live` and the end of `gpu config init`: ask each provider that has a
//! key whether it takes it, for prices and, where `gpu` rents there, for listing instances.

use std::time::Duration;

use gpu_providers::{ErrorKind, OfferQuery, Provider, ProviderEntry};

use crate::config::Config;
use crate::env::Env;
use crate::exit::Status;
use crate::ui::Ui;

/// What one call with the key came back with.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Taken; the number of offers or instances in the answer.
    Ok(usize),
    /// Refused as a credential (401/403): exit 4.
    Refused(String),
    /// Not reached, or an answer that was not a verdict on the key: exit 3.
    Failed(String),
    /// The provider has no such call in `gpu`.
    NotAsked,
}

#[derive(Debug, Clone)]
pub struct Verdict {
    pub id: &'static str,
    pub prices: Answer,
    pub instances: Answer,
}

impl Verdict {
    pub fn refused(&self) -> bool {
        matches!(self.prices, Answer::Refused(_)) || matches!(self.instances, Answer::Refused(_))
    }
    pub fn status(&self) -> Status {
        let failed = |a: &Answer| matches!(a, Answer::Failed(_));
        if self.refused() {
            Status::Auth
        } else if failed(&self.prices) || failed(&self.instances) {
            Status::Partial
        } else {
            Status::Success
        }
    }
}

fn answer<T>(
    r: Result<Result<Vec<T>, gpu_providers::ProviderError>, tokio::time::error::Elapsed>,
    timeout: f64,
) -> Answer {
    match r {
        Ok(Ok(items)) => Answer::Ok(items.len()),
        Ok(Err(e)) if e.kind == ErrorKind::Auth => Answer::Refused(e.message),
        Ok(Err(e)) if e.kind == ErrorKind::Unsupported => Answer::NotAsked,
        Ok(Err(e)) => Answer::Failed(e.message),
        Err(_) => Answer::Failed(format!(
            "no response within {}s",
            crate::gather::fmt_secs(timeout)
        )),
    }
}

/// Ask `entry` with the key and settings `config` and `env` give it.
pub async fn check(entry: &'static ProviderEntry, config: &Config, env: &Env, ui: &Ui) -> Verdict {
    let (r, provider): (_, Box<dyn Provider>) =
        match crate::gather::build(entry.id, config, env, ui) {
            Ok(built) => built,
            Err(e) => {
                return Verdict {
                    id: entry.id,
                    prices: Answer::Failed(e.message),
                    instances: Answer::NotAsked,
                }
            }
        };
    let limit = Duration::from_secs_f64(r.timeout);
    let prices = if entry.capabilities.live_offers {
        answer(
            tokio::time::timeout(limit, provider.offers(&OfferQuery::default())).await,
            r.timeout,
        )
    } else {
        Answer::NotAsked
    };
    let instances = if entry.capabilities.launch {
        answer(
            tokio::time::timeout(limit, provider.instances()).await,
            r.timeout,
        )
    } else {
        Answer::NotAsked
    };
    Verdict {
        id: entry.id,
        prices,
        instances,
    }
}

/// `lambda  prices: ok (12 offers)  instances: refused: ...`, one line per provider.
pub fn lines(verdicts: &[Verdict]) -> Vec<String> {
    let width = verdicts.iter().map(|v| v.id.len()).max().unwrap_or(0);
    verdicts
        .iter()
        .map(|v| {
            let say = |a: &Answer, noun: &str| match a {
                Answer::Ok(n) => Some(format!("ok ({})", crate::ui::count(*n, noun))),
                Answer::Refused(m) => Some(format!("refused the key: {m}")),
                Answer::Failed(m) => Some(format!("not checked: {m}")),
                Answer::NotAsked => None,
            };
            let mut parts = Vec::new();
            if let Some(p) = say(&v.prices, "offer") {
                parts.push(format!("prices {p}"));
            }
            if let Some(i) = say(&v.instances, "instance") {
                parts.push(format!("renting {i}"));
            }
            if parts.is_empty() {
                parts.push("nothing to check with a key".into());
            }
            format!("{:width$}  {}", v.id, parts.join("; "))
        })
        .collect()
}
