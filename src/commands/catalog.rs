//! `gpu catalog refresh` and `gpu catalog show`.

use std::collections::BTreeMap;

use gpu_providers::{catalog, Offer, OfferQuery, Source};
use serde::Serialize;

use crate::cache::{self, Cache, UserCatalog};
use crate::cli::{CatalogCommand, Format};
use crate::commands::providers::ignore_broken_pipe;
use crate::config::Config;
use crate::env::{self, Env};
use crate::exit::{CliError, Status};
use crate::gather::{self, Report};
use crate::output;
use crate::ui::Ui;

fn cache_dir(env: &Env) -> Result<std::path::PathBuf, CliError> {
    Cache::default_dir(env.get(env::CACHE_DIR)).ok_or_else(|| {
        CliError::failure("no cache directory is known on this system").hint("set `GPU_CACHE_DIR`")
    })
}

pub async fn run(
    cmd: CatalogCommand,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
    match cmd {
        CatalogCommand::Refresh { timeout } => refresh(timeout, config, env, ui).await,
        CatalogCommand::Show { output } => show(&output, config, env),
    }
}

async fn refresh(
    timeout: Option<f64>,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
    let dir = cache_dir(env)?;
    let mut request = gather::Request::new(config, env, OfferQuery::default(), Vec::new());
    request.refresh = true;
    request.offline = false;
    request.timeout_flag = timeout;
    let outcome = gather::gather(request, ui).await?;
    let mut reached: Vec<String> = Vec::new();
    let mut status = Status::Success;
    for p in &outcome.providers {
        match &p.report {
            Report::Live { offers, gaps } => {
                ui.note(&format!("`{}`: {offers} offers", p.id));
                for gap in gaps {
                    ui.warn(&format!("`{}` answered only in part: {gap}", p.id));
                }
                reached.push(p.id.to_string());
            }
            Report::Failed { error, .. } => {
                ui.warn(&format!("`{}` not refreshed: {}", p.id, error.message));
                status = status.worst(Status::Partial);
            }
            Report::NoKey { key_env } => ui.note(&format!(
                "`{}` not refreshed: no API key (`{key_env}`)",
                p.id
            )),
            _ => {}
        }
    }
    // The public catalogs, each on its own: one that fails keeps what it stored before.
    let public = crate::catalogs::refresh(&dir, config, env).await;
    let mut public_ok = false;
    for r in &public {
        match &r.error {
            None => {
                public_ok = true;
                ui.note(&format!(
                    "`{}` catalog: {}, {}",
                    r.source,
                    crate::ui::count(r.offers, "offer"),
                    crate::ui::count(r.reached.len(), "provider")
                ));
            }
            Some(e) => {
                ui.warn(&format!(
                    "`{}` catalog not refreshed (what it stored before is kept): {e}",
                    r.source
                ));
                status = status.worst(Status::Partial);
            }
        }
        for n in &r.notes {
            ui.note(n);
        }
        for (p, d) in &r.stale {
            ui.warn(&format!(
                "the `{}` catalog has not updated `{p}` since {}",
                r.source,
                d.get(..10).unwrap_or(d)
            ));
        }
    }
    if reached.is_empty() {
        if public_ok {
            return Ok(status);
        }
        return Err(CliError::failure(
            "no provider or catalog could be asked; the catalog was not changed",
        )
        .hint("`gpu providers` shows which providers need a key"));
    }
    let now = gpu_providers::offer::now_rfc3339();
    let offers: Vec<Offer> = outcome
        .offers
        .into_iter()
        .filter(|o| o.source == Source::Live && reached.contains(&o.provider))
        .map(|mut o| {
            o.source = Source::Catalog;
            o
        })
        .collect();
    // Keep what earlier refreshes learned about providers this one did not reach.
    let mut providers = reached.clone();
    let mut all = offers;
    if let Some(old) = cache::read_user_catalog(&dir) {
        for p in old.providers.into_iter().filter(|p| !reached.contains(p)) {
            all.extend(old.offers.iter().filter(|o| o.provider == p).cloned());
            providers.push(p);
        }
    }
    providers.sort();
    let n = all.len();
    cache::write_user_catalog(
        &dir,
        &UserCatalog {
            refreshed_at: now,
            providers,
            offers: all,
        },
    )
    .map_err(|e| CliError::failure("could not write the catalog").cause(e))?;
    ui.note(&format!(
        "wrote {n} offers to `{}`; offline answers now prefer them",
        cache::user_catalog_path(&dir).display()
    ));
    Ok(status)
}

