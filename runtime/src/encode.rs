//! Parameter serialisation per OpenAPI `style`/`explode`, percent-encoded so that a value can
//! never leave its place: a path value cannot add segments, a query value cannot add parameters,
//! a header value cannot add headers.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::table::Style;

/// Everything but RFC 3986 unreserved characters is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// With `allowReserved`, RFC 3986 reserved characters pass, except `&` and `#`: they would end
/// the query value, and a value must never leave its place.
const RESERVED_ALLOWED: &AsciiSet = &COMPONENT
    .remove(b'=')
    .remove(b'+')
    .remove(b'[')
    .remove(b']')
    .remove(b':')
    .remove(b'/')
    .remove(b'?')
    .remove(b'@')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b',')
    .remove(b';');

pub(crate) fn encode(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

fn encode_with(text: &str, allow_reserved: bool) -> String {
    if allow_reserved {
        utf8_percent_encode(text, RESERVED_ALLOWED).to_string()
    } else {
        encode(text)
    }
}

/// The text of a scalar; nested structures travel as JSON text.
pub(crate) fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// A path parameter's replacement for `{name}` in the template, already encoded.
pub(crate) fn path_value(name: &str, style: Style, explode: bool, value: &Value) -> String {
    let enc = |v: &Value| encode(&scalar_text(v));
    match (style, value) {
        (Style::Label, Value::Array(items)) => {
            let sep = if explode { "." } else { "," };
            format!(".{}", items.iter().map(enc).collect::<Vec<_>>().join(sep))
        }
        (Style::Label, Value::Object(map)) => {
            let (pair, sep) = if explode { ("=", ".") } else { (",", ",") };
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}{pair}{}", encode(k), enc(v)))
                .collect();
            format!(".{}", parts.join(sep))
        }
        (Style::Label, v) => format!(".{}", enc(v)),
        (Style::Matrix, Value::Array(items)) => {
            let n = encode(name);
            if explode {
                items.iter().map(|v| format!(";{n}={}", enc(v))).collect()
            } else {
                format!(
                    ";{n}={}",
                    items.iter().map(enc).collect::<Vec<_>>().join(",")
                )
            }
        }
        (Style::Matrix, Value::Object(map)) => {
            if explode {
                map.iter()
                    .map(|(k, v)| format!(";{}={}", encode(k), enc(v)))
                    .collect()
            } else {
                let parts: Vec<String> = map
                    .iter()
                    .map(|(k, v)| format!("{},{}", encode(k), enc(v)))
                    .collect();
                format!(";{}={}", encode(name), parts.join(","))
            }
        }
        (Style::Matrix, v) => format!(";{}={}", encode(name), enc(v)),
        // simple, and anything not defined for paths
        (_, v) => simple(v, explode, encode),
    }
}

/// `simple` style: comma-separated, objects as `k,v` pairs (or `k=v` when exploded).
fn simple(value: &Value, explode: bool, enc: impl Fn(&str) -> String) -> String {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|v| enc(&scalar_text(v)))
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(map) => {
            let pair = if explode { "=" } else { "," };
            map.iter()
                .map(|(k, v)| format!("{}{pair}{}", enc(k), enc(&scalar_text(v))))
                .collect::<Vec<_>>()
                .join(",")
        }
        v => enc(&scalar_text(v)),
    }
}

/// A header value (`simple` style). Not percent-encoded: the caller rejects control characters.
pub(crate) fn header_value(explode: bool, value: &Value) -> String {
    simple(value, explode, |s| s.to_string())
}

/// Query pairs, each already encoded, to be joined with `&`.
pub(crate) fn query_pairs(
    name: &str,
    style: Style,
    explode: bool,
    allow_reserved: bool,
    value: &Value,
) -> Vec<String> {
    let n = encode(name);
    let enc = |v: &Value| encode_with(&scalar_text(v), allow_reserved);
    match (style, value) {
        (Style::DeepObject, Value::Object(map)) => map
            .iter()
            .map(|(k, v)| format!("{n}%5B{}%5D={}", encode(k), enc(v)))
            .collect(),
        (Style::SpaceDelimited | Style::PipeDelimited, Value::Array(items)) if !explode => {
            let sep = if style == Style::SpaceDelimited {
                "%20"
            } else {
                "|"
            };
            vec![format!(
                "{n}={}",
                items.iter().map(enc).collect::<Vec<_>>().join(sep)
            )]
        }
        (_, Value::Array(items)) => {
            if explode {
                items.iter().map(|v| format!("{n}={}", enc(v))).collect()
            } else {
                vec![format!(
                    "{n}={}",
                    items.iter().map(enc).collect::<Vec<_>>().join(",")
                )]
            }
        }
        (_, Value::Object(map)) => {
            if explode {
                map.iter()
                    .map(|(k, v)| format!("{}={}", encode(k), enc(v)))
                    .collect()
            } else {
                let parts: Vec<String> = map
                    .iter()
                    .map(|(k, v)| format!("{},{}", encode(k), enc(v)))
                    .collect();
                vec![format!("{n}={}", parts.join(","))]
            }
        }
        (_, v) => vec![format!("{n}={}", enc(v))],
    }
}

