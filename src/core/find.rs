//! Finding offers: which GPUs, where, at what price. [`find`] asks every provider in scope
//! (or the cache and the catalog), keeps the offers that match, ranks them and says what the
//! numbers are: live or catalog, of which date, which provider failed.

use std::collections::BTreeMap;

use gpu_providers::{catalog, ErrorKind, Offer, Source};

use crate::config::Config;
use crate::core::Messages;
use crate::env::Env;
use crate::exit::{CliError, Status};
use crate::gather::{self, Outcome, Report};
use crate::notes::{Notes, Rank};
use crate::rank::{self, Filters};
use crate::ui::Ui;

/// Which offers: every field is one condition, and an offer must meet them all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OfferFilter {
    /// GPU models, any spelling (`h100`, `a100-80gb`, `rtx-pro-6000:mig`, `h100:8`); any one
    /// of them matches.
    pub gpus: Vec<String>,
    /// Exactly this many GPUs in one instance.
    pub gpu_count: Option<u32>,
    /// At least this many GPUs in one instance.
    pub min_gpus: Option<u32>,
    /// At least this much memory per GPU, in GB.
    pub min_vram_gb: Option<f64>,
    /// Highest price per GPU-hour, US dollars.
    pub max_price_per_gpu_hour: Option<f64>,
    /// Highest price of the whole instance per hour, US dollars.
    pub max_price_per_hour: Option<f64>,
    /// Places: a continent or group (`eu`), a country (`de`, `germany`), or the start of a
    /// provider's region name (`us-east`); any one of them matches.
    pub regions: Vec<String>,
    /// With `regions`: rows priced for every region (`any`) do not match.
    pub strict_region: bool,
    /// Only these providers (ids as `gpu providers` lists them).
    pub providers: Vec<String>,
    /// `Some(true)`: spot only; `Some(false)`: on-demand only.
    pub spot: Option<bool>,
    /// Only offers the provider says can be launched now.
    pub available: bool,
    /// The total GPU memory must hold this model.
    pub fit: Option<Fit>,
    /// The disk the instance gets, priced in where the provider bills disk by the hour.
    pub disk_gb: Option<u32>,
}

/// The order of offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SortKey {
    /// Price per GPU-hour, then availability
    Price,
    /// Price of the whole instance per hour
    Total,
    /// Memory per GPU, largest first
    Vram,
    /// GPU count, largest first
    Gpus,
    /// Provider id, then price
    Provider,
    /// Price per PFLOP-hour of dense BF16 compute (data-sheet figures), cheapest first
    Value,
    /// Price per TB/s of memory bandwidth per hour, cheapest first
    BandwidthValue,
}

impl SortKey {
    /// A sort key by its name (`price`, `bandwidth-value`), as the command line spells it.
    pub fn named(s: &str) -> Option<SortKey> {
        <SortKey as clap::ValueEnum>::from_str(s.trim(), true).ok()
    }

    /// Every name [`SortKey::named`] takes.
    pub fn names() -> Vec<String> {
        <SortKey as clap::ValueEnum>::value_variants()
            .iter()
            .filter_map(clap::ValueEnum::to_possible_value)
            .map(|v| v.get_name().to_string())
            .collect()
    }
}

/// A model to fit in GPU memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub params_billion: f64,
    pub bytes_per_param: f64,
    pub label: String,
}

/// Headroom over the weights for the KV cache, activations and the runtime.
pub const FIT_HEADROOM: f64 = 1.2;

impl Fit {
    pub fn required_gb(&self) -> f64 {
        self.params_billion * self.bytes_per_param * FIT_HEADROOM
    }

    /// `70b` (BF16), `70b@fp8`, `405b@int4`.
    pub fn parse(s: &str) -> Result<Fit, String> {
        let lower = s.trim().to_ascii_lowercase();
        let (size, dtype) = lower.split_once('@').unwrap_or((&lower, "bf16"));
        let bytes = match dtype {
            "bf16" | "fp16" | "f16" => 2.0,
            "fp8" | "int8" | "i8" | "q8" => 1.0,
            "int4" | "fp4" | "q4" | "i4" => 0.5,
            "fp32" | "f32" => 4.0,
            other => {
                return Err(format!(
                    "unknown data type `{other}`; use bf16, fp16, fp8, int8, int4, fp4 or fp32"
                ))
            }
        };
        let digits = size.strip_suffix('b').ok_or_else(|| {
            format!("`{s}`: write the size in billions of parameters, e.g. 70b or 8b@fp8")
        })?;
        let params: f64 = digits
            .parse()
            .map_err(|_| format!("`{s}`: `{digits}` is not a number"))?;
        if !(params.is_finite() && params > 0.0) {
            return Err(format!("`{s}`: the size must be greater than 0"));
        }
        Ok(Fit {
            params_billion: params,
            bytes_per_param: bytes,
            label: format!("{digits}B@{dtype}"),
        })
    }
}

/// Find the offers that match.
#[derive(Debug, Clone)]
pub struct FindRequest {
    pub filter: OfferFilter,
    pub sort: SortKey,
    /// At most this many offers in [`Found::offers`]; `None`: every one.
    pub limit: Option<usize>,
    /// Ask no provider: answer from cached answers and the catalog.
    pub offline: bool,
    /// Ask every provider again instead of reusing a recent answer.
    pub refresh: bool,
    /// Seconds to wait for each provider.
    pub timeout: Option<f64>,
    /// The answer shows each catalog row's date: the note explains the `~` mark then.
    pub dates_shown: bool,
}

