//! External providers: any program that speaks the plugin protocol on stdin and stdout.
//!
//! A plugin is an executable named `gpu-provider-NAME` on `PATH`, or the `command = [...]` of a
//! `[providers.NAME]` table. For each operation `gpu` starts it, writes one request as a single
//! line of compact JSON to its stdin, closes stdin, and reads one JSON answer from its stdout:
//!
//! ```text
//! -> {"version":1,"op":"offers","query":{"gpus":["H100"],"gpu_count":null,"min_gpus":null,"spot":null}}
//! <- {"version":1,"offers":[{"offer_id":"homelab:box1","gpu":"RTX 4090","gpu_count":2,"price_per_hour_usd":0.9, ...}]}
//! ```
//!
//! Offers use the field names of `gpu find --json`; `provider`, `source` and `as_of` are filled
//! in by `gpu`, and missing optional fields are null. Optional operations: `launch`
//! (`{"offer_id","name","ssh_public_key","image","disk_gb"}` -> `{"instance":{...}}`), `list`
//! (-> `{"instances":[...]}`), `terminate` (`{"id"}` -> `{"ok":true}`); instances use the fields of
//! `gpu ls --json`'s provider part: `id, name, state, status, gpu, gpu_count, region,
//! price_per_hour_usd, ssh{host,port,user}`. A plugin that cannot do something answers
//! `{"version":1,"error":{"kind":"unsupported","message":"..."}}`; `kind` is one of
//! `auth, rate_limited, unavailable, invalid, no_capacity, not_found, unsupported`.
//! A plugin that crashes, hangs past the timeout, prints more than the size cap, prints
//! something else or speaks another version becomes a warning naming it; it is killed, never
//! waited for.

use std::process::Stdio;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::error::{ErrorKind, ProviderError};
use crate::instance::{Instance, LaunchRequest, PlannedRequest, Ssh, State};
use crate::offer::{now_rfc3339, per_gpu, Offer, Source};
use crate::{http, OfferQuery, Provider};

pub const PROTOCOL_VERSION: u64 = 1;
pub const PATH_PREFIX: &str = "gpu-provider-";
const MAX_OUTPUT: usize = 16 * 1024 * 1024;

pub struct Plugin {
    name: &'static str,
    command: Vec<String>,
    timeout: Duration,
}

/// A plugin name must be a provider id: lowercase letters, digits and `-`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.starts_with(|c: char| c.is_ascii_lowercase())
}

/// Executables named `gpu-provider-NAME` in the directories of `path` (a `PATH` value), first
/// one of each name wins, sorted by name.
pub fn discover(path: &str) -> Vec<(String, std::path::PathBuf)> {
    let mut found: Vec<(String, std::path::PathBuf)> = Vec::new();
    for dir in std::env::split_paths(path) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let file = e.file_name().to_string_lossy().into_owned();
            let Some(name) = file.strip_prefix(PATH_PREFIX) else {
                continue;
            };
            if !valid_name(name)
                || found.iter().any(|(n, _)| n == name)
                || !is_executable(&e.path())
            {
                continue;
            }
            found.push((name.to_string(), e.path()));
        }
    }
    found.sort();
    found
}

#[cfg(unix)]
fn is_executable(p: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &std::path::Path) -> bool {
    p.is_file()
}

#[derive(Deserialize)]
struct Answer {
    version: Option<u64>,
    #[serde(default)]
    offers: Option<Vec<WireOffer>>,
    #[serde(default)]
    instance: Option<WireInstance>,
    #[serde(default)]
    instances: Option<Vec<WireInstance>>,
    #[serde(default)]
    error: Option<WireError>,
}

#[derive(Deserialize)]
struct WireError {
    kind: String,
    message: String,
}

