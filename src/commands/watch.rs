//! `gpu watch`: ask again every interval, and say when an offer newly matches or changes price.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use gpu_providers::{Offer, Source};
use serde::Serialize;

use crate::cli::{SortKey, WatchArgs};
use crate::commands::providers::ignore_broken_pipe;
use crate::config::Config;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::gather::{self, Report};
use crate::output;
use crate::rank::{self, Filters};
use crate::ui::Ui;

const MIN_INTERVAL: Duration = Duration::from_secs(10);

#[derive(Debug, Serialize)]
struct Event<'a> {
    /// `new` or `price`.
    event: &'static str,
    /// The previous price per hour, for `price` events.
    previous_price_per_hour_usd: Option<f64>,
    offer: &'a Offer,
}

/// Rounds an offer may go unseen before it is forgotten (and would be `new` again).
const FORGET_AFTER: u32 = 12;

pub async fn run(args: WatchArgs, config: &Config, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    let test_mode = env.flag(crate::env::TEST_NO_RETRY_DELAY);
    if args.interval < MIN_INTERVAL && !test_mode {
        return Err(CliError::usage(
            "`--interval` must be at least 10s: providers rate-limit their APIs",
        ));
    }
    let filter = args.filters.to_filter();
    crate::rank::check_gpu_names(&filter)?;
    let filters = Filters::from_request(&filter);
    // Price and the round it was last seen in, per offer id; forgotten after FORGET_AFTER
    // rounds unseen, so that marketplace ids that come and go do not grow it without end.
    let mut seen: HashMap<String, (f64, u32)> = HashMap::new();
    let mut matched_ever = false;
    let mut round = 0;
    loop {
        round += 1;
        let mut request =
            gather::Request::new(config, env, filters.query(), filters.providers.clone());
        // Every round asks: an answer from the cache could be up to `cache_ttl` old, older
        // than the interval, and `--once && gpu up` would react minutes late.
        request.refresh = true;
        let outcome = gather::gather(request, ui).await?;
        // Every live answer goes into the price history, as `find`'s do.
        crate::core::history::record(&outcome.offers, config, env, ui);
        for p in &outcome.providers {
            match &p.report {
                Report::Failed {
                    error,
                    configured: true,
                } => ui.warn(&format!(
                    "round {round}: skipped `{}`: {}",
                    p.id, error.message
                )),
                Report::Live { gaps, .. } => {
                    for gap in gaps {
                        ui.warn(&format!(
                            "round {round}: `{}` answered only in part: {gap}",
                            p.id
                        ));
                    }
                }
                _ => {}
            }
        }
        let asked_live = outcome
            .providers
            .iter()
            .any(|p| matches!(p.report, Report::Live { .. } | Report::Cached { .. }));
        if !asked_live && round == 1 {
            return Err(CliError::failure("nothing to watch: no provider could be asked live")
                .hint("`gpu providers` shows which providers need a key; catalog prices do not change"));
        }
        let live: Vec<Offer> = outcome
            .offers
            .into_iter()
            .filter(|o| o.source != Source::Catalog)
            .collect();
        let matches = rank::rank(live, &filters, SortKey::Price);
        let mut events = Vec::new();
        for o in &matches {
            match seen.insert(o.offer_id.clone(), (o.price_per_hour_usd, round)) {
                None => events.push(("new", None, o)),
                Some((prev, _)) if (prev - o.price_per_hour_usd).abs() > 1e-9 => {
                    events.push(("price", Some(prev), o))
                }
                Some(_) => {}
            }
        }
        seen.retain(|_, (_, last)| round - *last < FORGET_AFTER);
        for (event, previous, offer) in &events {
            report(event, *previous, offer, args.json)?;
            if let Some(cmd) = &args.exec {
                exec(cmd, offer, ui);
            }
        }
        matched_ever |= !matches.is_empty();
        if args.once && !matches.is_empty() {
            return Ok(Status::Success);
        }
        if args.rounds.is_some_and(|n| round >= n) {
            return Ok(if matched_ever {
                Status::Success
            } else {
                Status::NoMatch
            });
        }
        tokio::time::sleep(args.interval).await;
    }
}

fn report(
    event: &'static str,
    previous: Option<f64>,
    o: &Offer,
    json: bool,
) -> Result<(), CliError> {
    let line = if json {
        let e = Event {
            event,
            previous_price_per_hour_usd: previous,
            offer: o,
        };
        serde_json::to_string(&e).map_err(|e| CliError::failure(e.to_string()))?
    } else {
        let change = match previous {
            Some(p) => format!(" (was ${p:.2}/h)"),
            None => String::new(),
        };
        crate::ui::clean(&format!(
            "{} {event:<5} {} {}x {} ${:.2}/GPU-h ${:.2}/h{change} {} {}",
            gpu_providers::offer::now_rfc3339(),
            o.provider,
            o.gpu_count,
            o.gpu_label(),
            o.price_per_gpu_hour_usd,
            o.price_per_hour_usd,
            o.region,
            o.offer_id
        ))
    };
    output::write_stdout(&format!("{line}\n")).or_else(ignore_broken_pipe)
}

/// Run `sh -c CMD` with the offer on stdin; its failure is a warning, not the end of the watch.
fn exec(cmd: &str, o: &Offer, ui: &Ui) {
    let json = match serde_json::to_string(o) {
        Ok(j) => j,
        Err(_) => return,
    };
    let child = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::piped())
        .spawn();
    match child {
        Ok(mut child) => {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(json.as_bytes());
                let _ = stdin.write_all(b"\n");
            }
            match child.wait() {
                Ok(s) if s.success() => {}
                Ok(s) => ui.warn(&format!("`--exec` command exited with {s}")),
                Err(e) => ui.warn(&format!("`--exec` command failed: {e}")),
            }
        }
        Err(e) => ui.warn(&format!("could not run the `--exec` command: {e}")),
    }
}
