//! `gpu completions <SHELL>` and `gpu man [--dir DIR]`: what clap generates from the command
//! definition.

use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};
use crate::commands::providers::ignore_broken_pipe;
use crate::exit::{CliError, Status};
use crate::output;
use crate::ui::Ui;

pub fn generate(shell: clap_complete::Shell) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "gpu", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

pub fn run(shell: clap_complete::Shell) -> Result<Status, CliError> {
    output::write_stdout(&generate(shell)).or_else(ignore_broken_pipe)?;
    Ok(Status::Success)
}

/// The man page, from the same definition. Its version is the package's alone, so the shipped
/// file does not go stale with every commit.
pub fn man_page() -> String {
    render(clap_mangen::Man::new(man_command()))
}

/// The command as the pages describe it: no `help` subcommand (`gpu help` has no page), and
/// built, which names each subcommand by its path (`gpu-find`).
fn man_command() -> clap::Command {
    let mut cmd = Cli::command()
        .version(env!("CARGO_PKG_VERSION"))
        .disable_help_subcommand(true);
    cmd.build();
    cmd
}

fn render(man: clap_mangen::Man) -> String {
    let mut buf = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = man.render(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// Every page: `gpu.1` first (as [`man_page`] prints it), then one per subcommand at any depth
/// (`gpu-find.1`, `gpu-catalog-refresh.1`), the names `gpu.1` refers to.
pub fn man_pages() -> Vec<(String, String)> {
    fn walk(cmd: &clap::Command, out: &mut Vec<(String, String)>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let man = clap_mangen::Man::new(sub.clone());
            out.push((man.get_filename(), render(man)));
            walk(sub, out);
        }
    }
    let mut out = vec![("gpu.1".to_string(), man_page())];
    walk(&man_command(), &mut out);
    out
}

pub fn man(args: &ManArgs, ui: &Ui) -> Result<Status, CliError> {
    let Some(dir) = &args.dir else {
        output::write_stdout(&man_page()).or_else(ignore_broken_pipe)?;
        return Ok(Status::Success);
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::failure(format!("could not create `{}`", dir.display())).cause(e))?;
    let pages = man_pages();
    for (name, text) in &pages {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| {
            CliError::failure(format!("could not write `{}`", path.display())).cause(e)
        })?;
    }
    ui.note(&format!(
        "wrote {} to `{}`; `man gpu-find` once the directory is on MANPATH",
        crate::ui::count(pages.len(), "man page"),
        dir.display()
    ));
    Ok(Status::Success)
}
