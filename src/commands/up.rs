//! `gpu up`: the flags become a [`RentRequest`], the core rents ([`core::rent::rent`]), this
//! prints the instance (or the dry run) as text or one JSON object.

use crate::cli::UpArgs;
use crate::commands::providers::ignore_broken_pipe;
use crate::config::Config;
use crate::core::rent::{self as core_rent, Launched, RentOutcome};
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::output;
use crate::ui::Ui;

pub async fn run(up: UpArgs, config: &Config, env: &Env, ui: &Ui) -> Result<Status, CliError> {
    let mut request = up.launch.to_request(up.json);
    request.wait = up.wait;
    match core_rent::rent(&request, config, env, ui).await? {
        RentOutcome::Rented(r) => {
            print_launched(&r.instance, up.json)?;
            match r.failure {
                Some(e) => Err(e),
                None => Ok(r.status),
            }
        }
        RentOutcome::Planned(planned) => {
            let text = if up.json {
                planned
                    .json_text(Default::default())
                    .map_err(|e| CliError::failure(e.to_string()))?
            } else {
                planned.text("up", &[])
            };
            output::write_stdout(&text).or_else(ignore_broken_pipe)?;
            Ok(Status::Success)
        }
        RentOutcome::Declined => Ok(Status::Failure),
    }
}

fn print_launched(l: &Launched, json: bool) -> Result<(), CliError> {
    let text = if json {
        let mut s =
            serde_json::to_string_pretty(l).map_err(|e| CliError::failure(e.to_string()))?;
        s.push('\n');
        s
    } else {
        let mut s = format!(
            "{} {} ({})\n  {}x {} in {} at ${:.2}/hour (${:.2}/GPU-hour)\n",
            if l.existing { "running" } else { "launched" },
            l.id,
            l.name,
            l.gpu_count,
            l.gpu,
            l.region,
            l.price_per_hour_usd,
            l.price_per_gpu_hour_usd
        );
        match &l.ssh_command {
            Some(c) => s.push_str(&format!("  {c}\n")),
            None => s.push_str(
                &format!(
                    "  state: {:?}; `gpu ls` shows the SSH command once it runs\n",
                    l.state
                )
                .to_lowercase(),
            ),
        }
        if let Some(d) = &l.deadline {
            s.push_str(&format!(
                "  deadline: {d} (kept at the provider; `gpu down --expired` from any machine releases it after that)\n"
            ));
        }
        s.push_str(&format!("  release it with: gpu down {}\n", l.id));
        s
    };
    output::write_stdout(&text).or_else(ignore_broken_pipe)
}
