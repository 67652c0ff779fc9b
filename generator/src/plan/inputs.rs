//! Input schemas as typed values while they are built and customised: a tool's top-level
//! [`InputSchema`] (its properties, which are required), and an [`ObjectView`] onto an object
//! schema nested in the body, edited in place. Nothing here edits raw JSON by guesswork.

use serde_json::{Map, Value};

/// A tool's input schema under construction: one property per argument, in order.
#[derive(Debug, Clone, Default)]
pub struct InputSchema {
    properties: Map<String, Value>,
    required: Vec<String>,
}

impl InputSchema {
    /// Adds an argument (after the ones already there).
    pub fn insert(&mut self, name: &str, schema: Value, required: bool) {
        self.properties.insert(name.to_string(), schema);
        if required {
            self.required.push(name.to_string());
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.properties.contains_key(name)
    }

    /// Whether the tool takes no argument at all.
    pub fn is_empty(&self) -> bool {
        self.properties.is_empty()
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.properties.get(name)
    }

    /// Every argument's name and schema, in order.
    pub fn arguments(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.properties.iter()
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.properties.get_mut(name)
    }

    /// Every argument's name and schema, in order.
    pub fn arguments_mut(&mut self) -> impl Iterator<Item = (&String, &mut Value)> {
        self.properties.iter_mut()
    }

    /// The length of the finished schema as compact JSON ([`InputSchema::into_json`]), as
    /// [`crate::inline::json_len`] counts it.
    pub fn json_len(&self) -> usize {
        // {"type":"object","properties":…,"required":[…],"additionalProperties":false}
        let mut len = r#"{"type":"object","properties":,"additionalProperties":false}"#.len()
            + crate::inline::map_len(&self.properties);
        if !self.required.is_empty() {
            len += r#","required":[]"#.len()
                + self.required.iter().map(|r| r.len() + 2).sum::<usize>()
                + self.required.len()
                - 1;
        }
        len
    }

    /// Removes an argument and its `required` entry.
    pub fn remove(&mut self, name: &str) {
        self.properties.shift_remove(name);
        self.required.retain(|r| r != name);
    }

    /// Removes an argument from the schema but keeps it required (a fixed value fills it).
    pub fn remove_property(&mut self, name: &str) {
        self.properties.shift_remove(name);
    }

    /// Renames argument `old` to `new` in place; false when `new` is taken.
    pub fn rename(&mut self, old: &str, new: &str) -> bool {
        rename_in(&mut self.properties, &mut self.required, old, new)
    }

    /// The finished schema: a closed object, so a misspelt argument is an error, not ignored.
    pub fn into_json(self) -> Value {
        let mut schema = Map::new();
        schema.insert("type".into(), "object".into());
        schema.insert("properties".into(), Value::Object(self.properties));
        if !self.required.is_empty() {
            schema.insert(
                "required".into(),
                Value::Array(self.required.into_iter().map(Value::String).collect()),
            );
        }
        schema.insert("additionalProperties".into(), Value::Bool(false));
        Value::Object(schema)
    }
}

/// An object schema (one with `properties`) nested somewhere in an input, edited in place.
pub struct ObjectView<'a> {
    map: &'a mut Map<String, Value>,
}

impl<'a> ObjectView<'a> {
    /// The object schema reached from `schema` through the property names of `path` (empty:
    /// `schema` itself); `None` when any step is not an object schema with that property.
    pub fn at(schema: &'a mut Value, path: &[String]) -> Option<ObjectView<'a>> {
        let mut at = schema;
        for name in path {
            at = at.get_mut("properties")?.get_mut(name.as_str())?;
        }
        let map = at.as_object_mut()?;
        map.get("properties")?.as_object()?;
        Some(ObjectView { map })
    }

    /// The names of its properties.
    pub fn names(&self) -> Vec<String> {
        self.properties()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn properties(&self) -> Option<&Map<String, Value>> {
        self.map.get("properties")?.as_object()
    }

    fn properties_mut(&mut self) -> Option<&mut Map<String, Value>> {
        self.map.get_mut("properties")?.as_object_mut()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.properties().is_some_and(|p| p.contains_key(name))
    }

    pub fn is_required(&self, name: &str) -> bool {
        self.map
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|x| x == name))
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.properties_mut()?.get_mut(name)
    }

    /// Removes a property and its `required` entry.
    pub fn remove(&mut self, name: &str) {
        if let Some(p) = self.properties_mut() {
            p.shift_remove(name);
        }
        if let Some(Value::Array(r)) = self.map.get_mut("required") {
            r.retain(|x| x != name);
        }
    }

    /// Renames property `old` to `new`; false when `new` is taken. `properties` and `required`
    /// end up last among the schema's keywords.
    pub fn rename(&mut self, old: &str, new: &str) -> bool {
        let mut properties = match self.map.remove("properties") {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let mut required: Vec<String> = match self.map.remove("required") {
            Some(Value::Array(r)) => r
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        let renamed = rename_in(&mut properties, &mut required, old, new);
        self.map
            .insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            self.map.insert(
                "required".into(),
                Value::Array(required.into_iter().map(Value::String).collect()),
            );
        }
        renamed
    }
}

/// Renames `old` to `new` keeping its place in the order; false (and nothing changed) when `new`
/// is already a property.
fn rename_in(
    properties: &mut Map<String, Value>,
    required: &mut [String],
    old: &str,
    new: &str,
) -> bool {
    if properties.contains_key(new) {
        return false;
    }
    *properties = std::mem::take(properties)
        .into_iter()
        .map(|(k, v)| {
            if k == old {
                (new.to_string(), v)
            } else {
                (k, v)
            }
        })
        .collect();
    for r in required.iter_mut().filter(|r| *r == old) {
        *r = new.to_string();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inputs_keep_their_order_through_edits() {
        let mut inputs = InputSchema::default();
        inputs.insert("a", json!({"type": "string"}), true);
        inputs.insert("b", json!({}), false);
        inputs.insert("c", json!({}), true);
        assert!(inputs.rename("a", "z"));
        assert!(!inputs.rename("b", "c"));
        inputs.remove("c");
        assert_eq!(
            inputs.into_json(),
            json!({"type": "object", "properties": {"z": {"type": "string"}, "b": {}},
                   "required": ["z"], "additionalProperties": false})
        );
    }

    #[test]
    fn the_measured_length_is_the_finished_schema_s() {
        let mut inputs = InputSchema::default();
        assert_eq!(
            inputs.json_len(),
            inputs.clone().into_json().to_string().len()
        );
        inputs.insert("a", json!({"type": "string", "description": "é"}), true);
        inputs.insert("b", json!({}), false);
        assert_eq!(
            inputs.json_len(),
            inputs.clone().into_json().to_string().len()
        );
    }

    #[test]
    fn nested_objects_are_found_by_path() {
        let mut body = json!({"type": "object", "properties": {"a": {"type": "object",
            "required": ["x"], "properties": {"x": {}, "y": {}}}}});
        let path = ["a".to_string()];
        let mut a = ObjectView::at(&mut body, &path).unwrap();
        assert!(a.is_required("x") && !a.is_required("y"));
        a.remove("x");
        assert!(a.rename("y", "w"));
        assert_eq!(body["properties"]["a"]["properties"], json!({"w": {}}));
        assert!(ObjectView::at(&mut body, &["nope".to_string()]).is_none());
    }
}
