//! Parameter serialisation per OpenAPI `style`/`explode`, percent-encoded so that a value can
//! never leave its place: a path value cannot add segments, a query value cannot add parameters,
//! a header value cannot add headers.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::brackets;
use crate::table::{ArrayEncoding, Style};

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

/// How a query (or cookie) value is written: its style, explode, reserved characters, and the
/// array convention the overrides file chose.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QueryStyle {
    pub(crate) style: Style,
    pub(crate) explode: bool,
    pub(crate) allow_reserved: bool,
    pub(crate) arrays: Option<ArrayEncoding>,
}

/// Query pairs, each already encoded, to be joined with `&`. Flat values follow OpenAPI's
/// styles; `deepObject` and anything nested go as bracket paths ([`crate::brackets`]); exploded
/// arrays follow the chosen convention when there is one.
pub(crate) fn query_pairs(name: &str, how: QueryStyle, value: &Value) -> Vec<String> {
    let n = encode(name);
    let enc = |v: &Value| encode_with(&scalar_text(v), how.allow_reserved);
    let bracketed = |name: &str, value: &Value| -> Vec<String> {
        brackets::leaves(name, value, how.arrays.unwrap_or_default())
            .into_iter()
            .map(|(k, v)| format!("{}={}", encode(&k), enc(v)))
            .collect()
    };
    match (how.style, value) {
        (Style::DeepObject, Value::Object(_) | Value::Array(_)) => bracketed(name, value),
        (_, Value::Array(_) | Value::Object(_)) if !brackets::is_flat(value) && !how.explode => {
            bracketed(name, value)
        }
        (Style::SpaceDelimited | Style::PipeDelimited, Value::Array(items)) if !how.explode => {
            let sep = if how.style == Style::SpaceDelimited {
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
            if !how.explode {
                vec![format!(
                    "{n}={}",
                    items.iter().map(enc).collect::<Vec<_>>().join(",")
                )]
            } else if matches!(how.arrays, None | Some(ArrayEncoding::Repeated))
                && brackets::is_flat(value)
            {
                items.iter().map(|v| format!("{n}={}", enc(v))).collect()
            } else {
                bracketed(name, value)
            }
        }
        (_, Value::Object(map)) => {
            if how.explode {
                // Each property is a parameter of its own; a nested one goes as brackets.
                map.iter()
                    .flat_map(|(k, v)| match v {
                        Value::Array(_) | Value::Object(_) => bracketed(k, v),
                        _ => vec![format!("{}={}", encode(k), enc(v))],
                    })
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
    let how = QueryStyle {
        style: Style::Form,
        explode,
        allow_reserved: false,
        arrays: None,
    };
    query_pairs(name, how, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn qs(style: Style, explode: bool, allow_reserved: bool) -> QueryStyle {
        QueryStyle {
            style,
            explode,
            allow_reserved,
            arrays: None,
        }
    }

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
            query_pairs("id", qs(Style::Form, true, false), &json!([3, 4])),
            ["id=3", "id=4"]
        );
        assert_eq!(
            query_pairs("id", qs(Style::Form, false, false), &json!([3, 4])),
            ["id=3,4"]
        );
        assert_eq!(
            query_pairs(
                "id",
                qs(Style::Form, true, false),
                &json!({"role": "admin", "n": 1})
            ),
            ["role=admin", "n=1"]
        );
        assert_eq!(
            query_pairs(
                "id",
                qs(Style::Form, false, false),
                &json!({"role": "admin", "n": 1})
            ),
            ["id=role,admin,n,1"]
        );
        assert_eq!(
            query_pairs(
                "id",
                qs(Style::SpaceDelimited, false, false),
                &json!([3, 4])
            ),
            ["id=3%204"]
        );
        assert_eq!(
            query_pairs("id", qs(Style::PipeDelimited, false, false), &json!([3, 4])),
            ["id=3|4"]
        );
        assert_eq!(
            query_pairs(
                "id",
                qs(Style::DeepObject, true, false),
                &json!({"role": "admin"})
            ),
            ["id%5Brole%5D=admin"]
        );
    }

    #[test]
    fn nested_query_values_go_as_brackets() {
        let deep = |arrays| QueryStyle {
            arrays,
            ..qs(Style::DeepObject, true, false)
        };
        assert_eq!(
            query_pairs("f", deep(None), &json!({"s": ["a"], "c": {"g": 5}})),
            ["f%5Bs%5D%5B0%5D=a", "f%5Bc%5D%5Bg%5D=5"]
        );
        assert_eq!(
            query_pairs("f", deep(Some(ArrayEncoding::Brackets)), &json!(["a", "b"])),
            ["f%5B%5D=a", "f%5B%5D=b"]
        );
        let form = |arrays| QueryStyle {
            arrays,
            ..qs(Style::Form, true, false)
        };
        assert_eq!(
            query_pairs("t", form(None), &json!(["a", "b"])),
            ["t=a", "t=b"]
        );
        assert_eq!(
            query_pairs("t", form(Some(ArrayEncoding::Indexed)), &json!(["a"])),
            ["t%5B0%5D=a"]
        );
        assert_eq!(
            query_pairs("o", form(None), &json!({"a": 1, "b": {"c": 2}})),
            ["a=1", "b%5Bc%5D=2"]
        );
        assert_eq!(
            query_pairs("o", qs(Style::Form, false, false), &json!([{"a": 1}])),
            ["o%5B0%5D%5Ba%5D=1"]
        );
    }

    #[test]
    fn query_values_cannot_add_parameters() {
        assert_eq!(
            query_pairs("q", qs(Style::Form, true, false), &json!("a&admin=true#x")),
            ["q=a%26admin%3Dtrue%23x"]
        );
        // allowReserved keeps `/`, `?` and `=` (a parser splits on the first `=`), never `&` or `#`.
        assert_eq!(
            query_pairs("q", qs(Style::Form, true, true), &json!("a/b?c&d=e#f")),
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
