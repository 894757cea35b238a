//! `gpu doctor deadlines`: proof that a deadline fires. For each provider it rents the
//! cheapest instance with a short deadline (after a question that shows what it costs), lets
//! nothing of gpu release it, and watches the provider's list: an instance that ends by itself
//! at its deadline shows the provider (or the instance) enforces it; one still running past
//! the deadline and the grace needs a sweeper, and is released then. What is left is released
//! at the end, whatever happened.

use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use crate::cli::DoctorDeadlinesArgs;
use crate::config::Config;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::gather;
use crate::lifecycle::rent::{self, Prepared};
use crate::lifecycle::{self, choose, launch, poll_interval, release};
use crate::output;
use crate::ui::Ui;

#[derive(Debug, Serialize)]
struct Finding {
    provider: String,
    offer_id: Option<String>,
    instance: Option<String>,
    price_per_hour_usd: Option<f64>,
    deadline: Option<String>,
    /// `ended_by_itself`, `needs_sweeper`, or `not_tested` (with `message`).
    result: &'static str,
    /// Seconds from the deadline to when the provider no longer listed it running.
    ended_after_deadline_seconds: Option<i64>,
    /// The doctor released it (it outlived its deadline, or the check was cut short).
    released_by_doctor: bool,
    message: Option<String>,
}

/// The `up` arguments for one provider's cheapest instance, read by the same parser as
/// `gpu up`, so every check it makes is made here.
fn launch_args(provider: &str, ttl: Duration) -> crate::core::rent::RentRequest {
    crate::core::rent::RentRequest {
        filter: crate::core::find::OfferFilter {
            providers: vec![provider.to_string()],
            ..Default::default()
        },
        sort: Some(crate::core::find::SortKey::Total),
        max_attempts: 3,
        name: Some(format!("doctor-{provider}")),
        ttl: Some(ttl.max(Duration::from_secs(1))),
        yes: true,
        ..Default::default()
    }
}

