//! The MCP side, and the only module that touches `rmcp`: [`McpServer`] answers the protocol
//! (server info, paginated `tools/list`, logging level) and hands everything a connector offers
//! to its handler stack ([`layer`]): the connector's tools at the bottom ([`tools`]), capabilities
//! layered above. rmcp handles both protocol eras (the 2025-11-25 `initialize` handshake and
//! stateless 2026-07-28 with `server/discover`) and both transports.

pub(crate) mod catalog;
mod confirm;
#[cfg(feature = "conformance-fixtures")]
pub(crate) mod fixtures;
pub(crate) mod layer;
mod malformed;
pub(crate) mod sessions;
mod stdio;
pub(crate) mod tasks;
pub(crate) mod tools;
pub(crate) mod views;

use std::sync::Arc;

#[allow(deprecated)] // LoggingLevel, SetLevelRequestParams: see `set_level`
use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, CancelTaskParams,
    CompleteRequestParams, CompleteResult, ContentBlock, CustomRequest, CustomResult,
    GetPromptRequestParams, GetPromptResponse, GetTaskParams, GetTaskResult, Implementation,
    ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult,
    LoggingLevel, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse,
    ResourceContents, ServerCapabilities, ServerConfig, SetLevelRequestParams,
    SubscribeRequestParams, UnsubscribeRequestParams, UpdateTaskParams,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, ServiceExt};
use tokio_util::sync::CancellationToken;

use crate::error::Error;
use crate::response::{Part, ToolOutput};
use crate::table::Connector;
use layer::{Handler, ListScope, Session};
use sessions::{BoundedSessions, Gate, SessionLimits};

/// The largest JSON-RPC message accepted over HTTP (rmcp's default, stated so that the runtime's
/// own reading of request bodies uses the same bound).
pub(crate) const MAX_REQUEST_BODY: usize = 4 * 1024 * 1024;

/// Tools per `tools/list` page; large APIs are paginated.
const PAGE_SIZE: usize = 200;
/// How long clients may cache list results (2026-07-28 `ttlMs`): the table never changes while
/// running.
const LIST_TTL_MS: u64 = 3_600_000;

/// The MCP server of one connector over a handler stack. Cheap to clone: everything is shared.
pub(crate) struct McpServer<H> {
    connector: &'static Connector,
    handler: Arc<H>,
    log_filter: Option<crate::logging::LevelHandle>,
    /// The client session this copy serves (a fresh one per HTTP session).
    session: Arc<Session>,
    /// The tasks of every session.
    tasks: Arc<tasks::Tasks>,
    /// The tools with arguments mirrored into `Mcp-Param-*` headers, by name (built once).
    mirrored: Arc<std::sync::OnceLock<std::collections::HashMap<String, rmcp::model::Tool>>>,
}

impl<H> Clone for McpServer<H> {
    fn clone(&self) -> Self {
        McpServer {
            connector: self.connector,
            handler: self.handler.clone(),
            log_filter: self.log_filter.clone(),
            session: self.session.clone(),
            tasks: self.tasks.clone(),
            mirrored: self.mirrored.clone(),
        }
    }
}

impl<H> McpServer<H> {
    /// A copy for another client session: the same handler, a session of its own.
    fn for_new_session(&self) -> Self {
        McpServer {
            session: Arc::new(Session::default()),
            ..self.clone()
        }
    }

    /// The toolsets this request's client switched on: a 2025-11-25 session's, none for a
    /// stateless 2026-07-28 request.
    fn toolsets(&self, context: &RequestContext<RoleServer>) -> Vec<&'static str> {
        if is_stateless(context) {
            Vec::new()
        } else {
            self.session.toolsets()
        }
    }
}

/// Whether an input schema mirrors any argument into an `Mcp-Param-*` header (`x-mcp-header`
/// on a property, at any depth of `properties`).
fn mirrors_headers(schema: &serde_json::Map<String, serde_json::Value>) -> bool {
    schema
        .get("properties")
        .and_then(serde_json::Value::as_object)
        .is_some_and(|properties| {
            properties.values().any(|p| {
                p.get("x-mcp-header").is_some() || p.as_object().is_some_and(mirrors_headers)
            })
        })
}

