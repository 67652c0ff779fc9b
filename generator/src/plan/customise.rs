//! The customise stage: the overrides file applied to the planned tools, and checked against
//! them. It decides up front what planning needs (the connector's name and limits, which
//! operations become tools, the names the user chose, a body media type the user picked), then
//! edits each planned tool: text, annotations, settings, and its inputs — hidden, fixed,
//! defaulted, described or renamed, parameters and body fields alike.

use mcpgen_contract::env::EnvNames;
use serde_json::Value;

use super::inputs::{InputSchema, ObjectView};
use super::tool::{ToolDraft, choose_content};
use super::{PlanOptions, PresetPlan, ToolPlan};
use crate::error::{Error, Result};
use crate::findings::Finding;
use crate::ir::{Api, Content};
use crate::naming;
use crate::overrides::{self, ConnectorOverrides, Overrides, ParamOverride, ToolOverride};
use crate::util::closest;

/// The connector-wide choices, checked: its name and the room tool names have.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Crate and binary name, kebab-case.
    pub name: String,
    /// Put in front of every tool name.
    pub tool_prefix: String,
    /// The longest tool name before the prefix.
    pub budget: usize,
    /// The connector's environment variable names.
    pub env: EnvNames,
}

impl Settings {
    /// The name and name lengths from the command line, else the overrides file, else defaults.
    pub fn check(api: &Api, options: &PlanOptions) -> Result<Settings> {
        let wide = options
            .overrides
            .as_ref()
            .map(|o| &o.spec.connector)
            .cloned()
            .unwrap_or_default();
        let max_name_len = options
            .max_name_len
            .or(wide.max_name_len)
            .unwrap_or(naming::DEFAULT_BUDGET);
        if !(16..=64).contains(&max_name_len) {
            return Err(Error::Option(format!(
                "--max-name-len {max_name_len}: choose a length from 16 to 64"
            )));
        }
        let name = match options.name.clone().or(wide.name.clone()) {
            Some(name) => name,
            None => connector_name(&api.info.title),
        };
        check_name(&name)?;
        let tool_prefix = wide.tool_prefix.clone().unwrap_or_default();
        if let Some(o) = &options.overrides
            && !tool_prefix.is_empty()
            && !naming::is_valid(&tool_prefix, max_name_len - 8)
        {
            return Err(o.error(
                &["connector", "tool_prefix"],
                format!(
                    "`connector.tool_prefix` `{tool_prefix}`: use letters, digits, `_` and `-`, at most {} characters",
                    max_name_len - 8
                ),
            ));
        }
        Ok(Settings {
            env: EnvNames::for_connector(&name),
            budget: max_name_len - tool_prefix.len(),
            name,
            tool_prefix,
        })
    }
}

/// Words of a title that say nothing about which API it is.
const FILLER_WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "of",
    "for",
    "and",
    "s",
    "api",
    "apis",
    "rest",
    "restful",
    "http",
    "json",
    "openapi",
    "open",
    "swagger",
    "spec",
    "specification",
    "official",
    "public",
    "extension",
    "definition",
    "description",
    "documentation",
    "docs",
    "reference",
    "v1",
    "v2",
    "v3",
    "v4",
];

/// The connector name a spec title gives: its first two words that say which API it is,
/// lowercase, joined by `-` (`GitHub's official OpenAPI spec + Octokit extension` →
/// `github-octokit`, `Orders Service` → `orders-service`); `connector` when none is left.
pub fn connector_name(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::to_ascii_lowercase)
        .filter(|w| !w.is_empty() && !FILLER_WORDS.contains(&w.as_str()))
        .take(2)
        .collect();
    let name = words.join("-");
    let name = match name.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => name,
        Some(_) => format!("api-{name}"),
        None => "connector".into(),
    };
    // A title of one reserved word (`Test API`) still makes a buildable crate.
    if RESERVED_NAMES.contains(&name.as_str()) {
        format!("{name}-api")
    } else {
        name
    }
}

