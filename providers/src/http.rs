//! The one HTTP client every adapter shares: timeouts, a User-Agent, bounded bodies, bounded
//! retries of 429 and 5xx, request logging for `-v`, and URLs scrubbed of secrets before they
//! reach a log line or an error.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::Deserialize as _;

use crate::error::{ErrorKind, ProviderError};
use crate::secret::Secret;

/// What `-v` prints for each request. The URL is already redacted.
#[derive(Debug, Clone)]
pub struct RequestLog {
    pub provider: &'static str,
    pub method: &'static str,
    pub url: String,
    pub status: Option<u16>,
    pub elapsed: Duration,
    pub attempt: u32,
    pub error: Option<String>,
}

pub type Logger = Arc<dyn Fn(&RequestLog) + Send + Sync>;

#[derive(Clone)]
pub struct HttpOptions {
    /// Per-request timeout.
    pub timeout: Duration,
    /// A body larger than this is an error, never read whole into memory.
    pub max_body_bytes: usize,
    /// Extra attempts after a 429, a 5xx or a connection failure.
    pub retries: u32,
    /// First backoff delay; doubled each attempt, with jitter. Zero in tests.
    pub retry_base_delay: Duration,
    /// Upper bound for any one wait, including a provider's `Retry-After`.
    pub max_retry_delay: Duration,
    pub user_agent: String,
    pub logger: Option<Logger>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(10),
            max_body_bytes: 64 * 1024 * 1024,
            retries: 2,
            retry_base_delay: Duration::from_millis(500),
            max_retry_delay: Duration::from_secs(5),
            user_agent: format!("gpu-cli/{}", env!("CARGO_PKG_VERSION")),
            logger: None,
        }
    }
}

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    opts: Arc<HttpOptions>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// One request an adapter wants sent.
pub struct Request<'a> {
    pub method: Method,
    pub url: String,
    pub bearer: Option<&'a Secret>,
    pub headers: Vec<(&'static str, String)>,
    pub json_body: Option<serde_json::Value>,
    /// An `application/x-www-form-urlencoded` body, already encoded (AWS's Query API).
    pub form_body: Option<String>,
    /// The body's media type when it is JSON under another name (AWS's
    /// `application/x-amz-json-1.1`); `application/json` otherwise.
    pub content_type: Option<&'static str>,
    /// False for requests that create something: a 5xx or a lost connection leaves it
    /// unknown whether the request took effect, so it is not sent again; nor is a 429, which
    /// the caller answers by looking for what it asked for first.
    pub safe_to_repeat: bool,
}

impl<'a> Request<'a> {
    pub fn new(method: Method, url: impl Into<String>, body: Option<serde_json::Value>) -> Self {
        Request {
            method,
            url: url.into(),
            bearer: None,
            headers: Vec::new(),
            json_body: body,
            form_body: None,
            content_type: None,
            safe_to_repeat: true,
        }
    }
    pub fn get(url: impl Into<String>) -> Self {
        Self::new(Method::Get, url, None)
    }
    pub fn post_json(url: impl Into<String>, body: serde_json::Value) -> Self {
        Self::new(Method::Post, url, Some(body))
    }
    pub fn delete(url: impl Into<String>) -> Self {
        Self::new(Method::Delete, url, None)
    }
    /// A POST of an encoded form.
    pub fn post_form(url: impl Into<String>, body: String) -> Self {
        let mut r = Self::new(Method::Post, url, None);
        r.form_body = Some(body);
        r
    }
    /// A request that creates something; see [`Request::safe_to_repeat`].
    pub fn creating(mut self) -> Self {
        self.safe_to_repeat = false;
        self
    }
    /// The request as `--dry-run` shows it: URL redacted, no headers.
    pub fn plan(&self) -> crate::instance::PlannedRequest {
        crate::instance::PlannedRequest {
            method: self.method.as_str().to_string(),
            url: redact_url(&self.url),
            body: self.json_body.clone(),
        }
    }
    pub fn bearer(mut self, key: Option<&'a Secret>) -> Self {
        self.bearer = key;
        self
    }
}

