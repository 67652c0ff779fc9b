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

    fn list(&self) -> Arc<[McpTool]> {
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
                annotations.title = t.title.map(str::to_string);
                let mut tool = McpTool::new(t.name, t.description, self.engine.input_schema(i))
                    .annotate(annotations);
                if let Some(title) = t.title {
                    tool = tool.with_title(title);
                }
                tool
            })
            .collect()
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
