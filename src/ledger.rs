//! The ledger: every instance this tool launched, recorded on disk BEFORE the create request is
//! sent and updated after, so that nothing that bills money is forgotten.
//!
//! The file is `<data dir>/gpu/ledger.json` (`GPU_DATA_DIR` overrides the directory). Every
//! change happens under an exclusive lock on `ledger.lock` (two `gpu up`/`gpu down` at once
//! never lose each other's entries) and is written to a temporary file, flushed to disk and
//! renamed over the old one, so a killed process leaves either the old or the new ledger, never
//! half of one.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use gpu_providers::Ssh;
use serde::{Deserialize, Serialize};

use crate::exit::CliError;

const VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryStatus {
    /// About to send the create request (or sent it and crashed before hearing back).
    Intent,
    /// The provider gave an instance id.
    Launched,
    /// The create request failed and nothing was created.
    Failed,
    /// The create request's outcome is not known: the instance may exist.
    Unknown,
    /// Terminated by `gpu down`, or found gone at the provider.
    Released,
}

impl EntryStatus {
    /// May be billing now.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            EntryStatus::Intent | EntryStatus::Launched | EntryStatus::Unknown
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Unique; also the instance's name at the provider (`gpu-...`).
    pub name: String,
    pub provider: String,
    pub offer_id: String,
    pub instance_id: Option<String>,
    pub status: EntryStatus,
    pub gpu: String,
    pub gpu_count: u32,
    pub region: String,
    pub price_per_hour_usd: f64,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub created_at: String,
    pub launched_at: Option<String>,
    pub released_at: Option<String>,
    /// RFC 3339; `--ttl` recorded so `gpu ls` flags overdue instances.
    pub deadline: Option<String>,
    pub ssh: Option<Ssh>,
    /// Why it failed or how it was released.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Ledger {
    pub version: u32,
    pub entries: Vec<Entry>,
}

impl Ledger {
    pub fn open_entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.status.is_open())
    }
    pub fn by_name(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.name == name)
    }
    pub fn by_name_mut(&mut self, name: &str) -> Option<&mut Entry> {
        self.entries.iter_mut().rev().find(|e| e.name == name)
    }
}

/// Where the ledger lives.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn new(dir: PathBuf) -> Store {
        Store { dir }
    }

    pub fn default_dir(override_dir: Option<&str>) -> Option<PathBuf> {
        match override_dir {
            Some(d) => Some(PathBuf::from(d)),
            None => dirs::data_dir().map(|d| d.join("gpu")),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join("ledger.json")
    }

    fn io_error(&self, what: &str, e: std::io::Error) -> CliError {
        CliError::failure(format!("could not {what} the ledger in `{}`", self.dir.display()))
            .cause(e)
            .hint("the ledger records what `gpu up` launched; check that the directory is writable (or set `GPU_DATA_DIR`)")
    }

    /// Read without locking (for `gpu ls` views; a concurrent writer replaces the file
    /// atomically, so a reader sees one whole version).
    pub fn read(&self) -> Result<Ledger, CliError> {
        read_file(&self.path()).map_err(|e| match e {
            ReadError::Io(e) => self.io_error("read", e),
            ReadError::Corrupt(msg) => corrupt(&self.path(), &msg),
        })
    }

    /// Read, change and write back under the lock.
    pub fn update<R>(&self, change: impl FnOnce(&mut Ledger) -> R) -> Result<R, CliError> {
        fs::create_dir_all(&self.dir).map_err(|e| self.io_error("create", e))?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join("ledger.lock"))
            .map_err(|e| self.io_error("lock", e))?;
        lock.lock().map_err(|e| self.io_error("lock", e))?;
        let mut ledger = self.read()?;
        let result = change(&mut ledger);
        ledger.version = VERSION;
        write_atomic(&self.path(), &ledger).map_err(|e| self.io_error("write", e))?;
        drop(lock); // unlocks
        Ok(result)
    }
}

enum ReadError {
    Io(std::io::Error),
    Corrupt(String),
}

fn read_file(path: &Path) -> Result<Ledger, ReadError> {
    match fs::read(path) {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(Ledger::default()),
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| ReadError::Corrupt(e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Ledger::default()),
        Err(e) => Err(ReadError::Io(e)),
    }
}

fn corrupt(path: &Path, msg: &str) -> CliError {
    CliError::failure(format!("the ledger `{}` cannot be read: {msg}", path.display())).hint(
        "it lists instances that may still be billing: keep a copy, check your providers' consoles, then repair or move the file",
    )
}

fn write_atomic(path: &Path, ledger: &Ledger) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".ledger.json.{}.tmp", std::process::id()));
    {
        let mut f = File::create(&tmp)?;
        let text = serde_json::to_vec_pretty(ledger).map_err(std::io::Error::other)?;
        f.write_all(&text)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600))?;
    }
    fs::rename(&tmp, path)?;
    #[cfg(unix)]
    {
        // Make the rename itself durable.
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> Entry {
        Entry {
            name: name.into(),
            provider: "lambda".into(),
            offer_id: "lambda:gpu_1x_a10@us-east-1".into(),
            instance_id: None,
            status: EntryStatus::Intent,
            gpu: "A10".into(),
            gpu_count: 1,
            region: "us-east-1".into(),
            price_per_hour_usd: 1.29,
            labels: BTreeMap::new(),
            created_at: "2026-11-25T00:00:00Z".into(),
            launched_at: None,
            released_at: None,
            deadline: None,
            ssh: None,
            note: None,
        }
    }

    #[test]
    fn updates_are_persisted_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("gpu"));
        assert!(store.read().unwrap().entries.is_empty());
        store.update(|l| l.entries.push(entry("gpu-a"))).unwrap();
        store
            .update(|l| {
                let e = l.by_name_mut("gpu-a").unwrap();
                e.status = EntryStatus::Launched;
                e.instance_id = Some("i-1".into());
            })
            .unwrap();
        let l = store.read().unwrap();
        assert_eq!(l.entries.len(), 1);
        assert_eq!(l.entries[0].instance_id.as_deref(), Some("i-1"));
        assert_eq!(l.open_entries().count(), 1);
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("gpu"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files are renamed away");
    }

    #[test]
    fn concurrent_writers_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for i in 0..10 {
                        store
                            .update(|l| l.entries.push(entry(&format!("gpu-{t}-{i}"))))
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(store.read().unwrap().entries.len(), 80);
    }

    #[test]
    fn a_corrupt_ledger_is_an_error_not_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        fs::write(store.path(), "{\"version\": 1, \"entries\": [").unwrap();
        let e = store.read().unwrap_err();
        assert!(e.message.contains("cannot be read"), "{}", e.message);
        assert!(
            store.update(|_| ()).is_err(),
            "never overwrite a ledger we could not read"
        );
    }
}