pub async fn deadlines(
    args: DoctorDeadlinesArgs,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
    let store = lifecycle::store(env)?;
    let providers: Vec<String> = if args.provider.is_empty() {
        gpu_providers::REGISTRY
            .iter()
            .filter(|e| e.capabilities.launch && choose::launchable(e.id, config, env))
            .map(|e| e.id.to_string())
            .collect()
    } else {
        args.provider.clone()
    };
    if providers.is_empty() {
        return Err(
            CliError::new(Status::Auth, "no provider you can launch on is configured")
                .hint("`gpu providers` shows which can launch and the key each needs"),
        );
    }
    // The plans first, and one question that shows what they cost.
    let mut plans = Vec::new();
    let mut findings = Vec::new();
    for p in &providers {
        let largs = launch_args(p, args.ttl);
        match rent::prepare(&largs, Some(args.ttl), &store, config, env, ui).await {
            Ok(Prepared::Plan(plan)) => plans.push(*plan),
            Ok(Prepared::Existing(found)) => findings.push(not_tested(
                p,
                format!(
                    "`{}` from an earlier check still runs ({}:{}); release it with `gpu down {} --yes`",
                    found.1.name, found.0.provider, found.0.id, found.1.name
                ),
            )),
            Err(e) => findings.push(not_tested(p, e.message)),
        }
    }
    let billed = (args.ttl + args.grace).max(launch_min());
    let mut lines = Vec::new();
    let mut most = 0.0;
    for plan in &plans {
        let o = &plan.tries[0];
        let cost = o.price_per_hour_usd * billed.as_secs_f64() / 3600.0;
        most += cost;
        lines.push(format!(
            "{}: {} (up to ${cost:.2})",
            o.provider,
            choose::describe(o)
        ));
    }
    if !plans.is_empty() {
        let question = format!(
            "Rent these with a deadline of {} and release nothing until it passes (up to ${most:.2} in all)?\n  {}",
            lifecycle::reconcile::short_duration(args.ttl),
            lines.join("\n  ")
        );
        if !lifecycle::confirm::ask(&question, args.yes, ui).await? {
            ui.note("nothing rented");
            return Ok(Status::Failure);
        }
    }
    // Launch every one, then watch them all. From here on a signal releases what was rented.
    let mut signals = crate::lifecycle::guard::take_signals();
    let mut watched = Vec::new();
    let mut launch_failed = false;
    for plan in &plans {
        let spec = plan.spec(args.json);
        match launch::launch(&plan.tries, &plan.filters, &spec, &store, config, env, ui).await {
            Ok(l) => {
                ui.note(&format!(
                    "rented {}:{} (`{}`); its deadline is in {}",
                    l.instance.provider,
                    l.instance.id,
                    plan.name,
                    lifecycle::reconcile::short_duration(args.ttl)
                ));
                watched.push((l, plan.deadline.unwrap_or_default()));
            }
            Err(e) => {
                // A launch that may have made something (a lost answer, a ledger that could not
                // record it) is a failure to report, not a provider left untested.
                if !matches!(e.status, Status::NoCapacity | Status::NoMatch) {
                    launch_failed = true;
                }
                findings.push(not_tested(&plan.tries[0].provider, e.message));
            }
        }
    }
    let interval = poll_interval(env).max(Duration::from_millis(50));
    let until = Instant::now() + args.ttl + args.grace;
    // When each was first seen not running, and how many reads in a row have missed it: one
    // list that lags is no proof that an instance ended.
    let mut ended: Vec<Option<SystemTime>> = vec![None; watched.len()];
    let mut misses: Vec<(u32, Option<SystemTime>)> = vec![(0, None); watched.len()];
    let mut interrupted = None;
    while Instant::now() < until && ended.iter().any(Option::is_none) {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            s = signals.next() => {
                ui.warn(&format!(
                    "{}: releasing every instance this check rented before stopping",
                    s.name()
                ));
                interrupted = Some(s);
                break;
            }
        }
        for (k, (l, _)) in watched.iter().enumerate() {
            if ended[k].is_some() {
                continue;
            }
            let Ok((_, provider)) = gather::build(&l.instance.provider, config, env, ui) else {
                continue;
            };
            // The list decides: gone from it, or listed as ended.
            if let Ok(list) = provider.instances().await {
                let live = list
                    .iter()
                    .any(|i| i.id == l.instance.id && i.state.is_live());
                if live {
                    misses[k] = (0, None);
                } else {
                    let first = *misses[k].1.get_or_insert_with(SystemTime::now);
                    misses[k].0 += 1;
                    if misses[k].0 >= lifecycle::ABSENT_READS {
                        // The status read must agree: a list that lags is no proof.
                        match provider.instance(&l.instance.id).await {
                            Ok(Some(i)) if i.state.is_live() => misses[k] = (0, None),
                            Ok(_) => ended[k] = Some(first),
                            Err(_) => {}
                        }
                    }
                }
            }
        }
    }
    let mut status = if launch_failed {
        Status::Failure
    } else {
        Status::Success
    };
    for (k, (l, deadline)) in watched.iter().enumerate() {
        let id = format!("{}:{}", l.instance.provider, l.instance.id);
        let deadline_at = lifecycle::owner::from_unix(*deadline);
        let close = |note: &str| {
            let _ = release::record(
                &store,
                &l.instance.provider,
                Some(&l.entry.name),
                Some(&l.instance.id),
                note,
            );
        };
        let mut f = Finding {
            provider: l.instance.provider.clone(),
            offer_id: Some(l.entry.offer_id.clone()),
            instance: Some(id.clone()),
            price_per_hour_usd: Some(l.entry.price_per_hour_usd),
            deadline: Some(lifecycle::owner::rfc3339(*deadline)),
            result: "needs_sweeper",
            ended_after_deadline_seconds: None,
            released_by_doctor: false,
            message: None,
        };
        // Whatever the list showed, nothing is left to bill: every instance rented here is
        // released and the release confirmed (an ended one is confirmed gone at once).
        let mut ended_k = ended[k];
        let released = match gather::build(&l.instance.provider, config, env, ui) {
            Ok((_, provider)) => {
                // One that ended by itself is only confirmed gone: nothing of gpu ends it. If
                // the provider does not confirm that, it did not end: it is released.
                let confirmed = ended_k.is_some()
                    && interrupted.is_none()
                    && release::confirm(provider.as_ref(), &l.instance.id, interval)
                        .await
                        .is_ok();
                if confirmed {
                    Ok(())
                } else {
                    ended_k = None;
                    release::release(provider.as_ref(), &l.instance.id, interval)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.message)
                }
            }
            Err(e) => Err(e.message),
        };
        if let Err(e) = &released {
            status = Status::Failure;
            ui.warn(&format!(
                "could not release {id}: {e}; it may still be billing: `gpu down {id} --yes`"
            ));
            f.message = Some(e.clone());
        }
        match ended_k {
            _ if interrupted.is_some() => {
                f.result = "not_tested";
                f.released_by_doctor = released.is_ok();
                f.message
                    .get_or_insert_with(|| "interrupted before its deadline passed".into());
                if released.is_ok() {
                    close("released by `gpu doctor deadlines` (interrupted)");
                }
            }
            Some(t) if t + interval >= deadline_at => {
                f.result = "ended_by_itself";
                f.released_by_doctor = false;
                f.ended_after_deadline_seconds = Some(match t.duration_since(deadline_at) {
                    Ok(d) => d.as_secs() as i64,
                    Err(e) => -(e.duration().as_secs() as i64),
                });
                close("ended by itself at its deadline (`gpu doctor deadlines`)");
            }
            Some(_) => {
                f.result = "not_tested";
                f.message = Some("it ended before its deadline (the provider ended it?)".into());
                close("ended before its deadline");
            }
            None => {
                // Still running past its deadline and the grace: it needs a sweeper.
                f.released_by_doctor = released.is_ok();
                if released.is_ok() {
                    close("released by `gpu doctor deadlines`");
                }
            }
        }
        findings.push(f);
    }
    print(&findings, args.json)?;
    if let Some(s) = interrupted {
        return Ok(s.status());
    }
    Ok(status)
}

/// Providers bill in units: an hour is the least a check is counted for.
fn launch_min() -> Duration {
    Duration::from_secs(3600)
}

fn not_tested(provider: &str, message: String) -> Finding {
    Finding {
        provider: provider.to_string(),
        offer_id: None,
        instance: None,
        price_per_hour_usd: None,
        deadline: None,
        result: "not_tested",
        ended_after_deadline_seconds: None,
        released_by_doctor: false,
        message: Some(message),
    }
}

fn print(findings: &[Finding], json: bool) -> Result<(), CliError> {
    let text = if json {
        output::json_text(&findings, None)?
    } else {
        findings
            .iter()
            .map(|f| {
                let what = match f.result {
                    "ended_by_itself" => format!(
                        "its deadline ends it by itself ({}s after the deadline)",
                        f.ended_after_deadline_seconds.unwrap_or(0)
                    ),
                    "needs_sweeper" => format!(
                        "still running past its deadline: it needs a sweeper (`gpu sweeper install`){}",
                        if f.released_by_doctor { "; released" } else { "" }
                    ),
                    _ => format!("not tested: {}", f.message.clone().unwrap_or_default()),
                };
                format!("{:<15} {what}\n", f.provider)
            })
            .collect()
    };
    output::write_stdout(&text).or_else(crate::commands::providers::ignore_broken_pipe)
}