/// How far each provider's clock (the `Date` of its latest answer) runs ahead of this
/// machine's, in seconds (negative: behind).
static CLOCKS: std::sync::Mutex<Vec<(&'static str, i64)>> = std::sync::Mutex::new(Vec::new());

fn note_clock(provider: &'static str, date: std::time::SystemTime) {
    let now = std::time::SystemTime::now();
    let ahead = match date.duration_since(now) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    if let Ok(mut clocks) = CLOCKS.lock() {
        clocks.retain(|(p, _)| *p != provider);
        clocks.push((provider, ahead));
    }
}

/// Offsets beyond this are not believed: a `Date` a day off is a broken header or proxy, and
/// taking it would make a sweeper end every instance with a deadline.
pub const MAX_CLOCK_OFFSET_SECS: i64 = 24 * 3600;

/// How far `provider`'s clock ran ahead of this machine's at its latest answer (seconds;
/// negative when behind); `None` before it answered with a believable `Date`.
pub fn clock_ahead(provider: &str) -> Option<i64> {
    CLOCKS
        .lock()
        .ok()?
        .iter()
        .find(|(p, _)| *p == provider)
        .map(|(_, a)| *a)
        .filter(|a| a.abs() <= MAX_CLOCK_OFFSET_SECS)
}

/// A response whose body was read within the size cap.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    pub retry_after: Option<Duration>,
    /// `X-Total-Count`, where an API pages that way (Scaleway).
    pub total_count: Option<u64>,
}

impl Response {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
    /// The body as text for error messages: first line, at most 200 characters, no controls.
    pub fn snippet(&self) -> String {
        snippet(&self.body)
    }
}

pub fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line: String = text
        .split(['\n', '\r'])
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    line
}

impl Http {
    pub fn new(opts: HttpOptions) -> Result<Http, String> {
        let client = reqwest::Client::builder()
            .user_agent(opts.user_agent.clone())
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(|e| format!("could not set up the HTTP client: {e}"))?;
        Ok(Http {
            client,
            opts: Arc::new(opts),
        })
    }

    pub fn options(&self) -> &HttpOptions {
        &self.opts
    }

    /// Send with retries. Returns the last response whatever its status (callers map non-2xx
    /// statuses with their own `error_from`), or an error when no response came at all.
    pub async fn send(
        &self,
        provider: &'static str,
        req: &Request<'_>,
    ) -> Result<Response, ProviderError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let result = self.send_once(provider, req).await;
            let log = |status: Option<u16>, error: Option<String>| {
                if let Some(logger) = &self.opts.logger {
                    logger(&RequestLog {
                        provider,
                        method: req.method.as_str(),
                        url: redact_url(&req.url),
                        status,
                        elapsed: started.elapsed(),
                        attempt,
                        error,
                    });
                }
            };
            let retry_after = match &result {
                Ok(resp) => {
                    log(Some(resp.status), None);
                    // A create answered 429 is not sent again here: the caller first looks
                    // for the instance by name, since a 429 does not prove nothing was made.
                    let retryable =
                        req.safe_to_repeat && (resp.status == 429 || resp.status >= 500);
                    if !retryable || attempt > self.opts.retries {
                        return result.map_err(|(e, _)| e);
                    }
                    resp.retry_after
                }
                Err((e, retry)) => {
                    log(None, Some(e.message.clone()));
                    if !*retry || !req.safe_to_repeat || attempt > self.opts.retries {
                        return result.map_err(|(e, _)| e);
                    }
                    None
                }
            };
            tokio::time::sleep(self.backoff(attempt, retry_after)).await;
        }
    }

    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if self.opts.retry_base_delay.is_zero() {
            return Duration::ZERO;
        }
        let exp = self.opts.retry_base_delay * 2u32.saturating_pow(attempt - 1);
        // Jitter without a RNG crate: the clock's sub-second nanos are random enough to spread
        // concurrent clients apart.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let jitter = exp.mul_f64(f64::from(nanos % 1000) / 4000.0);
        retry_after
            .unwrap_or(exp + jitter)
            .min(self.opts.max_retry_delay)
    }

    /// One attempt. An error comes with whether trying again soon could help: a refused
    /// connection or a failed DNS lookup will not mend in a second, a cut-off body may.
    async fn send_once(
        &self,
        provider: &'static str,
        req: &Request<'_>,
    ) -> Result<Response, (ProviderError, bool)> {
        #[cfg(test)]
        contract_log::record(provider, req);
        let mut builder = match req.method {
            Method::Get => self.client.get(&req.url),
            Method::Post => self.client.post(&req.url),
            Method::Put => self.client.put(&req.url),
            Method::Delete => self.client.delete(&req.url),
        };
        builder = builder.header("Accept", "application/json");
        if let Some(key) = req.bearer {
            builder = builder.bearer_auth(key.expose());
        }
        for (name, value) in &req.headers {
            builder = builder.header(*name, value);
        }
        if let Some(body) = &req.json_body {
            builder = builder
                .header(
                    "Content-Type",
                    req.content_type.unwrap_or("application/json"),
                )
                .body(body.to_string());
        } else if let Some(form) = &req.form_body {
            builder = builder
                .header(
                    "Content-Type",
                    "application/x-www-form-urlencoded; charset=utf-8",
                )
                .body(form.clone());
        }
        let mut resp = builder.send().await.map_err(|e| {
            let retry = !e.is_connect() && !e.is_timeout();
            (transport_error(provider, &req.url, &e), retry)
        })?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        if let Some(date) = resp
            .headers()
            .get("date")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
        {
            note_clock(provider, date);
        }
        let total_count = resp
            .headers()
            .get("x-total-count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(len) = resp.content_length() {
            if len > self.opts.max_body_bytes as u64 {
                return Err((too_large(provider, self.opts.max_body_bytes), false));
            }
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| (transport_error(provider, &req.url, &e), !e.is_timeout()))?
        {
            if body.len() + chunk.len() > self.opts.max_body_bytes {
                return Err((too_large(provider, self.opts.max_body_bytes), false));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            body,
            retry_after,
            total_count,
        })
    }
}

