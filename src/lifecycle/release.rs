//! Releasing: terminate, then ask the provider until it confirms the instance is gone. A
//! release the provider does not confirm is an error, never a silent success.

use std::time::Duration;

use gpu_providers::Provider;

/// How many status checks (`GPU_POLL_INTERVAL` apart, 5 s by default) a release makes for the
/// provider to confirm an instance is gone.
pub const CONFIRM_POLLS: u32 = 12;

/// Terminate `id` and wait for the provider to report it gone or on its way out.
pub async fn release(provider: &dyn Provider, id: &str, interval: Duration) -> Result<(), String> {
    provider.terminate(id).await.map_err(|e| e.message)?;
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
