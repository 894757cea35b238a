//! What an instance gets at boot besides the image: environment variables and a startup
//! script (`gpu up --env`, `--startup-script`), and how each adapter hands them over.
//!
//! Providers take them in different shapes: cloud-init `user_data` (Lambda), an `onstart`
//! shell line plus a container `env` object (Vast), a container `env` object only (RunPod).
//! An adapter says what it can take with [`Provider::boot`](crate::Provider::boot) and
//! refuses the rest with [`refuse_unsupported`] before sending anything.

use std::collections::BTreeMap;

use crate::error::{ErrorKind, ProviderError};
use crate::instance::LaunchRequest;

/// What a provider can hand an instance at boot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Boot {
    /// Environment variables.
    pub env: bool,
    /// A script run once at boot.
    pub script: bool,
}

/// Where the startup script and its log are written on the instance.
pub const SCRIPT_PATH: &str = "/var/lib/gpu/startup";
pub const SCRIPT_LOG: &str = "/var/log/gpu-startup.log";

/// Variable names whose values are never printed: `*KEY*`, `*TOKEN*`, `*SECRET*`,
/// `*PASSWORD*` (any case), and a few common spellings of the same.
pub fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "KEY",
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "CREDENTIAL",
        "AUTH",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// The values of `env` that must never be printed, as they are and as they appear quoted for