/// An offer as a plugin sends it: `gpu find --json`'s fields, most of them optional.
#[derive(Deserialize)]
struct WireOffer {
    offer_id: String,
    #[serde(default)]
    instance_type: Option<String>,
    gpu: String,
    gpu_variant: Option<String>,
    gpu_memory_gb: Option<f64>,
    gpu_count: u32,
    vcpus: Option<u32>,
    memory_gb: Option<f64>,
    disk_gb: Option<f64>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    spot: bool,
    price_per_hour_usd: f64,
    available: Option<bool>,
    stock: Option<String>,
    as_of: Option<String>,
    source_url: Option<String>,
}

#[derive(Deserialize, Serialize)]
struct WireInstance {
    id: String,
    #[serde(default)]
    name: String,
    state: Option<State>,
    #[serde(default)]
    status: String,
    gpu: Option<String>,
    gpu_count: Option<u32>,
    region: Option<String>,
    price_per_hour_usd: Option<f64>,
    ssh: Option<Ssh>,
}

impl Plugin {
    pub fn new(name: &'static str, command: Vec<String>, timeout: Duration) -> Plugin {
        Plugin {
            name,
            command,
            timeout,
        }
    }

    fn fail(&self, kind: ErrorKind, message: impl Into<String>) -> ProviderError {
        ProviderError::new(self.name, kind, message)
    }

