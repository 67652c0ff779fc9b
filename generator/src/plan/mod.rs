//! Tool planning: each IR operation becomes one tool — its name, description, input schema
//! (self-contained, no `$ref`), annotations, and the request plan the runtime follows.
//!
//! The steps, each a module: [`customise`] checks the connector-wide options and resolves the
//! overrides file; names are assigned ([`crate::naming`]); [`tool`] plans each operation from the
//! spec alone (building its inputs with [`inputs`], naming its arguments with [`args`]); [`customise`] then applies the file's entry
//! to it ([`empty`] having removed a body that carries nothing), and [`budget`] fits its schema
//! within the tool's schema budget and [`validity`] makes it valid where the spec is not;
//! [`audit`] makes sure each tool says what it does; [`connector`] plans the connector and
//! its security schemes; [`catalog`] decides how `tools/list` presents them.

pub mod args;
pub mod audit;
pub mod budget;
pub mod catalog;
pub mod connector;
pub mod customise;
pub mod empty;
pub mod inputs;
pub mod tool;
pub mod validity;
pub mod view;

use serde::Serialize;
use serde_json::Value;

use crate::error::Result;
use crate::findings::Finding;
use crate::ir::{
    Api, ApiServer, ArrayEncoding, FileContent, Location, Method, SchemeKind, SecurityRequirement,
    Style,
};
use crate::lock::Lock;
use crate::naming::{self, NameSource};
use crate::overrides::{self, Overrides};
pub use customise::connector_name;
use customise::{Customisation, Settings};

/// What planning needs besides the IR.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// The connector's name (binary and crate); else the overrides file's; else from the title.
    pub name: Option<String>,
    /// The longest tool name allowed (clients that prefix names need less than 64); else the
    /// overrides file's; else 64.
    pub max_name_len: Option<usize>,
    pub overrides: Option<Overrides>,
    /// The previous generation's lock: its tool names are kept where still valid.
    pub lock: Lock,
    /// Skip overrides for operations the spec lacks instead of failing (for `mcpgen diff`).
    pub lenient: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub connector: ConnectorPlan,
    pub tools: Vec<ToolPlan>,
    /// The document's findings first, then each tool's in tool order.
    pub findings: Vec<Finding>,
}

impl Plan {
    /// Tool names (before the prefix) by operation key, for `mcpgen.lock`. Names the overrides
    /// file chose are left out: removing the rename must bring the spec's name back.
    pub fn lock_names(&self) -> std::collections::BTreeMap<String, String> {
        self.names(false)
    }

    /// Tool names the overrides file chose (before the prefix), by operation key.
    pub fn chosen_names(&self) -> std::collections::BTreeMap<String, String> {
        self.names(true)
    }

