//! The connector as a whole: its identity and servers (the spec's, or what the overrides file
//! says), and each security scheme with what the runtime does for it and the environment
//! variables that configure it.

use mcpgen_contract::env::{EnvNames, SchemeVars};

use super::catalog::ListingPlan;
use super::customise::Settings;
use super::{AuthPlan, ConnectorPlan, EnvVar, SchemePlan};
use crate::findings::Finding;
use crate::ir::{Api, ApiServer, OAuthFlowKind, SchemeKind, SecurityScheme};
use std::path::Path;

use crate::error::Result;
use crate::overrides::{ConnectorOverrides, Overrides};

/// The connector's plan: the overrides file's words where it has them, else the spec's.
pub fn connector_plan(
    api: &Api,
    wide: ConnectorOverrides,
    settings: Settings,
    security_schemes: Vec<SchemePlan>,
    listing: ListingPlan,
) -> ConnectorPlan {
    let description = wide.description.clone().unwrap_or_else(|| {
        api.info
            .summary
            .clone()
            .or_else(|| api.info.description.as_deref().map(first_paragraph))
            .unwrap_or_else(|| format!("MCP connector for {}", api.info.title))
    });
    let servers = match &wide.base_url {
        Some(url) => vec![ApiServer {
            url: url.clone(),
            description: None,
            variables: Vec::new(),
        }],
        None => api.servers.clone(),
    };
    ConnectorPlan {
        name: settings.name,
        env_prefix: settings.env.prefix().to_string(),
        title: wide.title.unwrap_or_else(|| api.info.title.clone()),
        version: wide.version.unwrap_or_else(|| api.info.version.clone()),
        description,
        instructions: wide
            .instructions
            .unwrap_or_else(|| api.info.description.clone().unwrap_or_default()),
        servers,
        security_schemes,
        tool_prefix: settings.tool_prefix,
        listing,
        icon: None,
    }
}

/// The largest icon a bundle carries.
const ICON_MAX_BYTES: usize = 1 << 20;

/// The icon `connector.icon` names, relative to the overrides file: read, and checked to be a PNG.
pub fn icon(overrides: &Overrides) -> Result<Option<Vec<u8>>> {
    let Some(name) = &overrides.spec.connector.icon else {
        return Ok(None);
    };
    let fail = |message: String| {
        overrides.error(
            &["connector", "icon"],
            format!("connector.icon `{name}`: {message}"),
        )
    };
    let base = Path::new(&overrides.file).parent().unwrap_or(Path::new(""));
    let path = base.join(name);
    let bytes = std::fs::read(&path).map_err(|e| {
        fail(format!(
            "cannot read {}: {e}; the path is relative to the overrides file",
            path.display()
        ))
    })?;
    const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !bytes.starts_with(PNG_SIGNATURE) {
        return Err(fail(
            "not a PNG file; desktop extensions take a PNG icon (e.g. 512×512)".into(),
        ));
    }
    // The IHDR chunk comes first: width and height at bytes 16..24.
    let dimension = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    match (dimension(16), dimension(20)) {
        (Some(w), Some(h)) if w == h && w > 0 => {}
        (Some(w), Some(h)) => {
            return Err(fail(format!(
                "{w}×{h} pixels; an icon must be square (e.g. 512×512)"
            )));
        }
        _ => return Err(fail("a truncated PNG file".into())),
    }
    if bytes.len() > ICON_MAX_BYTES {
        return Err(fail(format!(
            "{} bytes; an icon may have at most {ICON_MAX_BYTES}",
            bytes.len()
        )));
    }
    Ok(Some(bytes))
}

fn first_paragraph(text: &str) -> String {
    text.split("\n\n").next().unwrap_or(text).trim().to_string()
}

/// Every security scheme of the spec, planned; a scheme the runtime cannot use is a finding.
pub fn security_schemes(api: &Api, env: &EnvNames, findings: &mut Vec<Finding>) -> Vec<SchemePlan> {
    let schemes: Vec<SchemePlan> = api
        .security_schemes
        .iter()
        .map(|s| scheme_plan(s, &env.scheme(&s.key)))
        .collect();
    for s in &schemes {
        if let AuthPlan::Unsupported { reason } = &s.auth {
            // Where the dialect keeps its schemes.
            let place = if api.spec_version.starts_with('2') {
                format!("#/securityDefinitions/{}", crate::refs::escape(&s.key))
            } else {
                format!(
                    "#/components/securitySchemes/{}",
                    crate::refs::escape(&s.key)
                )
            };
            findings.push(Finding::warning(
                place,
                format!("security scheme `{}`: {reason}", s.key),
            ));
        }
    }
    schemes
}

