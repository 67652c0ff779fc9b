//! Catalog mode, for APIs too large to list tool by tool: a layer that shows a handful of tools
//! instead — search the operations, describe some, call one (reads and writes through separate
//! tools, with honest annotations, so a client can approve them differently), switch a toolset
//! on — next to the core tools, which stay listed directly. A call through the catalog goes to the
//! layer below as a call of the operation itself: the same validation, confirmation and errors.

use std::sync::{Arc, OnceLock};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, JsonObject,
    ServerCapabilities, Tool as McpTool, ToolAnnotations, ToolsCapability,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};
use serde_json::{Value, json};

use super::is_stateless;
use super::layer::{Handler, Layer, ListScope, Session};
use super::tools::listing;
use crate::engine::Engine;
use crate::search::SearchIndex;
use crate::table::{Connector, Tool, Toolset};

use mcpgen_contract::catalog::{CALL_READ, CALL_WRITE, DESCRIBE, ENABLE, SEARCH};

/// Results a search gives unless asked for another number, and the most it gives.
const DEFAULT_RESULTS: usize = 8;
const MAX_RESULTS: usize = 20;
/// The most operations one describe call returns.
const MAX_DESCRIBED: usize = 10;
/// A title longer than this is cut in search results, which must stay small.
const TITLE_CHARS: usize = 72;

/// The catalog over a connector's operations.
pub(crate) struct Catalog {
    engine: Arc<Engine>,
    index: OnceLock<SearchIndex>,
    /// The catalog's own tools and the core tools, built once.
    listed: OnceLock<Arc<[McpTool]>>,
}

impl Catalog {
    pub(crate) fn new(engine: Arc<Engine>) -> Catalog {
        Catalog {
            engine,
            index: OnceLock::new(),
            listed: OnceLock::new(),
        }
    }

    fn connector(&self) -> &'static Connector {
        self.engine.connector
    }

    fn index(&self) -> &SearchIndex {
        self.index
            .get_or_init(|| SearchIndex::build(self.connector()))
    }

    fn toolset(&self, name: &str) -> Option<&'static Toolset> {
        self.connector().toolsets.iter().find(|t| t.name == name)
    }

    /// Whether a direct call of `name` is offered to this session: a core tool, or a tool of a
    /// toolset it switched on.
    fn listed_directly(&self, name: &str, toolsets: &[&'static str]) -> bool {
        self.engine
            .tool_index(name)
            .is_some_and(|index| self.listed_directly_at(index, toolsets))
    }

    /// [`Catalog::listed_directly`] for the tool at `index` of the table.
    fn listed_directly_at(&self, index: usize, toolsets: &[&'static str]) -> bool {
        let tool = &self.connector().tools[index];
        tool.core
            || toolsets
                .iter()
                .filter_map(|t| self.toolset(t))
                .any(|t| t.tools.contains(&tool.name))
    }

    /// The table indices of the tools offered directly to a session with `toolsets` on.
    fn directly_listed<'a>(
        &'a self,
        toolsets: &'a [&'static str],
    ) -> impl Iterator<Item = usize> + 'a {
        (0..self.connector().tools.len())
            .filter(move |&index| self.listed_directly_at(index, toolsets))
    }
}

impl<Below: Handler> Layer<Below> for Catalog {
    fn capabilities(&self, below: &Below, capabilities: &mut ServerCapabilities) {
        below.capabilities(capabilities);
        if !self.connector().toolsets.is_empty() {
            // 2025-11-25 sessions that switch a toolset on are told their list changed.
            let tools = capabilities
                .tools
                .get_or_insert_with(ToolsCapability::default);
            tools.list_changed = Some(true);
        }
    }

    /// The catalog's tools and the tools listed directly, built from the table: the operations
    /// the catalog stands for are never all built (for a large API that alone would cost more
    /// than everything else a start does).
    fn tools(&self, _below: &Below, scope: ListScope<'_>) -> Arc<[McpTool]> {
        let toolsets = scope.toolsets;
        let connector = self.connector();
        let base = self
            .listed
            .get_or_init(|| {
                let core = self
                    .directly_listed(&[])
                    .map(|index| listing(&self.engine, index));
                catalog_tools(connector).into_iter().chain(core).collect()
            })
            .clone();
        if toolsets.is_empty() {
            return base;
        }
        let extra = self
            .directly_listed(toolsets)
            .filter(|&index| !self.listed_directly_at(index, &[]))
            .map(|index| listing(&self.engine, index));
        base.iter().cloned().chain(extra).collect()
    }

