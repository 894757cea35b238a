//! Filtering and ordering of offers. Pure functions: every filter is applied here to every
//! offer, whatever an adapter did with its hints, so all sources are judged alike.

use std::cmp::Ordering;

use gpu_providers::offer::Value;
use gpu_providers::{specs, GpuFilter, Offer, OfferQuery};

use crate::core::find::{OfferFilter, SortKey};

#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub gpus: Vec<GpuFilter>,
    pub gpu_count: Option<u32>,
    pub min_gpus: Option<u32>,
    pub min_vram_gb: Option<f64>,
    pub max_price_per_gpu: Option<f64>,
    pub max_total: Option<f64>,
    pub regions: Vec<String>,
    /// `--strict-region`: rows priced for every region (`any`) do not match a `--region`.
    pub strict_region: bool,
    pub providers: Vec<String>,
    pub spot: Option<bool>,
    pub available_only: bool,
    /// Total GPU memory the instance must have (`--fit`), in GB.
    pub min_total_memory_gb: Option<f64>,
    /// `--disk`: the disk the instance gets, priced in by the adapters that bill it.
    pub disk_gb: Option<u32>,
}

/// Every `--gpu` name must be a GPU we know: a typo (`--gpu h10`), a bare number (`--gpu 100`,
/// which would match V100, A100 and H100) or a look-alike letter (a Cyrillic `Н100`) is a usage
/// error with the closest known name, never a silent substring match.
pub fn check_gpu_names(a: &OfferFilter) -> Result<(), crate::exit::CliError> {
    for name in a.gpus.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let count = GpuFilter::parse(name).count;
        if let (Some(n), Some(gpus)) = (count, a.gpu_count) {
            if n != gpus {
                return Err(crate::exit::CliError::usage(format!(
                    "`--gpu {name}` asks for {n} GPUs and `--gpus {gpus}` for {gpus}"
                ))
                .hint("give the count once: in `--gpu` (`h100:8`) or with `--gpus`"));
            }
        }
        if GpuFilter::parse(name).known && name.is_ascii() {
            continue;
        }
        let mut e = crate::exit::CliError::usage(format!("unknown GPU `{name}` given to `--gpu`"));
        let list = "`gpu gpus` lists the names it knows";
        e.hint = Some(match gpu_providers::gpu::suggest(name) {
            Some(s) if !name.is_ascii() => {
                format!("`{name}` has non-ASCII letters; did you mean `{s}`? {list}")
            }
            Some(s) => format!("did you mean `{s}`? {list}"),
            None => list.to_string(),
        });
        return Err(e);
    }
    Ok(())
}

/// The continent and group words `--region` takes.
const PLACE_WORDS: &[&str] = &[
    "eu",
    "europe",
    "emea",
    "na",
    "north-america",
    "americas",
    "sa",
    "south-america",
    "latam",
    "as",
    "asia",
    "oc",
    "oceania",
    "af",
    "africa",
    "apac",
    "us",
    "usa",
    "uk",
];

/// Every `--region` must name a place: a continent or group, a country the tables know, or
/// the start of a region some provider answered with. Otherwise it is a usage error with the
/// nearest name (`germnay` -> `germany`), never an empty or unfiltered list.
pub fn check_regions(regions: &[String], offers: &[Offer]) -> Result<(), crate::exit::CliError> {
    for want in regions {
        let known = PLACE_WORDS.contains(&want.as_str())
            || gpu_providers::place::country_named(want).is_some()
            || offers.iter().any(|o| {
                o.region != "any" && o.region.to_ascii_lowercase().starts_with(want.as_str())
            });
        if known {
            continue;
        }
        let mut names: Vec<String> = PLACE_WORDS.iter().map(|w| w.to_string()).collect();
        names.extend(gpu_providers::place::country_names().map(str::to_ascii_lowercase));
        names.extend(
            offers
                .iter()
                .filter(|o| o.region != "any")
                .map(|o| o.region.to_ascii_lowercase()),
        );
        let nearest = names
            .iter()
            .map(|n| (gpu_providers::gpu::edit_distance(want, n), n))
            .filter(|(d, n)| *d <= 2.max(n.len() / 4))
            .min_by_key(|(d, _)| *d)
            .map(|(_, n)| n.clone());
        let mut e = crate::exit::CliError::usage(format!(
            "`--region {want}` names no continent, country or region of any provider"
        ));
        e.hint = Some(match nearest {
            Some(n) => format!("did you mean `{n}`? `--region` takes a continent (`eu`, `na`, `apac`), a country (`de`, `germany`) or the start of a provider's region (`us-east`)"),
            None => "`--region` takes a continent (`eu`, `na`, `apac`), a country (`de`, `germany`) or the start of a provider's region (`us-east`)".into(),
        });
        return Err(e);
    }
    Ok(())
}

