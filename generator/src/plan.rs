//! Tool planning: each IR operation becomes one tool — its name, description, input schema
//! (self-contained, no `$ref`), annotations, and the request plan the runtime follows.

use heck::{ToKebabCase, ToShoutySnakeCase};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::inline::inline;
use crate::ir::*;
use crate::naming::{self, NameSource};
use crate::normalize::media_is_json;

/// What planning needs besides the IR.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// The connector's name (binary and crate); from the spec's title when `None`.
    pub name: Option<String>,
    /// The longest tool name allowed (clients that prefix names need less than 64).
    pub max_name_len: usize,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            name: None,
            max_name_len: naming::DEFAULT_BUDGET,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub connector: ConnectorPlan,
    pub tools: Vec<ToolPlan>,
    pub warnings: Vec<String>,
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
    if options.max_name_len < 16 || options.max_name_len > 64 {
        return Err(Error::Option(format!(
            "--max-name-len {}: choose a length from 16 to 64",
            options.max_name_len
        )));
    }
    let name = match &options.name {
        Some(name) => name.clone(),
        None => connector_name(&api.info.title),
    };
    check_name(&name)?;
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

    let sources: Vec<NameSource> = api
        .operations
        .iter()
        .map(|op| NameSource {
            operation_id: op.operation_id.as_deref(),
            method: op.method,
            path: &op.path,
        })
        .collect();
    let names = naming::assign(&sources, options.max_name_len);

    let mut tools = Vec::with_capacity(api.operations.len());
    for (op, name) in api.operations.iter().zip(names) {
        tools.push(tool_plan(api, op, name, &mut warnings));
    }

    let description = api
        .info
        .summary
        .clone()
        .or_else(|| api.info.description.as_deref().map(first_paragraph))
        .unwrap_or_else(|| format!("MCP connector for {}", api.info.title));
    Ok(Plan {
        connector: ConnectorPlan {
            name,
            env_prefix,
            title: api.info.title.clone(),
            version: api.info.version.clone(),
            description,
            instructions: api.info.description.clone().unwrap_or_default(),
            servers: api.servers.clone(),
            security_schemes,
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

fn tool_plan(api: &Api, op: &Operation, name: String, warnings: &mut Vec<String>) -> ToolPlan {
    let mut properties = Map::new();
    let mut required = Vec::new();

    let body_content = op.request_body.as_ref().and_then(choose_content);
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
            s
        } else if mt.starts_with("text/") {
            json!({"type": "string"})
        } else {
            json!({"type": "string", "contentEncoding": "base64", "contentMediaType": content.media_type})
        };
        if let (Value::Object(map), Some(d)) = (&mut schema, &request_body.description) {
            map.entry("description")
                .or_insert_with(|| Value::String(d.clone()));
        }
        if request_body.contents.len() > 1 {
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
        });
    }

    let mut input_schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        input_schema["required"] = Value::Array(required);
    }
    input_schema["additionalProperties"] = Value::Bool(false);

    ToolPlan {
        name,
        title: op.summary.clone(),
        description: description(op),
        input_schema,
        method: op.method,
        path: op.path.clone(),
        operation_id: op.operation_id.clone(),
        tags: op.tags.clone(),
        params,
        body,
        security: op.security.clone(),
        annotations: Annotations::for_method(op.method),
        servers: op.servers.clone(),
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