/// Names a connector crate cannot take: Rust keywords and the standard crates (a crate name is
/// an identifier), Cargo's own directories in `target/debug` (the binary would collide with
/// them), names Windows reserves for devices, and mcpgen's own crates (the connector depends on
/// them).
const RESERVED_NAMES: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "gen",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "std",
    "core",
    "alloc",
    "proc_macro",
    "proc-macro",
    "test",
    "build",
    "deps",
    "examples",
    "incremental",
    "con",
    "prn",
    "aux",
    "nul",
    "com1",
    "com2",
    "com3",
    "com4",
    "com5",
    "com6",
    "com7",
    "com8",
    "com9",
    "lpt1",
    "lpt2",
    "lpt3",
    "lpt4",
    "lpt5",
    "lpt6",
    "lpt7",
    "lpt8",
    "lpt9",
    "mcpgen",
    "mcpgen-runtime",
    "mcpgen_runtime",
    "mcpgen-contract",
    "mcpgen_contract",
];

fn check_name(name: &str) -> Result<()> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && name.len() <= 64;
    if !valid {
        return Err(Error::Option(format!(
            "--name `{name}`: use lowercase letters, digits, `-` and `_`, starting with a letter (e.g. `orders-service`)"
        )));
    }
    if RESERVED_NAMES.contains(&name) {
        return Err(Error::Option(format!(
            "--name `{name}`: Cargo cannot build a crate of that name (it is reserved by Rust, Cargo, Windows or mcpgen); choose another, e.g. `{name}-api`"
        )));
    }
    Ok(())
}

/// What the overrides file asks of each operation, resolved against the API and checked.
pub struct Customisation<'a> {
    overrides: Option<&'a Overrides>,
    resolution: overrides::Resolution,
    /// `mcpgen diff` applies one file to an older spec: entries it lacks are skipped, not errors.
    lenient: bool,
}

