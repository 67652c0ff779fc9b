//! Keeping credentials out of everything the client sees. A credential is known from the moment
//! it is loaded, and is looked for in every encoding it travels in — as given, percent-encoded
//! (query, cookie), form-encoded, JSON-escaped, and for HTTP Basic the base64 of
//! `user:password` — in texts and in structured content alike.

use std::borrow::Cow;

use base64::Engine;
use serde_json::Value;

use crate::response::{Part, ToolOutput};

/// What a credential is replaced with.
const REDACTED: &str = "[redacted]";

/// Shorter values are not looked for: replacing every `abc` would wreck the output, and a value
/// that short protects nothing.
const MIN_SECRET_LEN: usize = 4;

/// Secret values in every form they may be echoed in, longest first (so that a form containing
/// another is replaced whole).
#[derive(Clone, Default)]
pub(crate) struct Secrets {
    forms: Vec<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "Secrets({} forms)", self.forms.len())
    }
}

impl Secrets {
    /// The secrets of `values`, each in all its forms.
    pub(crate) fn of<'a>(values: impl IntoIterator<Item = &'a str>) -> Secrets {
        let mut secrets = Secrets::default();
        for value in values {
            secrets.add(value);
        }
        secrets
    }

    /// Adds `value` as it is and in every encoding a request may carry it in.
    pub(crate) fn add(&mut self, value: &str) {
        if value.len() < MIN_SECRET_LEN {
            return;
        }
        let json = serde_json::to_string(value).unwrap_or_default();
        let json = json
            .strip_prefix('"')
            .and_then(|j| j.strip_suffix('"'))
            .unwrap_or(value);
        let forms = [
            value.to_string(),
            crate::encode::encode(value),
            form_urlencoded::byte_serialize(value.as_bytes()).collect(),
            json.to_string(),
        ];
        for form in forms {
            self.insert(form);
        }
    }

    /// Adds an HTTP Basic credential: the password, and `user:password` as the header sends it.
    pub(crate) fn add_basic(&mut self, username: &str, password: &str) {
        self.add(password);
        let pair = format!("{username}:{password}");
        for engine in [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::URL_SAFE,
        ] {
            self.insert(engine.encode(&pair));
        }
    }

    /// Adds every form of `other`.
    pub(crate) fn extend(&mut self, other: &Secrets) {
        for form in &other.forms {
            self.insert(form.clone());
        }
    }

    fn insert(&mut self, form: String) {
        if form.len() < MIN_SECRET_LEN || self.forms.contains(&form) {
            return;
        }
        let at = self.forms.partition_point(|f| f.len() >= form.len());
        self.forms.insert(at, form);
    }

    /// `text` with every form of every secret replaced.
    pub(crate) fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut text = Cow::Borrowed(text);
        for form in &self.forms {
            if text.contains(form.as_str()) {
                text = Cow::Owned(text.replace(form.as_str(), REDACTED));
            }
        }
        text
    }

    /// A response body with every secret replaced, when it is text (a body cut short may end
    /// inside a character: its valid part is scrubbed and the broken tail dropped). Other bytes
    /// are left alone.
    pub(crate) fn scrub_body(&self, body: Vec<u8>) -> Vec<u8> {
        if self.forms.is_empty() {
            return body;
        }
        let valid = match std::str::from_utf8(&body) {
            Ok(text) => text,
            // Only an incomplete character at the very end is forgiven.
            Err(e) if e.error_len().is_none() => {
                std::str::from_utf8(&body[..e.valid_up_to()]).unwrap_or_default()
            }
            Err(_) => return body,
        };
        match self.scrub(valid) {
            Cow::Borrowed(_) => body,
            Cow::Owned(text) => text.into_bytes(),
        }
    }

    /// Every string (and key) of a JSON value, scrubbed in place.
    pub(crate) fn scrub_value(&self, value: &mut Value) {
        match value {
            Value::String(s) => {
                if let Cow::Owned(clean) = self.scrub(s) {
                    *s = clean;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_value(v)),
            Value::Object(map) => {
                let dirty = map.keys().any(|k| matches!(self.scrub(k), Cow::Owned(_)));
                if dirty {
                    *map = std::mem::take(map)
                        .into_iter()
                        .map(|(k, v)| (self.scrub(&k).into_owned(), v))
                        .collect();
                }
                map.values_mut().for_each(|v| self.scrub_value(v));
            }
            _ => {}
        }
    }

    /// A tool result with every text, resource URI and structured value scrubbed.
    pub(crate) fn scrub_output(&self, mut output: ToolOutput) -> ToolOutput {
        if self.forms.is_empty() {
            return output;
        }
        for part in &mut output.parts {
            match part {
                Part::Text(t) => {
                    if let Cow::Owned(clean) = self.scrub(t) {
                        *t = clean;
                    }
                }
                Part::Blob { uri, .. } => *uri = self.scrub(uri).into_owned(),
                Part::Image { .. } | Part::Audio { .. } => {}
            }
        }
        if let Some(structured) = &mut output.structured {
            self.scrub_value(structured);
        }
        output
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_encoding_of_a_secret_is_replaced() {
        let mut secrets = Secrets::of(["s3cr3t key/+=&\"x"]);
        secrets.add_basic("alice", "pa55word");
        let echoed = [
            "s3cr3t key/+=&\"x",
            "s3cr3t%20key%2F%2B%3D%26%22x",
            "s3cr3t+key%2F%2B%3D%26%22x",
            r#"s3cr3t key/+=&\"x"#,
            "pa55word",
            "YWxpY2U6cGE1NXdvcmQ=",
        ];
        for form in echoed {
            let text = format!("before {form} after");
            assert_eq!(secrets.scrub(&text), "before [redacted] after", "{form}");
        }
    }

    #[test]
    fn structured_content_and_keys_are_scrubbed() {
        let secrets = Secrets::of(["tok-123456"]);
        let mut value = json!({"headers": {"authorization": "Bearer tok-123456"},
                               "tok-123456": [1, "x tok-123456"]});
        secrets.scrub_value(&mut value);
        assert_eq!(
            value,
            json!({"headers": {"authorization": "Bearer [redacted]"},
                   "[redacted]": [1, "x [redacted]"]})
        );
    }

    #[test]
    fn a_body_cut_inside_a_character_is_still_scrubbed() {
        let secrets = Secrets::of(["tok-123456"]);
        let mut body = "tok-123456 é".as_bytes().to_vec();
        body.pop();
        assert_eq!(secrets.scrub_body(body), b"[redacted] ");
        let binary = vec![0xff, 0xfe, b't'];
        assert_eq!(secrets.scrub_body(binary.clone()), binary);
    }

    #[test]
    fn short_values_are_not_secrets() {
        let secrets = Secrets::of(["abc"]);
        assert_eq!(secrets.scrub("abc abc"), "abc abc");
    }
}
