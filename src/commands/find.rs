//! `gpu find`: gather, filter, rank, print; then say what the numbers are and how sure.

use std::collections::BTreeMap;

use gpu_providers::{catalog, ErrorKind, Offer, Source};

use crate::cli::{FindArgs, Format};
use crate::config::Config;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::gather::{self, Outcome, Report};
use crate::notes::{Notes, Rank};
use crate::output;
use crate::rank::{self, Filters};
use crate::ui::Ui;

/// Rows a table shows unless `--limit` or `--all` says otherwise.
pub const TABLE_ROWS: usize = 30;

pub async fn run(
    mut args: FindArgs,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
    // `gpu find h100` is `gpu find --gpu h100`.
    let named = std::mem::take(&mut args.gpu_names);
    args.filters.gpu.extend(named);
    if let Some(columns) = &args.columns {
        output::fields::check_columns(columns)?;
    }
    // A filter that does not parse is refused before any provider is asked.
    if let Some(expr) = &args.output.jq {
        output::jq::Jq::new(expr).map_err(CliError::usage)?;
    }
    crate::rank::check_gpu_names(&args.filters)?;
    let filters = Filters::from_args(&args.filters);
    let mut request = gather::Request::new(config, env, filters.query(), filters.providers.clone());
    request.offline |= args.offline;
    request.refresh = args.refresh;
    request.timeout_flag = args.timeout;
    let outcome = gather::gather(request, ui).await?;
    rank::check_regions(&filters.regions, &outcome.offers)?;
    // Only the matching offers are copied for ranking; the whole answer stays for the history,
    // which is written after the answer is printed.
    let mut offers: Vec<Offer> = outcome
        .offers
        .iter()
        .filter(|o| filters.matches(o))
        .cloned()
        .collect();
    rank::enrich(&mut offers);
    let ranked = rank::rank(offers, &filters, args.sort);

    let format = args.output.format_or_table(args.wide);
    // A person at a terminal asking about every GPU gets one row per model: 100 offers from
    // V100 to B300 read badly. A GPU filter, `--all`, `--limit`, `--columns`, `--wide` or any
    // other format lists the offers themselves.
    let by_model_at_terminal = format == Format::Table
        && args.filters.gpu_names().is_empty()
        && !(args.all || args.wide || args.limit.is_some() || args.columns.is_some())
        && output::stdout_is_terminal();
    let mut notes = Notes::new();
    if args.summary || by_model_at_terminal {
        if !args.summary && !ranked.is_empty() {
            notes.add(
                Rank::Cut,
                "one row per model (`--all`: offers)",
                "one row per GPU model; `--gpu NAME` or `--all` lists the offers",
            );
        }
        return summary(&args, &outcome, &ranked, notes, config, env, ui);
    }
    if !filters.regions.is_empty() && !ranked.is_empty() && ranked.iter().all(|o| o.region == "any")
    {
        let places = filters.regions.join(", ");
        notes.add(
            Rank::Answer,
            format!("none priced in {places} itself: rows priced `any`"),
            format!("no offer is priced in {places} itself: these rows are priced everywhere (`any`); `--strict-region` leaves them out"),
        );
    }
    let limit = match (args.limit, args.all, format) {
        (Some(n), _, _) => Some(n as usize),
        (None, false, Format::Table) => Some(TABLE_ROWS),
        _ => None,
    };
    let shown: &[Offer] = match limit {
        Some(n) if ranked.len() > n => &ranked[..n],
        _ => &ranked,
    };
    let text = match format {
        Format::Json if args.output.jq.is_some() => {
            output::json_text(&shown, args.output.jq.as_deref())?
        }
        Format::Json => {
            if let Err(e) = output::json::write_offers(shown) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(CliError::failure("could not write to stdout").cause(e));
                }
            }
            String::new()
        }
        Format::Csv | Format::Tsv => output::csv::offers_with(
            shown,
            format,
            !args.output.no_header,
            args.columns.as_deref(),
        )
        .map_err(|e| CliError::failure(format!("could not write CSV: {e}")))?,
        Format::Id => shown.iter().map(|o| format!("{}\n", o.offer_id)).collect(),
        Format::Table if shown.is_empty() => String::new(),
        Format::Table => {
            let options = output::table::Options {
                width: output::table_width(env),
                extra: output::table::extra_for(args.sort),
                wide: args.wide,
                columns: args.columns.clone(),
            };
            output::table::render_with(shown, &options, !args.output.no_header)
        }
    };
    let printed = output::write_stdout(&text);
    crate::commands::history::record(&outcome.offers, config, env, ui);
    if let Err(e) = printed {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(CliError::failure("could not write to stdout").cause(e));
        }
    }

    if format == Format::Table && ranked.len() > shown.len() {
        let more = ranked.len() - shown.len();
        notes.add(
            Rank::Cut,
            format!("{more} more (`--all`)"),
            format!(
                "{} not shown; use `--all` or `--limit N`",
                crate::ui::count(more, "more offer")
            ),
        );
    }
    // The notes name only providers whose rows are printed.
    let dates_shown = args.wide
        || args
            .columns
            .as_deref()
            .is_some_and(|c| c.iter().any(|c| c == "as_of"));
    let status = explain(&outcome, shown, dates_shown, &mut notes, config, env, ui);
    let unpriced = unpriced_named(&outcome, &mut notes);
    if ranked.is_empty() && !unpriced {
        notes.add(Rank::Answer, NO_MATCH, NO_MATCH);
    }
    notes.print(ui, format == Format::Json, output::table_width(env));
    if ranked.is_empty() && unpriced {
        return Ok(status.worst(Status::NoMatch));
    }
    if ranked.is_empty() {
        ui.hint("relax a filter (`--max-price`, `--region`, `--available`, `--gpus`); `gpu gpus` lists the GPU names");
        return Ok(status.worst(Status::NoMatch));
    }
    Ok(status)
}

