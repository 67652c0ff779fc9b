//! One operation becomes one tool, from the spec alone: its description, its arguments (one per
//! parameter, and `body`), and the request plan the runtime follows. The overrides file is
//! applied afterwards, by [`super::customise`].

use mcpgen_contract::media::{self, BodyEncoding};
use serde_json::{Value, json};

use super::args;
use super::inputs::InputSchema;
use super::{Annotations, BodyFieldPlan, BodyPlan, ParamPlan, ToolPlan};
use crate::inline::inline;
use crate::ir::{Api, Content, Operation, RequestBody};

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

/// Plans the tool `name` for `op`, sending its body as `content` (one of the body's media types).
pub fn plan_tool(api: &Api, op: &Operation, name: String, content: Option<&Content>) -> ToolDraft {
    let mut inputs = InputSchema::default();
    let params = param_inputs(api, op, content.is_some(), &mut inputs);
    let body = match (&op.request_body, content) {
        (Some(request_body), Some(content)) => {
            Some(body_input(api, request_body, content, &mut inputs))
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
    };
    ToolDraft { tool, inputs }
}

/// A warning when the spec offers several body media types and [`choose_content`] picked one.
pub fn several_media_types(op: &Operation, content: &Content) -> Option<String> {
    let request_body = op.request_body.as_ref()?;
    (request_body.contents.len() > 1).then(|| {
        format!(
            "{} {}: request body offers {}; using `{}`",
            op.method.as_str(),
            op.path,
            request_body
                .contents
                .iter()
                .map(|c| c.media_type.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            content.media_type
        )
    })
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

/// Picks the body media type: JSON first, then forms, text, then anything else.
pub fn choose_content(body: &RequestBody) -> Option<&Content> {
    let rank = |mt: &str| match BodyEncoding::of(mt) {
        // `*/*` says nothing about what the API wants; anything named is a better guess.
        BodyEncoding::Json if media::is_json(mt) => 0,
        BodyEncoding::Form => 1,
        BodyEncoding::Multipart if media::essence(mt) == "multipart/form-data" => 2,
        BodyEncoding::Text => 3,
        _ => 4,
    };
    body.contents.iter().min_by_key(|c| rank(&c.media_type))
}

/// One argument per parameter, named by [`args`] (which says how names are made distinct).
fn param_inputs(
    api: &Api,
    op: &Operation,
    has_body: bool,
    inputs: &mut InputSchema,
) -> Vec<ParamPlan> {
    let mut params = Vec::new();
    let names = args::param_args(&op.parameters, has_body);
    for (p, arg) in op.parameters.iter().zip(names) {
        let mut schema = inline(&p.schema, &api.schemas);
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
    api: &Api,
    request_body: &RequestBody,
    content: &Content,
    inputs: &mut InputSchema,
) -> BodyPlan {
    let encoding = BodyEncoding::of(&content.media_type);
    let mut schema = match encoding {
        _ if encoding.is_structured() => {
            let mut s = inline(&content.schema, &api.schemas);
            strip_read_only(&mut s);
            if encoding == BodyEncoding::Multipart {
                note_file_fields(&mut s);
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
    let fields = field_plans(content, encoding, &schema);
    inputs.insert("body", schema, request_body.required);
    BodyPlan {
        media_type: content.media_type.clone(),
        required: request_body.required,
        encoding: fields,
        renames: Vec::new(),
    }
}

/// How each body field goes on the wire: the spec's `encoding` entries, and for a multipart body
/// every file field (base64 content) with the media type its part carries.
fn field_plans(content: &Content, encoding: BodyEncoding, schema: &Value) -> Vec<BodyFieldPlan> {
    let mut fields: Vec<BodyFieldPlan> = content
        .encoding
        .iter()
        .map(|e| BodyFieldPlan {
            field: e.field.clone(),
            content_type: e.content_type.clone(),
            style: e.style,
            explode: e.explode,
            allow_reserved: e.allow_reserved,
            file: false,
        })
        .collect();
    if encoding != BodyEncoding::Multipart {
        return fields;
    }
    let Some(Value::Object(properties)) = schema.get("properties") else {
        return fields;
    };
    for (name, field) in properties {
        if field.get("contentEncoding") != Some(&json!("base64")) {
            continue;
        }
        let schema_type = field
            .get("contentMediaType")
            .and_then(Value::as_str)
            .map(str::to_owned);
        match fields.iter_mut().find(|f| f.field == *name) {
            Some(plan) => {
                plan.file = true;
                if plan.content_type.is_none() {
                    plan.content_type = schema_type;
                }
            }
            None => fields.push(BodyFieldPlan {
                field: name.clone(),
                content_type: schema_type,
                style: None,
                explode: None,
                allow_reserved: false,
                file: true,
            }),
        }
    }
    fields
}

/// Tells the model how to pass each file field of a multipart body.
fn note_file_fields(schema: &mut Value) {
    let Some(Value::Object(props)) = schema.get_mut("properties") else {
        return;
    };
    for field in props.values_mut() {
        if field.get("contentEncoding") == Some(&json!("base64"))
            && let Value::Object(map) = field
        {
            let text = match map.get("description").and_then(Value::as_str) {
                Some(d) => format!("{d} {FILE_NOTE}"),
                None => FILE_NOTE.to_string(),
            };
            map.insert("description".into(), Value::String(text));
        }
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
