//! Integers beyond 64 bits in a tool's arguments reach the API exactly as the client wrote them.
//!
//! serde_json (without `arbitrary_precision`, which the whole workspace would inherit) reads such
//! an integer as a float, and `123456789012345678901234567890` would go out as
//! `1.2345678901234568e29`. So before a message is parsed, each such integer inside
//! `params.arguments` is rewritten as a string marked with this process's nonce ([`mark`]);
//! schema validation sees the number again, as a float ([`approximate`]); and once the request is
//! built, every rendering of a marked string becomes the digits again ([`unmark`]) — unquoted
//! where the string was quoted (JSON, percent-encoded JSON), bare elsewhere. The nonce is made of
//! characters no encoding changes, so it survives every one of them.

use std::sync::OnceLock;

use serde_json::{Number, Value};

use crate::request::Prepared;

/// The marker: unreserved characters only (RFC 3986), different in every process.
fn nonce() -> &'static str {
    static NONCE: OnceLock<String> = OnceLock::new();
    NONCE.get_or_init(|| {
        use std::hash::{BuildHasher, RandomState};
        format!("mcpgen-int-{:016x}-", RandomState::new().hash_one(0u8))
    })
}

/// Where a container sits in a JSON-RPC message.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Root,
    Params,
    Arguments,
    Elsewhere,
}

/// One open object or array while scanning.
struct Frame {
    place: Place,
    object: bool,
    /// The last key read in an object.
    key: Vec<u8>,
    expect_key: bool,
}

