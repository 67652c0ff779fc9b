//! Tool planning: each IR operation becomes one tool — its name, description, input schema
//! (self-contained, no `$ref`), annotations, and the request plan the runtime follows.

use heck::{ToKebabCase, ToShoutySnakeCase};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::inline::inline;
use crate::ir::*;
use crate::lock::Lock;
use crate::naming::{self, NameSource};
use crate::normalize::media_is_json;
use crate::overrides::{self, Overrides, ToolOverride};

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
    pub warnings: Vec<String>,
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
    pub servers: Vec<Server>,
    pub security_schemes: Vec<SchemePlan>,
    /// Put in front of every tool name by the overrides file.
    pub tool_prefix: String,
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
    pub servers: Vec<Server>,
    /// Ask the user before each call.
    pub confirm: bool,
    pub timeout_secs: Option<u64>,
    pub response_limit: Option<usize>,
    /// Values the runtime puts into the arguments after validating them.
    pub presets: Vec<PresetPlan>,
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
    pub encoding: Vec<FieldEncoding>,
    /// Top-level body fields renamed by the overrides file: (argument's name, wire name).
    pub renames: Vec<(String, String)>,
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

/// The connector name a spec title gives: kebab-case ASCII, starting with a letter.
pub fn connector_name(title: &str) -> String {
    let ascii: String = title
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let mut name = ascii.to_kebab_case();
    // Long titles make unwieldy binary names: keep whole words up to 40 characters.
    while name.len() > 40 {
        match name.rfind('-') {
            Some(i) => name.truncate(i),
            None => name.truncate(40),
        }
    }
    match name.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => name,
        Some(_) => format!("api-{name}"),
        None => "connector".into(),
    }
}

fn check_name(name: &str) -> Result<()> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && name.len() <= 64;
    if valid {
        Ok(())
    } else {
        Err(Error::Option(format!(
            "--name `{name}`: use lowercase letters, digits, `-` and `_`, starting with a letter (e.g. `orders-service`)"
        )))
    }
}