/// Whether an offer is in the place `--region` names (lowercase): a continent (`eu`, `na`,
/// `as`, `oc`, `sa`, `af`) or group (`europe`, `us`, `apac`, `uk`), a country by code or name
/// (`de`, `germany`), else a prefix of the provider's own region name (`us-east`, `fin-01`).
pub fn place_matches(want: &str, o: &Offer) -> bool {
    // Countries of the Middle East, for `emea` (their continent code is `AS`).
    const MIDDLE_EAST: &[&str] = &["IL", "AE", "SA", "QA", "BH", "TR"];
    let continents: &[&str] = match want {
        "eu" | "europe" => &["EU"],
        "emea" => &["EU", "AF"],
        "na" | "north-america" => &["NA"],
        "americas" => &["NA", "SA"],
        "sa" | "south-america" | "latam" => &["SA"],
        "as" | "asia" => &["AS"],
        "oc" | "oceania" => &["OC"],
        "af" | "africa" => &["AF"],
        "apac" => &["AS", "OC"],
        _ => &[],
    };
    let region = o.region.to_ascii_lowercase();
    if !continents.is_empty() {
        return match o.continent.as_deref() {
            Some(c) => {
                continents.contains(&c)
                    || (want == "emea"
                        && o.country
                            .as_deref()
                            .is_some_and(|k| MIDDLE_EAST.contains(&k)))
            }
            // A region the place table does not know: its own name may still say it.
            None => region.starts_with(want),
        };
    }
    let country = match want {
        "us" | "usa" => Some("US"),
        "uk" => Some("GB"),
        _ => gpu_providers::place::country_named(want),
    };
    match (country, o.country.as_deref()) {
        // A country is matched by country alone: `ca` is Canada, not "California, US".
        (Some(c), Some(have)) => c == have,
        // A region no table knows: by its name, as a last resort.
        (Some(_), None) => region.starts_with(want),
        (None, _) => region.starts_with(want),
    }
}

impl Filters {
    pub fn from_request(a: &OfferFilter) -> Filters {
        let lower = |list: &[String]| -> Vec<String> {
            list.iter()
                .map(|r| r.trim().to_ascii_lowercase())
                .filter(|r| !r.is_empty())
                .collect()
        };
        Filters {
            gpus: a
                .gpus
                .iter()
                .map(|n| n.trim())
                .filter(|n| !n.is_empty())
                .map(GpuFilter::parse)
                .collect(),
            gpu_count: a.gpu_count,
            min_gpus: a.min_gpus,
            min_vram_gb: a.min_vram_gb,
            max_price_per_gpu: a.max_price_per_gpu_hour,
            max_total: a.max_price_per_hour,
            regions: lower(&a.regions),
            strict_region: a.strict_region,
            providers: lower(&a.providers),
            spot: a.spot,
            available_only: a.available,
            min_total_memory_gb: a.fit.as_ref().map(crate::core::find::Fit::required_gb),
            disk_gb: a.disk_gb,
        }
    }

