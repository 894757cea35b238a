//! What the instance gets at boot (`--env`, `--startup-script`): read and checked once, kept
//! to providers that can take it, and never printed where a secret could show.

use std::collections::BTreeMap;
use std::path::Path;

use gpu_providers::boot::{is_secret_name, mask_json, secret_values, Boot};
use gpu_providers::{Offer, PlannedRequest};

use crate::config::Config;
use crate::core::rent::RentRequest;
use crate::env::Env;
use crate::exit::CliError;
use crate::gather;
use crate::ui::Ui;

/// The environment and startup script of one launch. Its `Debug` masks secret values.
#[derive(Clone, Default)]
pub struct BootSpec {
    pub env: BTreeMap<String, String>,
    pub script: Option<String>,
    /// The file the script came from, for messages.
    pub script_path: Option<String>,
}

impl std::fmt::Debug for BootSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootSpec")
            .field("env", &self.shown_env())
            .field("script_path", &self.script_path)
            .finish_non_exhaustive()
    }
}

impl BootSpec {
    /// `vars` is gpu's own environment, for `--env NAME` (the value taken from it).
    pub fn from_request(args: &RentRequest, vars: &Env) -> Result<BootSpec, CliError> {
        let mut env = BTreeMap::new();
        for arg in &args.env {
            let (k, v) = parse_env_var(arg, vars)?;
            if v.contains(['\n', '\r']) {
                return Err(CliError::usage(format!(
                    "`--env {k}`: the value has a line break; pass one line (a file's contents belong in `--startup-script`)"
                )));
            }
            if env.insert(k.clone(), v).is_some() {
                return Err(CliError::usage(format!(
                    "`--env {k}` is given twice; give each variable once"
                )));
            }
        }
        let (script, script_path) = match &args.startup_script {
            Some(p) => (Some(read_script(p)?), Some(p.display().to_string())),
            None => (None, None),
        };
        Ok(BootSpec {
            env,
            script,
            script_path,
        })
    }

