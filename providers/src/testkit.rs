//! Shared checks for adapter tests: a fake server per test and the conformance rules every
//! adapter's offers must meet.

use std::time::Duration;

use wiremock::MockServer;

use crate::gpu::canonical;
use crate::http::{Http, HttpOptions};
use crate::offer::{Offer, Source};
use crate::secret::Secret;
use crate::ProviderContext;

pub const TEST_KEY: &str = "test-key-SENTINEL-0123456789";

/// A fake server of the test's own. Not one from wiremock's shared pool: an adapter that gives
/// up early (on an error, by design) can leave a request in flight, and on a pooled server that
/// request would land in whichever test received the server next.
pub async fn server() -> MockServer {
    MockServer::builder().start().await
}

pub fn http() -> Http {
    Http::new(HttpOptions {
        timeout: Duration::from_millis(1500),
        retries: 1,
        retry_base_delay: Duration::ZERO,
        ..HttpOptions::default()
    })
    .unwrap()
}

pub fn context(server: &MockServer, key: Option<&str>) -> ProviderContext {
    ProviderContext {
        api_key: key.map(Secret::new),
        base_url: server.uri(),
        http: http(),
        settings: toml::Table::new(),
    }
}

/// The rules every adapter's offers follow, whatever the provider.
pub fn assert_offers_well_formed(provider: &str, offers: &[Offer]) {
    for o in offers {
        assert_eq!(o.provider, provider, "{o:?}");
        assert!(
            o.offer_id.starts_with(&format!("{provider}:")),
            "offer id must start with the provider: {o:?}"
        );
        assert!(
            o.price_per_hour_usd > 0.0 && o.price_per_hour_usd.is_finite(),
            "{o:?}"
        );
        let per_gpu = o.price_per_hour_usd / f64::from(o.gpu_count);
        assert!((per_gpu - o.price_per_gpu_hour_usd).abs() < 1e-9, "{o:?}");
        assert!(o.gpu_count >= 1, "{o:?}");
        assert!(!o.region.is_empty(), "{o:?}");
        assert!(!o.gpu.is_empty(), "{o:?}");
        let again = canonical(&o.gpu);
        if again.known {
            assert_eq!(again.family, o.gpu, "GPU name is not canonical: {o:?}");
        }
        assert_eq!(o.source, Source::Live);
        assert!(humantime::parse_rfc3339(&o.as_of).is_ok(), "{o:?}");
        assert!(
            !o.source_url.contains(TEST_KEY),
            "key leaked into source_url"
        );
    }
}

/// The request matchers of every adapter test check the key travels in a header only.
pub fn assert_key_not_in_urls(requests: &[wiremock::Request]) {
    for r in requests {
        assert!(
            !r.url.as_str().contains(TEST_KEY),
            "the API key was sent in a URL: {}",
            r.url.path()
        );
    }
}

/// Every offer's region is mapped to a place (`place::of`, applied by `Offer::locate`): a
/// country code and a continent code, except the global marker `any` (priced everywhere).
pub fn assert_located(offers: &[Offer]) {
    assert_located_except(offers, &[]);
}

/// [`assert_located`], but the regions of `unplaced` are known to name no country (a
/// provider's own "unknown", a region whose country it does not say): those must stay
/// unplaced, so mapping one later means taking it off the list. Names every region that
/// fails, not only the first.
pub fn assert_located_except(offers: &[Offer], unplaced: &[&str]) {
    const CONTINENTS: [&str; 6] = ["NA", "SA", "EU", "AS", "OC", "AF"];
    let mut problems = Vec::new();
    for o in offers {
        let mut located = o.clone();
        located.locate();
        let place = (located.country.as_deref(), located.continent.as_deref());
        let problem = if o.region.trim().eq_ignore_ascii_case("any") {
            (place != (None, None)).then(|| format!("`any` is priced everywhere, got {place:?}"))
        } else if unplaced.contains(&o.region.as_str()) {
            (place != (None, None))
                .then(|| format!("is placed now ({place:?}): take it off the list"))
        } else {
            match place {
                (Some(country), Some(continent)) => {
                    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
                        Some(format!(
                            "country {country:?} is not an ISO 3166-1 alpha-2 code"
                        ))
                    } else if !CONTINENTS.contains(&continent) {
                        Some(format!(
                            "continent {continent:?} is not one of {CONTINENTS:?}"
                        ))
                    } else {
                        None
                    }
                }
                _ => Some("has no place: add it to place.rs".to_string()),
            }
        };
        if let Some(p) = problem {
            let line = format!("{} region {:?}: {p}", o.provider, o.region);
            if !problems.contains(&line) {
                problems.push(line);
            }
        }
    }
    assert!(
        problems.is_empty(),
        "unplaced regions:\n{}",
        problems.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(provider: &str, region: &str) -> Offer {
        serde_json::from_value(serde_json::json!({
            "provider": provider, "offer_id": format!("{provider}:x@{region}"),
            "instance_type": "x", "gpu": "H100", "gpu_variant": null, "gpu_memory_gb": null,
            "gpu_count": 1, "vcpus": null, "memory_gb": null, "disk_gb": null,
            "region": region, "spot": false, "price_per_hour_usd": 1.0,
            "price_per_gpu_hour_usd": 1.0, "available": null, "stock": null, "source": "live",
            "as_of": "2026-01-01T00:00:00Z", "source_url": "https://example.com"
        }))
        .unwrap()
    }

    #[test]
    fn placed_regions_and_any_pass() {
        assert_located(&[offer("aws", "us-east-1"), offer("lambda", "any")]);
        assert_located_except(&[offer("vast", "unknown")], &["unknown"]);
    }

    #[test]
    #[should_panic(expected = "aws region \"mars-north-1\": has no place")]
    fn an_unplaced_region_is_named() {
        assert_located(&[offer("aws", "us-east-1"), offer("aws", "mars-north-1")]);
    }

    #[test]
    #[should_panic(expected = "take it off the list")]
    fn a_listed_region_that_is_placed_now_fails() {
        assert_located_except(&[offer("aws", "us-east-1")], &["us-east-1"]);
    }
}