const NO_MATCH: &str = "no offer matches these filters";

/// A provider named with `--provider` that was not asked live and has no catalog row at all
/// (no public price of it could be confirmed with a date): one note each saying so and what
/// gets live prices. True when every named provider is such a one.
fn unpriced_named(outcome: &Outcome, notes: &mut Notes) -> bool {
    let named: Vec<&gather::ProviderOutcome> =
        outcome.providers.iter().filter(|p| p.named).collect();
    let mut all = !named.is_empty();
    for p in named {
        let live = matches!(p.report, Report::Live { .. } | Report::Cached { .. });
        if live || outcome.offers.iter().any(|o| o.provider == p.id) {
            all = false;
            continue;
        }
        let vars = crate::lifecycle::key_vars(p.id);
        let needs_key = gpu_providers::entry(p.id)
            .is_some_and(|e| e.capabilities.offers_need_key && !e.key_env.is_empty());
        let offline = matches!(p.report, Report::Offline);
        let (short, how) = match (offline, needs_key) {
            (true, true) => (
                format!("live needs {vars}"),
                format!("live prices need {vars} and no `--offline`"),
            ),
            (true, false) => (
                "ask live: no `--offline`".to_string(),
                "ask it live without `--offline`".to_string(),
            ),
            (false, true) => (
                format!("set {vars} for live"),
                format!("set {vars} for live prices"),
            ),
            (false, false) => (
                "`gpu providers` says why".to_string(),
                "it could not be asked live: `gpu providers` says why".to_string(),
            ),
        };
        notes.add(
            Rank::Answer,
            format!("`{}`: no catalog prices; {short}", p.id),
            format!(
                "`{}` has no catalog prices: no public list price of it could be confirmed with a source and a date, so none is shown; {how}",
                p.id
            ),
        );
    }
    all
}

/// `--summary`: every matching offer counts (no `--limit`), one row per GPU model.
fn summary(
    args: &FindArgs,
    outcome: &Outcome,
    ranked: &[Offer],
    mut notes: Notes,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
    let models = output::summary::models(ranked);
    let header = !args.output.no_header;
    let text = match args.output.format() {
        Format::Json => output::json_text(&models, args.output.jq.as_deref())?,
        Format::Csv | Format::Tsv => {
            output::summary::delimited(&models, args.output.format(), header)
                .map_err(|e| CliError::failure(format!("could not write CSV: {e}")))?
        }
        Format::Id => models
            .iter()
            .flat_map(|m| [&m.on_demand, &m.spot])
            .flatten()
            .map(|b| format!("{}\n", b.offer_id))
            .collect(),
        Format::Table if models.is_empty() => String::new(),
        Format::Table => output::summary::table(&models, header),
    };
    let printed = output::write_stdout(&text);
    crate::commands::history::record(&outcome.offers, config, env, ui);
    if let Err(e) = printed {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(CliError::failure("could not write to stdout").cause(e));
        }
    }
    let status = explain(outcome, ranked, false, &mut notes, config, env, ui);
    let unpriced = unpriced_named(outcome, &mut notes);
    if ranked.is_empty() && !unpriced {
        notes.add(Rank::Answer, NO_MATCH, NO_MATCH);
    }
    let json = args.output.format() == Format::Json;
    notes.print(ui, json, output::table_width(env));
    if ranked.is_empty() {
        return Ok(status.worst(Status::NoMatch));
    }
    Ok(status)
}

