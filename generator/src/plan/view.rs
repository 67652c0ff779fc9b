//! Result views (MCP Apps): which tools a client that renders HTML shows as a table, a card or a
//! chart, and what the view needs to know to draw one — where the records are in the result,
//! which fields become columns and how each is formatted. Chosen from the success response's
//! schema; the overrides file switches a view off, picks its kind, chart fields and columns, or
//! serves an HTML file of the user's own. The runtime serves the view; this only decides.

use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::error::Result;
use crate::ir::{Api, Operation};
use crate::overrides::{ChartMark, Overrides, ViewCsp, ViewDetails, ViewKindChoice, ViewOverride};

/// The view of one tool, as the runtime serves it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ViewPlan {
    /// What the built-in view reads: kind, rows, columns, chart, next page (see `config`).
    pub config: Value,
    /// The user's own HTML, served instead of the built-in view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// The origins the user's HTML declared (MCP Apps `_meta.ui.csp`), as JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csp: Option<Value>,
}

/// Columns a table shows when the overrides file does not choose: more do not fit a chat.
const MAX_COLUMNS: usize = 8;
/// The largest HTML file of the user's own: views are read at every render.
pub const MAX_HTML_BYTES: usize = 512 * 1024;

/// Array properties that hold a page of records, most likely first.
const ROW_PROPERTIES: &[&str] = &[
    "data", "items", "results", "records", "entries", "values", "list", "rows", "content",
];
/// Query parameters that ask for the next page, and response fields that give its value.
const CURSOR_PARAMS: &[&str] = &[
    "cursor",
    "page_token",
    "pageToken",
    "starting_after",
    "after",
    "next",
    "continuation",
];
const CURSOR_FIELDS: &[&str] = &[
    "next_cursor",
    "nextCursor",
    "next_page_token",
    "nextPageToken",
    "cursor",
    "next",
    "continuation",
];

/// The view of `op`'s tool named `tool`, given the overrides file's entry for it (the file, the
/// entry's key and the entry).
pub fn plan_view(
    api: &Api,
    op: &Operation,
    tool: &str,
    title: &str,
    choice: Option<(&Overrides, &str, &ViewOverride)>,
) -> Result<Option<ViewPlan>> {
    let details = match choice.map(|(_, _, v)| v) {
        Some(ViewOverride::Kind(ViewKindChoice::Off)) => return Ok(None),
        Some(ViewOverride::Kind(kind)) => ViewDetails {
            kind: Some(*kind),
            ..ViewDetails::default()
        },
        Some(ViewOverride::Details(d)) => d.clone(),
        None => ViewDetails::default(),
    };
    let fail = |what: &str, message: String| match choice {
        Some((o, key, _)) => o.error(&["tools", key, "view", what], message),
        None => crate::Error::Option(message),
    };
    if let (Some(name), Some((o, key, _))) = (&details.html, choice) {
        let html = own_html(o, name, &details.csp)
            .map_err(|m| fail("html", format!("tools.{key}.view.html `{name}`: {m}")))?;
        return Ok(Some(ViewPlan {
            config: json!({"tool": tool, "title": title, "kind": "html"}),
            html: Some(html),
            csp: Some(csp_json(&details.csp)),
        }));
    }
    let shape = ResultShape::of(api, op);
    let charted = details.x.is_some() || details.y.is_some();
    let wanted = details.kind.or(charted.then_some(ViewKindChoice::Chart));
    let rows = details.rows.clone().or_else(|| shape.rows.clone());
    let kind = match (wanted, &rows, shape.record.is_some()) {
        (Some(ViewKindChoice::Off), _, _) | (None, None, false) => return Ok(None),
        (Some(kind), _, _) => kind,
        (None, Some(_), _) => ViewKindChoice::Table,
        (None, None, true) => ViewKindChoice::Card,
    };
    let fields = Fields(shape.fields(api));
    let mut config = Map::new();
    config.insert("tool".into(), tool.into());
    config.insert("title".into(), title.into());
    let (name, chart) = match kind {
        ViewKindChoice::Chart => ("chart", Some(chart(&details, &fields, &fail)?)),
        ViewKindChoice::Card => ("card", None),
        _ => ("table", None),
    };
    config.insert("kind".into(), name.into());
    if let Some(chart) = chart {
        config.insert("chart".into(), chart);
    }
    let rows = match kind {
        ViewKindChoice::Card => details.rows.clone().unwrap_or_default(),
        _ => rows.unwrap_or_else(|| "/result".into()),
    };
    if !(rows.is_empty() || rows.starts_with('/')) {
        return Err(fail(
            "rows",
            format!(
                "`{rows}` is not a JSON pointer; write it as `/data` (or `/result` for a top-level list)"
            ),
        ));
    }
    config.insert("rows".into(), rows.into());
    let columns = columns(api, &details, &fields, kind, &fail)?;
    config.insert("columns".into(), Value::Array(columns));
    if let Some(currency) = fields.currency() {
        config.insert("currency".into(), currency.into());
    }
    if let Some(next) = next_page(op, &shape).filter(|_| kind == ViewKindChoice::Table) {
        config.insert("next".into(), next);
    }
    Ok(Some(ViewPlan {
        config: Value::Object(config),
        html: None,
        csp: None,
    }))
}

