//! Result views (MCP Apps, extension `io.modelcontextprotocol/ui`). To a client that declares
//! the extension, each tool with a view links through `_meta.ui.resourceUri` to a `ui://`
//! resource, and reading it gives the view: the built-in one (`view.html`: one document, its
//! script and style inline, nothing fetched) with the tool's configuration embedded, or the
//! user's own HTML. A client without the extension sees none of this — no `_meta`, no
//! resources — and the text result stays what the model reads either way.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use rmcp::model::{
    MetaObject, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult,
    ResourceContents, ServerCapabilities, Tool as McpTool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};
use serde_json::{Value, json};

use super::LIST_TTL_MS;
use super::layer::{Handler, Layer, ListScope};
use crate::table::{Connector, View};

/// The extension's identifier, as clients declare it.
pub(crate) const EXTENSION: &str = "io.modelcontextprotocol/ui";
/// The media type of an MCP Apps view.
pub(crate) const MIME_TYPE: &str = "text/html;profile=mcp-app";
/// The built-in view; its configuration goes into the element that holds `{}` below.
const VIEW_HTML: &str = include_str!("view.html");
const CONFIG_SLOT: &str = r#"<script type="application/json" id="view-config">{}</script>"#;

/// Whether the client of this request renders views: it declared the extension with the HTML
/// media type (in `initialize`, or in this request's `_meta` for 2026-07-28).
pub(crate) fn client_renders_views(context: &RequestContext<RoleServer>) -> bool {
    let Some(capabilities) = context.client_capabilities() else {
        return false;
    };
    let Some(settings) = capabilities
        .extensions
        .as_ref()
        .and_then(|e| e.get(EXTENSION))
    else {
        return false;
    };
    settings
        .get("mimeTypes")
        .and_then(Value::as_array)
        .is_some_and(|types| types.iter().filter_map(Value::as_str).any(is_view_type))
}

/// `text/html;profile=mcp-app`, however it is spaced or cased.
fn is_view_type(media_type: &str) -> bool {
    let parts: Vec<String> = media_type
        .split(';')
        .map(|p| p.trim().to_ascii_lowercase())
        .collect();
    parts == ["text/html", "profile=mcp-app"]
}

/// The views of a connector's tools, on top of the handlers below.
pub(crate) struct Views {
    connector: &'static Connector,
    /// The tools that have a view, by name (none: the layer passes everything through).
    views: HashMap<&'static str, &'static View>,
    /// The list below as views-aware clients see it, when it does not depend on toolsets.
    decorated: OnceLock<Arc<[McpTool]>>,
}

impl Views {
    pub(crate) fn new(connector: &'static Connector) -> Views {
        let views = connector
            .tools
            .iter()
            .filter_map(|t| Some((t.name, t.view.as_ref()?)))
            .collect();
        Views {
            connector,
            views,
            decorated: OnceLock::new(),
        }
    }

    fn uri(&self, tool: &str) -> String {
        format!("ui://{}/view/{tool}", self.connector.name)
    }

    fn view(&self, tool: &str) -> Option<&'static View> {
        self.views.get(tool).copied()
    }

    fn decorate(&self, listed: &[McpTool]) -> Arc<[McpTool]> {
        listed
            .iter()
            .map(|tool| {
                let mut tool = tool.clone();
                if self.view(&tool.name).is_some() {
                    let mut meta = tool.meta.take().unwrap_or_default();
                    meta.0
                        .insert("ui".into(), json!({"resourceUri": self.uri(&tool.name)}));
                    tool.meta = Some(meta);
                }
                tool
            })
            .collect()
    }

    /// The HTML of `view`: the user's own, or the built-in view with its configuration.
    fn html(view: &View) -> String {
        match view.html {
            Some(own) => own.to_string(),
            // `<` only occurs inside JSON strings, where `\u003c` means the same; so the
            // configuration can never close its script element.
            None => VIEW_HTML.replacen(
                CONFIG_SLOT,
                &CONFIG_SLOT.replacen("{}", &view.config.replace('<', "\\u003c"), 1),
                1,
            ),
        }
    }

    fn read(&self, uri: &str) -> Option<ReadResourceResult> {
        let prefix = format!("ui://{}/view/", self.connector.name);
        let tool = uri.strip_prefix(&prefix)?;
        let view = self.view(tool)?;
        let mut ui = json!({"prefersBorder": true});
        if let Some(csp) = view.csp.and_then(|c| serde_json::from_str::<Value>(c).ok()) {
            ui["csp"] = csp;
        }
        let mut meta = MetaObject::default();
        meta.0.insert("ui".into(), ui);
        let contents = ResourceContents::TextResourceContents {
            uri: uri.to_string(),
            mime_type: Some(MIME_TYPE.into()),
            text: Self::html(view),
            meta: Some(meta),
        };
        Some(ReadResourceResult::new(vec![contents]).with_ttl_ms(LIST_TTL_MS))
    }
}

impl<Below: Handler> Layer<Below> for Views {
    fn capabilities(&self, below: &Below, capabilities: &mut ServerCapabilities) {
        below.capabilities(capabilities);
        if self.views.is_empty() {
            return;
        }
        capabilities
            .extensions
            .get_or_insert_with(Default::default)
            .insert(EXTENSION.into(), Default::default());
    }

    fn tools(&self, below: &Below, scope: ListScope<'_>) -> Arc<[McpTool]> {
        let listed = below.tools(scope);
        if !scope.views || self.views.is_empty() {
            return listed;
        }
        if scope.toolsets.is_empty() {
            return self
                .decorated
                .get_or_init(|| self.decorate(&listed))
                .clone();
        }
        self.decorate(&listed)
    }

    async fn read_resource(
        &self,
        below: &Below,
        request: ReadResourceRequestParams,
    ) -> Result<ReadResourceResponse, McpError> {
        match self.read(&request.uri) {
            Some(result) => Ok(result.into()),
            None => below.read_resource(request).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_cannot_close_its_script_element() {
        let view = View {
            config: r#"{"title":"</script><script>alert(1)</script>"}"#,
            html: None,
            csp: None,
        };
        let html = Views::html(&view);
        assert_eq!(
            html.matches("</script>").count(),
            VIEW_HTML.matches("</script>").count()
        );
        let start = html.find(r#"id="view-config">"#).unwrap() + r#"id="view-config">"#.len();
        let end = start + html[start..].find("</script>").unwrap();
        let config: Value = serde_json::from_str(&html[start..end]).unwrap();
        assert_eq!(config["title"], "</script><script>alert(1)</script>");
    }
}