    /// The hints adapters may use to ask for less.
    pub fn query(&self) -> OfferQuery {
        // One count for every GPU asked for (`--gpu h100:8`) narrows the request too.
        let counts: Vec<Option<u32>> = self.gpus.iter().map(|g| g.count).collect();
        let one_count = match counts.first() {
            Some(Some(n)) if counts.iter().all(|c| *c == Some(*n)) => Some(*n),
            _ => None,
        };
        OfferQuery {
            gpus: self.gpus.clone(),
            gpu_count: self.gpu_count.or(one_count),
            min_gpus: self.min_gpus,
            spot: self.spot,
            max_price_per_gpu_hour: self.max_price_per_gpu,
            disk_gb: self.disk_gb,
        }
    }

    pub fn wants_provider(&self, id: &str) -> bool {
        self.providers.is_empty() || self.providers.iter().any(|p| p == id)
    }

    pub fn matches(&self, o: &Offer) -> bool {
        if !self.wants_provider(&o.provider) {
            return false;
        }
        if !self.gpus.is_empty()
            && !self.gpus.iter().any(|f| {
                f.matches(&o.gpu, o.gpu_variant.as_deref(), o.gpu_memory_gb)
                    && f.count.is_none_or(|n| o.gpu_count == n)
            })
        {
            return false;
        }
        if self.gpu_count.is_some_and(|n| o.gpu_count != n) {
            return false;
        }
        if self.min_gpus.is_some_and(|n| o.gpu_count < n) {
            return false;
        }
        if let Some(min) = self.min_vram_gb {
            // Unknown memory cannot be shown to satisfy a minimum.
            if !o.gpu_memory_gb.is_some_and(|m| m + 0.5 >= min) {
                return false;
            }
        }
        if self
            .max_price_per_gpu
            .is_some_and(|max| o.price_per_gpu_hour_usd > max)
        {
            return false;
        }
        if self.max_total.is_some_and(|max| o.price_per_hour_usd > max) {
            return false;
        }
        if !self.regions.is_empty() && !self.regions.iter().any(|r| place_matches(r, o)) {
            // A price that holds everywhere (`any`) is on offer in the place asked for too,
            // unless `--strict-region` asks for rows that name it.
            let everywhere = o.region.eq_ignore_ascii_case("any");
            if !everywhere || self.strict_region {
                return false;
            }
        }
        if self.spot.is_some_and(|spot| o.spot != spot) {
            return false;
        }
        if self.available_only && o.available != Some(true) {
            return false;
        }
        if let Some(need) = self.min_total_memory_gb {
            if !o.total_gpu_memory_gb().is_some_and(|m| m >= need) {
                return false;
            }
        }
        true
    }
}

/// Fill in each offer's price per unit of work from the data-sheet table.
pub fn enrich(offers: &mut [Offer]) {
    let table = specs::all();
    for o in offers {
        if let Some(s) = specs::find(&table, &o.gpu, o.gpu_variant.as_deref(), o.gpu_memory_gb) {
            let round = |v: f64| (v * 10_000.0).round() / 10_000.0;
            o.value = Value {
                usd_per_bf16_pflop_hour: Some(round(
                    o.price_per_gpu_hour_usd / (s.bf16_tflops / 1000.0),
                )),
                usd_per_tbs_hour: Some(round(o.price_per_gpu_hour_usd / s.bandwidth_tbs)),
            };
        }
    }
}

