//! Rules about what a request may carry that the generator enforces when it plans a tool and
//! the runtime enforces again when it builds the request, so a tool table written by another
//! (or an older) generator cannot bypass them.

/// Header names the HTTP client sets itself, because they frame the message or route it.
/// A tool argument must never set them: a wrong `Content-Length` hangs or empties a call, a
/// `Host` or `Proxy-*` sends it elsewhere, `Transfer-Encoding`, `TE`, `Trailer`, `Connection`,
/// `Keep-Alive`, `Upgrade` and `Expect` change how the message is delimited or the connection
/// is used. `Proxy-*` covers every name with that prefix.
pub const TRANSPORT_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "expect",
    "proxy-*",
];

/// Whether `name` (any case) is a header the HTTP client must set itself.
pub fn is_transport_header(name: &str) -> bool {
    let name = name.trim().to_ascii_lowercase();
    TRANSPORT_HEADERS.iter().any(|h| match h.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == *h,
    })
}

/// The first `.` or `..` segment of a path template, percent-encoded or not (`%2e%2E`): URL
/// resolution removes such segments, so `/v1` + `/a/../../admin` would reach `/admin`, outside
/// the API's base path. A backslash counts as a separator, as it does in http(s) URLs.
pub fn dot_segment(path: &str) -> Option<&str> {
    path.split(['/', '\\']).find(|segment| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == "." || decoded == ".."
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_headers_match_in_any_case_and_by_prefix() {
        for name in [
            "Host",
            "content-LENGTH",
            "Transfer-Encoding",
            "TE",
            "Proxy-Authorization",
            "proxy-connection",
            "Expect",
        ] {
            assert!(is_transport_header(name), "{name}");
        }
        for name in ["X-Host", "Content-Type", "Accept", "Tenant", "X-Proxy"] {
            assert!(!is_transport_header(name), "{name}");
        }
    }

    #[test]
    fn dot_segments_are_found_encoded_or_not() {
        assert_eq!(dot_segment("/a/../../admin"), Some(".."));
        assert_eq!(dot_segment("/a/./b"), Some("."));
        assert_eq!(dot_segment("/a/%2e%2E/admin"), Some("%2e%2E"));
        assert_eq!(dot_segment("/a/.%2e/admin"), Some(".%2e"));
        assert_eq!(dot_segment("/a/..\\admin"), Some(".."));
        assert_eq!(dot_segment("/a/..."), None);
        assert_eq!(dot_segment("/.well-known/openid"), None);
        assert_eq!(dot_segment("/files/{name}.json"), None);
        assert_eq!(dot_segment("/v1..2/x"), None);
    }
}
