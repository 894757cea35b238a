//! The command line, as clap sees it. Only definitions live here; `commands/` does the work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use crate::core::find::{Fit, SortKey};
pub use crate::output::Format;
pub use crate::ui::ColorChoice;

macro_rules! exit_codes {
    () => {
        "\
Exit codes:
  0    success
  1    failure: nothing useful was produced, or a release could not be confirmed
  2    usage or configuration error
  3    partial results: output printed, but a provider you configured failed
  4    authentication: a provider you configured or named has no key, or rejected it
  5    no offer matched the filters
  6    `up --wait`: the instance did not become reachable in time (it is still running)
  7    `up`: no capacity on any offer tried
  130  interrupted (Ctrl-C)
  143  terminated (SIGTERM, e.g. a cancelled CI job)"
    };
}

const EXIT_CODES: &str = exit_codes!();

macro_rules! with_examples {
    ($examples:literal) => {
        concat!("Examples:\n", $examples, "\n\n", exit_codes!())
    };
}

const RUN_EXIT_CODES: &str = "\
Examples:
  gpu run --h100 --max-price 3 --yes -- nvidia-smi            rent, run one command, release
  gpu run --a100 --sync .:work --max-time 2h --yes -- python train.py --epochs 3
  gpu run --h100 --env HF_TOKEN --json --yes -- ./bench.sh    one JSON object at the end
  gpu run --gpu l4 --keep --yes -- 'pip install -r req.txt'   keep it for `gpu ssh` after

Exit codes:
  0-255  CMD's own exit code, when renting, copying and releasing all worked
         (SSH dropping meanwhile is not an end: gpu connects again and the output goes on)
  1      the launch was not confirmed, or gpu failed on this machine (its data directory,
         running ssh); anything created was released
  2      usage or configuration error (nothing was rented)
  121    the run reached `--max-cost` and was stopped (the instance was released)
  122    the release failed or was not confirmed: the instance may still bill (this wins
         over every other code; the message names the instance and the `gpu down` command)
  123    `--sync` could not copy DIR (the instance was released)
  124    CMD ran past `--max-time` and was stopped (the instance was released)
  125    renting failed: no offer, no capacity, or the instance never took an SSH login
         (anything created was released)
  130    interrupted by Ctrl-C: the instance was released (a second Ctrl-C stops waiting,
         and says what may still bill and how to release it)
  143    terminated by SIGTERM, e.g. a cancelled CI job (as 130)
  255    the provider says the instance is gone (preempted, stopped) while CMD ran";

/// Parse the process's arguments, or exit 2 with clap's message. A flag typed in capitals
/// (`--H100`, the spelling on a data sheet) is pointed at its lower-case self, where clap's own
/// tip would name the nearest other flag (`--a100`).
pub fn parse() -> Cli {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(mut e) => {
            use clap::error::{ContextKind, ContextValue};
            if let Some(lower) = lower_case_flag(&e, &args) {
                let old = e.insert(
                    ContextKind::SuggestedArg,
                    ContextValue::String(lower.clone()),
                );
                // The usage line shows the flag clap suggested; show the right one.
                if let (Some(ContextValue::String(old)), Some(ContextValue::StyledStr(usage))) =
                    (old, e.get(ContextKind::Usage))
                {
                    let fixed = usage.ansi().to_string().replace(&old, &lower);
                    e.insert(
                        ContextKind::Usage,
                        ContextValue::StyledStr(clap::builder::StyledStr::from(fixed)),
                    );
                }
            }
            e.exit()
        }
    }
}

/// The lower-case form of the unknown flag in `e`, when that form is a flag here.
fn lower_case_flag(e: &clap::Error, args: &[std::ffi::OsString]) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(bad)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let flag = bad.split('=').next()?;
    if !flag.starts_with("--") || !flag.chars().any(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let lower = flag.to_ascii_lowercase();
    let fixed: Vec<std::ffi::OsString> = args
        .iter()
        .map(|a| match a.to_str() {
            Some(s) if s == bad => s.replacen(flag, &lower, 1).into(),
            _ => a.clone(),
        })
        .collect();
    // The fixed line must get past this flag: it parses, or fails for another reason.
    match Cli::try_parse_from(&fixed) {
        Ok(_) => Some(lower),
        Err(f) => {
            let same = f.kind() == ErrorKind::UnknownArgument
                && matches!(f.get(ContextKind::InvalidArg), Some(ContextValue::String(b)) if b.to_ascii_lowercase() == lower);
            (!same).then_some(lower)
        }
    }
}

