//! The overrides file: the user's customisations of a connector, kept outside generated code so
//! they survive regeneration. This module reads the file and resolves its targets against the IR;
//! [`crate::plan`] applies what it asks for.
//!
//! Every target (operation, tag, path pattern, parameter) must exist in the spec: a stale override
//! is an error that names the file, the line and the closest existing name.

use std::collections::BTreeMap;

use globset::{Glob, GlobMatcher};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::findings::Finding;
use crate::ir::{Api, ArrayEncoding, Method, Operation};
use crate::util::closest;

/// The file as written (YAML or JSON). Unknown keys are errors, so a typo cannot go unnoticed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "mcpgen overrides")]
pub struct OverridesFile {
    /// The URL of this file's JSON Schema, for editors; ignored by mcpgen.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Settings of the whole connector.
    #[serde(default)]
    pub connector: ConnectorOverrides,
    /// Operations that become tools. Empty: all of them. An operation is a tool when it matches
    /// `include` (or `include` is empty) and does not match `exclude`: exclude wins.
    #[serde(default)]
    pub include: Filter,
    /// Operations that do not become tools, even when `include` matches them.
    #[serde(default)]
    pub exclude: Filter,
    /// Per-operation changes, keyed by operationId or by `METHOD /path` (`GET /orders/{id}`).
    #[serde(default)]
    pub tools: IndexMap<String, ToolOverride>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectorOverrides {
    /// Crate, binary and environment-variable prefix (`orders` → `ORDERS_BASE_URL`). `--name` wins.
    pub name: Option<String>,
    /// The server's title shown by clients; default: the spec's `info.title`.
    pub title: Option<String>,
    /// The server's version; default: the spec's `info.version`.
    pub version: Option<String>,
    /// One line saying what the connector is for.
    pub description: Option<String>,
    /// Sent to clients at initialize as the server's `instructions`; default: `info.description`.
    pub instructions: Option<String>,
    /// The API's default base URL (replaces the spec's `servers`); `PREFIX_BASE_URL` still wins.
    pub base_url: Option<String>,
    /// A PNG icon for the desktop extension (`mcpgen bundle`), relative to this file; square,
    /// at most 1 MiB.
    pub icon: Option<String>,
    /// Put in front of every tool name (`shop_` → `shop_listOrders`).
    pub tool_prefix: Option<String>,
    /// The longest tool name, prefix included (16–64; default 64). `--max-name-len` wins.
    pub max_name_len: Option<usize>,
    /// How every tool writes arrays in form bodies and queries where they explode (default:
    /// repeated names where OpenAPI's styles say so, indexed brackets inside `deepObject` and
    /// nested values). A tool's own `array_encoding` wins.
    pub array_encoding: Option<ArrayEncodingChoice>,
    /// How `tools/list` presents the tools: `auto` (the default: every tool while the estimate
    /// fits `token_budget`, a catalog to search beyond it), `full` or `catalog`.
    pub listing: Option<ListingChoice>,
    /// The most tokens `tools/list` may take before `auto` lists a catalog instead (estimated as
    /// bytes / 4; default 25,000).
    #[schemars(range(min = 1))]
    pub token_budget: Option<usize>,
    /// Groups of operations a model can switch on in catalog mode, by name (default: one per
    /// tag of the spec).
    #[serde(default)]
    pub toolsets: IndexMap<String, ToolsetOverride>,
    /// How much input schema each tool may show the model (a tool's own entry wins).
    pub schema_budget: Option<SchemaBudget>,
}

/// A group of operations switched on together in catalog mode.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolsetOverride {
    /// What the group is for, shown to the model.
    pub description: Option<String>,
    /// The operations in the group.
    #[serde(default)]
    pub include: Filter,
}

/// A toolset of the file, resolved: the operations (by index in the API) it holds.
#[derive(Debug, Clone)]
pub struct DeclaredToolset {
    pub name: String,
    pub description: Option<String>,
    pub operations: Vec<usize>,
}

/// How `tools/list` presents a connector's tools.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ListingChoice {
    /// Every tool while the estimate fits `token_budget`, a catalog beyond.
    Auto,
    /// One tool per operation, whatever the size.
    Full,
    /// Tools to search, describe and call the operations, plus the core tools.
    Catalog,
}

