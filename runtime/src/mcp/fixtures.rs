//! The fixtures the official MCP conformance suite calls (`test_simple_text`,
//! `test://static-text`, `test_simple_prompt`, …), as a [`Layer`] over the connector's tools.
//!
//! Compiled only with the `conformance-fixtures` cargo feature, which only the test connector
//! enables, and served only when that connector runs with `--conformance-fixtures`. They let the
//! suite exercise every protocol feature against the real runtime; a connector's own tools never
//! need them. Most values are written as the JSON the specification shows and deserialised,
//! which keeps them readable next to the spec.

// Logging notifications are deprecated in 2026-07-28 but part of the 2025-11-25 suite.
#![allow(deprecated)]

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ClientCapabilities,
    CompleteRequestParams, CompleteResult, GetPromptRequestParams, GetPromptResponse,
    GetPromptResult, InputRequest, InputRequiredResult, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, LoggingMessageNotificationParam,
    ProgressNotificationParam, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult,
    RequestStateCodec, ServerCapabilities, SubscribeRequestParams, Tool as McpTool,
    UnsubscribeRequestParams,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::layer::{Handler, Layer, ListScope, Session};

const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
const WAV: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

/// Builds an rmcp value from the JSON the specification shows; the fixtures are constants, so a
/// failure here is a bug in this file.
fn from<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("conformance fixture: {e}"))
}

/// Like [`from`], for a complete result: rmcp's constructors mark results `complete` (and drop
/// the mark for 2025-11-25 peers); a deserialised one must carry it itself.
fn done<T: DeserializeOwned>(mut value: Value) -> T {
    value["resultType"] = json!("complete");
    from(value)
}

fn no_args() -> Value {
    json!({"type": "object", "properties": {}})
}

fn string_args(names: &[&str]) -> Value {
    let properties: serde_json::Map<String, Value> = names
        .iter()
        .map(|n| (n.to_string(), json!({"type": "string"})))
        .collect();
    json!({"type": "object", "properties": properties, "required": names})
}

/// Every fixture tool, as `tools/list` shows it.
#[allow(clippy::too_many_lines)] // a data table
fn tools() -> Vec<McpTool> {
    let plain = [
        ("test_simple_text", "Returns a simple text response"),
        ("test_image_content", "Returns an image"),
        ("test_audio_content", "Returns audio"),
        ("test_embedded_resource", "Returns an embedded resource"),
        (
            "test_multiple_content_types",
            "Returns text, an image and a resource",
        ),
        ("test_error_handling", "Always fails"),
        ("test_tool_with_progress", "Reports progress, then returns"),
        (
            "test_tool_with_logging",
            "Logs three messages, then returns",
        ),
        (
            "test_elicitation_sep1034_defaults",
            "Asks the user with default values",
        ),
        (
            "test_elicitation_sep1330_enums",
            "Asks the user to choose from enums",
        ),
        (
            "test_missing_capability",
            "Needs the client's sampling capability",
        ),
        ("test_streaming_elicitation", "Asks the user for input"),
        (
            "test_logging_tool",
            "Logs only when the client asks for logs",
        ),
        (
            "test_input_required_result_elicitation",
            "Asks the user's name",
        ),
        (
            "test_input_required_result_sampling",
            "Asks the client's model",
        ),
        (
            "test_input_required_result_list_roots",
            "Asks for the client's roots",
        ),
        (
            "test_input_required_result_request_state",
            "Asks, keeping state",
        ),
        (
            "test_input_required_result_multiple_inputs",
            "Asks three things at once",
        ),
        ("test_input_required_result_multi_round", "Asks twice"),
        (
            "test_input_required_result_tampered_state",
            "Rejects altered state",
        ),
        (
            "test_input_required_result_capabilities",
            "Asks only what the client can answer",
        ),
    ];
    let mut tools: Vec<McpTool> = plain
        .iter()
        .map(|(name, description)| {
            from(json!({"name": name, "description": description, "inputSchema": no_args()}))
        })
        .collect();
    tools.push(from(
        json!({"name": "test_sampling", "description": "Asks the client's model",
        "inputSchema": string_args(&["prompt"])}),
    ));
    tools.push(from(
        json!({"name": "test_elicitation", "description": "Asks the user",
        "inputSchema": string_args(&["message"])}),
    ));
    tools.push(from(json!({
        "name": "json_schema_2020_12_tool",
        "description": "Has a JSON Schema 2020-12 input schema",
        "inputSchema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "$defs": {"address": {"$anchor": "address", "type": "object",
                "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}},
            "properties": {"name": {"type": "string"}, "address": {"$ref": "#/$defs/address"}},
            "additionalProperties": false,
            "allOf": [{"anyOf": [{"required": ["name"]}, {"required": ["address"]}]}],
            "if": {"properties": {"name": {"const": "x"}}},
            "then": {"required": ["address"]},
            "else": {}
        }
    })));
    tools.extend(task_tools());
    tools
}