/// `0.1.0 (commit 1a2b3c4d5e6f, embedded catalog of 2026-12-01)`.
fn version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        format!(
            "{} (commit {}, embedded catalog of {})",
            env!("CARGO_PKG_VERSION"),
            env!("GPU_BUILD_COMMIT"),
            gpu_providers::catalog::NEWEST
        )
    })
}

#[derive(Debug, Parser)]
#[command(
    name = "gpu",
    version = version(),
    about = "Find, compare and rent cloud GPUs from one command",
    long_about = "Find, compare and rent cloud GPUs from one command.\n\n\
        `gpu find` asks every configured cloud at once and ranks the offers by price per GPU-hour. \
        Without keys or a network it answers from a catalog of public list prices built into the binary, \
        and says so.",
    after_help = EXIT_CODES,
    propagate_version = true,
    // A flag given again wins over the first (`alias h100='gpu find --h100 --max-price 3'`,
    // then `h100 --max-price 2`), as in gh and ripgrep; repeatable flags still add up.
    args_override_self = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]
    #[arg(long, global = true, value_name = "PATH", env = crate::env::CONFIG)]
    pub config: Option<PathBuf>,
    /// Show each request (method, URL, status, time) on stderr; secrets are redacted
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to use colour on stderr
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Never show a progress spinner
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// No notes on stderr: only warnings, errors and the data
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List GPU offers from every cloud, ranked by price per GPU-hour
    #[command(after_help = with_examples!("  gpu find --h100 --max-price 3              the cheapest H100s under $3/GPU-hour
  gpu find --gpu a100-80gb --gpus 8 --spot   8x A100 80GB, interruptible
  gpu find --fit 70b --sort value --json     what holds a 70B model, best value, as JSON
  gpu find --offline --provider nebius       from the catalog only"))]
    Find(FindArgs),
    /// Rent the cheapest matching GPU (or the offer you name) and record it in the ledger
    #[command(after_help = with_examples!("  gpu up --h100 --max-price 3 --wait --ttl 2h      rent, wait for SSH, end in 2 hours
  gpu up lambda:gpu_1x_h100_pcie@us-west-1 --yes   exactly the offer `gpu find` showed
  gpu up --name ci-42 --yes --json                 re-running finds the same instance
  gpu up --h100 --env HF_TOKEN --dry-run           what would be sent, secrets masked"))]
    Up(Box<UpArgs>),
    /// Release instances and confirm with the provider that they are gone
    #[command(after_help = with_examples!("  gpu down gpu-ci-42 --yes --missing-ok     a cleanup step that may run twice
  gpu down --all                            everything this machine's ledger holds
  gpu down --expired --yes --every 5m       a sweeper for every overdue instance
  gpu down --orphans --yes                  this owner's instances the ledger lost"))]
    Down(DownArgs),
    /// List the instances this tool launched, on every provider, with what they cost so far
    #[command(after_help = with_examples!("  gpu ls                       what runs, whose, since when, what it cost so far
  gpu ls --json                the same for scripts (owner, mine, deadline, overdue)
  gpu ls --history --csv       released and failed launches too"))]
    Ls(LsArgs),
    /// Open an SSH session to an instance, or run a command on it
    Ssh(SshArgs),
    /// Rent a GPU, run a command on it, release it: one command from offer to result
    #[command(after_help = RUN_EXIT_CODES)]
    Run(Box<RunArgs>),
    /// Keep asking, and report offers that newly match or change price
    #[command(after_help = EXIT_CODES)]
    Watch(WatchArgs),
    /// Lowest and median prices per provider and day, from every live answer seen
    History(HistoryArgs),
    /// Show every provider: configured or not, live or catalog-only, what it can do
    Providers(ProvidersArgs),
    /// List the GPU names `--gpu` knows, with memory and the data-sheet figures `--sort value` uses
    Gpus(ProvidersArgs),
    /// The price catalog used for offline answers
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Inspect the configuration
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Serve GPU finding and renting to AI agents over MCP (stdio), within the `[agent]` limits
    #[command(after_help = with_examples!("  gpu mcp                  find, history, launch, list, release, run (launches need `[agent] budget_usd`)
  gpu mcp --read-only      find and history only"))]
    Mcp(McpArgs),
    /// Put `gpu down --expired --yes` on a scheduler, so deadlines fire with no machine of yours
    #[command(subcommand)]
    #[command(after_help = with_examples!("  gpu sweeper install --github        a scheduled workflow, keys from repository secrets
  gpu sweeper install --systemd       a user timer on this machine, every 5 minutes
  gpu sweeper status                  what is installed here"))]
    Sweeper(SweeperCommand),
    /// Checks that rent: whether a deadline ends an instance with no sweeper running
    #[command(subcommand)]
    Doctor(DoctorCommand),
    /// Print a shell completion script
    Completions {
        /// The shell to generate for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), as shipped in `man/gpu.1`; `--dir` writes one per subcommand
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write every page (`gpu.1`, `gpu-find.1`, `gpu-catalog-refresh.1`, ...) into DIR,
    /// creating it: `gpu man --dir ~/.local/share/man/man1`
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Ask every live provider and keep the answers as your own catalog (preferred offline)
    Refresh {
        /// Seconds to wait for each provider
        #[arg(long, value_name = "SECS", value_parser = positive_number, allow_negative_numbers = true)]
        timeout: Option<f64>,
    },
    /// Say where each provider's offline numbers come from and how old they are
    Show {
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum DoctorCommand {
    /// Rent each provider's cheapest instance with a short deadline, release nothing, and see
    /// whether it ends by itself at the deadline or needs a sweeper (it costs money: it asks)
    Deadlines(DoctorDeadlinesArgs),
}

#[derive(Debug, Args)]
pub struct DoctorDeadlinesArgs {
    /// Only these providers [default: every provider you can launch on]; repeatable
    #[arg(long, value_name = "ID")]
    pub provider: Vec<String>,
    /// The deadline each instance gets
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = humantime::parse_duration)]
    pub ttl: std::time::Duration,
    /// How long past the deadline to wait for the provider to end it
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
    pub grace: std::time::Duration,
    /// Rent without asking (required when stdin is not a terminal)
    #[arg(short, long)]
    pub yes: bool,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SweeperCommand {
    /// Write the scheduler's files for a sweeper every 5 minutes, and enable them where it can
    Install(SweeperInstallArgs),
    /// Say which sweepers are installed on this machine
    Status {
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("scheduler").required(true).args(["github", "systemd", "cron", "launchd"])))]
pub struct SweeperInstallArgs {
    /// A scheduled GitHub Actions workflow [default path: .github/workflows/gpu-sweeper.yml]
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = crate::sweeper::DEFAULT_WORKFLOW)]
    pub github: Option<std::path::PathBuf>,
    /// A systemd user service and timer in the XDG config dir
    #[arg(long)]
    pub systemd: bool,
    /// A line in your crontab
    #[arg(long)]
    pub cron: bool,
    /// A launchd agent in ~/Library/LaunchAgents (macOS)
    #[arg(long)]
    pub launchd: bool,
    /// Build gpu in the GitHub workflow from this git URL (`cargo install --git`) instead of
    /// installing the release of this version [env: GPU_REPO]
    #[arg(long, value_name = "GIT_URL")]
    pub from: Option<String>,
    /// Write the files only; say how to enable them
    #[arg(long)]
    pub no_enable: bool,
    /// Print what was installed as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the path of the config file in use
    Path,
    /// Check the config file and show which providers are usable (keys masked); `--live` asks
    /// each provider with a key whether it takes it
    Check(CheckArgs),
    /// Set up keys as `gh auth login` does: asks which providers, takes each key without echo,
    /// writes the config with mode 600 and checks each key with its provider
    Init(InitArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Ask each provider that has a key whether it takes it (prices, and listing instances
    /// where `gpu` rents); exit 4 when one refuses
    #[arg(long)]
    pub live: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Set up these providers without asking which (repeatable); their keys are still asked
    /// for, or read a line each from stdin when it is not a terminal
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub provider: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ProvidersArgs {
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format [default: table at a terminal, tsv when stdout is piped]
    #[arg(short = 'o', long = "format", value_enum)]
    pub format: Option<Format>,
    /// Shorthand for `--format json`
    #[arg(long, conflicts_with_all = ["format", "csv"])]
    pub json: bool,
    /// Shorthand for `--format csv`
    #[arg(long, conflicts_with_all = ["format", "json"])]
    pub csv: bool,
    /// Leave out the header line of a table, CSV or TSV
    #[arg(long)]
    pub no_header: bool,
    /// Filter the JSON output with a jq expression (built in; strings print raw, as `jq -r`)
    #[arg(long, value_name = "EXPR", conflicts_with_all = ["format", "csv"])]
    pub jq: Option<String>,
}

impl OutputArgs {
    /// The format asked for, or what the command prints for a table-only option (`--wide`)
    /// when none was.
    pub fn format_or_table(&self, table: bool) -> Format {
        match (
            self.format,
            self.json || self.csv || self.jq.is_some(),
            table,
        ) {
            (None, false, true) => Format::Table,
            _ => self.format(),
        }
    }

    pub fn format(&self) -> Format {
        if self.json || self.jq.is_some() {
            Format::Json
        } else if self.csv {
            Format::Csv
        } else {
            self.format.unwrap_or_else(Format::default_for_stdout)
        }
    }
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Filters")]
pub struct FilterArgs {
    /// GPU model, any spelling: h100, H100-SXM, a100-80gb, rtx4090 (repeat or comma-separate)
    #[arg(long = "gpu", value_name = "NAME", value_delimiter = ',',
          value_parser = Completing(gpu_providers::gpu::spellings), hide_possible_values = true)]
    pub gpu: Vec<String>,
    /// Same as `--gpu h100`
    #[arg(long)]
    pub h100: bool,
    /// Same as `--gpu h200`
    #[arg(long)]
    pub h200: bool,
    /// Same as `--gpu b200`
    #[arg(long)]
    pub b200: bool,
    /// Same as `--gpu a100`
    #[arg(long)]
    pub a100: bool,
    /// Same as `--gpu l40s`
    #[arg(long)]
    pub l40s: bool,
    /// Same as `--gpu l4`
    #[arg(long)]
    pub l4: bool,
    /// Same as `--gpu a10`
    #[arg(long)]
    pub a10: bool,
    /// Same as `--gpu rtx4090`
    #[arg(long)]
    pub rtx4090: bool,
    /// Same as `--gpu rtx5090`
    #[arg(long)]
    pub rtx5090: bool,
    /// Same as `--gpu mi300x`
    #[arg(long)]
    pub mi300x: bool,
    /// Exactly N GPUs per instance
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub gpus: Option<u32>,
    /// At least N GPUs per instance
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..), conflicts_with = "gpus")]
    pub min_gpus: Option<u32>,
    /// At least this much memory per GPU, in GB
    #[arg(long, value_name = "GB", value_parser = positive_number, allow_negative_numbers = true)]
    pub min_vram: Option<f64>,
    /// Highest price per GPU-hour, in US dollars (not per instance; see --max-total)
    #[arg(long, value_name = "USD", value_parser = positive_number, allow_negative_numbers = true)]
    pub max_price: Option<f64>,
    /// Highest price of the whole instance per hour, in US dollars
    #[arg(long, value_name = "USD", value_parser = positive_number, allow_negative_numbers = true)]
    pub max_total: Option<f64>,
    /// Where: a continent or group (eu, na, apac), a country (de, germany, us), or the start of
    /// a provider's region name (us-east, FIN-01); repeat or comma-separate
    #[arg(long, value_name = "PLACE", value_delimiter = ',')]
    pub region: Vec<String>,
    /// With --region: leave out rows priced for every region (`any`)
    #[arg(long, requires = "region")]
    pub strict_region: bool,
    /// Only these providers (repeat or comma-separate); see `gpu providers`
    #[arg(long, value_name = "ID", value_delimiter = ',',
          value_parser = Completing(gpu_providers::known_ids), hide_possible_values = true)]
    pub provider: Vec<String>,
    /// Only spot / interruptible offers
    #[arg(long, conflicts_with = "on_demand")]
    pub spot: bool,
    /// Only on-demand offers
    #[arg(long)]
    pub on_demand: bool,
    /// Only offers the provider says can be launched now
    #[arg(long)]
    pub available: bool,
    /// Only offers whose total GPU memory holds a model of this size plus 20% headroom:
    /// `70b` (BF16, 2 bytes a parameter), `70b@fp8`, `405b@int4`
    #[arg(long, value_name = "SIZE[@DTYPE]", value_parser = parse_fit)]
    pub fit: Option<Fit>,
    /// Disk in GB for the instance, as `up` asks for it: priced in where the provider bills
    /// disk by the hour (Vast, RunPod) [default: what `up` asks for by default]
    #[arg(long, value_name = "GB", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub disk: Option<u32>,
}

