//! Choosing: the instance name, the SSH key, and which live offers may be launched, in the
//! order the user pays least for.

use std::path::PathBuf;
use std::time::SystemTime;

use gpu_providers::{Offer, Source, NAME_PREFIX};

use crate::config::Config;
use crate::core::find::SortKey;
use crate::core::rent::RentRequest;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::gather::{self, Report};
use crate::rank::{self, Filters};
use crate::ui::Ui;

pub fn new_name(requested: Option<&str>) -> Result<String, CliError> {
    match requested {
        Some(n) => {
            // Providers without tags keep owner, launcher and deadline in the name, and some
            // (Prime Intellect, Verda's hostnames) take only letters, digits and `-`.
            let n = n.trim();
            let ok = !n.is_empty()
                && n.len() <= 48
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !n.ends_with('-');
            if !ok {
                return Err(CliError::usage(format!(
                    "`--name {n}` must be 1 to 48 letters, digits or `-`, not ending in `-`"
                ))
                .hint("some providers accept nothing else in a name: use `-` for `_`"));
            }
            Ok(if n.starts_with(NAME_PREFIX) {
                n.to_string()
            } else {
                format!("{NAME_PREFIX}{n}")
            })
        }
        None => {
            let nanos = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(std::process::id());
            for b in nanos.to_le_bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            Ok(format!("{NAME_PREFIX}{:08x}", h & 0xffff_ffff))
        }
    }
}

/// The SSH key to pass: explicit, from the config, or the user's default public key.
pub enum SshKey {
    /// Public key text, and the private key file beside it when there is one (for `gpu ssh`).
    Public(String, Option<PathBuf>),
    Named(String),
    None,
}

pub fn expand(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(p),
    }
}

/// The private key that goes with a key file: the file itself when it is private, else the
/// same path without `.pub`, when it exists.
fn private_half(path: &std::path::Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(path).ok()?;
    let private = if text.trim_start().starts_with("-----BEGIN") {
        path.to_path_buf()
    } else {
        PathBuf::from(path.to_str()?.strip_suffix(".pub")?)
    };
    let private = std::fs::canonicalize(&private).unwrap_or(private);
    private.is_file().then_some(private)
}

fn read_public_key(path: &std::path::Path) -> Result<String, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::usage(format!("could not read the SSH key `{}`", path.display())).cause(e)
    })?;
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        let public = PathBuf::from(format!("{}.pub", path.display()));
        if public.exists() {
            return read_public_key(&public);
        }
        return Err(CliError::usage(format!(
            "`{}` is a private key; pass its public half (`.pub`)",
            path.display()
        )));
    }
    let looks_public = ["ssh-", "ecdsa-", "sk-"]
        .iter()
        .any(|p| text.starts_with(p));
    if !looks_public {
        return Err(CliError::usage(format!(
            "`{}` is not an SSH public key",
            path.display()
        )));
    }
    Ok(text.lines().next().unwrap_or(text).to_string())
}

pub fn resolve_ssh_key(flag: Option<&str>, config: &Config, ui: &Ui) -> Result<SshKey, CliError> {
    if let Some(value) = flag.or(config.ssh_key.as_deref()) {
        let path = expand(value);
        if path.exists() {
            return Ok(SshKey::Public(read_public_key(&path)?, private_half(&path)));
        }
        if value.contains('/') || value.ends_with(".pub") {
            return Err(
                CliError::usage(format!("the SSH key file `{value}` does not exist")).hint(
                    "pass a public key file, or the name of a key registered with the provider",
                ),
            );
        }
        return Ok(SshKey::Named(value.to_string()));
    }
    if let Some(home) = dirs::home_dir() {
        for f in ["id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"] {
            let p = home.join(".ssh").join(f);
            if p.exists() {
                if ui.verbose {
                    ui.debug(&format!("using the SSH key `{}`", p.display()));
                }
                return Ok(SshKey::Public(read_public_key(&p)?, private_half(&p)));
            }
        }
    }
    Ok(SshKey::None)
}

pub fn launchable(id: &str, config: &Config, env: &Env) -> bool {
    if gpu_providers::entry(id).is_none() {
        // A plugin decides for itself; one that cannot launch answers `unsupported`.
        return crate::plugins::list(config, env)
            .iter()
            .any(|p| p.name == id && p.enabled);
    }
    gpu_providers::entry(id).is_some_and(|e| {
        e.capabilities.launch
            && crate::config::resolve(e, config, env, None)
                .is_ok_and(|r| r.api_key.is_some() && r.enabled)
    })
}

