//! Reaching an instance over SSH: the one place that builds an `ssh` command line, for `gpu
//! ssh`, `gpu run` and the copy of `--sync`.
//!
//! - Host keys: accepted on first use into gpu's own known_hosts file (in the data
//!   directory, never `~/.ssh/known_hosts`), under an alias per instance
//!   (`gpu.<provider>.<id>`), so that a new instance on a recycled address or port is not
//!   mistaken for the old one, and a key that changes for the same instance is refused.
//! - Identity: `--identity`, else the private half of the key `up` sent, when it was a file.
//! - Remote command: one argument is a shell line, as ssh takes it; several are a program
//!   and its arguments, each quoted so that the instance's shell passes them exactly.

use std::path::PathBuf;
use std::process::ExitStatus;

use gpu_providers::boot::shell_quote;
use gpu_providers::Ssh;

use crate::env::{self, Env};

/// How to reach one instance.
#[derive(Debug, Clone)]
pub struct Target {
    pub ssh: Ssh,
    /// The name its host key is kept under.
    pub alias: String,
    pub identity: Option<PathBuf>,
    pub known_hosts: PathBuf,
    /// More `-o` options, as the user gave them.
    pub options: Vec<String>,
}

/// Interactive sessions may ask questions; batch ones (`gpu run`) never wait for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Interactive,
    Batch,
}

impl Target {
    pub fn new(
        provider: &str,
        id: &str,
        ssh: &Ssh,
        identity: Option<PathBuf>,
        data_dir: &std::path::Path,
        env: &Env,
    ) -> Target {
        let mut ssh = ssh.clone();
        ssh.port = address(&ssh, env).1;
        if is_loopback(&ssh.host) {
            if let Some(user) = env.get(env::TEST_SSH_USER) {
                ssh.user = user.to_string();
            }
        }
        let clean = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        };
        Target {
            ssh,
            alias: format!("gpu.{}.{}", clean(provider), clean(id)),
            identity,
            known_hosts: data_dir.join("known_hosts"),
            options: Vec::new(),
        }
    }

    /// The whole `ssh` command line; `command` is what runs on the instance (see
    /// [`remote_command`]), `None` for a login shell.
    pub fn argv(&self, mode: Mode, command: Option<&str>) -> Vec<String> {
        let mut a: Vec<String> = vec!["ssh".into()];
        if self.ssh.port != 22 {
            a.extend(["-p".into(), self.ssh.port.to_string()]);
        }
        if let Some(i) = &self.identity {
            a.extend(["-i".into(), i.display().to_string()]);
            a.extend(["-o".into(), "IdentitiesOnly=yes".into()]);
        }
        for o in [
            // Quoted: ssh reads this option as a list split on spaces (`Application Support`).
            format!("UserKnownHostsFile=\"{}\"", self.known_hosts.display()),
            "StrictHostKeyChecking=accept-new".to_string(),
            format!("HostKeyAlias={}", self.alias),
            "CheckHostIP=no".to_string(),
            "UpdateHostKeys=no".to_string(),
            // Readable entries, one per instance alias (nothing in them names a host).
            "HashKnownHosts=no".to_string(),
        ] {
            a.extend(["-o".into(), o]);
        }
        if mode == Mode::Batch {
            for o in [
                "BatchMode=yes",
                "ConnectTimeout=30",
                "ServerAliveInterval=15",
                "ServerAliveCountMax=4",
                // The command's own output only: no "Permanently added" notices.
                "LogLevel=ERROR",
            ] {
                a.extend(["-o".into(), o.to_string()]);
            }
            a.push("-T".into());
        }
        for o in &self.options {
            a.extend(["-o".into(), o.clone()]);
        }
        // `--` ends ssh's options, so that a command starting with `-` is not read as one.
        a.push("--".into());
        a.push(format!("{}@{}", self.ssh.user, self.ssh.host));
        if let Some(c) = command {
            a.push(c.to_string());
        }
        a
    }

    /// Make sure the directory of the known_hosts file exists (ssh creates the file).
    pub fn prepare(&self) -> std::io::Result<()> {
        match self.known_hosts.parent() {
            Some(d) => std::fs::create_dir_all(d),
            None => Ok(()),
        }
    }
}

/// Does the instance take an SSH login yet? (A port that accepts TCP may still be a proxy, or a
/// daemon whose keys are not installed.) Runs `true` there.
pub async fn probe(target: &Target) -> bool {
    let argv = target.argv(Mode::Batch, Some("true"));
    tokio::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .status()
        .await
        .is_ok_and(|s| s.success())
}

