//! Mapping an HTTP response to a tool result: JSON becomes structured content plus text, text
//! stays text, images become image content, other bytes an embedded resource, and HTTP errors a
//! tool error with status and the useful part of the body.

use base64::Engine;
use mcpgen_contract::media;
use serde_json::{Map, Value, json};

/// One piece of a tool result, independent of the MCP library.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Text for the model.
    Text(String),
    /// An image.
    Image {
        /// Base64 of the image's bytes.
        data: String,
        /// Its media type (`image/png`).
        mime_type: String,
    },
    /// Audio.
    Audio {
        /// Base64 of the audio's bytes.
        data: String,
        /// Its media type (`audio/wav`).
        mime_type: String,
    },
    /// Other bytes, as an embedded resource.
    Blob {
        /// The resource's URI.
        uri: String,
        /// Base64 of the bytes.
        data: String,
        /// Their media type.
        mime_type: String,
    },
}

/// The result of one tool call, as hooks see it and the client receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    /// Whether the call failed (the model sees why in the parts).
    pub is_error: bool,
    /// The content, in order.
    pub parts: Vec<Part>,
    /// The JSON result as an object (MCP `structuredContent`).
    pub structured: Option<Value>,
}

impl ToolOutput {
    /// A failed call with `message` as its text.
    pub fn error(message: impl Into<String>) -> ToolOutput {
        ToolOutput {
            is_error: true,
            parts: vec![Part::Text(message.into())],
            structured: None,
        }
    }
}

/// What came back from the API.
pub(crate) struct Received<'a> {
    pub(crate) status: u16,
    pub(crate) reason: &'a str,
    pub(crate) content_type: Option<&'a str>,
    pub(crate) request_id: Option<&'a str>,
    /// The body, or its first [`Budget::byte_cap`] bytes when `cut`.
    pub(crate) body: &'a [u8],
    /// The body was longer than the byte cap and was not read further.
    pub(crate) cut: bool,
    /// The body's length, when the API declared it.
    pub(crate) declared_length: Option<u64>,
}

impl Received<'_> {
    /// The body as text: all of it, or when cut, all but a character broken by the cut.
    fn text(&self) -> Option<&str> {
        match std::str::from_utf8(self.body) {
            Ok(text) => Some(text),
            Err(e) if self.cut && e.error_len().is_none() => {
                std::str::from_utf8(&self.body[..e.valid_up_to()]).ok()
            }
            Err(_) => None,
        }
    }

    /// "123 bytes", or for a cut body "more than 400000 bytes" (the declared length if known).
    fn size(&self) -> String {
        match (self.cut, self.declared_length) {
            (false, _) => format!("{} bytes", self.body.len()),
            (true, Some(total)) => format!("{total} bytes"),
            (true, None) => format!("more than {} bytes", self.body.len()),
        }
    }
}

/// How much of a response the model gets, and how to ask for less.
///
/// The limit counts characters of text; every other kind of content is held to the same number:
/// structured content by the characters of its JSON, images, audio and other bytes by the
/// characters of their base64. The body is read from the API only up to [`Budget::byte_cap`].
pub(crate) struct Budget {
    pub(crate) limit: usize,
    /// The tool's own inputs that narrow a response (`limit`, `per_page`, `fields`, `filter`, …).
    pub(crate) narrowing: Vec<&'static str>,
}

/// The least a body may be read to, whatever the limit: a small limit must not make a
/// pretty-printed JSON answer that fits it unreadable.
const MIN_BYTE_CAP: usize = 64 * 1024;

/// The longest error text, whatever the limit: an error needs its status and the API's words,
/// not pages of them.
const ERROR_LIMIT: usize = 8_000;

/// The longest single field (`detail`, `message`, …) copied into an error text.
const ERROR_FIELD_LIMIT: usize = 1_000;