/// The fields of a record, in the schema's order; none when the spec does not say.
struct Fields(Vec<(String, Value)>);

impl Fields {
    /// Whether the records have `field` (anything goes when the spec lists no fields).
    fn has(&self, field: &str) -> bool {
        self.0.is_empty() || self.0.iter().any(|(k, _)| k == field)
    }

    fn schema(&self, field: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == field).map(|(_, s)| s)
    }

    fn missing(&self, field: &str) -> String {
        format!(
            "the records have no field `{field}`; they have {}",
            field_list(&self.0)
        )
    }

    /// The field naming the records' currency.
    fn currency(&self) -> Option<&str> {
        self.0
            .iter()
            .map(|(k, _)| k.as_str())
            .find(|k| *k == "currency" || k.ends_with("_currency") || k.ends_with("Currency"))
    }
}

/// A chart's configuration: its mark and the fields along each axis, which the records must have.
fn chart(
    details: &ViewDetails,
    fields: &Fields,
    fail: &impl Fn(&str, String) -> crate::Error,
) -> Result<Value> {
    let (Some(x), Some(y)) = (&details.x, &details.y) else {
        return Err(fail(
            "x",
            "a chart needs `x` and `y`: the fields along each axis".into(),
        ));
    };
    for (axis, field) in [("x", x), ("y", y)] {
        if !fields.has(field) {
            return Err(fail(axis, fields.missing(field)));
        }
    }
    let mark = match details.chart.unwrap_or(ChartMark::Line) {
        ChartMark::Line => "line",
        ChartMark::Bar => "bar",
    };
    Ok(json!({"mark": mark, "x": x, "y": y}))
}

/// The columns: those the file chooses (which the records must have), else the records' first
/// plain fields (all of them on a card).
fn columns(
    api: &Api,
    details: &ViewDetails,
    fields: &Fields,
    kind: ViewKindChoice,
    fail: &impl Fn(&str, String) -> crate::Error,
) -> Result<Vec<Value>> {
    if let Some(chosen) = &details.columns {
        if let Some(unknown) = chosen.iter().find(|c| !fields.has(c)) {
            return Err(fail("columns", fields.missing(unknown)));
        }
        return Ok(chosen
            .iter()
            .map(|c| column(api, c, fields.schema(c)))
            .collect());
    }
    let most = if kind == ViewKindChoice::Card {
        usize::MAX
    } else {
        MAX_COLUMNS
    };
    Ok(fields
        .0
        .iter()
        .filter(|(_, s)| is_plain(s) || money_object(api, s).is_some())
        .take(most)
        .map(|(k, s)| column(api, k, Some(s)))
        .collect())
}

/// What a successful call returns, as far as a view cares: the records' schema and where they
/// are, or the one record.
struct ResultShape {
    /// The pointer to the list of records in structured content.
    rows: Option<String>,
    /// The schema of one record (an item of the list, or the whole result).
    record: Option<Value>,
    /// The whole result's object schema, when it is an object.
    envelope: Option<Value>,
}