/// `json` with every integer beyond 64 bits in `params.arguments` written as a marked string, or
/// `None` when there is none (the common case costs one scan for a long run of digits).
pub(crate) fn mark(json: &[u8]) -> Option<Vec<u8>> {
    // u64::MAX has 20 digits, i64::MIN 19: anything shorter fits.
    let long_run = json
        .split(|b| !b.is_ascii_digit())
        .any(|run| run.len() >= 19);
    if !long_run {
        return None;
    }
    let mut out = Vec::with_capacity(json.len() + 64);
    let mut stack: Vec<Frame> = Vec::new();
    let mut changed = false;
    let mut i = 0;
    while i < json.len() {
        let b = json[i];
        match b {
            b'"' => {
                let end = string_end(json, i)?;
                if let Some(top) = stack.last_mut().filter(|f| f.object && f.expect_key) {
                    top.key = json[i + 1..end].to_vec();
                    top.expect_key = false;
                }
                out.extend_from_slice(&json[i..=end]);
                i = end + 1;
                continue;
            }
            b'{' | b'[' => {
                let place = match stack.last() {
                    None => Place::Root,
                    Some(f) if f.place == Place::Root && f.key == b"params" => Place::Params,
                    Some(f) if f.place == Place::Params && f.key == b"arguments" => {
                        Place::Arguments
                    }
                    Some(f) if f.place == Place::Arguments => Place::Arguments,
                    Some(_) => Place::Elsewhere,
                };
                let object = b == b'{';
                stack.push(Frame {
                    place,
                    object,
                    key: Vec::new(),
                    expect_key: object,
                });
            }
            b'}' | b']' => {
                stack.pop();
            }
            b',' => {
                if let Some(top) = stack.last_mut() {
                    top.expect_key = top.object;
                }
            }
            b'-' | b'0'..=b'9' => {
                let end = json[i..]
                    .iter()
                    .position(|c| !matches!(c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                    .map_or(json.len(), |n| i + n);
                let token = &json[i..end];
                let inside = stack.last().is_some_and(|f| f.place == Place::Arguments);
                if inside && beyond_64_bits(token) {
                    out.push(b'"');
                    out.extend_from_slice(nonce().as_bytes());
                    out.extend_from_slice(token);
                    out.push(b'"');
                    changed = true;
                } else {
                    out.extend_from_slice(token);
                }
                i = end;
                continue;
            }
            _ => {}
        }
        out.push(b);
        i += 1;
    }
    changed.then_some(out)
}

/// The index of the quote that ends the string starting at `start`.
fn string_end(json: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < json.len() {
        match json[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// An integer literal (no fraction, no exponent) that neither `i64` nor `u64` holds.
fn beyond_64_bits(token: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(token) else {
        return false;
    };
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty()
        && digits.bytes().all(|c| c.is_ascii_digit())
        && text.parse::<i64>().is_err()
        && text.parse::<u64>().is_err()
}

/// The digits a marked string stands for.
fn marked(text: &str) -> Option<&str> {
    text.strip_prefix(nonce())
}

/// `args` with every marked string a number again, as near as a float comes: for checking
/// against the input schema. `None` when nothing is marked.
pub(crate) fn approximate(args: &Value) -> Option<Value> {
    fn walk(value: &mut Value, found: &mut bool) {
        match value {
            Value::String(s) => {
                if let Some(n) = marked(s).and_then(|d| d.parse::<f64>().ok()) {
                    *value = Number::from_f64(n).map_or(Value::Null, Value::Number);
                    *found = true;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, found)),
            Value::Object(map) => map.values_mut().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    let mut copy = args.clone();
    let mut found = false;
    walk(&mut copy, &mut found);
    found.then_some(copy)
}

/// `bytes` with every rendering of a marked string turned back into its digits: `"N…"` and
/// `%22N…%22` (a string quoted in JSON, plain or percent-encoded) lose their quotes, and the
/// marker goes everywhere else.
pub(crate) fn unmark(bytes: &[u8]) -> Option<Vec<u8>> {
    let nonce = nonce().as_bytes();
    let first = find(bytes, nonce, 0)?;
    let mut out = Vec::with_capacity(bytes.len());
    let mut from = 0;
    let mut at = Some(first);
    while let Some(start) = at {
        let digits_start = start + nonce.len();
        let digits_end = bytes[digits_start..]
            .iter()
            .position(|c| !(c.is_ascii_digit() || *c == b'-'))
            .map_or(bytes.len(), |n| digits_start + n);
        let (before, after) = (&bytes[..start], &bytes[digits_end..]);
        let quote = [&b"\""[..], b"%22"]
            .into_iter()
            .find(|q| before.ends_with(q) && after.starts_with(q))
            .map_or(0, <[u8]>::len);
        out.extend_from_slice(&bytes[from..start - quote]);
        out.extend_from_slice(&bytes[digits_start..digits_end]);
        from = digits_end + quote;
        at = find(bytes, nonce, from);
    }
    out.extend_from_slice(&bytes[from..]);
    Some(out)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn unmark_text(text: &mut String) {
    if let Some(clean) = unmark(text.as_bytes()).and_then(|b| String::from_utf8(b).ok()) {
        *text = clean;
    }
}

/// The request with every marked argument as the digits the client sent.
pub(crate) fn restore(prepared: &mut Prepared) {
    unmark_text(&mut prepared.url);
    prepared.query.iter_mut().for_each(unmark_text);
    prepared.cookies.iter_mut().for_each(unmark_text);
    for (_, value) in &mut prepared.headers {
        unmark_text(value);
    }
    if let Some((_, body)) = &mut prepared.body
        && let Some(clean) = unmark(body)
    {
        *body = clean;
    }
}

/// Text shown to a person (a confirmation question), with the digits the client sent.
pub(crate) fn shown(mut text: String) -> String {
    unmark_text(&mut text);
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BIG: &str = "123456789012345678901234567890";

    #[test]
    fn only_integers_beyond_64_bits_in_arguments_are_marked() {
        let message = format!(
            r#"{{"jsonrpc":"2.0","id":12345678901234567890123,"method":"tools/call","params":{{"name":"t","arguments":{{"a":{BIG},"b":[-{BIG},1.5e300,18446744073709551615],"c":"{BIG}","d":{{"e":{BIG}}}}},"x":{BIG}}}}}"#
        );
        let marked = String::from_utf8(mark(message.as_bytes()).unwrap()).unwrap();
        let value: Value = serde_json::from_str(&marked).unwrap();
        let n = nonce();
        assert_eq!(
            value["id"],
            json!(12345678901234567890123.0),
            "not in arguments"
        );
        assert_eq!(
            value["params"]["x"],
            json!(123456789012345678901234567890.0)
        );
        let args = &value["params"]["arguments"];
        assert_eq!(args["a"], json!(format!("{n}{BIG}")));
        assert_eq!(
            args["b"],
            json!([format!("{n}-{BIG}"), 1.5e300, 18446744073709551615u64])
        );
        assert_eq!(args["c"], json!(BIG), "a string stays a string");
        assert_eq!(args["d"]["e"], json!(format!("{n}{BIG}")));
        assert!(mark(br#"{"params":{"arguments":{"a":12}}}"#).is_none());
    }

    #[test]
    fn every_rendering_becomes_the_digits_again() {
        let n = nonce();
        let mut prepared = Prepared {
            url: format!("http://api/items/{n}{BIG}"),
            query: vec![
                format!("q={n}-{BIG}"),
                format!("j=%7B%22a%22%3A%22{n}{BIG}%22%7D"),
            ],
            headers: vec![("X-N".into(), format!("{n}{BIG}"))],
            body: Some((
                "application/json".into(),
                format!(r#"{{"a":"{n}{BIG}","s":"{BIG}"}}"#).into_bytes(),
            )),
            ..Prepared::default()
        };
        restore(&mut prepared);
        assert_eq!(prepared.url, format!("http://api/items/{BIG}"));
        assert_eq!(
            prepared.query,
            [format!("q=-{BIG}"), format!("j=%7B%22a%22%3A{BIG}%7D")]
        );
        assert_eq!(prepared.headers[0].1, BIG);
        assert_eq!(
            prepared.body.unwrap().1,
            format!(r#"{{"a":{BIG},"s":"{BIG}"}}"#).into_bytes()
        );
    }

    #[test]
    fn the_schema_sees_a_number() {
        let args = json!({"a": format!("{}{BIG}", nonce()), "b": "x"});
        assert_eq!(
            approximate(&args).unwrap(),
            json!({"a": 123456789012345678901234567890.0, "b": "x"})
        );
        assert!(approximate(&json!({"a": 1})).is_none());
    }
}