/// The tasks suite's fixtures (SEP-2663): one that answers at once, and three that run as tasks.
const TASK_FIXTURES: [&str; 5] = [
    "slow_compute",
    "failing_job",
    "protocol_error_job",
    "confirm_delete",
    "multi_input",
];

fn task_tools() -> Vec<McpTool> {
    vec![
        from(
            json!({"name": "greet", "description": "Greets someone at once",
            "inputSchema": string_args(&["name"])}),
        ),
        from(
            json!({"name": "slow_compute", "description": "Works for `seconds`, then answers",
            "inputSchema": {"type": "object", "properties": {"seconds": {"type": "number"},
                "label": {"type": "string"}}}}),
        ),
        from(
            json!({"name": "failing_job", "description": "Fails as a tool after a second",
            "inputSchema": no_args()}),
        ),
        from(
            json!({"name": "protocol_error_job", "description": "Fails as a protocol error",
            "inputSchema": no_args()}),
        ),
        from(
            json!({"name": "confirm_delete", "description": "Asks before deleting a file",
            "inputSchema": string_args(&["filename"])}),
        ),
        from(
            json!({"name": "multi_input", "description": "Asks two things at once",
            "inputSchema": no_args()}),
        ),
        from(json!({"name": "test_tool_with_task",
            "description": "Asks a name, then works on as a task",
            "inputSchema": no_args()})),
        from(json!({"name": "test_mirrored_header",
            "description": "Takes a region the client mirrors into Mcp-Param-Region",
            "inputSchema": {"type": "object", "required": ["region"], "properties":
                {"region": {"type": "string", "x-mcp-header": "Region"}}}})),
    ]
}

fn confirm_schema() -> Value {
    json!({"type": "object", "properties": {"confirm": {"type": "boolean"}}, "required": ["confirm"]})
}

