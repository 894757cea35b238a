//! SkyPilot's public catalog: `catalogs/v8/<cloud>/vms.csv`, refreshed every few hours per
//! cloud. The columns differ from cloud to cloud, so every file is read by its header; the
//! `GpuInfo` cell is a Python-dict-like string, malformed in places, and only its memory is
//! read (leniently). A file carries no date: each one is dated by the last commit that changed
//! it (GitHub's commits API), or, when that cannot be asked, by the download, and says so.

use std::collections::BTreeMap;

use gpu_providers::gpu::canonical;
use gpu_providers::http::Request;
use gpu_providers::offer::per_gpu;
use gpu_providers::{Http, Offer, Source};

pub const DEFAULT_URL: &str =
    "https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/v8";
pub const DEFAULT_COMMITS_URL: &str =
    "https://api.github.com/repos/skypilot-org/skypilot-catalog/commits";

/// The clouds read, `(directory, provider id)`. Vast is left out: its rows are one
/// placeholder-sized ask per GPU shape, not prices anyone is offered (its live API is keyless).
pub const CLOUDS: &[(&str, &str)] = &[
    ("aws", "aws"),
    ("azure", "azure"),
    ("gcp", "gcp"),
    ("lambda", "lambda"),
    ("runpod", "runpod"),
    ("nebius", "nebius"),
    ("oci", "oci"),
    ("fluidstack", "fluidstack"),
    ("paperspace", "paperspace"),
    ("cudo", "cudo"),
    ("hyperstack", "hyperstack"),
    ("jarvislabs", "jarvislabs"),
    ("primeintellect", "primeintellect"),
    ("shadeform", "shadeform"),
    ("lium", "lium"),
    ("do", "digitalocean"),
];

/// What one refresh learned.
#[derive(Debug, Default)]
pub struct Pulled {
    pub offers: Vec<Offer>,
    /// Providers read this time (the others keep their previous rows).
    pub reached: Vec<String>,
    pub notes: Vec<String>,
}

pub async fn pull(http: &Http, base: &str, commits: &str, now: &str) -> Pulled {
    let mut out = Pulled::default();
    for (dir, provider) in CLOUDS {
        let url = format!("{base}/{dir}/vms.csv");
        let resp = match http.send("catalog", &Request::get(&url)).await {
            Ok(r) => r,
            Err(e) => {
                out.notes.push(format!("skypilot `{dir}`: {}", e.message));
                continue;
            }
        };
        if resp.status == 404 {
            out.notes
                .push(format!("skypilot `{dir}`: no such file (404)"));
            continue;
        }
        if !resp.is_success() {
            out.notes
                .push(format!("skypilot `{dir}`: HTTP {}", resp.status));
            continue;
        }
        let text = String::from_utf8_lossy(&resp.body);
        if !text.ends_with('\n') {
            // Every file SkyPilot publishes ends its last row; this one was cut off.
            out.notes.push(format!(
                "skypilot `{dir}`: the download ended mid-row; its previous rows are kept"
            ));
            continue;
        }
        let (as_of, dated) = match commit_date(http, commits, dir).await {
            Some(d) => (d, true),
            None => (now.to_string(), false),
        };
        if !dated {
            out.notes.push(format!(
                "skypilot `{dir}`: the date of the file is unknown; dated by its download"
            ));
        }
        match parse(
            &text,
            provider,
            &as_of,
            &gpu_providers::http::redact_url(&url),
        ) {
            Ok((mut offers, skipped)) => {
                for o in &mut offers {
                    o.as_of_estimated = !dated;
                }
                if skipped > 0 {
                    out.notes.push(format!(
                        "skypilot `{dir}`: {skipped} malformed rows skipped"
                    ));
                }
                out.offers.extend(offers);
                out.reached.push(provider.to_string());
            }
            Err(e) => out.notes.push(format!("skypilot `{dir}`: {e}")),
        }
    }
    out
}