impl ResultShape {
    fn of(api: &Api, op: &Operation) -> ResultShape {
        let none = ResultShape {
            rows: None,
            record: None,
            envelope: None,
        };
        let Some(schema) = op
            .responses
            .iter()
            .filter(|r| r.status.starts_with('2'))
            .flat_map(|r| &r.contents)
            .find(|c| mcpgen_contract::media::is_json(&c.media_type))
            .map(|c| resolve(api, &c.schema))
        else {
            return none;
        };
        if let Some(item) = records_of(api, &schema) {
            // The runtime gives a top-level array as `{"result": […]}`: structured content is
            // always an object.
            return ResultShape {
                rows: Some("/result".into()),
                record: Some(item),
                envelope: None,
            };
        }
        let properties = properties(api, &schema);
        if properties.is_empty() {
            return none;
        }
        let lists: Vec<(&String, Value)> = properties
            .iter()
            .filter_map(|(k, s)| Some((k, records_of(api, s)?)))
            .collect();
        let chosen = lists
            .iter()
            .min_by_key(|(k, _)| {
                ROW_PROPERTIES
                    .iter()
                    .position(|p| p.eq_ignore_ascii_case(k))
                    .unwrap_or(ROW_PROPERTIES.len())
            })
            // A list is the page when it is named as one, or when all else beside it is about
            // paging; a record that holds a list (an order and its lines) is a record.
            .filter(|(k, _)| {
                ROW_PROPERTIES.iter().any(|p| p.eq_ignore_ascii_case(k))
                    || (lists.len() == 1
                        && properties
                            .iter()
                            .all(|(other, _)| other == *k || is_paging(other)))
            });
        match chosen {
            Some((key, item)) => ResultShape {
                rows: Some(format!("/{}", pointer_escape(key))),
                record: Some(item.clone()),
                envelope: Some(schema),
            },
            None => ResultShape {
                rows: None,
                record: Some(schema.clone()),
                envelope: Some(schema),
            },
        }
    }

    /// The record's fields and their schemas, in the schema's order.
    fn fields(&self, api: &Api) -> Vec<(String, Value)> {
        match &self.record {
            Some(record) => properties(api, record)
                .into_iter()
                .map(|(k, s)| (k, resolve(api, &s)))
                .collect(),
            None => Vec::new(),
        }
    }
}

/// Whether a field beside a list is about paging (`next_cursor`, `total_count`, `has_more`).
fn is_paging(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "cursor", "next", "prev", "total", "count", "page", "more", "limit", "offset", "link",
    ]
    .iter()
    .any(|w| key.contains(w))
}

/// The item schema when `schema` is an array of objects with fields.
fn records_of(api: &Api, schema: &Value) -> Option<Value> {
    let schema = resolve(api, schema);
    let is_array = schema.get("type").is_some_and(|t| {
        t == "array" || t.as_array().is_some_and(|a| a.iter().any(|t| t == "array"))
    });
    if !is_array {
        return None;
    }
    let item = resolve(api, schema.get("items")?);
    (!properties(api, &item).is_empty()).then_some(item)
}

/// A schema with its `$ref` followed (within the document's schemas).
fn resolve(api: &Api, schema: &Value) -> Value {
    // Named schemas may name others in turn; a few steps reach any real chain, and a cycle ends.
    let mut schema = schema;
    for _ in 0..8 {
        schema = api.deref(schema);
    }
    schema.clone()
}

/// An object schema's properties, those of its `allOf` parts included, in order.
fn properties(api: &Api, schema: &Value) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = Vec::new();
    let mut add = |schema: &Value| {
        if let Some(map) = schema.get("properties").and_then(Value::as_object) {
            for (k, v) in map {
                if !out.iter().any(|(have, _)| have == k) {
                    out.push((k.clone(), v.clone()));
                }
            }
        }
    };
    add(schema);
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        add(&resolve(api, part));
    }
    out
}

/// A field a cell can show: not an object or an array.
fn is_plain(schema: &Value) -> bool {
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => return schema.get("enum").is_some() || schema.get("format").is_some(),
    };
    types
        .iter()
        .any(|t| matches!(*t, "string" | "integer" | "number" | "boolean"))
}

/// A column: its key, its label and how its cells are formatted.
fn column(api: &Api, key: &str, schema: Option<&Value>) -> Value {
    let label = schema
        .and_then(|s| s.get("title"))
        .and_then(Value::as_str)
        .map_or_else(|| label(key), str::to_string);
    if let Some((amount, minor, currency)) = schema.and_then(|s| money_object(api, s)) {
        return json!({"key": key, "label": label, "format": "money-object",
            "amount": amount, "minor": minor, "currencyKey": currency});
    }
    json!({"key": key, "label": label, "format": format_of(key, schema)})
}