fn parse_fit(s: &str) -> Result<Fit, String> {
    Fit::parse(s)
}

#[derive(Debug, Args)]
pub struct FindArgs {
    /// GPU models, as `--gpu` takes them (`gpu find h100 a100:8`, the `sky show-gpus H100` habit)
    #[arg(value_name = "GPU")]
    pub gpu_names: Vec<String>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Order of the results
    #[arg(long, value_enum, default_value_t = SortKey::Price)]
    pub sort: SortKey,
    /// Show at most N offers (tables show 30 unless told otherwise)
    #[arg(long, value_name = "N", conflicts_with = "all", value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: Option<u32>,
    /// Show every offer in a table
    #[arg(long)]
    pub all: bool,
    /// Tables: add the offer id (what `gpu up` takes) and each catalog row's date and source
    #[arg(long, short = 'w')]
    pub wide: bool,
    /// One row per GPU model: how many offers, the cheapest on-demand and spot price per
    /// GPU-hour (US dollars), and where (the default at a terminal without a GPU filter)
    #[arg(long, conflicts_with_all = ["columns", "wide"])]
    pub summary: bool,
    /// Only these fields, in this order, for the table, CSV and TSV (JSON names, e.g.
    /// `provider,offer_id,price_per_hour_usd`)
    #[arg(long, value_name = "FIELDS", value_delimiter = ',')]
    pub columns: Option<Vec<String>>,
    /// Don't ask any provider: answer from cached answers (of any age) and the catalog
    #[arg(long, conflicts_with = "refresh")]
    pub offline: bool,
    /// Ask every provider again instead of reusing answers younger than `cache_ttl`
    #[arg(long)]
    pub refresh: bool,
    /// Seconds to wait for each provider [default: 10, or `timeout` in the config]
    #[arg(long, value_name = "SECS", value_parser = positive_number, allow_negative_numbers = true)]
    pub timeout: Option<f64>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    #[command(flatten)]
    pub launch: LaunchArgs,
    /// Wait until the instance runs and its SSH port answers
    #[arg(long)]
    pub wait: bool,
    /// Print one JSON object (and nothing else) on stdout
    #[arg(long)]
    pub json: bool,
}

