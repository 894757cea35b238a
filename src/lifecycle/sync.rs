//! `gpu run --sync DIR[:REMOTE]`: copy a local tree to the instance as one tar stream over
//! the same SSH connection settings as everything else. Only `ssh` and the instance's `tar`
//! are needed (no rsync), and any file name (spaces, quotes, `$`) arrives as it is.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use gpu_providers::boot::shell_quote;

use crate::exit::CliError;
use crate::lifecycle::remote::{self, Mode, Target};

/// What to copy, and where to.
#[derive(Debug, Clone)]
pub struct Sync {
    pub local: PathBuf,
    /// Relative to the remote home directory unless absolute.
    pub remote: String,
}

impl Sync {
    /// `DIR[:REMOTE]`; REMOTE defaults to DIR's own name.
    pub fn parse(arg: &str) -> Result<Sync, CliError> {
        let (local, remote) = match arg.rsplit_once(':') {
            Some((l, r)) if !l.is_empty() && !r.is_empty() => (l, Some(r)),
            _ => (arg, None),
        };
        let local = crate::lifecycle::choose::expand(local);
        if !local.is_dir() {
            return Err(CliError::usage(format!(
                "`--sync {arg}`: `{}` is not a directory",
                local.display()
            ))
            .hint("pass a local directory, optionally with `:REMOTE` (e.g. `--sync .:work`)"));
        }
        let remote = match remote {
            // `~` and `~/x` are the remote home and below it, where ssh starts.
            Some("~") => ".".to_string(),
            Some(r) => r
                .strip_prefix("~/")
                .unwrap_or(r)
                .trim_end_matches('/')
                .to_string(),
            None => std::fs::canonicalize(&local)
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "work".to_string()),
        };
        if remote.is_empty() || remote.contains(['\n', '\r']) {
            return Err(CliError::usage(format!(
                "`--sync {arg}`: the remote directory is empty; write `DIR:REMOTE` (e.g. `.:work`, or `.:~` for the home directory)"
            )));
        }
        // Never an option to `mkdir`, `tar` or `cd`.
        let remote = if remote.starts_with('-') {
            format!("./{remote}")
        } else {
            remote
        };
        Ok(Sync { local, remote })
    }

    /// `cd REMOTE || exit 1; `: where CMD runs after the copy (and nothing of CMD runs
    /// elsewhere when it cannot go there).
    pub fn cd(&self) -> String {
        format!("cd {} || exit 1; ", shell_quote(&self.remote))
    }
}

/// Copy the tree. The returned error says what failed, in one line.
pub async fn copy(target: &Target, sync: &Sync) -> Result<u64, String> {
    let dir = shell_quote(&sync.remote);
    // `-o`: files belong to the user logged in, in GNU, BSD and busybox tar alike.
    let command = format!("mkdir -p -- {dir} && tar -xof - -C {dir}");
    let argv = target.argv(Mode::Batch, Some(&command));
    let mut child = tokio::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("could not run `ssh`: {e}"))?;
    let stdin = child
        .stdin
        .take()
        .ok_or("could not write to ssh")?
        .into_owned_fd()
        .map_err(|e| format!("could not write to ssh: {e}"))?;
    let local = sync.local.clone();
    let writer = tokio::task::spawn_blocking(move || write_tar(&local, std::fs::File::from(stdin)));
    let out = child
        .wait_with_output()
        .await
        .map_err(|e| format!("ssh failed: {e}"))?;
    let written = writer.await.map_err(|e| format!("the copy stopped: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(format!(
            "copying to `{}` failed (exit {}){}{last}",
            sync.remote,
            remote::exit_code(out.status),
            if last.is_empty() { "" } else { ": " }
        ));
    }
    written.map_err(|e| format!("could not read `{}`: {e}", sync.local.display()))
}