/// a shell (`'it'\''s'`), longest first.
pub fn secret_values(env: &BTreeMap<String, String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (k, v) in env {
        if is_secret_name(k) && !v.is_empty() {
            out.push(v.clone());
            let quoted = shell_quote(v);
            if quoted != *v {
                out.push(quoted);
            }
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

/// Replace every occurrence of a secret value in the strings of `value` with `***`.
pub fn mask_json(value: &mut serde_json::Value, secrets: &[String]) {
    match value {
        serde_json::Value::String(s) => {
            for secret in secrets {
                if s.contains(secret.as_str()) {
                    *s = s.replace(secret.as_str(), "***");
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| mask_json(v, secrets)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| mask_json(v, secrets)),
        _ => {}
    }
}

/// Refuse what `req` asks for that `can` does not take, naming the flag.
pub fn refuse_unsupported(
    provider: &'static str,
    req: &LaunchRequest,
    can: Boot,
    why: &str,
) -> Result<(), ProviderError> {
    let flag = if !req.env.is_empty() && !can.env {
        "--env"
    } else if req.startup_script.is_some() && !can.script {
        "--startup-script"
    } else {
        return Ok(());
    };
    Err(ProviderError::new(
        provider,
        ErrorKind::Invalid,
        format!("`{provider}` cannot take `{flag}`: {why}"),
    ))
}

/// Quote `s` for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A shell script that runs as root at boot: `prelude` first (a deadline timer, which must not
/// wait for the user's script), then the variables into `/etc/environment` (so that every SSH
/// session sees them), then the user's script, written to [`SCRIPT_PATH`] and run with the
/// variables exported, its output in [`SCRIPT_LOG`]. `None` when there is nothing to do.
pub fn boot_script(
    provider: &'static str,
    req: &LaunchRequest,
    prelude: Option<&str>,
) -> Result<Option<String>, ProviderError> {
    if prelude.is_none() && req.env.is_empty() && req.startup_script.is_none() {
        return Ok(None);
    }
    let mut s = String::new();
    if let Some(p) = prelude {
        s.push_str(p);
        s.push('\n');
    }
    if !req.env.is_empty() {
        for (k, v) in &req.env {
            if v.contains(['"', '\n', '\r']) {
                return Err(ProviderError::new(
                    provider,
                    ErrorKind::Invalid,
                    format!("`--env {k}`: the value cannot contain a double quote or a line break (it goes into /etc/environment)"),
                ));
            }
        }
        s.push_str("cat >> /etc/environment <<'GPU_ENV_EOF'\n");
        for (k, v) in &req.env {
            s.push_str(&format!("{k}=\"{v}\"\n"));
        }
        s.push_str("GPU_ENV_EOF\n");
    }
    if let Some(script) = &req.startup_script {
        let delimiter = format!("GPU_STARTUP_EOF_{:016x}", fnv(script));
        if script.lines().any(|l| l == delimiter) {
            return Err(ProviderError::new(
                provider,
                ErrorKind::Invalid,
                format!("the startup script contains the line `{delimiter}`; remove it"),
            ));
        }
        s.push_str(&format!("mkdir -p {}\n", parent(SCRIPT_PATH)));
        s.push_str(&format!("cat > {SCRIPT_PATH} <<'{delimiter}'\n"));
        s.push_str(script);
        if !script.ends_with('\n') {
            s.push('\n');
        }
        s.push_str(&format!("{delimiter}\nchmod 700 {SCRIPT_PATH}\n"));
        let exports: Vec<String> = req
            .env
            .iter()
            .map(|(k, v)| format!("{k}={}", shell_quote(v)))
            .collect();
        let run = if script.starts_with("#!") {
            SCRIPT_PATH.to_string()
        } else {
            format!("/bin/sh {SCRIPT_PATH}")
        };
        let env_prefix = if exports.is_empty() {
            String::new()
        } else {
            format!("env {} ", exports.join(" "))
        };
        s.push_str(&format!("{env_prefix}{run} >{SCRIPT_LOG} 2>&1\n"));
    }
    Ok(Some(s))
}

/// cloud-init `user_data`: the startup script itself when it is alone (so a `#cloud-config`
/// document works as cloud-init documents it), else one shell script doing both.
pub fn user_data(
    provider: &'static str,
    req: &LaunchRequest,
) -> Result<Option<String>, ProviderError> {
    if let Some(script) = &req.startup_script {
        if req.env.is_empty() {
            return Ok(Some(script.clone()));
        }
        if script.trim_start().starts_with("#cloud-config") {
            return Err(ProviderError::new(
                provider,
                ErrorKind::Invalid,
                "a `#cloud-config` startup script cannot be combined with `--env`; set the variables in it (`write_files`) instead",
            ));
        }
    }
    Ok(boot_script(provider, req, None)?.map(|s| format!("#!/bin/bash\n{s}")))
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("/", |(p, _)| p)
}

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(env: &[(&str, &str)], script: Option<&str>) -> LaunchRequest {
        LaunchRequest {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            startup_script: script.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn secret_names_are_recognised_in_any_case() {
        for n in ["HF_TOKEN", "api_key", "AWS_SECRET_ACCESS_KEY", "DbPassword"] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in ["EPOCHS", "MODEL", "BATCH_SIZE"] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn masking_reaches_values_inside_scripts() {
        let env: BTreeMap<String, String> =
            [("HF_TOKEN".to_string(), "hf_abc123".to_string())].into();
        let mut v =
            serde_json::json!({"user_data": "HF_TOKEN=\"hf_abc123\"\n", "n": [ "hf_abc123" ]});
        mask_json(&mut v, &secret_values(&env));
        assert!(!v.to_string().contains("hf_abc123"), "{v}");
        assert_eq!(v["n"][0], "***");
    }

    #[test]
    fn quoted_secrets_are_masked_too() {
        let r = req(&[("API_KEY", "x'y z")], Some("echo hi\n"));
        let mut v = serde_json::json!({"user_data": user_data("lambda", &r).unwrap().unwrap()});
        assert!(
            v["user_data"].as_str().unwrap().contains("'x'\\''y z'"),
            "{v}"
        );
        mask_json(&mut v, &secret_values(&r.env));
        assert!(!v.to_string().contains("y z"), "{v}");
    }

    #[test]
    fn a_lone_script_is_user_data_as_it_is() {
        let r = req(&[], Some("#cloud-config\npackages: [htop]\n"));
        assert_eq!(
            user_data("lambda", &r).unwrap().unwrap(),
            "#cloud-config\npackages: [htop]\n"
        );
        let r = req(&[("A", "1")], Some("#cloud-config\n"));
        assert!(user_data("lambda", &r).is_err());
    }

    #[test]
    fn env_and_script_become_one_shell_script() {
        let r = req(&[("EPOCHS", "3"), ("NOTE", "it's")], Some("echo hi\n"));
        let s = user_data("lambda", &r).unwrap().unwrap();
        assert!(s.starts_with("#!/bin/bash\n"), "{s}");
        assert!(s.contains("EPOCHS=\"3\"\n"), "{s}");
        assert!(
            s.contains("env EPOCHS=3 NOTE='it'\\''s' /bin/sh /var/lib/gpu/startup"),
            "{s}"
        );
        assert!(s.contains("echo hi\nGPU_STARTUP_EOF_"), "{s}");
    }

    #[test]
    fn values_that_would_break_etc_environment_are_refused() {
        let r = req(&[("A", "say \"hi\"")], None);
        let e = boot_script("vast", &r, None).unwrap_err();
        assert!(e.message.contains("--env A"), "{}", e.message);
    }

    #[test]
    fn shell_quote_leaves_plain_words_alone() {
        assert_eq!(shell_quote("abc-1.2"), "abc-1.2");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote("$HOME;x"), "'$HOME;x'");
        assert_eq!(shell_quote(""), "''");
    }
}