/// What `up` and `run` share: which offer, and what to launch on it.
#[derive(Debug, Args)]
pub struct LaunchArgs {
    /// An offer id from `gpu find` (e.g. `lambda:gpu_1x_h100_pcie@us-east-1`); without one, the
    /// cheapest live offer matching the filters is launched
    #[arg(value_name = "OFFER_ID")]
    pub offer: Option<String>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// SSH public key file, or the name of a key registered with the provider
    /// [default: `ssh_key` in the config, else ~/.ssh/id_ed25519.pub or ~/.ssh/id_rsa.pub]
    #[arg(long, value_name = "PATH|NAME")]
    pub ssh_key: Option<String>,
    /// Instance name (prefixed with `gpu-`); re-running `up` with the same name finds the
    /// instance instead of launching a second one
    #[arg(long)]
    pub name: Option<String>,
    /// Label recorded in the ledger, for `gpu ls` and `gpu down --label` (repeatable)
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = parse_label)]
    pub labels: Vec<(String, String)>,
    /// Container or machine image, where the provider takes one
    #[arg(long)]
    pub image: Option<String>,
    /// Environment variable for the instance (repeatable); `--env NAME` alone takes NAME's value
    /// from here. Values of names like *KEY*, *TOKEN*, *SECRET*, *PASSWORD* are never printed
    // Checked in `lifecycle::boot`, not by clap, whose errors would echo a secret value.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Script the instance runs as root once at boot (cloud-init `user_data` on Lambda, `onstart`
    /// on Vast); providers that cannot run one are refused before anything is created
    #[arg(long, value_name = "FILE")]
    pub startup_script: Option<std::path::PathBuf>,
    /// How long to wait for the instance to run and answer on SSH
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = parse_duration, allow_hyphen_values = true)]
    pub wait_timeout: std::time::Duration,
    /// Set a deadline, kept at the provider: `gpu ls` on any machine flags the instance once it
    /// passes and `gpu down --expired` releases it; Vast instances end themselves (e.g. 2h, 30m)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true)]
    pub ttl: Option<std::time::Duration>,
    /// Look offers up, but send nothing that creates anything: print the requests instead
    #[arg(long)]
    pub dry_run: bool,
    /// Don't ask for confirmation (required when stdin is not a terminal)
    #[arg(short, long)]
    pub yes: bool,
    /// Order in which offers are tried [default: total, the whole instance's price per hour]
    #[arg(long, value_enum, value_name = "KEY")]
    pub sort: Option<SortKey>,
    /// Offers to try, in `--sort` order, when a provider has no capacity
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
    /// Seconds to wait for each provider's API
    #[arg(long, value_name = "SECS", value_parser = positive_number, allow_negative_numbers = true)]
    pub timeout: Option<f64>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub launch: LaunchArgs,
    /// Copy DIR to the instance before CMD runs (to REMOTE, relative to the home directory;
    /// default: DIR's own name); CMD then runs in it
    #[arg(long, value_name = "DIR[:REMOTE]")]
    pub sync: Option<String>,
    /// Keep the instance after CMD ends (print how to reach and release it)
    #[arg(long)]
    pub keep: bool,
    /// Stop CMD after this long and release the instance (exit 124)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true)]
    pub max_time: Option<std::time::Duration>,
    /// Stop CMD before the run costs more than this (price times time since the create, by
    /// started minute), copy back, release (exit 121)
    #[arg(long, value_name = "USD", value_parser = positive_number, allow_negative_numbers = true)]
    pub max_cost: Option<f64>,
    /// Copy REMOTE (relative to where CMD runs) back to LOCAL [default: its own name here]
    /// whenever the run ends: success, failure, `--max-time`, `--max-cost`, Ctrl-C, SIGTERM
    #[arg(long, value_name = "REMOTE[:LOCAL]")]
    pub sync_back: Option<String>,
    /// When the provider says the instance is gone mid-command (preempted, stopped, failed;
    /// never SSH failing alone): release it, rent again from the cheapest match, sync again
    /// and run CMD again with `GPU_RUN_ATTEMPT` set, up to N times
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=20))]
    pub recover: u32,
    /// Private key for SSH [default: the private half of the key `--ssh-key` names]
    #[arg(long, value_name = "FILE")]
    pub identity: Option<std::path::PathBuf>,
    /// Print one JSON object on stdout at the end; CMD's own output then goes to stderr
    #[arg(long)]
    pub json: bool,
    /// The command to run on the instance: one argument is a shell line (`'make && ./bench'`),
    /// several are a program and its arguments, passed exactly
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DownArgs {
    /// Instances to release: `provider:id`, an id, or a name from `gpu ls` (a name is looked
    /// up in this machine's ledger first)
    #[arg(value_name = "INSTANCE")]
    pub ids: Vec<String>,
    /// Every instance in this machine's ledger that may be running
    #[arg(long)]
    pub all: bool,
    /// Instances with this label (repeatable: all must match)
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = parse_label)]
    pub labels: Vec<(String, String)>,
    /// Every instance `gpu` created that is past its `--ttl` deadline (kept at the provider),
    /// whichever machine or owner launched it
    #[arg(long)]
    pub expired: bool,
    /// Instances this owner launched that the ledger lost (never another owner's, never one
    /// `gpu` did not create)
    #[arg(long)]
    pub orphans: bool,
    /// Every instance carrying this owner id at the provider, whichever ledger lost it;
    /// `agent` is the owner id of what `gpu mcp` launched from here
    #[arg(long, value_name = "OWNER")]
    pub owner: Option<String>,
    /// Exit 0 when a named instance is already gone (for cleanup steps that may run twice)
    #[arg(long)]
    pub missing_ok: bool,
    /// Run as a sweeper: repeat every DURATION until Ctrl-C (or `--rounds`); with `--expired`
    /// or `--orphans`
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true)]
    pub every: Option<std::time::Duration>,
    /// With `--every`: stop after N rounds
    #[arg(long, value_name = "N", requires = "every", value_parser = clap::value_parser!(u32).range(1..))]
    pub rounds: Option<u32>,
    /// Don't ask for confirmation (required when stdin is not a terminal)
    #[arg(short, long)]
    pub yes: bool,
    /// Print a JSON array of results on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Time between rounds (at least 10s)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration, allow_hyphen_values = true)]
    pub interval: std::time::Duration,
    /// Exit 0 at the first match (`gpu watch --h100 --max-price 2 --once && gpu up ...`)
    #[arg(long)]
    pub once: bool,
    /// Run this shell command for each new or changed offer, with the offer as JSON on stdin
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// Stop after N rounds (exit 5 if nothing matched)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rounds: Option<u32>,
    /// Print one JSON object per event (`{"event": "new"|"price", "offer": {...}}`)
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// How many days back, today included
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: u32,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct McpArgs {
    /// Offer only the tools that read (find offers, price history): nothing can be rented
    #[arg(long)]
    pub read_only: bool,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Also show released and failed launches from the ledger
    #[arg(long)]
    pub history: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(after_help = SSH_AFTER_HELP)]
