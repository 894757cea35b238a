//! `find --summary`: one row per GPU model (its memory sizes and form factors together), its
//! number of offers and the cheapest on-demand and spot offer with where they are.

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
    /// The model, `H100`: its SXM, PCIe and NVL cards and every memory size together.
    pub gpu: String,
    /// `H100 80-94GB`: the model with the range of memory per GPU its offers have.
    pub label: String,
    /// The least and most memory per GPU among its offers (none when no offer says).
    pub memory_gb: Option<[f64; 2]>,
    /// Form factors its offers name (`SXM`, `PCIe`, `NVL`), in order.
    pub variants: Vec<String>,
    pub offers: usize,
    pub on_demand: Option<Best>,
    pub spot: Option<Best>,
}

/// Flat form for CSV and TSV.
#[derive(Debug, Serialize)]
struct Flat<'a> {
    gpu: &'a str,
    label: &'a str,
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

/// The models of `offers`, in the order of the table's first price column (cheapest on-demand
/// first; models sold only as spot after them, by their spot price).
pub fn models(offers: &[Offer]) -> Vec<Model> {
    let mut by: BTreeMap<String, Model> = BTreeMap::new();
    for o in offers {
        // A slice of a card (MIG) is its own model: it would undercut the whole card's price.
        let model = if gpu_providers::gpu::is_partition(o.gpu_variant.as_deref()) {
            format!("{} MIG", o.gpu)
        } else {
            o.gpu.clone()
        };
        let m = by.entry(model.clone()).or_insert_with(|| Model {
            gpu: model,
            label: String::new(),
            memory_gb: None,
            variants: Vec::new(),
            offers: 0,
            on_demand: None,
            spot: None,
        });
        m.offers += 1;
        if let Some(gb) = o.gpu_memory_gb.filter(|g| g.is_finite()) {
            let [lo, hi] = m.memory_gb.get_or_insert([gb, gb]);
            *lo = lo.min(gb);
            *hi = hi.max(gb);
        }
        if let Some(v) = &o.gpu_variant {
            if !m.variants.contains(v) {
                m.variants.push(v.clone());
            }
        }
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
    for m in &mut out {
        m.variants.sort();
        m.label = match m.memory_gb {
            Some([lo, hi]) if lo.round() == hi.round() => format!("{} {}GB", m.gpu, lo.round()),
            Some([lo, hi]) => format!("{} {}-{}GB", m.gpu, lo.round(), hi.round()),
            None => m.gpu.clone(),
        };
    }
    let price = |b: &Option<Best>| b.as_ref().map(|b| b.price_per_gpu_hour_usd);
    let order = |m: &Model| match (price(&m.on_demand), price(&m.spot)) {
        (Some(p), _) => (0, p),
        (None, Some(p)) => (1, p),
        (None, None) => (2, 0.0),
    };
    out.sort_by(|a, b| {
        let (ka, pa) = order(a);
        let (kb, pb) = order(b);
        ka.cmp(&kb).then(pa.total_cmp(&pb))
    });
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
            clean(&m.label),
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
    format: crate::output::Format,
    header: bool,
) -> Result<String, String> {
    let mut w = super::writer(format, header);
    for m in models {
        let od = m.on_demand.as_ref();
        let sp = m.spot.as_ref();
        w.serialize(Flat {
            gpu: &m.gpu,
            label: &m.label,
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