impl<'a> Customisation<'a> {
    /// Resolves the file's targets and checks the tool names it chooses.
    pub fn resolve(
        api: &Api,
        options: &'a PlanOptions,
        settings: &Settings,
    ) -> Result<Customisation<'a>> {
        let overrides = options.overrides.as_ref();
        let resolution = match overrides {
            Some(o) => o.resolve(api, options.lenient)?,
            None => overrides::Resolution {
                included: vec![true; api.operations.len()],
                tool: vec![None; api.operations.len()],
                findings: Vec::new(),
            },
        };
        let custom = Customisation {
            overrides,
            resolution,
            lenient: options.lenient,
        };
        custom.check_chosen_names(api, settings)?;
        Ok(custom)
    }

    /// What the file says about the whole connector.
    pub fn connector(&self) -> ConnectorOverrides {
        self.overrides
            .map(|o| o.spec.connector.clone())
            .unwrap_or_default()
    }

    pub fn findings(&self) -> &[Finding] {
        &self.resolution.findings
    }

    /// Whether operation `i` becomes a tool.
    pub fn included(&self, i: usize) -> bool {
        self.resolution.included[i]
    }

    /// The file's entry for operation `i`, with its key.
    fn entry(&self, i: usize) -> Option<(&'a Overrides, &str, &'a ToolOverride)> {
        let o = self.overrides?;
        let key = self.resolution.tool[i].as_deref()?;
        Some((o, key, o.spec.tools.get(key)?))
    }

    /// The array convention for operation `i`: its entry's, else the connector's.
    pub fn array_encoding(&self, i: usize) -> Option<crate::ir::ArrayEncoding> {
        self.entry(i)
            .and_then(|(_, _, t)| t.array_encoding)
            .or_else(|| self.overrides?.spec.connector.array_encoding)
            .map(Into::into)
    }

    /// The file's view entry for operation `i`, with the file and the entry's key.
    pub fn view(&self, i: usize) -> Option<(&'a Overrides, &'a str, &'a overrides::ViewOverride)> {
        let o = self.overrides?;
        let key = self.resolution.tool[i].as_deref()?;
        let (key, entry) = o.spec.tools.get_key_value(key)?;
        Some((o, key.as_str(), entry.view.as_ref()?))
    }

    /// Whether the file says operation `i` takes long (or not), overriding the spec's 202.
    pub fn long_running(&self, i: usize) -> Option<bool> {
        self.entry(i).and_then(|(_, _, t)| t.long_running)
    }

    /// Whether the file pins operation `i`'s tool next to the catalog.
    pub fn core(&self, i: usize) -> bool {
        self.entry(i).is_some_and(|(_, _, t)| t.core)
    }

    /// The schema budget of operation `i`'s tool: its entry's, else the connector's, else the
    /// defaults ([`super::budget`]).
    pub fn schema_limits(&self, i: usize) -> Result<crate::inline::Limits> {
        let connector = self
            .overrides
            .and_then(|o| o.spec.connector.schema_budget.as_ref());
        let tool = self
            .entry(i)
            .and_then(|(_, key, t)| Some((key, t.schema_budget.as_ref()?)));
        super::budget::limits(self.overrides, connector, tool)
    }

    /// The tool name the file chooses for operation `i`.
    pub fn chosen_name(&self, i: usize) -> Option<&'a str> {
        self.entry(i).and_then(|(_, _, t)| t.name.as_deref())
    }

    /// Chosen names must be valid and must not take another tool's natural name (which would
    /// silently rename that tool).
    fn check_chosen_names(&self, api: &Api, settings: &Settings) -> Result<()> {
        let Settings {
            budget,
            tool_prefix,
            ..
        } = settings;
        for i in 0..api.operations.len() {
            let (Some(new_name), Some((o, key, _))) = (self.chosen_name(i), self.entry(i)) else {
                continue;
            };
            if !naming::is_valid(new_name, *budget) {
                return Err(o.error(
                    &["tools", key, "name"],
                    format!(
                        "`tools.{key}.name` `{new_name}`: a tool name uses letters, digits, `_` and `-`, at most {budget} characters{}",
                        if tool_prefix.is_empty() { String::new() } else { format!(" (with the prefix `{tool_prefix}`)") }
                    ),
                ));
            }
            let taken = api.operations.iter().enumerate().find(|(j, other)| {
                *j != i
                    && self.included(*j)
                    && self.chosen_name(*j).is_none()
                    && other.operation_id.as_deref() == Some(new_name)
            });
            if let Some((_, other)) = taken {
                return Err(o.error(
                    &["tools", key, "name"],
                    format!(
                        "`tools.{key}.name` `{new_name}` is already the name of operation `{}` ({} {}); choose another name or rename that operation too",
                        new_name,
                        other.method.as_str(),
                        other.path
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The body media type for operation `i`: the file's choice (checked against what the spec
    /// offers), else [`choose_content`]'s, with its warning when that choice is a guess.
    pub fn body_content<'api>(
        &self,
        api: &'api Api,
        i: usize,
    ) -> Result<(Option<&'api Content>, Option<String>)> {
        let op = &api.operations[i];
        let body = &op.request_body;
        let Some((o, key, wanted)) = self
            .entry(i)
            .and_then(|(o, key, t)| Some((o, key, t.body_media_type.as_deref()?)))
        else {
            let Some(body) = body else {
                return Ok((None, None));
            };
            let (content, warning) = choose_content(api, body);
            let warning = warning.map(|w| format!("{} {}: {w}", op.method.as_str(), op.path));
            return Ok((content, warning));
        };
        let offered: Vec<&Content> = body.iter().flat_map(|b| &b.contents).collect();
        if let Some(c) = offered
            .iter()
            .find(|c| c.media_type.eq_ignore_ascii_case(wanted))
        {
            return Ok((Some(*c), None));
        }
        let list: Vec<&str> = offered.iter().map(|c| c.media_type.as_str()).collect();
        Err(o.error(
            &["tools", key, "body_media_type"],
            if list.is_empty() {
                format!(
                    "`tools.{key}.body_media_type`: the operation takes no request body; remove the entry"
                )
            } else {
                format!(
                    "`tools.{key}.body_media_type` `{wanted}`: the operation offers {}; pick one of those",
                    list.join(", ")
                )
            },
        ))
    }

    /// Applies the file's entry for operation `i` to its planned tool.
    pub fn apply(
        &self,
        i: usize,
        draft: &mut ToolDraft,
        findings: &mut Vec<Finding>,
    ) -> Result<()> {
        let Some((o, key, t)) = self.entry(i) else {
            return Ok(());
        };
        let tool_name = draft.tool.name.clone();
        let tool = &mut draft.tool;
        apply_text(tool, t);
        apply_settings(tool, o, key, t)?;
        for (input, p) in &t.params {
            let edit = InputEdit { o, key, input, p };
            match edit.apply(tool, &mut draft.inputs) {
                Err(e) if self.lenient => findings.push(
                    Finding::warning(
                        o.place(&["tools", key, "params", input]),
                        format!("{e}; skipped"),
                    )
                    .for_tool(&tool_name),
                ),
                other => other?,
            }
        }
        Ok(())
    }
}

/// Title, description and annotations.
fn apply_text(tool: &mut ToolPlan, t: &ToolOverride) {
    if let Some(title) = &t.title {
        tool.title = Some(title.clone());
    }
    if let Some(description) = &t.description {
        tool.description = description.clone();
    }
    if let Some(more) = &t.description_append {
        tool.description = format!("{}\n\n{more}", tool.description);
    }
    let a = &t.annotations;
    let forced = &mut tool.annotations;
    forced.read_only = a.read_only.unwrap_or(forced.read_only);
    forced.destructive = a.destructive.unwrap_or(forced.destructive);
    forced.idempotent = a.idempotent.unwrap_or(forced.idempotent);
    forced.open_world = a.open_world.unwrap_or(forced.open_world);
}

/// Confirmation, timeout and response limit.
fn apply_settings(tool: &mut ToolPlan, o: &Overrides, key: &str, t: &ToolOverride) -> Result<()> {
    tool.confirm = t.confirm;
    for (what, value) in [
        ("timeout_secs", t.timeout_secs.map(|v| v as usize)),
        ("response_limit", t.response_limit),
    ] {
        if value == Some(0) {
            return Err(o.error(
                &["tools", key, what],
                format!("`tools.{key}.{what}` must be at least 1"),
            ));
        }
    }
    tool.timeout_secs = t.timeout_secs;
    tool.response_limit = t.response_limit;
    Ok(())
}

/// One entry of a tool's `params`: which input it names, and what to do with it.
struct InputEdit<'a> {
    o: &'a Overrides,
    key: &'a str,
    input: &'a str,
    p: &'a ParamOverride,
}

/// Where an entry of `params` points: a parameter (by index) or a field inside the body.
enum Target {
    Param(usize),
    BodyField(Vec<String>),
}

impl InputEdit<'_> {
    fn fail(&self, message: String) -> Error {
        let (key, input) = (self.key, self.input);
        self.o.error(
            &["tools", key, "params", input],
            format!("`tools.{key}.params.{input}`: {message}"),
        )
    }

    fn apply(&self, tool: &mut ToolPlan, inputs: &mut InputSchema) -> Result<()> {
        match self.target(tool, inputs)? {
            Target::Param(i) => self.edit_param(tool, inputs, i),
            Target::BodyField(path) => self.edit_body_field(tool, inputs, &path),
        }
    }

    /// Finds the input by argument name, `body.` path, or the parameter's wire name.
    fn target(&self, tool: &ToolPlan, inputs: &InputSchema) -> Result<Target> {
        let input = self.input;
        if let Some(i) = tool.params.iter().position(|q| q.arg == input) {
            return Ok(Target::Param(i));
        }
        if let Some(field) = input.strip_prefix("body.").filter(|_| tool.body.is_some()) {
            return Ok(Target::BodyField(
                field.split('.').map(str::to_owned).collect(),
            ));
        }
        let by_wire: Vec<usize> = (0..tool.params.len())
            .filter(|&i| tool.params[i].name == input)
            .collect();
        match by_wire.as_slice() {
            [i] => Ok(Target::Param(*i)),
            [] => Err(self.fail(format!(
                "the operation has no input `{input}`; {}",
                self.known_inputs_hint(tool, inputs)
            ))),
            several => {
                let args: Vec<&str> = several
                    .iter()
                    .map(|&i| tool.params[i].arg.as_str())
                    .collect();
                Err(self.fail(format!(
                    "`{input}` is the name of several parameters; use the argument name: {}",
                    args.join(" or ")
                )))
            }
        }
    }

    /// "did you mean …" for an input that does not exist.
    fn known_inputs_hint(&self, tool: &ToolPlan, inputs: &InputSchema) -> String {
        let mut known: Vec<String> = Vec::new();
        for q in &tool.params {
            known.push(q.arg.clone());
            if q.name != q.arg {
                known.push(q.name.clone());
            }
        }
        if let Some(Value::Object(fields)) = inputs.get("body").and_then(|b| b.get("properties")) {
            known.extend(fields.keys().map(|f| format!("body.{f}")));
        }
        match closest(self.input, known.iter().map(String::as_str)) {
            Some(c) => format!("did you mean `{c}`?"),
            None if known.is_empty() => "the operation has no inputs".into(),
            None => format!("its inputs are: {}", known.join(", ")),
        }
    }

    fn preset(&self, arg: &str, path: &[String], value: &Value, fixed: bool) -> PresetPlan {
        PresetPlan {
            arg: arg.to_string(),
            path: path.to_vec(),
            value: value.clone(),
            fixed,
        }
    }

    fn edit_param(&self, tool: &mut ToolPlan, inputs: &mut InputSchema, i: usize) -> Result<()> {
        let p = self.p;
        let arg = tool.params[i].arg.clone();
        let Some(schema) = inputs.get_mut(&arg) else {
            return Err(self.fail(format!("`{arg}` is not an input of the tool")));
        };
        self.edit_schema(schema)?;
        if let Some(value) = &p.default {
            tool.presets.push(self.preset(&arg, &[], value, false));
        }
        if let Some(value) = &p.fixed {
            inputs.remove(&arg);
            tool.presets.push(self.preset(&arg, &[], value, true));
        } else if p.hidden {
            if tool.params[i].required {
                return Err(self.fail(format!(
                    "the API requires `{}`, so it cannot be hidden; give it a `fixed` value instead",
                    self.input
                )));
            }
            inputs.remove(&arg);
            tool.params.remove(i);
        } else if let Some(new) = &p.rename {
            self.check_new_name(new)?;
            if !inputs.rename(&arg, new) {
                return Err(self.taken(new));
            }
            tool.params[i].arg = new.clone();
            for preset in tool.presets.iter_mut().filter(|x| x.arg == arg) {
                preset.arg = new.clone();
            }
        }
        if let Some(header) = &p.header {
            let name = p.rename.clone().unwrap_or(arg);
            self.mirror_header(inputs, &name, header)?;
        }
        Ok(())
    }

    /// Marks argument `name` as mirrored into `Mcp-Param-<header>`: a visible argument with a
    /// plain value, under a header name no other argument of the tool uses.
    fn mirror_header(&self, inputs: &mut InputSchema, name: &str, header: &str) -> Result<()> {
        let token = !header.is_empty()
            && header.len() <= 64
            && header
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !token {
            return Err(self.fail(format!(
                "`header: {header}` is not a header name; use letters, digits and `-` (such as `Tenant-Id`)"
            )));
        }
        let taken = inputs.arguments().any(|(other, schema)| {
            other != name
                && schema
                    .get("x-mcp-header")
                    .and_then(Value::as_str)
                    .is_some_and(|h| h.eq_ignore_ascii_case(header))
        });
        if taken {
            return Err(self.fail(format!(
                "another input of the tool already mirrors `Mcp-Param-{header}`"
            )));
        }
        let Some(schema) = inputs.get_mut(name) else {
            return Err(self.fail(
                "a fixed or hidden input is not sent by the client, so it cannot be mirrored into a header".into(),
            ));
        };
        let plain = ["string", "integer", "number", "boolean"]
            .iter()
            .any(|t| schema.get("type").and_then(Value::as_str) == Some(*t));
        if !plain {
            return Err(self.fail(
                "only a string, number or boolean input can be mirrored into a header".into(),
            ));
        }
        if let Value::Object(map) = schema {
            map.insert("x-mcp-header".into(), Value::String(header.to_string()));
        }
        Ok(())
    }

    fn edit_body_field(
        &self,
        tool: &mut ToolPlan,
        inputs: &mut InputSchema,
        path: &[String],
    ) -> Result<()> {
        let p = self.p;
        if p.header.is_some() {
            return Err(self.fail(
                "`header` mirrors a parameter; a body field cannot be mirrored into a header"
                    .into(),
            ));
        }
        let Some((field, parents)) = path.split_last() else {
            return Err(self.fail("name a body field after `body.`".into()));
        };
        let Some(body_schema) = inputs.get_mut("body") else {
            return Err(self.fail("the operation takes no request body".into()));
        };
        let top_fields: Vec<String> = ObjectView::at(body_schema, &[])
            .map(|v| v.names().iter().map(|k| format!("body.{k}")).collect())
            .unwrap_or_default();
        if let Some(n) = super::budget::placeholder_on(body_schema, parents) {
            let shown = ["body"]
                .into_iter()
                .chain(parents[..n].iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(".");
            return Err(self.fail(format!(
                "`{shown}` is shown as a placeholder to keep the tool's schema within its budget, so `body.{}` is not an input; raise `tools.{}.schema_budget` (`max_depth`, `max_bytes`) to show it",
                path.join("."),
                self.key
            )));
        }
        let Some(mut parent) = ObjectView::at(body_schema, parents).filter(|v| v.contains(field))
        else {
            let hint = match closest(self.input, top_fields.iter().map(String::as_str)) {
                Some(c) => format!("did you mean `{c}`?"),
                None if top_fields.is_empty() => "the body has no named fields".into(),
                None => format!("its fields are: {}", top_fields.join(", ")),
            };
            return Err(self.fail(format!(
                "the request body has no field `{}`; {hint}",
                path.join(".")
            )));
        };
        let field_required = parent.is_required(field);
        if let Some(schema) = parent.get_mut(field) {
            self.edit_schema(schema)?;
        }
        if let Some(value) = &p.default {
            tool.presets.push(self.preset("body", path, value, false));
        }
        let remove = p.fixed.is_some() || p.hidden;
        if p.fixed.is_none() && p.hidden && field_required {
            return Err(self.fail(format!(
                "the API requires body field `{}`, so it cannot be hidden; give it a `fixed` value instead",
                path.join(".")
            )));
        }
        if remove {
            parent.remove(field);
        }
        if let Some(value) = &p.fixed {
            // The model may now send no body at all; the fixed field still goes out.
            tool.presets.push(self.preset("body", path, value, true));
        } else if let Some(new) = p.rename.as_ref().filter(|_| !remove) {
            if !parents.is_empty() {
                return Err(self.fail("only top-level body fields can be renamed".into()));
            }
            self.check_new_name(new)?;
            if !parent.rename(field, new) {
                return Err(self.taken(new));
            }
            if let Some(b) = &mut tool.body {
                b.renames.push((new.clone(), field.clone()));
            }
        }
        Ok(())
    }

    /// Sets the description and default the entry gives, after checking values against the
    /// input's schema.
    fn edit_schema(&self, schema: &mut Value) -> Result<()> {
        let p = self.p;
        for (what, value) in [("default", &p.default), ("fixed", &p.fixed)] {
            let Some(value) = value else { continue };
            let validator = jsonschema::draft202012::new(schema)
                .map_err(|e| self.fail(format!("the input's schema cannot check values: {e}")))?;
            let problems: Vec<String> = validator
                .iter_errors(value)
                .map(|e| e.to_string())
                .collect();
            if !problems.is_empty() {
                return Err(self.fail(format!(
                    "the {what} value {value} does not fit the input's schema: {}; change the value",
                    problems.join("; ")
                )));
            }
        }
        if p.default.is_some() && p.fixed.is_some() {
            return Err(self.fail("give either `default` or `fixed`, not both".into()));
        }
        if let Value::Object(map) = schema {
            if let Some(d) = &p.description {
                map.insert("description".into(), Value::String(d.clone()));
            }
            if let Some(d) = &p.default {
                map.insert("default".into(), d.clone());
            }
        }
        Ok(())
    }

    fn check_new_name(&self, new: &str) -> Result<()> {
        let valid = !new.is_empty()
            && new.len() <= 64
            && new
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if valid {
            Ok(())
        } else {
            Err(self.fail(format!(
                "`rename` `{new}`: use letters, digits, `_`, `.` and `-`, at most 64 characters"
            )))
        }
    }

    fn taken(&self, new: &str) -> Error {
        self.fail(format!(
            "`rename` `{new}`: the tool already has an input of that name; choose another"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connector_names_come_from_titles() {
        assert_eq!(connector_name("Orders Service"), "orders-service");
        assert_eq!(connector_name("GitHub v3 REST API"), "github");
        assert_eq!(
            connector_name("GitHub's official OpenAPI spec + Octokit extension"),
            "github-octokit"
        );
        assert_eq!(connector_name("Stripe API"), "stripe");
        assert_eq!(connector_name("3D Printing"), "api-3d-printing");
        assert_eq!(connector_name("Ünïcode"), "n-code");
        assert_eq!(connector_name("***"), "connector");
        assert_eq!(connector_name("Test API"), "test-api");
        assert_eq!(
            connector_name("Support for cases where multiple alternate security types are listed"),
            "support-cases"
        );
    }
}
