//! `gpu find`: the flags become a [`FindRequest`], the core finds, this prints the offers (or
//! one row per model) in the format asked for, then what the core has to say.

use gpu_providers::Offer;

use crate::cli::{FindArgs, Format};
use crate::config::Config;
use crate::core::find::{self, FindRequest, Found};
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::notes::Rank;
use crate::output;
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
    let format = args.output.format_or_table(args.wide);
    // A person at a terminal asking about every GPU gets one row per model: 100 offers from
    // V100 to B300 read badly. A GPU filter, `--all`, `--limit`, `--columns`, `--wide` or any
    // other format lists the offers themselves.
    let by_model_at_terminal = format == Format::Table
        && args.filters.gpu_names().is_empty()
        && !(args.all || args.wide || args.limit.is_some() || args.columns.is_some())
        && output::stdout_is_terminal();
    let by_model = args.summary || by_model_at_terminal;
    let mut request = FindRequest::new(args.filters.to_filter());
    request.sort = args.sort;
    request.offline = args.offline;
    request.refresh = args.refresh;
    request.timeout = args.timeout;
    // The summary counts every matching offer; a table shows 30 unless told otherwise.
    request.limit = match (by_model, args.limit, args.all, format) {
        (true, _, _, _) => None,
        (false, Some(n), _, _) => Some(n as usize),
        (false, None, false, Format::Table) => Some(TABLE_ROWS),
        _ => None,
    };
    request.dates_shown = !by_model
        && (args.wide
            || args
                .columns
                .as_deref()
                .is_some_and(|c| c.iter().any(|c| c == "as_of")));
    let mut found = find::find(&request, config, env, ui).await?;
    if by_model {
        if !args.summary && found.matched > 0 {
            found.notes.add(
                Rank::Cut,
                "one row per model (`--all`: offers)",
                "one row per GPU model; `--gpu NAME` or `--all` lists the offers",
            );
        }
        return summary(&args, found, config, env, ui);
    }
    let shown: &[Offer] = &found.offers;
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
    if let Err(e) = printed {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(CliError::failure("could not write to stdout").cause(e));
        }
    }
    if format == Format::Table && found.matched > found.offers.len() {
        let more = found.matched - found.offers.len();
        found.notes.add(
            Rank::Cut,
            format!("{more} more (`--all`)"),
            format!(
                "{} not shown; use `--all` or `--limit N`",
                crate::ui::count(more, "more offer")
            ),
        );
    }
    Ok(found.finish(format == Format::Json, config, env, ui))
}

/// `--summary`: every matching offer counts (no `--limit`), one row per GPU model.
fn summary(
    args: &FindArgs,
    found: Found,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
    let models = output::summary::models(&found.offers);
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
    if let Err(e) = printed {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(CliError::failure("could not write to stdout").cause(e));
        }
    }
    let json = args.output.format() == Format::Json;
    // One row per model says nothing more when none matched.
    let mut found = found;
    found.then = Default::default();
    Ok(found.finish(json, config, env, ui))
}
