//! The tools `gpu mcp` offers, each the core capability a CLI command uses: `find_offers` is
//! `gpu find --json`, `price_history` is `gpu history --json`, `launch` is `gpu up --json`
//! under the `[agent]` guardrails, `list_instances` is `gpu ls --json`, `release` is `gpu down
//! --json` (agents' instances only) and `run_command` is `gpu run --json` under the
//! guardrails. Each tool's parameters become the core's typed request here; its result is the
//! value the command prints as JSON.

use std::collections::BTreeMap;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ServerCapabilities, ServerConfig};
use rmcp::{tool, tool_handler, tool_router, Peer, RoleServer, ServerHandler};
use schemars::JsonSchema;
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::core::find::{FindRequest, Fit, OfferFilter, SortKey};
use crate::core::history::HistoryRequest;
use crate::exit::{CliError, Status};
use crate::mcp::{answer, launch, on_worker, Job, Shared};
use crate::ui::Ui;

/// Which offers: the `gpu find` filters.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct Filters {
    /// GPU names, e.g. ["h100"] or ["a100-80gb", "h200"]; `gpu gpus` lists the names known.
    #[serde(default)]
    pub gpu: Vec<String>,
    /// Exactly this many GPUs in one instance.
    pub gpus: Option<u32>,
    /// At least this many GPUs in one instance.
    pub min_gpus: Option<u32>,
    /// At least this much memory per GPU, in GB.
    pub min_vram_gb: Option<f64>,
    /// Highest price per GPU-hour, in US dollars.
    pub max_price_per_gpu_hour: Option<f64>,
    /// Highest price of the whole instance per hour, in US dollars.
    pub max_price_per_hour: Option<f64>,
    /// Places: a continent or group (`eu`, `us`, `apac`, `na`), a country code or name
    /// (`de`, `germany`), or the start of a provider's region name (`us-east`).
    #[serde(default)]
    pub region: Vec<String>,
    /// Only these providers (ids as `gpu providers` lists them: `lambda`, `runpod`, ...).
    #[serde(default)]
    pub provider: Vec<String>,
    /// true: only spot (interruptible) offers; false: only on-demand ones.
    pub spot: Option<bool>,
    /// Only offers the provider says can be launched now.
    #[serde(default)]
    pub available: bool,
    /// Only offers whose GPU memory holds a model this size: `70b`, `70b@fp8`, `405b@int4`.
    pub fit: Option<String>,
}

impl Filters {
    /// A list value holds one name each: `h100,a10` in one entry would reach the command line
    /// as two, past the checks made on one.
    pub fn check(&self) -> Result<(), CliError> {
        for (field, values) in [
            ("gpu", &self.gpu),
            ("region", &self.region),
            ("provider", &self.provider),
        ] {
            if let Some(v) = values.iter().find(|v| v.contains(',')) {
                return Err(CliError::usage(format!(
                    "`{field}` has `{v}`; give one name per list entry, e.g. [\"h100\", \"a10\"]"
                )));
            }
        }
        Ok(())
    }

