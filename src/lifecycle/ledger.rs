//! The ledger: every instance this machine launched, recorded on disk BEFORE the create request
//! is sent and updated after, so that nothing that bills money is forgotten.
//!
//! The file is `<data dir>/gpu/ledger.json` (`GPU_DATA_DIR` overrides the directory). Every
//! change happens under an exclusive lock on `ledger.lock` (two `gpu up`/`gpu down` at once
//! never lose each other's entries) and is written to a temporary file, flushed to disk and
//! renamed over the old one, so a killed process leaves either the old or the new ledger, never
//! half of one. It fails closed: a file that is empty, unreadable or written by a newer version
//! is never replaced, and fields this version does not know are kept as they are.
//!
//! A second lock per instance name (`locks/<name>.lock`) is held by the `gpu up` that is
//! launching that name, from the check for an existing instance until the create's outcome is
//! recorded: concurrent `gpu up --name x` send one create, and `gpu ls` can tell a create still
//! in flight from one whose process died.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use gpu_providers::Ssh;
use serde::{Deserialize, Serialize};

use crate::exit::CliError;

/// The ledger format this build writes. A file of a higher version is read for display but
/// never rewritten.
pub const VERSION: u32 = 1;

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
    /// The owner id the instance carries at the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The private key file beside the public key `up` sent, for `gpu ssh` and `gpu run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// When the provider was first seen not to list it (RFC 3339); cleared when it is seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_since: Option<String>,
    /// How many reads in a row did not list it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub missing_reads: u32,
    /// Fields written by another version, kept as they are.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Entry {
    /// The provider listed it: whatever was missing is forgotten.
    pub fn seen(&mut self) {
        self.missing_since = None;
        self.missing_reads = 0;
    }

    /// The provider's list did not show it. Returns true once absence is proven: at least
    /// [`crate::lifecycle::ABSENT_READS`] reads in a row, the first `grace` ago or longer. One
    /// read never proves anything: a new instance can take minutes to be listed.
    pub fn missed(&mut self, now: SystemTime, grace: Duration) -> bool {
        let since = self
            .missing_since
            .as_deref()
            .and_then(|s| humantime::parse_rfc3339(s).ok())
            .unwrap_or(now);
        if self.missing_since.is_none() {
            self.missing_since = Some(humantime::format_rfc3339_seconds(now).to_string());
        }
        self.missing_reads = self.missing_reads.saturating_add(1);
        self.missing_reads >= crate::lifecycle::ABSENT_READS
            && now.duration_since(since).unwrap_or_default() >= grace
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Ledger {
    pub version: u32,
    /// This machine's owner id, made with the ledger (unless `owner`/`GPU_OWNER` names one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub entries: Vec<Entry>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Ledger {
    pub fn open_entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.status.is_open())
    }
    /// The entry for this name that may be billing, else its latest.
    pub fn by_name(&self, name: &str) -> Option<&Entry> {
        let mut named = self.entries.iter().rev().filter(|e| e.name == name);
        let latest = named.clone().next();
        named.find(|e| e.status.is_open()).or(latest)
    }
    pub fn by_name_mut(&mut self, name: &str) -> Option<&mut Entry> {
        let open = self
            .entries
            .iter()
            .rposition(|e| e.name == name && e.status.is_open());
        let k = open.or_else(|| self.entries.iter().rposition(|e| e.name == name))?;
        self.entries.get_mut(k)
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

    /// The data directory (ledger, locks, gpu's own known_hosts).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join("ledger.json")
    }

    fn io_error(&self, what: &str, e: std::io::Error) -> CliError {
        CliError::failure(format!("could not {what} the ledger `{}`", self.path().display()))
            .cause(e)
            .hint("the ledger records what `gpu up` launched; check that the directory is writable and the disk not full (or set `GPU_DATA_DIR`)")
    }

    /// Read without locking (for `gpu ls` views; a concurrent writer replaces the file
    /// atomically, so a reader sees one whole version).
    pub fn read(&self) -> Result<Ledger, CliError> {
        read_file(&self.path()).map_err(|e| match e {
            ReadError::Io(e) => self.io_error("read", e),
            ReadError::Corrupt(msg) => corrupt(&self.path(), &msg),
        })
    }

    /// Read, change and write back under the lock. Refuses (and changes nothing) when the
    /// file cannot be read or was written by a newer version.
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
        if ledger.version > VERSION {
            return Err(CliError::failure(format!(
                "the ledger `{}` was written by a newer `gpu` (format {}; this one writes {VERSION}); not changing it",
                self.path().display(),
                ledger.version
            ))
            .hint("upgrade `gpu` on this machine (`cargo install --path .` in a newer checkout)"));
        }
        let result = change(&mut ledger);
        ledger.version = VERSION;
        write_atomic(&self.path(), &ledger).map_err(|e| self.io_error("write", e))?;
        drop(lock); // unlocks
        Ok(result)
    }

    /// Take the lock for one instance name, waiting while another `gpu up` holds it.
    pub async fn lock_name(&self, name: &str) -> Result<NameLock, CliError> {
        let dir = self.dir.join("locks");
        fs::create_dir_all(&dir).map_err(|e| self.io_error("create", e))?;
        let path = dir.join(format!("{name}.lock"));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| self.io_error("lock", e))?;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(NameLock { _file: file }),
                Err(fs::TryLockError::WouldBlock) => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await
                }
                Err(fs::TryLockError::Error(e)) => return Err(self.io_error("lock", e)),
            }
        }
    }

    /// Whether a `gpu up` on this machine is launching this name right now.
    pub fn launching(&self, name: &str) -> bool {
        let path = self.dir.join("locks").join(format!("{name}.lock"));
        match OpenOptions::new().write(true).open(path) {
            Ok(f) => matches!(f.try_lock(), Err(fs::TryLockError::WouldBlock)),
            Err(_) => false,
        }
    }
}

