//! A sweeper on a scheduler that already exists: `gpu down --expired --yes` every five
//! minutes, so that a deadline fires on providers whose API has no expiry even when every
//! machine of the user's that launched something is gone.
//!
//! Each kind writes the scheduler's own files (a GitHub Actions workflow, a systemd user
//! service and timer, a crontab line, a launchd agent), then asks the scheduler to take them
//! where it can; `status` says what is installed on this machine. What `install` did is also
//! recorded in `<data dir>/sweepers.json`, so `up`, `run` and `ls` know whether a deadline
//! here relies on a sweeper that nobody runs.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::exit::CliError;

/// How often the sweeper runs.
pub const EVERY_MINUTES: u32 = 5;
/// The marker of gpu's line in a crontab.
pub const CRON_MARK: &str = "# gpu-sweeper";
pub const UNIT: &str = "gpu-sweeper";
pub const LAUNCHD_LABEL: &str = "dev.gpu.sweeper";
pub const DEFAULT_WORKFLOW: &str = ".github/workflows/gpu-sweeper.yml";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Github,
    Systemd,
    Cron,
    Launchd,
}

impl Kind {
    pub fn flag(self) -> &'static str {
        match self {
            Kind::Github => "--github",
            Kind::Systemd => "--systemd",
            Kind::Cron => "--cron",
            Kind::Launchd => "--launchd",
        }
    }
}

/// What the sweeper runs, and with what around it.
pub struct Job {
    /// The `gpu` to run (this executable, for the schedulers of this machine).
    pub exe: PathBuf,
    /// `GPU_CONFIG` and `GPU_DATA_DIR` when this machine uses other than the defaults.
    pub env: Vec<(String, String)>,
    /// Where the sweeper's output goes (cron and launchd).
    pub log: PathBuf,
    /// The key variables the GitHub workflow takes from the repository's secrets.
    pub secrets: Vec<&'static str>,
    /// The git URL the GitHub workflow installs gpu from.
    pub repo: Option<String>,
}

/// One installed sweeper.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Installed {
    pub kind: Kind,
    /// The file written (the workflow, the timer, the plist; for cron, the crontab).
    pub path: String,
    /// The scheduler took it (`systemctl --user enable --now`, `crontab`, `launchctl`): true;
    /// files written for someone else to enable (a workflow to commit): false.
    pub scheduled: bool,
    pub installed_at: String,
}

/// The key variables of every provider that can launch, for the workflow's `env`.
pub fn key_variables() -> Vec<&'static str> {
    let mut vars: Vec<&'static str> = gpu_providers::REGISTRY
        .iter()
        .filter(|e| e.capabilities.launch)
        .flat_map(|e| std::iter::once(e.key_env).chain(e.settings_env.iter().map(|(var, _)| *var)))
        .filter(|v| !v.is_empty())
        .collect();
    vars.sort_unstable();
    vars.dedup();
    vars
}

fn command_line(job: &Job) -> String {
    format!(
        "{} down --expired --yes",
        crate::lifecycle::remote::quoted(&[job.exe.display().to_string()])
    )
}

/// The GitHub Actions workflow: scheduled, one at a time, bounded, keys by secret name.
pub fn workflow(job: &Job) -> String {
    let mut env = String::new();
    for var in &job.secrets {
        env.push_str(&format!("          {var}: ${{{{ secrets.{var} }}}}\n"));
    }
    format!(
        r#"# Written by `gpu sweeper install --github`. Every {EVERY_MINUTES} minutes it releases every
# instance gpu launched that is past its deadline, on every provider whose key is in this
# repository's secrets (a secret that is not set is an empty variable: that provider is
# skipped).
name: gpu sweeper
on:
  schedule:
    - cron: "*/{EVERY_MINUTES} * * * *"
  workflow_dispatch:
permissions:
  contents: read
concurrency:
  group: gpu-sweeper
  cancel-in-progress: false
jobs:
  sweep:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - name: Cache gpu
        id: cache
        uses: actions/cache@v4
        with:
          path: {bin_dir}/gpu
          key: gpu-${{{{ runner.os }}}}-${{{{ runner.arch }}}}-{version}
      - name: Install gpu
        if: steps.cache.outputs.cache-hit != 'true'
{install}      - run: echo "{path_dir}" >> "$GITHUB_PATH"
      # The keys reach this step only: not the cache, not the install of gpu.
      - name: Release what is past its deadline
        env:
{env}        run: gpu down --expired --yes
"#,
        version = env!("CARGO_PKG_VERSION"),
        bin_dir = match job.repo {
            Some(_) => "~/.cargo/bin",
            None => "~/.local/bin",
        },
        path_dir = match job.repo {
            Some(_) => "$HOME/.cargo/bin",
            None => "$HOME/.local/bin",
        },
        install = install_step(job.repo.as_deref()),
    )
}