pub struct SshArgs {
    /// `provider:id`, an id, or a name from `gpu ls`
    pub instance: String,
    /// Private key to log in with [default: the private half of the key `gpu up` used, when
    /// that was a local file]
    #[arg(short = 'i', long, value_name = "FILE")]
    pub identity: Option<std::path::PathBuf>,
    /// An ssh option, as `ssh -o` takes it (repeatable; e.g. `LocalForward=8888 localhost:8888`)
    #[arg(short = 'o', long = "ssh-option", value_name = "OPTION")]
    pub ssh_options: Vec<String>,
    /// Print the command instead of running it, quoted for a POSIX shell
    #[arg(long)]
    pub print: bool,
    /// A command to run on the instance instead of a login shell: one argument is a shell line
    /// (`'nvidia-smi | head'`), several are a program and its arguments, passed exactly
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

const SSH_AFTER_HELP: &str = "\
Host keys: a new instance's host key is accepted on first use and kept in gpu's own
known_hosts file (in the data directory: `gpu config path` shows it), never in
~/.ssh/known_hosts; each instance has its own entry, and a key that changes for the same
instance is refused.

Exit status: the remote command's own, or 255 when ssh itself fails (as ssh does).";

fn parse_label(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    if s.trim().starts_with('-') {
        return Err(format!(
            "`{s}`: a duration cannot be negative; write e.g. 90s, 30m, 2h"
        ));
    }
    let d = humantime::parse_duration(s.trim())
        .map_err(|_| format!("`{s}` is not a duration; write e.g. 90s, 30m, 2h"))?;
    if d.is_zero() {
        Err("the duration must be longer than zero".to_string())
    } else {
        Ok(d)
    }
}

fn positive_number(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .trim_start_matches('$')
        .parse()
        .map_err(|_| format!("`{s}` is not a number"))?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("`{s}` must be a number greater than 0"))
    }
}

