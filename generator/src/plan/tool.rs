//! One operation becomes one tool, from the spec alone: its description, its arguments (one per
//! parameter, and `body`), and the request plan the runtime follows. The overrides file is
//! applied afterwards, by [`super::customise`].

use mcpgen_contract::media::{self, BodyEncoding};
use serde_json::{Map, Value, json};

use super::args;
use super::inputs::InputSchema;
use super::{Annotations, BodyFieldPlan, BodyPlan, ParamPlan, ToolPlan};
use crate::inline::{Inlining, inline};
use crate::ir::{Api, Content, FileContent, Operation, RequestBody};

/// A tool while it is planned and customised: the plan, and its input schema still typed.
pub struct ToolDraft {
    pub tool: ToolPlan,
    pub inputs: InputSchema,
}

impl ToolDraft {
    /// The finished plan, its input schema written out.
    pub fn finish(self) -> ToolPlan {
        let mut tool = self.tool;
        tool.input_schema = self.inputs.into_json();
        tool
    }
}

/// How a model passes file content (the runtime reads `file:` paths only inside the directories
/// the operator allows).
const FILE_NOTE: &str = "File content as base64, or `file:/absolute/path` of a local file if the connector's operator allows it.";

/// Plans the tool `name` for `op`, sending its body as `content` (one of the body's media types),
/// its schemas inlined within the tool's limits.
pub fn plan_tool(
    op: &Operation,
    name: String,
    content: Option<&Content>,
    inlining: &Inlining,
) -> ToolDraft {
    let mut inputs = InputSchema::default();
    let params = param_inputs(op, content.is_some(), &mut inputs, inlining);
    let body = match (&op.request_body, content) {
        (Some(request_body), Some(content)) => {
            Some(body_input(request_body, content, &mut inputs, inlining))
        }
        _ => None,
    };
    let tool = ToolPlan {
        name,
        key: String::new(),
        name_chosen: false,
        title: op.summary.clone(),
        description: description(op),
        input_schema: Value::Null,
        method: op.method,
        path: op.path.clone(),
        operation_id: op.operation_id.clone(),
        tags: op.tags.clone(),
        params,
        body,
        security: op.security.clone(),
        annotations: Annotations::for_method(op.method),
        servers: op.servers.clone(),
        confirm: false,
        timeout_secs: None,
        response_limit: None,
        presets: Vec::new(),
        array_encoding: None,
        returns: String::new(),
        core: false,
        view: None,
        long_running: false,
    };
    ToolDraft { tool, inputs }
}

/// The tool's description: the summary, then the description, flagged when deprecated.
fn description(op: &Operation) -> String {
    let mut parts = Vec::new();
    if op.deprecated {
        parts.push("DEPRECATED: the API marks this operation as deprecated.".to_string());
    }
    if let Some(summary) = &op.summary {
        parts.push(summary.clone());
    }
    if let Some(description) = &op.description
        && Some(description) != op.summary.as_ref()
    {
        parts.push(description.clone());
    }
    if parts.is_empty() || (op.deprecated && parts.len() == 1) {
        parts.push(format!("{} {}", op.method.as_str(), op.path));
    }
    parts.join("\n\n")
}

