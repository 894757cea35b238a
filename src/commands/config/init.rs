//! `gpu config init`: as `gh auth login` does, ask which providers to set up, take each key
//! without echo, write the config file with mode 600 and check each key with its provider.
//!
//! On a terminal it asks; from a pipe it reads the same answers a line at a time
//! (`printf 'lambda\n%s\n' "$KEY" | gpu config init`), so a script can set up a machine.
//! A key the provider refuses is not written; one that could not be checked is, and says so.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use gpu_providers::{ProviderEntry, REGISTRY};

use crate::cli::InitArgs;
use crate::config::{self, Config};
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::ui::Ui;

use super::live;

/// What one provider's table gets: its key and the settings that go with it (AWS's key id).
#[derive(Debug, Clone)]
pub struct Setup {
    pub id: &'static str,
    pub key: String,
    pub settings: Vec<(&'static str, String)>,
}

/// Providers whose key `init` can take: those where a key is what live prices or renting
/// need (Scaleway's prices are public: no key to ask for).
pub fn choices() -> impl Iterator<Item = &'static ProviderEntry> {
    REGISTRY.iter().filter(|e| {
        !e.key_env.is_empty() && (e.capabilities.offers_need_key || e.capabilities.launch)
    })
}

pub async fn run(
    args: InitArgs,
    path: Option<&Path>,
    env: &Env,
    ui: &Ui,
) -> Result<Status, CliError> {
    let path: PathBuf = match path.map(Path::to_path_buf).or_else(config::default_path) {
        Some(p) => p,
        None => {
            return Err(
                CliError::failure("no config directory is known on this system")
                    .hint("pass a file with `--config PATH` or `GPU_CONFIG`"),
            )
        }
    };
    let mut input = Input::new();
    let ids = if args.provider.is_empty() {
        ask_providers(&mut input)?
    } else {
        args.provider.clone()
    };
    let mut entries = Vec::new();
    for id in &ids {
        entries.push(entry_of(id)?);
    }
    let mut setups = Vec::new();
    for e in entries {
        if let Some(s) = ask_key(e, &mut input)? {
            setups.push(s);
        }
    }
    if setups.is_empty() {
        ui.note("no key given; nothing written");
        return Ok(Status::Success);
    }
    let before = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(CliError::failure(format!("could not read `{}`", path.display())).cause(e))
        }
    };
    // Each key is checked alone, with the variables that would win over the file left out:
    // the check is of what was typed.
    let mut verdicts = Vec::new();
    let mut kept = Vec::new();
    for s in &setups {
        let text = with_setups(&before, std::slice::from_ref(s));
        let cfg = parsed(&text, &path)?;
        let entry = entry_of(s.id)?;
        let mut quiet = env.with(entry.key_env, "");
        for (var, _) in entry.settings_env {
            quiet = quiet.with(var, "");
        }
        let verdict = live::check(entry, &cfg, &quiet, ui).await;
        if verdict.refused() {
            ui.warn(&format!(
                "`{}` refused the key; it is not written (run `gpu config init --provider {}` again with the right one)",
                s.id, s.id
            ));
        } else {
            if verdict.status() == Status::Partial {
                ui.warn(&format!(
                    "the key for `{}` could not be checked; it is written: `gpu config check --live` checks it later",
                    s.id
                ));
            }
            kept.push(s.clone());
        }
        verdicts.push(verdict);
    }
    let mut status = Status::Success;
    for v in &verdicts {
        status = status.worst(v.status());
    }
    crate::output::write_stdout(&(live::lines(&verdicts).join("\n") + "\n"))
        .or_else(super::ignore_broken_pipe)?;
    if kept.is_empty() {
        return Ok(status);
    }
    let text = with_setups(&before, &kept);
    parsed(&text, &path)?;
    write_private(&path, &text)?;
    let ids: Vec<&str> = kept.iter().map(|s| s.id).collect();
    ui.note(&format!(
        "wrote {} for {} to `{}` (mode 600); `gpu config check --live` checks them again",
        crate::ui::count(kept.len(), "key"),
        ids.join(", "),
        path.display()
    ));
    for s in &kept {
        let entry = entry_of(s.id)?;
        if env.get(entry.key_env).is_some() {
            ui.warn(&format!(
                "`{}` is set in this environment and wins over the file for `{}`",
                entry.key_env, s.id
            ));
        }
    }
    Ok(status)
}

