//! What the model calls each parameter: argument names that are valid for clients
//! (`[A-Za-z0-9_.-]`, at most 64 characters), distinct within a tool, and readable.
//!
//! The rule, in order: comparison operators in a name become words (`DateSent<` →
//! `DateSent_before`, `price>=` → `price_gte`; `before`/`after` when the parameter is a date or
//! a date-time, `lt`/`gt`/`lte`/`gte` otherwise, `ne` for `!=`); any other character outside the
//! set becomes `_`; a name parameters in different locations share (or a parameter shares with
//! `body`) gets its location appended (`id__path`, `id__query`); a name still taken gets `_2`,
//! `_3`… (a parameter whose wire name it is keeps it). The request plan keeps each parameter's
//! wire name, and an argument named differently says which it is.

use serde_json::Value;

use crate::ir::Parameter;

/// Each parameter's argument name, in order.
pub fn param_args(params: &[Parameter], has_body: bool) -> Vec<String> {
    let bases: Vec<String> = params.iter().map(readable).collect();
    let wanted: Vec<String> = params
        .iter()
        .zip(&bases)
        .map(|(p, base)| {
            let elsewhere = params
                .iter()
                .zip(&bases)
                .any(|(q, b)| b == base && q.location != p.location);
            if elsewhere || (has_body && base == "body") {
                format!("{base}__{}", p.location.as_str())
            } else {
                base.clone()
            }
        })
        .collect();
    // Parameters whose wire name is what they want choose first; then the others, in order.
    let mut order: Vec<usize> = (0..params.len()).collect();
    order.sort_by_key(|&i| params[i].name != wanted[i]);
    let mut args: Vec<Option<String>> = vec![None; params.len()];
    for i in order {
        let taken =
            |name: &str| args.iter().flatten().any(|a| a == name) || (has_body && name == "body");
        let mut arg = wanted[i].clone();
        let mut n = 2;
        while taken(&arg) {
            arg = format!("{}_{n}", wanted[i]);
            n += 1;
        }
        args[i] = Some(arg);
    }
    args.into_iter().flatten().collect()
}

/// The argument's description: the parameter's, and when the argument is named differently,
/// which parameter it is (`Sent as the query parameter `DateSent<`.`).
pub fn description(p: &Parameter, arg: &str) -> Option<String> {
    let note = (arg != p.name).then(|| {
        format!(
            "Sent as the {} parameter `{}`.",
            p.location.as_str(),
            p.name
        )
    });
    match (p.description.as_deref().map(str::trim_end), note) {
        (Some(d), Some(note)) if d.ends_with(['.', '!', '?']) => Some(format!("{d} {note}")),
        (Some(d), Some(note)) => Some(format!("{d}. {note}")),
        (d, note) => d.map(str::to_owned).or(note),
    }
}

/// `name` with operators spelt out and other characters made safe.
fn readable(p: &Parameter) -> String {
    let dated = matches!(
        p.schema.get("format").and_then(Value::as_str),
        Some("date" | "date-time")
    );
    let words: [(&str, &str); 5] = if dated {
        [
            ("<=", "on_or_before"),
            (">=", "on_or_after"),
            ("!=", "not"),
            ("<", "before"),
            (">", "after"),
        ]
    } else {
        [
            ("<=", "lte"),
            (">=", "gte"),
            ("!=", "ne"),
            ("<", "lt"),
            (">", "gt"),
        ]
    };
    let mut out = String::new();
    let mut rest = p.name.as_str();
    'outer: while let Some(c) = rest.chars().next() {
        for (operator, word) in words {
            if let Some(after) = rest.strip_prefix(operator) {
                if !out.is_empty() && !out.ends_with('_') {
                    out.push('_');
                }
                out.push_str(word);
                if !after.is_empty() {
                    out.push('_');
                }
                rest = after;
                continue 'outer;
            }
        }
        out.push(
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '_'
            },
        );
        rest = &rest[c.len_utf8()..];
    }
    out.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Location, Style};
    use serde_json::json;

    fn param(name: &str, location: Location, schema: Value) -> Parameter {
        Parameter {
            name: name.into(),
            location,
            description: None,
            required: false,
            deprecated: false,
            schema,
            style: Style::Form,
            explode: true,
            allow_reserved: false,
            media_type: None,
        }
    }

    #[test]
    fn names_that_differ_in_punctuation_stay_apart_and_readable() {
        let date = json!({"type": "string", "format": "date-time"});
        let params = [
            param("DateSent", Location::Query, date.clone()),
            param("DateSent<", Location::Query, date.clone()),
            param("DateSent>", Location::Query, date),
            param("Price>=", Location::Query, json!({"type": "number"})),
            param("a!=b", Location::Query, json!({})),
            param("filter[name]", Location::Query, json!({})),
            param("filter_name_", Location::Query, json!({})),
        ];
        assert_eq!(
            param_args(&params, false),
            [
                "DateSent",
                "DateSent_before",
                "DateSent_after",
                "Price_gte",
                "a_ne_b",
                "filter_name__2",
                "filter_name_"
            ]
        );
        assert_eq!(
            description(&params[1], "DateSent_before").as_deref(),
            Some("Sent as the query parameter `DateSent<`.")
        );
        assert_eq!(description(&params[0], "DateSent"), None);
        let mut described = params[1].clone();
        described.description = Some("Before this date".into());
        assert_eq!(
            description(&described, "DateSent_before").as_deref(),
            Some("Before this date. Sent as the query parameter `DateSent<`.")
        );
    }

    #[test]
    fn shared_names_get_their_location() {
        let params = [
            param("id", Location::Path, json!({})),
            param("id", Location::Query, json!({})),
            param("body", Location::Header, json!({})),
        ];
        assert_eq!(
            param_args(&params, true),
            ["id__path", "id__query", "body__header"]
        );
    }
}