/// An amount with its currency as one object (`{amount_minor: 1299, currency: EUR}`): its amount
/// field, whether that is in minor units, and its currency field.
fn money_object(api: &Api, schema: &Value) -> Option<(String, bool, String)> {
    let fields = properties(api, schema);
    if fields.is_empty() || fields.len() > 4 {
        return None;
    }
    let currency = fields.iter().map(|(k, _)| k).find(|k| {
        let k = k.to_ascii_lowercase();
        k == "currency" || k.ends_with("_currency") || k == "currency_code"
    })?;
    let (amount, amount_schema) = fields.iter().find(|(k, s)| {
        let k = k.to_ascii_lowercase();
        let s = resolve(api, s);
        let numeric = s
            .get("type")
            .is_some_and(|t| t == "integer" || t == "number");
        numeric
            && ["amount", "value", "minor", "cents", "units"]
                .iter()
                .any(|w| k.contains(w))
    })?;
    let lower = amount.to_ascii_lowercase();
    let described_minor = resolve(api, amount_schema)
        .get("description")
        .and_then(Value::as_str)
        .is_some_and(|d| d.to_ascii_lowercase().contains("minor"));
    let minor = lower.contains("minor") || lower.contains("cents") || described_minor;
    Some((amount.clone(), minor, currency.clone()))
}

/// How a field's cells are shown: dates and times in the reader's locale, money with its
/// currency, links as links, numbers aligned.
fn format_of(key: &str, schema: Option<&Value>) -> &'static str {
    let lower = key.to_ascii_lowercase();
    let get = |k: &str| schema.and_then(|s| s.get(k)).and_then(Value::as_str);
    let is_type = |t: &str| {
        schema
            .and_then(|s| s.get("type"))
            .is_some_and(|v| v == t || v.as_array().is_some_and(|a| a.iter().any(|x| x == t)))
    };
    let numeric = is_type("integer") || is_type("number");
    match get("format") {
        Some("date-time") => return "datetime",
        Some("date") => return "date",
        Some("uri" | "url" | "iri") => return "link",
        _ => {}
    }
    if numeric
        && (lower.ends_with("_cents") || lower.ends_with("cents") || lower.ends_with("_minor"))
    {
        return "money-minor";
    }
    let money_words = [
        "amount", "price", "total", "cost", "balance", "subtotal", "fee",
    ];
    if numeric
        && money_words
            .iter()
            .any(|w| lower == *w || lower.ends_with(&format!("_{w}")))
    {
        return "money";
    }
    if numeric {
        return "number";
    }
    if is_type("boolean") {
        return "bool";
    }
    if is_type("string") && (lower.ends_with("_url") || lower == "url" || lower.ends_with("href")) {
        return "link";
    }
    "text"
}

/// `created_at` → `Created at`, `totalCents` → `Total cents`.
fn label(key: &str) -> String {
    let mut words = String::new();
    let mut previous_lower = false;
    for c in key.chars() {
        if c == '_' || c == '-' || c == '.' {
            words.push(' ');
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            words.push(' ');
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        words.extend(c.to_lowercase());
    }
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => key.to_string(),
    }
}

/// The "next page" link of a list: the query parameter that asks for it and the result field
/// that gives its value, when the operation has both.
fn next_page(op: &Operation, shape: &ResultShape) -> Option<Value> {
    let param = op.parameters.iter().find(|p| {
        p.location == crate::ir::Location::Query
            && CURSOR_PARAMS
                .iter()
                .any(|c| c.eq_ignore_ascii_case(&p.name))
    })?;
    let envelope = shape.envelope.as_ref()?;
    let fields = envelope.get("properties").and_then(Value::as_object)?;
    let from = CURSOR_FIELDS
        .iter()
        .find(|f| fields.contains_key(**f) && **f != param.name)
        .or_else(|| CURSOR_FIELDS.iter().find(|f| fields.contains_key(**f)))?;
    Some(json!({"param": param.name, "from": format!("/{}", pointer_escape(from))}))
}

