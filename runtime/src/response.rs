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
    pub(crate) body: &'a [u8],
}

/// How much of a response the model gets, and how to ask for less.
pub(crate) struct Budget {
    pub(crate) limit: usize,
    /// The tool's own inputs that narrow a response (`limit`, `per_page`, `fields`, `filter`, …).
    pub(crate) narrowing: Vec<&'static str>,
}

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
}

/// Cuts `text` to the budget with a note saying how much was cut and how to ask for less.
fn cut(text: &str, budget: &Budget) -> String {
    let limit = budget.limit;
    let total = text.chars().count();
    if total <= limit {
        return text.to_string();
    }
    let kept: String = text.chars().take(limit).collect();
    let how = if budget.narrowing.is_empty() {
        "ask for less, e.g. a smaller page or a narrower filter if the API offers one".to_string()
    } else {
        format!(
            "ask for less with this tool's {}",
            budget
                .narrowing
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!("{kept}\n\n[response cut: showing {limit} of {total} characters; {how}]")
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

/// The tool result for what the API answered.
pub(crate) fn map(received: &Received, tool_name: &str, budget: &Budget) -> ToolOutput {
    let kind = media::essence(received.content_type.unwrap_or(""));
    if received.status >= 400 {
        return error_output(received, &kind, budget.limit);
    }
    if received.body.is_empty() {
        let text = format!("HTTP {} {}: no content", received.status, received.reason);
        return ToolOutput::success(vec![Part::Text(text)], None);
    }
    let text = std::str::from_utf8(received.body).ok();
    if let Some(output) = text.and_then(|t| json_output(t, &kind, budget)) {
        return output;
    }
    let b64 = || base64::engine::general_purpose::STANDARD.encode(received.body);
    if kind.starts_with("image/") {
        let image = Part::Image {
            data: b64(),
            mime_type: kind,
        };
        return ToolOutput::success(vec![image], None);
    }
    if kind.starts_with("audio/") {
        let audio = Part::Audio {
            data: b64(),
            mime_type: kind,
        };
        return ToolOutput::success(vec![audio], None);
    }
    if let (Some(text), true) = (text, media::is_textual(&kind)) {
        return ToolOutput::success(vec![Part::Text(cut(text, budget))], None);
    }
    blob_output(received, kind, tool_name, b64())
}

/// JSON when declared, or when an undeclared or mislabelled text body parses as JSON:
/// structured content (an object; other values wrapped) plus the same JSON as text.
fn json_output(text: &str, kind: &str, budget: &Budget) -> Option<ToolOutput> {
    let declared_json = media::is_json(kind);
    let sniff_json = !declared_json
        && (kind.is_empty() || kind.starts_with("text/") || kind == "application/octet-stream");
    if !(declared_json || sniff_json) {
        return None;
    }
    let value = serde_json::from_str::<Value>(text).ok()?;
    let structured = match value {
        Value::Object(_) => value,
        other => json!({ "result": other }),
    };
    Some(ToolOutput::success(
        vec![Part::Text(cut(text, budget))],
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
        "HTTP {}: {} bytes of {mime_type}",
        received.status,
        received.body.len()
    ));
    let blob = Part::Blob {
        uri: format!("mcpgen://response/{tool_name}"),
        data,
        mime_type,
    };
    ToolOutput::success(vec![summary, blob], None)
}

fn error_output(received: &Received, kind: &str, limit: usize) -> ToolOutput {
    let mut message = format!("HTTP {} {}", received.status, received.reason);
    if let Some(id) = received.request_id {
        message.push_str(&format!(" (request id {id})"));
    }
    let text = String::from_utf8_lossy(received.body);
    let parsed: Option<Map<String, Value>> = serde_json::from_str(&text).ok();
    if let Some(problem) = &parsed {
        // RFC 9457 problem details: title and detail say it best.
        for key in ["title", "detail", "message", "error_description"] {
            if let Some(Value::String(s)) = problem.get(key) {
                message.push_str(&format!("\n{key}: {s}"));
            }
        }
    }
    if !text.trim().is_empty()
        && (kind.is_empty() || media::is_json(kind) || kind.starts_with("text/"))
    {
        message.push_str("\n\n");
        let errors = Budget {
            limit: limit.min(8_000),
            narrowing: Vec::new(),
        };
        message.push_str(&cut(text.trim(), &errors));
    }
    ToolOutput {
        is_error: true,
        parts: vec![Part::Text(message)],
        structured: None,
    }
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
        }
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
