//! Places in documents and `$ref` resolution: relative files, JSON pointer fragments (which may
//! pass through other `$ref`s on their way), and a "did you mean" when a pointer names something
//! that is not there.

use serde_json::Value;
use url::Url;

use crate::error::{Error, Result};
use crate::load::{Loader, display};
use crate::util::closest;

/// A place in a loaded document: its URL and a JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Loc {
    pub url: Url,
    pub pointer: String,
}

impl Loc {
    pub fn root(url: &Url) -> Loc {
        Loc {
            url: url.clone(),
            pointer: String::new(),
        }
    }

    /// The place of a child by object key or array index.
    pub fn join(&self, segment: impl std::fmt::Display) -> Loc {
        let segment = segment.to_string();
        Loc {
            url: self.url.clone(),
            pointer: format!("{}/{}", self.pointer, escape(&segment)),
        }
    }

    pub fn file(&self) -> String {
        display(&self.url)
    }

    pub fn invalid(&self, message: impl Into<String>) -> Error {
        Error::Invalid {
            file: self.file(),
            pointer: self.pointer.clone(),
            message: message.into(),
        }
    }
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The `$ref` string of an object, if it is a reference.
pub fn ref_of(value: &Value) -> Option<&str> {
    value.get("$ref").and_then(Value::as_str)
}

/// Where `reference` (written at `from`) points.
pub fn target(from: &Loc, reference: &str) -> Result<Loc> {
    let fail = |message: String| Error::Ref {
        file: from.file(),
        pointer: from.pointer.clone(),
        reference: reference.to_string(),
        message,
    };
    let mut url = from
        .url
        .join(reference)
        .map_err(|e| fail(format!("not a valid reference ({e})")))?;
    let fragment = url.fragment().unwrap_or("").to_string();
    url.set_fragment(None);
    let pointer = percent_encoding::percent_decode_str(&fragment)
        .decode_utf8()
        .map_err(|_| fail("the fragment is not UTF-8".into()))?
        .into_owned();
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(fail(
            "only JSON pointer fragments (`#/components/...`) are supported, not anchors".into(),
        ));
    }
    Ok(Loc { url, pointer })
}

/// How many `$ref`s a pointer may pass through on its way before we call it a loop.
const MAX_HOPS: usize = 32;

/// The value `reference` (written at `from`) points to, and where it is, loading documents as
/// needed (each only if the loader admits it: see [`Loader::admit`]). Like mainstream OpenAPI tools, a pointer may pass through `$ref`s on its way
/// (`#/paths/~1a/get/parameters/0` when `/paths/~1a/get` is itself a reference): the place
/// returned is where the value really is, so references inside it resolve from its own file.
pub fn resolve(loader: &mut Loader, from: &Loc, reference: &str) -> Result<(Loc, Value)> {
    let fail = |message: String| Error::Ref {
        file: from.file(),
        pointer: from.pointer.clone(),
        reference: reference.to_string(),
        message,
    };
    let written = target(from, reference)?;
    loader.admit(from, reference, &written.url)?;
    let mut at = Loc::root(&written.url);
    let mut segments: Vec<String> = split(&written.pointer);
    segments.reverse();
    let mut hops = 0;
    loop {
        let doc = loader.get(&at.url).map_err(|e| match e {
            Error::Read { message, .. } => fail(format!("cannot read {}: {message}", at.file())),
            other => other,
        })?;
        let node = doc.pointer(&at.pointer).unwrap_or(&Value::Null);
        let Some(segment) = segments.last() else {
            return Ok((at, node.clone()));
        };
        let found = match node {
            Value::Object(map) => map.contains_key(segment),
            Value::Array(items) => segment.parse::<usize>().is_ok_and(|i| i < items.len()),
            _ => false,
        };
        if found {
            at = at.join(segment);
            segments.pop();
            continue;
        }
        let Some(inner) = ref_of(node).map(str::to_owned) else {
            let rest: Vec<String> = segments.iter().rev().map(|s| escape(s)).collect();
            let pointer = format!("{}/{}", at.pointer, rest.join("/"));
            return Err(fail(missing(&doc, &pointer, &at.file())));
        };
        hops += 1;
        if hops > MAX_HOPS {
            return Err(fail(format!(
                "the pointer passes through more than {MAX_HOPS} `$ref`s: a cycle?"
            )));
        }
        let next = target(&at, &inner)?;
        loader.admit(&at, &inner, &next.url)?;
        at = next;
        let mut inner_segments = split(&at.pointer);
        at.pointer.clear();
        inner_segments.reverse();
        // The inner reference's own pointer comes first, then what was left of ours.
        segments.extend(inner_segments);
    }
}

/// A pointer's unescaped segments.
fn split(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Explains which segment of a pointer is missing, with the closest existing key.
fn missing(doc: &Value, pointer: &str, file: &str) -> String {
    let mut current = doc;
    let mut walked = String::new();
    for raw in pointer.split('/').skip(1) {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        let next = match current {
            Value::Object(map) => map.get(&segment),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(value) => {
                current = value;
                walked.push('/');
                walked.push_str(raw);
            }
            None => {
                let mut message = format!("{file} has no `{segment}` at `#{walked}`");
                if let Value::Object(map) = current
                    && let Some(best) = closest(&segment, map.keys().map(String::as_str))
                {
                    message.push_str(&format!("; did you mean `{best}`?"));
                }
                return message;
            }
        }
    }
    format!("{file} has nothing at `#{pointer}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_resolve_relative_files_and_decode_pointers() {
        let from = Loc::root(&Url::parse("file:///specs/api/openapi.yaml").unwrap());
        let t = target(&from, "../common/schemas.yaml#/Money").unwrap();
        assert_eq!(t.url.as_str(), "file:///specs/common/schemas.yaml");
        assert_eq!(t.pointer, "/Money");
        let t = target(&from, "#/paths/~1orders%7Bid%7D").unwrap();
        assert_eq!(t.url.as_str(), "file:///specs/api/openapi.yaml");
        assert_eq!(t.pointer, "/paths/~1orders{id}");
        assert!(target(&from, "#anchor").is_err());
    }

    #[test]
    fn missing_pointer_suggests_closest_key() {
        let doc: Value = serde_json::json!({"components": {"schemas": {"Order": {}, "Money": {}}}});
        let text = missing(&doc, "/components/schemas/Ordr", "a.yaml");
        assert!(text.contains("did you mean `Order`"), "{text}");
    }
}
