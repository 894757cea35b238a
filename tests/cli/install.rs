//! `install.sh` against a local HTTP server (Python's `http.server`) that serves a release as
//! GitHub lays one out, packed by `.ci/package` from the binary under test: the right checksum
//! installs a `gpu` that runs; a wrong checksum, a missing archive or an unknown platform
//! refuses with one line and installs nothing. shellcheck passes on every shell script.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{closed_port, path_var};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The release target of this machine, as install.sh names it.
fn host_target() -> &'static str {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "x86_64-unknown-linux-musl",
        ("linux", "aarch64") => "aarch64-unknown-linux-musl",
        ("macos", "x86_64") => "x86_64-apple-darwin",
        ("macos", "aarch64") => "aarch64-apple-darwin",
        other => panic!("no release target for {other:?}"),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A release layout under `root`: `good/` (the archive and its SHA256SUMS, for v0.1.0 and as
/// `latest`), `bad/` (a SHA256SUMS that does not match) and `missing/` (SHA256SUMS only).
fn release_layout(root: &Path) -> String {
    let target = host_target();
    // A stripped copy: the same program, a tenth of the bytes to pack and serve.
    let bin = root.join("gpu");
    std::fs::copy(env!("CARGO_BIN_EXE_gpu"), &bin).unwrap();
    let _ = Command::new("strip").arg(&bin).status();
    let packed = root.join("packed");
    let out = Command::new("bash")
        .arg(Path::new(ROOT).join(".ci/package"))
        .args([target, bin.to_str().unwrap()])
        .env("GPU_PACKAGE_OUT", &packed)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let name = format!("gpu-{target}.tar.gz");
    let archive = std::fs::read(packed.join(&name)).unwrap();
    let sums = format!(
        "{}  {name}\n{}  install.sh\n",
        sha256_hex(&archive),
        "0".repeat(64)
    );
    for dir in ["good/download/v0.1.0", "good/latest/download"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
        std::fs::write(root.join(dir).join(&name), &archive).unwrap();
        std::fs::write(root.join(dir).join("SHA256SUMS"), &sums).unwrap();
    }
    let bad = root.join("bad/download/v0.1.0");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join(&name), &archive).unwrap();
    std::fs::write(
        bad.join("SHA256SUMS"),
        format!("{}  {name}\n", "ab".repeat(32)),
    )
    .unwrap();
    let missing = root.join("missing/download/v0.1.0");
    std::fs::create_dir_all(&missing).unwrap();
    std::fs::write(missing.join("SHA256SUMS"), &sums).unwrap();
    name
}

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path) -> Server {
    let port = closed_port();
    let child = Command::new("python3")
        .args(["-m", "http.server", "--bind", "127.0.0.1", "--directory"])
        .arg(dir)
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 serves the release");
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(20), "no server");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server { child, port }
}

