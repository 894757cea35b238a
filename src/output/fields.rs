//! Every field of an offer by its JSON name, in one list: CSV columns come from it, and a test
//! checks that `--json` has exactly these keys, so the formats cannot drift apart.

use gpu_providers::{Offer, Source};

pub type Get = fn(&Offer) -> String;

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

pub const FIELDS: &[(&str, Get)] = &[
    ("provider", |o| o.provider.clone()),
    ("offer_id", |o| o.offer_id.clone()),
    ("instance_type", |o| o.instance_type.clone()),
    ("gpu", |o| o.gpu.clone()),
    ("gpu_variant", |o| o.gpu_variant.clone().unwrap_or_default()),
    ("gpu_memory_gb", |o| opt(o.gpu_memory_gb)),
    ("gpu_count", |o| o.gpu_count.to_string()),
    ("vcpus", |o| opt(o.vcpus)),
    ("memory_gb", |o| opt(o.memory_gb)),
    ("disk_gb", |o| opt(o.disk_gb)),
    ("region", |o| o.region.clone()),
    ("spot", |o| o.spot.to_string()),
    ("price_per_hour_usd", |o| o.price_per_hour_usd.to_string()),
    ("price_per_gpu_hour_usd", |o| {
        o.price_per_gpu_hour_usd.to_string()
    }),
    ("available", |o| opt(o.available)),
    ("stock", |o| o.stock.clone().unwrap_or_default()),
    ("source", |o| {
        match o.source {
            Source::Live => "live",
            Source::Catalog => "catalog",
            Source::Cache => "cache",
        }
        .to_string()
    }),
    ("as_of", |o| o.as_of.clone()),
    ("source_url", |o| o.source_url.clone()),
    ("usd_per_bf16_pflop_hour", |o| {
        opt(o.value.usd_per_bf16_pflop_hour)
    }),
    ("usd_per_tbs_hour", |o| opt(o.value.usd_per_tbs_hour)),
    ("storage_price_per_hour_usd", |o| {
        opt(o.storage_price_per_hour_usd)
    }),
    ("catalog_source", |o| {
        o.catalog_source.clone().unwrap_or_default()
    }),
    ("as_of_estimated", |o| o.as_of_estimated.to_string()),
    ("country", |o| {
        o.country.as_deref().unwrap_or_default().to_string()
    }),
    ("continent", |o| {
        o.continent.as_deref().unwrap_or_default().to_string()
    }),
    ("gpu_fraction", |o| opt(o.gpu_fraction)),
];

/// Check `--columns` names against the fields: the unknown one, with the known ones listed.
pub fn check_columns(names: &[String]) -> Result<(), crate::exit::CliError> {
    for n in names {
        if !FIELDS.iter().any(|(f, _)| f == n) {
            let known: Vec<&str> = FIELDS.iter().map(|(f, _)| *f).collect();
            let mut e =
                crate::exit::CliError::usage(format!("unknown field `{n}` given to `--columns`"));
            e.hint = Some(match crate::config::did_you_mean(n, &known) {
                Some(s) => format!("did you mean `{s}`? Fields: {}", known.join(", ")),
                None => format!("fields: {}", known.join(", ")),
            });
            return Err(e);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpu_providers::catalog;

    #[test]
    fn json_keys_are_exactly_the_field_list() {
        let o = catalog::embedded().remove(0);
        let v = serde_json::to_value(&o).unwrap();
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut names: Vec<&str> = FIELDS.iter().map(|(n, _)| *n).collect();
        keys.sort_unstable();
        names.sort_unstable();
        assert_eq!(keys, names);
    }
}