/// The body media type the schema fits best, and a warning when the choice is a guess: several
/// media types of the same rank with different schemas, or only JSON Patch for a body that is
/// not a list of operations.
pub fn choose_content<'a>(
    api: &Api,
    body: &'a RequestBody,
) -> (Option<&'a Content>, Option<String>) {
    let ranked: Vec<(u8, &Content)> = body
        .contents
        .iter()
        .map(|c| (media_rank(api, c), c))
        .collect();
    let Some(&(best, chosen)) = ranked.iter().min_by_key(|(rank, _)| *rank) else {
        return (None, None);
    };
    let rivals: Vec<&Content> = ranked
        .iter()
        .filter(|(rank, c)| *rank == best && c.schema != chosen.schema)
        .map(|(_, c)| *c)
        .collect();
    let offered = || {
        body.contents
            .iter()
            .map(|c| c.media_type.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let warning = if best == UNFIT_JSON_PATCH {
        Some(format!(
            "the request body is offered only as JSON Patch ({}), but its schema is not a list of patch operations; sending `{}` as it is (choose another `body_media_type` in the overrides file if the API offers one)",
            offered(),
            chosen.media_type
        ))
    } else if !rivals.is_empty() {
        Some(format!(
            "the request body is offered as {}, with different schemas; using `{}` (choose with `body_media_type` in the overrides file)",
            offered(),
            chosen.media_type
        ))
    } else {
        None
    };
    (Some(chosen), warning)
}

/// The rank of JSON Patch when the body's schema is not an array of operations: after anything.
const UNFIT_JSON_PATCH: u8 = 20;

/// Lower is better: plain JSON, merge patch, other JSON, JSON Patch for an array of operations,
/// forms, text, anything else.
fn media_rank(api: &Api, content: &Content) -> u8 {
    let mt = content.media_type.as_str();
    let essence = media::essence(mt);
    match BodyEncoding::of(mt) {
        _ if essence == "application/json-patch+json" => {
            if is_array_schema(api, &content.schema) {
                3
            } else {
                UNFIT_JSON_PATCH
            }
        }
        _ if essence == "application/json" => 0,
        _ if essence == "application/merge-patch+json" => 1,
        BodyEncoding::Json if media::is_json(mt) => 2,
        BodyEncoding::Form => 10,
        BodyEncoding::Multipart if essence == "multipart/form-data" => 11,
        BodyEncoding::Text => 12,
        // `*/*` says nothing about what the API wants; anything named is a better guess.
        _ => 13,
    }
}

/// Whether a schema (after a top-level `$ref`) describes an array.
fn is_array_schema(api: &Api, schema: &Value) -> bool {
    let resolved = api.deref(schema);
    match resolved.get("type") {
        Some(Value::String(t)) => t == "array",
        Some(Value::Array(types)) => types.iter().any(|t| t == "array"),
        _ => resolved.get("items").is_some(),
    }
}

/// One argument per parameter, named by [`args`] (which says how names are made distinct).
fn param_inputs(
    op: &Operation,
    has_body: bool,
    inputs: &mut InputSchema,
    inlining: &Inlining,
) -> Vec<ParamPlan> {
    let mut params = Vec::new();
    let names = args::param_args(&op.parameters, has_body);
    for (p, arg) in op.parameters.iter().zip(names) {
        let mut schema = inline(&p.schema, inlining);
        if let Value::Object(map) = &mut schema {
            if let Some(d) = args::description(p, &arg) {
                map.insert("description".into(), Value::String(d));
            }
            if p.deprecated {
                map.insert("deprecated".into(), Value::Bool(true));
            }
        }
        inputs.insert(&arg, schema, p.required);
        params.push(ParamPlan {
            arg,
            name: p.name.clone(),
            location: p.location,
            style: p.style,
            explode: p.explode,
            allow_reserved: p.allow_reserved,
            required: p.required,
            media_type: p.media_type.clone(),
        });
    }
    params
}

/// The `body` argument for `content`, and the body's request plan.
pub fn body_input(
    request_body: &RequestBody,
    content: &Content,
    inputs: &mut InputSchema,
    inlining: &Inlining,
) -> BodyPlan {
    let encoding = BodyEncoding::of(&content.media_type);
    let mut files = Vec::new();
    let mut schema = match encoding {
        _ if encoding.is_structured() => {
            let mut s = inline(&content.schema, inlining);
            strip_read_only(&mut s);
            if encoding == BodyEncoding::Multipart {
                files = file_fields(&mut s);
            }
            s
        }
        BodyEncoding::Text => json!({"type": "string"}),
        _ => {
            json!({"type": "string", "contentEncoding": "base64", "contentMediaType": content.media_type,
                "description": FILE_NOTE})
        }
    };
    if let (Value::Object(map), Some(d)) = (&mut schema, &request_body.description) {
        map.entry("description")
            .or_insert_with(|| Value::String(d.clone()));
    }
    let fields = field_plans(content, files);
    inputs.insert("body", schema, request_body.required);
    BodyPlan {
        media_type: content.media_type.clone(),
        required: request_body.required,
        encoding: fields,
        renames: Vec::new(),
    }
}

/// How each body field goes on the wire: the spec's `encoding` entries, and for a multipart body
/// every file field with the media type its part carries and how the model gives its content.
fn field_plans(content: &Content, files: Vec<FileField>) -> Vec<BodyFieldPlan> {
    let mut fields: Vec<BodyFieldPlan> = content
        .encoding
        .iter()
        .map(|e| BodyFieldPlan {
            field: e.field.clone(),
            content_type: e.content_type.clone(),
            style: e.style,
            explode: e.explode,
            allow_reserved: e.allow_reserved,
            file: None,
        })
        .collect();
    for file in files {
        match fields.iter_mut().find(|f| f.field == file.name) {
            Some(plan) => {
                plan.file = Some(file.content);
                if plan.content_type.is_none() {
                    plan.content_type = file.media_type;
                }
            }
            None => fields.push(BodyFieldPlan {
                field: file.name,
                content_type: file.media_type,
                style: None,
                explode: None,
                allow_reserved: false,
                file: Some(file.content),
            }),
        }
    }
    fields
}

/// A multipart field that carries a file.
struct FileField {
    name: String,
    media_type: Option<String>,
    content: FileContent,
}

/// How a model passes text file content.
const TEXT_FILE_NOTE: &str = "File content as text, or `file:/absolute/path` of a local file if the connector's operator allows it.";

/// The file fields of a multipart body — a string with `contentEncoding` (`format: binary`) or,
/// as OpenAPI 3.1 writes uploads, with only a `contentMediaType` — directly or as array items.
/// Each field's input schema is told how to pass the content: as text when the schema gives a
/// textual media type without an encoding, as base64 otherwise (added where the spec gave none,
/// since JSON cannot carry raw bytes).
fn file_fields(schema: &mut Value) -> Vec<FileField> {
    let Some(Value::Object(props)) = schema.get_mut("properties") else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for (name, field) in props.iter_mut() {
        let is_array = field.get("type") == Some(&json!("array"));
        let target = if is_array {
            field.get_mut("items")
        } else {
            Some(&mut *field)
        };
        let Some(Value::Object(file)) = target else {
            continue;
        };
        let Some((media_type, content)) = file_content(file) else {
            continue;
        };
        let note = match content {
            FileContent::Base64 => {
                file.insert("contentEncoding".into(), "base64".into());
                FILE_NOTE
            }
            FileContent::Text => TEXT_FILE_NOTE,
        };
        if let Value::Object(map) = field {
            let text = match map.get("description").and_then(Value::as_str) {
                Some(d) => format!("{d} {note}"),
                None => note.to_string(),
            };
            map.insert("description".into(), Value::String(text));
        }
        files.push(FileField {
            name: name.clone(),
            media_type,
            content,
        });
    }
    files
}

/// Whether a string schema is file content, its media type, and how the model gives it.
fn file_content(schema: &Map<String, Value>) -> Option<(Option<String>, FileContent)> {
    let media_type = schema
        .get("contentMediaType")
        .and_then(Value::as_str)
        .map(str::to_owned);
    match (schema.get("contentEncoding"), &media_type) {
        (Some(_), _) => Some((media_type, FileContent::Base64)),
        (None, Some(mt)) if media::is_textual(mt) || media::is_json(mt) => {
            Some((media_type, FileContent::Text))
        }
        (None, Some(_)) => Some((media_type, FileContent::Base64)),
        (None, None) => None,
    }
}

/// Removes `readOnly` properties: the server sets them, so a request must not carry them.
fn strip_read_only(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        let read_only: Vec<String> = props
            .iter()
            .filter(|(_, s)| s.get("readOnly") == Some(&Value::Bool(true)))
            .map(|(k, _)| k.clone())
            .collect();
        for k in &read_only {
            props.shift_remove(k);
        }
        for s in props.values_mut() {
            strip_read_only(s);
        }
        if let Some(Value::Array(req)) = map.get_mut("required") {
            req.retain(|r| !read_only.iter().any(|k| r == k));
        }
        // Examples of the whole object would otherwise teach the model to send them.
        if let Some(Value::Array(examples)) = map.get_mut("examples") {
            for example in examples.iter_mut() {
                if let Value::Object(e) = example {
                    for k in &read_only {
                        e.shift_remove(k);
                    }
                }
            }
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(items)) = map.get_mut(key) {
            items.iter_mut().for_each(strip_read_only);
        }
    }
    if let Some(items) = map.get_mut("items") {
        strip_read_only(items);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_properties_leave_request_bodies() {
        let mut s = json!({"type": "object", "required": ["id", "name"], "properties": {
            "id": {"type": "string", "readOnly": true}, "name": {"type": "string"}}});
        strip_read_only(&mut s);
        assert_eq!(
            s,
            json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}})
        );
    }
}