/// Write `contents` to `path` on the instance, readable by its owner only, through ssh's
/// stdin: nothing of it is on any command line.
pub async fn upload(target: &Target, path: &str, contents: &str) -> Result<(), String> {
    use tokio::io::AsyncWriteExt;
    let command = format!("umask 077 && cat > {}", shell_quote(path));
    let argv = target.argv(Mode::Batch, Some(&command));
    let mut child = tokio::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("could not run `ssh`: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(contents.as_bytes())
            .await
            .map_err(|e| format!("could not write to ssh: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .await
        .map_err(|e| format!("ssh failed: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(format!(
            "writing `{path}` on the instance failed (exit {}): {}",
            exit_code(out.status),
            err.lines().last().unwrap_or("")
        ))
    }
}

/// What runs on the instance for `CMD ...`: one argument is a shell line, handed over as it
/// is (`'nvidia-smi | head'`); several are a program and its arguments, each quoted.
pub fn remote_command(cmd: &[String]) -> Option<String> {
    match cmd {
        [] => None,
        [one] => Some(one.clone()),
        many => Some(
            many.iter()
                .map(|a| shell_quote(a))
                .collect::<Vec<_>>()
                .join(" "),
        ),
    }
}

/// `argv` as a line that a POSIX shell runs as the same command when pasted.
pub fn quoted(argv: &[String]) -> String {
    argv.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A process's exit status as a shell reports it: its code, or 128 + the signal that ended it.
pub fn exit_code(status: ExitStatus) -> u8 {
    if let Some(c) = status.code() {
        return u8::try_from(c).unwrap_or(1);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return u8::try_from(128 + sig).unwrap_or(255);
        }
    }
    255
}

/// Host and port to connect to (the test port for loopback hosts, see [`env::TEST_SSH_PORT`]).
pub fn address(ssh: &Ssh, env: &Env) -> (String, u16) {
    let port = if is_loopback(&ssh.host) {
        env.get(env::TEST_SSH_PORT)
            .and_then(|p| p.parse().ok())
            .unwrap_or(ssh.port)
    } else {
        ssh.port
    };
    (ssh.host.clone(), port)
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `--identity FILE`, checked; else the private key recorded when `up` sent its public half.
pub fn identity(
    flag: Option<std::path::PathBuf>,
    entry: Option<&crate::lifecycle::ledger::Entry>,
) -> Result<Option<std::path::PathBuf>, crate::exit::CliError> {
    if let Some(p) = flag {
        let p = crate::lifecycle::choose::expand(&p.to_string_lossy());
        if !p.is_file() {
            return Err(crate::exit::CliError::usage(format!(
                "`--identity {}`: no such file",
                p.display()
            ))
            .hint("pass the private key file (e.g. ~/.ssh/id_ed25519)"));
        }
        return Ok(Some(p));
    }
    Ok(entry
        .and_then(|e| e.identity.as_deref())
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target::new(
            "vast",
            "123",
            &Ssh {
                host: "ssh4.vast.ai".into(),
                port: 41022,
                user: "root".into(),
            },
            Some(PathBuf::from("/home/me/.ssh/id_ed25519")),
            std::path::Path::new("/home/me/.local/share/gpu"),
            &Env::default(),
        )
    }

    #[test]
    fn the_command_comes_after_the_host() {
        let t = target();
        let cmd = remote_command(&["nvidia-smi".to_string()]);
        let argv = t.argv(Mode::Interactive, cmd.as_deref());
        let n = argv.len();
        assert_eq!(argv[n - 3..], ["--", "root@ssh4.vast.ai", "nvidia-smi"]);
        assert!(argv.contains(&"HostKeyAlias=gpu.vast.123".to_string()));
        assert!(argv
            .contains(&"UserKnownHostsFile=\"/home/me/.local/share/gpu/known_hosts\"".to_string()));
        assert!(!argv.contains(&"BatchMode=yes".to_string()));
    }

    #[test]
    fn several_words_are_passed_exactly_one_is_a_shell_line() {
        let words: Vec<String> = ["echo", "a  b", "$HOME", "it's;x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            remote_command(&words).unwrap(),
            "echo 'a  b' '$HOME' 'it'\\''s;x'"
        );
        assert_eq!(
            remote_command(&["ls | wc -l".to_string()]).unwrap(),
            "ls | wc -l"
        );
        assert_eq!(remote_command(&[]), None);
    }

    #[test]
    fn loopback_hosts_take_the_test_port_and_user_only() {
        let env = Env::from_pairs(&[(env::TEST_SSH_PORT, "2222"), (env::TEST_SSH_USER, "me")]);
        let local = Ssh {
            host: "127.0.0.1".into(),
            port: 22,
            user: "ubuntu".into(),
        };
        let t = Target::new(
            "lambda",
            "i-1",
            &local,
            None,
            std::path::Path::new("/d"),
            &env,
        );
        assert_eq!((t.ssh.port, t.ssh.user.as_str()), (2222, "me"));
        let remote = Ssh {
            host: "203.0.113.9".into(),
            ..local
        };
        let t = Target::new(
            "lambda",
            "i-1",
            &remote,
            None,
            std::path::Path::new("/d"),
            &env,
        );
        assert_eq!((t.ssh.port, t.ssh.user.as_str()), (22, "ubuntu"));
    }
}