/// `sh install.sh ARGS` with this base URL, HOME and PATH (`extra_path` first).
fn install(base: &str, home: &Path, extra_path: Option<&Path>, args: &[&str]) -> Output {
    let mut path = std::ffi::OsString::new();
    if let Some(p) = extra_path {
        path.push(p);
        path.push(":");
    }
    path.push(path_var());
    Command::new("sh")
        .arg(Path::new(ROOT).join("install.sh"))
        .args(args)
        .env_clear()
        .env("PATH", path)
        .env("HOME", home)
        .env("GPU_INSTALL_BASE_URL", base)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The lines install.sh said as errors.
fn errors(o: &Output) -> Vec<String> {
    stderr(o)
        .lines()
        .filter(|l| l.starts_with("install.sh: error:"))
        .map(str::to_string)
        .collect()
}

#[test]
fn install_sh_installs_a_verified_release_and_refuses_anything_else() {
    let dir = tempfile::TempDir::new().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    let archive = release_layout(&site);
    let server = serve(&site);
    let base = |kind: &str| format!("http://127.0.0.1:{}/{kind}", server.port);
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();

    // The pinned version, to ~/.local/bin: it runs, and the PATH hint names the directory.
    let o = install(&base("good"), &home, None, &["--version", "0.1.0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let installed = home.join(".local/bin/gpu");
    let v = Command::new(&installed).arg("--version").output().unwrap();
    assert!(v.status.success());
    assert!(
        String::from_utf8_lossy(&v.stdout)
            .starts_with(&format!("gpu {}", env!("CARGO_PKG_VERSION"))),
        "{v:?}"
    );
    assert!(
        stderr(&o).contains(".local/bin is not on your PATH"),
        "{}",
        stderr(&o)
    );
    // The latest, to a directory of one's own that is on PATH: no hint then.
    let to = dir.path().join("bin");
    let o = install(
        &base("good"),
        &home,
        Some(&to),
        &["--to", to.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(to.join("gpu").is_file());
    assert!(!stderr(&o).contains("not on your PATH"), "{}", stderr(&o));

    // A checksum that does not match: one line, nothing installed.
    let elsewhere = dir.path().join("elsewhere");
    let o = install(
        &base("bad"),
        &home,
        None,
        &["--version", "0.1.0", "--to", elsewhere.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = errors(&o);
    assert_eq!(e.len(), 1, "{}", stderr(&o));
    assert!(
        e[0].contains(&format!("checksum mismatch for {archive}"))
            && e[0].contains("nothing was installed"),
        "{e:?}"
    );
    assert!(!elsewhere.join("gpu").exists());

    // No archive in the release, and no such release: one line each.
    for (kind, version) in [("missing", "0.1.0"), ("good", "9.9.9")] {
        let o = install(
            &base(kind),
            &home,
            None,
            &["--version", version, "--to", elsewhere.to_str().unwrap()],
        );
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let e = errors(&o);
        assert_eq!(e.len(), 1, "{}", stderr(&o));
        assert!(
            e[0].contains("could not download") && e[0].contains("nothing was installed"),
            "{e:?}"
        );
        assert!(!elsewhere.join("gpu").exists());
    }

    // An OS and CPU no release is built for: which ones are.
    let shim = dir.path().join("shim");
    std::fs::create_dir_all(&shim).unwrap();
    let uname = shim.join("uname");
    std::fs::write(
        &uname,
        "#!/bin/sh\ncase \"$1\" in -s) echo SunOS ;; -m) echo sparc64 ;; *) echo SunOS ;; esac\n",
    )
    .unwrap();
    make_executable(&uname);
    let o = install(&base("good"), &home, Some(&shim), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = errors(&o);
    assert_eq!(e.len(), 1, "{}", stderr(&o));
    assert!(
        e[0].contains("no release of gpu is built for SunOS on sparc64")
            && e[0].contains("x86_64-unknown-linux-musl")
            && e[0].contains("aarch64-apple-darwin"),
        "{e:?}"
    );
    // A flag it does not know.
    let o = install(&base("good"), &home, None, &["--prefix", "/x"]);
    assert_eq!(errors(&o).len(), 1, "{}", stderr(&o));
}

fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Every shell script the project ships or runs in CI.
pub fn shell_scripts() -> Vec<PathBuf> {
    let root = Path::new(ROOT);
    let mut files = vec![
        root.join("install.sh"),
        root.join(".ci/run"),
        root.join(".ci/package"),
    ];
    for e in std::fs::read_dir(root.join("action")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "sh") {
            files.push(p);
        }
    }
    files
}

#[test]
fn every_shell_script_passes_shellcheck() {
    let files = shell_scripts();
    assert!(files.len() >= 6, "{files:?}");
    let out = Command::new("shellcheck")
        .args(&files)
        .output()
        .expect("shellcheck is installed (`.ci/run` installs it: apt-get install shellcheck)");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // install.sh is POSIX sh, as `curl ... | sh` runs it.
    let out = Command::new("shellcheck")
        .args(["--shell=sh"])
        .arg(Path::new(ROOT).join("install.sh"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