/// Whether the request is of the stateless 2026-07-28 era.
pub(crate) fn is_stateless(context: &RequestContext<RoleServer>) -> bool {
    context
        .protocol_version()
        .is_some_and(|v| v >= rmcp::model::ProtocolVersion::V_2026_07_28)
}

impl<H: Handler> McpServer<H> {
    /// Runs a call as a task: answers with the task at once and records the outcome when the
    /// work ends. The work outlives the request, so it has its own cancellation, which
    /// `tasks/cancel` triggers.
    async fn start_task(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let owner = tasks::owner(&context, &self.session);
        let call = tasks::StoredCall::of(&request);
        let (created, cancel) = self.tasks.create(&owner, call).await?;
        self.work_on(created.task.task_id.clone(), request, context, cancel);
        Ok(CallToolResponse::Task(created))
    }

    /// Runs task `id`'s call in the background, with `cancel` as its cancellation, recording how
    /// it ends (an answer, a failure, or questions for the client).
    fn work_on(
        &self,
        id: String,
        request: CallToolRequestParams,
        mut context: RequestContext<RoleServer>,
        cancel: CancellationToken,
    ) {
        let watching = (self.tasks.clone(), id.clone(), cancel.clone());
        tokio::spawn(async move { watching.0.watch(&watching.1, watching.2).await });
        context.ct = cancel;
        context.extensions.insert(tasks::InTask {
            tasks: self.tasks.clone(),
            id: id.clone(),
        });
        let (handler, session, tasks) = (
            self.handler.clone(),
            self.session.clone(),
            self.tasks.clone(),
        );
        tokio::spawn(async move {
            let work =
                tokio::spawn(async move { handler.call_tool(request, context, &session).await });
            let outcome = work.await.map_err(|e| {
                if e.is_panic() {
                    "it crashed".to_string()
                } else {
                    "it was stopped".to_string()
                }
            });
            tasks.finish(&id, outcome).await;
        });
    }

    pub(crate) fn new(
        connector: &'static Connector,
        handler: H,
        log_filter: Option<crate::logging::LevelHandle>,
        tasks: Arc<tasks::Tasks>,
    ) -> McpServer<H> {
        McpServer {
            connector,
            handler: Arc::new(handler),
            log_filter,
            session: Arc::new(Session::default()),
            tasks,
            mirrored: Arc::default(),
        }
    }

    /// Serves MCP over stdin/stdout until the client closes the connection. When both are pipes
    /// — as MCP clients launch servers — they are read and written on the IO reactor, not on
    /// Tokio's blocking threads (a thread hand-off per message).
    pub(crate) async fn serve_stdio(self) -> Result<(), Error> {
        tracing::info!(
            pipes = stdio_is_pipes(),
            "serving MCP over stdio (non-blocking when both streams are pipes)"
        );
        let running = self
            .serve(stdio::transport())
            .await
            .map_err(|e| Error::Session(format!("failed to start: {e}")))?;
        running
            .waiting()
            .await
            .map_err(|e| Error::Session(format!("ended with an error: {e}")))?;
        Ok(())
    }

