//! Where an offer is: its provider's region mapped to a country (ISO 3166-1 alpha-2) and a
//! continent (`NA`, `SA`, `EU`, `AS`, `OC`, `AF`). One reviewed table per naming scheme; a
//! region it does not know keeps `None` (shown as is, counted by `find -v`).

/// `(country, continent)` of a provider's region, or `None` when unknown (or priced
/// everywhere: `any`).
pub fn of(provider: &str, region: &str) -> Option<(&'static str, &'static str)> {
    let r = region.trim();
    if r.is_empty() || r.eq_ignore_ascii_case("any") {
        return None;
    }
    let country = match provider {
        // "Texas, US", "Quebec, CA", a bare "US", "Helsinki, Finland", "…, United States": the
        // country is the last part, as a code or a name.
        "vast" | "tensordock" => {
            let last = r.rsplit(',').next().unwrap_or(r).trim();
            country_code(last).or_else(|| country_named(last))
        }
        // US-KS-2, EU-RO-1, CA-MTL-1, EUR-IS-1, AP-JP-1, OC-AU-1: the country is the part that
        // names one (the first, unless it is a continent).
        "runpod" => {
            let parts: Vec<&str> = r.split('-').collect();
            match parts.first().map(|p| p.to_ascii_uppercase()).as_deref() {
                Some("EU" | "EUR" | "AP" | "OC" | "SA" | "AF" | "ME") => {
                    parts.get(1).and_then(|p| country_code(p))
                }
                Some(_) => parts.first().and_then(|p| country_code(p)),
                None => None,
            }
        }
        "verda" => prefixed(r, VERDA),
        "scaleway" => country_code(r.split('-').next().unwrap_or(r)),
        "azure" => prefixed(r, AZURE),
        "fluidstack" => prefixed(r, FLUIDSTACK),
        "paperspace" => prefixed(r, PAPERSPACE),
        "hyperbolic" => prefixed(r, HYPERBOLIC),
        // AWS, Lambda, Nebius, GCP, OCI and the others name regions `<area>-<direction>...`.
        _ => prefixed(r, CLOUD),
    }?;
    Some((country, continent(country)?))
}

/// `(country, continent)` of an ISO 3166-1 alpha-2 code, any case.
pub fn of_code(code: &str) -> Option<(&'static str, &'static str)> {
    let country = country_code(code)?;
    Some((country, continent(country)?))
}

/// The longest matching prefix of a table, case-insensitively.
fn prefixed(region: &str, table: &[(&str, &'static str)]) -> Option<&'static str> {
    let r = region.to_ascii_lowercase();
    table
        .iter()
        .filter(|(p, _)| r.starts_with(p))
        .max_by_key(|(p, _)| p.len())
        .map(|(_, c)| *c)
}

fn country_code(s: &str) -> Option<&'static str> {
    let s = s.trim();
    COUNTRIES
        .iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(s))
        .map(|(c, _, _)| *c)
}

/// The continent of a country code.
pub fn continent(country: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(c, _, _)| *c == country)
        .map(|(_, k, _)| *k)
}

/// A country's code from its code or English name (`de`, `Germany`).
pub fn country_named(name: &str) -> Option<&'static str> {
    let n = name.trim();
    COUNTRIES
        .iter()
        .find(|(c, _, full)| c.eq_ignore_ascii_case(n) || full.eq_ignore_ascii_case(n))
        .map(|(c, _, _)| *c)
}

/// The English names of the countries the tables know.
pub fn country_names() -> impl Iterator<Item = &'static str> {
    COUNTRIES.iter().map(|(_, _, name)| *name)
}

/// Countries the tables use: code, continent, English name.
const COUNTRIES: &[(&str, &str, &str)] = &[
    ("US", "NA", "United States"),
    ("CA", "NA", "Canada"),
    ("MX", "NA", "Mexico"),
    ("BR", "SA", "Brazil"),
    ("CL", "SA", "Chile"),
    ("GB", "EU", "United Kingdom"),
    ("IE", "EU", "Ireland"),
    ("FR", "EU", "France"),
    ("DE", "EU", "Germany"),
    ("NL", "EU", "Netherlands"),
    ("BE", "EU", "Belgium"),
    ("CH", "EU", "Switzerland"),
    ("IT", "EU", "Italy"),
    ("ES", "EU", "Spain"),
    ("PT", "EU", "Portugal"),
    ("PL", "EU", "Poland"),
    ("CZ", "EU", "Czechia"),
    ("AT", "EU", "Austria"),
    ("SE", "EU", "Sweden"),
    ("NO", "EU", "Norway"),
    ("FI", "EU", "Finland"),
    ("DK", "EU", "Denmark"),
    ("IS", "EU", "Iceland"),
    ("RO", "EU", "Romania"),
    ("BG", "EU", "Bulgaria"),
    ("HU", "EU", "Hungary"),
    ("GR", "EU", "Greece"),
    ("EE", "EU", "Estonia"),
    ("LT", "EU", "Lithuania"),
    ("LV", "EU", "Latvia"),
    ("UA", "EU", "Ukraine"),
    ("RS", "EU", "Serbia"),
    ("HR", "EU", "Croatia"),
    ("SI", "EU", "Slovenia"),
    ("SK", "EU", "Slovakia"),
    ("JP", "AS", "Japan"),
    ("KR", "AS", "South Korea"),
    ("CN", "AS", "China"),
    ("HK", "AS", "Hong Kong"),
    ("TW", "AS", "Taiwan"),
    ("SG", "AS", "Singapore"),
    ("IN", "AS", "India"),
    ("ID", "AS", "Indonesia"),
    ("MY", "AS", "Malaysia"),
    ("TH", "AS", "Thailand"),
    ("VN", "AS", "Vietnam"),
    ("PH", "AS", "Philippines"),
    ("IL", "AS", "Israel"),
    ("AE", "AS", "United Arab Emirates"),
    ("SA", "AS", "Saudi Arabia"),
    ("QA", "AS", "Qatar"),
    ("BH", "AS", "Bahrain"),
    ("TR", "AS", "Turkey"),
    ("AU", "OC", "Australia"),
    ("NZ", "OC", "New Zealand"),
    ("ZA", "AF", "South Africa"),
];