pub fn plan(api: &Api, options: &PlanOptions) -> Result<Plan> {
    let overrides = options.overrides.as_ref();
    let wide = overrides
        .map(|o| o.spec.connector.clone())
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
    if let Some(o) = overrides
        && !tool_prefix.is_empty()
        && (!naming::is_valid(&tool_prefix, max_name_len - 8))
    {
        return Err(o.error(
            &["connector", "tool_prefix"],
            format!(
                "`connector.tool_prefix` `{tool_prefix}`: use letters, digits, `_` and `-`, at most {} characters",
                max_name_len - 8
            ),
        ));
    }
    let budget = max_name_len - tool_prefix.len();
    let env_prefix = name.to_shouty_snake_case();
    let mut warnings = api.warnings.clone();

    let security_schemes = api
        .security_schemes
        .iter()
        .map(|s| scheme_plan(s, &env_prefix))
        .collect::<Vec<_>>();
    for s in &security_schemes {
        if let AuthPlan::Unsupported { reason } = &s.auth {
            warnings.push(format!("security scheme `{}`: {reason}", s.key));
        }
    }

    let resolution = match overrides {
        Some(o) => o.resolve(api, options.lenient)?,
        None => overrides::Resolution {
            included: vec![true; api.operations.len()],
            tool: vec![None; api.operations.len()],
            warnings: Vec::new(),
        },
    };
    warnings.extend(resolution.warnings.iter().cloned());
    let tool_override = |i: usize| -> Option<(&Overrides, &str, &ToolOverride)> {
        let o = overrides?;
        let key = resolution.tool[i].as_deref()?;
        Some((o, key, &o.spec.tools[key]))
    };

    let chosen: Vec<Option<&str>> = (0..api.operations.len())
        .map(|i| tool_override(i).and_then(|(_, _, t)| t.name.as_deref()))
        .collect();
    for i in 0..api.operations.len() {
        if let (Some(new_name), Some((o, key, _))) = (chosen[i], tool_override(i)) {
            if !naming::is_valid(new_name, budget) {
                return Err(o.error(
                    &["tools", key, "name"],
                    format!(
                        "`tools.{key}.name` `{new_name}`: a tool name uses letters, digits, `_` and `-`, at most {budget} characters{}",
                        if tool_prefix.is_empty() { String::new() } else { format!(" (with the prefix `{tool_prefix}`)") }
                    ),
                ));
            }
            // Taking another tool's natural name would silently rename that tool.
            let taken = api.operations.iter().enumerate().find(|(j, other)| {
                *j != i
                    && resolution.included[*j]
                    && chosen[*j].is_none()
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
    }

    let keys: Vec<String> = api
        .operations
        .iter()
        .map(overrides::operation_key)
        .collect();
    let included: Vec<usize> = (0..api.operations.len())
        .filter(|&i| resolution.included[i])
        .collect();
    let sources: Vec<NameSource> = included
        .iter()
        .map(|&i| {
            let op = &api.operations[i];
            NameSource {
                operation_id: op.operation_id.as_deref(),
                method: op.method,
                path: &op.path,
                chosen: chosen[i],
                locked: options.lock.tools.get(&keys[i]).map(String::as_str),
            }
        })
        .collect();
    let names = naming::assign(&sources, budget);

    let mut tools = Vec::with_capacity(included.len());
    for (&i, name) in included.iter().zip(names) {
        let op = &api.operations[i];
        let mut tool = tool_plan(
            api,
            op,
            format!("{tool_prefix}{name}"),
            tool_override(i),
            options.lenient,
            &mut warnings,
        )?;
        tool.key = keys[i].clone();
        tool.name_chosen = chosen[i].is_some();
        tools.push(tool);
    }

    let description = wide.description.clone().unwrap_or_else(|| {
        api.info
            .summary
            .clone()
            .or_else(|| api.info.description.as_deref().map(first_paragraph))
            .unwrap_or_else(|| format!("MCP connector for {}", api.info.title))
    });
    let servers = match &wide.base_url {
        Some(url) => vec![Server {
            url: url.clone(),
            description: None,
            variables: Vec::new(),
        }],
        None => api.servers.clone(),
    };
    Ok(Plan {
        connector: ConnectorPlan {
            name,
            env_prefix,
            title: wide.title.unwrap_or_else(|| api.info.title.clone()),
            version: wide.version.unwrap_or_else(|| api.info.version.clone()),
            description,
            instructions: wide
                .instructions
                .unwrap_or_else(|| api.info.description.clone().unwrap_or_default()),
            servers,
            security_schemes,
            tool_prefix,
        },
        tools,
        warnings,
    })
}

fn first_paragraph(text: &str) -> String {
    text.split("\n\n").next().unwrap_or(text).trim().to_string()
}

fn scheme_plan(scheme: &SecurityScheme, prefix: &str) -> SchemePlan {
    let base = format!("{prefix}_{}", scheme.key.to_shouty_snake_case());
    let var = |suffix: &str, description: String, secret: bool| EnvVar {
        name: if suffix.is_empty() {
            base.clone()
        } else {
            format!("{base}_{suffix}")
        },
        description,
        secret,
    };
    let key = &scheme.key;
    let (auth, env) = match &scheme.kind {
        SchemeKind::ApiKey { name, location } => (
            AuthPlan::ApiKey {
                name: name.clone(),
                location: *location,
            },
            vec![var(
                "",
                format!(
                    "API key for `{key}` (sent in {} `{name}`)",
                    location.as_str()
                ),
                true,
            )],
        ),
        SchemeKind::Http {
            scheme: s,
            bearer_format,
        } => match s.to_ascii_lowercase().as_str() {
            "basic" => (
                AuthPlan::Basic,
                vec![
                    var(
                        "USERNAME",
                        format!("user name for `{key}` (HTTP Basic)"),
                        false,
                    ),
                    var(
                        "PASSWORD",
                        format!("password for `{key}` (HTTP Basic)"),
                        true,
                    ),
                ],
            ),
            "bearer" => (
                AuthPlan::Bearer,
                vec![var(
                    "",
                    match bearer_format {
                        Some(f) => format!("bearer token ({f}) for `{key}`"),
                        None => format!("bearer token for `{key}`"),
                    },
                    true,
                )],
            ),
            _ => (
                AuthPlan::Http { scheme: s.clone() },
                vec![var(
                    "",
                    format!("credentials for `{key}`, sent as `Authorization: {s} <value>`"),
                    true,
                )],
            ),
        },
        SchemeKind::OAuth2 { flows } => {
            let client = flows
                .iter()
                .find(|f| f.kind == OAuthFlowKind::ClientCredentials);
            match client.and_then(|f| f.token_url.clone()) {
                Some(token_url) => (
                    AuthPlan::OAuth2ClientCredentials { token_url },
                    vec![
                        var("CLIENT_ID", format!("OAuth2 client id for `{key}`"), false),
                        var("CLIENT_SECRET", format!("OAuth2 client secret for `{key}`"), true),
                        var(
                            "TOKEN_URL",
                            format!("overrides the token URL of `{key}` (optional)"),
                            false,
                        ),
                        var(
                            "CLIENT_AUTH",
                            "how the client authenticates to the token endpoint: `basic` (default) or `body` (optional)".into(),
                            false,
                        ),
                    ],
                ),
                None => {
                    // User flows: the token is obtained beforehand; refresh it where the spec says how.
                    let refresh_url = flows
                        .iter()
                        .find_map(|f| f.refresh_url.clone().or_else(|| f.token_url.clone()));
                    user_token(key, refresh_url, "OAuth2", var)
                }
            }
        }
        SchemeKind::OpenIdConnect { .. } => user_token(key, None, "OpenID Connect", var),
        SchemeKind::MutualTls => (
            AuthPlan::Unsupported {
                reason: "mutual TLS is not supported yet; operations that need it will fail".into(),
            },
            Vec::new(),
        ),
    };
    SchemePlan {
        key: key.clone(),
        kind: scheme.kind.clone(),
        description: scheme.description.clone(),
        auth,
        env,
    }
}

/// The variables of a scheme whose access token comes ready from the environment.
fn user_token(
    key: &str,
    refresh_url: Option<String>,
    what: &str,
    var: impl Fn(&str, String, bool) -> EnvVar,
) -> (AuthPlan, Vec<EnvVar>) {
    let mut env = vec![var(
        "ACCESS_TOKEN",
        format!("{what} access token for `{key}`, obtained beforehand"),
        true,
    )];
    if refresh_url.is_some() {
        env.push(var(
            "REFRESH_TOKEN",
            format!(
                "refresh token for `{key}`: the connector gets new access tokens with it (optional)"
            ),
            true,
        ));
        env.push(var(
            "CLIENT_ID",
            format!("client id used when refreshing `{key}` (optional)"),
            false,
        ));
        env.push(var(
            "CLIENT_SECRET",
            format!("client secret used when refreshing `{key}` (optional)"),
            true,
        ));
    }
    (AuthPlan::AccessToken { refresh_url }, env)
}

fn description(op: &Operation) -> String {
    let mut parts = Vec::new();
    if op.deprecated {
        parts.push("DEPRECATED: the API marks this operation as deprecated.".to_string());
    }
    if let Some(summary) = &op.summary {
        parts.push(summary.clone());
    }
    if let Some(description) = &op.description
        && Some(description) != op.summary.as_ref()
    {
        parts.push(description.clone());
    }
    if parts.is_empty() || (op.deprecated && parts.len() == 1) {
        parts.push(format!("{} {}", op.method.as_str(), op.path));
    }
    parts.join("\n\n")
}

/// Picks the body media type: JSON first, then forms, text, then anything else.
fn choose_content(body: &RequestBody) -> Option<&Content> {
    let rank = |mt: &str| {
        let mt = mt.to_ascii_lowercase();
        if media_is_json(&mt) && mt != "*/*" {
            0
        } else if mt.starts_with("application/x-www-form-urlencoded") {
            1
        } else if mt.starts_with("multipart/form-data") {
            2
        } else if mt.starts_with("text/") {
            3
        } else {
            4
        }
    };
    body.contents.iter().min_by_key(|c| rank(&c.media_type))
}

fn tool_plan(
    api: &Api,
    op: &Operation,
    name: String,
    custom: Option<(&Overrides, &str, &ToolOverride)>,
    lenient: bool,
    warnings: &mut Vec<String>,
) -> Result<ToolPlan> {
    let mut properties = Map::new();
    let mut required = Vec::new();

    let body_content = match (custom, &op.request_body) {
        (Some((o, key, t)), body) if t.body_media_type.is_some() => {
            let wanted = t.body_media_type.as_deref().unwrap_or_default();
            let offered: Vec<&Content> = body.iter().flat_map(|b| &b.contents).collect();
            match offered
                .iter()
                .find(|c| c.media_type.eq_ignore_ascii_case(wanted))
            {
                Some(c) => Some(*c),
                None => {
                    let list: Vec<&str> = offered.iter().map(|c| c.media_type.as_str()).collect();
                    return Err(o.error(
                        &["tools", key, "body_media_type"],
                        if list.is_empty() {
                            format!("`tools.{key}.body_media_type`: the operation takes no request body; remove the entry")
                        } else {
                            format!(
                                "`tools.{key}.body_media_type` `{wanted}`: the operation offers {}; pick one of those",
                                list.join(", ")
                            )
                        },
                    ));
                }
            }
        }
        (_, body) => body.as_ref().and_then(choose_content),
    };
    // Argument names: the parameter's name made safe for clients; a name shared by two
    // locations (or with `body`) gets its location appended.
    let safe = |n: &str| -> String {
        let s: String = n
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        s.chars().take(64).collect()
    };
    let mut params = Vec::new();
    for p in &op.parameters {
        let base = safe(&p.name);
        let shared = op
            .parameters
            .iter()
            .filter(|q| safe(&q.name) == base)
            .count()
            > 1
            || (body_content.is_some() && base == "body");
        let mut arg = if shared {
            format!("{base}__{}", p.location.as_str())
        } else {
            base
        };
        while properties.contains_key(&arg) {
            arg.push('_');
        }
        let mut schema = inline(&p.schema, &api.schemas);
        if let Value::Object(map) = &mut schema {
            if let Some(d) = &p.description {
                map.insert("description".into(), Value::String(d.clone()));
            }
            if p.deprecated {
                map.insert("deprecated".into(), Value::Bool(true));
            }
        }
        if p.required {
            required.push(Value::String(arg.clone()));
        }
        properties.insert(arg.clone(), schema);
        params.push(ParamPlan {
            arg,
            name: p.name.clone(),
            location: p.location,
            style: p.style,
            explode: p.explode,
            allow_reserved: p.allow_reserved,
            required: p.required,
            media_type: p.media_type.clone(),
        });
    }

    let mut body = None;
    if let (Some(request_body), Some(content)) = (&op.request_body, body_content) {
        let mt = content.media_type.to_ascii_lowercase();
        let mut schema = if media_is_json(&mt)
            || mt.starts_with("application/x-www-form-urlencoded")
            || mt.starts_with("multipart/")
        {
            let mut s = inline(&content.schema, &api.schemas);
            strip_read_only(&mut s);
            if mt.starts_with("multipart/") {
                note_file_fields(&mut s);
            }
            s
        } else if mt.starts_with("text/") {
            json!({"type": "string"})
        } else {
            json!({"type": "string", "contentEncoding": "base64", "contentMediaType": content.media_type,
                "description": FILE_NOTE})
        };
        if let (Value::Object(map), Some(d)) = (&mut schema, &request_body.description) {
            map.entry("description")
                .or_insert_with(|| Value::String(d.clone()));
        }
        if request_body.contents.len() > 1
            && custom.is_none_or(|(_, _, t)| t.body_media_type.is_none())
        {
            warnings.push(format!(
                "{} {}: request body offers {}; using `{}`",
                op.method.as_str(),
                op.path,
                request_body
                    .contents
                    .iter()
                    .map(|c| c.media_type.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                content.media_type
            ));
        }
        if request_body.required {
            required.push(Value::String("body".into()));
        }
        properties.insert("body".into(), schema);
        body = Some(BodyPlan {
            media_type: content.media_type.clone(),
            required: request_body.required,
            encoding: content.encoding.clone(),
            renames: Vec::new(),
        });
    }

    let mut tool = ToolPlan {
        name,
        key: String::new(),
        name_chosen: false,
        title: op.summary.clone(),
        description: description(op),
        input_schema: Value::Null,
        method: op.method,
        path: op.path.clone(),
        operation_id: op.operation_id.clone(),
        tags: op.tags.clone(),
        params,
        body,
        security: op.security.clone(),
        annotations: Annotations::for_method(op.method),
        servers: op.servers.clone(),
        confirm: false,
        timeout_secs: None,
        response_limit: None,
        presets: Vec::new(),
    };
    let mut inputs = Inputs {
        properties,
        required,
    };
    if let Some((o, key, t)) = custom {
        customise(&mut tool, &mut inputs, o, key, t, lenient, warnings)?;
    }
    let mut input_schema = json!({"type": "object", "properties": inputs.properties});
    if !inputs.required.is_empty() {
        input_schema["required"] = Value::Array(inputs.required);
    }
    input_schema["additionalProperties"] = Value::Bool(false);
    tool.input_schema = input_schema;
    Ok(tool)
}

/// The input schema's properties and required list while they are being built.
struct Inputs {
    properties: Map<String, Value>,
    required: Vec<Value>,
}

/// Applies one `tools` entry of the overrides file.
fn customise(
    tool: &mut ToolPlan,
    inputs: &mut Inputs,
    o: &Overrides,
    key: &str,
    t: &ToolOverride,
    lenient: bool,
    warnings: &mut Vec<String>,
) -> Result<()> {
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
    for (input, p) in &t.params {
        match customise_input(tool, inputs, o, key, input, p) {
            // `mcpgen diff` applies one file to an older spec that may lack the input.
            Err(e) if lenient => warnings.push(format!("{e}; skipped")),
            other => other?,
        }
    }
    Ok(())
}

/// Where an entry of `params` points: a parameter (by index) or a field inside the body.
enum Target {
    Param(usize),
    BodyField(Vec<String>),
}

fn customise_input(
    tool: &mut ToolPlan,
    inputs: &mut Inputs,
    o: &Overrides,
    key: &str,
    input: &str,
    p: &overrides::ParamOverride,
) -> Result<()> {
    let at = ["tools", key, "params", input];
    let fail = |message: String| o.error(&at, format!("`tools.{key}.params.{input}`: {message}"));
    let target = if let Some(i) = tool.params.iter().position(|q| q.arg == input) {
        Target::Param(i)
    } else if let Some(field) = input.strip_prefix("body.").filter(|_| tool.body.is_some()) {
        Target::BodyField(field.split('.').map(str::to_owned).collect())
    } else {
        let by_wire: Vec<usize> = (0..tool.params.len())
            .filter(|&i| tool.params[i].name == input)
            .collect();
        match by_wire.as_slice() {
            [i] => Target::Param(*i),
            [] => {
                let mut known: Vec<String> = Vec::new();
                for q in &tool.params {
                    known.push(q.arg.clone());
                    if q.name != q.arg {
                        known.push(q.name.clone());
                    }
                }
                if let Some(Value::Object(fields)) = inputs
                    .properties
                    .get("body")
                    .and_then(|b| b.get("properties"))
                {
                    known.extend(fields.keys().map(|f| format!("body.{f}")));
                }
                let hint = match crate::refs::closest(input, known.iter().map(String::as_str)) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None if known.is_empty() => "the operation has no inputs".into(),
                    None => format!("its inputs are: {}", known.join(", ")),
                };
                return Err(fail(format!(
                    "the operation has no input `{input}`; {hint}"
                )));
            }
            several => {
                let args: Vec<&str> = several
                    .iter()
                    .map(|&i| tool.params[i].arg.as_str())
                    .collect();
                return Err(fail(format!(
                    "`{input}` is the name of several parameters; use the argument name: {}",
                    args.join(" or ")
                )));
            }
        }
    };

    match target {
        Target::Param(i) => {
            let arg = tool.params[i].arg.clone();
            let schema = inputs
                .properties
                .get_mut(&arg)
                .expect("every parameter has a property");
            edit_schema(schema, p, &fail)?;
            if let Some(value) = &p.default {
                tool.presets.push(PresetPlan {
                    arg: arg.clone(),
                    path: Vec::new(),
                    value: value.clone(),
                    fixed: false,
                });
            }
            if let Some(value) = &p.fixed {
                inputs.properties.shift_remove(&arg);
                inputs.required.retain(|r| r != arg.as_str());
                tool.presets.push(PresetPlan {
                    arg: arg.clone(),
                    path: Vec::new(),
                    value: value.clone(),
                    fixed: true,
                });
            } else if p.hidden {
                if tool.params[i].required {
                    return Err(fail(format!(
                        "the API requires `{input}`, so it cannot be hidden; give it a `fixed` value instead"
                    )));
                }
                inputs.properties.shift_remove(&arg);
                tool.params.remove(i);
            } else if let Some(new) = &p.rename {
                rename_property(
                    &mut inputs.properties,
                    &mut inputs.required,
                    &arg,
                    new,
                    &fail,
                )?;
                tool.params[i].arg = new.clone();
                for preset in tool.presets.iter_mut().filter(|x| x.arg == arg) {
                    preset.arg = new.clone();
                }
            }
        }
        Target::BodyField(path) => {
            let body_schema = inputs
                .properties
                .get_mut("body")
                .expect("a body has a property");
            let fields: Vec<String> = body_schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|f| f.keys().map(|k| format!("body.{k}")).collect())
                .unwrap_or_default();
            let (parent, field) = body_field(body_schema, &path).ok_or_else(|| {
                let hint = match crate::refs::closest(input, fields.iter().map(String::as_str)) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None if fields.is_empty() => "the body has no named fields".into(),
                    None => format!("its fields are: {}", fields.join(", ")),
                };
                fail(format!(
                    "the request body has no field `{}`; {hint}",
                    path.join(".")
                ))
            })?;
            let field_required = parent
                .get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|x| x == field.as_str()));
            let props = parent
                .get_mut("properties")
                .and_then(Value::as_object_mut)
                .expect("found above");
            edit_schema(props.get_mut(&field).expect("found above"), p, &fail)?;
            if let Some(value) = &p.default {
                tool.presets.push(PresetPlan {
                    arg: "body".into(),
                    path: path.clone(),
                    value: value.clone(),
                    fixed: false,
                });
            }
            let remove = p.fixed.is_some() || p.hidden;
            if p.fixed.is_none() && p.hidden && field_required {
                return Err(fail(format!(
                    "the API requires body field `{}`, so it cannot be hidden; give it a `fixed` value instead",
                    path.join(".")
                )));
            }
            if remove {
                props.shift_remove(&field);
                if let Some(Value::Array(r)) = parent.get_mut("required") {
                    r.retain(|x| x != field.as_str());
                }
            }
            if let Some(value) = &p.fixed {
                tool.presets.push(PresetPlan {
                    arg: "body".into(),
                    path: path.clone(),
                    value: value.clone(),
                    fixed: true,
                });
                // The model may now send no body at all; the fixed field still goes out.
            } else if let Some(new) = p.rename.as_ref().filter(|_| !remove) {
                if path.len() != 1 {
                    return Err(fail("only top-level body fields can be renamed".into()));
                }
                let Value::Object(parent_map) = parent else {
                    unreachable!()
                };
                let mut props = match parent_map.remove("properties") {
                    Some(Value::Object(m)) => m,
                    _ => Map::new(),
                };
                let mut req: Vec<Value> = match parent_map.remove("required") {
                    Some(Value::Array(r)) => r,
                    _ => Vec::new(),
                };
                rename_property(&mut props, &mut req, &field, new, &fail)?;
                parent_map.insert("properties".into(), Value::Object(props));
                if !req.is_empty() {
                    parent_map.insert("required".into(), Value::Array(req));
                }
                if let Some(b) = &mut tool.body {
                    b.renames.push((new.clone(), field.clone()));
                }
            }
        }
    }
    Ok(())
}