fn pointer_escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn field_list(fields: &[(String, Value)]) -> String {
    if fields.is_empty() {
        return "no fields the spec describes".into();
    }
    fields
        .iter()
        .map(|(k, _)| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn csp_json(csp: &ViewCsp) -> Value {
    let mut out = Map::new();
    if !csp.connect_domains.is_empty() {
        out.insert("connectDomains".into(), json!(csp.connect_domains));
    }
    if !csp.resource_domains.is_empty() {
        out.insert("resourceDomains".into(), json!(csp.resource_domains));
    }
    Value::Object(out)
}

/// Reads the user's HTML (relative to the overrides file) and checks it: a file, not too large,
/// an HTML document, and every external origin it names declared in `csp` — a host blocks
/// what is not declared, so an undeclared origin is a view that breaks in the client.
fn own_html(
    overrides: &Overrides,
    name: &str,
    csp: &ViewCsp,
) -> std::result::Result<String, String> {
    let base = Path::new(&overrides.file).parent().unwrap_or(Path::new(""));
    let path = base.join(name);
    let meta = std::fs::metadata(&path).map_err(|e| {
        format!(
            "cannot read {}: {e}; the path is relative to the overrides file",
            path.display()
        )
    })?;
    if !meta.is_file() {
        return Err(format!("{} is not a file", path.display()));
    }
    if meta.len() > MAX_HTML_BYTES as u64 {
        return Err(format!(
            "{} bytes; a view may have at most {MAX_HTML_BYTES} (inline what it needs, compressed)",
            meta.len()
        ));
    }
    let html = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e} (a view is UTF-8 HTML)", path.display()))?;
    let lower = html.to_ascii_lowercase();
    if !(lower.contains("<html") || lower.contains("<!doctype html")) {
        return Err("not an HTML document (no `<html>` or `<!doctype html>`)".into());
    }
    let declared: Vec<&str> = csp
        .connect_domains
        .iter()
        .chain(&csp.resource_domains)
        .map(String::as_str)
        .collect();
    for origin in external_origins(&html) {
        if !declared.iter().any(|d| origin_matches(d, &origin)) {
            return Err(format!(
                "it uses {origin}, which `csp` does not declare; add it to `csp.resource_domains` (scripts, styles, images, fonts) or `csp.connect_domains` (fetch, WebSocket), or inline it"
            ));
        }
    }
    Ok(html)
}

/// The origins of the absolute http(s) and ws(s) URLs in `html`.
fn external_origins(html: &str) -> Vec<String> {
    let mut origins: Vec<String> = Vec::new();
    for scheme in ["https://", "http://", "wss://", "ws://"] {
        let mut rest = html;
        while let Some(at) = rest.find(scheme) {
            let after = &rest[at + scheme.len()..];
            let host: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
                .collect();
            // XML namespaces name documents, they load nothing.
            let namespace = host.starts_with("www.w3.org");
            if !host.is_empty() && !namespace {
                let origin = format!("{scheme}{host}");
                if !origins.contains(&origin) {
                    origins.push(origin);
                }
            }
            rest = after;
        }
    }
    origins
}

/// Whether the declared origin (`https://*.example.com` allowed) covers `origin`.
fn origin_matches(declared: &str, origin: &str) -> bool {
    let declared = declared.trim_end_matches('/');
    if declared == origin {
        return true;
    }
    match declared.split_once("://*.") {
        Some((scheme, domain)) => origin
            .strip_prefix(&format!("{scheme}://"))
            .is_some_and(|host| host.ends_with(&format!(".{domain}"))),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_as_words() {
        assert_eq!(label("created_at"), "Created at");
        assert_eq!(label("totalCents"), "Total cents");
        assert_eq!(label("id"), "Id");
    }

    #[test]
    fn formats_follow_the_schema_and_the_name() {
        let f = |key: &str, schema: Value| format_of(key, Some(&schema));
        assert_eq!(
            f(
                "created_at",
                json!({"type": "string", "format": "date-time"})
            ),
            "datetime"
        );
        assert_eq!(f("total_cents", json!({"type": "integer"})), "money-minor");
        assert_eq!(f("amount", json!({"type": "number"})), "money");
        assert_eq!(f("count", json!({"type": "integer"})), "number");
        assert_eq!(f("html_url", json!({"type": "string"})), "link");
        assert_eq!(f("status", json!({"type": "string"})), "text");
    }

    #[test]
    fn undeclared_origins_are_found() {
        let html = r#"<html><script src="https://cdn.example.com/a.js"></script>
            <svg xmlns="http://www.w3.org/2000/svg"></svg></html>"#;
        assert_eq!(external_origins(html), vec!["https://cdn.example.com"]);
        assert!(origin_matches(
            "https://*.example.com",
            "https://cdn.example.com"
        ));
        assert!(!origin_matches(
            "https://*.example.com",
            "https://example.org"
        ));
    }
}
