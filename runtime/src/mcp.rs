//! The MCP side, and the only module that touches `rmcp`: server info, `tools/list` from the
//! static table, `tools/call` into the [`Engine`], empty prompt and resource lists, logging level.
//! rmcp handles both protocol eras (the 2025-11-25 `initialize` handshake and stateless
//! 2026-07-28 with `server/discover`).

use std::sync::{Arc, OnceLock};

#[allow(deprecated)] // LoggingLevel, SetLevelRequestParams: see `set_level`
use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock,
    Implementation, ListPromptsResult, ListResourcesResult, ListToolsResult, LoggingLevel,
    PaginatedRequestParams, ResourceContents, ServerCapabilities, ServerConfig,
    SetLevelRequestParams, Tool as McpTool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, ServiceExt};
use tracing::info;

use crate::call::Engine;
use crate::response::{Part, ToolOutput};

/// Tools per `tools/list` page; large APIs are paginated.
pub const PAGE_SIZE: usize = 200;
/// How long clients may cache list results (2026-07-28 `ttlMs`): the table never changes while running.
const LIST_TTL_MS: u64 = 3_600_000;

/// The MCP server for one connector. Cheap to clone: everything is shared.
#[derive(Clone)]
pub struct Server {
    engine: Arc<Engine>,
    tools: Arc<OnceLock<Vec<McpTool>>>,
    log_filter: Option<crate::logging::LevelHandle>,
}

impl Server {
    pub fn new(engine: Arc<Engine>, log_filter: Option<crate::logging::LevelHandle>) -> Server {
        Server {
            engine,
            tools: Arc::new(OnceLock::new()),
            log_filter,
        }
    }

    /// The MCP tool list, built from the static table on first use and shared by every session.
    fn mcp_tools(&self) -> &[McpTool] {
        self.tools.get_or_init(|| {
            let connector = self.engine.connector;
            connector
                .tools
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let a = t.annotations;
                    let mut annotations = ToolAnnotations::new()
                        .read_only(a.read_only)
                        .destructive(a.destructive)
                        .idempotent(a.idempotent)
                        .open_world(a.open_world);
                    if let Some(title) = t.title {
                        annotations.title = Some(title.to_string());
                    }
                    let mut tool = McpTool::new(t.name, t.description, self.engine.input_schema(i))
                        .annotate(annotations);
                    if let Some(title) = t.title {
                        tool = tool.with_title(title);
                    }
                    tool
                })
                .collect()
        })
    }

    /// The configured inbound headers of this call's HTTP request (none on stdio), as outbound pairs.
    fn forwarded_headers(&self, context: &RequestContext<RoleServer>) -> Vec<(String, String)> {
        let wanted = &self.engine.config.forward_headers;
        let Some(parts) = context.extensions.get::<http::request::Parts>() else {
            return Vec::new();
        };
        wanted
            .iter()
            .filter_map(|(inbound, outbound)| {
                let value = parts.headers.get(inbound.as_str())?.to_str().ok()?;
                Some((outbound.clone(), value.to_string()))
            })
            .collect()
    }

    /// Serves MCP over stdin/stdout until the client closes the connection.
    pub async fn serve_stdio(self) -> Result<(), String> {
        let running = self
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| format!("MCP session failed to start: {e}"))?;
        running
            .waiting()
            .await
            .map_err(|e| format!("MCP session ended with an error: {e}"))?;
        Ok(())
    }
}

fn to_result(output: ToolOutput) -> CallToolResult {
    let content = output
        .parts
        .into_iter()
        .map(|part| match part {
            Part::Text(text) => ContentBlock::text(text),
            Part::Image { data, mime_type } => ContentBlock::image(data, mime_type),
            Part::Audio { data, mime_type } => ContentBlock::audio(data, mime_type),
            Part::Blob {
                uri,
                data,
                mime_type,
            } => {
                ContentBlock::resource(ResourceContents::blob(data, uri).with_mime_type(mime_type))
            }
        })
        .collect();
    let mut result = if output.is_error {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    };
    result.structured_content = output.structured;
    result
}

impl ServerHandler for Server {
    #[allow(deprecated)] // logging capability: see `set_level`
    fn get_info(&self) -> ServerConfig {
        let c = self.engine.connector;
        let mut implementation = Implementation::new(c.name, c.version);
        implementation.title = Some(c.title.to_string());
        if !c.description.is_empty() {
            implementation.description = Some(c.description.to_string());
        }
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_prompts()
            .enable_resources()
            .enable_logging()
            .build();
        let mut config = ServerConfig::new(capabilities).with_server_info(implementation);
        if !c.instructions.is_empty() {
            config = config.with_instructions(c.instructions);
        }
        config
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let tools = self.mcp_tools();
        let start = match request.and_then(|r| r.cursor) {
            None => 0,
            Some(cursor) => cursor
                .parse::<usize>()
                .ok()
                .filter(|s| *s < tools.len())
                .ok_or_else(|| {
                    McpError::invalid_params(format!("invalid cursor `{cursor}`"), None)
                })?,
        };
        let end = (start + PAGE_SIZE).min(tools.len());
        let mut result = ListToolsResult::with_all_items(tools[start..end].to_vec());
        result.next_cursor = (end < tools.len()).then(|| end.to_string());
        result.ttl_ms = Some(LIST_TTL_MS);
        result.cache_scope = Some(CacheScope::Public);
        Ok(result)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let Some(index) = self.engine.tool_index(&request.name) else {
            return Err(McpError::invalid_params(
                format!("unknown tool `{}`", request.name),
                None,
            ));
        };
        info!(tool = %request.name, "tools/call");
        let args = request.arguments.unwrap_or_default();
        let forwarded = self.forwarded_headers(&context);
        let output = self
            .engine
            .call(index, args, &forwarded, context.ct.clone())
            .await;
        Ok(to_result(output).into())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(ListPromptsResult {
            ttl_ms: Some(LIST_TTL_MS),
            cache_scope: Some(CacheScope::Public),
            ..Default::default()
        })
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        Ok(ListResourcesResult {
            ttl_ms: Some(LIST_TTL_MS),
            cache_scope: Some(CacheScope::Public),
            ..Default::default()
        })
    }

    // `logging/setLevel` is deprecated in 2026-07-28 but legacy clients still send it.
    #[allow(deprecated)]
    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        let level = match request.level {
            LoggingLevel::Debug => "debug",
            LoggingLevel::Info | LoggingLevel::Notice => "info",
            LoggingLevel::Warning => "warn",
            _ => "error",
        };
        if let Some(handle) = &self.log_filter {
            handle.set(level);
        }
        Ok(())
    }
}
