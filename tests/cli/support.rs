//! The test harness: a `GpuTest` builder that runs the real binary in a sealed environment.
//!
//! Every test gets its own temporary HOME and XDG directories and an environment emptied of
//! everything but PATH, so no key or config of the machine leaks in. Every provider's base URL
//! points at a closed port on 127.0.0.1 unless the test gives it a fake server: nothing a test
//! runs can reach a real host.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const LAMBDA_FIXTURE: &str =
    include_str!("../../providers/src/lambda/fixtures/instance-types.json");
pub const VAST_FIXTURE: &str = include_str!("../../providers/src/vast/fixtures/bundles.json");
pub const HYPERBOLIC_FIXTURE: &str =
    include_str!("../../providers/src/hyperbolic/fixtures/rental-options.json");
pub const RUNPOD_SECURE_FIXTURE: &str =
    include_str!("../../providers/src/runpod/fixtures/gpus-secure.json");
pub const RUNPOD_COMMUNITY_FIXTURE: &str =
    include_str!("../../providers/src/runpod/fixtures/gpus-community.json");

/// Key values no output may ever contain.
pub const SENTINEL_KEYS: &[(&str, &str)] = &[
    ("LAMBDA_API_KEY", "SENTINEL-lambda-0123456789abcdef"),
    ("RUNPOD_API_KEY", "SENTINEL-runpod-0123456789abcdef"),
    ("VAST_API_KEY", "SENTINEL-vast-0123456789abcdef"),
    ("HYPERBOLIC_API_KEY", "SENTINEL-hyperbolic-0123456789abcdef"),
    ("SHADEFORM_API_KEY", "SENTINEL-shadeform-0123456789abcdef"),
    ("PRIME_API_KEY", "SENTINEL-prime-0123456789abcdef"),
    ("AWS_ACCESS_KEY_ID", "SENTINEL-awsid-0123456789abcdef"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "SENTINEL-awssecret-0123456789abcdef",
    ),
    ("AWS_SESSION_TOKEN", "SENTINEL-awstoken-0123456789abcdef"),
];

pub const TEST_PUBLIC_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGpuLXRlc3Qta2V5LW5vdC1hLXJlYWwtb25lLTAwMDAw test@gpu";

/// Every provider with a live adapter: each one is pointed at a fake or a closed port.
pub fn providers() -> Vec<&'static str> {
    gpu_providers::REGISTRY.iter().map(|e| e.id).collect()
}

/// A server on loopback that answers every request with a stateful fake.
pub async fn serve_fake<F: wiremock::Respond + Clone + 'static>(fake: &F) -> MockServer {
    let server = MockServer::builder().start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(fake.clone())
        .mount(&server)
        .await;
    server
}

/// A port on 127.0.0.1 that nothing listens on: connections are refused at once.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

pub struct GpuTest {
    dir: TempDir,
    env: Vec<(String, String)>,
    config: Option<String>,
}

