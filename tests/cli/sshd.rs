//! A real OpenSSH server on loopback for the tests that run commands on an "instance": its
//! own host key, an `authorized_keys` holding one client key, a free port, and a bounded
//! lifetime (`timeout`), all in a temporary directory. `.ci/run` installs `openssh-server`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const SSHD: &str = "/usr/sbin/sshd";
/// No test server outlives this, whatever happens to the test.
const LIFETIME_SECS: u32 = 300;

pub struct Sshd {
    pub port: u16,
    /// The user the server logs in (the one running the tests).
    pub user: String,
    dir: TempDir,
    child: Child,
}

/// A client key pair, as a user has in `~/.ssh`.
pub struct ClientKey {
    pub private: PathBuf,
    pub public: String,
}

pub fn user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "gpu-test", "-f"])
        .arg(path)
        .stdout(Stdio::null())
        .status()
        .expect("ssh-keygen (openssh-client) must be installed");
    assert!(status.success());
}

/// Make a key pair in `dir/.ssh/id_ed25519{,.pub}` (a test's HOME).
pub fn client_key(home: &Path) -> ClientKey {
    let dir = home.join(".ssh");
    std::fs::create_dir_all(&dir).unwrap();
    let private = dir.join("id_ed25519");
    let _ = std::fs::remove_file(&private);
    let _ = std::fs::remove_file(dir.join("id_ed25519.pub"));
    keygen(&private);
    let public = std::fs::read_to_string(dir.join("id_ed25519.pub")).unwrap();
    ClientKey {
        private,
        public: public.trim().to_string(),
    }
}

impl Sshd {
    /// Start a server that lets `key` in.
    pub fn start(key: &ClientKey) -> Sshd {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} is missing: install openssh-server (`.ci/run` does)"
        );
        let dir = TempDir::new().unwrap();
        let host_key = dir.path().join("host_key");
        keygen(&host_key);
        let authorized = dir.path().join("authorized_keys");
        std::fs::write(&authorized, format!("{}\n", key.public)).unwrap();
        // sshd started as root wants its privilege-separation directory.
        let _ = std::fs::create_dir_all("/run/sshd");
        let user = user();
        for _ in 0..5 {
            let port = {
                let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                l.local_addr().unwrap().port()
            };
            let config = dir.path().join("sshd_config");
            std::fs::write(
                &config,
                format!(
                    "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\n\
                     AuthorizedKeysFile {}\nStrictModes no\nUsePAM no\n\
                     PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                     PubkeyAuthentication yes\nPermitRootLogin prohibit-password\n\
                     AllowUsers {user}\nLogLevel ERROR\nMaxStartups 50\n",
                    host_key.display(),
                    dir.path().join("sshd.pid").display(),
                    authorized.display(),
                ),
            )
            .unwrap();
            let mut child = spawn(&config);
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(10) {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // the port was taken meanwhile, or the config was refused
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Sshd {
                        port,
                        user,
                        dir,
                        child,
                    };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
        panic!(
            "sshd did not start; run `{SSHD} -t -f {}` to see why",
            dir.path().join("sshd_config").display()
        );
    }

    /// Stop listening, as a server that goes away does (sessions already open go on).
    pub fn stop_listening(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }

    /// Listen again on the same port, with the same host key.
    pub fn listen_again(&mut self) {
        self.child = spawn(&self.dir.path().join("sshd_config"));
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "sshd did not listen again on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's host public key line.
    pub fn host_key(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("host_key.pub")).unwrap()
    }
}

/// sshd in the foreground under `timeout`, so that a test that dies leaves no server behind.
fn spawn(config: &Path) -> Child {
    Command::new("timeout")
        .arg(LIFETIME_SECS.to_string())
        .arg(SSHD)
        .args(["-D", "-e", "-f"])
        .arg(config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

impl Drop for Sshd {
    fn drop(&mut self) {
        // SIGTERM to `timeout`, which passes it on to sshd (a SIGKILL would orphan sshd).
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}
