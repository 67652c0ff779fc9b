//! Operations that answer `202 Accepted` and finish later (exports, reports, provisioning). The
//! engine follows the status URL the API gives — `Location`, or `Operation-Location` as some
//! APIs name it — when it is on the API's own origin (credentials must not travel elsewhere),
//! polling with backoff and honouring `Retry-After`, until a final answer or the tool's time is
//! up; each wait is reported as progress. This module decides what to poll and when; the engine
//! sends.

use std::sync::Arc;
use std::time::Duration;

use percent_encoding::percent_decode_str;
use reqwest::Url;

use crate::request::Prepared;

/// The first wait when the API does not say (`Retry-After`), doubled each time up to the cap:
/// long jobs are not hammered, short ones are not kept waiting long.
const FIRST_WAIT: Duration = Duration::from_millis(500);
const MAX_WAIT: Duration = Duration::from_secs(10);

/// Where to ask for the outcome of an accepted request: the status URL, resolved against the
/// request's URL, when it is on the same origin.
pub(crate) fn status_url(request_url: &str, headers: &reqwest::header::HeaderMap) -> Option<Url> {
    let base = Url::parse(request_url).ok()?;
    let given = ["location", "operation-location"]
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok())?;
    let url = base.join(given.trim()).ok()?;
    (url.origin() == base.origin()).then_some(url)
}

/// How long to wait before check number `check` (from 1): what the API asks, else doubling.
pub(crate) fn wait(headers: &reqwest::header::HeaderMap, check: u32) -> Duration {
    crate::retry::retry_after(headers).unwrap_or_else(|| {
        FIRST_WAIT
            .saturating_mul(2u32.saturating_pow(check.saturating_sub(1)))
            .min(MAX_WAIT)
    })
}

/// The request that checks on `url`: a `GET` with the original request's credentials — its
/// headers and cookies, and those query parameters that carry a credential — and no body.
pub(crate) fn check_request(original: &Prepared, url: &Url) -> Prepared {
    let is_secret = |pair: &String| {
        pair.split_once('=').is_some_and(|(_, value)| {
            let value = percent_decode_str(value).decode_utf8_lossy();
            original.secrets.iter().any(|s| *s == value)
        })
    };
    Prepared {
        method: "GET",
        url: url.to_string(),
        query: original
            .query
            .iter()
            .filter(|q| is_secret(q))
            .cloned()
            .collect(),
        headers: original
            .headers
            .iter()
            .filter(|(name, _)| {
                !name.eq_ignore_ascii_case("content-type")
                    && !name.eq_ignore_ascii_case("idempotency-key")
            })
            .cloned()
            .collect(),
        cookies: original.cookies.clone(),
        body: None,
        secrets: original.secrets.clone(),
    }
}

/// Where a call reports how it is going: the client's progress token, when it sent one.
#[derive(Clone, Default)]
pub(crate) struct Progress(Option<Arc<dyn Fn(u32, String) + Send + Sync>>);

impl Progress {
    pub(crate) fn to(report: impl Fn(u32, String) + Send + Sync + 'static) -> Progress {
        Progress(Some(Arc::new(report)))
    }

    /// Reports step `step` with a message for the user.
    pub(crate) fn report(&self, step: u32, message: String) {
        if let Some(report) = &self.0 {
            report(step, message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn the_status_url_must_stay_on_the_api_s_origin() {
        let request = "https://api.example.com/v1/exports";
        let at = |location: &str| {
            status_url(request, &headers(&[("location", location)])).map(|u| u.to_string())
        };
        assert_eq!(
            at("/v1/jobs/7").as_deref(),
            Some("https://api.example.com/v1/jobs/7")
        );
        assert_eq!(
            at("jobs/7").as_deref(),
            Some("https://api.example.com/v1/jobs/7")
        );
        assert_eq!(at("https://evil.example.net/jobs/7"), None);
        assert_eq!(
            at("http://api.example.com/v1/jobs/7"),
            None,
            "another scheme"
        );
        assert_eq!(status_url(request, &HeaderMap::new()), None);
    }

    #[test]
    fn waits_double_unless_the_api_says() {
        assert_eq!(wait(&HeaderMap::new(), 1), Duration::from_millis(500));
        assert_eq!(wait(&HeaderMap::new(), 3), Duration::from_secs(2));
        assert_eq!(wait(&HeaderMap::new(), 30), MAX_WAIT);
        assert_eq!(
            wait(&headers(&[("retry-after", "3")]), 1),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn a_check_carries_the_credentials_and_nothing_else() {
        let original = Prepared {
            method: "POST",
            url: "https://api.example.com/v1/exports".into(),
            query: vec!["format=csv".into(), "api_key=s3cr%2Ft".into()],
            headers: vec![
                ("Authorization".into(), "Bearer t".into()),
                ("Content-Type".into(), "application/json".into()),
            ],
            cookies: vec!["session=c".into()],
            body: Some(("application/json".into(), b"{}".to_vec())),
            secrets: vec!["s3cr/t".into(), "t".into()],
        };
        let check = check_request(
            &original,
            &Url::parse("https://api.example.com/v1/jobs/7").unwrap(),
        );
        assert_eq!(check.method, "GET");
        assert_eq!(check.query, ["api_key=s3cr%2Ft"]);
        assert_eq!(
            check.headers,
            [("Authorization".to_string(), "Bearer t".to_string())]
        );
        assert_eq!(check.cookies, ["session=c"]);
        assert!(check.body.is_none());
    }
}