/// The array convention of a form-encoded API.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ArrayEncodingChoice {
    /// `a[0]=x&a[1]=y` (Rails, PHP, Stripe).
    Indexed,
    /// `a[]=x&a[]=y`.
    Brackets,
    /// `a=x&a=y`.
    Repeated,
}

impl From<ArrayEncodingChoice> for ArrayEncoding {
    fn from(choice: ArrayEncodingChoice) -> ArrayEncoding {
        match choice {
            ArrayEncodingChoice::Indexed => ArrayEncoding::Indexed,
            ArrayEncodingChoice::Brackets => ArrayEncoding::Brackets,
            ArrayEncodingChoice::Repeated => ArrayEncoding::Repeated,
        }
    }
}

/// How much input schema a tool may show the model. Past it, nested structures (the deepest
/// first, then the largest) are shown as placeholders: typed, with a one-line summary, still
/// accepting the object. `mcpgen inspect` lists each.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SchemaBudget {
    /// Bytes of JSON the tool's whole input schema may take (1024–1048576; default 16384).
    #[schemars(range(min = 1024, max = 1_048_576))]
    pub max_bytes: Option<usize>,
    /// Levels of nested objects and arrays shown inside an argument (1–32; default 6).
    #[schemars(range(min = 1, max = 32))]
    pub max_depth: Option<usize>,
}

/// Matches an operation when any entry of any list matches it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Tags, exactly as the spec writes them.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Path templates as globs: `*` stays within one segment, `**` spans segments (`/admin/**`).
    #[serde(default)]
    pub paths: Vec<String>,
    /// HTTP methods (`GET`, `DELETE`, …).
    #[serde(default)]
    pub methods: Vec<String>,
    /// operationIds as globs (`list*`).
    #[serde(default)]
    pub operations: Vec<String>,
}

