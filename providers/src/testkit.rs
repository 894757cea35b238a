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
