//! Releasing: terminate, then ask the provider until it confirms the instance is gone. A
//! release the provider does not confirm is an error, never a silent success.
//!
//! Confirmation takes two answers: the provider's status read for the id (gone, or "no such
//! instance") and its list (not showing it, or showing it ended). A status 404 while the list
//! still shows the instance running is a provider that ignored the terminate: still billing.
//! A list that cannot be read while the status read shows the instance ended confirms the
//! release with a warning; a bare 404 with no list to agree is not confirmed.

use std::time::Duration;

use gpu_providers::{Instance, Provider, ProviderError};

use crate::exit::CliError;
use crate::lifecycle::ledger::{EntryStatus, Store};

/// How many status checks (`GPU_POLL_INTERVAL` apart, 5 s by default) a release makes for the
/// provider to confirm an instance is gone.
pub const CONFIRM_POLLS: u32 = 12;

/// A release the provider confirmed.
#[derive(Debug, Default)]
pub struct Confirmed {
    /// What could not be checked (the list did not answer), for a warning.
    pub unlisted: Option<String>,
}

/// A release that was not confirmed: the instance may still bill.
#[derive(Debug)]
pub struct NotReleased {
    pub message: String,
    /// The provider refused the key (exit 4, with the variable to set).
    pub auth: bool,
}

impl From<ProviderError> for NotReleased {
    fn from(e: ProviderError) -> Self {
        NotReleased {
            auth: e.kind == gpu_providers::ErrorKind::Auth,
            message: e.message,
        }
    }
}

impl From<String> for NotReleased {
    fn from(message: String) -> Self {
        NotReleased {
            message,
            auth: false,
        }
    }
}

/// Terminate `id` and wait for the provider to report it gone or on its way out.
pub async fn release(
    provider: &dyn Provider,
    id: &str,
    interval: Duration,
) -> Result<Confirmed, NotReleased> {
    provider.terminate(id).await?;
    confirm(provider, id, interval).await
}

/// Whether a listed instance still bills.
fn listed_live(list: &[Instance], id: &str) -> Option<String> {
    list.iter()
        .find(|i| i.id == id && i.state.is_live())
        .map(|i| i.status.clone())
}

/// After a terminate the provider accepted: ask until both its status read and its list say
/// the instance is gone.
pub async fn confirm(
    provider: &dyn Provider,
    id: &str,
    interval: Duration,
) -> Result<Confirmed, NotReleased> {
    let mut polls = 0;
    let mut list_failures = 0;
    loop {
        polls += 1;
        let last = polls >= CONFIRM_POLLS;
        // After a terminate the provider accepted, "no such instance" is the status's word
        // that it is gone; the list must agree.
        let mut said_ended = false;
        let not_gone = match provider.instance(id).await {
            Ok(None) => None,
            Ok(Some(i)) if i.state.is_gone() => {
                said_ended = true;
                None
            }
            Ok(Some(i)) => Some(format!(
                "the provider still reports it as `{}`: still billing",
                i.status
            )),
            Err(e) => Some(format!(
                "the release was sent but could not be confirmed ({}): it may still be billing",
                e.message
            )),
        };
        match not_gone {
            Some(why) if last => return Err(why.into()),
            Some(_) => {}
            None => match provider.instances().await {
                Ok(list) => match listed_live(&list, id) {
                    None => return Ok(Confirmed::default()),
                    Some(word) if last => {
                        return Err(format!(
                            "the provider accepted the terminate, but after {polls} checks its list still shows it as `{word}`: still billing"
                        )
                        .into())
                    }
                    Some(_) => {}
                },
                // The status read shows it ended (not merely "no such instance", which a
                // provider that ignored the terminate also answers): a list that goes on
                // failing cannot say otherwise.
                Err(e) if said_ended && list_failures + 1 >= crate::lifecycle::ABSENT_READS => {
                    return Ok(Confirmed {
                        unlisted: Some(format!(
                            "its status says it ended, but the instance list could not be read to confirm it: {}",
                            e.message
                        )),
                    })
                }
                Err(e) if last => {
                    return Err(format!(
                        "the provider no longer knows the id, but its instance list could not be read to confirm that nothing bills ({}): it may still be billing",
                        e.message
                    )
                    .into())
                }
                Err(_) => list_failures += 1,
            },
        }
        tokio::time::sleep(interval).await;
    }
}

/// Close the ledger entry of a confirmed release on `provider`: the entry with this instance
/// id, else (no id known yet) the open entry of this name. Another entry of the same name,
/// on another provider or with another id, is left alone.
pub fn record(
    store: &Store,
    provider: &str,
    name: Option<&str>,
    instance_id: Option<&str>,
    note: &str,
) -> Result<(), CliError> {
    let now = gpu_providers::offer::now_rfc3339();
    store.update(|l| {
        let found = l.entries.iter_mut().rev().find(|e| {
            e.status.is_open()
                && e.provider == provider
                && match (instance_id, e.instance_id.as_deref()) {
                    (Some(id), Some(theirs)) => id == theirs,
                    (_, None) => name.is_some_and(|n| n == e.name),
                    (None, Some(_)) => false,
                }
        });
        if let Some(e) = found {
            e.status = EntryStatus::Released;
            e.released_at = Some(now.clone());
            e.note = Some(note.to_string());
            if e.instance_id.is_none() {
                e.instance_id = instance_id.map(str::to_string);
            }
        }
    })
}