#[derive(Debug, Serialize)]
struct Origin {
    provider: String,
    /// `refreshed` (your catalog, from `gpu catalog refresh`), `embedded`, or `public` when
    /// every row shown comes from public catalogs.
    origin: &'static str,
    /// The public catalogs among its rows (`skypilot`, `gpuhunt`, `gpurentalprices`).
    catalogs: Vec<String>,
    rows: usize,
    /// Oldest and newest `as_of` of the rows.
    oldest: String,
    newest: String,
    /// The sources of the rows.
    sources: Vec<String>,
}

fn show(out: &crate::cli::OutputArgs, config: &Config, env: &Env) -> Result<Status, CliError> {
    let format = out.format();
    let dir = cache_dir(env)?;
    let user = cache::read_user_catalog(&dir);
    let rows = gather::effective_catalog(config, env);
    let refreshed: Vec<String> = user
        .as_ref()
        .map(|u| u.providers.clone())
        .unwrap_or_default();
    let mut by: BTreeMap<&str, Vec<&Offer>> = BTreeMap::new();
    for o in &rows {
        by.entry(&o.provider).or_default().push(o);
    }
    let origins: Vec<Origin> = by
        .into_iter()
        .map(|(p, list)| {
            let mut dates: Vec<&str> = list.iter().map(|o| o.as_of.as_str()).collect();
            dates.sort_unstable();
            let mut sources: Vec<String> = list.iter().map(|o| o.source_url.clone()).collect();
            sources.sort();
            sources.dedup();
            let mut public: Vec<&str> = list
                .iter()
                .filter_map(|o| o.catalog_source.as_deref())
                .collect();
            public.sort_unstable();
            public.dedup();
            Origin {
                provider: p.to_string(),
                origin: if refreshed.iter().any(|r| r == p) {
                    "refreshed"
                } else if !public.is_empty() && list.iter().all(|o| o.catalog_source.is_some()) {
                    "public"
                } else {
                    "embedded"
                },
                catalogs: public.iter().map(|s| s.to_string()).collect(),
                rows: list.len(),
                oldest: dates.first().map(|d| d.to_string()).unwrap_or_default(),
                newest: dates.last().map(|d| d.to_string()).unwrap_or_default(),
                sources,
            }
        })
        .collect();
    let text = match format {
        Format::Json => output::json_text(&origins, out.jq.as_deref())?,
        Format::Csv | Format::Tsv => {
            let mut w = crate::output::writer(format, !out.no_header);
            if !out.no_header {
                w.write_record(["provider", "origin", "rows", "oldest", "newest", "sources"])
                    .map_err(|e| CliError::failure(e.to_string()))?;
            }
            for o in &origins {
                w.write_record([
                    o.provider.as_str(),
                    o.origin,
                    &o.rows.to_string(),
                    &o.oldest,
                    &o.newest,
                    &o.sources.join(" "),
                ])
                .map_err(|e| CliError::failure(e.to_string()))?;
            }
            String::from_utf8(
                w.into_inner()
                    .map_err(|e| CliError::failure(e.to_string()))?,
            )
            .map_err(|e| CliError::failure(e.to_string()))?
        }
        Format::Id => origins
            .iter()
            .map(|o| format!("{}\n", o.provider))
            .collect(),
        Format::Table => {
            let mut t = comfy_table::Table::new();
            t.load_style(comfy_table::presets::NOTHING);
            let header = ["PROVIDER", "ORIGIN", "ROWS", "AS OF", "SOURCE"];
            t.set_header(header);
            let mut table_rows: Vec<[String; 5]> = Vec::new();
            for o in &origins {
                let date = if o.oldest == o.newest {
                    o.oldest.clone()
                } else {
                    format!("{} .. {}", o.oldest, o.newest)
                };
                let source = match o.sources.len() {
                    1 => o.sources[0].clone(),
                    n => format!("{} (+{} more)", o.sources[0], n - 1),
                };
                table_rows.push([
                    o.provider.clone(),
                    if o.catalogs.is_empty() {
                        o.origin.to_string()
                    } else {
                        format!("{} + {}", o.origin, o.catalogs.join(", "))
                    },
                    o.rows.to_string(),
                    date,
                    source,
                ]);
            }
            // At a known width the sources are cut with `…` to what the other columns leave
            // (`--json` has them whole).
            let width = output::table_width(env).map(usize::from);
            if let Some(w) = width {
                let fixed: usize = (0..4)
                    .map(|k| {
                        table_rows
                            .iter()
                            .map(|r| r[k].chars().count())
                            .chain([header[k].len()])
                            .max()
                            .unwrap_or(0)
                            + 2
                    })
                    .sum();
                let room = w.saturating_sub(fixed).max(12);
                for r in &mut table_rows {
                    if r[4].chars().count() > room {
                        let cut: String = r[4].chars().take(room - 1).collect();
                        r[4] = format!("{cut}…");
                    }
                }
            }
            for r in table_rows {
                t.add_row(r);
            }
            let mut s = t
                .lines()
                .map(|l| output::table::tidy(&l))
                .collect::<Vec<_>>()
                .join("\n");
            s.push('\n');
            s.push_str("\npublic catalogs (`gpu catalog refresh` pulls them; `[catalogs.<id>] enabled = false` turns one off):\n");
            for def in crate::catalogs::SOURCES {
                let stored = crate::catalogs::read(&dir, def.id);
                s.push_str(&format!(
                    "  {}, {} ({}): {}; licence: {}; attribution: {}\n",
                    def.id,
                    def.name,
                    def.homepage,
                    match (&stored, crate::catalogs::enabled(def.id, config)) {
                        (_, false) => "disabled".to_string(),
                        (Some(st), true) => format!(
                            "{} rows, refreshed {}{}",
                            st.offers.len(),
                            st.refreshed_at,
                            if st.stale.is_empty() {
                                String::new()
                            } else {
                                format!(
                                    "; not updated: {}",
                                    st.stale
                                        .iter()
                                        .map(|(p, d)| format!(
                                            "{p} since {}",
                                            d.get(..10).unwrap_or(d)
                                        ))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )
                            }
                        ),
                        (None, true) => "not pulled yet".to_string(),
                    },
                    def.licence,
                    def.attribution
                ));
            }
            let embedded = catalog::embedded().len();
            s.push_str(&format!(
                "\nembedded catalog: {embedded} rows (providers/catalog/catalog.csv); your catalog: {}\n",
                match &user {
                    Some(u) => format!("{} rows, refreshed {}", u.offers.len(), u.refreshed_at),
                    None => "none (`gpu catalog refresh` makes one)".to_string(),
                }
            ));
            match width {
                Some(w) => wrap(&s, w),
                None => s,
            }
        }
    };
    let text = output::without_header(text, out.no_header && format == Format::Table);
    output::write_stdout(&text).or_else(ignore_broken_pipe)?;
    Ok(Status::Success)
}

/// Lines longer than `width` broken at spaces, the rest indented under the first.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.chars().count() <= width {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let lead = line.len() - line.trim_start().len();
        let mut current = " ".repeat(lead);
        let mut fresh = true;
        for word in line.trim_start().split(' ') {
            let len = current.chars().count();
            if !fresh && len + 1 + word.chars().count() > width {
                out.push_str(current.trim_end());
                out.push('\n');
                current = " ".repeat(lead + 4);
                fresh = true;
            }
            if !fresh {
                current.push(' ');
            }
            current.push_str(word);
            fresh = false;
        }
        out.push_str(current.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_lines_wrap_under_their_first_word() {
        let w = super::wrap("  a bb ccc dddd eeeee\nshort\n", 10);
        assert_eq!(w, "  a bb ccc\n      dddd\n      eeeee\nshort\n");
    }
}
