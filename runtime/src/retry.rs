//! When a call is tried again: only a request that may safely be sent twice (an idempotent
//! method, or one carrying the idempotency key its operation declares), only after an answer
//! that says "not now" (a connection that failed, 429, 502, 503, 504), at most `PREFIX_RETRIES`
//! times, after a wait that doubles each time with jitter — or what `Retry-After` asks — and
//! only while the wait still fits in the tool's timeout.

use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, SystemTime};

use crate::request::Prepared;
use crate::table::{Location, Tool};

/// The wait before the first retry; each further one doubles it, up to [`MAX_BACKOFF`].
const BASE_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Whether sending `prepared` twice has the effect of sending it once.
pub(crate) fn repeatable(tool: &Tool, prepared: &Prepared) -> bool {
    if tool.method.is_idempotent() {
        return true;
    }
    // A key the server deduplicates on makes any method safe to repeat — if it was sent.
    tool.params.iter().any(|p| {
        p.location == Location::Header
            && is_idempotency_key(p.name)
            && prepared
                .headers
                .iter()
                .any(|(name, value)| name.eq_ignore_ascii_case(p.name) && !value.is_empty())
    })
}

/// `Idempotency-Key`, `X-Idempotency-Key`, `idempotency_key`, …
fn is_idempotency_key(header: &str) -> bool {
    let plain: String = header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    plain == "idempotencykey" || plain == "xidempotencykey"
}

/// Statuses that say "not now": too many requests, a bad gateway, unavailable, a gateway timeout.
pub(crate) fn transient(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// Whether a transport failure happened before the API could answer: no connection, or one that
/// was closed or reset under the request (a kept-alive connection the server had just dropped).
pub(crate) fn connection_failed(error: &reqwest::Error) -> bool {
    if error.is_timeout() {
        return false;
    }
    if error.is_connect() {
        return true;
    }
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
            ) {
                return true;
            }
        }
        source = s.source();
    }
    false
}

/// How long the API asks to wait: `Retry-After` in seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The wait before retry number `n` (from 0): half of the doubled base, plus a random part of
/// the other half, so that clients that failed together do not come back together.
pub(crate) fn backoff(n: u32) -> Duration {
    let full = BASE_BACKOFF
        .saturating_mul(2u32.saturating_pow(n))
        .min(MAX_BACKOFF);
    let random = RandomState::new().hash_one(n) as f64 / u64::MAX as f64;
    full / 2 + full.mul_f64(random / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Annotations, Method, Param, Style};

    fn tool(method: Method, params: &'static [Param]) -> Tool {
        Tool {
            name: "t",
            title: None,
            description: "",
            returns: "",
            tags: &[],
            core: false,
            input_schema: "{}",
            method,
            path: "/",
            params,
            body: None,
            security: &[],
            annotations: Annotations {
                read_only: false,
                destructive: false,
                idempotent: false,
                open_world: true,
            },
            servers: &[],
            confirm: false,
            timeout_secs: None,
            response_limit: None,
            presets: &[],
            array_encoding: None,
            view: None,
            long_running: false,
        }
    }

    static KEYED: &[Param] = &[Param {
        arg: "Idempotency-Key",
        name: "Idempotency-Key",
        location: Location::Header,
        style: Style::Simple,
        explode: false,
        allow_reserved: false,
        required: false,
        media_type: None,
    }];

    #[test]
    fn only_requests_that_may_be_sent_twice_are_repeated() {
        let mut sent = Prepared::default();
        assert!(repeatable(&tool(Method::Get, &[]), &sent));
        assert!(repeatable(&tool(Method::Delete, &[]), &sent));
        assert!(!repeatable(&tool(Method::Post, &[]), &sent));
        // A POST that declares an idempotency key repeats only when the key was sent.
        assert!(!repeatable(&tool(Method::Post, KEYED), &sent));
        sent.set_header("Idempotency-Key", "k-1");
        assert!(repeatable(&tool(Method::Post, KEYED), &sent));
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("retry-after", "3".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        headers.insert("retry-after", later.parse().unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120));
        headers.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_a_bound() {
        for n in 0..20 {
            let full = BASE_BACKOFF.saturating_mul(1 << n.min(16)).min(MAX_BACKOFF);
            let wait = backoff(n);
            assert!(wait >= full / 2 && wait <= full, "{n}: {wait:?}");
        }
        assert!(!transient(500) && transient(503) && transient(429));
    }
}