/// The release of this version, checked against its SHA256SUMS (seconds); or, with a git URL
/// (`--from`), a build from that source (minutes, once per version: the binary is cached).
fn install_step(repo: Option<&str>) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match repo {
        Some(repo) => format!(
            "        env:\n          GPU_REPO: {}\n        run: cargo install --locked --git \"$GPU_REPO\" gpu\n",
            yaml_string(repo)
        ),
        None => format!(
            "        run: curl -fsSL {RELEASES}/download/v{version}/install.sh | sh -s -- --version {version}\n"
        ),
    }
}

/// Where the released binaries are.
pub const RELEASES: &str = "https://github.com/gpu-cli/gpu/releases";

/// A YAML double-quoted scalar.
fn yaml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn systemd_env(job: &Job) -> String {
    job.env
        .iter()
        .map(|(k, v)| format!("Environment=\"{k}={v}\"\n"))
        .collect()
}

/// The systemd user service and timer.
pub fn systemd_units(job: &Job) -> (String, String) {
    let service = format!(
        "# Written by `gpu sweeper install --systemd`.\n\
         [Unit]\n\
         Description=Release gpu instances that are past their deadline\n\
         \n\
         [Service]\n\
         Type=oneshot\n\
         {env}EnvironmentFile=-%h/.config/gpu/sweeper.env\n\
         ExecStart={cmd}\n\
         TimeoutStartSec=15min\n",
        env = systemd_env(job),
        cmd = command_line(job),
    );
    let timer = format!(
        "# Written by `gpu sweeper install --systemd`.\n\
         [Unit]\n\
         Description=Run {UNIT}.service every {EVERY_MINUTES} minutes\n\
         \n\
         [Timer]\n\
         OnCalendar=*:0/{EVERY_MINUTES}\n\
         Persistent=true\n\
         RandomizedDelaySec=30\n\
         \n\
         [Install]\n\
         WantedBy=timers.target\n"
    );
    (service, timer)
}

/// The crontab line.
pub fn cron_line(job: &Job) -> String {
    let env: String = job
        .env
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={} ",
                crate::lifecycle::remote::quoted(std::slice::from_ref(v))
            )
        })
        .collect();
    format!(
        "*/{EVERY_MINUTES} * * * * {env}{} >>{} 2>&1 {CRON_MARK}",
        command_line(job),
        crate::lifecycle::remote::quoted(&[job.log.display().to_string()])
    )
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The launchd agent.
pub fn launchd_plist(job: &Job) -> String {
    let env: String = job
        .env
        .iter()
        .map(|(k, v)| format!("    <key>{}</key><string>{}</string>\n", xml(k), xml(v)))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by `gpu sweeper install --launchd`. -->
<plist version="1.0">
<dict>
  <key>Label</key><string>{LAUNCHD_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
    <string>{exe}</string><string>down</string><string>--expired</string><string>--yes</string>
  </array>
  <key>EnvironmentVariables</key>
  <dict>
{env}  </dict>
  <key>StartInterval</key><integer>{secs}</integer>
  <key>RunAtLoad</key><true/>
  <key>StandardOutPath</key><string>{log}</string>
  <key>StandardErrorPath</key><string>{log}</string>
</dict>
</plist>
"#,
        exe = xml(&job.exe.display().to_string()),
        secs = EVERY_MINUTES * 60,
        log = xml(&job.log.display().to_string()),
    )
}