    /// Run the plugin once with one request; the answer, or an error naming what went wrong.
    async fn call(&self, request: Value) -> Result<Answer, ProviderError> {
        let Some((program, args)) = self.command.split_first() else {
            return Err(self.fail(ErrorKind::Invalid, "the plugin `command` is empty"));
        };
        let mut child = tokio::process::Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                self.fail(
                    ErrorKind::Unavailable,
                    format!("plugin could not be started: {e}"),
                )
            })?;
        let mut line = request.to_string();
        line.push('\n');
        let run = async {
            if let Some(mut stdin) = child.stdin.take() {
                // A plugin that exits without reading its request is not an error by itself.
                let _ = stdin.write_all(line.as_bytes()).await;
            }
            let mut stdout = child
                .stdout
                .take()
                .ok_or_else(|| self.fail(ErrorKind::Unavailable, "no stdout"))?;
            let mut stderr = child
                .stderr
                .take()
                .ok_or_else(|| self.fail(ErrorKind::Unavailable, "no stderr"))?;
            let mut out = Vec::new();
            let mut buf = [0u8; 64 * 1024];
            loop {
                let n = stdout.read(&mut buf).await.map_err(|e| {
                    self.fail(
                        ErrorKind::Unavailable,
                        format!("reading its output failed: {e}"),
                    )
                })?;
                if n == 0 {
                    break;
                }
                if out.len() + n > MAX_OUTPUT {
                    return Err(self.fail(
                        ErrorKind::BadResponse,
                        "plugin printed more than 16 MiB; killed",
                    ));
                }
                out.extend_from_slice(&buf[..n]);
            }
            let mut err = Vec::new();
            let _ = (&mut stderr).take(64 * 1024).read_to_end(&mut err).await;
            let status = child.wait().await.map_err(|e| {
                self.fail(
                    ErrorKind::Unavailable,
                    format!("waiting for it failed: {e}"),
                )
            })?;
            Ok::<_, ProviderError>((status, out, err))
        };
        let (status, out, err) = match tokio::time::timeout(self.timeout, run).await {
            Ok(r) => r?,
            Err(_) => {
                return Err(self.fail(
                    ErrorKind::Unavailable,
                    format!(
                        "plugin gave no answer within {}s; killed",
                        self.timeout.as_secs_f64()
                    ),
                ))
            }
        };
        if !status.success() && out.iter().all(u8::is_ascii_whitespace) {
            let why = http::snippet(&err);
            let why = if why.is_empty() {
                status.to_string()
            } else {
                why
            };
            return Err(self.fail(ErrorKind::Unavailable, format!("plugin failed: {why}")));
        }
        let answer: Answer = serde_json::from_slice(&out).map_err(|e| {
            let start = http::snippet(&out);
            self.fail(
                ErrorKind::BadResponse,
                format!("plugin printed something that is not the protocol ({e}): `{start}`"),
            )
        })?;
        match answer.version {
            Some(PROTOCOL_VERSION) => {}
            Some(v) => {
                return Err(self.fail(
                    ErrorKind::BadResponse,
                    format!("plugin speaks protocol version {v}; gpu speaks {PROTOCOL_VERSION}"),
                ))
            }
            None => return Err(self.fail(ErrorKind::BadResponse, "plugin answer has no `version`")),
        }
        if let Some(e) = &answer.error {
            let kind = match e.kind.as_str() {
                "auth" => ErrorKind::Auth,
                "rate_limited" => ErrorKind::RateLimited,
                "unavailable" => ErrorKind::Unavailable,
                "no_capacity" => ErrorKind::NoCapacity,
                "not_found" => ErrorKind::NotFound,
                "unsupported" => ErrorKind::Unsupported,
                _ => ErrorKind::Invalid,
            };
            return Err(self.fail(kind, http::snippet(e.message.as_bytes())));
        }
        Ok(answer)
    }

    fn to_offer(&self, w: WireOffer, as_of: &str) -> Option<Offer> {
        if w.gpu_count == 0 || !http::sane_price(w.price_per_hour_usd) {
            return None;
        }
        let g = crate::gpu::canonical(&w.gpu);
        let prefix = format!("{}:", self.name);
        let offer_id = if w.offer_id.starts_with(&prefix) {
            w.offer_id
        } else {
            format!("{prefix}{}", w.offer_id)
        };
        Some(Offer {
            provider: self.name.to_string(),
            offer_id,
            instance_type: w.instance_type.unwrap_or_default(),
            gpu: g.family,
            gpu_variant: w.gpu_variant.or(g.variant),
            gpu_memory_gb: w.gpu_memory_gb.or(g.memory_gb),
            gpu_count: w.gpu_count,
            gpu_fraction: None,
            vcpus: w.vcpus,
            memory_gb: w.memory_gb,
            disk_gb: w.disk_gb,
            region: w
                .region
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| "any".to_string()),
            spot: w.spot,
            price_per_hour_usd: w.price_per_hour_usd,
            price_per_gpu_hour_usd: per_gpu(w.price_per_hour_usd, w.gpu_count),
            available: w.available,
            stock: w.stock,
            source: Source::Live,
            as_of: w.as_of.unwrap_or_else(|| as_of.to_string()),
            source_url: w
                .source_url
                .unwrap_or_else(|| format!("plugin:{}", self.name)),
            storage_price_per_hour_usd: None,
            catalog_source: None,
            as_of_estimated: false,
            country: None,
            continent: None,
            value: Default::default(),
        })
    }

    fn to_instance(&self, w: WireInstance) -> Instance {
        Instance {
            provider: self.name.to_string(),
            id: w.id,
            name: String::new(),
            state: w.state.unwrap_or(State::Unknown),
            status: w.status,
            gpu: w.gpu,
            gpu_count: w.gpu_count,
            region: w.region,
            price_per_hour_usd: w.price_per_hour_usd,
            ssh: w.ssh,
            owner: None,
            deadline: None,
            launcher: None,
            launched: None,
            unreadable: None,
        }
        .named(&w.name)
    }
}