    async fn call_tool(
        &self,
        below: &Below,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
        session: &Session,
    ) -> Result<CallToolResponse, McpError> {
        let args = request.arguments.clone().unwrap_or_default();
        match request.name.as_ref() {
            SEARCH => Ok(self.search(&args).into()),
            DESCRIBE => Ok(self.describe(&args).into()),
            CALL_READ | CALL_WRITE => {
                let write = request.name == CALL_WRITE;
                match self.operation_call(&request, write) {
                    Ok(inner) => below.call_tool(inner, context, session).await,
                    Err(refused) => Ok((*refused).into()),
                }
            }
            ENABLE => Ok(self.enable(&args, &context, session).await.into()),
            name => {
                let toolsets = if is_stateless(&context) {
                    Vec::new()
                } else {
                    session.toolsets()
                };
                if self.listed_directly(name, &toolsets) {
                    below.call_tool(request, context, session).await
                } else {
                    Err(McpError::invalid_params(
                        format!(
                            "unknown tool `{name}`: this connector lists its operations as a catalog; find one with `{SEARCH}` and call it with `{CALL_READ}` or `{CALL_WRITE}`"
                        ),
                        None,
                    ))
                }
            }
        }
    }
}

impl Catalog {
    fn search(&self, args: &JsonObject) -> CallToolResult {
        let Some(query) = args.get("query").and_then(Value::as_str) else {
            return failure(format!(
                "`{SEARCH}` needs a `query`: what you want to do, in words"
            ));
        };
        let limit = args
            .get("limit")
            .and_then(Value::as_u64)
            .map_or(DEFAULT_RESULTS, |l| (l as usize).clamp(1, MAX_RESULTS));
        let toolset = args.get("toolset").and_then(Value::as_str);
        let members = match toolset {
            Some(name) => match self.toolset(name) {
                Some(t) => Some(t.tools),
                None => return failure(format!("no toolset `{name}`; {}", self.toolset_names())),
            },
            None => None,
        };
        let tools = self.connector().tools;
        let hits = self.index().search(query, limit, |i| {
            members.is_none_or(|m| m.contains(&tools[i].name))
        });
        if hits.is_empty() {
            return success(
                format!(
                    "No operation matches \"{query}\". Try other words: what the API calls the things you want (e.g. the resource's name)."
                ),
                None,
            );
        }
        let mut text = format!("{} operations match \"{query}\", best first:\n", hits.len());
        let mut found = Vec::new();
        for hit in &hits {
            let tool = &tools[hit.tool];
            let title = short_title(tool);
            let kind = kind(tool);
            text.push_str(&format!(
                "- {} [{kind}] {} — {title}\n",
                tool.name,
                tool.method.as_str(),
            ));
            found.push(json!({"name": tool.name, "kind": kind}));
        }
        text.push_str(&format!(
            "Inputs: `{DESCRIBE}`. Call: `{CALL_READ}` / `{CALL_WRITE}`."
        ));
        success(text, Some(json!({"operations": found})))
    }

    fn describe(&self, args: &JsonObject) -> CallToolResult {
        let names: Vec<&str> = args
            .get("operations")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if names.is_empty() || names.len() > MAX_DESCRIBED {
            return failure(format!(
                "`{DESCRIBE}` needs `operations`: 1 to {MAX_DESCRIBED} operation names from `{SEARCH}`"
            ));
        }
        let mut described = Vec::new();
        let mut unknown = Vec::new();
        for name in names {
            match self.engine.tool_index(name) {
                Some(i) => described.push(self.description(i)),
                None => unknown.push(self.unknown(name)),
            }
        }
        let structured = json!({"operations": described, "unknown": unknown});
        let text = serde_json::to_string_pretty(&structured).unwrap_or_default();
        let mut result = success(text, Some(structured));
        result.is_error = Some(described.is_empty());
        result
    }

