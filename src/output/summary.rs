//! `find --summary`: one row per GPU model, its number of offers and the cheapest on-demand and
//! spot offer with where they are.

use std::collections::BTreeMap;

use gpu_providers::Offer;
use serde::Serialize;

use crate::ui::clean;

#[derive(Debug, Serialize)]
pub struct Best {
    pub price_per_gpu_hour_usd: f64,
    pub provider: String,
    pub region: String,
    pub country: Option<String>,
    pub offer_id: String,
    #[serde(skip)]
    unavailable: bool,
}

#[derive(Debug, Serialize)]
pub struct Model {
    /// `H100 SXM 80GB`, as tables label a GPU.
    pub gpu: String,
    pub offers: usize,
    pub on_demand: Option<Best>,
    pub spot: Option<Best>,
}

/// Flat form for CSV and TSV.
#[derive(Debug, Serialize)]
struct Flat<'a> {
    gpu: &'a str,
    offers: usize,
    on_demand_per_gpu_hour_usd: Option<f64>,
    on_demand_provider: Option<&'a str>,
    on_demand_country: Option<&'a str>,
    on_demand_offer_id: Option<&'a str>,
    spot_per_gpu_hour_usd: Option<f64>,
    spot_provider: Option<&'a str>,
    spot_country: Option<&'a str>,
    spot_offer_id: Option<&'a str>,
}

/// The models of `offers`, cheapest first (by their cheapest offer of either kind).
pub fn models(offers: &[Offer]) -> Vec<Model> {
    let mut by: BTreeMap<String, Model> = BTreeMap::new();
    for o in offers {
        let m = by.entry(o.gpu_label()).or_insert_with(|| Model {
            gpu: o.gpu_label(),
            offers: 0,
            on_demand: None,
            spot: None,
        });
        m.offers += 1;
        let slot = if o.spot {
            &mut m.spot
        } else {
            &mut m.on_demand
        };
        // The cheapest offer that is not known to be sold out; a sold-out one only when no
        // other is.
        let unavailable = o.available == Some(false);
        if slot.as_ref().is_none_or(|b| {
            (unavailable, o.price_per_gpu_hour_usd) < (b.unavailable, b.price_per_gpu_hour_usd)
        }) {
            *slot = Some(Best {
                price_per_gpu_hour_usd: o.price_per_gpu_hour_usd,
                provider: o.provider.clone(),
                region: o.region.clone(),
                country: o.country.as_deref().map(str::to_string),
                offer_id: o.offer_id.clone(),
                unavailable,
            });
        }
    }
    let mut out: Vec<Model> = by.into_values().collect();
    let best = |m: &Model| {
        [&m.on_demand, &m.spot]
            .iter()
            .filter_map(|b| b.as_ref().map(|b| b.price_per_gpu_hour_usd))
            .fold(f64::INFINITY, f64::min)
    };
    out.sort_by(|a, b| best(a).total_cmp(&best(b)));
    out
}

fn place(b: &Best) -> String {
    match &b.country {
        Some(c) => format!("{} {c}", b.provider),
        None => format!("{} {}", b.provider, clean(&b.region)),
    }
}

/// The table: prices are per GPU-hour, in US dollars (the header says `ON-DEMAND` and `SPOT`
/// so that a row fits 80 columns).
pub fn table(models: &[Model], header: bool) -> String {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING);
    if header {
        t.set_header(["GPU", "OFFERS", "ON-DEMAND", "WHERE", "SPOT", "WHERE"]);
    }
    let price = |b: &Option<Best>| {
        b.as_ref().map_or("-".to_string(), |b| {
            format!("{:.2}", b.price_per_gpu_hour_usd)
        })
    };
    let at = |b: &Option<Best>| b.as_ref().map_or("-".to_string(), place);
    for m in models {
        t.add_row([
            clean(&m.gpu),
            m.offers.to_string(),
            price(&m.on_demand),
            at(&m.on_demand),
            price(&m.spot),
            at(&m.spot),
        ]);
    }
    for c in [1, 2, 4] {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(comfy_table::CellAlignment::Right);
        }
    }
    let mut s = t
        .lines()
        .map(|l| super::table::tidy(&l))
        .collect::<Vec<_>>()
        .join("\n");
    s.push('\n');
    s
}

pub fn delimited(
    models: &[Model],
    format: crate::cli::Format,
    header: bool,
) -> Result<String, String> {
    let mut w = super::writer(format, header);
    for m in models {
        let od = m.on_demand.as_ref();
        let sp = m.spot.as_ref();
        w.serialize(Flat {
            gpu: &m.gpu,
            offers: m.offers,
            on_demand_per_gpu_hour_usd: od.map(|b| b.price_per_gpu_hour_usd),
            on_demand_provider: od.map(|b| b.provider.as_str()),
            on_demand_country: od.and_then(|b| b.country.as_deref()),
            on_demand_offer_id: od.map(|b| b.offer_id.as_str()),
            spot_per_gpu_hour_usd: sp.map(|b| b.price_per_gpu_hour_usd),
            spot_provider: sp.map(|b| b.provider.as_str()),
            spot_country: sp.and_then(|b| b.country.as_deref()),
            spot_offer_id: sp.map(|b| b.offer_id.as_str()),
        })
        .map_err(|e| e.to_string())?;
    }
    String::from_utf8(w.into_inner().map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}
