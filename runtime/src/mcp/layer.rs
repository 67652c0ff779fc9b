//! The extension point of the MCP handler: a stack of layers over the connector's own tools.
//!
//! The bottom of the stack is a [`Handler`] — the connector's tools — whose defaults offer
//! nothing beyond tools. Each capability built on top (catalog mode, the conformance suite's
//! fixtures; `ui://` result views and tasks as they arrive) is a [`Layer`]: it answers what it
//! knows and passes everything else to the handler below, which is what its defaults do. A new
//! capability is a new layer, never a new branch in the handler below.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex};

use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CompleteRequestParams, CompleteResult,
    GetPromptRequestParams, GetPromptResponse, ListPromptsResult, ListResourceTemplatesResult,
    ListResourcesResult, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities,
    SubscribeRequestParams, Tool as McpTool, UnsubscribeRequestParams,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};

use super::LIST_TTL_MS;

/// What the MCP server asks of the handler stack. The defaults are those of a server that offers
/// tools only.
pub(crate) trait Handler: Send + Sync + 'static {
    /// Adds what this handler offers to the server's capabilities.
    fn capabilities(&self, capabilities: &mut ServerCapabilities) {
        let _ = capabilities;
    }

    /// Every tool, in the order `tools/list` pages them, for the client `scope` describes.
    fn tools(&self, scope: ListScope<'_>) -> Arc<[McpTool]>;

    fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
        session: &Session,
    ) -> impl Future<Output = Result<CallToolResponse, McpError>> + Send;

    /// Whether this call runs as a task for clients that use tasks (it may take long).
    fn runs_as_task(&self, request: &CallToolRequestParams) -> bool {
        let _ = request;
        false
    }

    /// Whether this call runs only as a task: clients that do not use tasks cannot make it.
    fn requires_task(&self, request: &CallToolRequestParams) -> bool {
        let _ = request;
        false
    }

    fn resources(&self) -> ListResourcesResult {
        ListResourcesResult {
            ttl_ms: Some(LIST_TTL_MS),
            cache_scope: Some(CacheScope::Public),
            ..Default::default()
        }
    }

    fn resource_templates(&self) -> ListResourceTemplatesResult {
        ListResourceTemplatesResult {
            ttl_ms: Some(LIST_TTL_MS),
            cache_scope: Some(CacheScope::Public),
            ..Default::default()
        }
    }

    fn read_resource(
        &self,
        request: ReadResourceRequestParams,
    ) -> impl Future<Output = Result<ReadResourceResponse, McpError>> + Send {
        std::future::ready(Err(McpError::invalid_params(
            format!(
                "no resource `{}`: this connector offers tools only",
                request.uri
            ),
            Some(serde_json::json!({"uri": request.uri})),
        )))
    }

    fn prompts(&self) -> ListPromptsResult {
        ListPromptsResult {
            ttl_ms: Some(LIST_TTL_MS),
            cache_scope: Some(CacheScope::Public),
            ..Default::default()
        }
    }

    fn get_prompt(
        &self,
        request: GetPromptRequestParams,
    ) -> impl Future<Output = Result<GetPromptResponse, McpError>> + Send {
        std::future::ready(Err(McpError::invalid_params(
            format!(
                "no prompt `{}`: this connector offers tools only",
                request.name
            ),
            None,
        )))
    }

    fn complete(
        &self,
        request: CompleteRequestParams,
    ) -> impl Future<Output = Result<CompleteResult, McpError>> + Send {
        let _ = request;
        std::future::ready(Err(McpError::method_not_found::<
            rmcp::model::CompleteRequestMethod,
        >()))
    }

    fn subscribe(
        &self,
        request: SubscribeRequestParams,
    ) -> impl Future<Output = Result<(), McpError>> + Send {
        let _ = request;
        std::future::ready(Err(McpError::method_not_found::<
            rmcp::model::SubscribeRequestMethod,
        >()))
    }

    fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
    ) -> impl Future<Output = Result<(), McpError>> + Send {
        let _ = request;
        std::future::ready(Err(McpError::method_not_found::<
            rmcp::model::UnsubscribeRequestMethod,
        >()))
    }
}