/// A cookie pair (`form` style), value percent-encoded so it cannot end the cookie.
pub(crate) fn cookie_pairs(name: &str, explode: bool, value: &Value) -> Vec<String> {
    query_pairs(name, Style::Form, explode, false, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn path_styles() {
        assert_eq!(path_value("id", Style::Simple, false, &json!(5)), "5");
        assert_eq!(
            path_value("id", Style::Simple, false, &json!([3, 4, 5])),
            "3,4,5"
        );
        assert_eq!(
            path_value(
                "id",
                Style::Simple,
                false,
                &json!({"role": "admin", "firstName": "Alex"})
            ),
            "role,admin,firstName,Alex"
        );
        assert_eq!(
            path_value(
                "id",
                Style::Simple,
                true,
                &json!({"role": "admin", "firstName": "Alex"})
            ),
            "role=admin,firstName=Alex"
        );
        assert_eq!(
            path_value("id", Style::Label, false, &json!([3, 4, 5])),
            ".3,4,5"
        );
        assert_eq!(
            path_value("id", Style::Label, true, &json!([3, 4, 5])),
            ".3.4.5"
        );
        assert_eq!(path_value("id", Style::Matrix, false, &json!(5)), ";id=5");
        assert_eq!(
            path_value("id", Style::Matrix, true, &json!([3, 4])),
            ";id=3;id=4"
        );
        assert_eq!(
            path_value("id", Style::Matrix, false, &json!([3, 4])),
            ";id=3,4"
        );
    }

    #[test]
    fn path_values_cannot_escape_their_segment() {
        assert_eq!(
            path_value("id", Style::Simple, false, &json!("../admin?x=1#f")),
            "..%2Fadmin%3Fx%3D1%23f"
        );
        assert_eq!(
            path_value("id", Style::Simple, false, &json!("a b/ü")),
            "a%20b%2F%C3%BC"
        );
    }

    #[test]
    fn query_styles() {
        assert_eq!(
            query_pairs("id", Style::Form, true, false, &json!([3, 4])),
            ["id=3", "id=4"]
        );
        assert_eq!(
            query_pairs("id", Style::Form, false, false, &json!([3, 4])),
            ["id=3,4"]
        );
        assert_eq!(
            query_pairs(
                "id",
                Style::Form,
                true,
                false,
                &json!({"role": "admin", "n": 1})
            ),
            ["role=admin", "n=1"]
        );
        assert_eq!(
            query_pairs(
                "id",
                Style::Form,
                false,
                false,
                &json!({"role": "admin", "n": 1})
            ),
            ["id=role,admin,n,1"]
        );
        assert_eq!(
            query_pairs("id", Style::SpaceDelimited, false, false, &json!([3, 4])),
            ["id=3%204"]
        );
        assert_eq!(
            query_pairs("id", Style::PipeDelimited, false, false, &json!([3, 4])),
            ["id=3|4"]
        );
        assert_eq!(
            query_pairs(
                "id",
                Style::DeepObject,
                true,
                false,
                &json!({"role": "admin"})
            ),
            ["id%5Brole%5D=admin"]
        );
    }

    #[test]
    fn query_values_cannot_add_parameters() {
        assert_eq!(
            query_pairs("q", Style::Form, true, false, &json!("a&admin=true#x")),
            ["q=a%26admin%3Dtrue%23x"]
        );
        // allowReserved keeps `/`, `?` and `=` (a parser splits on the first `=`), never `&` or `#`.
        assert_eq!(
            query_pairs("q", Style::Form, true, true, &json!("a/b?c&d=e#f")),
            ["q=a/b?c%26d=e%23f"]
        );
    }

    #[test]
    fn headers_and_cookies() {
        assert_eq!(header_value(false, &json!([1, 2])), "1,2");
        assert_eq!(header_value(true, &json!({"a": 1})), "a=1");
        assert_eq!(
            cookie_pairs("s", true, &json!("x; admin=1")),
            ["s=x%3B%20admin%3D1"]
        );
    }
}