    fn names(&self, chosen: bool) -> std::collections::BTreeMap<String, String> {
        self.tools
            .iter()
            .filter(|t| t.name_chosen == chosen)
            .map(|t| {
                let name = t
                    .name
                    .strip_prefix(&self.connector.tool_prefix)
                    .unwrap_or(&t.name);
                (t.key.clone(), name.to_string())
            })
            .collect()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ConnectorPlan {
    /// Crate and binary name, kebab-case.
    pub name: String,
    /// UPPER_SNAKE_CASE prefix of every environment variable.
    pub env_prefix: String,
    pub title: String,
    pub version: String,
    pub description: String,
    pub instructions: String,
    pub servers: Vec<ApiServer>,
    pub security_schemes: Vec<SchemePlan>,
    /// Put in front of every tool name by the overrides file.
    pub tool_prefix: String,
    /// How `tools/list` presents the tools, and why.
    pub listing: catalog::ListingPlan,
    /// The PNG the overrides file names, read and checked.
    #[serde(skip)]
    pub icon: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SchemePlan {
    pub key: String,
    pub kind: SchemeKind,
    pub description: Option<String>,
    /// What the runtime does with it.
    pub auth: AuthPlan,
    pub env: Vec<EnvVar>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AuthPlan {
    ApiKey {
        name: String,
        location: Location,
    },
    Basic,
    Bearer,
    /// Any other `http` scheme: `Authorization: <scheme> <value>`.
    Http {
        scheme: String,
    },
    OAuth2ClientCredentials {
        token_url: String,
    },
    /// A ready access token from the environment (user flows and OpenID Connect), refreshed
    /// with a refresh token at `refresh_url` when the spec offers one.
    AccessToken {
        refresh_url: Option<String>,
    },
    Unsupported {
        reason: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvVar {
    pub name: String,
    pub description: String,
    pub secret: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ToolPlan {
    pub name: String,
    /// How the overrides file and the lock name the operation: operationId, or `METHOD /path`.
    pub key: String,
    /// The overrides file gave the name.
    pub name_chosen: bool,
    pub title: Option<String>,
    pub description: String,
    pub input_schema: Value,
    pub method: Method,
    pub path: String,
    pub operation_id: Option<String>,
    pub tags: Vec<String>,
    pub params: Vec<ParamPlan>,
    pub body: Option<BodyPlan>,
    pub security: Vec<SecurityRequirement>,
    pub annotations: Annotations,
    pub servers: Vec<ApiServer>,
    /// Ask the user before each call.
    pub confirm: bool,
    pub timeout_secs: Option<u64>,
    pub response_limit: Option<usize>,
    /// Values the runtime puts into the arguments after validating them.
    pub presets: Vec<PresetPlan>,
    /// How arrays are written in form bodies and queries, when the overrides file chooses.
    pub array_encoding: Option<ArrayEncoding>,
    /// What a successful call returns, in a line.
    pub returns: String,
    /// Listed directly even when the connector lists a catalog.
    pub core: bool,
    /// How clients that render MCP Apps show its results.
    pub view: Option<view::ViewPlan>,
    /// Calls run as tasks for clients that use them.
    pub long_running: bool,
}

/// A value from the overrides file: `fixed` always replaces what is there, a default fills a gap.
#[derive(Debug, Clone, Serialize)]
pub struct PresetPlan {
    /// The argument (a parameter's argument name, or `body`).
    pub arg: String,
    /// Field names inside the argument (wire names), for body fields.
    pub path: Vec<String>,
    pub value: Value,
    pub fixed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParamPlan {
    /// The argument's name in the input schema.
    pub arg: String,
    /// The parameter's name on the wire.
    pub name: String,
    pub location: Location,
    pub style: Style,
    pub explode: bool,
    pub allow_reserved: bool,
    pub required: bool,
    pub media_type: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BodyPlan {
    pub media_type: String,
    pub required: bool,
    /// How each field of a form or multipart body goes on the wire (the spec's `encoding`, and
    /// every multipart file field).
    pub encoding: Vec<BodyFieldPlan>,
    /// Top-level body fields renamed by the overrides file: (argument's name, wire name).
    pub renames: Vec<(String, String)>,
}

/// One field of a form or multipart body, as it goes on the wire.
#[derive(Debug, Clone, Serialize)]
pub struct BodyFieldPlan {
    /// The field's wire name.
    pub field: String,
    /// The part's `Content-Type`; for a file, the file's media type.
    pub content_type: Option<String>,
    pub style: Option<Style>,
    pub explode: Option<bool>,
    pub allow_reserved: bool,
    /// The field carries file content, given as this: a multipart file part.
    pub file: Option<FileContent>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Annotations {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
}

impl Annotations {
    pub fn for_method(method: Method) -> Annotations {
        let (read_only, destructive, idempotent) = match method {
            Method::Get | Method::Head | Method::Options | Method::Trace => (true, false, true),
            Method::Post => (false, false, false),
            Method::Put => (false, true, true),
            Method::Patch => (false, true, false),
            Method::Delete => (false, true, true),
        };
        Annotations {
            read_only,
            destructive,
            idempotent,
            open_world: true,
        }
    }
}

/// Plans the connector for `api`: see the module's documentation for the steps.
pub fn plan(api: &Api, options: &PlanOptions) -> Result<Plan> {
    let settings = Settings::check(api, options)?;
    let mut findings = api.findings.clone();
    let security_schemes = connector::security_schemes(api, &settings.env, &mut findings);
    let custom = Customisation::resolve(api, options, &settings)?;
    findings.extend(custom.findings().iter().cloned());
    let names = assign_names(api, &custom, &options.lock, settings.budget);
    // The connector's budget is checked even when no tool is planned with it.
    budget::limits(
        options.overrides.as_ref(),
        custom.connector().schema_budget.as_ref(),
        None,
    )?;
    let defs = crate::inline::Defs::new(&api.schemas);
    let mut repairer = validity::Repairer::default();
    let mut tools = Vec::with_capacity(names.len());
    let operations: Vec<usize> = names.iter().map(|(i, _)| *i).collect();
    for (i, name) in names {
        let op = &api.operations[i];
        let (content, guess) = custom.body_content(api, i)?;
        let name = format!("{}{name}", settings.tool_prefix);
        let limits = custom.schema_limits(i)?;
        let inlining = crate::inline::Inlining {
            defs: &defs,
            limits,
        };
        let mut draft = tool::plan_tool(op, name, content, &inlining);
        empty::drop_empty_body(&mut draft);
        audit::describe_from_responses(op, &mut draft);
        let mut tool_findings: Vec<Finding> = op.findings.clone();
        tool_findings.extend(guess.map(|message| Finding::warning(op_place(api, op), message)));
        custom.apply(i, &mut draft, &mut tool_findings)?;
        let place = op_place(api, op);
        tool_findings.extend(budget::fit(&mut draft.inputs, limits, &place));
        tool_findings.extend(repairer.repair(&mut draft.inputs, &place));
        tool_findings.extend(audit::hollow(op, &draft, &op_place(api, op)));
        draft.tool.array_encoding = custom.array_encoding(i);
        draft.tool.returns = catalog::returns(api, op);
        draft.tool.core = custom.core(i);
        let title = draft
            .tool
            .title
            .clone()
            .unwrap_or_else(|| draft.tool.name.clone());
        draft.tool.view = view::plan_view(api, op, &draft.tool.name, &title, custom.view(i))?;
        draft.tool.long_running = custom
            .long_running(i)
            .unwrap_or_else(|| op.responses.iter().any(|r| r.status == "202"));
        draft.tool.key = overrides::operation_key(op);
        draft.tool.name_chosen = custom.chosen_name(i).is_some();
        let tool = draft.finish();
        findings.extend(tool_findings.into_iter().map(|f| f.for_tool(&tool.name)));
        tools.push(tool);
    }
    let listing = catalog::listing(api, &tools, &operations, options.overrides.as_ref())?;
    let icon = match &options.overrides {
        Some(o) => connector::icon(o)?,
        None => None,
    };
    let mut connector =
        connector::connector_plan(api, custom.connector(), settings, security_schemes, listing);
    connector.icon = icon;
    Ok(Plan {
        connector,
        tools,
        findings,
    })
}

/// Where an operation is, as findings name places.
fn op_place(api: &Api, op: &crate::ir::Operation) -> String {
    format!("{}#{}", api.source, op.pointer)
}

/// Each included operation (by index) with its tool name before the prefix: the overrides
/// file's choice, else the lock's, else one made from the operation.
fn assign_names(
    api: &Api,
    custom: &Customisation,
    lock: &Lock,
    budget: usize,
) -> Vec<(usize, String)> {
    let included: Vec<usize> = (0..api.operations.len())
        .filter(|&i| custom.included(i))
        .collect();
    let keys: Vec<String> = included
        .iter()
        .map(|&i| overrides::operation_key(&api.operations[i]))
        .collect();
    let sources: Vec<NameSource> = included
        .iter()
        .zip(&keys)
        .map(|(&i, key)| {
            let op = &api.operations[i];
            NameSource {
                operation_id: op.operation_id.as_deref(),
                method: op.method,
                path: &op.path,
                chosen: custom.chosen_name(i),
                locked: lock.tools.get(key).map(String::as_str),
            }
        })
        .collect();
    included
        .into_iter()
        .zip(naming::assign(&sources, budget))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_follow_http_semantics() {
        let get = Annotations::for_method(Method::Get);
        assert!(get.read_only && !get.destructive);
        let post = Annotations::for_method(Method::Post);
        assert!(!post.read_only && !post.destructive && !post.idempotent);
        let put = Annotations::for_method(Method::Put);
        assert!(put.destructive && put.idempotent);
        let patch = Annotations::for_method(Method::Patch);
        assert!(patch.destructive && !patch.idempotent);
        let delete = Annotations::for_method(Method::Delete);
        assert!(delete.destructive && delete.idempotent && delete.open_world);
    }
}