/// Held while one name is being launched; released when dropped (or the process dies).
pub struct NameLock {
    _file: File,
}

enum ReadError {
    Io(std::io::Error),
    Corrupt(String),
}

fn read_file(path: &Path) -> Result<Ledger, ReadError> {
    match fs::read(path) {
        // An empty file is not an empty ledger: a full disk or a crash elsewhere made it, and
        // the entries it had may still bill.
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {
            Err(ReadError::Corrupt("the file is empty".into()))
        }
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
    // One name is enough: writers hold the ledger lock.
    let tmp = dir.join(".ledger.json.tmp");
    let written = write_then_rename(&tmp, path, ledger);
    if written.is_err() {
        let _ = fs::remove_file(&tmp); // leave nothing half-written behind
    }
    written?;
    #[cfg(unix)]
    {
        // Make the rename itself durable.
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

fn write_then_rename(tmp: &Path, path: &Path, ledger: &Ledger) -> std::io::Result<()> {
    {
        let mut f = File::create(tmp)?;
        let text = serde_json::to_vec_pretty(ledger).map_err(std::io::Error::other)?;
        f.write_all(&text)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(tmp, fs::Permissions::from_mode(0o600))?;
    }
    fs::rename(tmp, path)
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
            owner: None,
            missing_since: None,
            missing_reads: 0,
            identity: None,
            extra: Default::default(),
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

    #[test]
    fn an_empty_file_is_an_error_not_an_empty_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        fs::write(store.path(), "").unwrap();
        let e = store.read().unwrap_err();
        assert!(e.message.contains("is empty"), "{}", e.message);
        assert!(
            e.message.contains("ledger.json"),
            "names the file: {}",
            e.message
        );
        assert!(store.update(|_| ()).is_err());
        assert_eq!(fs::read(store.path()).unwrap(), b"", "left as it was");
    }

    #[test]
    fn a_newer_ledger_is_never_rewritten_and_unknown_fields_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        let newer = r#"{"version": 2, "entries": [], "shards": ["a"]}"#;
        fs::write(store.path(), newer).unwrap();
        assert_eq!(store.read().unwrap().version, 2, "still readable");
        let e = store
            .update(|l| l.entries.push(entry("gpu-a")))
            .unwrap_err();
        assert!(e.message.contains("newer"), "{}", e.message);
        assert_eq!(fs::read_to_string(store.path()).unwrap(), newer);

        let same = r#"{"version": 1, "future": {"x": 1}, "entries": [{"name": "gpu-b", "provider": "lambda", "offer_id": "lambda:t", "instance_id": "i", "status": "launched", "gpu": "A10", "gpu_count": 1, "region": "r", "price_per_hour_usd": 1.0, "created_at": "2026-11-25T00:00:00Z", "launched_at": null, "released_at": null, "deadline": null, "ssh": null, "note": null, "zone": "r-a"}]}"#;
        fs::write(store.path(), same).unwrap();
        store.update(|l| l.entries.push(entry("gpu-a"))).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(store.path()).unwrap()).unwrap();
        assert_eq!(v["future"]["x"], 1);
        assert_eq!(v["entries"][0]["zone"], "r-a");
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        store.update(|l| l.entries.push(entry("gpu-a"))).unwrap();
        // The rename cannot replace a directory that has something in it.
        fs::remove_file(store.path()).unwrap();
        fs::create_dir_all(store.path().join("x")).unwrap();
        let e = write_atomic(&store.path(), &Ledger::default());
        assert!(e.is_err());
        assert!(!dir.path().join(".ledger.json.tmp").exists());
    }

    #[tokio::test]
    async fn a_name_lock_is_seen_by_others_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        assert!(!store.launching("gpu-a"));
        let lock = store.lock_name("gpu-a").await.unwrap();
        assert!(store.launching("gpu-a"));
        assert!(!store.launching("gpu-b"));
        drop(lock);
        assert!(!store.launching("gpu-a"));
    }
}