impl FindRequest {
    pub fn new(filter: OfferFilter) -> FindRequest {
        FindRequest {
            filter,
            sort: SortKey::Price,
            limit: None,
            offline: false,
            refresh: false,
            timeout: None,
            dates_shown: false,
        }
    }
}

/// What [`find`] found.
pub struct Found {
    /// The matching offers, ranked, at most `limit` of them.
    pub offers: Vec<Offer>,
    /// How many matched before `limit`.
    pub matched: usize,
    /// Every provider's answer, matching or not (the price history keeps it).
    pub answered: crate::gather::Outcome,
    /// The notes on the answer (where the prices come from, what was left out).
    pub notes: crate::notes::Notes,
    /// Warnings and hints on the answer (a provider that failed, a key to set), to be said
    /// after the answer itself.
    pub said: Messages,
    /// What is said after the notes (how to widen a search that matched nothing).
    pub then: Messages,
    /// What the answer implies: success, partial (a provider failed), no match, auth.
    pub status: Status,
}

impl Found {
    /// Say the warnings, then the notes; then record the live answers in the price history.
    /// `json`: stdout is JSON for a script (notes then only with `-v`).
    pub fn finish(self, json: bool, config: &Config, env: &Env, ui: &Ui) -> Status {
        crate::core::history::record(&self.answered.offers, config, env, ui);
        self.said.say(ui);
        self.notes.print(ui, json, crate::output::table_width(env));
        self.then.say(ui);
        self.status
    }
}

/// Ask, filter, rank, and say what the answer is made of. The warnings it has are in
/// [`Found::said`]; only the spinner and `-v` request lines reach `ui` while it runs.
pub async fn find(
    req: &FindRequest,
    config: &Config,
    env: &Env,
    ui: &Ui,
) -> Result<Found, CliError> {
    rank::check_gpu_names(&req.filter)?;
    let filters = Filters::from_request(&req.filter);
    let mut request = gather::Request::new(config, env, filters.query(), filters.providers.clone());
    request.offline |= req.offline;
    request.refresh = req.refresh;
    request.timeout_flag = req.timeout;
    let answered = gather::gather(request, ui).await?;
    rank::check_regions(&filters.regions, &answered.offers)?;
    // Only the matching offers are copied for ranking; the whole answer stays for the history.
    let mut offers: Vec<Offer> = answered
        .offers
        .iter()
        .filter(|o| filters.matches(o))
        .cloned()
        .collect();
    rank::enrich(&mut offers);
    let mut ranked = rank::rank(offers, &filters, req.sort);
    let matched = ranked.len();
    if let Some(n) = req.limit {
        ranked.truncate(n);
    }
    let mut notes = Notes::new();
    let mut said = Messages::default();
    let mut then = Messages::default();
    if !filters.regions.is_empty() && !ranked.is_empty() && ranked.iter().all(|o| o.region == "any")
    {
        let places = filters.regions.join(", ");
        notes.add(
            Rank::Answer,
            format!("none priced in {places} itself: rows priced `any`"),
            format!("no offer is priced in {places} itself: these rows are priced everywhere (`any`); `--strict-region` leaves them out"),
        );
    }
    let mut status = explain(
        &answered,
        &ranked,
        req.dates_shown,
        &mut notes,
        &mut said,
        config,
        env,
    );
    let unpriced = unpriced_named(&answered, &mut notes);
    if matched == 0 {
        if !unpriced {
            notes.add(Rank::Answer, NO_MATCH, NO_MATCH);
            then.hint("relax a filter (`--max-price`, `--region`, `--available`, `--gpus`); `gpu gpus` lists the GPU names");
        }
        status = status.worst(Status::NoMatch);
    }
    Ok(Found {
        offers: ranked,
        matched,
        answered,
        notes,
        said,
        then,
        status,
    })
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

/// Catalog rows older than `catalog_max_age_days` are named in a warning, and a public catalog
/// that has stopped updating a provider shown says so; otherwise a catalog older than a week
/// gets one note with the command that refreshes it.
fn catalog_age_notes(
    shown: &[Offer],
    dates: &[&str],
    notes: &mut Notes,
    config: &Config,
    env: &Env,
    said: &mut Messages,
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
                said.warn(format!(
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
    said: &mut Messages,
    config: &Config,
    env: &Env,
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
                said.debug(format!("`{}` answered with {offers} offers", p.id));
                for gap in gaps {
                    said.warn(format!("`{}` answered only in part: {gap}", p.id));
                }
            }
            Report::Cached { age, offers } => {
                cached.push(format!(
                    "{} {} ago",
                    p.id,
                    crate::lifecycle::reconcile::short_duration(*age)
                ));
                said.debug(format!("`{}`: {offers} offers from the cache", p.id));
            }
            Report::Failed {
                error,
                configured: true,
            } => {
                said.warn(format!(
                    "skipped `{}`: {}; showing {}",
                    p.id,
                    error.message,
                    date_of(p.id)
                ));
                if error.kind == ErrorKind::Auth {
                    let key_env = gpu_providers::entry(p.id).map_or("", |e| e.key_env);
                    said.hint(format!(
                        "check `{key_env}` or `api_key` under {}, then run `gpu config check`",
                        config_place(p.id)
                    ));
                    status = status.worst(Status::Auth);
                } else if error.kind == ErrorKind::BadResponse {
                    said.hint("the provider's API may have changed; please report this with the output of `gpu --version`");
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
                said.debug(format!("`{}`: {}", p.id, error.message));
            }
            Report::NoKey { key_env } if p.named => {
                said.warn(format!(
                    "`{}` has no API key; showing {}",
                    p.id,
                    date_of(p.id)
                ));
                said.hint(format!(
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
        catalog_age_notes(shown, &dates, notes, config, env, said);
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