/// The object schema holding the field at `path` inside `schema`, and the field's name.
fn body_field<'a>(schema: &'a mut Value, path: &[String]) -> Option<(&'a mut Value, String)> {
    let (last, parents) = path.split_last()?;
    let mut at = schema;
    for name in parents {
        at = at.get_mut("properties")?.get_mut(name.as_str())?;
    }
    at.get("properties")?.get(last.as_str())?;
    Some((at, last.clone()))
}

/// Sets the description and default an override gives, after checking values against the schema.
fn edit_schema(
    schema: &mut Value,
    p: &overrides::ParamOverride,
    fail: &dyn Fn(String) -> Error,
) -> Result<()> {
    for (what, value) in [("default", &p.default), ("fixed", &p.fixed)] {
        let Some(value) = value else { continue };
        let validator = jsonschema::draft202012::new(schema)
            .map_err(|e| fail(format!("the input's schema cannot check values: {e}")))?;
        let problems: Vec<String> = validator
            .iter_errors(value)
            .map(|e| e.to_string())
            .collect();
        if !problems.is_empty() {
            return Err(fail(format!(
                "the {what} value {value} does not fit the input's schema: {}; change the value",
                problems.join("; ")
            )));
        }
    }
    if p.default.is_some() && p.fixed.is_some() {
        return Err(fail("give either `default` or `fixed`, not both".into()));
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

/// Renames property `old` to `new`, keeping its place in the order.
fn rename_property(
    properties: &mut Map<String, Value>,
    required: &mut [Value],
    old: &str,
    new: &str,
    fail: &dyn Fn(String) -> Error,
) -> Result<()> {
    let valid = !new.is_empty()
        && new.len() <= 64
        && new
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !valid {
        return Err(fail(format!(
            "`rename` `{new}`: use letters, digits, `_`, `.` and `-`, at most 64 characters"
        )));
    }
    if properties.contains_key(new) {
        return Err(fail(format!(
            "`rename` `{new}`: the tool already has an input of that name; choose another"
        )));
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
    for r in required.iter_mut() {
        if r == old {
            *r = Value::String(new.into());
        }
    }
    Ok(())
}

/// How a model passes file content (the runtime reads `file:` paths only inside the directories
/// the operator allows).
const FILE_NOTE: &str = "File content as base64, or `file:/absolute/path` of a local file if the connector's operator allows it.";

/// Tells the model how to pass each file field of a multipart body.
fn note_file_fields(schema: &mut Value) {
    let Some(Value::Object(props)) = schema.get_mut("properties") else {
        return;
    };
    for field in props.values_mut() {
        if field.get("contentEncoding") == Some(&json!("base64"))
            && let Value::Object(map) = field
        {
            let text = match map.get("description").and_then(Value::as_str) {
                Some(d) => format!("{d} {FILE_NOTE}"),
                None => FILE_NOTE.to_string(),
            };
            map.insert("description".into(), Value::String(text));
        }
    }
}

/// Removes `readOnly` properties: the server sets them, so a request must not carry them.
fn strip_read_only(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        let read_only: Vec<String> = props
            .iter()
            .filter(|(_, s)| s.get("readOnly") == Some(&Value::Bool(true)))
            .map(|(k, _)| k.clone())
            .collect();
        for k in &read_only {
            props.shift_remove(k);
        }
        for s in props.values_mut() {
            strip_read_only(s);
        }
        if let Some(Value::Array(req)) = map.get_mut("required") {
            req.retain(|r| !read_only.iter().any(|k| r == k));
        }
        // Examples of the whole object would otherwise teach the model to send them.
        if let Some(Value::Array(examples)) = map.get_mut("examples") {
            for example in examples.iter_mut() {
                if let Value::Object(e) = example {
                    for k in &read_only {
                        e.shift_remove(k);
                    }
                }
            }
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(items)) = map.get_mut(key) {
            items.iter_mut().for_each(strip_read_only);
        }
    }
    if let Some(items) = map.get_mut("items") {
        strip_read_only(items);
    }
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

    #[test]
    fn connector_names_come_from_titles() {
        assert_eq!(connector_name("Orders Service"), "orders-service");
        assert_eq!(connector_name("GitHub v3 REST API"), "git-hub-v3-rest-api");
        assert_eq!(connector_name("3D Printing"), "api-3d-printing");
        assert_eq!(connector_name("Ünïcode"), "n-code");
        assert_eq!(connector_name("***"), "connector");
        assert_eq!(
            connector_name("Support for cases where multiple alternate security types are listed"),
            "support-for-cases-where-multiple"
        );
    }

    #[test]
    fn read_only_properties_leave_request_bodies() {
        let mut s = json!({"type": "object", "required": ["id", "name"], "properties": {
            "id": {"type": "string", "readOnly": true}, "name": {"type": "string"}}});
        strip_read_only(&mut s);
        assert_eq!(
            s,
            json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}})
        );
    }
}