/// `<area>-<direction><n>` names of AWS, GCP, Nebius, Lambda and OCI, longest prefix first
/// wins (`eu-west-2` before `eu-west`).
const CLOUD: &[(&str, &str)] = &[
    // AWS
    ("us-", "US"),
    ("ca-", "CA"),
    ("mx-", "MX"),
    ("sa-east", "BR"),
    ("eu-central-1", "DE"),
    ("eu-central-2", "CH"),
    ("eu-west-1", "IE"),
    ("eu-west-2", "GB"),
    ("eu-west-3", "FR"),
    ("eu-north-1", "SE"),
    ("eu-south-1", "IT"),
    ("eu-south-2", "ES"),
    ("ap-northeast-1", "JP"),
    ("ap-northeast-2", "KR"),
    ("ap-northeast-3", "JP"),
    ("ap-southeast-1", "SG"),
    ("ap-southeast-2", "AU"),
    ("ap-southeast-3", "ID"),
    ("ap-southeast-5", "MY"),
    ("ap-south-1", "IN"),
    ("ap-south-2", "IN"),
    ("ap-east-1", "HK"),
    ("me-central-1", "AE"),
    ("me-south-1", "BH"),
    ("il-central-1", "IL"),
    ("af-south-1", "ZA"),
    // Nebius (names without the dash before the number)
    ("eu-north1", "FI"),
    ("eu-west1", "FR"),
    ("uk-south1", "GB"),
    ("me-west1", "IL"),
    // GCP
    ("northamerica-northeast", "CA"),
    ("northamerica-south1", "MX"),
    ("southamerica-east1", "BR"),
    ("southamerica-west1", "CL"),
    ("europe-west1", "BE"),
    ("europe-west2", "GB"),
    ("europe-west3", "DE"),
    ("europe-west4", "NL"),
    ("europe-west6", "CH"),
    ("europe-west8", "IT"),
    ("europe-west9", "FR"),
    ("europe-west10", "DE"),
    ("europe-west12", "IT"),
    ("europe-north1", "FI"),
    ("europe-north2", "SE"),
    ("europe-central2", "PL"),
    ("europe-southwest1", "ES"),
    ("asia-east1", "TW"),
    ("asia-east2", "HK"),
    ("asia-northeast1", "JP"),
    ("asia-northeast2", "JP"),
    ("asia-northeast3", "KR"),
    ("asia-south1", "IN"),
    ("asia-south2", "IN"),
    ("asia-southeast1", "SG"),
    ("asia-southeast2", "ID"),
    ("australia-southeast", "AU"),
    ("me-west1", "IL"),
    ("me-central1", "QA"),
    ("me-central2", "SA"),
    ("africa-south1", "ZA"),
    // Lambda
    ("europe-central-1", "DE"),
    ("asia-northeast-1", "JP"),
    ("asia-northeast-2", "KR"),
    ("asia-south-1", "IN"),
    ("australia-east-1", "AU"),
    ("me-west-1", "IL"),
    // OCI
    ("uk-london", "GB"),
    ("eu-frankfurt", "DE"),
    ("eu-amsterdam", "NL"),
    ("eu-paris", "FR"),
    ("eu-madrid", "ES"),
    ("eu-milan", "IT"),
    ("eu-stockholm", "SE"),
    ("eu-zurich", "CH"),
    ("ap-tokyo", "JP"),
    ("ap-osaka", "JP"),
    ("ap-seoul", "KR"),
    ("ap-mumbai", "IN"),
    ("ap-hyderabad", "IN"),
    ("ap-singapore", "SG"),
    ("ap-sydney", "AU"),
    ("ap-melbourne", "AU"),
    ("sa-saopaulo", "BR"),
    ("me-dubai", "AE"),
    ("me-jeddah", "SA"),
    ("il-jerusalem", "IL"),
];

const VERDA: &[(&str, &str)] = &[("fin-", "FI"), ("ice-", "IS")];

