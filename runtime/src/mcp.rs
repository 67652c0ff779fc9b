//! The MCP side, and the only module that touches `rmcp`: server info, `tools/list` from the
//! static table, `tools/call` into the [`Engine`], empty prompt and resource lists, logging level.
//! With `--conformance-fixtures` it also serves [`crate::conformance`]'s fixtures.
//! rmcp handles both protocol eras (the 2025-11-25 `initialize` handshake and stateless
//! 2026-07-28 with `server/discover`).

use std::sync::{Arc, OnceLock};

#[allow(deprecated)] // LoggingLevel, SetLevelRequestParams: see `set_level`
use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams,
    CompleteResult, ContentBlock, ElicitRequest, ElicitRequestParams, ElicitResult,
    ElicitationAction, ElicitationSchema, GetPromptRequestParams, GetPromptResponse,
    Implementation, InputRequest, InputRequiredResult, JsonObject, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, LoggingLevel,
    PaginatedRequestParams, ProtocolVersion, ReadResourceRequestParams, ReadResourceResponse,
    ResourceContents, ServerCapabilities, ServerConfig, SetLevelRequestParams,
    SubscribeRequestParams, Tool as McpTool, ToolAnnotations, UnsubscribeRequestParams,
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
    /// Serve the conformance suite's fixtures too (`--conformance-fixtures`).
    fixtures: bool,
}

