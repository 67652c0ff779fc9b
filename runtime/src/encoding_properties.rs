//! Property tests of the encoding rules: whatever characters a value holds, it stays in its
//! place (a path segment, a query value, a cookie, a form field), and it decodes back to itself.

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::brackets;
use crate::encode::{QueryStyle, cookie_pairs, path_value, query_pairs};
use crate::table::{ArrayEncoding, Style};

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// JSON values a model might send: scalars, arrays and objects nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<String>().prop_map(Value::String),
        any::<i64>().prop_map(|n| json!(n)),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn scalars(value: &Value) -> usize {
    match value {
        Value::Array(items) => items.iter().map(scalars).sum(),
        Value::Object(fields) => fields.values().map(scalars).sum(),
        _ => 1,
    }
}

proptest! {
    #[test]
    fn a_path_value_stays_one_segment(text in any::<String>()) {
        for style in [Style::Simple, Style::Label, Style::Matrix] {
            let encoded = path_value("id", style, false, &Value::String(text.clone()));
            prop_assert!(!encoded.contains(['/', '?', '#']), "{encoded}");
            if style == Style::Simple {
                prop_assert_eq!(decode(&encoded), text.clone());
            }
        }
    }

    #[test]
    fn a_query_value_stays_one_parameter(text in any::<String>(), reserved in any::<bool>()) {
        let how = QueryStyle { style: Style::Form, explode: true, allow_reserved: reserved, arrays: None };
        let pairs = query_pairs("q", how, &Value::String(text.clone()));
        prop_assert_eq!(pairs.len(), 1);
        prop_assert!(!pairs[0].contains(['&', '#', ' ']), "{}", pairs[0]);
        let value = pairs[0].strip_prefix("q=").unwrap_or_default();
        prop_assert_eq!(decode(value), text);
    }

    #[test]
    fn a_cookie_value_cannot_end_the_cookie(text in any::<String>()) {
        for pair in cookie_pairs("c", true, &Value::String(text)) {
            prop_assert!(!pair.contains([';', ',', ' ', '\r', '\n']), "{pair}");
        }
    }

    #[test]
    fn nested_values_have_one_pair_per_scalar(value in json_value()) {
        let leaves = brackets::leaves("v", &value, ArrayEncoding::Indexed);
        let expected = if value.is_array() || value.is_object() { scalars(&value) } else { 1 };
        prop_assert_eq!(leaves.len(), expected);
        // Indexed brackets name every leaf differently, so nothing is lost on the server.
        let mut names: Vec<&String> = leaves.iter().map(|(n, _)| n).collect();
        names.sort();
        names.dedup();
        prop_assert_eq!(names.len(), leaves.len());
    }

    #[test]
    fn a_deep_query_keeps_every_value_in_its_place(value in json_value()) {
        let how = QueryStyle { style: Style::DeepObject, explode: true, allow_reserved: false, arrays: None };
        for pair in query_pairs("f", how, &value) {
            prop_assert!(!pair.contains(['&', '#', ' ']), "{pair}");
            prop_assert_eq!(pair.matches('=').count(), 1, "{}", pair);
        }
    }
}