fn too_large(provider: &'static str, cap: usize) -> ProviderError {
    ProviderError::new(
        provider,
        ErrorKind::BadResponse,
        format!("response larger than {} MiB, not read", cap / (1024 * 1024)),
    )
}

fn transport_error(provider: &'static str, url: &str, e: &reqwest::Error) -> ProviderError {
    let what = if e.is_timeout() {
        "no response within the timeout".to_string()
    } else if e.is_connect() {
        format!("could not connect to {}", host_of(url))
    } else if e.is_body() || e.is_decode() {
        "the response was cut off".to_string()
    } else {
        format!("request to {} failed", host_of(url))
    };
    ProviderError::new(provider, ErrorKind::Unavailable, what)
}

fn host_of(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => "the provider".to_string(),
        },
        Err(_) => "the provider".to_string(),
    }
}

/// Remove credentials from a URL: user info, and the values of query parameters whose names
/// look like keys or tokens.
pub fn redact_url(url: &str) -> String {
    let Ok(mut u) = reqwest::Url::parse(url) else {
        return "<invalid url>".to_string();
    };
    if !u.username().is_empty() || u.password().is_some() {
        let _ = u.set_username("***");
        let _ = u.set_password(None);
    }
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let lower = k.to_ascii_lowercase();
                let secret = ["key", "token", "secret", "password", "signature", "auth"]
                    .iter()
                    .any(|s| lower.contains(s));
                let v = if secret {
                    "***".to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// The generic meaning of an HTTP status, for adapters whose provider documents no better one.
pub fn kind_for_status(status: u16) -> ErrorKind {
    match status {
        401 | 403 => ErrorKind::Auth,
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::Unavailable,
        _ => ErrorKind::Invalid,
    }
}

/// The generic message for a failed status, with the provider's own words when it gave any.
pub fn status_error(provider: &'static str, status: u16, detail: Option<String>) -> ProviderError {
    let kind = kind_for_status(status);
    let what = match kind {
        ErrorKind::Auth => "rejected the API key",
        ErrorKind::RateLimited => "rate limited the request",
        ErrorKind::Unavailable => "service unavailable",
        _ => "refused the request",
    };
    let message = match detail.filter(|d| !d.is_empty()) {
        Some(d) => format!("{what} (HTTP {status}): {d}"),
        None => format!("{what} (HTTP {status})"),
    };
    ProviderError::new(provider, kind, message)
}

/// Parse a JSON body into `T`, naming the field that did not fit.
pub fn parse_json<T: DeserializeOwned>(
    provider: &'static str,
    endpoint: &str,
    body: &[u8],
) -> Result<T, ProviderError> {
    // The fast path; only a body that does not fit is read again to name the field.
    if let Ok(parsed) = serde_json::from_slice(body) {
        return Ok(parsed);
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = if inner.is_syntax() || inner.is_eof() {
            let start = snippet(body);
            if start.starts_with('<') {
                format!("`{endpoint}` answered HTML, not JSON (a proxy or error page?)")
            } else {
                format!("`{endpoint}` answered something that is not JSON ({inner})")
            }
        } else if path == "." || path.is_empty() {
            format!("could not read the `{endpoint}` response: {inner}")
        } else {
            format!("could not read the `{endpoint}` response: {inner} at `{path}`")
        };
        ProviderError::new(provider, ErrorKind::BadResponse, message)
    })
}

/// One item of a provider's list, read on its own: a malformed item costs that item only, and
/// the provider's other items stay (`Vec<Item<T>>`, `BTreeMap<String, Item<T>>`).
#[derive(Debug)]
pub enum Item<T> {
    Read(T),
    /// Why it could not be read, naming the field: `invalid value: -1 ... at `specs.gpus``.
    Bad(String),
}

impl<'de, T: DeserializeOwned> serde::Deserialize<'de> for Item<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // The item's text, kept raw (no tree is built: a 10,000-offer answer stays fast), then
        // read on its own; only a failed item is read again, to name the field.
        let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
        if let Ok(t) = serde_json::from_str::<T>(raw.get()) {
            return Ok(Item::Read(t));
        }
        let mut de = serde_json::Deserializer::from_str(raw.get());
        Ok(match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Ok(t) => Item::Read(t),
            Err(e) => {
                let path = e.path().to_string();
                Item::Bad(format!("{} at `{path}`", unplaced(&e.into_inner())))
            }
        })
    }
}