/// Runs a tasks fixture, or `None` when `request` names none.
async fn task_fixture(
    request: &CallToolRequestParams,
    context: &RequestContext<RoleServer>,
) -> Option<Result<CallToolResponse, McpError>> {
    let arguments = request.arguments.clone().unwrap_or_default();
    Some(match request.name.as_ref() {
        "greet" => Ok(text(&format!("Hello, {}!", arg(request, "name")))),
        "slow_compute" => {
            let seconds = arguments
                .get("seconds")
                .and_then(Value::as_f64)
                .unwrap_or(0.0)
                .clamp(0.0, 600.0);
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs_f64(seconds)) => {}
                () = context.ct.cancelled() => {}
            }
            Ok(text(&format!("computed {}", arg(request, "label"))))
        }
        "failing_job" => {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok(done::<CallToolResult>(json!({"content": [{"type": "text",
                "text": "the job failed"}], "isError": true}))
            .into())
        }
        "protocol_error_job" => Err(McpError::internal_error("the job broke down", None)),
        "test_mirrored_header" => Ok(text(&format!("region {}", arg(request, "region")))),
        "confirm_delete" => Ok(match answered(request, "confirm") {
            Some(_) => text(&format!("deleted {}", arg(request, "filename"))),
            None => ask(
                vec![("confirm", elicit("Delete the file?", confirm_schema()))],
                None,
            ),
        }),
        "multi_input" => Ok(
            match (answered(request, "name"), answered(request, "confirm")) {
                (Some(name), Some(_)) => text(&format!(
                    "thanks, {}",
                    name["content"]["name"].as_str().unwrap_or("someone")
                )),
                _ => ask(
                    vec![
                        ("name", elicit("Your name?", name_schema("name"))),
                        ("confirm", elicit("Go ahead?", confirm_schema())),
                    ],
                    None,
                ),
            },
        ),
        "test_tool_with_task" => Ok(match answered(request, "user_name") {
            Some(name) => text(&format!(
                "Hello, {}!",
                name["content"]["name"].as_str().unwrap_or("someone")
            )),
            None => ask(
                vec![("user_name", elicit("Your name?", name_schema("name")))],
                None,
            ),
        }),
        _ => return None,
    })
}

fn text(text: &str) -> CallToolResponse {
    done::<CallToolResult>(json!({"content": [{"type": "text", "text": text}]})).into()
}

fn result(content: Value) -> CallToolResponse {
    done::<CallToolResult>(json!({"content": content})).into()
}

/// Sealed `requestState`: a client cannot alter what the server asked it to carry.
fn codec() -> &'static RequestStateCodec {
    static CODEC: OnceLock<RequestStateCodec> = OnceLock::new();
    CODEC.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        // Each RandomState is seeded afresh by the OS: four of them make a 32-byte key.
        let key: Vec<u8> = (0u64..4)
            .flat_map(|i| {
                let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                h.write_u64(i);
                h.finish().to_le_bytes()
            })
            .collect();
        RequestStateCodec::new(key)
    })
}

fn elicit(message: &str, schema: Value) -> InputRequest {
    from(json!({"method": "elicitation/create", "params": {
        "mode": "form", "message": message, "requestedSchema": schema}}))
}

fn sample(question: &str) -> InputRequest {
    from(json!({"method": "sampling/createMessage", "params": {
        "messages": [{"role": "user", "content": {"type": "text", "text": question}}],
        "maxTokens": 100}}))
}

fn roots() -> InputRequest {
    from(json!({"method": "roots/list"}))
}

fn ask(requests: Vec<(&str, InputRequest)>, state: Option<&str>) -> CallToolResponse {
    let requests: BTreeMap<String, InputRequest> = requests
        .into_iter()
        .map(|(k, r)| (k.to_string(), r))
        .collect();
    InputRequiredResult::new(Some(requests), state.map(|s| codec().seal(s.as_bytes()))).into()
}

/// The answer to input request `key`, when it is a usable one.
fn answered<'a>(request: &'a CallToolRequestParams, key: &str) -> Option<&'a Value> {
    let answer = request.input_responses.as_ref()?.get(key)?;
    let usable = match answer.get("action") {
        Some(action) => action == "accept" && answer.get("content").is_some_and(Value::is_object),
        None => answer.get("content").is_some() || answer.get("roots").is_some(),
    };
    usable.then_some(answer)
}

/// The state the server sealed into the previous `input_required` result, if it is intact.
fn opened_state(request: &CallToolRequestParams) -> Result<Option<String>, McpError> {
    match &request.request_state {
        None => Ok(None),
        Some(sealed) => codec()
            .open(sealed)
            .map(|bytes| Some(String::from_utf8_lossy(&bytes).into_owned()))
            .map_err(|_| McpError::invalid_params("requestState was altered or is not ours", None)),
    }
}

fn name_schema(field: &str) -> Value {
    json!({"type": "object", "properties": {field: {"type": "string"}}, "required": [field]})
}

