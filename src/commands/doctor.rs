//! `gpu doctor deadlines`: proof that a deadline fires. For each provider it rents the
//! cheapest instance with a short deadline (after a question that shows what it costs), lets
//! nothing of gpu release it, and watches the provider's list: an instance that ends by itself
//! at its deadline shows the provider (or the instance) enforces it; one still running past
//! the deadline and the grace needs a sweeper, and is released then. What is left is released
//! at the end, whatever happened.

use std::time::{Duration, Instant, SystemTime};

use clap::Parser;
use serde::Serialize;

use crate::cli::{Cli, Command, DoctorDeadlinesArgs};
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
fn launch_args(provider: &str, ttl: Duration) -> Result<crate::cli::LaunchArgs, CliError> {
    let name = format!("doctor-{provider}");
    let ttl = format!("{}s", ttl.as_secs().max(1));
    let argv = [
        "gpu",
        "up",
        "--provider",
        provider,
        "--sort",
        "total",
        "--max-attempts",
        "3",
        "--name",
        &name,
        "--ttl",
        &ttl,
        "--yes",
    ];
    match Cli::try_parse_from(argv) {
        Ok(Cli {
            command: Command::Up(up),
            ..
        }) => Ok(up.launch),
        Ok(_) => Err(CliError::failure("internal error: not an `up`")),
        Err(e) => Err(CliError::failure(format!("internal error: {e}"))),
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
        let largs = launch_args(p, args.ttl)?;
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
    // Launch every one, then watch them all.
    let mut watched = Vec::new();
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
            Err(e) => findings.push(not_tested(&plan.tries[0].provider, e.message)),
        }
    }
    let interval = poll_interval(env).max(Duration::from_millis(50));
    let until = Instant::now() + args.ttl + args.grace;
    let mut ended: Vec<Option<SystemTime>> = vec![None; watched.len()];
    while Instant::now() < until && ended.iter().any(Option::is_none) {
        tokio::time::sleep(interval).await;
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
                if !live {
                    ended[k] = Some(SystemTime::now());
                }
            }
        }
    }
    let mut status = Status::Success;
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
        match ended[k] {
            Some(t) if t + interval >= deadline_at => {
                f.result = "ended_by_itself";
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
                // Still running past its deadline: it needs a sweeper. Released now; one
                // that cannot be released never stops the others'.
                let released = match gather::build(&l.instance.provider, config, env, ui) {
                    Ok((_, provider)) => {
                        release::release(provider.as_ref(), &l.instance.id, interval)
                            .await
                            .map_err(|e| e.message)
                    }
                    Err(e) => Err(e.message),
                };
                match released.map_err(|message| release::NotReleased {
                    message,
                    auth: false,
                }) {
                    Ok(_) => {
                        f.released_by_doctor = true;
                        close("released by `gpu doctor deadlines`");
                    }
                    Err(e) => {
                        status = Status::Failure;
                        ui.warn(&format!(
                            "could not release {id}: {}; it may still be billing: `gpu down {id} --yes`",
                            e.message
                        ));
                        f.message = Some(e.message);
                    }
                }
            }
        }
        findings.push(f);
    }
    print(&findings, args.json)?;
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