/// A serde_json error without its `at line 1 column 40` (a place in one item's text, which
/// says nothing to a user; the field path does).
fn unplaced(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) if text[at..].contains(" column ") => text[..at].to_string(),
        _ => text,
    }
}

/// The items that could be read; the others are said in one gap line (`skipped 2 instance
/// types it could not read: ... at `specs.gpus``), which the caller warns about. When not one
/// item could be read, the answer is not the shape this adapter knows: an error, as before.
pub fn readable<T>(
    provider: &'static str,
    endpoint: &str,
    items: impl IntoIterator<Item = Item<T>>,
    what: &str,
    gaps: &mut Vec<String>,
) -> Result<Vec<T>, ProviderError> {
    let mut read = Vec::new();
    let mut bad: Vec<String> = Vec::new();
    for item in items {
        match item {
            Item::Read(t) => read.push(t),
            Item::Bad(why) => bad.push(why),
        }
    }
    let Some(first) = bad.first() else {
        return Ok(read);
    };
    if read.is_empty() {
        return Err(ProviderError::new(
            provider,
            ErrorKind::BadResponse,
            format!("could not read the `{endpoint}` response: {first}"),
        ));
    }
    gaps.extend(skipped(what, &bad));
    Ok(read)
}

/// The one gap line for items set aside: `skipped 2 offers it could not read: WHY (and 1 more)`.
pub fn skipped(what: &str, bad: &[String]) -> Option<String> {
    let first = bad.first()?;
    let more = match bad.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    Some(format!(
        "skipped {} {what} it could not read: {first}{more}",
        bad.len()
    ))
}

/// Where the items of an instance list keep their id and their name, for [`instances`]:
/// `names` in order of preference (the first that carries this tool's name prefix wins).
pub struct InstanceKeys {
    pub id: &'static str,
    pub names: &'static [&'static str],
}