#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
    /// Everything the process wrote.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl GpuTest {
    pub fn new() -> GpuTest {
        let dead = format!("http://127.0.0.1:{}", closed_port());
        let mut env: Vec<(String, String)> = providers()
            .iter()
            .map(|id| (format!("GPU_{}_BASE_URL", id.to_uppercase()), dead.clone()))
            .collect();
        // The public catalogs too: no test ever reaches a real host.
        for var in [
            "GPU_CATALOG_SKYPILOT_URL",
            "GPU_CATALOG_SKYPILOT_COMMITS_URL",
            "GPU_CATALOG_GPURENTALPRICES_URL",
            "GPU_CATALOG_GPUHUNT_URL",
        ] {
            env.push((var.into(), dead.clone()));
        }
        env.push(("GPU_TEST_NO_RETRY_DELAY".into(), "1".into()));
        env.push(("GPU_POLL_INTERVAL".into(), "0.05".into()));
        env.push(("NO_COLOR".into(), "1".into()));
        GpuTest {
            dir: TempDir::new().unwrap(),
            env,
            config: None,
        }
    }

    pub fn env(mut self, key: &str, value: &str) -> GpuTest {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn unset(mut self, key: &str) -> GpuTest {
        self.env.retain(|(k, _)| k != key);
        self
    }

    /// Point one provider at a fake server through its config table, as a user would.
    pub fn configured(self, provider: &str, base_url: &str, extra: &str) -> GpuTest {
        let key = format!("GPU_{}_BASE_URL", provider.to_uppercase());
        self.unset(&key).config(&format!(
            "{extra}\n[providers.{provider}]\nbase_url = \"{base_url}\"\n"
        ))
    }

    /// Point one provider at a fake server.
    pub fn fake(self, provider: &str, server: &MockServer) -> GpuTest {
        let key = format!("GPU_{}_BASE_URL", provider.to_uppercase());
        self.env(&key, &server.uri())
    }

    /// Write a config file and pass it with `GPU_CONFIG`.
    pub fn config(mut self, text: &str) -> GpuTest {
        self.config = Some(text.to_string());
        self
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    /// Give the user a default SSH key, as most users have.
    pub fn with_ssh_key(self) -> GpuTest {
        let dir = self.dir.path().join(".ssh");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("id_ed25519.pub"), format!("{TEST_PUBLIC_KEY}\n")).unwrap();
        self
    }

    /// This data directory's own owner id, as `gpu` makes one on a first launch (not a shared
    /// `GPU_OWNER`).
    pub fn owned_by(self, owner: &str) -> GpuTest {
        let dir = self.dir.path().join("data/gpu");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("identity.json"),
            serde_json::json!({ "owner": owner }).to_string(),
        )
        .unwrap();
        self
    }

    pub fn ledger(&self) -> serde_json::Value {
        let p = self.dir.path().join("data/gpu/ledger.json");
        match std::fs::read_to_string(&p) {
            Ok(t) => serde_json::from_str(&t).unwrap(),
            Err(_) => serde_json::json!({"entries": []}),
        }
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().unwrap();
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The command `run` would run, to spawn it (and signal it) instead.
    pub fn command(&self, args: &[&str]) -> Command {
        self.spawned(Path::new(env!("CARGO_BIN_EXE_gpu")), args, path_var())
    }

    /// Another program (a script that calls `gpu`) run as `command` runs `gpu`: the same home,
    /// config and variables, with the `gpu` under test first on PATH.
    pub fn program(&self, program: &Path, args: &[&str]) -> Command {
        let gpu_dir = Path::new(env!("CARGO_BIN_EXE_gpu")).parent().unwrap();
        let mut path = std::ffi::OsString::from(gpu_dir);
        path.push(":");
        path.push(path_var());
        self.spawned(program, args, path)
    }

    fn spawned(&self, program: &Path, args: &[&str], path: std::ffi::OsString) -> Command {
        let home = self.dir.path();
        let mut cmd = Command::new(program);
        cmd.env_clear()
            // The harness passes PATH through so the binary can run helpers like a user would.
            .env("PATH", path)
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .current_dir(home)
            .args(args);
        if let Some(text) = &self.config {
            let p = self.config_path();
            std::fs::write(&p, text).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
            }
            cmd.env("GPU_CONFIG", &p);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }
}

/// A fake answering one route with one status and body. Its own server, not one from
/// wiremock's shared pool, where another test's stray request could land.
pub async fn fake(http_method: &str, route: &str, status: u16, body: &str) -> MockServer {
    let server = MockServer::builder().start().await;
    Mock::given(method(http_method))
        .and(path(route))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json"),
        )
        .mount(&server)
        .await;
    server
}

pub async fn lambda_fake() -> MockServer {
    fake("GET", "/api/v1/instance-types", 200, LAMBDA_FIXTURE).await
}

pub async fn vast_fake() -> MockServer {
    fake("POST", "/api/v0/bundles/", 200, VAST_FIXTURE).await
}

#[allow(clippy::disallowed_methods)]
pub fn path_var() -> std::ffi::OsString {
    std::env::var_os("PATH").unwrap_or_default()
}

/// A name `gpu` sent to a provider without tags: letters, digits and `-` only (what Prime
/// Intellect's CLI and Verda's hostnames accept), carrying the owner, a launcher id, the
/// launch time and the price.
pub fn assert_carries(sent: &str, name: &str, owner: &str) {
    assert!(
        sent.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "{sent}"
    );
    let d = gpu_providers::tags::decode_name(sent);
    assert_eq!(d.name, name, "{sent}");
    assert_eq!(d.owner.as_deref(), Some(owner), "{sent}");
    assert!(d.launcher.is_some(), "no launcher in {sent}");
    assert!(d.launched.is_some(), "no launch time in {sent}");
    assert!(d.price_per_hour_usd.is_some(), "no price in {sent}");
}