/// Argument names (lowercase, without `_`/`-`) that page, filter or select fields.
const NARROWING: &[&str] = &[
    "limit",
    "perpage",
    "pagesize",
    "size",
    "max",
    "maxresults",
    "count",
    "top",
    "first",
    "last",
    "page",
    "cursor",
    "offset",
    "after",
    "before",
    "fields",
    "select",
    "filter",
    "q",
    "query",
    "search",
    "since",
    "until",
];

impl Budget {
    pub(crate) fn for_tool(tool: &crate::table::Tool, limit: usize) -> Budget {
        let narrowing = tool
            .params
            .iter()
            .filter(|p| {
                let key: String = p
                    .arg
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric())
                    .collect::<String>()
                    .to_ascii_lowercase();
                NARROWING.contains(&key.as_str()) || key.starts_with("filter")
            })
            .map(|p| p.arg)
            .collect();
        Budget { limit, narrowing }
    }

    /// How many bytes of a body are read from the API, at most: four per character of the limit
    /// (UTF-8's longest character), so that a cut text still fills the limit; never less than
    /// [`MIN_BYTE_CAP`]. Reading stops there, so memory per call is bounded by the limit, not by
    /// what the API sends.
    pub(crate) fn byte_cap(&self) -> usize {
        self.limit.saturating_mul(4).max(MIN_BYTE_CAP)
    }

    /// How the model can ask for less.
    fn how(&self) -> String {
        if self.narrowing.is_empty() {
            "ask for less, e.g. a smaller page or a narrower filter if the API offers one".into()
        } else {
            format!(
                "ask for less with this tool's {}",
                self.narrowing
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }

    /// What replaces structured content over the budget: an object saying so, with the inputs
    /// that narrow the answer (tools declare no output schema, so an object is always allowed).
    fn structured_note(&self, size: &str) -> Value {
        json!({"responseCut": {
            "message": format!(
                "The API's JSON answer ({size}) is larger than this tool's response budget of {} characters, so it is not given as structured content; the text content shows its beginning. To get all of it, {}.",
                self.limit,
                self.how()
            ),
            "limitCharacters": self.limit,
            "narrowingInputs": self.narrowing,
        }})
    }
}

/// Cuts `text` to the budget with a note saying how much was cut and how to ask for less; `more`
/// says the text is itself the beginning of a longer body (of `size`).
fn cut(text: &str, budget: &Budget, more: Option<&str>) -> String {
    let limit = budget.limit;
    let total = text.chars().count();
    if total <= limit && more.is_none() {
        return text.to_string();
    }
    let kept: String = text.chars().take(limit).collect();
    let shown = kept.chars().count();
    let of = match more {
        Some(size) => format!("characters of a response of {size}, the rest not read"),
        None => format!("of {total} characters"),
    };
    format!(
        "{kept}\n\n[response cut: showing {shown} {of}; {}]",
        budget.how()
    )
}

impl ToolOutput {
    fn success(parts: Vec<Part>, structured: Option<Value>) -> ToolOutput {
        ToolOutput {
            is_error: false,
            parts,
            structured,
        }
    }
}

/// The tool result for what the API answered, within `budget`.
pub(crate) fn map(received: &Received, tool_name: &str, budget: &Budget) -> ToolOutput {
    let kind = media::essence(received.content_type.unwrap_or(""));
    if received.status >= 400 {
        return error_output(received, &kind, budget);
    }
    if received.body.is_empty() {
        let text = format!("HTTP {} {}: no content", received.status, received.reason);
        return ToolOutput::success(vec![Part::Text(text)], None);
    }
    let text = received.text();
    if let Some(output) = text.and_then(|t| json_output(received, t, &kind, budget)) {
        return output;
    }
    let media = kind.starts_with("image/") || kind.starts_with("audio/");
    if let (Some(text), false, true) = (text, media, media::is_textual(&kind)) {
        let more = received.cut.then(|| received.size());
        return ToolOutput::success(vec![Part::Text(cut(text, budget, more.as_deref()))], None);
    }
    if received.cut || base64_len(received.body.len()) > budget.limit {
        return over_budget(received, &kind, budget);
    }
    let data = base64::engine::general_purpose::STANDARD.encode(received.body);
    if kind.starts_with("image/") {
        let image = Part::Image {
            data,
            mime_type: kind,
        };
        return ToolOutput::success(vec![image], None);
    }
    if kind.starts_with("audio/") {
        let audio = Part::Audio {
            data,
            mime_type: kind,
        };
        return ToolOutput::success(vec![audio], None);
    }
    blob_output(received, kind, tool_name, data)
}

/// The characters of the base64 of `n` bytes.
fn base64_len(n: usize) -> usize {
    n.div_ceil(3).saturating_mul(4)
}

/// Bytes (an image, audio, a file) too large for the budget: cutting them would break them, so
/// the model is told what there was instead.
fn over_budget(received: &Received, kind: &str, budget: &Budget) -> ToolOutput {
    let what = if kind.is_empty() {
        "application/octet-stream"
    } else {
        kind
    };
    let text = format!(
        "HTTP {}: {} of {what}, not returned: as base64 it is larger than this tool's response budget of {} characters. To get it, {}; the connector's operator can raise the budget.",
        received.status,
        received.size(),
        budget.limit,
        budget.how()
    );
    ToolOutput::success(vec![Part::Text(text)], None)
}

/// JSON when declared, or when an undeclared or mislabelled text body parses as JSON:
/// structured content (an object; other values wrapped) plus the same JSON as text — each within
/// the budget.
fn json_output(received: &Received, text: &str, kind: &str, budget: &Budget) -> Option<ToolOutput> {
    let declared_json = media::is_json(kind);
    let sniff_json = !declared_json
        && (kind.is_empty() || kind.starts_with("text/") || kind == "application/octet-stream");
    if !(declared_json || sniff_json) {
        return None;
    }
    if received.cut {
        // Not all read, so not parsable: only declared JSON is treated as JSON.
        if !declared_json {
            return None;
        }
        let size = received.size();
        let text = Part::Text(cut(text, budget, Some(&size)));
        return Some(ToolOutput::success(
            vec![text],
            Some(budget.structured_note(&size)),
        ));
    }
    let value = serde_json::from_str::<Value>(text).ok()?;
    let mut structured = match value {
        Value::Object(_) => value,
        other => json!({ "result": other }),
    };
    let compact = serde_json::to_string(&structured).unwrap_or_default();
    if compact.chars().count() > budget.limit {
        structured = budget.structured_note(&received.size());
    }
    Some(ToolOutput::success(
        vec![Part::Text(cut(text, budget, None))],
        Some(structured),
    ))
}

/// Other bytes: an embedded resource, with a line saying what it is.
fn blob_output(received: &Received, kind: String, tool_name: &str, data: String) -> ToolOutput {
    let mime_type = if kind.is_empty() {
        "application/octet-stream".to_string()
    } else {
        kind
    };
    let summary = Part::Text(format!(
        "HTTP {}: {} of {mime_type}",
        received.status,
        received.size()
    ));
    let blob = Part::Blob {
        uri: format!("mcpgen://response/{tool_name}"),
        data,
        mime_type,
    };
    ToolOutput::success(vec![summary, blob], None)
}

/// An HTTP error: status, request id, the problem-details fields and the body, all within the
/// smaller of the budget and [`ERROR_LIMIT`] (each field within [`ERROR_FIELD_LIMIT`]).
fn error_output(received: &Received, kind: &str, budget: &Budget) -> ToolOutput {
    let errors = Budget {
        limit: budget.limit.min(ERROR_LIMIT),
        narrowing: Vec::new(),
    };
    let fields = Budget {
        limit: errors.limit.min(ERROR_FIELD_LIMIT),
        narrowing: Vec::new(),
    };
    let mut message = format!("HTTP {} {}", received.status, received.reason);
    if let Some(id) = received.request_id {
        let id: String = id.chars().take(200).collect();
        message.push_str(&format!(" (request id {id})"));
    }
    let text = match received.text() {
        Some(text) => std::borrow::Cow::Borrowed(text),
        None => String::from_utf8_lossy(received.body),
    };
    let parsed: Option<Map<String, Value>> = if received.cut {
        None
    } else {
        serde_json::from_str(&text).ok()
    };
    if let Some(problem) = &parsed {
        // RFC 9457 problem details: title and detail say it best.
        for key in ["title", "detail", "message", "error_description"] {
            if let Some(Value::String(s)) = problem.get(key) {
                message.push_str(&format!("\n{key}: {}", cut(s, &fields, None)));
            }
        }
    }
    if !text.trim().is_empty()
        && (kind.is_empty() || media::is_json(kind) || kind.starts_with("text/"))
    {
        let more = received.cut.then(|| received.size());
        message.push_str("\n\n");
        message.push_str(&cut(text.trim(), &errors, more.as_deref()));
    }
    ToolOutput {
        is_error: true,
        parts: vec![Part::Text(message)],
        structured: None,
    }
}

/// What [`read_body`] read.
pub(crate) struct Body {
    pub(crate) bytes: Vec<u8>,
    /// There was more than the cap; it was not read.
    pub(crate) cut: bool,
}

/// Reads a response's body as it streams in, stopping after `cap` bytes: neither a huge answer
/// nor an endless stream can take more memory than that. The connection of a cut body is closed.
pub(crate) async fn read_body(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Body, reqwest::Error> {
    let declared = response
        .content_length()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    let mut bytes = Vec::with_capacity(declared.min(cap));
    while let Some(chunk) = response.chunk().await? {
        let room = cap - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            return Ok(Body { bytes, cut: true });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Body { bytes, cut: false })
}

/// A transport failure in words, without the URL's query (which may carry an API key).
pub(crate) fn describe_transport_error(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_redirect() {
        "too many redirects"
    } else if error.is_body() || error.is_decode() {
        "failed while reading the response"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(error);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} ({detail})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received<'a>(status: u16, ct: Option<&'a str>, body: &'a [u8]) -> Received<'a> {
        Received {
            status,
            reason: "X",
            content_type: ct,
            request_id: None,
            body,
            cut: false,
            declared_length: None,
        }
    }

    fn budget(limit: usize) -> Budget {
        Budget {
            limit,
            narrowing: vec!["limit"],
        }
    }

    fn only_text(out: &ToolOutput) -> &str {
        match out.parts.as_slice() {
            [Part::Text(text)] => text,
            other => panic!("not one text: {other:?}"),
        }
    }

    #[test]
    fn structured_content_over_the_budget_is_a_note_naming_the_narrowing_inputs() {
        let body = serde_json::to_vec(&json!({"items": vec!["x".repeat(10); 10]})).unwrap();
        let out = map(
            &received(200, Some("application/json"), &body),
            "t",
            &budget(50),
        );
        let note = &out.structured.as_ref().unwrap()["responseCut"];
        assert_eq!(note["narrowingInputs"], json!(["limit"]), "{note}");
        assert!(note["message"].as_str().unwrap().contains("`limit`"));
        assert!(only_text(&out).contains("[response cut: showing 50 of"));
        // Within the budget, the JSON itself.
        let out = map(
            &received(200, Some("application/json"), &body),
            "t",
            &budget(500),
        );
        assert_eq!(out.structured.unwrap()["items"][0], "x".repeat(10));
    }

    #[test]
    fn a_body_cut_at_the_byte_cap_says_so_in_every_kind() {
        let body = "é".repeat(30);
        let mut cut_text = received(200, Some("text/plain"), &body.as_bytes()[..41]);
        cut_text.cut = true;
        let text = only_text(&map(&cut_text, "t", &budget(10))).to_string();
        assert!(
            text.starts_with(&"é".repeat(10))
                && text.contains("of a response of more than 41 bytes, the rest not read"),
            "{text}"
        );
        let mut cut_json = received(200, Some("application/json"), b"[1,2,");
        cut_json.cut = true;
        cut_json.declared_length = Some(1 << 30);
        let out = map(&cut_json, "t", &budget(10));
        assert!(
            out.structured.unwrap()["responseCut"]["message"]
                .as_str()
                .unwrap()
                .contains("1073741824 bytes")
        );
    }

    #[test]
    fn images_audio_and_files_over_the_budget_are_described_not_sent() {
        for kind in ["image/png", "audio/wav", "application/pdf"] {
            let out = map(&received(200, Some(kind), &[7u8; 30]), "t", &budget(39));
            let text = only_text(&out);
            assert!(
                text.contains("30 bytes of") && text.contains("budget of 39 characters"),
                "{text}"
            );
            // 30 bytes are 40 characters of base64: within a budget of 40.
            let out = map(&received(200, Some(kind), &[7u8; 30]), "t", &budget(40));
            assert!(!matches!(out.parts.as_slice(), [Part::Text(_)]), "{kind}");
        }
    }

    #[test]
    fn error_fields_and_bodies_are_cut() {
        let detail = "d".repeat(50_000);
        let body = serde_json::to_vec(&json!({"title": "Bad", "detail": detail})).unwrap();
        let out = map(
            &received(400, Some("application/problem+json"), &body),
            "t",
            &budget(100_000),
        );
        let text = only_text(&out);
        assert!(
            text.chars().count() < ERROR_LIMIT + ERROR_FIELD_LIMIT + 400,
            "{}",
            text.len()
        );
        assert!(text.contains("title: Bad"), "{text}");
    }

    #[test]
    fn json_objects_arrays_and_lying_content_types() {
        let out = map(
            &received(200, Some("application/json"), b"{\"a\":1}"),
            "t",
            &Budget {
                limit: 100,
                narrowing: Vec::new(),
            },
        );
        assert_eq!(out.structured, Some(json!({"a": 1})));
        let out = map(
            &received(200, Some("application/json"), b"[1,2]"),
            "t",
            &Budget {
                limit: 100,
                narrowing: Vec::new(),
            },
        );
        assert_eq!(out.structured, Some(json!({"result": [1, 2]})));
        let out = map(
            &received(200, Some("text/plain"), b"{\"a\":1}"),
            "t",
            &Budget {
                limit: 100,
                narrowing: Vec::new(),
            },
        );
        assert_eq!(out.structured, Some(json!({"a": 1})));
        let out = map(
            &received(200, Some("text/csv"), b"a,b\n1,2"),
            "t",
            &Budget {
                limit: 100,
                narrowing: Vec::new(),
            },
        );
        assert_eq!(out.parts, [Part::Text("a,b\n1,2".into())]);
    }

    #[test]
    fn errors_keep_status_and_problem_details() {
        let out = map(
            &received(
                404,
                Some("application/problem+json"),
                br#"{"title":"Not found","detail":"no order 7"}"#,
            ),
            "t",
            &Budget {
                limit: 100,
                narrowing: Vec::new(),
            },
        );
        assert!(out.is_error);
        let Part::Text(text) = &out.parts[0] else {
            panic!()
        };
        assert!(text.starts_with("HTTP 404"), "{text}");
        assert!(text.contains("no order 7"), "{text}");
    }

    #[test]
    fn long_text_is_cut_with_a_note() {
        let body = "x".repeat(50);
        let budget = Budget {
            limit: 10,
            narrowing: vec!["per_page", "q"],
        };
        let out = map(
            &received(200, Some("text/plain"), body.as_bytes()),
            "t",
            &budget,
        );
        let Part::Text(text) = &out.parts[0] else {
            panic!()
        };
        assert!(
            text.ends_with(
                "[response cut: showing 10 of 50 characters; ask for less with this tool's `per_page`, `q`]"
            ),
            "{text}"
        );
    }
}
