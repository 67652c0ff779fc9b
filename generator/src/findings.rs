//! Findings: what the generator noticed in its input and could not honour in full. Nothing is
//! dropped silently: what cannot be understood at all is an [`crate::Error`]; everything else it
//! had to guess, skip or cut is a finding, with the place in the input and the tool it concerns,
//! which `mcpgen inspect` and `mcpgen generate` show.

use serde::Serialize;

/// How much a finding matters to someone who uses the tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The tool is probably wrong: it may send a request the API does not expect. Fix the spec
    /// (or the overrides file).
    Error,
    /// Something in the input was skipped, guessed or cut; the tool works without it.
    Warning,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub level: Level,
    /// The tool it concerns; none for the document as a whole. Set by planning (tools have
    /// names only then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// Where in the input: `file#/json/pointer`, or the overrides file and line.
    pub place: String,
    pub message: String,
}

impl Finding {
    pub fn warning(place: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            level: Level::Warning,
            tool: None,
            place: place.into(),
            message: message.into(),
        }
    }

    pub fn error(place: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            level: Level::Error,
            ..Finding::warning(place, message)
        }
    }

    /// The same finding, about `tool`.
    pub fn for_tool(mut self, tool: &str) -> Finding {
        self.tool = Some(tool.to_string());
        self
    }
}

impl std::fmt::Display for Finding {
    /// `error: tool `listThings`: spec.yaml#/paths/~1things/get: message`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: ", self.level.as_str())?;
        if let Some(tool) = &self.tool {
            write!(f, "tool `{tool}`: ")?;
        }
        if !self.place.is_empty() {
            write!(f, "{}: ", self.place)?;
        }
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_read_level_tool_place_message() {
        let f = Finding::error(
            "a.yaml#/paths/~1x/get",
            "path parameter `id` is not declared",
        )
        .for_tool("getX");
        assert_eq!(
            f.to_string(),
            "error: tool `getX`: a.yaml#/paths/~1x/get: path parameter `id` is not declared"
        );
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["level"], "error");
        assert_eq!(json["tool"], "getX");
        let doc = Finding::warning("a.yaml#/info", "no title");
        assert_eq!(doc.to_string(), "warning: a.yaml#/info: no title");
        assert!(serde_json::to_value(&doc).unwrap().get("tool").is_none());
    }
}