fn entry_of(id: &str) -> Result<&'static ProviderEntry, CliError> {
    let id = id.trim().to_ascii_lowercase();
    if let Some(e) = choices().find(|e| e.id == id) {
        return Ok(e);
    }
    let ids: Vec<&str> = choices().map(|e| e.id).collect();
    let why = if gpu_providers::entry(&id).is_some() {
        format!("`{id}` takes no API key in `gpu`")
    } else {
        format!("unknown provider `{id}`")
    };
    Err(CliError::usage(why).hint(format!("one of: {}", ids.join(", "))))
}

fn parsed(text: &str, path: &Path) -> Result<Config, CliError> {
    config::parse(text, path).map_err(|e| {
        CliError::failure(format!(
            "`{}` would not read back after adding the keys: {}",
            path.display(),
            e.message
        ))
        .hint("add the keys by hand under `[providers.<id>]` (`api_key = \"...\"`)")
    })
}

/// The answers, from a terminal (keys unechoed) or from a pipe, a line each.
struct Input {
    terminal: bool,
    lines: std::io::Lines<std::io::StdinLock<'static>>,
}

impl Input {
    fn new() -> Input {
        Input {
            terminal: std::io::stdin().is_terminal(),
            lines: std::io::stdin().lock().lines(),
        }
    }

    /// One answer; `secret`: not echoed on a terminal. The end of the input is an error.
    fn line(&mut self, prompt: &str, secret: bool) -> Result<String, CliError> {
        crate::ui::stderr_text(prompt);
        let _echo = (secret && self.terminal).then(NoEcho::new).flatten();
        let line = self.lines.next();
        match line {
            Some(Ok(l)) => Ok(l.trim().to_string()),
            Some(Err(e)) => Err(CliError::failure("could not read the answer").cause(e)),
            None => Err(
                CliError::usage("the input ended before every answer was given")
                    .hint("give one line per question: the provider ids, then each key"),
            ),
        }
    }
}

fn ask_providers(input: &mut Input) -> Result<Vec<String>, CliError> {
    let mut list = String::from("Providers whose key gpu can use:\n");
    for e in choices() {
        let what = if e.capabilities.launch {
            "live prices, renting"
        } else {
            "live prices"
        };
        let vars = crate::lifecycle::key_vars(e.id).replace('`', "");
        list.push_str(&format!("  {:<15} {:<21} {vars}\n", e.id, what));
    }
    crate::ui::stderr_text(&list);
    loop {
        let answer = input.line(
            "Set up which? (ids, comma-separated; empty for none): ",
            false,
        )?;
        let ids: Vec<String> = answer
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        match ids.iter().try_for_each(|id| entry_of(id).map(|_| ())) {
            Ok(()) => return Ok(ids),
            // A person retypes; a script's wrong id is an error naming it.
            Err(e) if input.terminal => crate::ui::stderr_line(&e.message),
            Err(e) => return Err(e),
        }
    }
}

fn ask_key(e: &'static ProviderEntry, input: &mut Input) -> Result<Option<Setup>, CliError> {
    let mut settings = Vec::new();
    for (var, setting) in e.settings_env {
        // Optional settings (AWS's session token) are left to the environment.
        if *setting == "session_token" {
            continue;
        }
        let v = input.line(
            &format!("{} {} (`{var}`): ", e.name, setting.replace('_', " ")),
            false,
        )?;
        if v.is_empty() {
            crate::ui::stderr_line(&format!("{}: skipped", e.id));
            return Ok(None);
        }
        settings.push((*setting, v));
    }
    let hidden = if input.terminal {
        "; not shown as you type"
    } else {
        ""
    };
    let key = input.line(
        &format!("{} API key (`{}`{hidden}): ", e.name, e.key_env),
        true,
    )?;
    if key.is_empty() {
        crate::ui::stderr_line(&format!("{}: skipped", e.id));
        return Ok(None);
    }
    Ok(Some(Setup {
        id: e.id,
        key,
        settings,
    }))
}