/// An instance list, read one by one: a malformed instance costs that instance's details only.
/// One that cannot be read whole, but whose id can, stays in the list as `unknown` (status
/// `unreadable`, named from its raw name, why in `unreadable`): still billing for all this tool
/// knows, so `ls` shows it, `down` can release it and no ledger entry reads it as gone. An item
/// without a readable id makes the whole list an error: a list short of an instance must never
/// look complete.
pub fn instances<T: DeserializeOwned>(
    provider: &'static str,
    endpoint: &str,
    items: Vec<serde_json::Value>,
    keys: &InstanceKeys,
    mut convert: impl FnMut(T) -> crate::Instance,
) -> Result<Vec<crate::Instance>, ProviderError> {
    items
        .into_iter()
        .map(|v| instance(provider, endpoint, v, keys, &mut convert))
        .collect()
}

/// One instance of a list or of a single answer, as [`instances`] reads them.
pub fn instance<T: DeserializeOwned>(
    provider: &'static str,
    endpoint: &str,
    value: serde_json::Value,
    keys: &InstanceKeys,
    mut convert: impl FnMut(T) -> crate::Instance,
) -> Result<crate::Instance, ProviderError> {
    let no_id = |why: &str| {
        ProviderError::new(
            provider,
            ErrorKind::BadResponse,
            format!(
                "could not read the `{endpoint}` response: an instance without a readable `{}` ({why}); not taken as the whole list",
                keys.id
            ),
        )
    };
    let why = match serde_path_to_error::deserialize::<_, T>(&value) {
        Ok(t) => {
            let i = convert(t);
            if usable_id(&i.id) {
                return Ok(i);
            }
            return Err(no_id(&format!("{:?} is no id", snippet(i.id.as_bytes()))));
        }
        Err(e) => {
            let path = e.path().to_string();
            format!("{} at `{path}`", e.into_inner())
        }
    };
    let id = match value.get(keys.id) {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
    .filter(|id| usable_id(id));
    let Some(id) = id else {
        return Err(no_id(&why));
    };
    let names: Vec<&str> = keys
        .names
        .iter()
        .filter_map(|k| value.get(*k).and_then(|v| v.as_str()))
        .collect();
    let raw_name = names
        .iter()
        .find(|n| n.starts_with(crate::instance::NAME_PREFIX))
        .or(names.first())
        .copied()
        .unwrap_or_default();
    Ok(crate::Instance {
        unreadable: Some(why),
        ..crate::Instance::bare(provider, id, "unreadable")
    }
    .named(raw_name))
}

/// An id fit to show and to put in a request path: not empty, no spaces, control characters
/// or URL delimiters.
fn usable_id(id: &str) -> bool {
    !id.is_empty()
        && !id
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '/' | '?' | '#' | '%'))
}

/// A count the document types as `number`: `2`, `2.0` or `"2"` are 2; a fraction, a negative
/// or anything else is an error (for [`Item`] to set that item aside).
pub fn whole_count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    use serde::de::Error;
    let v = serde_json::Value::deserialize(d)?;
    let n = match &v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= f64::from(u32::MAX) => Ok(n as u32),
        _ => Err(D::Error::custom(format!("expected a whole count, got {v}"))),
    }
}

/// A string field an answer may send as `null`: read as empty (`#[serde(default,
/// deserialize_with = "crate::http::null_as_empty")]`), so one odd record never fails a list.
pub fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde::Deserialize;
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// A region name fit for an offer: trimmed, without control characters, never empty.
pub fn region(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_string();
    if clean.is_empty() {
        "unknown".to_string()
    } else {
        clean
    }
}

/// Check a price the provider reported before it becomes an offer.
pub fn sane_price(value: f64) -> bool {
    value.is_finite() && value > 0.0 && value < 10_000.0
}

/// A price sent as a string (`"2.29"`, as Verda and FluidStack do) or as a number, if sane.
pub fn price_value(v: Option<&serde_json::Value>) -> Option<f64> {
    match v? {
        serde_json::Value::String(s) => s.trim().parse().ok(),
        serde_json::Value::Number(n) => n.as_f64(),
        _ => None,
    }
    .filter(|p| sane_price(*p))
}