#[async_trait::async_trait]
impl Provider for Plugin {
    fn id(&self) -> &'static str {
        self.name
    }

    async fn offers(&self, q: &OfferQuery) -> Result<Vec<Offer>, ProviderError> {
        let gpus: Vec<&str> = q.gpus.iter().map(|g| g.family.as_str()).collect();
        let request = json!({
            "version": PROTOCOL_VERSION,
            "op": "offers",
            "query": {"gpus": gpus, "gpu_count": q.gpu_count, "min_gpus": q.min_gpus, "spot": q.spot},
        });
        let answer = self.call(request).await?;
        let offers = answer.offers.ok_or_else(|| {
            self.fail(
                ErrorKind::BadResponse,
                "plugin answer to `offers` has no `offers` list",
            )
        })?;
        let as_of = now_rfc3339();
        Ok(offers
            .into_iter()
            .filter_map(|w| self.to_offer(w, &as_of))
            .collect())
    }

    fn launch_plan(&self, req: &LaunchRequest) -> Result<Vec<PlannedRequest>, ProviderError> {
        refuse_boot(self.name, req)?;
        Ok(vec![PlannedRequest {
            method: "PLUGIN".into(),
            url: self.command.join(" "),
            body: Some(launch_request(self.name, req)),
        }])
    }

    async fn launch(&self, req: &LaunchRequest) -> Result<Instance, ProviderError> {
        refuse_boot(self.name, req)?;
        let answer = self.call(launch_request(self.name, req)).await?;
        let w = answer.instance.ok_or_else(|| {
            self.fail(
                ErrorKind::BadResponse,
                "plugin answer to `launch` has no `instance`",
            )
        })?;
        Ok(self.to_instance(w))
    }

    async fn instances(&self) -> Result<Vec<Instance>, ProviderError> {
        let answer = self
            .call(json!({"version": PROTOCOL_VERSION, "op": "list"}))
            .await?;
        let list = answer.instances.ok_or_else(|| {
            self.fail(
                ErrorKind::BadResponse,
                "plugin answer to `list` has no `instances`",
            )
        })?;
        Ok(list.into_iter().map(|w| self.to_instance(w)).collect())
    }

    async fn terminate(&self, id: &str) -> Result<(), ProviderError> {
        match self
            .call(json!({"version": PROTOCOL_VERSION, "op": "terminate", "id": id}))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}

fn refuse_boot(name: &'static str, req: &LaunchRequest) -> Result<(), ProviderError> {
    crate::boot::refuse_unsupported(
        name,
        req,
        crate::boot::Boot::default(),
        "the plugin protocol has no field for environment variables or a startup script yet",
    )
}