    /// Everything a model needs to call operation `index`.
    fn description(&self, index: usize) -> Value {
        let tool = &self.connector().tools[index];
        json!({
            "name": tool.name,
            "title": tool.title,
            "kind": kind(tool),
            "method": tool.method.as_str(),
            "path": tool.path,
            "description": tool.description,
            "returns": tool.returns,
            "asksForConfirmation": tool.confirm,
            "inputSchema": Value::Object((*self.engine.input_schema(index)).clone()),
            "callWith": if tool.annotations.read_only { CALL_READ } else { CALL_WRITE },
        })
    }

    /// An operation name that does not exist, with the nearest ones by name.
    fn unknown(&self, name: &str) -> Value {
        let tools = self.connector().tools;
        let nearest: Vec<&str> = self
            .index()
            .search(name, 3, |_| true)
            .iter()
            .map(|h| tools[h.tool].name)
            .collect();
        json!({"name": name, "didYouMean": nearest})
    }

    /// The call of an operation a `call_*_operation` request stands for, or why it is refused.
    fn operation_call(
        &self,
        request: &CallToolRequestParams,
        write: bool,
    ) -> Result<CallToolRequestParams, Box<CallToolResult>> {
        let args = request.arguments.clone().unwrap_or_default();
        let Some(operation) = args.get("operation").and_then(Value::as_str) else {
            return Err(Box::new(failure(format!(
                "`{}` needs `operation` (a name from `{SEARCH}`) and `arguments`",
                request.name
            ))));
        };
        let Some(index) = self.engine.tool_index(operation) else {
            let nearest = self.unknown(operation);
            return Err(Box::new(failure(format!(
                "no operation `{operation}`; did you mean one of {}?",
                nearest["didYouMean"]
            ))));
        };
        let tool = &self.connector().tools[index];
        if write == tool.annotations.read_only {
            let (right, what) = if tool.annotations.read_only {
                (CALL_READ, "only reads")
            } else {
                (CALL_WRITE, "changes data")
            };
            return Err(Box::new(failure(format!(
                "`{operation}` {what}: call it with `{right}`; nothing was sent"
            ))));
        }
        let arguments = match args.get("arguments") {
            None => JsonObject::new(),
            Some(Value::Object(map)) => map.clone(),
            Some(_) => {
                return Err(Box::new(failure(
                    "`arguments` must be an object of the operation's inputs, as `describe_operations` gives them"
                        .into(),
                )));
            }
        };
        let mut inner = request.clone();
        inner.name = operation.to_string().into();
        inner.arguments = Some(arguments);
        Ok(inner)
    }

    async fn enable(
        &self,
        args: &JsonObject,
        context: &RequestContext<RoleServer>,
        session: &Session,
    ) -> CallToolResult {
        let name = args.get("toolset").and_then(Value::as_str).unwrap_or("");
        let Some(toolset) = self.toolset(name) else {
            return failure(format!("no toolset `{name}`; {}", self.toolset_names()));
        };
        let members = toolset.tools.join(", ");
        if is_stateless(context) {
            return success(
                format!(
                    "This client's tool list does not change during a conversation, so toolset `{}` stays in the catalog: call its operations ({members}) with `{CALL_READ}` or `{CALL_WRITE}`.",
                    toolset.name
                ),
                None,
            );
        }
        if session.enable(toolset.name) {
            let _ = context.peer.notify_tool_list_changed().await;
        }
        success(
            format!(
                "Toolset `{}` is on: its tools ({members}) are now listed directly.",
                toolset.name
            ),
            None,
        )
    }

    fn toolset_names(&self) -> String {
        let names: Vec<&str> = self.connector().toolsets.iter().map(|t| t.name).collect();
        format!("the toolsets are: {}", names.join(", "))
    }
}

fn kind(tool: &Tool) -> &'static str {
    if tool.annotations.read_only {
        "read"
    } else {
        "write"
    }
}

