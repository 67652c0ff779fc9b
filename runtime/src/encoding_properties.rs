//! Property tests of the encoding rules: whatever characters a value (or an object key) holds,
//! and whatever style, explode and array convention encode it, it stays in its place (one path
//! segment that never climbs, a query pair, a cookie, a form field, a header line), and a plain
//! value decodes back to itself.

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::encode::{QueryStyle, cookie_pairs, path_value, query_pairs};
use crate::files::FileRoots;
use crate::table::{ArrayEncoding, Body, FieldEncoding, Location, Param, Style, Tool};
use crate::{body, brackets, request};

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

/// JSON values whose object keys may hold any character, as a model's arguments may.
fn any_keyed_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<String>().prop_map(Value::String),
        any::<i64>().prop_map(|n| json!(n)),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const STYLES: [Style; 7] = [
    Style::Simple,
    Style::Label,
    Style::Matrix,
    Style::Form,
    Style::SpaceDelimited,
    Style::PipeDelimited,
    Style::DeepObject,
];

const ARRAYS: [Option<ArrayEncoding>; 4] = [
    None,
    Some(ArrayEncoding::Indexed),
    Some(ArrayEncoding::Brackets),
    Some(ArrayEncoding::Repeated),
];

/// Characters that would end a pair, a query or a header line if they appeared unescaped.
const PAIR_ENDERS: [char; 5] = ['&', '#', '\r', '\n', ' '];

/// A tool with one parameter, for properties of the whole request.
fn tool_with(param: Param, path: &'static str) -> Tool {
    Tool {
        name: "t",
        title: None,
        description: "",
        returns: "",
        tags: &[],
        core: false,
        input_schema: "{}",
        method: crate::table::Method::Get,
        path,
        params: Box::leak(Box::new([param])),
        body: None,
        security: &[],
        annotations: crate::table::Annotations {
            read_only: true,
            destructive: false,
            idempotent: true,
            open_world: true,
        },
        servers: &[],
        confirm: false,
        timeout_secs: None,
        response_limit: None,
        presets: &[],
        array_encoding: None,
        view: None,
        long_running: false,
    }
}

fn param(name: &str, location: Location, style: Style, explode: bool) -> Param {
    Param {
        arg: "v",
        name: Box::leak(name.to_string().into_boxed_str()),
        location,
        style,
        explode,
        allow_reserved: false,
        required: true,
        media_type: None,
    }
}

proptest! {
    #[test]
    fn every_query_style_keeps_each_pair_whole(
        name in any::<String>(),
        value in any_keyed_value(),
        style in 0..STYLES.len(),
        explode in any::<bool>(),
        arrays in 0..ARRAYS.len(),
    ) {
        let how = QueryStyle { style: STYLES[style], explode, allow_reserved: false, arrays: ARRAYS[arrays] };
        for pair in query_pairs(&name, how, &value) {
            prop_assert!(!pair.contains(PAIR_ENDERS), "{pair}");
            prop_assert_eq!(pair.matches('=').count(), 1, "{}", pair);
        }
    }

    #[test]
    fn a_form_body_keeps_each_field_whole(
        fields in prop::collection::btree_map(any::<String>(), any_keyed_value(), 0..4),
        style in 0..STYLES.len(),
        explode in prop::option::of(any::<bool>()),
        arrays in 0..ARRAYS.len(),
    ) {
        let names: Vec<&'static str> = fields
            .keys()
            .map(|k| &*Box::leak(k.clone().into_boxed_str()))
            .collect();
        let encoding: Vec<FieldEncoding> = names
            .iter()
            .map(|field| FieldEncoding {
                field,
                content_type: None,
                style: Some(STYLES[style]),
                explode,
                allow_reserved: false,
                file: None,
            })
            .collect();
        let plan = Body {
            media_type: "application/x-www-form-urlencoded",
            required: true,
            encoding: Box::leak(encoding.into_boxed_slice()),
            renames: &[],
        };
        let value = Value::Object(fields.into_iter().collect());
        let (_, bytes) = body::encode(&plan, ARRAYS[arrays], &value, &FileRoots::default())
            .expect("a form body of an object always encodes");
        let text = String::from_utf8(bytes).expect("form encoding is ASCII");
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            prop_assert!(!pair.contains(PAIR_ENDERS), "{pair}");
            prop_assert_eq!(pair.matches('=').count(), 1, "{}", pair);
        }
    }

    #[test]
    fn a_path_parameter_is_exactly_one_segment_that_never_climbs(
        value in any_keyed_value(),
        style in 0..3usize,
        explode in any::<bool>(),
    ) {
        let tool = tool_with(param("id", Location::Path, STYLES[style], explode), "/x/{id}/y");
        let args = json!({"v": value});
        if let Ok(prepared) = request::build(&tool, "http://api.test/base", args.as_object().unwrap(), &FileRoots::default()) {
            // The URL as the HTTP client will send it: dot segments resolved, if any were left.
            let url = reqwest::Url::parse(&prepared.full_url()).expect("a valid URL");
            let segments: Vec<&str> = url.path_segments().expect("a path").collect();
            prop_assert_eq!(segments.len(), 4, "{}", url);
            prop_assert_eq!(&segments[..2], &["base", "x"][..], "{}", url);
            prop_assert_eq!(segments[3], "y", "{}", url);
            prop_assert!(url.query().is_none() && url.fragment().is_none(), "{}", url);
        }
    }

    #[test]
    fn a_header_parameter_never_carries_a_line_break(
        value in any_keyed_value(),
        explode in any::<bool>(),
    ) {
        let tool = tool_with(param("X-V", Location::Header, Style::Simple, explode), "/");
        let args = json!({"v": value});
        if let Ok(prepared) = request::build(&tool, "http://api.test", args.as_object().unwrap(), &FileRoots::default()) {
            for (_, text) in &prepared.headers {
                prop_assert!(!text.chars().any(char::is_control), "{text:?}");
            }
        }
    }
}