impl Filter {
    fn is_empty(&self) -> bool {
        self.tags.is_empty()
            && self.paths.is_empty()
            && self.methods.is_empty()
            && self.operations.is_empty()
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolOverride {
    /// The tool's name (before `tool_prefix`): letters, digits, `_` and `-`.
    pub name: Option<String>,
    /// A human-readable title.
    pub title: Option<String>,
    /// Replaces the description the spec gives.
    pub description: Option<String>,
    /// Appended to the description (after `description`, if both are given).
    pub description_append: Option<String>,
    /// Forces annotation hints; unset ones keep what the HTTP method implies.
    #[serde(default)]
    pub annotations: AnnotationOverrides,
    /// Ask the user before every call (through the client's elicitation).
    #[serde(default)]
    pub confirm: bool,
    /// Upstream timeout for this tool, in seconds (default: the connector's, 30 s).
    #[schemars(range(min = 1))]
    pub timeout_secs: Option<u64>,
    /// Longest response passed to the model, in bytes, for this tool.
    #[schemars(range(min = 1))]
    pub response_limit: Option<usize>,
    /// Which of the operation's request media types to send (default: the one the body's
    /// schema fits best, JSON first).
    pub body_media_type: Option<String>,
    /// How this tool writes arrays in its form body and query (see the connector's).
    pub array_encoding: Option<ArrayEncodingChoice>,
    /// Listed directly even when the connector lists a catalog.
    #[serde(default)]
    pub core: bool,
    /// How clients that render MCP Apps show this tool's results: `off`, `table`, `card`,
    /// `chart`, or a map choosing the kind, the chart's fields, the columns, or an HTML file of
    /// your own (default: chosen from the response schema).
    pub view: Option<ViewOverride>,
    /// The operation may take long: clients that use MCP tasks get a task for each call
    /// (default: when the spec says it answers `202 Accepted`).
    pub long_running: Option<bool>,
    /// How much input schema this tool may show the model (default: the connector's).
    pub schema_budget: Option<SchemaBudget>,
    /// Per-input changes, keyed by parameter name (or its argument name, such as `id__path`)
    /// or by `body.field` (`body.customer.email` for a nested field).
    #[serde(default)]
    pub params: IndexMap<String, ParamOverride>,
}

/// A tool's result view: just its kind, or its details.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ViewOverride {
    Kind(ViewKindChoice),
    Details(ViewDetails),
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ViewKindChoice {
    /// No view: the client shows the text result only.
    Off,
    /// A sortable, filterable table of the records.
    Table,
    /// One record as a list of fields.
    Card,
    /// A line or bar chart of two fields of the records (`x` and `y`).
    Chart,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ChartMark {
    Line,
    Bar,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewDetails {
    /// The kind of view (default: chosen from the response schema; `chart` when `x` and `y` are
    /// given).
    pub kind: Option<ViewKindChoice>,
    /// For a chart: `line` (default) or `bar`.
    pub chart: Option<ChartMark>,
    /// For a chart: the field along the horizontal axis.
    pub x: Option<String>,
    /// For a chart: the numeric field along the vertical axis.
    pub y: Option<String>,
    /// Where the records are in the result, as a JSON pointer (`/data`; `/result` for a
    /// top-level array). Default: found from the response schema.
    pub rows: Option<String>,
    /// The fields shown as columns, in order (default: the records' first eight plain fields).
    pub columns: Option<Vec<String>>,
    /// An HTML file of your own (relative to this file) served as the view instead; it must
    /// declare in `csp` every external origin it loads from or connects to.
    pub html: Option<String>,
    /// What your own HTML needs beyond the view's deny-by-default policy.
    #[serde(default)]
    pub csp: ViewCsp,
}

/// Origins a view of your own may use (MCP Apps `_meta.ui.csp`); none by default.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ViewCsp {
    /// Origins it fetches from or opens sockets to (`https://api.example.com`).
    #[serde(default)]
    pub connect_domains: Vec<String>,
    /// Origins of scripts, styles, images and fonts it loads (`https://cdn.example.com`).
    #[serde(default)]
    pub resource_domains: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AnnotationOverrides {
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParamOverride {
    /// Replaces the input's description.
    pub description: Option<String>,
    /// Shown to the model as the default and sent when the model leaves the input out.
    pub default: Option<Value>,
    /// Always sent with this value; the model never sees the input.
    pub fixed: Option<Value>,
    /// Never shown and never sent (only for inputs the API does not require).
    #[serde(default)]
    pub hidden: bool,
    /// The input's name as the model sees it (the request still uses the spec's name).
    pub rename: Option<String>,
    /// Mirrors the argument into the MCP request's `Mcp-Param-<header>` HTTP header
    /// (`x-mcp-header`), so a gateway can route on it (a tenant, a region) without reading the
    /// body; only for a parameter with a plain value.
    pub header: Option<String>,
}

/// An overrides file, read and parsed, with its text kept for error locations.
#[derive(Debug, Clone)]
pub struct Overrides {
    pub file: String,
    pub text: String,
    pub spec: OverridesFile,
}

impl Overrides {
    /// Reads and parses `path` (YAML or JSON).
    pub fn read(path: &std::path::Path) -> Result<Overrides> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Error::Read {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Overrides::parse(&file, &text)
    }

    /// Parses `text`, read from `file`.
    pub fn parse(file: &str, text: &str) -> Result<Overrides> {
        let value = if text.trim().is_empty() {
            Value::Object(Default::default())
        } else {
            crate::load::parse(file, text)?
        };
        let spec: OverridesFile = serde_path_to_error::deserialize(&value).map_err(|e| {
            let path: Vec<String> = e
                .path()
                .iter()
                .filter_map(|s| match s {
                    serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                    serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                    _ => None,
                })
                .collect();
            let overrides = Overrides {
                file: file.into(),
                text: text.into(),
                spec: OverridesFile::default(),
            };
            let place = if path.is_empty() {
                String::new()
            } else {
                format!("`{}`: ", path.join("."))
            };
            overrides.error(
                &path.iter().map(String::as_str).collect::<Vec<_>>(),
                format!(
                    "{place}{}; see `mcpgen overrides-schema` for what the file may hold",
                    e.inner()
                ),
            )
        })?;
        Ok(Overrides {
            file: file.into(),
            text: text.into(),
            spec,
        })
    }

    /// The file and the line of the entry at `path` (keys from the top), as findings name it.
    pub fn place(&self, path: &[&str]) -> String {
        match line_of(&self.text, path) {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.clone(),
        }
    }

    /// An error about the entry at `path` (keys from the top), with its line when it can be found.
    pub fn error(&self, path: &[&str], message: String) -> Error {
        Error::Overrides {
            file: self.file.clone(),
            line: line_of(&self.text, path),
            message,
        }
    }
}

/// The line (1-based) of the entry reached by following `path`'s keys, each searched after the
/// previous one. Works for block YAML and for JSON; `None` when a key cannot be found.
fn line_of(text: &str, path: &[&str]) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0;
    let mut found = None;
    for key in path {
        let quoted = [
            format!("{key}:"),
            format!("\"{key}\":"),
            format!("'{key}':"),
            format!("- {key}"),
            format!("- \"{key}\""),
            format!("- '{key}'"),
            format!("\"{key}\""),
        ];
        let at = (from..lines.len()).find(|&i| {
            let line = lines[i].trim_start();
            quoted.iter().any(|q| line.starts_with(q.as_str()))
                || (key.parse::<usize>().is_err() && line.contains(&format!("[{key}")))
        });
        match at {
            Some(i) => {
                found = Some(i + 1);
                from = i;
            }
            None => break,
        }
    }
    found
}

/// The key an operation is known by in the overrides file: its operationId, or `METHOD /path`.
pub fn operation_key(op: &Operation) -> String {
    match &op.operation_id {
        Some(id) => id.clone(),
        None => format!("{} {}", op.method.as_str(), op.path),
    }
}

/// What the overrides say about each operation of the API, checked against it.
#[derive(Debug, Default)]
pub struct Resolution {
    /// Per operation (in API order): whether it becomes a tool.
    pub included: Vec<bool>,
    /// Per operation: the key of its entry in `tools`, if any.
    pub tool: Vec<Option<String>>,
    pub findings: Vec<Finding>,
}

struct FilterMatchers {
    tags: Vec<String>,
    paths: Vec<(String, GlobMatcher)>,
    methods: Vec<Method>,
    operations: Vec<(String, GlobMatcher)>,
}

impl FilterMatchers {
    fn matches(&self, op: &Operation) -> bool {
        self.tags.iter().any(|t| op.tags.contains(t))
            || self.paths.iter().any(|(_, g)| g.is_match(&op.path))
            || self.methods.contains(&op.method)
            || self
                .operations
                .iter()
                .any(|(_, g)| op.operation_id.as_deref().is_some_and(|id| g.is_match(id)))
    }
}

/// Where a filter is in the file, for its errors.
struct FilterSite<'a> {
    overrides: &'a Overrides,
    at: &'a [&'a str],
}

impl FilterSite<'_> {
    fn which(&self) -> String {
        self.at.join(".")
    }

    /// The keys of entry `item` of list `kind`.
    fn place(&self, kind: &str, item: &str) -> Vec<String> {
        self.at
            .iter()
            .map(|s| s.to_string())
            .chain([kind.to_string(), item.to_string()])
            .collect()
    }

    fn error(&self, kind: &str, item: &str, message: String) -> Error {
        let path = self.place(kind, item);
        self.overrides.error(
            &path.iter().map(String::as_str).collect::<Vec<_>>(),
            message,
        )
    }

    fn glob(&self, kind: &str, pattern: &str, literal_separator: bool) -> Result<GlobMatcher> {
        let path = self.place(kind, pattern);
        self.overrides.glob(
            &path.iter().map(String::as_str).collect::<Vec<_>>(),
            pattern,
            literal_separator,
        )
    }

    fn check_tags(&self, tags: &[String], api: &Api) -> Result<()> {
        let which = self.which();
        let mut known_tags: Vec<&str> = api
            .operations
            .iter()
            .flat_map(|o| o.tags.iter().map(String::as_str))
            .collect();
        known_tags.sort();
        known_tags.dedup();
        for tag in tags {
            if !known_tags.contains(&tag.as_str()) {
                let hint = match closest(tag, known_tags.iter().copied()) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None if known_tags.is_empty() => "the spec tags no operation".into(),
                    None => format!("the spec's tags are: {}", known_tags.join(", ")),
                };
                return Err(self.error(
                    "tags",
                    tag,
                    format!(
                        "`{which}.tags`: no operation has the tag `{tag}`; {hint} (fix the tag or remove it)"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn path_matchers(&self, patterns: &[String], api: &Api) -> Result<Vec<(String, GlobMatcher)>> {
        let which = self.which();
        let mut paths = Vec::new();
        for p in patterns {
            let g = self.glob("paths", p, true)?;
            if !api.operations.iter().any(|o| g.is_match(&o.path)) {
                let hint = closest(p, api.operations.iter().map(|o| o.path.as_str()))
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                return Err(self.error(
                    "paths",
                    p,
                    format!("`{which}.paths`: `{p}` matches no path of the spec{hint}"),
                ));
            }
            paths.push((p.clone(), g));
        }
        Ok(paths)
    }

    fn methods(&self, names: &[String]) -> Result<Vec<Method>> {
        let which = self.which();
        names
            .iter()
            .map(|m| {
                Method::parse(&m.to_ascii_lowercase()).ok_or_else(|| {
                    self.error(
                        "methods",
                        m,
                        format!(
                            "`{which}.methods`: `{m}` is not an HTTP method; use GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH or TRACE"
                        ),
                    )
                })
            })
            .collect()
    }

    fn operation_matchers(
        &self,
        patterns: &[String],
        api: &Api,
    ) -> Result<Vec<(String, GlobMatcher)>> {
        let which = self.which();
        let ids = || {
            api.operations
                .iter()
                .filter_map(|op| op.operation_id.as_deref())
        };
        let mut operations = Vec::new();
        for o in patterns {
            let g = self.glob("operations", o, false)?;
            if !ids().any(|id| g.is_match(id)) {
                let hint = closest(o, ids())
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                return Err(self.error(
                    "operations",
                    o,
                    format!("`{which}.operations`: `{o}` matches no operationId of the spec{hint}"),
                ));
            }
            operations.push((o.clone(), g));
        }
        Ok(operations)
    }
}

impl Overrides {
    fn glob(&self, at: &[&str], pattern: &str, literal_separator: bool) -> Result<GlobMatcher> {
        globset::GlobBuilder::new(pattern)
            .literal_separator(literal_separator)
            .build()
            .map(|g: Glob| g.compile_matcher())
            .map_err(|e| self.error(at, format!("`{pattern}` is not a valid glob: {e}")))
    }

    /// The matchers of the filter at `at` (keys from the top of the file), each target checked
    /// against the spec.
    fn filter(&self, at: &[&str], filter: &Filter, api: &Api) -> Result<FilterMatchers> {
        let site = FilterSite {
            overrides: self,
            at,
        };
        site.check_tags(&filter.tags, api)?;
        Ok(FilterMatchers {
            tags: filter.tags.clone(),
            paths: site.path_matchers(&filter.paths, api)?,
            methods: site.methods(&filter.methods)?,
            operations: site.operation_matchers(&filter.operations, api)?,
        })
    }

    /// The file's toolsets, every target checked against `api`.
    pub fn toolsets(&self, api: &Api) -> Result<Vec<DeclaredToolset>> {
        let mut out = Vec::new();
        for (name, toolset) in &self.spec.connector.toolsets {
            let at = ["connector", "toolsets", name.as_str(), "include"];
            if toolset.include.is_empty() {
                return Err(self.error(
                    &at[..3],
                    format!("`connector.toolsets.{name}`: say which operations it holds with `include` (tags, paths, methods or operations)"),
                ));
            }
            let matchers = self.filter(&at, &toolset.include, api)?;
            let members = (0..api.operations.len())
                .filter(|&i| matchers.matches(&api.operations[i]))
                .collect();
            out.push(DeclaredToolset {
                name: name.clone(),
                description: toolset.description.clone(),
                operations: members,
            });
        }
        Ok(out)
    }

    /// Checks every target against `api` and decides which operations become tools. With
    /// `lenient`, entries for operations the spec lacks are skipped with a warning (`mcpgen diff`
    /// applies one file to two versions of a spec).
    pub fn resolve(&self, api: &Api, lenient: bool) -> Result<Resolution> {
        let spec = &self.spec;
        let include = self.filter(&["include"], &spec.include, api);
        let exclude = self.filter(&["exclude"], &spec.exclude, api);
        let (include, exclude) = if lenient {
            (include.ok(), exclude.ok())
        } else {
            (Some(include?), Some(exclude?))
        };
        let mut resolution = Resolution::default();
        for op in &api.operations {
            let included =
                spec.include.is_empty() || include.as_ref().is_some_and(|f| f.matches(op));
            let excluded = exclude.as_ref().is_some_and(|f| f.matches(op));
            resolution.included.push(included && !excluded);
            resolution.tool.push(None);
        }

        let keys: Vec<String> = api.operations.iter().map(operation_key).collect();
        for key in spec.tools.keys() {
            let found = keys
                .iter()
                .position(|k| k == key)
                .or_else(|| method_path_match(api, key));
            match found {
                Some(i) => {
                    if let Some(previous) = &resolution.tool[i] {
                        return Err(self.error(
                            &["tools", key],
                            format!(
                                "`tools.{key}` and `tools.{previous}` name the same operation; merge them into one entry"
                            ),
                        ));
                    }
                    if !resolution.included[i] {
                        resolution.findings.push(Finding::warning(
                            self.place(&["tools", key]),
                            format!(
                                "`tools.{key}` changes an operation that include/exclude leave out"
                            ),
                        ));
                    }
                    resolution.tool[i] = Some(key.clone());
                }
                None if lenient => resolution.findings.push(Finding::warning(
                    self.place(&["tools", key]),
                    format!("`tools.{key}` names no operation of this spec; skipped"),
                )),
                None => {
                    let hint = closest(key, keys.iter().map(String::as_str))
                        .map(|c| format!("did you mean `{c}`?"))
                        .unwrap_or_else(|| {
                            "keys are operationIds or `METHOD /path` (see `mcpgen inspect`)".into()
                        });
                    return Err(self.error(
                        &["tools", key],
                        format!("`tools.{key}`: the spec has no operation `{key}`; {hint}"),
                    ));
                }
            }
        }

        if !lenient && !resolution.included.iter().any(|&i| i) {
            return Err(self.error(
                &["include"],
                "include/exclude leave no operation to become a tool; loosen them".into(),
            ));
        }
        // Two entries renaming to one name is caught here, before naming, with both keys.
        let mut renamed: BTreeMap<&str, &str> = BTreeMap::new();
        for (key, tool) in &spec.tools {
            if let Some(name) = &tool.name
                && let Some(other) = renamed.insert(name, key)
            {
                return Err(self.error(
                    &["tools", key, "name"],
                    format!(
                        "`tools.{key}.name` and `tools.{other}.name` are both `{name}`; tool names must be unique, so rename one of them"
                    ),
                ));
            }
        }
        Ok(resolution)
    }
}

/// `GET /orders/{id}` as a key also finds an operation that has an operationId.
fn method_path_match(api: &Api, key: &str) -> Option<usize> {
    let (method, path) = key.split_once(' ')?;
    let method = Method::parse(&method.to_ascii_lowercase())?;
    api.operations
        .iter()
        .position(|o| o.method == method && o.path == path.trim())
}

/// The JSON Schema of the overrides file, for editors (`mcpgen overrides-schema`).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(OverridesFile);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_found_by_following_keys() {
        let yaml =
            "connector:\n  name: x\ntools:\n  listOrders:\n    name: a\n  getOrder:\n    name: b\n";
        assert_eq!(line_of(yaml, &["tools", "getOrder", "name"]), Some(7));
        assert_eq!(line_of(yaml, &["tools", "listOrders"]), Some(4));
        let json = "{\n  \"tools\": {\n    \"getOrder\": {\n      \"confirm\": 3\n    }\n  }\n}";
        assert_eq!(line_of(json, &["tools", "getOrder", "confirm"]), Some(4));
        let list = "exclude:\n  tags:\n    - internal\n    - admin\n";
        assert_eq!(line_of(list, &["exclude", "tags", "admin"]), Some(4));
    }

    #[test]
    fn unknown_keys_name_the_line_and_the_key() {
        let e = Overrides::parse("o.yaml", "tools:\n  listOrders:\n    descripton: x\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("o.yaml:3: `tools.listOrders.descripton`"),
            "{e}"
        );
        assert!(e.contains("unknown field `descripton`"), "{e}");
        assert!(e.contains("`description`"), "{e}");
    }

    #[test]
    fn wrong_types_name_the_line() {
        let e = Overrides::parse("o.yaml", "tools:\n  a:\n    confirm: maybe\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("o.yaml:3: `tools.a.confirm`"), "{e}");
        assert!(e.contains("expected a boolean"), "{e}");
    }
}