/// A title short enough for a search result.
fn short_title(tool: &Tool) -> String {
    let title = tool
        .title
        .unwrap_or_else(|| tool.description.lines().next().unwrap_or(""));
    if title.chars().count() <= TITLE_CHARS {
        return title.to_string();
    }
    let cut: String = title.chars().take(TITLE_CHARS - 1).collect();
    format!("{cut}…")
}

fn success(text: String, structured: Option<Value>) -> CallToolResult {
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = structured;
    result
}

fn failure(text: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text)])
}

/// The catalog's own tools, as `tools/list` shows them.
pub(crate) fn catalog_tools(connector: &Connector) -> Vec<McpTool> {
    let count = connector.tools.len();
    let api = connector.title;
    let toolsets: Vec<&str> = connector.toolsets.iter().map(|t| t.name).collect();
    let mut search_schema = json!({
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "What you want to do, in words (\"list open pull requests\")."},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_RESULTS, "default": DEFAULT_RESULTS},
        },
        "required": ["query"],
        "additionalProperties": false,
    });
    if !toolsets.is_empty() {
        search_schema["properties"]["toolset"] = json!({"type": "string", "enum": toolsets, "description": "Search only this group of operations."});
    }
    let call_schema = json!({
        "type": "object",
        "properties": {
            "operation": {"type": "string", "description": format!("The operation's name, from {SEARCH}.")},
            "arguments": {"type": "object", "description": format!("The operation's inputs, as {DESCRIBE} gives its inputSchema.")},
        },
        "required": ["operation"],
        "additionalProperties": false,
    });
    let read_only = ToolAnnotations::new()
        .read_only(true)
        .destructive(false)
        .idempotent(true)
        .open_world(false);
    let mut tools = vec![
        tool(
            SEARCH,
            format!(
                "Search the {count} operations of the {api} API by what you want to do; gives their names, best first. Start here."
            ),
            search_schema,
            read_only.clone(),
        ),
        tool(
            DESCRIBE,
            format!(
                "Describe operations of the {api} API found with {SEARCH}: what each does, its inputs (a JSON Schema), what it returns, and which call tool to use."
            ),
            json!({"type": "object", "properties": {"operations": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": MAX_DESCRIBED}}, "required": ["operations"], "additionalProperties": false}),
            read_only.clone(),
        ),
        tool(
            CALL_READ,
            format!(
                "Call an operation of the {api} API that only reads data (its kind is `read`)."
            ),
            call_schema.clone(),
            ToolAnnotations::new()
                .read_only(true)
                .destructive(false)
                .idempotent(true)
                .open_world(true),
        ),
        tool(
            CALL_WRITE,
            format!(
                "Call an operation of the {api} API that creates, changes or deletes data (its kind is `write`)."
            ),
            call_schema,
            ToolAnnotations::new()
                .read_only(false)
                .destructive(true)
                .idempotent(false)
                .open_world(true),
        ),
    ];
    if !toolsets.is_empty() {
        tools.push(tool(
            ENABLE,
            format!("Switch on a group of {api} operations so that its tools are listed directly (where the client supports it; otherwise keep using the call tools)."),
            json!({"type": "object", "properties": {"toolset": {"type": "string", "enum": toolsets}}, "required": ["toolset"], "additionalProperties": false}),
            read_only,
        ));
    }
    tools
}

/// (name, one line) of each catalog tool, for `--list-tools`.
pub(crate) fn catalog_tool_lines(connector: &Connector) -> Vec<(String, String)> {
    catalog_tools(connector)
        .into_iter()
        .map(|t| {
            let line = t.description.as_deref().unwrap_or_default();
            let first = line
                .split(". ")
                .next()
                .unwrap_or(line)
                .trim_end_matches('.');
            (t.name.to_string(), first.to_string())
        })
        .collect()
}

fn tool(
    name: &'static str,
    description: String,
    schema: Value,
    annotations: ToolAnnotations,
) -> McpTool {
    let schema = match schema {
        Value::Object(map) => map,
        _ => JsonObject::new(),
    };
    McpTool::new(name, description, Arc::new(schema)).annotate(annotations)
}
