//! Who this machine is, kept apart from the ledger: `<data dir>/identity.json` holds the
//! owner id made for this data directory (when neither `GPU_OWNER` nor `owner` names one) and
//! its launcher id. Deleting, emptying or corrupting `ledger.json` changes neither, so the
//! machine still knows its own instances at the providers and `gpu ls` shows the ones the
//! ledger lost as its orphans.
//!
//! The owner is who may release an instance when it expires (a team's runners share one);
//! the launcher is the one data directory that may treat an instance as its own lost one.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::exit::CliError;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launcher: Option<String>,
    /// Fields written by another version, kept as they are.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn path(dir: &Path) -> PathBuf {
    dir.join("identity.json")
}

/// What the file says; a missing or unreadable file is an empty identity (never an error: the
/// ids only make a machine know its own instances, they never decide that one bills).
pub fn read(dir: &Path) -> Identity {
    fs::read(path(dir))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn io_error(dir: &Path, e: std::io::Error) -> CliError {
    CliError::failure(format!(
        "could not write `{}`",
        path(dir).display()
    ))
    .cause(e)
    .hint("it keeps this machine's owner and launcher ids; check that the data directory is writable (or set `GPU_DATA_DIR`)")
}

/// Fill what is missing under a lock and return the identity as written. `fill` sees the
/// current file and sets only what it lacks (`get_or_insert_with`): an id, once written, is
/// never replaced. A file that exists but cannot be read is never overwritten.
pub fn ensure(dir: &Path, fill: impl FnOnce(&mut Identity)) -> Result<Identity, CliError> {
    fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("identity.lock"))
        .map_err(|e| io_error(dir, e))?;
    lock.lock().map_err(|e| io_error(dir, e))?;
    let before: Identity = match fs::read(path(dir)) {
        Ok(b) => serde_json::from_slice(&b).map_err(|e| {
            CliError::failure(format!("`{}` cannot be read: {e}", path(dir).display())).hint(
                "it keeps this machine's owner and launcher ids: repair it, or move it away to make new ones",
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Identity::default(),
        Err(e) => return Err(io_error(dir, e)),
    };
    let mut id = before.clone();
    fill(&mut id);
    if id != before {
        write(dir, &id).map_err(|e| io_error(dir, e))?;
    }
    drop(lock);
    Ok(id)
}

fn write(dir: &Path, id: &Identity) -> std::io::Result<()> {
    let tmp = dir.join(".identity.json.tmp");
    let result = (|| {
        let mut f = File::create(&tmp)?;
        let text = serde_json::to_vec_pretty(id).map_err(std::io::Error::other)?;
        f.write_all(&text)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        fs::rename(&tmp, path(dir))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_once_written_are_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()), Identity::default());
        let a = ensure(dir.path(), |i| {
            i.owner.get_or_insert_with(|| "a1b2c3d4".into());
            i.launcher.get_or_insert_with(|| "0000000a".into());
        })
        .unwrap();
        let b = ensure(dir.path(), |i| {
            i.owner.get_or_insert_with(|| "other".into());
            i.launcher.get_or_insert_with(|| "0000000b".into());
        })
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(read(dir.path()).launcher.as_deref(), Some("0000000a"));
    }

    #[test]
    fn a_corrupt_file_reads_as_empty_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(path(dir.path()), "{not json").unwrap();
        assert_eq!(read(dir.path()), Identity::default());
        assert!(ensure(dir.path(), |i| i.owner = Some("x".into())).is_err());
        assert_eq!(fs::read_to_string(path(dir.path())).unwrap(), "{not json");
    }
}