fn launch_request(name: &str, req: &LaunchRequest) -> Value {
    json!({
        "version": PROTOCOL_VERSION,
        "op": "launch",
        "offer_id": format!("{name}:{}", req.offer),
        "name": req.tagged_name(),
        "ssh_public_key": req.ssh_public_key,
        "image": req.image,
        "disk_gb": req.disk_gb,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(dir: &std::path::Path, name: &str, body: &str) -> Vec<String> {
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        vec![p.display().to_string()]
    }

    fn plugin(cmd: Vec<String>) -> Plugin {
        Plugin::new("homelab", cmd, Duration::from_secs(2))
    }

    #[tokio::test]
    async fn offers_round_trip_and_the_request_is_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let seen = dir.path().join("request.json");
        let cmd = script(
            dir.path(),
            "gpu-provider-homelab",
            &format!(
                r#"read -r line; printf '%s' "$line" > {}
echo '{{"version":1,"offers":[{{"offer_id":"box1","gpu":"NVIDIA GeForce RTX 4090","gpu_count":2,"price_per_hour_usd":0.9,"region":"office","available":true}},{{"offer_id":"bad","gpu":"X","gpu_count":0,"price_per_hour_usd":1}}]}}'"#,
                seen.display()
            ),
        );
        let q = OfferQuery {
            gpus: vec![crate::gpu::GpuFilter::parse("rtx4090")],
            ..Default::default()
        };
        let offers = plugin(cmd).offers(&q).await.unwrap();
        assert_eq!(offers.len(), 1, "an offer with no GPUs is dropped");
        let o = &offers[0];
        assert_eq!(
            (o.provider.as_str(), o.offer_id.as_str(), o.gpu.as_str()),
            ("homelab", "homelab:box1", "RTX 4090")
        );
        assert_eq!(o.price_per_gpu_hour_usd, 0.45);
        assert_eq!(o.gpu_memory_gb, Some(24.0));
        let request: Value = serde_json::from_str(&std::fs::read_to_string(seen).unwrap()).unwrap();
        assert_eq!(request["op"], "offers");
        assert_eq!(request["version"], 1);
        assert_eq!(request["query"]["gpus"], json!(["RTX 4090"]));
    }

    #[tokio::test]
    async fn misbehaving_plugins_become_errors_naming_them() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (
                "crash",
                "echo 'segfault, sorry' >&2; exit 3",
                "plugin failed: segfault, sorry",
            ),
            ("garbage", "echo 'hello there'", "not the protocol"),
            (
                "version",
                r#"echo '{"version":2,"offers":[]}'"#,
                "protocol version 2",
            ),
            ("noversion", r#"echo '{"offers":[]}'"#, "no `version`"),
            ("nooffers", r#"echo '{"version":1}'"#, "no `offers`"),
            (
                "error",
                r#"echo '{"version":1,"error":{"kind":"auth","message":"token expired"}}'"#,
                "token expired",
            ),
        ];
        for (name, body, expect) in cases {
            let e = plugin(script(dir.path(), name, body))
                .offers(&OfferQuery::default())
                .await
                .unwrap_err();
            assert_eq!(e.provider, "homelab");
            assert!(e.message.contains(expect), "{name}: {}", e.message);
        }
        let e = plugin(script(
            dir.path(),
            "auth",
            r#"echo '{"version":1,"error":{"kind":"auth","message":"x"}}'"#,
        ))
        .offers(&OfferQuery::default())
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Auth);
        let e = plugin(vec![dir.path().join("missing").display().to_string()])
            .offers(&OfferQuery::default())
            .await
            .unwrap_err();
        assert!(e.message.contains("could not be started"), "{}", e.message);
    }

    #[tokio::test]
    async fn a_hanging_plugin_is_killed_at_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let p = Plugin::new(
            "slow",
            script(dir.path(), "slow", "sleep 30"),
            Duration::from_millis(300),
        );
        let started = std::time::Instant::now();
        let e = p.offers(&OfferQuery::default()).await.unwrap_err();
        assert!(e.message.contains("no answer within"), "{}", e.message);
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[tokio::test]
    async fn launch_list_terminate() {
        let dir = tempfile::tempdir().unwrap();
        let body = r#"read -r line
case "$line" in
  *'"op":"launch"'*) echo '{"version":1,"instance":{"id":"vm-1","name":"gpu-x","state":"provisioning","status":"starting"}}' ;;
  *'"op":"list"'*) echo '{"version":1,"instances":[{"id":"vm-1","name":"gpu-x","state":"running","status":"up","ssh":{"host":"10.1.2.3","port":22,"user":"me"}}]}' ;;
  *'"op":"terminate"'*) echo '{"version":1,"ok":true}' ;;
esac"#;
        let p = plugin(script(dir.path(), "lifecycle", body));
        let req = LaunchRequest {
            offer: "box1".into(),
            region: None,
            name: "gpu-x".into(),
            ssh_public_key: None,
            ssh_key_name: None,
            image: None,
            disk_gb: None,
            max_price_per_hour: None,
            offer_spot: false,
            owner: Some("a1b2c3d4".into()),
            deadline: Some(1_764_633_600),
            ..Default::default()
        };
        assert_eq!(p.launch(&req).await.unwrap().state, State::Provisioning);
        let list = p.instances().await.unwrap();
        assert_eq!(list[0].ssh.as_ref().unwrap().command(), "ssh me@10.1.2.3");
        p.terminate("vm-1").await.unwrap();
    }

    #[test]
    fn discovery_finds_executables_by_prefix() {
        let dir = tempfile::tempdir().unwrap();
        script(dir.path(), "gpu-provider-homelab", "true");
        script(dir.path(), "gpu-provider-Bad_Name", "true");
        std::fs::write(dir.path().join("gpu-provider-notexec"), "").unwrap();
        script(dir.path(), "other-tool", "true");
        let found = discover(&dir.path().display().to_string());
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["homelab"]);
    }
}