/// Percent-encode a query name or value: RFC 3986 unreserved characters stay, every other byte
/// becomes `%XX` (what AWS signatures require, and safe for any query).
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Join a base URL and a path without doubling or dropping the slash.
pub fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// In this crate's unit tests, every request an adapter sends is written down (one JSON line:
/// provider, method, URL, content type, body; for AWS also headers and text) for
/// `tests/contracts.rs`, which checks each one against its provider's published API document
/// after the unit tests have run.
#[cfg(test)]
pub(crate) mod contract_log {
    use std::io::Write;

    /// `target/contract/requests-<pid>.jsonl`: one file per test process, the newest is read.
    pub fn path() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/contract")
            .join(format!("requests-{}.jsonl", std::process::id()))
    }

    pub fn record(provider: &str, req: &super::Request<'_>) {
        // Only requests to this machine's fakes: a test never reaches a real host.
        if !(req.url.starts_with("http://127.0.0.1") || req.url.starts_with("http://[::1]")) {
            return;
        }
        let content_type = if req.json_body.is_some() {
            Some(req.content_type.unwrap_or("application/json"))
        } else if req.form_body.is_some() {
            Some("application/x-www-form-urlencoded")
        } else {
            None
        };
        let mut line = serde_json::json!({
            "provider": provider,
            "method": req.method.as_str(),
            "url": req.url,
            "content_type": content_type,
            "body": req.json_body,
        });
        // AWS is checked with its signature: the headers and the body as signed. (No other
        // provider's headers are written down: they carry its key.)
        if provider == "aws" {
            let mut headers: serde_json::Map<String, serde_json::Value> = req
                .headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone().into()))
                .collect();
            if let Some(ct) = content_type {
                headers.insert("content-type".into(), ct.into());
            }
            line["headers"] = headers.into();
            line["text"] = match (&req.json_body, &req.form_body) {
                (Some(b), _) => b.to_string().into(),
                (None, Some(f)) => f.clone().into(),
                (None, None) => serde_json::Value::Null,
            };
        }
        // Tests run on many threads: one line at a time, whole.
        static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _held = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let path = path();
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
        {
            let _ = f.write_all(format!("{line}\n").as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_keys_in_urls() {
        let u = redact_url("https://api.runpod.io/graphql?api_key=SENTINEL&x=1");
        assert!(!u.contains("SENTINEL"), "{u}");
        assert!(u.contains("x=1"));
        let u = redact_url("https://user:SENTINEL@example.com/p?key=SENTINEL2");
        assert!(!u.contains("SENTINEL"), "{u}");
    }

    #[test]
    fn statuses_map_to_kinds() {
        assert_eq!(kind_for_status(401), ErrorKind::Auth);
        assert_eq!(kind_for_status(403), ErrorKind::Auth);
        assert_eq!(kind_for_status(429), ErrorKind::RateLimited);
        assert_eq!(kind_for_status(503), ErrorKind::Unavailable);
        assert_eq!(kind_for_status(400), ErrorKind::Invalid);
    }

    #[test]
    fn json_errors_name_the_field() {
        #[derive(serde::Deserialize, Debug)]
        struct Outer {
            #[allow(dead_code)]
            data: Inner,
        }
        #[derive(serde::Deserialize, Debug)]
        struct Inner {
            #[allow(dead_code)]
            price: f64,
        }
        let e = parse_json::<Outer>("x", "/p", br#"{"data":{"price":"abc"}}"#).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
        assert!(e.message.contains("data.price"), "{}", e.message);
        let e = parse_json::<Outer>("x", "/p", b"<html><body>502</body></html>").unwrap_err();
        assert!(e.message.contains("HTML"), "{}", e.message);
        let e = parse_json::<Outer>("x", "/p", br#"{"data":{"pri"#).unwrap_err();
        assert!(e.message.contains("not JSON"), "{}", e.message);
    }

    #[test]
    fn snippets_are_one_clean_line() {
        assert_eq!(
            snippet(b"\n  first \x1b[31m line\nsecond"),
            "first [31m line"
        );
    }

    #[test]
    fn prices_must_be_sane() {
        assert!(sane_price(2.5));
        assert!(!sane_price(0.0));
        assert!(!sane_price(-1.0));
        assert!(!sane_price(f64::NAN));
        assert!(!sane_price(f64::INFINITY));
        assert!(!sane_price(1e9));
    }
}

#[cfg(test)]
mod network_tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use wiremock::matchers::method;
    use wiremock::{Mock, ResponseTemplate};

    use super::*;

    fn counting(opts: HttpOptions) -> (Http, Arc<AtomicU32>) {
        let n = Arc::new(AtomicU32::new(0));
        let seen = n.clone();
        let http = Http::new(HttpOptions {
            logger: Some(Arc::new(move |_| {
                seen.fetch_add(1, Ordering::SeqCst);
            })),
            ..opts
        })
        .unwrap();
        (http, n)
    }

    fn quick() -> HttpOptions {
        HttpOptions {
            retry_base_delay: Duration::ZERO,
            timeout: Duration::from_secs(2),
            ..HttpOptions::default()
        }
    }

    #[tokio::test]
    async fn oversized_bodies_are_refused_without_reading_them_whole() {
        let server = crate::testkit::server().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(4096)))
            .mount(&server)
            .await;
        let (http, _) = counting(HttpOptions {
            max_body_bytes: 1024,
            ..quick()
        });
        let e = http
            .send("t", &Request::get(server.uri()))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
        assert!(e.message.contains("larger than"), "{}", e.message);
    }

    #[tokio::test]
    async fn refused_connections_are_not_retried_but_5xx_are() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let (http, attempts) = counting(quick());
        let e = http
            .send("t", &Request::get(format!("http://127.0.0.1:{port}/")))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert!(e.message.contains("could not connect"), "{}", e.message);
        assert_eq!(attempts.load(Ordering::SeqCst), 1);

        let server = crate::testkit::server().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(502))
            .mount(&server)
            .await;
        let (http, attempts) = counting(quick());
        let resp = http.send("t", &Request::get(server.uri())).await.unwrap();
        assert_eq!(resp.status, 502);
        assert_eq!(
            attempts.load(Ordering::SeqCst),
            3,
            "one try and two retries"
        );
    }

    #[tokio::test]
    async fn retry_after_is_honoured_within_the_cap() {
        let server = crate::testkit::server().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
            .mount(&server)
            .await;
        let (http, _) = counting(HttpOptions {
            retries: 1,
            retry_base_delay: Duration::from_millis(1),
            max_retry_delay: Duration::from_millis(20),
            ..quick()
        });
        let started = std::time::Instant::now();
        let resp = http.send("t", &Request::get(server.uri())).await.unwrap();
        assert_eq!(resp.status, 429);
        assert_eq!(resp.retry_after, Some(Duration::from_secs(120)));
        // A 120 s Retry-After is capped by max_retry_delay, not obeyed blindly.
        assert!(started.elapsed() < Duration::from_secs(60));
    }
}