impl GlobalArgs {
    /// The stderr these flags ask for.
    pub fn ui(&self, env: &crate::env::Env) -> crate::ui::Ui {
        crate::ui::Ui::new(
            self.color,
            self.verbose > 0,
            !self.no_progress,
            self.quiet,
            env,
        )
    }
}

impl LaunchArgs {
    /// What to rent, as the core takes it. `json`: stdout is one JSON object.
    pub fn to_request(&self, json: bool) -> crate::core::rent::RentRequest {
        crate::core::rent::RentRequest {
            offer: self.offer.clone(),
            filter: self.filters.to_filter(),
            ssh_key: self.ssh_key.clone(),
            name: self.name.clone(),
            labels: self.labels.clone(),
            image: self.image.clone(),
            env: self.env.clone(),
            startup_script: self.startup_script.clone(),
            wait_timeout: self.wait_timeout,
            ttl: self.ttl,
            dry_run: self.dry_run,
            yes: self.yes,
            sort: self.sort,
            max_attempts: self.max_attempts,
            timeout: self.timeout,
            owner: None,
            budget: None,
            wait: false,
            json,
        }
    }
}

impl RunArgs {
    pub fn to_request(&self) -> crate::core::run::RunRequest {
        crate::core::run::RunRequest {
            rent: self.launch.to_request(self.json),
            sync: self.sync.clone(),
            keep: self.keep,
            max_time: self.max_time,
            max_cost: self.max_cost,
            sync_back: self.sync_back.clone(),
            recover: self.recover,
            identity: self.identity.clone(),
            command: self.command.clone(),
        }
    }
}