/// Catalog rows older than `catalog_max_age_days` are named in a warning, and a public catalog
/// that has stopped updating a provider shown says so; otherwise a catalog older than a week
/// gets one note with the command that refreshes it.
fn catalog_age_notes(
    shown: &[Offer],
    dates: &[&str],
    notes: &mut Notes,
    config: &Config,
    env: &Env,
    ui: &Ui,
) {
    let now = std::time::SystemTime::now();
    let max_age = crate::catalogs::max_age_days(config);
    let mut old: BTreeMap<&str, &str> = BTreeMap::new();
    for o in shown.iter().filter(|o| o.source == Source::Catalog) {
        let date = o.as_of.get(..10).unwrap_or(&o.as_of);
        if crate::catalogs::age_days(date, now).is_some_and(|d| d > max_age) {
            let e = old.entry(o.provider.as_str()).or_insert(date);
            if date < *e {
                *e = date;
            }
        }
    }
    let refresh =
        "`gpu catalog refresh` pulls current ones from the providers and the public catalogs";
    if !old.is_empty() {
        let list: Vec<String> = old.iter().map(|(p, d)| format!("{p} ({d})")).collect();
        notes.add(
            Rank::Aside,
            format!("some > {max_age} days old"),
            format!(
                "catalog prices of {} are older than {max_age} days (`catalog_max_age_days`) and may no longer be billed; {refresh}",
                list.join(", "),
            ),
        );
    } else if dates
        .first()
        .and_then(|d| crate::catalogs::age_days(d, now))
        .is_some_and(|d| d > 7.0)
    {
        notes.add(
            Rank::Aside,
            "some > a week old",
            format!(
                "some catalog prices shown are more than a week old (the oldest of {}); {refresh}",
                dates[0]
            ),
        );
    }
    // A source's own word that it has stopped updating a provider whose rows are shown.
    let Some(dir) = crate::cache::Cache::default_dir(env.get(crate::env::CACHE_DIR)) else {
        return;
    };
    for def in crate::catalogs::SOURCES {
        if !crate::catalogs::enabled(def.id, config) {
            continue;
        }
        let Some(stored) = crate::catalogs::read_stale(&dir, def.id) else {
            continue;
        };
        for (provider, since) in stored {
            let shown_from_it = shown
                .iter()
                .any(|o| o.provider == provider && o.catalog_source.as_deref() == Some(def.id));
            if shown_from_it {
                ui.warn(&format!(
                    "the `{}` catalog has not updated `{provider}` since {}; its rows may be out of date",
                    def.id,
                    since.get(..10).unwrap_or(&since)
                ));
            }
        }
    }
}