/// `text` with each setup's key (and settings) in its `[providers.<id>]` table: a value already
/// there is replaced on its line, a missing one added under the header, a missing table
/// appended. Comments and everything else stay as they were.
pub fn with_setups(text: &str, setups: &[Setup]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for s in setups {
        let header = format!("providers.{}", s.id);
        let mut values: Vec<(&str, String)> =
            s.settings.iter().map(|(k, v)| (*k, v.clone())).collect();
        values.push(("api_key", s.key.clone()));
        let start = lines
            .iter()
            .position(|l| table_name(l) == Some(header.as_str()));
        match start {
            Some(start) => {
                let end = lines[start + 1..]
                    .iter()
                    .position(|l| table_name(l).is_some())
                    .map_or(lines.len(), |i| start + 1 + i);
                let mut insert_at = start + 1;
                for (k, v) in values {
                    let line = format!("{k} = {}", quoted(&v));
                    match (start + 1..end).find(|&i| key_of(&lines[i]) == Some(k)) {
                        Some(i) => lines[i] = line,
                        None => {
                            lines.insert(insert_at, line);
                            insert_at += 1;
                        }
                    }
                }
            }
            None => {
                if lines.last().is_some_and(|l| !l.trim().is_empty()) {
                    lines.push(String::new());
                }
                lines.push(format!("[{header}]"));
                for (k, v) in values {
                    lines.push(format!("{k} = {}", quoted(&v)));
                }
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

fn table_name(line: &str) -> Option<&str> {
    let t = line.trim();
    let inner = t.strip_prefix('[')?.split(']').next()?;
    (!t.starts_with("[[")).then(|| inner.trim())
}

fn key_of(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if t.starts_with('#') {
        return None;
    }
    Some(t.split('=').next()?.trim()).filter(|k| !k.is_empty() && !k.contains(' '))
}

/// A TOML basic string.
fn quoted(v: &str) -> String {
    toml::Value::String(v.to_string()).to_string()
}

/// Write `text` to `path` with mode 600 from the start (never readable by others, even for a
/// moment), through a temporary file renamed over the old one.
fn write_private(path: &Path, text: &str) -> Result<(), CliError> {
    let fail = |what: &str, e: std::io::Error| {
        CliError::failure(format!("could not {what} `{}`", path.display())).cause(e)
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| fail("create the directory of", e))?;
    }
    let tmp = path.with_extension("toml.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(|e| fail("write", e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A temporary file left by an earlier run keeps its mode; set it.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| fail("write", e))?;
    }
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| fail("write", e))?;
    std::fs::rename(&tmp, path).map_err(|e| fail("write", e))
}

/// The terminal's echo turned off while a key is typed, and back on when dropped.
struct NoEcho {
    saved: rustix::termios::Termios,
}

impl NoEcho {
    fn new() -> Option<NoEcho> {
        use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions};
        let stdin = std::io::stdin();
        let saved = tcgetattr(&stdin).ok()?;
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        quiet.local_modes.insert(LocalModes::ECHONL);
        tcsetattr(&stdin, OptionalActions::Now, &quiet).ok()?;
        Some(NoEcho { saved })
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        let _ = rustix::termios::tcsetattr(
            std::io::stdin(),
            rustix::termios::OptionalActions::Now,
            &self.saved,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(id: &'static str, key: &str) -> Setup {
        Setup {
            id,
            key: key.into(),
            settings: Vec::new(),
        }
    }

    #[test]
    fn a_new_table_is_appended_and_comments_stay() {
        let text = "# my settings\ntimeout = 5\n\n[providers.vast]\napi_key = \"v\" # mine\n";
        let out = with_setups(text, &[setup("lambda", "k\"1")]);
        assert_eq!(
            out,
            "# my settings\ntimeout = 5\n\n[providers.vast]\napi_key = \"v\" # mine\n\n[providers.lambda]\napi_key = 'k\"1'\n"
        );
    }

    #[test]
    fn a_key_already_there_is_replaced_on_its_line() {
        let text = "[providers.lambda]\nbase_url = \"https://x\"\napi_key = \"old\"\n\n[providers.vast]\napi_key = \"v\"\n";
        let out = with_setups(text, &[setup("lambda", "new")]);
        assert_eq!(
            out,
            "[providers.lambda]\nbase_url = \"https://x\"\napi_key = \"new\"\n\n[providers.vast]\napi_key = \"v\"\n"
        );
        let aws = Setup {
            id: "aws",
            key: "secret".into(),
            settings: vec![("access_key_id", "AKID".into())],
        };
        let out = with_setups("[providers.aws]\nregions = [\"us-east-1\"]\n", &[aws]);
        assert_eq!(
            out,
            "[providers.aws]\naccess_key_id = \"AKID\"\napi_key = \"secret\"\nregions = [\"us-east-1\"]\n"
        );
    }
}