/// Bytes of file content written.
fn write_tar(dir: &Path, out: std::fs::File) -> std::io::Result<u64> {
    let mut tar = tar::Builder::new(std::io::BufWriter::new(out));
    tar.follow_symlinks(false);
    let mut bytes = 0;
    for entry in walk(dir)? {
        let rel = entry.strip_prefix(dir).unwrap_or(&entry);
        let meta = std::fs::symlink_metadata(&entry)?;
        if meta.is_file() {
            bytes += meta.len();
        }
        tar.append_path_with_name(&entry, rel)?;
    }
    tar.into_inner()?.into_inner().map_err(|e| e.into_error())?;
    Ok(bytes)
}

/// Every file, directory and link under `dir`, parents before children, in name order.
fn walk(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut children: Vec<PathBuf> = std::fs::read_dir(&d)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        children.sort();
        for c in children.into_iter().rev() {
            let meta = std::fs::symlink_metadata(&c)?;
            if meta.is_dir() {
                stack.push(c.clone());
            }
            out.push(c);
        }
    }
    // Parents first: a stable order that extracts anywhere.
    out.sort_by_key(|p| p.components().count());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_defaults_to_the_directory_name() {
        let d = std::env::temp_dir().join(format!("gpu-sync-{}", std::process::id()));
        let inner = d.join("my project");
        std::fs::create_dir_all(&inner).unwrap();
        let s = Sync::parse(inner.to_str().unwrap()).unwrap();
        assert_eq!(s.remote, "my project");
        assert_eq!(s.cd(), "cd 'my project' || exit 1; ");
        let s = Sync::parse(&format!("{}:~/work/x/", inner.display())).unwrap();
        assert_eq!(s.remote, "work/x");
        let s = Sync::parse(&format!("{}:~", inner.display())).unwrap();
        assert_eq!(s.remote, ".");
        let s = Sync::parse(&format!("{}:-rf", inner.display())).unwrap();
        assert_eq!(s.remote, "./-rf");
        let e = Sync::parse(&format!("{}:~/", inner.display())).unwrap_err();
        assert!(
            e.message.contains("remote directory is empty"),
            "{}",
            e.message
        );
        let e = Sync::parse("/no/such/dir").unwrap_err();
        assert!(e.message.contains("--sync /no/such/dir"), "{}", e.message);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn the_archive_holds_every_file_under_its_relative_name() {
        let d = std::env::temp_dir().join(format!("gpu-tar-{}", std::process::id()));
        std::fs::create_dir_all(d.join("src/deep")).unwrap();
        std::fs::write(d.join("a file.txt"), "hello").unwrap();
        std::fs::write(d.join("src/deep/x.py"), "print(1)").unwrap();
        let path = d.with_extension("tar");
        let n = write_tar(&d, std::fs::File::create(&path).unwrap()).unwrap();
        assert_eq!(n, 13);
        let mut names: Vec<String> = tar::Archive::new(std::fs::File::open(&path).unwrap())
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        names.sort();
        assert_eq!(names, ["a file.txt", "src", "src/deep", "src/deep/x.py"]);
        std::fs::remove_dir_all(&d).unwrap();
        std::fs::remove_file(&path).unwrap();
    }
}

/// `--sync-back REMOTE[:LOCAL]`: what to copy back, from where CMD ran.
#[derive(Debug, Clone)]
pub struct Back {
    /// Relative to where the command runs (the `--sync` directory, else the home), unless
    /// absolute.
    pub remote: String,
    pub local: PathBuf,
}

impl Back {
    pub fn parse(arg: &str) -> Result<Back, CliError> {
        let (remote, local) = match arg.split_once(':') {
            Some((r, l)) if !r.is_empty() && !l.is_empty() => (r, Some(l)),
            _ => (arg, None),
        };
        let remote = remote.trim_end_matches('/');
        if remote.is_empty() || remote.contains(['\n', '\r']) {
            return Err(CliError::usage(format!(
                "`--sync-back {arg}`: name the remote path to copy back, e.g. `--sync-back out` or `--sync-back out:./results`"
            )));
        }
        let local = match local {
            Some(l) => crate::lifecycle::choose::expand(l),
            None => PathBuf::from(
                Path::new(remote)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "synced-back".into()),
            ),
        };
        let remote = if remote.starts_with('-') {
            format!("./{remote}")
        } else {
            remote.to_string()
        };
        Ok(Back { remote, local })
    }

    /// The remote path as the shell on the instance names it, from the home directory.
    fn in_home(&self, cwd: Option<&str>) -> String {
        match cwd {
            Some(dir) if !self.remote.starts_with('/') => format!("{dir}/{}", self.remote),
            _ => self.remote.clone(),
        }
    }
}