/// The date of the last commit that changed the cloud's file.
async fn commit_date(http: &Http, commits: &str, dir: &str) -> Option<String> {
    let url = format!("{commits}?path=catalogs/v8/{dir}/vms.csv&per_page=1");
    let resp = http.send("catalog", &Request::get(&url)).await.ok()?;
    if !resp.is_success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&resp.body).ok()?;
    let date = v
        .get(0)?
        .get("commit")?
        .get("committer")?
        .get("date")?
        .as_str()?;
    humantime::parse_rfc3339_weak(date).ok()?;
    Some(date.to_string())
}

/// Parse one `vms.csv`; returns the offers and how many GPU rows could not be read.
pub fn parse(
    text: &str,
    provider: &str,
    as_of: &str,
    source_url: &str,
) -> Result<(Vec<Offer>, usize), String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("no header: {e}"))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(itype), Some(acc), Some(count)) = (
        col("InstanceType"),
        col("AcceleratorName"),
        col("AcceleratorCount"),
    ) else {
        return Err("the header lacks InstanceType, AcceleratorName or AcceleratorCount".into());
    };
    let (price, spot_price, region, zone) = (
        col("Price"),
        col("SpotPrice"),
        col("Region"),
        col("AvailabilityZone"),
    );
    let (vcpus, memory, gpu_info) = (col("vCPUs"), col("MemoryGiB"), col("GpuInfo"));
    let mut best: BTreeMap<(String, String, bool), Offer> = BTreeMap::new();
    let mut skipped = 0;
    for record in reader.records() {
        let Ok(r) = record else {
            skipped += 1;
            continue;
        };
        let get = |i: Option<usize>| i.and_then(|i| r.get(i)).map(str::trim).unwrap_or("");
        let num = |i: Option<usize>| get(i).parse::<f64>().ok().filter(|v| v.is_finite());
        let (instance_type, accelerator) = (get(Some(itype)), get(Some(acc)));
        if instance_type.is_empty() || accelerator.is_empty() {
            continue; // a CPU type, or a GPU priced on its own (GCP's attachable GPUs)
        }
        let Some(n) = num(Some(count)).filter(|n| *n >= 1.0 && n.fract() == 0.0) else {
            skipped += 1;
            continue;
        };
        let n = n as u32;
        let mut gpu = canonical(accelerator);
        if let Some(gb) = memory_gb(get(gpu_info), n) {
            gpu.memory_gb = gpu.memory_gb.or(Some(gb));
        }
        let region_name = get(region);
        let region_name = if region_name.is_empty() {
            "any"
        } else {
            region_name
        };
        for (is_spot, p) in [(false, num(price)), (true, num(spot_price))] {
            let Some(p) = p.filter(|p| gpu_providers::http::sane_price(*p)) else {
                continue;
            };
            // Spot prices are per zone where the file has zones.
            let place = match (is_spot, get(zone)) {
                (true, z) if !z.is_empty() => z.to_string(),
                _ => region_name.to_string(),
            };
            let key = (instance_type.to_string(), place.clone(), is_spot);
            if best.get(&key).is_some_and(|o| o.price_per_hour_usd <= p) {
                continue;
            }
            let suffix = if is_spot { ":spot" } else { "" };
            best.insert(
                key,
                Offer {
                    provider: provider.to_string(),
                    offer_id: format!("{provider}:{instance_type}@{place}{suffix}"),
                    instance_type: instance_type.to_string(),
                    gpu: gpu.family.clone(),
                    gpu_variant: gpu.variant.clone(),
                    gpu_memory_gb: gpu.memory_gb,
                    gpu_count: n,
                    gpu_fraction: None,
                    vcpus: num(vcpus).filter(|v| *v >= 1.0).map(|v| v as u32),
                    memory_gb: num(memory).filter(|m| *m > 0.0),
                    disk_gb: None,
                    region: place,
                    spot: is_spot,
                    price_per_hour_usd: p,
                    price_per_gpu_hour_usd: per_gpu(p, n),
                    available: None,
                    stock: None,
                    source: Source::Catalog,
                    as_of: as_of.to_string(),
                    source_url: source_url.to_string(),
                    storage_price_per_hour_usd: None,
                    catalog_source: Some("skypilot".to_string()),
                    as_of_estimated: false,
                    country: None,
                    continent: None,
                    value: Default::default(),
                },
            );
        }
    }
    Ok((best.into_values().collect(), skipped))
}