/// Where the systemd units go: the XDG config dir's `systemd/user`.
pub fn systemd_dir() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("systemd/user"))
}

pub fn launchd_path() -> Option<PathBuf> {
    dirs::home_dir().map(|h| h.join(format!("Library/LaunchAgents/{LAUNCHD_LABEL}.plist")))
}

fn write(path: &Path, text: &str) -> Result<(), CliError> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| {
            CliError::failure(format!("could not create `{}`", dir.display())).cause(e)
        })?;
    }
    fs::write(path, text)
        .map_err(|e| CliError::failure(format!("could not write `{}`", path.display())).cause(e))
}

/// Run a scheduler's command; `Ok(false)` when it is not on this machine.
fn run(program: &str, args: &[&str], stdin: Option<&str>) -> Result<bool, String> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.to_string()),
    };
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        use std::io::Write;
        pipe.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(true)
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(format!(
            "`{program} {}` failed: {}",
            args.join(" "),
            err.lines().next().unwrap_or("").trim()
        ))
    }
}

/// The crontab as it is, without gpu's line; `None` when there is no `crontab` here.
fn crontab_without_ours() -> Result<Option<String>, String> {
    let out = match Command::new("crontab")
        .arg("-l")
        .stdin(Stdio::null())
        .output()
    {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    // `crontab -l` fails when the user has none yet ("no crontab for ..."): that is an empty
    // one. Any other failure is an error: writing then would replace the user's crontab.
    let text = if out.status.success() {
        String::from_utf8_lossy(&out.stdout).into_owned()
    } else {
        let err = String::from_utf8_lossy(&out.stderr).to_ascii_lowercase();
        if !err.contains("no crontab") {
            return Err(format!(
                "`crontab -l` failed ({}); your crontab was left as it is",
                err.lines().next().unwrap_or("").trim()
            ));
        }
        String::new()
    };
    Ok(Some(
        text.lines()
            .filter(|l| !l.contains(CRON_MARK))
            .map(|l| format!("{l}\n"))
            .collect(),
    ))
}

/// What `install` did: the files, whether the scheduler took them, and what to do if not.
pub struct Done {
    pub installed: Installed,
    pub files: Vec<PathBuf>,
    /// What the user still has to do (commit the workflow, enable the timer by hand).
    pub next: Vec<String>,
}

pub fn install(kind: Kind, job: &Job, path: Option<&Path>, enable: bool) -> Result<Done, CliError> {
    let now = gpu_providers::offer::now_rfc3339();
    let done = |path: &Path, scheduled: bool, files: Vec<PathBuf>, next: Vec<String>| Done {
        installed: Installed {
            kind,
            path: path.display().to_string(),
            scheduled,
            installed_at: now.clone(),
        },
        files,
        next,
    };
    match kind {
        Kind::Github => {
            let path = path
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_WORKFLOW));
            write(&path, &workflow(job))?;
            let next = vec![format!(
                "add the keys as repository secrets ({}), then commit `{}`",
                job.secrets.join(", "),
                path.display()
            )];
            Ok(done(&path, false, vec![path.clone()], next))
        }
        Kind::Systemd => {
            let dir = systemd_dir()
                .ok_or_else(|| CliError::failure("no config directory is known on this system"))?;
            let (service, timer) = systemd_units(job);
            let service_path = dir.join(format!("{UNIT}.service"));
            let timer_path = dir.join(format!("{UNIT}.timer"));
            write(&service_path, &service)?;
            write(&timer_path, &timer)?;
            let files = vec![service_path, timer_path.clone()];
            let by_hand = format!(
                "systemctl --user daemon-reload && systemctl --user enable --now {UNIT}.timer"
            );
            let mut next = vec![format!(
                "keys set only in your shell's environment are not seen by the timer: keep them in the config file or in `~/.config/gpu/sweeper.env` (`NAME=value` lines)"
            )];
            if !enable {
                next.push(format!("enable it: {by_hand}"));
                return Ok(done(&timer_path, false, files, next));
            }
            let enabled = run("systemctl", &["--user", "daemon-reload"], None).and_then(|ok| {
                if ok {
                    run(
                        "systemctl",
                        &["--user", "enable", "--now", &format!("{UNIT}.timer")],
                        None,
                    )
                } else {
                    Ok(false)
                }
            });
            match enabled {
                Ok(true) => Ok(done(&timer_path, true, files, next)),
                Ok(false) => {
                    next.push(format!(
                        "no `systemctl` here; enable it where there is: {by_hand}"
                    ));
                    Ok(done(&timer_path, false, files, next))
                }
                Err(e) => {
                    next.push(format!("{e}; enable it with: {by_hand}"));
                    Ok(done(&timer_path, false, files, next))
                }
            }
        }
        Kind::Cron => {
            let line = cron_line(job);
            let current = crontab_without_ours().map_err(CliError::failure)?;
            let Some(current) = current else {
                return Err(
                    CliError::failure("there is no `crontab` command on this machine").hint(
                        format!("add this line with `crontab -e` where cron runs: {line}"),
                    ),
                );
            };
            if !enable {
                return Ok(done(
                    Path::new("crontab"),
                    false,
                    Vec::new(),
                    vec![format!("add this line with `crontab -e`: {line}")],
                ));
            }
            let text = format!("{current}{line}\n");
            run("crontab", &["-"], Some(&text)).map_err(CliError::failure)?;
            Ok(done(Path::new("crontab"), true, Vec::new(), Vec::new()))
        }
        Kind::Launchd => {
            let path = launchd_path()
                .ok_or_else(|| CliError::failure("no home directory is known on this system"))?;
            write(&path, &launchd_plist(job))?;
            let by_hand = format!("launchctl load -w {}", path.display());
            let mut next = Vec::new();
            let scheduled = enable
                && match run(
                    "launchctl",
                    &["load", "-w", &path.display().to_string()],
                    None,
                ) {
                    Ok(true) => true,
                    Ok(false) => {
                        next.push(format!(
                            "no `launchctl` here (it is macOS's); load it there: {by_hand}"
                        ));
                        false
                    }
                    Err(e) => {
                        next.push(format!("{e}; load it with: {by_hand}"));
                        false
                    }
                };
            if !enable {
                next.push(format!("load it: {by_hand}"));
            }
            Ok(done(&path, scheduled, vec![path.clone()], next))
        }
    }
}

