//! The bottom of the handler stack: the connector's own tools, listed from the static table and
//! called through the [`Engine`].

use std::sync::{Arc, OnceLock};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, ProgressNotificationParam, Tool as McpTool,
    ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};
use tracing::info;

use super::confirm::{Confirmation, confirmation};
use super::layer::{Handler, ListScope, Session};
use super::tasks::InTask;
use super::to_result;
use crate::accepted::Progress;
use crate::engine::Engine;
use crate::response::ToolOutput;

/// Below this many tools a second thread costs more than it saves.
const TOOLS_PER_THREAD: usize = 256;

/// The connector's tools. Cheap to share: the list is built once and every session uses it.
pub(crate) struct ConnectorTools {
    engine: Arc<Engine>,
    listed: OnceLock<Arc<[McpTool]>>,
}

impl ConnectorTools {
    pub(crate) fn new(engine: Arc<Engine>) -> ConnectorTools {
        ConnectorTools {
            engine,
            listed: OnceLock::new(),
        }
    }

    /// Every tool, built on all cores at once: a large API's schemas take milliseconds to parse
    /// that a client's first `tools/list` waits for.
    fn list(&self) -> Arc<[McpTool]> {
        let count = self.engine.connector.tools.len();
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(count.div_ceil(TOOLS_PER_THREAD));
        if threads <= 1 {
            return (0..count).map(|i| listing(&self.engine, i)).collect();
        }
        let per_thread = count.div_ceil(threads);
        let engine = &*self.engine;
        std::thread::scope(|scope| {
            let parts: Vec<_> = (0..count)
                .step_by(per_thread)
                .map(|first| {
                    let last = (first + per_thread).min(count);
                    scope.spawn(move || {
                        (first..last)
                            .map(|i| listing(engine, i))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            parts
                .into_iter()
                .flat_map(|part| part.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    }

    /// The configured inbound headers of this call's HTTP request (none on stdio), as outbound
    /// pairs.
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
}

impl Handler for ConnectorTools {
    fn capabilities(&self, capabilities: &mut rmcp::model::ServerCapabilities) {
        if self.engine.connector.tools.iter().any(|t| t.long_running) {
            capabilities
                .extensions
                .get_or_insert_with(Default::default)
                .insert(rmcp::model::TASKS_EXTENSION_ID.into(), Default::default());
        }
    }

    fn runs_as_task(&self, request: &CallToolRequestParams) -> bool {
        self.engine
            .tool_index(&request.name)
            .is_some_and(|i| self.engine.connector.tools[i].long_running)
    }

    fn tools(&self, _scope: ListScope<'_>) -> Arc<[McpTool]> {
        self.listed.get_or_init(|| self.list()).clone()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
        _session: &Session,
    ) -> Result<CallToolResponse, McpError> {
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
            .call(
                index,
                args,
                &forwarded,
                context.ct.clone(),
                progress(&request, &context),
            )
            .await;
        Ok(to_result(output).into())
    }
}

/// How `tools/list` shows tool `index` of the table. The display name is the tool's `title`
/// (clients read it before `annotations.title`, so it is not repeated there).
pub(super) fn listing(engine: &Engine, index: usize) -> McpTool {
    let t = &engine.connector.tools[index];
    let a = t.annotations;
    let annotations = ToolAnnotations::new()
        .read_only(a.read_only)
        .destructive(a.destructive)
        .idempotent(a.idempotent)
        .open_world(a.open_world);
    let tool =
        McpTool::new(t.name, t.description, engine.input_schema(index)).annotate(annotations);
    match t.title {
        Some(title) => tool.with_title(title),
        None => tool,
    }
}

/// Progress notifications to the client, when its request carries a progress token.
fn progress(request: &CallToolRequestParams, context: &RequestContext<RoleServer>) -> Progress {
    if let Some(InTask { tasks, id }) = context.extensions.get::<InTask>().cloned() {
        return Progress::to(move |_, message| {
            let (tasks, id) = (tasks.clone(), id.clone());
            tokio::spawn(async move { tasks.report(&id, message).await });
        });
    }
    let token = request
        .meta
        .as_ref()
        .and_then(|m| m.get_progress_token())
        .or_else(|| context.meta.get_progress_token());
    let Some(token) = token else {
        return Progress::default();
    };
    let peer = context.peer.clone();
    Progress::to(move |step, message| {
        let mut param = ProgressNotificationParam::new(token.clone(), f64::from(step));
        param.message = Some(message);
        let peer = peer.clone();
        tokio::spawn(async move {
            let _ = peer.notify_progress(param).await;
        });
    })
}
