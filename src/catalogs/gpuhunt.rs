//! dstack's gpuhunt catalogs: per provider, `v3/<provider>/version` names the current run
//! (`YYYYMMDD-<n>`, hourly), and `v3/<provider>/<version>/catalog.zip` holds `<provider>.csv`,
//! prices per instance-hour. The version's date is the date of the prices.

use std::io::Read;

use gpu_providers::gpu::canonical;
use gpu_providers::http::Request;
use gpu_providers::offer::per_gpu;
use gpu_providers::{Http, Offer, Source};

pub const DEFAULT_URL: &str = "https://dstack-gpu-pricing.s3.eu-west-1.amazonaws.com/v3";

/// The providers gpuhunt publishes offline catalogs for, `(its name, our id)`.
pub const PROVIDERS: &[(&str, &str)] = &[
    ("aws", "aws"),
    ("azure", "azure"),
    ("gcp", "gcp"),
    ("lambdalabs", "lambda"),
    ("nebius", "nebius"),
    ("oci", "oci"),
    ("runpod", "runpod"),
    ("verda", "verda"),
    ("cloudrift", "cloudrift"),
];

/// Largest CSV accepted from inside a zip (a guard against a bomb).
const MAX_CSV_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct Pulled {
    pub offers: Vec<Offer>,
    pub reached: Vec<String>,
    pub notes: Vec<String>,
}

pub async fn pull(http: &Http, base: &str) -> Pulled {
    let mut out = Pulled::default();
    for (name, id) in PROVIDERS {
        match one(http, base, name, id).await {
            Ok((offers, skipped)) => {
                if skipped > 0 {
                    out.notes.push(format!(
                        "gpuhunt `{name}`: {skipped} malformed rows skipped"
                    ));
                }
                out.offers.extend(offers);
                out.reached.push(id.to_string());
            }
            Err(e) => out.notes.push(format!("gpuhunt `{name}`: {e}")),
        }
    }
    out
}

async fn one(http: &Http, base: &str, name: &str, id: &str) -> Result<(Vec<Offer>, usize), String> {
    let get = |url: String| async move {
        let resp = http
            .send("catalog", &Request::get(&url))
            .await
            .map_err(|e| e.message)?;
        if !resp.is_success() {
            return Err(format!(
                "HTTP {} from {}",
                resp.status,
                gpu_providers::http::redact_url(&url)
            ));
        }
        Ok(resp.body)
    };
    let version = String::from_utf8_lossy(&get(format!("{base}/{name}/version")).await?)
        .trim()
        .to_string();
    let as_of = version_date(&version)
        .ok_or_else(|| format!("`{version}` is not a catalog version (YYYYMMDD-N)"))?;
    let url = format!("{base}/{name}/{version}/catalog.zip");
    let zip = get(url.clone()).await?;
    let csv = unzip(&zip, &format!("{name}.csv"))?;
    parse(&csv, id, &as_of, &gpu_providers::http::redact_url(&url))
}

/// `20261130-1542` -> `2026-11-30`.
pub fn version_date(version: &str) -> Option<String> {
    let day = version.split('-').next()?;
    if day.len() != 8 || !day.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let date = format!("{}-{}-{}", &day[..4], &day[4..6], &day[6..]);
    humantime::parse_rfc3339_weak(&format!("{date}T00:00:00")).ok()?;
    Some(date)
}

fn unzip(bytes: &[u8], file: &str) -> Result<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a readable zip: {e}"))?;
    let entry = archive
        .by_name(file)
        .map_err(|_| format!("the zip has no `{file}`"))?;
    let mut text = String::new();
    let n = entry
        .take(MAX_CSV_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("`{file}` could not be read: {e}"))?;
    if n as u64 > MAX_CSV_BYTES {
        return Err(format!("`{file}` is larger than {MAX_CSV_BYTES} bytes"));
    }
    Ok(text)
}