fn var(name: String, description: String, secret: bool) -> EnvVar {
    EnvVar {
        name,
        description,
        secret,
    }
}

fn scheme_plan(scheme: &SecurityScheme, vars: &SchemeVars) -> SchemePlan {
    let key = &scheme.key;
    let (auth, env) = match &scheme.kind {
        SchemeKind::ApiKey { name, location } => (
            AuthPlan::ApiKey {
                name: name.clone(),
                location: *location,
            },
            vec![var(
                vars.value(),
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
        } => http_scheme(key, s, bearer_format.as_deref(), vars),
        SchemeKind::OAuth2 { flows } => {
            let client = flows
                .iter()
                .find(|f| f.kind == OAuthFlowKind::ClientCredentials);
            match client.and_then(|f| f.token_url.clone()) {
                Some(token_url) => client_credentials(key, token_url, vars),
                None => {
                    // User flows: the token is obtained beforehand; refresh it where the spec says how.
                    let refresh_url = flows
                        .iter()
                        .find_map(|f| f.refresh_url.clone().or_else(|| f.token_url.clone()));
                    user_token(key, refresh_url, "OAuth2", vars)
                }
            }
        }
        SchemeKind::OpenIdConnect { .. } => user_token(key, None, "OpenID Connect", vars),
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

/// Basic, bearer, or any other `Authorization` scheme.
fn http_scheme(
    key: &str,
    scheme: &str,
    bearer_format: Option<&str>,
    vars: &SchemeVars,
) -> (AuthPlan, Vec<EnvVar>) {
    match scheme.to_ascii_lowercase().as_str() {
        "basic" => (
            AuthPlan::Basic,
            vec![
                var(
                    vars.username(),
                    format!("user name for `{key}` (HTTP Basic)"),
                    false,
                ),
                var(
                    vars.password(),
                    format!("password for `{key}` (HTTP Basic)"),
                    true,
                ),
            ],
        ),
        "bearer" => (
            AuthPlan::Bearer,
            vec![var(
                vars.value(),
                match bearer_format {
                    Some(f) => format!("bearer token ({f}) for `{key}`"),
                    None => format!("bearer token for `{key}`"),
                },
                true,
            )],
        ),
        _ => (
            AuthPlan::Http {
                scheme: scheme.to_string(),
            },
            vec![var(
                vars.value(),
                format!("credentials for `{key}`, sent as `Authorization: {scheme} <value>`"),
                true,
            )],
        ),
    }
}

fn client_credentials(key: &str, token_url: String, vars: &SchemeVars) -> (AuthPlan, Vec<EnvVar>) {
    (
        AuthPlan::OAuth2ClientCredentials { token_url },
        vec![
            var(
                vars.client_id(),
                format!("OAuth2 client id for `{key}`"),
                false,
            ),
            var(
                vars.client_secret(),
                format!("OAuth2 client secret for `{key}`"),
                true,
            ),
            var(
                vars.token_url(),
                format!("overrides the token URL of `{key}` (optional)"),
                false,
            ),
            var(
                vars.client_auth(),
                "how the client authenticates to the token endpoint: `basic` (default) or `body` (optional)".into(),
                false,
            ),
        ],
    )
}

/// The variables of a scheme whose access token comes ready from the environment.
fn user_token(
    key: &str,
    refresh_url: Option<String>,
    what: &str,
    vars: &SchemeVars,
) -> (AuthPlan, Vec<EnvVar>) {
    let mut env = vec![var(
        vars.access_token(),
        format!("{what} access token for `{key}`, obtained beforehand"),
        true,
    )];
    if refresh_url.is_some() {
        env.push(var(
            vars.refresh_token(),
            format!(
                "refresh token for `{key}`: the connector gets new access tokens with it (optional)"
            ),
            true,
        ));
        env.push(var(
            vars.client_id(),
            format!("client id used when refreshing `{key}` (optional)"),
            false,
        ));
        env.push(var(
            vars.client_secret(),
            format!("client secret used when refreshing `{key}` (optional)"),
            true,
        ));
    }
    (AuthPlan::AccessToken { refresh_url }, env)
}