const FLUIDSTACK: &[(&str, &str)] = &[
    ("norway", "NO"),
    ("canada", "CA"),
    ("iceland", "IS"),
    ("sweden", "SE"),
    ("france", "FR"),
    ("germany", "DE"),
    ("utah", "US"),
    ("texas", "US"),
    ("usa", "US"),
    ("united_states", "US"),
];

const PAPERSPACE: &[(&str, &str)] = &[("ny", "US"), ("ca", "US"), ("ams", "NL")];

/// Hyperbolic's `<area>-<direction>-<n>` names, as a live answer of 2026-08-29 gives them
/// (`getcomputable/gpu-index`, observatory capture): `us-east-1`, `us-east-2`, `ca-east-1`,
/// `ca-east-3`, `uk-southeast-3`, `jp-east-1`, and `eu-north-4`..`7`, `eu-west-3`, `eu-west-4`.
/// Only the parts that name a country are read; the `eu-` ones name none and stay unknown
/// (AWS's table, used before, read `eu-west-3` as Paris: nothing says it is).
const HYPERBOLIC: &[(&str, &str)] = &[("us-", "US"), ("ca-", "CA"), ("uk-", "GB"), ("jp-", "JP")];

const AZURE: &[(&str, &str)] = &[
    ("eastus", "US"),
    ("westus", "US"),
    ("centralus", "US"),
    ("northcentralus", "US"),
    ("southcentralus", "US"),
    ("westcentralus", "US"),
    ("canada", "CA"),
    ("brazil", "BR"),
    ("mexico", "MX"),
    ("westeurope", "NL"),
    ("northeurope", "IE"),
    ("uksouth", "GB"),
    ("ukwest", "GB"),
    ("francecentral", "FR"),
    ("germanywestcentral", "DE"),
    ("swedencentral", "SE"),
    ("norwayeast", "NO"),
    ("switzerland", "CH"),
    ("italynorth", "IT"),
    ("polandcentral", "PL"),
    ("spaincentral", "ES"),
    ("japan", "JP"),
    ("korea", "KR"),
    ("southeastasia", "SG"),
    ("eastasia", "HK"),
    ("centralindia", "IN"),
    ("southindia", "IN"),
    ("westindia", "IN"),
    ("australia", "AU"),
    ("uaenorth", "AE"),
    ("qatarcentral", "QA"),
    ("israelcentral", "IL"),
    ("southafrica", "ZA"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scheme_maps_to_a_country_and_continent() {
        for (provider, region, want) in [
            ("vast", "Texas, US", ("US", "NA")),
            ("vast", "Sweden, SE", ("SE", "EU")),
            ("vast", "US", ("US", "NA")),
            ("runpod", "US-KS-2", ("US", "NA")),
            ("runpod", "EU-RO-1", ("RO", "EU")),
            ("runpod", "CA-MTL-1", ("CA", "NA")),
            ("runpod", "EUR-IS-1", ("IS", "EU")),
            ("runpod", "OC-AU-1", ("AU", "OC")),
            ("aws", "us-east-1", ("US", "NA")),
            ("aws", "eu-north-1", ("SE", "EU")),
            ("aws", "ap-southeast-2", ("AU", "OC")),
            ("nebius", "eu-north1", ("FI", "EU")),
            ("nebius", "uk-south1", ("GB", "EU")),
            ("gcp", "europe-west4", ("NL", "EU")),
            ("gcp", "us-central1", ("US", "NA")),
            ("lambda", "australia-east-1", ("AU", "OC")),
            ("lambda", "europe-central-1", ("DE", "EU")),
            ("verda", "FIN-01", ("FI", "EU")),
            ("scaleway", "fr-par-2", ("FR", "EU")),
            ("azure", "westeurope", ("NL", "EU")),
            ("azure", "eastus2", ("US", "NA")),
            ("fluidstack", "NORWAY", ("NO", "EU")),
            ("tensordock", "Helsinki, Finland", ("FI", "EU")),
            (
                "tensordock",
                "Chicago, Illinois, United States",
                ("US", "NA"),
            ),
            ("aws", "me-south-1", ("BH", "AS")),
            ("hyperbolic", "us-east-1", ("US", "NA")),
            ("hyperbolic", "ca-east-1", ("CA", "NA")),
            ("hyperbolic", "uk-southeast-3", ("GB", "EU")),
            ("hyperbolic", "jp-east-1", ("JP", "AS")),
        ] {
            assert_eq!(of(provider, region), Some(want), "{provider} {region}");
        }
        assert_eq!(of("lambda", "any"), None);
        assert_eq!(of("aws", "mars-north-1"), None);
        // Hyperbolic's `eu-` regions name no country; AWS's `eu-west-3` (Paris) is not theirs.
        assert_eq!(of("hyperbolic", "eu-west-3"), None);
        assert_eq!(of("hyperbolic", "eu-north-5"), None);
        assert_eq!(country_named("germany"), Some("DE"));
        assert_eq!(country_named("se"), Some("SE"));
    }
}