impl FilterArgs {
    /// The filters as the core takes them.
    pub fn to_filter(&self) -> crate::core::find::OfferFilter {
        crate::core::find::OfferFilter {
            gpus: self.gpu_names(),
            gpu_count: self.gpus,
            min_gpus: self.min_gpus,
            min_vram_gb: self.min_vram,
            max_price_per_gpu_hour: self.max_price,
            max_price_per_hour: self.max_total,
            regions: self.region.clone(),
            strict_region: self.strict_region,
            providers: self.provider.clone(),
            spot: if self.spot {
                Some(true)
            } else if self.on_demand {
                Some(false)
            } else {
                None
            },
            available: self.available,
            fit: self.fit.clone(),
            disk_gb: self.disk,
        }
    }

    /// Every GPU name asked for, shorthands included.
    pub fn gpu_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .gpu
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let shorthands = [
            (self.h100, "h100"),
            (self.h200, "h200"),
            (self.b200, "b200"),
            (self.a100, "a100"),
            (self.l40s, "l40s"),
            (self.l4, "l4"),
            (self.a10, "a10"),
            (self.rtx4090, "rtx4090"),
            (self.rtx5090, "rtx5090"),
            (self.mi300x, "mi300x"),
        ];
        names.extend(
            shorthands
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, n)| n.to_string()),
        );
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn model_sizes_parse() {
        let f = parse_fit("70b").unwrap();
        assert_eq!(f.required_gb(), 70.0 * 2.0 * 1.2);
        assert_eq!(parse_fit("70B@FP8").unwrap().bytes_per_param, 1.0);
        assert_eq!(
            parse_fit("405b@int4").unwrap().required_gb(),
            405.0 * 0.5 * 1.2
        );
        assert!(parse_fit("70").is_err());
        assert!(parse_fit("70b@fp3").is_err());
        assert!(parse_fit("-1b").is_err());
    }

    #[test]
    fn numbers_are_checked() {
        assert_eq!(positive_number("3"), Ok(3.0));
        assert_eq!(positive_number("$2.5"), Ok(2.5));
        assert!(positive_number("abc").is_err());
        assert!(positive_number("-1").is_err());
        assert!(positive_number("0").is_err());
        assert!(positive_number("NaN").is_err());
    }

    #[test]
    fn shorthands_and_lists_combine() {
        let cli = Cli::try_parse_from(["gpu", "find", "--h100", "--gpu", "a100,l40s"]).unwrap();
        let Command::Find(args) = cli.command else {
            panic!("not find")
        };
        assert_eq!(args.filters.gpu_names(), ["a100", "l40s", "h100"]);
    }
}

/// A value parser that takes any string but offers `names()` to the shell completions: provider
/// ids and GPU spellings complete, while plugins, catalog-only providers and the check with
/// "did you mean" stay with the command.
#[derive(Clone)]
pub struct Completing(pub fn() -> Vec<&'static str>);

impl clap::builder::TypedValueParser for Completing {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            (self.0)()
                .into_iter()
                .map(clap::builder::PossibleValue::new),
        ))
    }
}
