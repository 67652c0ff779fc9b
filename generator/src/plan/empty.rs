//! Inputs that carry nothing are not inputs. A `GET` that the spec gives an empty form body, or a
//! body whose every field is set by the server (`readOnly`), would show the model a `body: {}` it
//! can only get wrong; the tool takes no body then. When the API still requires one (a `POST`
//! with an empty JSON object), the body goes out as `{}` without the model seeing it.

use mcpgen_contract::media::BodyEncoding;
use serde_json::{Value, json};

use super::PresetPlan;
use super::tool::ToolDraft;
use crate::ir::Method;

/// Removes the tool's `body` argument when it carries nothing (see the module's documentation).
pub fn drop_empty_body(draft: &mut ToolDraft) {
    let Some(plan) = &draft.tool.body else {
        return;
    };
    let encoding = BodyEncoding::of(&plan.media_type);
    let Some(schema) = draft.inputs.get("body") else {
        return;
    };
    if !carries_nothing(schema, encoding) {
        return;
    }
    draft.inputs.remove("body");
    let takes_body = matches!(
        draft.tool.method,
        Method::Post | Method::Put | Method::Patch
    );
    if takes_body && plan.required {
        draft.tool.presets.push(PresetPlan {
            arg: "body".into(),
            path: Vec::new(),
            value: json!({}),
            fixed: true,
        });
    } else {
        draft.tool.body = None;
    }
}

/// Whether a body schema leaves nothing to say: an object with no fields and no room for any.
/// A form has fields only by name; a JSON object without `properties` is free-form (any
/// object), so it carries nothing only when it says so (`properties: {}`, or closed).
fn carries_nothing(schema: &Value, encoding: BodyEncoding) -> bool {
    let Value::Object(map) = schema else {
        return false;
    };
    let composed = [
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "patternProperties",
        "$ref",
    ]
    .iter()
    .any(|k| map.contains_key(*k));
    let object_or_untyped = match map.get("type") {
        None => true,
        Some(Value::String(t)) => t == "object",
        Some(_) => false,
    };
    if composed || !object_or_untyped {
        return false;
    }
    let fields = map.get("properties").and_then(Value::as_object);
    if fields.is_some_and(|f| !f.is_empty()) {
        return false;
    }
    let more = match map.get("additionalProperties") {
        None => None,
        Some(Value::Bool(false)) => Some(false),
        Some(_) => Some(true),
    };
    match encoding {
        BodyEncoding::Form | BodyEncoding::Multipart => more != Some(true),
        BodyEncoding::Json => {
            let closed = more == Some(false) || map.get("maxProperties") == Some(&json!(0));
            more != Some(true) && (closed || fields.is_some())
        }
        BodyEncoding::Text | BodyEncoding::Binary => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_an_object_without_fields_or_room_for_them() {
        let form = BodyEncoding::Form;
        let json = BodyEncoding::Json;
        assert!(carries_nothing(&json!({}), form));
        assert!(carries_nothing(
            &json!({"type": "object", "properties": {}}),
            form
        ));
        assert!(!carries_nothing(
            &json!({"type": "object", "properties": {"a": {}}}),
            form
        ));
        assert!(!carries_nothing(
            &json!({"type": "object", "additionalProperties": {"type": "string"}}),
            form
        ));
        // A JSON object schema without `properties` is any object: the model may fill it.
        assert!(!carries_nothing(&json!({"type": "object"}), json));
        assert!(!carries_nothing(&json!({}), json));
        assert!(carries_nothing(
            &json!({"type": "object", "properties": {}}),
            json
        ));
        assert!(carries_nothing(
            &json!({"type": "object", "additionalProperties": false}),
            json
        ));
        assert!(!carries_nothing(
            &json!({"oneOf": [{"type": "object"}]}),
            json
        ));
        assert!(!carries_nothing(&json!({"type": "array"}), json));
        assert!(!carries_nothing(&json!({}), BodyEncoding::Text));
    }
}