#[cfg(test)]
mod fault_tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    fn client(timeout_ms: u64) -> Http {
        Http::new(HttpOptions {
            timeout: Duration::from_millis(timeout_ms),
            retries: 0,
            retry_base_delay: Duration::ZERO,
            ..HttpOptions::default()
        })
        .unwrap()
    }

    #[tokio::test]
    async fn tls_to_a_plain_server_fails_cleanly() {
        let server = crate::testkit::server().await;
        let url = server.uri().replace("http://", "https://");
        let e = client(2000)
            .send("t", &Request::get(url))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert!(e.message.contains("127.0.0.1"), "{}", e.message);
        assert!(!e.message.contains('\n'));
    }

    #[tokio::test]
    async fn a_stalled_body_ends_at_the_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            // Headers promise 1000 bytes; 10 arrive, then nothing.
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"data\": [")
                .await;
            tokio::time::sleep(Duration::from_secs(10)).await;
        });
        let started = std::time::Instant::now();
        let e = client(300)
            .send("t", &Request::get(format!("http://127.0.0.1:{port}/")))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert!(started.elapsed() < Duration::from_secs(5));
        server.abort();
    }

    #[tokio::test]
    async fn a_connection_closed_mid_body_is_a_clean_error() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n{\"offers\": [")
                .await;
            // dropped: the connection closes with 990 bytes missing
        });
        let e = client(2000)
            .send("t", &Request::get(format!("http://127.0.0.1:{port}/")))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert!(
            e.message.contains("cut off") || e.message.contains("failed"),
            "{}",
            e.message
        );
    }
}