/// The argument `key` of the call, as text.
fn arg(request: &CallToolRequestParams, key: &str) -> String {
    request
        .arguments
        .as_ref()
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Runs fixture `request.name`, or `None` when it is not one.
async fn call(
    request: &CallToolRequestParams,
    context: &RequestContext<RoleServer>,
) -> Option<Result<CallToolResponse, McpError>> {
    if let Some(response) = content(request.name.as_ref()) {
        return Some(Ok(response));
    }
    if let Some(response) = task_fixture(request, context).await {
        return Some(response);
    }
    Some(match request.name.as_ref() {
        "test_tool_with_progress" => Ok(progress(request, context).await),
        "test_tool_with_logging" | "test_logging_tool" => Ok(logging(request, context).await),
        "test_sampling" => sampling(request, context).await,
        "test_elicitation"
        | "test_elicitation_sep1034_defaults"
        | "test_elicitation_sep1330_enums" => elicitation(request, context).await,
        "test_missing_capability" => missing_capability(context),
        _ => return input_required(request, context),
    })
}

/// Fixtures that answer with fixed content.
fn content(name: &str) -> Option<CallToolResponse> {
    Some(match name {
        "test_simple_text" => text("This is a simple text response for testing."),
        "test_image_content" => {
            result(json!([{"type": "image", "data": PNG, "mimeType": "image/png"}]))
        }
        "test_audio_content" => {
            result(json!([{"type": "audio", "data": WAV, "mimeType": "audio/wav"}]))
        }
        "test_embedded_resource" => result(json!([{"type": "resource", "resource": {
            "uri": "test://embedded-resource", "mimeType": "text/plain",
            "text": "This is an embedded resource content."}}])),
        "test_multiple_content_types" => result(json!([
            {"type": "text", "text": "Multiple content types test:"},
            {"type": "image", "data": PNG, "mimeType": "image/png"},
            {"type": "resource", "resource": {"uri": "test://mixed-content-resource",
                "mimeType": "application/json", "text": "{\"test\":\"data\",\"value\":123}"}}
        ])),
        "test_error_handling" => done::<CallToolResult>(json!({"isError": true, "content": [
            {"type": "text", "text": "This tool intentionally returns an error for testing"}]}))
        .into(),
        "json_schema_2020_12_tool" => text("Schema accepted"),
        _ => return None,
    })
}

async fn progress(
    request: &CallToolRequestParams,
    context: &RequestContext<RoleServer>,
) -> CallToolResponse {
    let peer = &context.peer;

    let token = request
        .meta
        .as_ref()
        .and_then(|m| m.get_progress_token())
        .or_else(|| context.meta.get_progress_token());
    if let Some(token) = token {
        for (i, progress) in [0.0, 50.0, 100.0].into_iter().enumerate() {
            if i > 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = peer
                .notify_progress(from::<ProgressNotificationParam>(json!({
                            "progressToken": token, "progress": progress, "total": 100.0})))
                .await;
        }
    }
    text("Progress test completed")
}

async fn logging(
    request: &CallToolRequestParams,
    context: &RequestContext<RoleServer>,
) -> CallToolResponse {
    let peer = &context.peer;

    let wanted = request.name == "test_tool_with_logging" || context.meta.log_level().is_some();
    if wanted {
        for message in [
            "Tool execution started",
            "Tool processing data",
            "Tool execution completed",
        ] {
            let _ = peer
                .notify_logging_message(from::<LoggingMessageNotificationParam>(json!({
                            "level": "info", "logger": "conformance", "data": message})))
                .await;
        }
    }
    text("Logging test completed")
}

async fn sampling(
    request: &CallToolRequestParams,
    context: &RequestContext<RoleServer>,
) -> Result<CallToolResponse, McpError> {
    let peer = &context.peer;

    let asked = peer
                .create_message(from(json!({
                    "messages": [{"role": "user", "content": {"type": "text", "text": arg(request, "prompt")}}],
                    "maxTokens": 100})))
                .await;
    match asked {
        Ok(reply) => {
            let said = serde_json::to_value(&reply.message.content)
                .ok()
                .and_then(|c| c.get("text").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_default();
            Ok(text(&format!("LLM response: {said}")))
        }
        Err(e) => Err(McpError::internal_error(e.to_string(), None)),
    }
}

async fn elicitation(
    request: &CallToolRequestParams,
    context: &RequestContext<RoleServer>,
) -> Result<CallToolResponse, McpError> {
    let peer = &context.peer;
    let (message, schema) = match request.name.as_ref() {
        "test_elicitation" => (
            arg(request, "message"),
            json!({"type": "object", "properties": {
                        "username": {"type": "string", "description": "User's response"},
                        "email": {"type": "string", "description": "User's email address"}},
                        "required": ["username", "email"]}),
        ),
        "test_elicitation_sep1034_defaults" => (
            "Please review and update the form fields with defaults".to_string(),
            json!({"type": "object", "properties": {
                        "name": {"type": "string", "description": "User name", "default": "John Doe"},
                        "age": {"type": "integer", "description": "User age", "default": 30},
                        "score": {"type": "number", "description": "User score", "default": 95.5},
                        "status": {"type": "string", "description": "User status",
                            "enum": ["active", "inactive", "pending"], "default": "active"},
                        "verified": {"type": "boolean", "description": "Verification status", "default": true}}}),
        ),
        _ => (
            "Please select options from the enum fields".to_string(),
            json!({"type": "object", "properties": {
                        "untitledSingle": {"type": "string", "description": "Select one option",
                            "enum": ["option1", "option2", "option3"]},
                        "titledSingle": {"type": "string", "description": "Select one option with titles",
                            "oneOf": [{"const": "value1", "title": "First Option"},
                                      {"const": "value2", "title": "Second Option"},
                                      {"const": "value3", "title": "Third Option"}]},
                        "legacyEnum": {"type": "string", "description": "Select one option (legacy)",
                            "enum": ["opt1", "opt2", "opt3"],
                            "enumNames": ["Option One", "Option Two", "Option Three"]},
                        "untitledMulti": {"type": "array", "description": "Select multiple options",
                            "items": {"type": "string", "enum": ["option1", "option2", "option3"]}},
                        "titledMulti": {"type": "array", "description": "Select multiple options with titles",
                            "items": {"anyOf": [{"const": "value1", "title": "First Choice"},
                                                {"const": "value2", "title": "Second Choice"},
                                                {"const": "value3", "title": "Third Choice"}]}}}}),
        ),
    };
    let asked = peer
        .create_elicitation(from(
            json!({"mode": "form", "message": message, "requestedSchema": schema}),
        ))
        .await;
    match asked {
        Ok(reply) => Ok(text(&format!(
            "User response: action={}, content={}",
            serde_json::to_value(reply.action).unwrap_or_default(),
            reply.content.unwrap_or_default()
        ))),
        Err(e) => Err(McpError::internal_error(e.to_string(), None)),
    }
}

fn missing_capability(context: &RequestContext<RoleServer>) -> Result<CallToolResponse, McpError> {
    let sampling = context
        .client_capabilities()
        .is_some_and(|c| c.sampling.is_some());
    if !sampling {
        let mut required = ClientCapabilities::default();
        required.sampling = Some(Default::default());
        return Err(McpError::missing_required_client_capability(required));
    }
    Ok(text("The client can sample"))
}

/// The 2026-07-28 fixtures that ask the client for input and are called again with the answer.
fn input_required(
    request: &CallToolRequestParams,
    context: &RequestContext<RoleServer>,
) -> Option<Result<CallToolResponse, McpError>> {
    let response = match request.name.as_ref() {
        "test_streaming_elicitation" => {
            if answered(request, "user_input").is_some() {
                text("Thanks for the input")
            } else {
                ask(
                    vec![(
                        "user_input",
                        elicit("Please provide input", name_schema("input")),
                    )],
                    None,
                )
            }
        }
        "test_input_required_result_elicitation" => match answered(request, "user_name") {
            Some(a) if a["content"]["name"].is_string() => text(&format!(
                "Hello, {}!",
                a["content"]["name"].as_str().unwrap_or_default()
            )),
            _ => ask(
                vec![(
                    "user_name",
                    elicit("What is your name?", name_schema("name")),
                )],
                None,
            ),
        },
        "test_input_required_result_sampling" => match answered(request, "capital_question") {
            Some(_) => text("The client's model answered"),
            None => ask(
                vec![("capital_question", sample("What is the capital of France?"))],
                None,
            ),
        },
        "test_input_required_result_list_roots" => match answered(request, "client_roots") {
            Some(a) => text(&format!(
                "The client has {} roots",
                a["roots"].as_array().map_or(0, Vec::len)
            )),
            None => ask(vec![("client_roots", roots())], None),
        },
        "test_input_required_result_capabilities" => {
            let caps = context.client_capabilities().unwrap_or_default();
            if answered(request, "question").is_some() {
                text("Answered with what the client supports")
            } else if caps.elicitation.is_some() {
                ask(
                    vec![(
                        "question",
                        elicit("What is your name?", name_schema("name")),
                    )],
                    None,
                )
            } else if caps.sampling.is_some() {
                ask(
                    vec![("question", sample("What is the capital of France?"))],
                    None,
                )
            } else {
                ask(vec![("question", roots())], None)
            }
        }
        _ => return stateful_input_required(request),
    };
    Some(Ok(response))
}

/// The input-required fixtures that carry `requestState` from one round to the next.
fn stateful_input_required(
    request: &CallToolRequestParams,
) -> Option<Result<CallToolResponse, McpError>> {
    let state = match request.name.as_ref() {
        "test_input_required_result_request_state"
        | "test_input_required_result_tampered_state"
        | "test_input_required_result_multiple_inputs"
        | "test_input_required_result_multi_round" => match opened_state(request) {
            Ok(s) => s,
            Err(e) => return Some(Err(e)),
        },
        _ => return None,
    };
    let response = match request.name.as_ref() {
        "test_input_required_result_request_state"
        | "test_input_required_result_tampered_state" => {
            match (state.as_deref(), answered(request, "confirmation")) {
                (Some("awaiting-confirmation"), Some(_)) => text("state-ok: confirmed"),
                _ => ask(
                    vec![(
                        "confirmation",
                        elicit("Please confirm", name_schema("confirm")),
                    )],
                    Some("awaiting-confirmation"),
                ),
            }
        }
        "test_input_required_result_multiple_inputs" => {
            let all = ["user_name", "capital_question", "client_roots"]
                .iter()
                .all(|k| answered(request, k).is_some());
            if state.as_deref() == Some("three-questions") && all {
                text("state-ok: all three answered")
            } else {
                ask(
                    vec![
                        (
                            "user_name",
                            elicit("What is your name?", name_schema("name")),
                        ),
                        ("capital_question", sample("What is the capital of France?")),
                        ("client_roots", roots()),
                    ],
                    Some("three-questions"),
                )
            }
        }
        "test_input_required_result_multi_round" => match state.as_deref() {
            Some("round-1") if answered(request, "step1").is_some() => ask(
                vec![(
                    "step2",
                    elicit("What is your favourite colour?", name_schema("color")),
                )],
                Some("round-2"),
            ),
            Some("round-2") if answered(request, "step2").is_some() => {
                text("state-ok: both rounds answered")
            }
            _ => ask(
                vec![("step1", elicit("What is your name?", name_schema("name")))],
                Some("round-1"),
            ),
        },
        _ => return None,
    };
    Some(Ok(response))
}

/// Resources, with the caching hints 2026-07-28 asks of list results.
fn resources() -> ListResourcesResult {
    done(json!({"resources": [
        {"uri": "test://static-text", "name": "static-text", "mimeType": "text/plain",
         "description": "A static text resource"},
        {"uri": "test://static-binary", "name": "static-binary", "mimeType": "image/png",
         "description": "A static binary resource"},
        {"uri": "test://watched-resource", "name": "watched-resource", "mimeType": "text/plain",
         "description": "A resource to subscribe to"}
    ], "ttlMs": 60000, "cacheScope": "public"}))
}

fn templates() -> ListResourceTemplatesResult {
    done(json!({"resourceTemplates": [
        {"uriTemplate": "test://template/{id}/data", "name": "template-data",
         "mimeType": "application/json", "description": "Data for an id"}
    ], "ttlMs": 60000, "cacheScope": "public"}))
}

fn read(uri: &str) -> Result<ReadResourceResult, McpError> {
    let content = match uri {
        "test://static-text" => json!({"uri": uri, "mimeType": "text/plain",
            "text": "This is the content of the static text resource."}),
        "test://static-binary" => json!({"uri": uri, "mimeType": "image/png", "blob": PNG}),
        "test://watched-resource" => {
            json!({"uri": uri, "mimeType": "text/plain", "text": "Watched."})
        }
        _ => match uri
            .strip_prefix("test://template/")
            .and_then(|rest| rest.strip_suffix("/data"))
            .filter(|id| !id.is_empty() && !id.contains('/'))
        {
            Some(id) => json!({"uri": uri, "mimeType": "application/json", "text":
                json!({"id": id, "templateTest": true, "data": format!("Data for ID: {id}")}).to_string()}),
            None => {
                return Err(McpError::invalid_params(
                    format!("no resource `{uri}`"),
                    Some(json!({"uri": uri})),
                ));
            }
        },
    };
    Ok(done(
        json!({"contents": [content], "ttlMs": 60000, "cacheScope": "public"}),
    ))
}

fn prompts() -> ListPromptsResult {
    done(json!({"prompts": [
        {"name": "test_simple_prompt", "description": "A simple prompt"},
        {"name": "test_prompt_with_arguments", "description": "A prompt with arguments", "arguments": [
            {"name": "arg1", "description": "First argument", "required": true},
            {"name": "arg2", "description": "Second argument", "required": true}]},
        {"name": "test_prompt_with_embedded_resource", "description": "A prompt with a resource",
         "arguments": [{"name": "resourceUri", "description": "The resource", "required": true}]},
        {"name": "test_prompt_with_image", "description": "A prompt with an image"},
        {"name": "test_input_required_result_prompt", "description": "A prompt that asks first"}
    ], "ttlMs": 60000, "cacheScope": "public"}))
}

fn get_prompt(request: &GetPromptRequestParams) -> Result<GetPromptResponse, McpError> {
    let arg = |k: &str| {
        request
            .arguments
            .as_ref()
            .and_then(|a| a.get(k))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let user = |content: Value| json!({"role": "user", "content": content});
    let say = |t: &str| user(json!({"type": "text", "text": t}));
    let messages = match request.name.as_ref() {
        "test_simple_prompt" => vec![say("This is a simple prompt for testing.")],
        "test_prompt_with_arguments" => vec![say(&format!(
            "Prompt with arguments: arg1='{}', arg2='{}'",
            arg("arg1"),
            arg("arg2")
        ))],
        "test_prompt_with_embedded_resource" => vec![
            user(
                json!({"type": "resource", "resource": {"uri": arg("resourceUri"),
                "mimeType": "text/plain", "text": "Embedded resource content for testing."}}),
            ),
            say("Please process the embedded resource above."),
        ],
        "test_prompt_with_image" => vec![
            user(json!({"type": "image", "data": PNG, "mimeType": "image/png"})),
            say("Please analyze the image above."),
        ],
        "test_input_required_result_prompt" => {
            let answer = request
                .input_responses
                .as_ref()
                .and_then(|r| r.get("context"))
                .filter(|a| a["action"] == "accept" && a["content"]["context"].is_string());
            match answer {
                Some(a) => vec![say(&format!(
                    "Context given: {}",
                    a["content"]["context"].as_str().unwrap_or_default()
                ))],
                None => {
                    let requests: BTreeMap<String, InputRequest> = [(
                        "context".to_string(),
                        elicit(
                            "What context should the prompt use?",
                            name_schema("context"),
                        ),
                    )]
                    .into();
                    return Ok(InputRequiredResult::from_input_requests(requests).into());
                }
            }
        }
        other => {
            return Err(McpError::invalid_params(
                format!("no prompt `{other}`"),
                None,
            ));
        }
    };
    Ok(done::<GetPromptResult>(json!({"messages": messages})).into())
}

fn complete() -> CompleteResult {
    done(json!({"completion": {"values": [], "total": 0, "hasMore": false}}))
}

/// The fixtures on top of the connector's own tools: fixture names are answered here, anything
/// else goes below.
pub(crate) struct Fixtures {
    tools: OnceLock<Arc<[McpTool]>>,
}

impl Fixtures {
    pub(crate) fn new() -> Fixtures {
        Fixtures {
            tools: OnceLock::new(),
        }
    }
}

impl<Below: Handler> Layer<Below> for Fixtures {
    fn capabilities(&self, below: &Below, capabilities: &mut ServerCapabilities) {
        below.capabilities(capabilities);
        capabilities.completions = Some(Default::default());
        capabilities
            .extensions
            .get_or_insert_with(Default::default)
            .insert(rmcp::model::TASKS_EXTENSION_ID.into(), Default::default());
    }

    fn runs_as_task(&self, below: &Below, request: &CallToolRequestParams) -> bool {
        let name = request.name.as_ref();
        // The MRTR-then-task fixture asks its question first and becomes a task once answered.
        let answered_first = name == "test_tool_with_task" && request.input_responses.is_some();
        TASK_FIXTURES.contains(&name) || answered_first || below.runs_as_task(request)
    }

    fn requires_task(&self, below: &Below, request: &CallToolRequestParams) -> bool {
        request.name == "failing_job" || below.requires_task(request)
    }

    fn tools(&self, below: &Below, scope: ListScope<'_>) -> Arc<[McpTool]> {
        self.tools
            .get_or_init(|| below.tools(scope).iter().cloned().chain(tools()).collect())
            .clone()
    }

    async fn call_tool(
        &self,
        below: &Below,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
        session: &Session,
    ) -> Result<CallToolResponse, McpError> {
        match call(&request, &context).await {
            Some(response) => response,
            None => below.call_tool(request, context, session).await,
        }
    }

    fn resources(&self, _below: &Below) -> ListResourcesResult {
        resources()
    }

    fn resource_templates(&self, _below: &Below) -> ListResourceTemplatesResult {
        templates()
    }

    async fn read_resource(
        &self,
        _below: &Below,
        request: ReadResourceRequestParams,
    ) -> Result<ReadResourceResponse, McpError> {
        read(&request.uri).map(Into::into)
    }

    fn prompts(&self, _below: &Below) -> ListPromptsResult {
        prompts()
    }

    async fn get_prompt(
        &self,
        _below: &Below,
        request: GetPromptRequestParams,
    ) -> Result<GetPromptResponse, McpError> {
        get_prompt(&request)
    }

    async fn complete(
        &self,
        _below: &Below,
        _request: CompleteRequestParams,
    ) -> Result<CompleteResult, McpError> {
        Ok(complete())
    }

    async fn subscribe(
        &self,
        _below: &Below,
        _request: SubscribeRequestParams,
    ) -> Result<(), McpError> {
        Ok(())
    }

    async fn unsubscribe(
        &self,
        _below: &Below,
        _request: UnsubscribeRequestParams,
    ) -> Result<(), McpError> {
        Ok(())
    }
}