impl Server {
    pub fn new(
        engine: Arc<Engine>,
        log_filter: Option<crate::logging::LevelHandle>,
        fixtures: bool,
    ) -> Server {
        Server {
            engine,
            tools: Arc::new(OnceLock::new()),
            log_filter,
            fixtures,
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
                .chain(
                    self.fixtures
                        .then(crate::conformance::tools)
                        .into_iter()
                        .flatten(),
                )
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

/// The key of the confirmation in `inputRequests`/`inputResponses` (2026-07-28).
const CONFIRM_KEY: &str = "confirm";

enum Confirmation {
    Given,
    /// 2026-07-28: the client asks the user and calls again with the answer.
    Ask(InputRequiredResult),
    Refused(String),
}

/// Asks the user, through the client's elicitation, whether `tool` may run with `args`: within
/// the call for 2025-11-25 sessions, as an `input_required` result for 2026-07-28 clients.
async fn confirmation(
    tool: &crate::table::Tool,
    args: &JsonObject,
    request: &CallToolRequestParams,
    context: &RequestContext<RoleServer>,
) -> Confirmation {
    let declined = |why: &str| {
        Confirmation::Refused(format!(
            "`{}` was not called: {why}. Nothing was sent to the API.",
            tool.name
        ))
    };
    let judge = |result: ElicitResult| {
        let confirmed = result.action == ElicitationAction::Accept
            && result
                .content
                .as_ref()
                .and_then(|c| c.get(CONFIRM_KEY))
                .and_then(serde_json::Value::as_bool)
                == Some(true);
        if confirmed {
            Confirmation::Given
        } else {
            declined("the user did not confirm it")
        }
    };
    if let Some(answer) = request
        .input_responses
        .as_ref()
        .and_then(|r| r.get(CONFIRM_KEY))
    {
        return match serde_json::from_value::<ElicitResult>(answer.clone()) {
            Ok(result) => judge(result),
            Err(_) => declined("the confirmation answer was not an elicitation result"),
        };
    }
    let can_ask = context
        .client_capabilities()
        .is_some_and(|c| c.elicitation.is_some());
    if !can_ask {
        return declined(
            "it needs the user's confirmation, and this client cannot ask for it (it does not support elicitation)",
        );
    }
    let mut shown = serde_json::to_string_pretty(args).unwrap_or_default();
    if shown.len() > 2000 {
        let mut cut = 2000;
        while !shown.is_char_boundary(cut) {
            cut -= 1;
        }
        shown.truncate(cut);
        shown.push_str("\n…");
    }
    let message = format!(
        "Allow `{}` ({} {}) with these arguments?\n{shown}",
        tool.title.unwrap_or(tool.name),
        tool.method.as_str(),
        tool.path
    );
    let schema = ElicitationSchema::builder()
        .required_bool_with(CONFIRM_KEY, |b| b.description("Yes, make this call"))
        .build_unchecked();
    let params = ElicitRequestParams::FormElicitationParams {
        meta: None,
        message,
        requested_schema: schema,
    };
    let modern = context
        .protocol_version()
        .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
    if modern {
        let requests = [(
            CONFIRM_KEY.to_string(),
            InputRequest::Elicitation(ElicitRequest::new(params)),
        )]
        .into();
        return Confirmation::Ask(InputRequiredResult::from_input_requests(requests));
    }
    match context.peer.create_elicitation(params).await {
        Ok(result) => judge(result),
        Err(e) => declined(&format!("asking the user failed: {e}")),
    }
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
        let mut capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_prompts()
            .enable_resources()
            .enable_logging()
            .build();
        if self.fixtures {
            capabilities.completions = Some(Default::default());
        }
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
        if self.fixtures
            && let Some(response) = crate::conformance::call(&request, &context).await
        {
            return response;
        }
        let Some(index) = self.engine.tool_index(&request.name) else {
            return Err(McpError::invalid_params(
                format!("unknown tool `{}`", request.name),
                None,
            ));
        };
        info!(tool = %request.name, "tools/call");
        let tool = &self.engine.connector.tools[index];
        let args = request.arguments.clone().unwrap_or_default();
        if tool.confirm {
            // Never ask the user about a call that would be rejected anyway.
            if let Err(message) = self
                .engine
                .validate(index, &serde_json::Value::Object(args.clone()))
            {
                return Ok(to_result(ToolOutput::error(message)).into());
            }
            match confirmation(tool, &args, &request, &context).await {
                Confirmation::Given => {}
                Confirmation::Ask(input_required) => return Ok(input_required.into()),
                Confirmation::Refused(message) => {
                    return Ok(to_result(ToolOutput::error(message)).into());
                }
            }
        }
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
        if self.fixtures {
            return Ok(crate::conformance::prompts());
        }
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
        if self.fixtures {
            return Ok(crate::conformance::resources());
        }
        Ok(ListResourcesResult {
            ttl_ms: Some(LIST_TTL_MS),
            cache_scope: Some(CacheScope::Public),
            ..Default::default()
        })
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        if self.fixtures {
            return Ok(crate::conformance::templates());
        }
        Ok(ListResourceTemplatesResult {
            ttl_ms: Some(LIST_TTL_MS),
            cache_scope: Some(CacheScope::Public),
            ..Default::default()
        })
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        if self.fixtures {
            return crate::conformance::read(&request.uri).map(Into::into);
        }
        Err(McpError::invalid_params(
            format!(
                "no resource `{}`: this connector offers tools only",
                request.uri
            ),
            Some(serde_json::json!({"uri": request.uri})),
        ))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        if self.fixtures {
            return crate::conformance::get_prompt(&request);
        }
        Err(McpError::invalid_params(
            format!(
                "no prompt `{}`: this connector offers tools only",
                request.name
            ),
            None,
        ))
    }

    async fn complete(
        &self,
        _request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        if self.fixtures {
            return Ok(crate::conformance::complete());
        }
        Err(McpError::method_not_found::<
            rmcp::model::CompleteRequestMethod,
        >())
    }

    async fn subscribe(
        &self,
        _request: SubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        if self.fixtures {
            return Ok(());
        }
        Err(McpError::method_not_found::<
            rmcp::model::SubscribeRequestMethod,
        >())
    }

    async fn unsubscribe(
        &self,
        _request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        if self.fixtures {
            return Ok(());
        }
        Err(McpError::method_not_found::<
            rmcp::model::UnsubscribeRequestMethod,
        >())
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
