//! Media types, classified once: how a request body is encoded for a media type (the generator
//! shapes the body's input schema by it, the runtime encodes by it) and which responses are JSON
//! or text.

/// A media type without its parameters, lowercased (`application/json; charset=utf-8` →
/// `application/json`).
pub fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether the media type is JSON: `application/json` or a `+json` suffix (RFC 6839).
pub fn is_json(media_type: &str) -> bool {
    let essence = essence(media_type);
    essence == "application/json" || essence.ends_with("+json")
}

/// Whether a response of this media type is text a model can read as it is (`text/*`, XML, YAML,
/// or undeclared).
pub fn is_textual(media_type: &str) -> bool {
    let essence = essence(media_type);
    essence.is_empty()
        || essence.starts_with("text/")
        || essence.ends_with("+xml")
        || essence == "application/xml"
        || essence == "application/yaml"
}

/// How a request body of some media type is put on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    /// JSON text: `application/json`, `+json`, and `*/*` (the API takes anything; JSON is what a
    /// model writes).
    Json,
    /// `application/x-www-form-urlencoded` fields.
    Form,
    /// `multipart/*` parts.
    Multipart,
    /// `text/*`: the argument's text as it is.
    Text,
    /// Anything else: bytes, given as base64 or a `file:` path.
    Binary,
}

impl BodyEncoding {
    /// The encoding of a body declared with `media_type`.
    pub fn of(media_type: &str) -> BodyEncoding {
        let essence = essence(media_type);
        if is_json(&essence) || essence == "*/*" {
            BodyEncoding::Json
        } else if essence == "application/x-www-form-urlencoded" {
            BodyEncoding::Form
        } else if essence.starts_with("multipart/") {
            BodyEncoding::Multipart
        } else if essence.starts_with("text/") {
            BodyEncoding::Text
        } else {
            BodyEncoding::Binary
        }
    }

    /// Whether the body's argument is a structured value (an object of fields), as opposed to a
    /// text or bytes.
    pub fn is_structured(self) -> bool {
        matches!(
            self,
            BodyEncoding::Json | BodyEncoding::Form | BodyEncoding::Multipart
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_are_classified_by_their_essence() {
        assert_eq!(
            BodyEncoding::of("application/json; charset=utf-8"),
            BodyEncoding::Json
        );
        assert_eq!(
            BodyEncoding::of("application/merge-patch+json"),
            BodyEncoding::Json
        );
        assert_eq!(BodyEncoding::of("*/*"), BodyEncoding::Json);
        assert_eq!(
            BodyEncoding::of("Application/X-WWW-Form-Urlencoded"),
            BodyEncoding::Form
        );
        assert_eq!(
            BodyEncoding::of("multipart/form-data; boundary=x"),
            BodyEncoding::Multipart
        );
        assert_eq!(BodyEncoding::of("text/csv"), BodyEncoding::Text);
        assert_eq!(
            BodyEncoding::of("application/octet-stream"),
            BodyEncoding::Binary
        );
        assert!(is_json("application/problem+json"));
        assert!(!is_json("*/*"));
        assert!(is_textual("application/atom+xml") && is_textual(""));
        assert!(!is_textual("application/pdf"));
    }
}