    /// The Streamable HTTP service (both eras; sessions for 2025-11-25 clients, within
    /// `limits`, reserved through the gate) that accepts only `hosts` in `Host` and their
    /// origins in `Origin`. Cancelling the token ends every session.
    pub(crate) fn http_service(
        self,
        hosts: Vec<String>,
        limits: SessionLimits,
    ) -> (HttpService<H>, CancellationToken, Gate) {
        // `:*` matches any port and none (an origin on the scheme's default port); a pattern
        // without a port would mean the same today, but rmcp warns about each such pattern on
        // every start because its meaning is to change.
        let origins: Vec<String> = hosts
            .iter()
            .flat_map(|h| [format!("http://{h}:*"), format!("https://{h}:*")])
            .collect();
        let config = StreamableHttpServerConfig::default()
            .with_max_request_body_bytes(MAX_REQUEST_BODY)
            .with_allowed_hosts(hosts)
            .with_allowed_origins(origins)
            .enforce_origin_validation();
        let cancel = config.cancellation_token.clone();
        let sessions = BoundedSessions::new(limits);
        let gate = sessions.gate();
        let service = StreamableHttpService::new(
            move || Ok(self.for_new_session()),
            Arc::new(sessions),
            config,
        );
        (service, cancel, gate)
    }
}

/// Whether stdin and stdout are both FIFOs, the case the non-blocking transport serves.
fn stdio_is_pipes() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let fifo = |fd: &str| {
            std::fs::metadata(format!("/proc/self/fd/{fd}")).is_ok_and(|m| m.file_type().is_fifo())
        };
        fifo("0") && fifo("1")
    }
    #[cfg(not(unix))]
    false
}

/// The tower service that serves MCP at an HTTP endpoint.
pub(crate) type HttpService<H> = StreamableHttpService<McpServer<H>, BoundedSessions>;

/// A tool output in MCP's terms.
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

impl<H: Handler> ServerHandler for McpServer<H> {
    #[allow(deprecated)] // logging capability: see `set_level`
    fn get_info(&self) -> ServerConfig {
        let c = self.connector;
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
        self.handler.capabilities(&mut capabilities);
        let mut config = ServerConfig::new(capabilities).with_server_info(implementation);
        if !c.instructions.is_empty() {
            config = config.with_instructions(c.instructions);
        }
        config
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let toolsets = self.toolsets(&context);
        let scope = ListScope {
            toolsets: &toolsets,
            views: views::client_renders_views(&context),
        };
        let tools = self.handler.tools(scope);
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
        let uses_tasks = tasks::client_uses_tasks(&context);
        if uses_tasks && self.handler.runs_as_task(&request) {
            return self.start_task(request, context).await;
        }
        if !uses_tasks && self.handler.requires_task(&request) {
            return Err(McpError::missing_required_client_capability(
                rmcp::model::ClientCapabilities::builder()
                    .enable_tasks()
                    .build(),
            ));
        }
        self.handler
            .call_tool(request, context, &self.session)
            .await
    }

    /// The tool rmcp checks a call's `Mcp-Param-*` headers against (SEP-2243): only tools that
    /// mirror an argument into a header, so other calls skip the lookup.
    fn get_tool(&self, name: &str) -> Option<rmcp::model::Tool> {
        self.mirrored
            .get_or_init(|| {
                self.handler
                    .tools(ListScope::default())
                    .iter()
                    .filter(|t| mirrors_headers(&t.input_schema))
                    .map(|t| (t.name.to_string(), t.clone()))
                    .collect()
            })
            .get(name)
            .cloned()
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, McpError> {
        let owner = tasks::owner(&context, &self.session);
        self.tasks.get(&request.task_id, &owner).await
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        let owner = tasks::owner(&context, &self.session);
        self.tasks.cancel(&request.task_id, &owner).await
    }

    async fn update_task(
        &self,
        request: UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        let owner = tasks::owner(&context, &self.session);
        let answered = self
            .tasks
            .answer(&request.task_id, &owner, request.input_responses)
            .await?;
        if let Some((call, cancel)) = answered {
            self.work_on(request.task_id, call, context, cancel);
        }
        Ok(())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(self.handler.prompts())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        Ok(self.handler.resources())
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(self.handler.resource_templates())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        self.handler.read_resource(request).await
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        self.handler.get_prompt(request).await
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        self.handler.complete(request).await
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.handler.subscribe(request).await
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.handler.unsubscribe(request).await
    }

    /// Requests rmcp could not type: unknown methods, and known ones with malformed params.
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, McpError> {
        Err(malformed::error(&request))
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