/// Copy `back` from the instance (a file or a directory, as one tar stream) into its local
/// place, `cwd` being where the command ran. Returns the bytes received.
pub async fn copy_back(target: &Target, back: &Back, cwd: Option<&str>) -> Result<u64, String> {
    let remote = back.in_home(cwd);
    let (parent, name) = match remote.rsplit_once('/') {
        Some((p, n)) if !p.is_empty() => (p.to_string(), n.to_string()),
        Some((_, n)) => ("/".to_string(), n.to_string()),
        None => (".".to_string(), remote.clone()),
    };
    let command = format!(
        "cd {} && [ -e {} ] && tar -cf - -- {}",
        shell_quote(&parent),
        shell_quote(&name),
        shell_quote(&name)
    );
    let argv = target.argv(Mode::Batch, Some(&command));
    // Unpacked beside LOCAL, then moved into its place: LOCAL is the remote item itself.
    let dest_parent = match back.local.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dest_parent)
        .map_err(|e| format!("could not create `{}`: {e}", dest_parent.display()))?;
    let staging = tempfile_dir(&dest_parent)?;
    let streamed = stream_back(&argv, &staging).await;
    let bytes = match streamed {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e.replace("{remote}", &remote));
        }
    };
    let unpacked = staging.join(&name);
    if back.local.is_dir() && unpacked.is_dir() {
        let _ = std::fs::remove_dir_all(&back.local);
    } else if back.local.is_file() {
        let _ = std::fs::remove_file(&back.local);
    }
    let moved = std::fs::rename(&unpacked, &back.local)
        .map_err(|e| format!("could not move it to `{}`: {e}", back.local.display()));
    let _ = std::fs::remove_dir_all(&staging);
    moved?;
    Ok(bytes)
}

/// The instance's tar stream (`argv`, an ssh command) unpacked into `into` as it comes, however
/// large: the bytes received.
async fn stream_back(argv: &[String], into: &Path) -> Result<u64, String> {
    let mut ssh = tokio::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("could not run `ssh`: {e}"))?;
    let mut tar = tokio::process::Command::new("tar")
        .args(["-xf", "-", "-C"])
        .arg(into)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("could not run `tar` here: {e}"))?;
    let (Some(mut from), Some(mut to)) = (ssh.stdout.take(), tar.stdin.take()) else {
        return Err("could not connect ssh to tar".into());
    };
    let copied = tokio::io::copy(&mut from, &mut to).await;
    drop(to);
    let ssh_status = ssh.wait().await.map_err(|e| format!("ssh failed: {e}"))?;
    let tar_out = tar
        .wait_with_output()
        .await
        .map_err(|e| format!("could not unpack here: {e}"))?;
    if !ssh_status.success() {
        return Err(format!(
            "`{{remote}}` could not be read on the instance (ssh exited {}): it may not exist",
            remote::exit_code(ssh_status)
        ));
    }
    let bytes = copied.map_err(|e| format!("the copy broke off: {e}"))?;
    if !tar_out.status.success() {
        return Err(format!(
            "could not unpack into `{}`: {}",
            into.display(),
            String::from_utf8_lossy(&tar_out.stderr).trim()
        ));
    }
    Ok(bytes)
}

/// An empty directory of our own in `parent`.
fn tempfile_dir(parent: &Path) -> Result<PathBuf, String> {
    for n in 0..100u32 {
        let p = parent.join(format!(".gpu-sync-back-{}-{n}", std::process::id()));
        if std::fs::create_dir(&p).is_ok() {
            return Ok(p);
        }
    }
    Err(format!(
        "could not create a directory in `{}`",
        parent.display()
    ))
}
