//! Releasing: terminate, then ask the provider until it confirms the instance is gone. A
//! release the provider does not confirm is an error, never a silent success.

use std::time::Duration;

use gpu_providers::Provider;

use crate::exit::CliError;
use crate::lifecycle::ledger::{EntryStatus, Store};

/// How many status checks (`GPU_POLL_INTERVAL` apart, 5 s by default) a release makes for the
/// provider to confirm an instance is gone.
pub const CONFIRM_POLLS: u32 = 12;

/// Terminate `id` and wait for the provider to report it gone or on its way out.
pub async fn release(provider: &dyn Provider, id: &str, interval: Duration) -> Result<(), String> {
    provider.terminate(id).await.map_err(|e| e.message)?;
    confirm(provider, id, interval).await
}

/// After a terminate the provider accepted: ask until it reports the instance gone.
pub async fn confirm(provider: &dyn Provider, id: &str, interval: Duration) -> Result<(), String> {
    let mut polls = 0;
    loop {
        polls += 1;
        // After a terminate the provider accepted, "no such instance" is the confirmation.
        match provider.instance(id).await {
            Ok(None) => return Ok(()),
            Ok(Some(i)) if i.state.is_gone() => return Ok(()),
            Ok(Some(i)) if polls >= CONFIRM_POLLS => {
                return Err(format!("the provider still reports it as `{}`", i.status))
            }
            Err(e) if polls >= CONFIRM_POLLS => {
                return Err(format!(
                    "the release was sent but could not be confirmed: {}",
                    e.message
                ))
            }
            _ => tokio::time::sleep(interval).await,
        }
    }
}

/// Close the ledger entry of a confirmed release (by name, else instance id).
pub fn record(
    store: &Store,
    name: &str,
    instance_id: Option<&str>,
    note: &str,
) -> Result<(), CliError> {
    let now = gpu_providers::offer::now_rfc3339();
    store.update(|l| {
        if let Some(e) = l.entries.iter_mut().rev().find(|e| {
            e.status.is_open() && (e.name == name || e.instance_id.as_deref() == instance_id)
        }) {
            e.status = EntryStatus::Released;
            e.released_at = Some(now.clone());
            e.note = Some(note.to_string());
        }
    })
}