    /// The filters as the core takes them, each value checked as `gpu find`'s flags are.
    pub fn to_filter(&self) -> Result<OfferFilter, CliError> {
        self.check()?;
        let positive = |field: &str, v: Option<f64>| match v {
            Some(x) if !(x.is_finite() && x > 0.0) => Err(CliError::usage(format!(
                "`{field}` is {x}; it must be a number greater than 0"
            ))),
            _ => Ok(v),
        };
        for (field, v) in [("gpus", self.gpus), ("min_gpus", self.min_gpus)] {
            if v == Some(0) {
                return Err(CliError::usage(format!(
                    "`{field}` is 0; it must be at least 1"
                )));
            }
        }
        if self.gpus.is_some() && self.min_gpus.is_some() {
            return Err(CliError::usage(
                "give `gpus` (exactly) or `min_gpus` (at least), not both",
            ));
        }
        let fit = match &self.fit {
            Some(f) => Some(Fit::parse(f).map_err(|e| CliError::usage(format!("`fit`: {e}")))?),
            None => None,
        };
        Ok(OfferFilter {
            gpus: self.gpu.clone(),
            gpu_count: self.gpus,
            min_gpus: self.min_gpus,
            min_vram_gb: positive("min_vram_gb", self.min_vram_gb)?,
            max_price_per_gpu_hour: positive(
                "max_price_per_gpu_hour",
                self.max_price_per_gpu_hour,
            )?,
            max_price_per_hour: positive("max_price_per_hour", self.max_price_per_hour)?,
            regions: self.region.clone(),
            strict_region: false,
            providers: self.provider.clone(),
            spot: self.spot,
            available: self.available,
            fit,
            disk_gb: None,
        })
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct FindParams {
    #[serde(flatten)]
    pub filters: Filters,
    /// `price` (per GPU-hour, the default), `total`, `vram`, `gpus`, `value`, `bandwidth-value`.
    pub sort: Option<String>,
    /// How many offers to return, cheapest first [default: 20].
    pub limit: Option<u32>,
    /// Ask every provider again instead of reusing a recent answer.
    #[serde(default)]
    pub refresh: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct HistoryParams {
    /// GPU names, e.g. ["h100"].
    #[serde(default)]
    pub gpu: Vec<String>,
    /// Only these providers.
    #[serde(default)]
    pub provider: Vec<String>,
    /// How many days back, today included [default: 30].
    pub days: Option<u32>,
}

/// What to launch: an offer id, or the filters of the cheapest offer to try first.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct LaunchParams {
    /// An offer id from `find_offers` (e.g. `lambda:gpu_1x_h100_pcie@us-east-1`); without
    /// one, the cheapest live offer matching the filters is launched, the next on failure.
    pub offer_id: Option<String>,
    #[serde(flatten)]
    pub filters: Filters,
    /// The deadline: how long the instance may run, e.g. `2h` or `45m`. Kept at the provider;
    /// after it any `gpu down --expired` releases the instance. Required unless the person's
    /// `[agent]` settings say otherwise, and at most their `max_deadline`.
    pub ttl: Option<String>,
    /// A name (made unique with `gpu-`); launching the same name again finds the instance
    /// instead of launching a second one, so a retried call never rents twice.
    pub name: Option<String>,
    /// Labels recorded with the instance, for `list_instances`.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The image to boot, where the provider takes one.
    pub image: Option<String>,
    /// Wait until the instance runs and its SSH port answers (up to 15 minutes).
    #[serde(default)]
    pub wait: bool,
    /// Set by the server after a person confirms one offer: only that one is tried.
    #[serde(skip)]
    #[schemars(skip)]
    pub one_attempt: bool,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct RunParams {
    #[serde(flatten)]
    pub launch: LaunchParams,
    /// The command: one string is a shell line (`nvidia-smi | head`), several are a program
    /// and its arguments, passed exactly.
    pub command: Vec<String>,
    /// Stop the command after this long, e.g. `30m`.
    pub max_time: Option<String>,
    /// Keep the instance after the command (release it later with `release`).
    #[serde(default)]
    pub keep: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListParams {
    /// Also show released and failed launches.
    #[serde(default)]
    pub history: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReleaseParams {
    /// Instances to release: `provider:id` or a name from `list_instances`. Only instances an
    /// agent launched can be released here.
    #[serde(default)]
    pub ids: Vec<String>,
    /// Release every instance agents launched (that `list_instances` shows as `agent`).
    #[serde(default)]
    pub all: bool,
}

/// Tool arguments read strictly: a field the schema does not have is refused by name, not
/// ignored (serde's own `deny_unknown_fields` does not work with the flattened filters).
pub struct Strict<T>(pub T);

impl<T: JsonSchema> JsonSchema for Strict<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

impl<'de, T: JsonSchema + serde::de::DeserializeOwned> Deserialize<'de> for Strict<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        let schema = schemars::SchemaGenerator::default().into_root_schema_for::<T>();
        let known: Vec<&String> = schema
            .get("properties")
            .and_then(|p| p.as_object())
            .map(|p| p.keys().collect())
            .unwrap_or_default();
        if let Some(bad) = map.keys().find(|k| !known.contains(k)) {
            let names: Vec<&str> = known.iter().map(|k| k.as_str()).collect();
            return Err(serde::de::Error::custom(format!(
                "unknown field `{bad}`; the fields are {}",
                names.join(", ")
            )));
        }
        serde_json::from_value(serde_json::Value::Object(map))
            .map(Strict)
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Clone)]
pub struct Server {
    jobs: mpsc::UnboundedSender<Job>,
    tool_router: ToolRouter<Server>,
}

fn shutting_down() -> CallToolResult {
    answer::error_result(
        &CliError::failure("`gpu mcp` is shutting down"),
        &Default::default(),
    )
}

/// `find_offers`: `gpu find --json` with these filters.
async fn find_offers(
    s: &Shared,
    p: FindParams,
    ui: &Ui,
) -> Result<(serde_json::Value, Status), CliError> {
    let mut request = FindRequest::new(p.filters.to_filter()?);
    if let Some(name) = &p.sort {
        request.sort = SortKey::named(name).ok_or_else(|| {
            CliError::usage(format!(
                "`sort` is `{name}`; it must be one of {}",
                SortKey::names().join(", ")
            ))
        })?;
    }
    request.limit = match p.limit {
        Some(0) => return Err(CliError::usage("`limit` is 0; it must be at least 1")),
        Some(n) => Some(n as usize),
        None => Some(20),
    };
    request.refresh = p.refresh;
    let config = s.config(false, ui)?;
    let found = crate::core::find::find(&request, &config, &s.env, ui).await?;
    let offers = answer::data(&found.offers)?;
    let status = found.finish(true, &config, &s.env, ui);
    Ok((offers, status))
}

/// `price_history`: `gpu history --json`.
fn price_history(
    s: &Shared,
    p: HistoryParams,
    ui: &Ui,
) -> Result<(serde_json::Value, Status), CliError> {
    let filters = Filters {
        gpu: p.gpu,
        provider: p.provider,
        ..Default::default()
    };
    let days = p.days.unwrap_or(30);
    if !(1..=3650).contains(&days) {
        return Err(CliError::usage(format!(
            "`days` is {days}; it must be from 1 to 3650"
        )));
    }
    let request = HistoryRequest {
        filter: filters.to_filter()?,
        days,
    };
    s.config(false, ui)?;
    let daily = crate::core::history::daily(&request, &s.env)?;
    let data = answer::data(&daily.days)?;
    daily.said.say(ui);
    Ok((data, daily.status))
}

#[tool_router(router = tool_router)]
impl Server {
    pub fn new(jobs: mpsc::UnboundedSender<Job>, read_only: bool) -> Server {
        let mut tool_router = Self::tool_router();
        if read_only {
            for t in ["launch", "list_instances", "release", "run_command"] {
                tool_router.remove_route(t);
            }
        }
        Server { jobs, tool_router }
    }

    /// GPU offers from every configured cloud, normalised and ranked cheapest first.
    #[tool(
        description = "Find GPU offers across every cloud gpu knows, ranked by price per GPU-hour. Each offer has its provider, GPU, count, memory, region, country, spot or on-demand, price per hour and per GPU-hour in US dollars, whether it is available, and where the price comes from: `source` is `live` (the provider's API now) or `catalog` (a public list price of the date in `as_of`). Pass an offer's `offer_id` to `launch`.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn find_offers(
        &self,
        Parameters(Strict(p)): Parameters<Strict<FindParams>>,
    ) -> CallToolResult {
        on_worker(&self.jobs, move |s| async move {
            let ui = Ui::collecting(&s.env);
            let outcome = find_offers(&s, p, &ui).await;
            answer::from("offers", outcome, &ui)
        })
        .await
        .unwrap_or_else(shutting_down)
    }

    /// Daily lowest and median prices seen.
    #[tool(
        description = "Price history: per provider, GPU family and UTC day, the lowest and median price per GPU-hour seen in live answers, and how many offers and available offers there were.",
        annotations(read_only_hint = true)
    )]
    async fn price_history(
        &self,
        Parameters(Strict(p)): Parameters<Strict<HistoryParams>>,
    ) -> CallToolResult {
        on_worker(&self.jobs, move |s| async move {
            let ui = Ui::collecting(&s.env);
            let outcome = price_history(&s, p, &ui);
            answer::from("days", outcome, &ui)
        })
        .await
        .unwrap_or_else(shutting_down)
    }

