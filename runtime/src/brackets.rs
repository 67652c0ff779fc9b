//! Nested values as bracket paths — `line_items[0][price]=p1`, `a[b][c]=v`, `expand[]=x` — the
//! convention the largest form-encoded APIs read (Rails, PHP, `qs`, Stripe). Objects nest by key
//! at any depth; arrays by index, by empty brackets, or by repeating the name, as the tool's plan
//! says. This module only names the leaves: the caller writes each scalar as text and
//! percent-encodes both for its place.

use serde_json::Value;

use crate::table::ArrayEncoding;

/// The scalar leaves of `value` with their bracket-path names, depth first, in document order.
/// An empty array or object contributes nothing (there is no way to write one).
pub(crate) fn leaves<'v>(
    name: &str,
    value: &'v Value,
    arrays: ArrayEncoding,
) -> Vec<(String, &'v Value)> {
    let mut out = Vec::new();
    push(name, value, arrays, &mut out);
    out
}

fn push<'v>(
    name: &str,
    value: &'v Value,
    arrays: ArrayEncoding,
    out: &mut Vec<(String, &'v Value)>,
) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                push(&format!("{name}[{key}]"), field, arrays, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let item_name = match arrays {
                    ArrayEncoding::Indexed => format!("{name}[{i}]"),
                    ArrayEncoding::Brackets => format!("{name}[]"),
                    ArrayEncoding::Repeated => name.to_string(),
                };
                push(&item_name, item, arrays, out);
            }
        }
        scalar => out.push((name.to_string(), scalar)),
    }
}

/// Whether a value is flat: a scalar, or an array or object whose members are all scalars —
/// what OpenAPI's `form` style can write without brackets.
pub(crate) fn is_flat(value: &Value) -> bool {
    let scalar = |v: &Value| !v.is_array() && !v.is_object();
    match value {
        Value::Array(items) => items.iter().all(scalar),
        Value::Object(fields) => fields.values().all(scalar),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn texts(leaves: Vec<(String, &Value)>) -> Vec<String> {
        leaves
            .into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}={s}"),
                Value::Null => format!("{k}="),
                other => format!("{k}={other}"),
            })
            .collect()
    }

    #[test]
    fn objects_and_arrays_nest_at_every_depth() {
        let value = json!([{"price": "p1", "quantity": 2}, {"price": "p2", "tags": ["a", "b"]}]);
        assert_eq!(
            texts(leaves("line_items", &value, ArrayEncoding::Indexed)),
            [
                "line_items[0][price]=p1",
                "line_items[0][quantity]=2",
                "line_items[1][price]=p2",
                "line_items[1][tags][0]=a",
                "line_items[1][tags][1]=b",
            ]
        );
        assert_eq!(
            texts(leaves(
                "a",
                &json!({"b": {"c": "v"}}),
                ArrayEncoding::Indexed
            )),
            ["a[b][c]=v"]
        );
    }

    #[test]
    fn arrays_follow_the_chosen_convention() {
        let expand = json!(["x", "y"]);
        assert_eq!(
            texts(leaves("expand", &expand, ArrayEncoding::Brackets)),
            ["expand[]=x", "expand[]=y"]
        );
        assert_eq!(
            texts(leaves("expand", &expand, ArrayEncoding::Repeated)),
            ["expand=x", "expand=y"]
        );
        assert_eq!(
            texts(leaves(
                "m",
                &json!({"k": [true, null, 1.5]}),
                ArrayEncoding::Indexed
            )),
            ["m[k][0]=true", "m[k][1]=", "m[k][2]=1.5"]
        );
        assert!(leaves("e", &json!([]), ArrayEncoding::Indexed).is_empty());
    }

    #[test]
    fn flat_values_are_told_apart_from_nested_ones() {
        assert!(is_flat(&json!("x")) && is_flat(&json!([1, 2])) && is_flat(&json!({"a": 1})));
        assert!(!is_flat(&json!([{"a": 1}])) && !is_flat(&json!({"a": [1]})));
    }
}