/// The record of what `install` did on this machine.
fn record_path(data_dir: &Path) -> PathBuf {
    data_dir.join("sweepers.json")
}

pub fn recorded(data_dir: &Path) -> Vec<Installed> {
    fs::read(record_path(data_dir))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

pub fn record(data_dir: &Path, installed: &Installed) -> Result<(), CliError> {
    let mut all: Vec<Installed> = recorded(data_dir)
        .into_iter()
        .filter(|i| !(i.kind == installed.kind && i.path == installed.path))
        .collect();
    all.push(installed.clone());
    let text = serde_json::to_string_pretty(&all).map_err(|e| CliError::failure(e.to_string()))?;
    write(&record_path(data_dir), &format!("{text}\n"))
}

/// One line of `gpu sweeper status`.
#[derive(Debug, Serialize)]
pub struct Status {
    pub kind: Kind,
    pub installed: bool,
    pub path: Option<String>,
    /// What the scheduler says, where it can be asked (`systemctl --user is-active`).
    pub state: Option<String>,
}

/// What is installed on this machine, as the schedulers' own files show it.
pub fn status(data_dir: &Path) -> Vec<Status> {
    let recorded = recorded(data_dir);
    let mut out = Vec::new();
    let timer = systemd_dir().map(|d| d.join(format!("{UNIT}.timer")));
    let systemd = timer.as_ref().filter(|p| p.exists());
    out.push(Status {
        kind: Kind::Systemd,
        installed: systemd.is_some(),
        path: systemd.map(|p| p.display().to_string()),
        state: systemd.and_then(|_| {
            Command::new("systemctl")
                .args(["--user", "is-active", &format!("{UNIT}.timer")])
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .filter(|s| !s.is_empty())
        }),
    });
    let cron = crontab_without_ours().ok().flatten().is_some()
        && Command::new("crontab")
            .arg("-l")
            .stdin(Stdio::null())
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains(CRON_MARK))
            .unwrap_or(false);
    out.push(Status {
        kind: Kind::Cron,
        installed: cron,
        path: cron.then(|| "crontab".to_string()),
        state: None,
    });
    let plist = launchd_path().filter(|p| p.exists());
    out.push(Status {
        kind: Kind::Launchd,
        installed: plist.is_some(),
        path: plist.map(|p| p.display().to_string()),
        state: None,
    });
    let workflows: Vec<&Installed> = recorded
        .iter()
        .filter(|i| i.kind == Kind::Github && Path::new(&i.path).exists())
        .collect();
    out.push(Status {
        kind: Kind::Github,
        installed: !workflows.is_empty(),
        path: workflows.first().map(|i| i.path.clone()),
        state: workflows
            .first()
            .map(|_| "written here; it runs once committed".to_string()),
    });
    out
}

