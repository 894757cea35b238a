//! `gpu providers`: every provider this build knows, whether it is configured, live or
//! catalog-only, and what it can do.

use serde::Serialize;

use gpu_providers::{catalog, CATALOG_ONLY, REGISTRY};

use crate::cli::{Format, ProvidersArgs};
use crate::config::{self, Config, KeySource};
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::output;

#[derive(Debug, Serialize)]
pub struct ProviderInfo {
    pub id: String,
    pub name: String,
    /// `live`, `live (keyless)`, `catalog only (no API key)`, `catalog only`, `disabled`.
    pub status: String,
    pub live_offers: bool,
    pub needs_key: bool,
    pub key_env: Option<String>,
    pub key_set: bool,
    pub spot: bool,
    pub catalog_rows: usize,
    pub catalog_as_of: Option<String>,
    pub docs_url: Option<String>,
    /// Whether `gpu up` can rent here. Last, so that CSV columns keep their places.
    pub can_launch: bool,
}

pub fn collect(config: &Config, env: &Env) -> Result<Vec<ProviderInfo>, CliError> {
    let rows = crate::gather::effective_catalog(config, env);
    let count = |id: &str| rows.iter().filter(|o| o.provider == id).count();
    let as_of = |id: &str| {
        catalog::dates(&rows, id).map(|(a, b)| if a == b { a } else { format!("{a}..{b}") })
    };
    let disabled = |id: &str| config.providers.get(id).is_some_and(|p| !p.enabled);
    let mut out = Vec::new();
    for e in REGISTRY {
        let r = config::resolve(e, config, env, None)?;
        let key_set = r.api_key.is_some();
        let status = if disabled(e.id) {
            "disabled"
        } else if e.capabilities.offers_need_key && !key_set {
            "catalog only (no API key)"
        } else if config::incomplete(e, &r).is_some()
            && !config.providers.contains_key(e.id)
            && !key_set
        {
            // Nothing was set up: it answers once its table says how (Scaleway's `eur_usd`).
            "catalog only (opt-in)"
        } else if config::incomplete(e, &r).is_some() {
            "catalog only (incomplete setup)"
        } else if !e.capabilities.offers_need_key && !key_set {
            "live (keyless)"
        } else {
            "live"
        };
        out.push(ProviderInfo {
            id: e.id.into(),
            name: e.name.into(),
            status: status.into(),
            live_offers: e.capabilities.live_offers,
            needs_key: e.capabilities.offers_need_key,
            key_env: (!e.key_env.is_empty()).then(|| e.key_env.into()),
            key_set,
            spot: e.capabilities.spot,
            can_launch: e.capabilities.launch,
            catalog_rows: count(e.id),
            catalog_as_of: as_of(e.id),
            docs_url: Some(e.docs_url.into()),
        });
    }
    for (id, name) in CATALOG_ONLY {
        out.push(ProviderInfo {
            id: (*id).into(),
            name: (*name).into(),
            status: if disabled(id) {
                "disabled"
            } else {
                "catalog only"
            }
            .into(),
            live_offers: false,
            needs_key: false,
            key_env: None,
            key_set: false,
            spot: rows.iter().any(|o| o.provider == *id && o.spot),
            can_launch: false,
            catalog_rows: count(id),
            catalog_as_of: as_of(id),
            docs_url: None,
        });
    }
    // Known only from a public catalog (`gpu catalog refresh`): no adapter, no embedded rows.
    for (id, sources) in crate::gather::catalog_only_extra(&rows, config, env) {
        out.push(ProviderInfo {
            status: format!("catalog only ({})", sources.join(", ")),
            name: id.clone(),
            live_offers: false,
            needs_key: false,
            key_env: None,
            key_set: false,
            spot: rows.iter().any(|o| o.provider == id && o.spot),
            can_launch: false,
            catalog_rows: count(&id),
            catalog_as_of: as_of(&id),
            docs_url: None,
            id,
        });
    }
    for p in crate::plugins::list(config, env) {
        out.push(ProviderInfo {
            id: p.name.into(),
            name: p.command.first().cloned().unwrap_or_default(),
            status: if !p.enabled {
                "disabled".into()
            } else if p.from_config {
                "plugin (config)".into()
            } else {
                "plugin (PATH)".into()
            },
            live_offers: true,
            needs_key: false,
            key_env: None,
            key_set: false,
            spot: false,
            // A plugin may answer `launch`; `gpu up` tells when it does not.
            can_launch: true,
            catalog_rows: 0,
            catalog_as_of: None,
            docs_url: None,
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

pub fn run(args: ProvidersArgs, config: &Config, env: &Env) -> Result<Status, CliError> {
    let infos = collect(config, env)?;
    let text = match args.output.format() {
        Format::Json => output::json_text(&infos, args.output.jq.as_deref())?,
        Format::Csv | Format::Tsv => {
            let mut w = crate::output::writer(args.output.format(), !args.output.no_header);
            for i in &infos {
                w.serialize(i)
                    .map_err(|e| CliError::failure(e.to_string()))?;
            }
            String::from_utf8(
                w.into_inner()
                    .map_err(|e| CliError::failure(e.to_string()))?,
            )
            .map_err(|e| CliError::failure(e.to_string()))?
        }
        Format::Id => infos.iter().map(|i| format!("{}\n", i.id)).collect(),
        Format::Table => {
            let mut t = comfy_table::Table::new();
            t.load_style(comfy_table::presets::NOTHING);
            // At a narrow terminal (80 columns): no name, the key's variable alone (the status
            // says whether it is missing), whether `gpu up` can rent there, no catalog.
            let narrow = output::table_width(env).is_some_and(|w| w < 130);
            if narrow {
                t.set_header(["ID", "STATUS", "KEY", "SPOT", "UP"]);
            } else {
                t.set_header([
                    "ID",
                    "NAME",
                    "STATUS",
                    "KEY",
                    "SPOT",
                    "CAN LAUNCH",
                    "CATALOG",
                ]);
            }
            for i in &infos {
                if narrow {
                    t.add_row([
                        i.id.clone(),
                        i.status
                            .replace("catalog only (no API key)", "catalog (no key)")
                            .replace("catalog only (incomplete setup)", "catalog (setup?)")
                            .replace("catalog only (opt-in)", "catalog (opt-in)"),
                        i.key_env.clone().map_or("-".into(), |k| k.to_string()),
                        if i.spot { "yes" } else { "no" }.into(),
                        if i.can_launch { "yes" } else { "no" }.into(),
                    ]);
                    continue;
                }
                // Every variable the code reads for the key (AWS's pair, Verda's pair).
                let vars = crate::lifecycle::key_vars(&i.id)
                    .replace('`', "")
                    .replace(" and ", " + ");
                let key = match (&i.key_env, i.key_set) {
                    (Some(_), true) => format!("{vars} (set)"),
                    (Some(_), false) if i.needs_key => format!("{vars} (needed)"),
                    (Some(_), false) => format!("{vars} (optional)"),
                    (None, _) => "-".into(),
                };
                let catalog = match &i.catalog_as_of {
                    Some(d) => format!("{} rows, {d}", i.catalog_rows),
                    None => "none".into(),
                };
                t.add_row([
                    i.id.clone(),
                    i.name.clone(),
                    i.status.clone(),
                    key,
                    if i.spot { "yes" } else { "no" }.into(),
                    if i.can_launch { "yes" } else { "no" }.into(),
                    catalog,
                ]);
            }
            let mut s = t
                .lines()
                .map(|l| crate::output::table::tidy(&l))
                .collect::<Vec<_>>()
                .join("\n");
            s.push('\n');
            s
        }
    };
    let text = output::without_header(
        text,
        args.output.no_header && args.output.format() == Format::Table,
    );
    output::write_stdout(&text).or_else(ignore_broken_pipe)?;
    Ok(Status::Success)
}

pub fn ignore_broken_pipe(e: std::io::Error) -> Result<(), CliError> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(CliError::failure("could not write to stdout").cause(e))
    }
}

/// How a key was found, for `gpu config check`.
pub fn key_origin(source: &KeySource, config: &Config) -> String {
    match source {
        KeySource::Env(var) => format!("env `{var}`"),
        KeySource::File => format!("`{}`", config.path.display()),
    }
}