/// Live offers `up` may launch, in `sort` order (by default the whole instance's price per
/// hour: what the user pays, not the price per GPU).
pub async fn candidates(
    args: &RentRequest,
    filters: &Filters,
    sort: SortKey,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Vec<Offer>, CliError> {
    let mut filters = filters.clone();
    if let Some(id) = &args.offer {
        let (provider, _) = id.split_once(':').ok_or_else(|| {
            CliError::usage(format!(
                "`{id}` is not an offer id; copy one from `gpu find` (`provider:...`)"
            ))
        })?;
        gather::check_named(&[provider.to_string()], config, env).map_err(|mut e| {
            // Named in the offer id, not with `--provider`.
            e.message = format!("`{id}` names the unknown provider `{provider}`");
            e
        })?;
        let is_plugin = crate::plugins::list(config, env)
            .iter()
            .any(|p| p.name == provider);
        match gpu_providers::entry(provider) {
            Some(e) if e.capabilities.launch => {}
            _ if is_plugin => {}
            _ => {
                return Err(CliError::usage(format!(
                    "`{provider}` cannot launch instances through this tool yet"
                ))
                .hint(
                    "`gpu providers` shows which providers can; pick an offer from one of those",
                ))
            }
        }
        if !launchable(provider, config, env) {
            let key_env = gpu_providers::entry(provider).map_or("", |e| e.key_env);
            return Err(CliError::new(
                Status::Auth,
                format!("`{provider}` has no API key; launching needs one"),
            )
            .hint(format!(
                "set `{key_env}` or add `api_key` under `[providers.{provider}]` in your config"
            )));
        }
        filters.providers = vec![provider.to_string()];
    }
    // Providers named with `--provider` that can launch but have no key: with none of the
    // named left to launch on, that is the answer (exit 4, with the variable to set).
    let keyless: Vec<&str> = filters
        .providers
        .iter()
        .map(String::as_str)
        .filter(|p| {
            gpu_providers::entry(p).is_some_and(|e| e.capabilities.launch)
                && !launchable(p, config, env)
        })
        .collect();
    if !keyless.is_empty() && keyless.len() == filters.providers.len() {
        let hints: Vec<String> = keyless
            .iter()
            .map(|p| {
                format!(
                    "set {} (or `api_key` under `[providers.{p}]`) for `{p}`",
                    crate::lifecycle::key_vars(p)
                )
            })
            .collect();
        return Err(CliError::new(
            Status::Auth,
            format!(
                "{} has no API key; launching needs one",
                keyless
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .hint(hints.join("; ")));
    }
    // Launch decisions need live prices: no cache, no offline answers.
    let mut request = gather::Request::new(config, env, filters.query(), filters.providers.clone());
    request.offline = false;
    request.refresh = true;
    request.timeout_flag = args.timeout;
    let outcome = gather::gather(request, ui).await?;
    crate::rank::check_regions(&filters.regions, &outcome.offers)?;
    // Keys a provider refused: with nothing else to launch, that is the answer (exit 4).
    let mut refused: Vec<&'static str> = Vec::new();
    for p in &outcome.providers {
        if let Report::Failed { error, configured } = &p.report {
            if error.kind == gpu_providers::ErrorKind::Auth && launchable(p.id, config, env) {
                refused.push(p.id);
            }
            if *configured {
                ui.warn(&format!("skipped `{}`: {}", p.id, error.message));
            }
        }
    }
    let refused_error = |refused: &[&str]| {
        let mut e = CliError::new(
            Status::Auth,
            format!(
                "{} rejected the API key, and no other provider you can launch on offers a match",
                refused
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        e.hint = Some(
            refused
                .iter()
                .map(|p| crate::lifecycle::key_hint(p, config))
                .collect::<Vec<_>>()
                .join("; "),
        );
        e
    };
    let live: Vec<Offer> = outcome
        .offers
        .into_iter()
        .filter(|o| o.source == Source::Live && o.available != Some(false))
        .filter(|o| launchable(&o.provider, config, env))
        .collect();
    if let Some(id) = &args.offer {
        let found: Vec<Offer> = live.into_iter().filter(|o| &o.offer_id == id).collect();
        if found.is_empty() && !refused.is_empty() {
            return Err(refused_error(&refused));
        }
        if found.is_empty() {
            return Err(CliError::new(
                Status::NoCapacity,
                format!("`{id}` is not offered right now"),
            )
            .hint(
                "it may be sold out or its id may have changed; run `gpu find` for current offers",
            ));
        }
        // The user named it; price limits still apply.
        let kept = rank::rank(found.clone(), &filters, sort);
        if kept.is_empty() {
            let o = &found[0];
            return Err(CliError::new(
                Status::NoMatch,
                format!(
                    "`{id}` now costs ${:.2}/GPU-hour (${:.2}/hour), above your limit; not launching",
                    o.price_per_gpu_hour_usd, o.price_per_hour_usd
                ),
            ));
        }
        return Ok(kept);
    }
    let ranked = rank::rank(live, &filters, sort);
    if ranked.is_empty() && !refused.is_empty() {
        return Err(refused_error(&refused));
    }
    Ok(ranked)
}

pub fn describe(o: &Offer) -> String {
    format!(
        "{}x {} on {} in {} at ${:.2}/hour (${:.2}/GPU-hour{})",
        o.gpu_count,
        o.gpu_label(),
        o.provider,
        o.region,
        o.price_per_hour_usd,
        o.price_per_gpu_hour_usd,
        if o.spot { ", spot" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_prefixed_and_checked() {
        assert_eq!(new_name(Some("train")).unwrap(), "gpu-train");
        assert_eq!(new_name(Some("gpu-ci-42")).unwrap(), "gpu-ci-42");
        assert!(new_name(Some("bad name")).is_err());
        assert!(
            new_name(Some("my_job")).is_err(),
            "Prime and Verda take no `_`"
        );
        assert_eq!(
            new_name(Some("CI-Run")).unwrap(),
            "gpu-CI-Run",
            "kept as given"
        );
        assert!(
            new_name(Some("a.b")).is_err(),
            "`.` is kept for the owner suffix"
        );
        let a = new_name(None).unwrap();
        assert!(a.starts_with("gpu-") && a.len() == 12, "{a}");
    }
}