/// Parse one gpuhunt CSV (header `instance_name,location,price,cpu,memory,gpu_count,gpu_name,
/// gpu_memory,spot,disk_size,...`, read by name). DWS calendar-mode rows (`flags`) are not
/// on-demand prices and are left out.
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
    let col = |n: &str| headers.iter().position(|h| h.trim() == n);
    let (Some(name), Some(location), Some(price), Some(count), Some(gpu_name)) = (
        col("instance_name"),
        col("location"),
        col("price"),
        col("gpu_count"),
        col("gpu_name"),
    ) else {
        return Err(
            "the header lacks instance_name, location, price, gpu_count or gpu_name".into(),
        );
    };
    let (cpu, memory, gpu_memory, spot, disk, flags) = (
        col("cpu"),
        col("memory"),
        col("gpu_memory"),
        col("spot"),
        col("disk_size"),
        col("flags"),
    );
    let mut offers = Vec::new();
    let mut seen: std::collections::HashMap<(String, String, bool), usize> = Default::default();
    let mut skipped = 0;
    for record in reader.records() {
        let Ok(r) = record else {
            skipped += 1;
            continue;
        };
        let get = |i: Option<usize>| i.and_then(|i| r.get(i)).map(str::trim).unwrap_or("");
        let num = |i: Option<usize>| get(i).parse::<f64>().ok().filter(|v| v.is_finite());
        let n = match num(Some(count)) {
            Some(n) if n >= 1.0 && n.fract() == 0.0 => n as u32,
            Some(_) => continue, // a CPU type
            None => {
                skipped += 1;
                continue;
            }
        };
        if get(flags).contains("calendar") {
            continue;
        }
        let Some(p) = num(Some(price)).filter(|p| gpu_providers::http::sane_price(*p)) else {
            skipped += 1;
            continue;
        };
        let is_spot = get(spot).eq_ignore_ascii_case("true");
        let (instance, place) = (get(Some(name)), get(Some(location)));
        // One row per instance, place and kind: the cheapest (as SkyPilot's files are read).
        let key = (instance.to_string(), place.to_string(), is_spot);
        if let Some(&at) = seen.get(&key) {
            let old: &mut Offer = &mut offers[at];
            if p < old.price_per_hour_usd {
                old.price_per_hour_usd = p;
                old.price_per_gpu_hour_usd = per_gpu(p, n);
            }
            continue;
        }
        seen.insert(key, offers.len());
        let mut g = canonical(get(Some(gpu_name)));
        g.memory_gb = g.memory_gb.or(num(gpu_memory).filter(|m| *m > 0.0));
        let suffix = if is_spot { ":spot" } else { "" };
        offers.push(Offer {
            provider: provider.to_string(),
            offer_id: format!("{provider}:{instance}@{place}{suffix}"),
            instance_type: instance.to_string(),
            gpu: g.family,
            gpu_variant: g.variant,
            gpu_memory_gb: g.memory_gb,
            gpu_count: n,
            gpu_fraction: None,
            vcpus: num(cpu).filter(|c| *c >= 1.0).map(|c| c as u32),
            memory_gb: num(memory).filter(|m| *m > 0.0),
            disk_gb: num(disk).filter(|d| *d > 0.0),
            region: if place.is_empty() {
                "any".into()
            } else {
                place.into()
            },
            spot: is_spot,
            price_per_hour_usd: p,
            price_per_gpu_hour_usd: per_gpu(p, n),
            available: None,
            stock: None,
            source: Source::Catalog,
            as_of: as_of.to_string(),
            source_url: source_url.to_string(),
            storage_price_per_hour_usd: None,
            catalog_source: Some("gpuhunt".into()),
            as_of_estimated: false,
            country: None,
            continent: None,
            value: Default::default(),
        });
    }
    Ok((offers, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_date_the_rows_and_calendar_rows_are_left_out() {
        assert_eq!(version_date("20261130-1542").as_deref(), Some("2026-11-30"));
        assert_eq!(version_date("latest"), None);
        assert_eq!(version_date("20261399-1"), None);
        let text = "instance_name,location,price,cpu,memory,gpu_count,gpu_name,gpu_memory,spot,disk_size,gpu_vendor,flags,cpu_arch,provider_data\n\
                    a3-highgpu-8g,us-central1-a,88.25,208,1872,8,H100,80,False,,nvidia,,x86,{}\n\
                    a3-highgpu-8g,us-central1-a,43.79,208,1872,8,H100,80,False,,nvidia,gcp-dws-calendar-mode,x86,{}\n\
                    a3-highgpu-8g,us-central1-a,30.1,208,1872,8,H100,80,True,,nvidia,,x86,{}\n\
                    n2-standard-8,us-central1-a,0.39,8,32,0,,,False,,,,x86,{}\n\
                    broken,us-central1-a,abc,8,32,1,L4,24,False,,nvidia,,x86,{}\n";
        let (offers, skipped) = parse(text, "gcp", "2026-11-30", "u").unwrap();
        assert_eq!(skipped, 1);
        assert_eq!(offers.len(), 2, "{offers:?}");
        let od = offers.iter().find(|o| !o.spot).unwrap();
        assert_eq!(od.price_per_hour_usd, 88.25, "not the calendar-mode price");
        assert_eq!(
            (od.gpu.as_str(), od.gpu_count, od.vcpus),
            ("H100", 8, Some(208))
        );
        assert_eq!(od.catalog_source.as_deref(), Some("gpuhunt"));
    }

    #[test]
    fn a_zip_is_read_and_a_bad_one_is_named() {
        use std::io::Write;
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut buf);
            w.start_file("lambdalabs.csv", zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(b"instance_name,location,price,gpu_count,gpu_name\nx,y,1.0,1,A10\n")
                .unwrap();
            w.finish().unwrap();
        }
        let text = unzip(buf.get_ref(), "lambdalabs.csv").unwrap();
        assert!(text.starts_with("instance_name"));
        assert!(unzip(buf.get_ref(), "aws.csv")
            .unwrap_err()
            .contains("no `aws.csv`"));
        assert!(unzip(b"not a zip", "x.csv")
            .unwrap_err()
            .contains("not a readable zip"));
    }
}