/// Known figures first, cheapest first; unknown ones after, in price order.
fn by_optional(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn by_price(a: &Offer, b: &Offer) -> Ordering {
    a.price_per_gpu_hour_usd
        .total_cmp(&b.price_per_gpu_hour_usd)
}

/// Offers the provider says are available come first, then unknown, then sold out.
fn availability_rank(o: &Offer) -> u8 {
    match o.available {
        Some(true) => 0,
        None => 1,
        Some(false) => 2,
    }
}

/// Sort in place. Ties always fall back to price, availability, then provider and offer id,
/// so the order is the same on every run.
pub fn sort(offers: &mut [Offer], key: SortKey) {
    offers.sort_by(|a, b| {
        let primary = match key {
            SortKey::Price => by_price(a, b).then(availability_rank(a).cmp(&availability_rank(b))),
            SortKey::Total => a.price_per_hour_usd.total_cmp(&b.price_per_hour_usd),
            SortKey::Vram => b
                .gpu_memory_gb
                .unwrap_or(0.0)
                .total_cmp(&a.gpu_memory_gb.unwrap_or(0.0)),
            SortKey::Gpus => b.gpu_count.cmp(&a.gpu_count),
            SortKey::Provider => a.provider.cmp(&b.provider),
            SortKey::Value => by_optional(
                a.value.usd_per_bf16_pflop_hour,
                b.value.usd_per_bf16_pflop_hour,
            ),
            SortKey::BandwidthValue => {
                by_optional(a.value.usd_per_tbs_hour, b.value.usd_per_tbs_hour)
            }
        };
        primary
            .then_with(|| by_price(a, b))
            .then_with(|| availability_rank(a).cmp(&availability_rank(b)))
            .then_with(|| a.provider.cmp(&b.provider))
            .then_with(|| a.offer_id.cmp(&b.offer_id))
    });
}

/// Filter, then sort.
pub fn rank(offers: Vec<Offer>, filters: &Filters, key: SortKey) -> Vec<Offer> {
    let mut kept: Vec<Offer> = offers.into_iter().filter(|o| filters.matches(o)).collect();
    sort(&mut kept, key);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpu_providers::Source;

    fn offer(provider: &str, gpu: &str, variant: Option<&str>, count: u32, per_gpu: f64) -> Offer {
        Offer {
            provider: provider.into(),
            offer_id: format!("{provider}:{gpu}x{count}@{per_gpu}"),
            instance_type: "t".into(),
            gpu: gpu.into(),
            gpu_variant: variant.map(Into::into),
            gpu_memory_gb: Some(80.0),
            gpu_count: count,
            gpu_fraction: None,
            vcpus: None,
            memory_gb: None,
            disk_gb: None,
            region: "us-east-1".into(),
            spot: false,
            price_per_hour_usd: per_gpu * f64::from(count),
            price_per_gpu_hour_usd: per_gpu,
            available: Some(true),
            stock: None,
            source: Source::Live,
            as_of: "2026-11-25T00:00:00Z".into(),
            source_url: "https://example".into(),
            storage_price_per_hour_usd: None,
            catalog_source: None,
            as_of_estimated: false,
            country: None,
            continent: None,
            value: Default::default(),
        }
    }

    fn sample() -> Vec<Offer> {
        let mut sold_out = offer("lambda", "H100", Some("SXM"), 1, 2.0);
        sold_out.available = Some(false);
        let mut spot = offer("vast", "H100", Some("PCIe"), 2, 1.5);
        spot.spot = true;
        spot.region = "Texas, US".into();
        let mut small = offer("runpod", "RTX 4090", None, 1, 0.4);
        small.gpu_memory_gb = Some(24.0);
        vec![
            offer("lambda", "H100", Some("SXM"), 8, 3.99),
            sold_out,
            offer("azure", "H100", Some("SXM"), 1, 2.0),
            spot,
            small,
            offer("oci", "A100", Some("SXM"), 8, 4.0),
        ]
    }

    fn ids(v: &[Offer]) -> Vec<String> {
        v.iter().map(|o| o.offer_id.clone()).collect()
    }

    #[test]
    fn default_order_is_price_then_availability() {
        let out = rank(sample(), &Filters::default(), SortKey::Price);
        let prices: Vec<f64> = out.iter().map(|o| o.price_per_gpu_hour_usd).collect();
        assert_eq!(prices, [0.4, 1.5, 2.0, 2.0, 3.99, 4.0]);
        // equal price: the available one first
        assert_eq!(out[2].provider, "azure");
        assert_eq!(out[3].available, Some(false));
    }

    #[test]
    fn gpu_price_and_count_filters() {
        let f = Filters {
            gpus: vec![GpuFilter::parse("h100")],
            max_price_per_gpu: Some(3.0),
            ..Default::default()
        };
        let out = rank(sample(), &f, SortKey::Price);
        assert_eq!(out.len(), 3);
        assert!(out
            .iter()
            .all(|o| o.gpu == "H100" && o.price_per_gpu_hour_usd <= 3.0));

        let f = Filters {
            gpus: vec![GpuFilter::parse("h100-sxm")],
            gpu_count: Some(8),
            ..Default::default()
        };
        assert_eq!(
            ids(&rank(sample(), &f, SortKey::Price)),
            ["lambda:H100x8@3.99"]
        );

        let f = Filters {
            min_gpus: Some(2),
            max_total: Some(10.0),
            ..Default::default()
        };
        assert_eq!(
            ids(&rank(sample(), &f, SortKey::Price)),
            ["vast:H100x2@1.5"]
        );
    }

    #[test]
    fn vram_region_spot_provider_available() {
        let f = Filters {
            min_vram_gb: Some(48.0),
            ..Default::default()
        };
        assert!(rank(sample(), &f, SortKey::Price)
            .iter()
            .all(|o| o.gpu != "RTX 4090"));

        let f = Filters {
            regions: vec!["texas".into()],
            ..Default::default()
        };
        assert_eq!(rank(sample(), &f, SortKey::Price).len(), 1);

        let f = Filters {
            spot: Some(false),
            providers: vec!["lambda".into()],
            available_only: true,
            ..Default::default()
        };
        assert_eq!(
            ids(&rank(sample(), &f, SortKey::Price)),
            ["lambda:H100x8@3.99"]
        );
    }

    #[test]
    fn value_uses_data_sheet_figures_and_unknowns_go_last() {
        let mut offers = sample();
        let mut unknown = offer("x", "QUANTUM Z9", None, 1, 0.01);
        unknown.gpu_memory_gb = None;
        offers.push(unknown);
        enrich(&mut offers);
        let h100 = offers
            .iter()
            .find(|o| o.offer_id == "lambda:H100x8@3.99")
            .unwrap();
        // $3.99 per GPU-hour / 0.989 PFLOPS
        assert_eq!(h100.value.usd_per_bf16_pflop_hour, Some(4.0344));
        assert_eq!(h100.value.usd_per_tbs_hour, Some(1.191));
        let out = rank(offers, &Filters::default(), SortKey::Value);
        assert_eq!(out.last().unwrap().provider, "x");
        let v: Vec<f64> = out
            .iter()
            .filter_map(|o| o.value.usd_per_bf16_pflop_hour)
            .collect();
        assert!(v.windows(2).all(|w| w[0] <= w[1]), "{v:?}");
    }

    #[test]
    fn fit_needs_total_memory() {
        let f = Filters {
            min_total_memory_gb: Some(168.0),
            ..Default::default()
        };
        // 8x80 GB and 8x80 GB pass; 1x80, 2x80 and 1x24 do not.
        let out = rank(sample(), &f, SortKey::Price);
        assert!(out.iter().all(|o| o.gpu_count == 8), "{:?}", ids(&out));
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn other_sort_keys() {
        let out = rank(sample(), &Filters::default(), SortKey::Gpus);
        assert_eq!(out[0].gpu_count, 8);
        assert_eq!(
            out[0].provider, "lambda",
            "8 GPUs each: cheaper per GPU first"
        );
        let out = rank(sample(), &Filters::default(), SortKey::Total);
        assert_eq!(out[0].price_per_hour_usd, 0.4);
        assert_eq!(out.last().unwrap().price_per_hour_usd, 32.0);
        let out = rank(sample(), &Filters::default(), SortKey::Vram);
        assert_eq!(out.last().unwrap().gpu, "RTX 4090");
        let out = rank(sample(), &Filters::default(), SortKey::Provider);
        assert_eq!(out[0].provider, "azure");
    }
}