/// One GPU's memory in GB from a `GpuInfo` cell, read leniently: `'SizeInMiB': 81920`. Some
/// clouds' files put GB in that field (48 for an A6000); a value below 1024 is taken as GB.
fn memory_gb(info: &str, count: u32) -> Option<f64> {
    let per_gpu = number_after(info, "SizeInMiB")?;
    let gb = if per_gpu < 1024.0 {
        per_gpu
    } else {
        per_gpu / 1024.0
    };
    let _ = count;
    (gb > 0.0).then(|| gb.round())
}

fn number_after(text: &str, key: &str) -> Option<f64> {
    let at = text.find(key)? + key.len();
    let rest = text[at..].trim_start_matches(['\'', '"', ':', ' ']);
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_read_by_name_whatever_their_order() {
        let a = "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Region,SpotPrice,Price\n\
                 1x_L4_28V_124G,L4,1,28.0,124,\"{'Gpus': [{'Name': 'L4', 'MemoryInfo': {'SizeInMiB': 24576}}]}\",IN2,,0.44\n";
        let b = "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice\n\
                 1x_L4_28V_124G,L4,1,28.0,124,0.44,IN2,,\n\
                 cpu_4x,,,4.0,16.0,0.2,IN2,,\n";
        for text in [a, b] {
            let (offers, skipped) = parse(text, "jarvislabs", "2026-11-30", "u").unwrap();
            assert_eq!(skipped, 0);
            assert_eq!(offers.len(), 1, "{offers:?}");
            let o = &offers[0];
            assert_eq!(
                (o.gpu.as_str(), o.gpu_count, o.region.as_str()),
                ("L4", 1, "IN2")
            );
            assert_eq!(
                (o.vcpus, o.memory_gb, o.price_per_hour_usd),
                (Some(28), Some(124.0), 0.44)
            );
            assert_eq!(o.gpu_memory_gb, Some(24.0));
            assert_eq!(o.catalog_source.as_deref(), Some("skypilot"));
        }
    }

    #[test]
    fn malformed_gpu_info_and_rows_do_not_stop_the_file() {
        let text = "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,Region,SpotPrice\n\
                    n3-H100x1,H100,1.0,16.0,180.0,\"{'Gpus': [{'Name': 'H100', 'Manufacturer': null, 'MemoryInfo': {'SizeInMiB': 81920}}]}\",3.00,CANADA-1,\n\
                    bad,H100,one,16,180,,3.00,CANADA-1,\n\
                    n3-A6000x1,A6000,1.0,8.0,58.0,{broken,0.50,NORWAY-1,0.25\n";
        let (offers, skipped) = parse(text, "hyperstack", "2026-11-30", "u").unwrap();
        assert_eq!(skipped, 1);
        assert_eq!(offers.len(), 3, "{offers:?}");
        let spot: Vec<_> = offers.iter().filter(|o| o.spot).collect();
        assert_eq!(spot.len(), 1);
        assert_eq!(spot[0].price_per_hour_usd, 0.25);
        assert!(offers.iter().any(|o| o.gpu_memory_gb == Some(80.0)));
    }

    #[test]
    fn spot_prices_are_kept_per_zone_and_on_demand_once_per_region() {
        let text = "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region,AvailabilityZone,Arch\n\
                    p5.48xlarge,H100,8,192,2048,,98.32,30.1,us-east-1,us-east-1a,x86_64\n\
                    p5.48xlarge,H100,8,192,2048,,98.32,31.5,us-east-1,us-east-1b,x86_64\n";
        let (offers, _) = parse(text, "aws", "2026-11-30", "u").unwrap();
        assert_eq!(offers.iter().filter(|o| !o.spot).count(), 1);
        let zones: Vec<&str> = offers
            .iter()
            .filter(|o| o.spot)
            .map(|o| o.region.as_str())
            .collect();
        assert_eq!(zones, ["us-east-1a", "us-east-1b"]);
    }
}
