//! A call's arguments: checked against the tool's input schema before anything is sent, then
//! completed as the overrides file asks (renamed body fields get their wire names back, fixed
//! values are set, defaults fill gaps).

use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

use crate::table::{Connector, Tool};

/// Every tool's input schema and validator, each built once on first use and shared by all
/// sessions.
pub(crate) struct Schemas {
    connector: &'static Connector,
    /// Parsed input schemas, built on first listing.
    parsed: Vec<OnceLock<Arc<Map<String, Value>>>>,
    /// Compiled validators, built on a tool's first call.
    validators: Vec<OnceLock<Result<jsonschema::Validator, String>>>,
}

impl Schemas {
    pub(crate) fn new(connector: &'static Connector) -> Schemas {
        let n = connector.tools.len();
        Schemas {
            connector,
            parsed: (0..n).map(|_| OnceLock::new()).collect(),
            validators: (0..n).map(|_| OnceLock::new()).collect(),
        }
    }

    /// The input schema of tool `index` as a JSON object, parsed once.
    pub(crate) fn input_schema(&self, index: usize) -> Arc<Map<String, Value>> {
        self.parsed[index]
            .get_or_init(|| {
                let text = self.connector.tools[index].input_schema;
                Arc::new(serde_json::from_str(text).unwrap_or_default())
            })
            .clone()
    }

    /// Checks `args` against tool `index`'s input schema; the error names each bad argument.
    pub(crate) fn validate(&self, index: usize, args: &Value) -> Result<(), String> {
        let validator = self.validators[index].get_or_init(|| {
            let schema = Value::Object((*self.input_schema(index)).clone());
            jsonschema::draft202012::new(&schema).map_err(|e| e.to_string())
        });
        let validator = match validator {
            Ok(v) => v,
            // The generator checks schemas; should one still not compile, do not block the call.
            Err(_) => return Ok(()),
        };
        let problems: Vec<String> = validator
            .iter_errors(args)
            .map(|e| {
                let path = e.instance_path().to_string();
                let arg = path.trim_start_matches('/').split('/').next().unwrap_or("");
                if arg.is_empty() {
                    format!("- {e}")
                } else {
                    format!("- argument `{}`: {e}", path.trim_start_matches('/'))
                }
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "Invalid arguments for `{}` (nothing was sent):\n{}",
                self.connector.tools[index].name,
                problems.join("\n")
            ))
        }
    }
}

/// What the overrides file asks for, after validation: renamed body fields get their wire names
/// back, fixed values are set, defaults fill gaps.
pub(crate) fn apply_presets(tool: &Tool, args: &mut Map<String, Value>) {
    restore_wire_names(tool, args);
    for preset in tool.presets {
        // The generator wrote this JSON; it always parses.
        let Ok(value) = serde_json::from_str::<Value>(preset.value) else {
            continue;
        };
        let Some((last, parents)) = preset.path.split_last() else {
            if preset.fixed || !args.contains_key(preset.arg) {
                args.insert(preset.arg.to_string(), value);
            }
            continue;
        };
        if !preset.fixed && !args.contains_key(preset.arg) {
            // A default for a field of a body the model did not send: there is nothing to fill.
            continue;
        }
        let mut at = args
            .entry(preset.arg.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        for name in parents {
            let Value::Object(map) = at else { break };
            at = map
                .entry(name.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
        }
        if let Value::Object(map) = at
            && (preset.fixed || !map.contains_key(*last))
        {
            map.insert(last.to_string(), value);
        }
    }
}

/// Body fields the overrides file renamed go back to the names the API knows.
fn restore_wire_names(tool: &Tool, args: &mut Map<String, Value>) {
    let Some(body) = &tool.body else { return };
    if body.renames.is_empty() {
        return;
    }
    let Some(Value::Object(fields)) = args.get_mut("body") else {
        return;
    };
    *fields = std::mem::take(fields)
        .into_iter()
        .map(
            |(k, v)| match body.renames.iter().find(|(arg, _)| *arg == k) {
                Some((_, wire)) => (wire.to_string(), v),
                None => (k, v),
            },
        )
        .collect();
}