    /// Rent one instance, within the guardrails the person set.
    #[tool(
        description = "Rent one GPU instance: the offer named, or the cheapest live offer matching the filters (then the next on failure). It bills from the moment it is created until it is released or its deadline (`ttl`) passes. Refused before anything is sent when it would break a limit the person set in `[agent]` (price per hour, budget over a window counting running instances to their deadlines, longest deadline, instances at once, providers, GPUs); the refusal names the limit and by how much. Returns the instance id, price, deadline and SSH command; release it with `release` when done.",
        annotations(
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn launch(
        &self,
        Parameters(Strict(p)): Parameters<Strict<LaunchParams>>,
        peer: Peer<RoleServer>,
    ) -> CallToolResult {
        on_worker(&self.jobs, move |s| async move {
            launch::launch(&s, launch::What::Up(p), peer).await
        })
        .await
        .unwrap_or_else(shutting_down)
    }

    /// Rent, run one command, release.
    #[tool(
        description = "Rent a GPU instance (as `launch`, under the same limits), run one command on it over SSH, and release it (unless `keep`). Returns the command's exit code, the end of its output, the time and the cost.",
        annotations(destructive_hint = false, open_world_hint = true)
    )]
    async fn run_command(
        &self,
        Parameters(Strict(p)): Parameters<Strict<RunParams>>,
        peer: Peer<RoleServer>,
    ) -> CallToolResult {
        on_worker(&self.jobs, move |s| async move {
            launch::launch(&s, launch::What::Run(p), peer).await
        })
        .await
        .unwrap_or_else(shutting_down)
    }

    /// What runs.
    #[tool(
        description = "List the instances gpu launched from this machine (and those it finds at the providers with its owner id): state, GPU, region, price per hour, cost so far, deadline, SSH command, and `agent: true` for those launched through this server.",
        annotations(read_only_hint = true)
    )]
    async fn list_instances(
        &self,
        Parameters(Strict(p)): Parameters<Strict<ListParams>>,
    ) -> CallToolResult {
        on_worker(&self.jobs, move |s| async move {
            launch::list(&s, p.history).await
        })
        .await
        .unwrap_or_else(shutting_down)
    }

    /// Release instances an agent launched.
    #[tool(
        description = "Release instances launched through this server and confirm with the provider that they are gone. Each result is `terminated`, or `failed` with the reason (then it may still bill: call again). Instances a person launched are never released here.",
        annotations(destructive_hint = true, idempotent_hint = true)
    )]
    async fn release(
        &self,
        Parameters(Strict(p)): Parameters<Strict<ReleaseParams>>,
    ) -> CallToolResult {
        on_worker(&self.jobs, move |s| async move {
            launch::release(&s, &p.ids, p.all).await
        })
        .await
        .unwrap_or_else(shutting_down)
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        let mut info = ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_instructions(
                "gpu finds GPU offers across clouds and rents them. Every instance bills until released: give each launch a `ttl`, release it with `release` when done, and check `list_instances`. Launches are limited by the person's `[agent]` settings.",
            );
        info.server_info.name = "gpu".into();
        info.server_info.version = env!("CARGO_PKG_VERSION").into();
        info
    }
}