/// Whether something here sweeps: a scheduler that took gpu's sweeper, or a workflow
/// written from here. Cheap: reads files only, runs nothing.
pub fn any_installed(data_dir: &Path) -> bool {
    // Files a scheduler never took (`--no-enable`, no `systemctl`) sweep nothing; a workflow
    // is written for the repository to run.
    recorded(data_dir)
        .iter()
        .any(|i| i.scheduled || i.kind == Kind::Github)
}

/// A value that goes into a scheduler's file must hold no character that file reads as
/// syntax: a line break (a new line of the crontab or unit), `%` (cron's stdin, systemd's
/// specifiers), `"` or `\\`.
pub fn check_value(what: &str, value: &str) -> Result<(), CliError> {
    if value
        .chars()
        .any(|c| matches!(c, '\n' | '\r' | '%' | '"' | '\\'))
    {
        return Err(CliError::usage(format!(
            "{what} `{value}` has a character a scheduler's file cannot hold safely (a line break, `%`, `\"` or `\\`)"
        ))
        .hint("use a path without them (set `GPU_DATA_DIR` or `GPU_CONFIG`, or install gpu elsewhere)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Job {
        Job {
            exe: PathBuf::from("/opt/my tools/gpu"),
            env: vec![("GPU_CONFIG".into(), "/etc/gpu.toml".into())],
            log: PathBuf::from("/var/log/gpu sweeper.log"),
            secrets: vec!["LAMBDA_API_KEY", "RUNPOD_API_KEY"],
            repo: Some("https://example.com/gpu.git".into()),
        }
    }

    #[test]
    fn every_file_runs_the_same_sweep() {
        let j = job();
        assert!(workflow(&j).contains("LAMBDA_API_KEY: ${{ secrets.LAMBDA_API_KEY }}"));
        assert!(workflow(&j).contains("run: gpu down --expired --yes"));
        let (service, timer) = systemd_units(&j);
        assert!(service.contains("ExecStart='/opt/my tools/gpu' down --expired --yes"));
        assert!(service.contains("Environment=\"GPU_CONFIG=/etc/gpu.toml\""));
        assert!(timer.contains("OnCalendar=*:0/5"));
        let line = cron_line(&j);
        assert!(
            line.starts_with(
                "*/5 * * * * GPU_CONFIG=/etc/gpu.toml '/opt/my tools/gpu' down --expired --yes"
            ),
            "{line}"
        );
        assert!(line.ends_with(CRON_MARK));
        assert!(launchd_plist(&j).contains("<integer>300</integer>"));
    }

    #[test]
    fn a_value_that_would_inject_into_a_schedulers_file_is_refused() {
        for bad in [
            "/tmp/x\"\nExecStartPre=/bin/evil",
            "/home/me/100%/gpu",
            "a\nb",
            "c:\\x",
        ] {
            assert!(check_value("a path", bad).is_err(), "{bad:?}");
        }
        assert!(check_value("a path", "/home/me/.local/bin/gpu").is_ok());
    }

    #[test]
    fn the_workflow_names_every_launch_providers_key() {
        let vars = key_variables();
        for v in [
            "LAMBDA_API_KEY",
            "RUNPOD_API_KEY",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "VERDA_CLIENT_SECRET",
        ] {
            assert!(vars.contains(&v), "{v}: {vars:?}");
        }
    }
}