    pub fn needs(&self) -> Boot {
        Boot {
            env: !self.env.is_empty(),
            script: self.script.is_some(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.env.is_empty() && self.script.is_none()
    }

    /// `K=V` for each variable, secret values masked: what a dry run shows.
    pub fn shown_env(&self) -> Vec<String> {
        self.env
            .iter()
            .map(|(k, v)| {
                if is_secret_name(k) {
                    format!("{k}=***")
                } else {
                    format!("{k}={v}")
                }
            })
            .collect()
    }

    /// Mask every secret value wherever it appears in planned requests.
    pub fn mask(&self, requests: &mut [PlannedRequest]) {
        let secrets = secret_values(&self.env);
        for r in requests {
            if let Some(b) = r.body.as_mut() {
                mask_json(b, &secrets);
            }
        }
    }

    /// Mask every secret value in a message (an error echoed back by a provider, say).
    pub fn mask_text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in secret_values(&self.env) {
            out = out.replace(&s, "***");
        }
        out
    }
}

impl BootSpec {
    /// The error with every secret value masked, wherever it came from.
    pub fn mask_error(&self, mut e: CliError) -> CliError {
        e.message = self.mask_text(&e.message);
        e.causes = e.causes.iter().map(|c| self.mask_text(c)).collect();
        e.hint = e.hint.as_deref().map(|h| self.mask_text(h));
        e
    }
}

/// `--env KEY=VALUE`, or `--env KEY` for the value of KEY in gpu's own environment (which
/// keeps a secret off the command line); an error never shows a value.
fn parse_env_var(arg: &str, vars: &Env) -> Result<(String, String), CliError> {
    let (k, v) = match arg.split_once('=') {
        Some((k, v)) => (k, v.to_string()),
        None => {
            let value = vars.get(arg).filter(|_| valid_name(arg)).ok_or_else(|| {
                CliError::usage(format!(
                    "`--env {}` is neither KEY=VALUE nor the name of a variable set here",
                    masked_arg(arg)
                ))
                .hint("write `--env NAME=VALUE`, or export NAME before running gpu")
            })?;
            (arg, value.to_string())
        }
    };
    if !valid_name(k) {
        return Err(CliError::usage(format!(
            "`--env`: `{}` is not a variable name; use letters, digits and `_`, not starting with a digit",
            k.chars().take(64).collect::<String>()
        )));
    }
    Ok((k.to_string(), v))
}

fn valid_name(k: &str) -> bool {
    !k.is_empty()
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A `KEY=VALUE` argument as an error may show it: the value hidden when the name looks secret.
pub fn masked_arg(arg: &str) -> String {
    match arg.split_once('=') {
        Some((k, _)) if is_secret_name(k) => format!("{k}=***"),
        Some(_) => arg.to_string(),
        None if is_secret_name(arg) => "***".to_string(),
        None => arg.to_string(),
    }
}

fn read_script(path: &Path) -> Result<String, CliError> {
    let bytes = std::fs::read(path).map_err(|e| {
        CliError::usage(format!(
            "`--startup-script {}`: could not read it",
            path.display()
        ))
        .cause(e)
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        CliError::usage(format!(
            "`--startup-script {}` is not UTF-8 text",
            path.display()
        ))
    })?;
    if text.trim().is_empty() {
        return Err(CliError::usage(format!(
            "`--startup-script {}` is empty",
            path.display()
        )));
    }
    Ok(text)
}

/// Keep the offers whose provider can take `boot`. Offers the user named (an offer id, or
/// `--provider`) that cannot are refused with the provider's own reason; others are skipped
/// with a note. Nothing is created either way.
pub fn usable(
    offers: Vec<Offer>,
    boot: &BootSpec,
    named: bool,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Vec<Offer>, CliError> {
    if boot.is_empty() {
        return Ok(offers);
    }
    let need = boot.needs();
    let mut refused: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut kept = Vec::new();
    for o in offers {
        let reason = refused.entry(o.provider.clone()).or_insert_with(|| {
            let Ok((_, p)) = gather::build(&o.provider, config, env, ui) else {
                return None;
            };
            let can = p.boot();
            if (need.env && !can.env) || (need.script && !can.script) {
                // The adapter refuses before anything else, in its own words.
                let req = gpu_providers::LaunchRequest {
                    offer: o
                        .offer_id
                        .split_once(':')
                        .map_or("", |(_, r)| r)
                        .to_string(),
                    name: "gpu-check".to_string(),
                    ssh_key_name: Some("check".to_string()),
                    env: boot.env.clone(),
                    startup_script: boot.script.clone(),
                    ..Default::default()
                };
                Some(match p.launch_plan(&req) {
                    Err(e) => e.message,
                    Ok(_) => format!("`{}` cannot take them", o.provider),
                })
            } else {
                None
            }
        });
        match reason {
            Some(why) if named => return Err(CliError::usage(why.clone())),
            Some(_) => {}
            None => kept.push(o),
        }
    }
    for why in refused.values().flatten() {
        ui.note(&format!("skipped its offers: {why}"));
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_arguments_are_masked_in_messages() {
        assert_eq!(masked_arg("HF_TOKEN=abc"), "HF_TOKEN=***");
        assert_eq!(masked_arg("EPOCHS=3"), "EPOCHS=3");
        let b = BootSpec {
            env: [("API_KEY".to_string(), "sk-123".to_string())].into(),
            ..Default::default()
        };
        assert_eq!(b.shown_env(), ["API_KEY=***"]);
        assert_eq!(b.mask_text("bad value sk-123"), "bad value ***");
        assert!(!format!("{b:?}").contains("sk-123"));
        let req = gpu_providers::LaunchRequest {
            env: b.env.clone(),
            ..Default::default()
        };
        assert!(!format!("{req:?}").contains("sk-123"));
    }
}