/// A capability stacked on a [`Handler`]. Every method's default hands the request to the
/// handler below, so a layer implements only what it adds or changes.
pub(crate) trait Layer<Below: Handler>: Send + Sync + 'static {
    fn capabilities(&self, below: &Below, capabilities: &mut ServerCapabilities) {
        below.capabilities(capabilities)
    }

    fn tools(&self, below: &Below, scope: ListScope<'_>) -> Arc<[McpTool]> {
        below.tools(scope)
    }

    fn call_tool(
        &self,
        below: &Below,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
        session: &Session,
    ) -> impl Future<Output = Result<CallToolResponse, McpError>> + Send {
        below.call_tool(request, context, session)
    }

    fn runs_as_task(&self, below: &Below, request: &CallToolRequestParams) -> bool {
        below.runs_as_task(request)
    }

    fn requires_task(&self, below: &Below, request: &CallToolRequestParams) -> bool {
        below.requires_task(request)
    }

    fn resources(&self, below: &Below) -> ListResourcesResult {
        below.resources()
    }

    fn resource_templates(&self, below: &Below) -> ListResourceTemplatesResult {
        below.resource_templates()
    }

    fn read_resource(
        &self,
        below: &Below,
        request: ReadResourceRequestParams,
    ) -> impl Future<Output = Result<ReadResourceResponse, McpError>> + Send {
        below.read_resource(request)
    }

    fn prompts(&self, below: &Below) -> ListPromptsResult {
        below.prompts()
    }

    fn get_prompt(
        &self,
        below: &Below,
        request: GetPromptRequestParams,
    ) -> impl Future<Output = Result<GetPromptResponse, McpError>> + Send {
        below.get_prompt(request)
    }

    fn complete(
        &self,
        below: &Below,
        request: CompleteRequestParams,
    ) -> impl Future<Output = Result<CompleteResult, McpError>> + Send {
        below.complete(request)
    }

    fn subscribe(
        &self,
        below: &Below,
        request: SubscribeRequestParams,
    ) -> impl Future<Output = Result<(), McpError>> + Send {
        below.subscribe(request)
    }

    fn unsubscribe(
        &self,
        below: &Below,
        request: UnsubscribeRequestParams,
    ) -> impl Future<Output = Result<(), McpError>> + Send {
        below.unsubscribe(request)
    }
}

/// What a `tools/list` answer depends on besides the connector: who asks.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ListScope<'a> {
    /// The toolsets the client switched on: always none for a 2026-07-28 request, whose list
    /// must not depend on earlier requests.
    pub(crate) toolsets: &'a [&'static str],
    /// The client renders MCP Apps views (it declared `io.modelcontextprotocol/ui`).
    pub(crate) views: bool,
}

/// What one client session asked for that changes what it sees: the toolsets it switched on.
/// Only 2025-11-25 sessions keep any; a 2026-07-28 request carries no session.
#[derive(Debug)]
pub(crate) struct Session {
    /// Tells this session from every other of the process (its tasks are its own).
    id: u64,
    toolsets: Mutex<BTreeSet<&'static str>>,
}

impl Default for Session {
    fn default() -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Session {
            id: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            toolsets: Mutex::default(),
        }
    }
}

impl Session {
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The toolsets switched on, in name order.
    pub(crate) fn toolsets(&self) -> Vec<&'static str> {
        self.toolsets
            .lock()
            .map(|t| t.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Switches a toolset on; false when it already was.
    pub(crate) fn enable(&self, toolset: &'static str) -> bool {
        self.toolsets
            .lock()
            .map(|mut t| t.insert(toolset))
            .unwrap_or(false)
    }
}

/// A layer on top of a handler, which is a handler again.
pub(crate) struct Stacked<L, Below> {
    layer: L,
    below: Below,
}

impl<L, Below> Stacked<L, Below> {
    pub(crate) fn new(layer: L, below: Below) -> Self {
        Stacked { layer, below }
    }
}

impl<L: Layer<Below>, Below: Handler> Handler for Stacked<L, Below> {
    fn capabilities(&self, capabilities: &mut ServerCapabilities) {
        self.layer.capabilities(&self.below, capabilities)
    }

    fn tools(&self, scope: ListScope<'_>) -> Arc<[McpTool]> {
        self.layer.tools(&self.below, scope)
    }

    fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
        session: &Session,
    ) -> impl Future<Output = Result<CallToolResponse, McpError>> + Send {
        self.layer.call_tool(&self.below, request, context, session)
    }

    fn runs_as_task(&self, request: &CallToolRequestParams) -> bool {
        self.layer.runs_as_task(&self.below, request)
    }

    fn requires_task(&self, request: &CallToolRequestParams) -> bool {
        self.layer.requires_task(&self.below, request)
    }

    fn resources(&self) -> ListResourcesResult {
        self.layer.resources(&self.below)
    }

    fn resource_templates(&self) -> ListResourceTemplatesResult {
        self.layer.resource_templates(&self.below)
    }

    fn read_resource(
        &self,
        request: ReadResourceRequestParams,
    ) -> impl Future<Output = Result<ReadResourceResponse, McpError>> + Send {
        self.layer.read_resource(&self.below, request)
    }

    fn prompts(&self) -> ListPromptsResult {
        self.layer.prompts(&self.below)
    }

    fn get_prompt(
        &self,
        request: GetPromptRequestParams,
    ) -> impl Future<Output = Result<GetPromptResponse, McpError>> + Send {
        self.layer.get_prompt(&self.below, request)
    }

    fn complete(
        &self,
        request: CompleteRequestParams,
    ) -> impl Future<Output = Result<CompleteResult, McpError>> + Send {
        self.layer.complete(&self.below, request)
    }

    fn subscribe(
        &self,
        request: SubscribeRequestParams,
    ) -> impl Future<Output = Result<(), McpError>> + Send {
        self.layer.subscribe(&self.below, request)
    }

    fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
    ) -> impl Future<Output = Result<(), McpError>> + Send {
        self.layer.unsubscribe(&self.below, request)
    }
}