/// Warnings for providers that failed, one note on catalog prices; returns the exit status
/// those imply.
fn explain(
    outcome: &Outcome,
    shown: &[Offer],
    dates_shown: bool,
    notes: &mut Notes,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Status {
    let mut status = Status::Success;
    let all_rows = crate::gather::effective_catalog(config, env);
    let date_of = |id: &str| match catalog::dates(&all_rows, id) {
        Some((a, b)) if a == b => format!("catalog prices of {a}"),
        Some((a, b)) => format!("catalog prices of {a} to {b}"),
        None => "no catalog prices either".to_string(),
    };
    let config_place = |id: &str| {
        if config.path.as_os_str().is_empty() {
            format!("`[providers.{id}]` in your config file")
        } else {
            format!("`[providers.{id}]` in `{}`", config.path.display())
        }
    };
    let mut quiet: BTreeMap<&'static str, Vec<&str>> = BTreeMap::new();
    let mut cached: Vec<String> = Vec::new();
    for p in &outcome.providers {
        match &p.report {
            Report::Live { offers, gaps } => {
                if ui.verbose {
                    ui.debug(&format!("`{}` answered with {offers} offers", p.id));
                }
                for gap in gaps {
                    ui.warn(&format!("`{}` answered only in part: {gap}", p.id));
                }
            }
            Report::Cached { age, offers } => {
                cached.push(format!(
                    "{} {} ago",
                    p.id,
                    crate::lifecycle::reconcile::short_duration(*age)
                ));
                if ui.verbose {
                    ui.debug(&format!("`{}`: {offers} offers from the cache", p.id));
                }
            }
            Report::Failed {
                error,
                configured: true,
            } => {
                ui.warn(&format!(
                    "skipped `{}`: {}; showing {}",
                    p.id,
                    error.message,
                    date_of(p.id)
                ));
                if error.kind == ErrorKind::Auth {
                    let key_env = gpu_providers::entry(p.id).map_or("", |e| e.key_env);
                    ui.hint(&format!(
                        "check `{key_env}` or `api_key` under {}, then run `gpu config check`",
                        config_place(p.id)
                    ));
                    status = status.worst(Status::Auth);
                } else if error.kind == ErrorKind::BadResponse {
                    ui.hint("the provider's API may have changed; please report this with the output of `gpu --version`");
                    status = status.worst(Status::Partial);
                } else {
                    status = status.worst(Status::Partial);
                }
            }
            Report::Failed {
                error,
                configured: false,
            } => {
                let why = if error.kind == ErrorKind::Auth {
                    "refused"
                } else {
                    "unreachable"
                };
                quiet.entry(why).or_default().push(p.id);
                if ui.verbose {
                    ui.debug(&format!("`{}`: {}", p.id, error.message));
                }
            }
            Report::NoKey { key_env } if p.named => {
                ui.warn(&format!(
                    "`{}` has no API key; showing {}",
                    p.id,
                    date_of(p.id)
                ));
                ui.hint(&format!(
                    "set `{key_env}` or add `api_key` under {}",
                    config_place(p.id)
                ));
                status = status.worst(Status::Auth);
            }
            Report::NoKey { .. } => quiet.entry("no API key").or_default().push(p.id),
            Report::CatalogOnly => quiet.entry("no live API").or_default().push(p.id),
            Report::Offline => quiet.entry("offline").or_default().push(p.id),
        }
    }
    // One line about catalog prices, naming only providers whose rows are actually shown.
    let mut dates: Vec<&str> = shown
        .iter()
        .filter(|o| o.source == Source::Catalog)
        .map(|o| o.as_of.get(..10).unwrap_or(&o.as_of))
        .collect();
    if !dates.is_empty() {
        dates.sort_unstable();
        dates.dedup();
        let shown_ids: Vec<&str> = shown
            .iter()
            .filter(|o| o.source == Source::Catalog)
            .map(|o| o.provider.as_str())
            .collect();
        let groups: Vec<String> = quiet
            .iter()
            .filter_map(|(why, ids)| {
                let ids: Vec<&str> = ids
                    .iter()
                    .copied()
                    .filter(|id| shown_ids.contains(id))
                    .collect();
                let one = ids.len() == 1;
                let list = ids.join(", ");
                let reason = match *why {
                    "no live API" if one => "has no live price API",
                    "no live API" => "have no live price API",
                    "no API key" if one => "needs an API key",
                    "no API key" => "need API keys",
                    "unreachable" => "could not be reached",
                    "refused" => "refused the credentials in your environment (`-v` says why)",
                    _ if one => "was not asked (`--offline`)",
                    _ => "were not asked (`--offline`)",
                };
                (!ids.is_empty()).then(|| format!("{list} {reason}"))
            })
            .collect();
        let range = if dates[0] == dates[dates.len() - 1] {
            dates[0].to_string()
        } else {
            format!("{} to {}", dates[0], dates[dates.len() - 1])
        };
        let why = if groups.is_empty() {
            String::new()
        } else {
            format!(" ({})", groups.join("; "))
        };
        // `~` is explained only where the dates are printed.
        let approximate = if dates_shown
            && shown
                .iter()
                .any(|o| o.source == Source::Catalog && o.as_of_estimated)
        {
            " (dates marked `~` are the day the price was read: its source gives none, so it may be older)"
        } else {
            ""
        };
        notes.add(
            Rank::Source,
            format!("catalog of {range}, not live"),
            format!(
                "rows marked `catalog` are list prices of {range}, not live{why}{approximate}; `gpu providers` shows how to get live prices"
            ),
        );
        catalog_age_notes(shown, &dates, notes, config, env, ui);
    }
    if !cached.is_empty() {
        notes.add(
            Rank::Aside,
            "reused answers (`--refresh`)",
            format!(
                "reused answers asked {}; `--refresh` asks again",
                cached.join(", ")
            ),
        );
    }
    let any_live = outcome
        .providers
        .iter()
        .any(|p| matches!(p.report, Report::Live { .. } | Report::Cached { .. }));
    let any_failed = outcome.providers.iter().any(|p| {
        matches!(
            p.report,
            Report::Failed {
                configured: true,
                ..
            }
        )
    });
    if shown.is_empty() && any_failed && !any_live {
        status = status.worst(Status::Failure);
    }
    status
}
