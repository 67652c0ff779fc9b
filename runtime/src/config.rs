//! Configuration from the environment: base URL, timeout, response budget and credentials, read
//! once at start-up. Secrets are wrapped so that no `Debug` or log line can show them.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use crate::table::{Auth, Connector, Server};

/// A credential value. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone)]
pub enum Credential {
    /// An API key, a bearer token, an access token, or a raw `Authorization` value.
    Token(Secret),
    Basic {
        username: String,
        password: Secret,
    },
    ClientCredentials {
        client_id: String,
        client_secret: Secret,
        token_url: Option<String>,
        /// RFC 6749 §2.3.1: credentials in the form body instead of HTTP Basic.
        auth_in_body: bool,
    },
    /// A user's access token, and what is needed to refresh it.
    UserToken {
        access_token: Option<Secret>,
        refresh_token: Option<Secret>,
        client_id: Option<String>,
        client_secret: Option<Secret>,
    },
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an HTTP server's shutdown waits for running tool calls.
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(20);

pub fn drain_var(c: &Connector) -> String {
    format!("{}_SHUTDOWN_SECS", c.env_prefix)
}

/// `PREFIX_SHUTDOWN_SECS`, or the default (an unreadable value falls back too, with a warning).
pub fn drain_time(c: &Connector, env: impl Fn(&str) -> Option<String>) -> Duration {
    match env(&drain_var(c)).map(|v| v.trim().parse::<u64>()) {
        None => DEFAULT_DRAIN,
        Some(Ok(secs)) => Duration::from_secs(secs),
        Some(Err(_)) => {
            tracing::warn!(
                "{} is not a number of seconds; using {} s",
                drain_var(c),
                DEFAULT_DRAIN.as_secs()
            );
            DEFAULT_DRAIN
        }
    }
}
/// Characters of response text given to the model before it is cut.
pub const DEFAULT_RESPONSE_LIMIT: usize = 100_000;

#[derive(Debug, Clone)]
pub struct Config {
    /// `PREFIX_BASE_URL`, replacing the spec's servers.
    pub base_url: Option<String>,
    pub timeout: Duration,
    pub response_limit: usize,
    /// By security scheme key; only the configured ones.
    pub credentials: HashMap<&'static str, Credential>,
    /// Inbound HTTP headers passed on to the API, as (inbound, outbound) names.
    pub forward_headers: Vec<(String, String)>,
    /// Directories whose files tools may send (`file:` arguments).
    pub file_roots: crate::files::FileRoots,
}

/// Parses `In` / `In:Out` entries. The MCP client's own `Authorization` is its token for this
/// connector, and passing it on is token passthrough: only an explicit `Authorization:Out` does.
fn parse_forward_headers(var: &str, text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (inbound, outbound) = match entry.split_once(':') {
            Some((i, o)) => (i.trim(), o.trim()),
            None => {
                if entry.eq_ignore_ascii_case("authorization") {
                    return Err(format!(
                        "{var}: forwarding the MCP client's own Authorization header would be token passthrough (its token for this connector sent to the API); \
                         if that is really wanted, map it explicitly (`Authorization:Authorization`)"
                    ));
                }
                (entry, entry)
            }
        };
        let valid = |n: &str| reqwest::header::HeaderName::from_bytes(n.as_bytes()).is_ok();
        if !valid(inbound) || !valid(outbound) {
            return Err(format!(
                "{var}: `{entry}` is not a header name or `In:Out` pair"
            ));
        }
        out.push((inbound.to_ascii_lowercase(), outbound.to_string()));
    }
    Ok(out)
}

/// Names of the connector-wide variables, for `--help` and lookups.
pub fn base_url_var(c: &Connector) -> String {
    format!("{}_BASE_URL", c.env_prefix)
}
pub fn timeout_var(c: &Connector) -> String {
    format!("{}_TIMEOUT_SECS", c.env_prefix)
}
pub fn file_roots_var(c: &Connector) -> String {
    format!("{}_FILE_ROOTS", c.env_prefix)
}

pub fn forward_headers_var(c: &Connector) -> String {
    format!("{}_FORWARD_HEADERS", c.env_prefix)
}
pub fn response_limit_var(c: &Connector) -> String {
    format!("{}_RESPONSE_LIMIT", c.env_prefix)
}

impl Config {
    /// Reads the configuration through `lookup` (the process environment in production).
    pub fn load(
        connector: &'static Connector,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, String> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let base_url = match get(&base_url_var(connector)) {
            Some(url) => {
                let parsed = reqwest::Url::parse(url.trim()).map_err(|e| {
                    format!("{}: `{url}` is not a URL ({e})", base_url_var(connector))
                })?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(format!(
                        "{}: use an http or https URL",
                        base_url_var(connector)
                    ));
                }
                Some(url.trim().trim_end_matches('/').to_string())
            }
            None => None,
        };
        let timeout = match get(&timeout_var(connector)) {
            Some(v) => Duration::from_secs_f64(
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|s| *s > 0.0 && *s < 86_400.0)
                    .ok_or_else(|| {
                        format!(
                            "{}: `{v}` is not a number of seconds",
                            timeout_var(connector)
                        )
                    })?,
            ),
            None => DEFAULT_TIMEOUT,
        };
        let response_limit = match get(&response_limit_var(connector)) {
            Some(v) => v.trim().parse::<usize>().map_err(|_| {
                format!(
                    "{}: `{v}` is not a number of characters",
                    response_limit_var(connector)
                )
            })?,
            None => DEFAULT_RESPONSE_LIMIT,
        };
        let mut credentials = HashMap::new();
        for scheme in connector.security_schemes {
            // Each variable by its suffix; the first one carries a single-value credential.
            let name = |suffix: &str| {
                scheme
                    .env
                    .iter()
                    .map(|e| e.name)
                    .find(|n| n.ends_with(suffix))
            };
            let value = |suffix: &str| name(suffix).and_then(&get);
            let first = || scheme.env.first().and_then(|e| get(e.name));
            let credential = match scheme.auth {
                Auth::ApiKey { .. } | Auth::Bearer | Auth::Http { .. } => {
                    first().map(|v| Credential::Token(Secret::new(v)))
                }
                Auth::AccessToken { .. } => {
                    let access_token = value("_ACCESS_TOKEN").map(Secret::new);
                    let refresh_token = value("_REFRESH_TOKEN").map(Secret::new);
                    (access_token.is_some() || refresh_token.is_some()).then(|| {
                        Credential::UserToken {
                            access_token,
                            refresh_token,
                            client_id: value("_CLIENT_ID"),
                            client_secret: value("_CLIENT_SECRET").map(Secret::new),
                        }
                    })
                }
                Auth::Basic => match (value("_USERNAME"), value("_PASSWORD")) {
                    (Some(username), Some(password)) => Some(Credential::Basic {
                        username,
                        password: Secret::new(password),
                    }),
                    _ => None,
                },
                Auth::OAuth2ClientCredentials { .. } => {
                    let auth_in_body = match value("_CLIENT_AUTH").as_deref().map(str::trim) {
                        None | Some("basic") => false,
                        Some("body") => true,
                        Some(other) => {
                            return Err(format!(
                                "{}: `{other}` is neither `basic` (HTTP Basic, the default) nor `body` (credentials in the form)",
                                name("_CLIENT_AUTH").unwrap_or("CLIENT_AUTH")
                            ));
                        }
                    };
                    match (value("_CLIENT_ID"), value("_CLIENT_SECRET")) {
                        (Some(client_id), Some(secret)) => Some(Credential::ClientCredentials {
                            client_id,
                            client_secret: Secret::new(secret),
                            token_url: value("_TOKEN_URL"),
                            auth_in_body,
                        }),
                        _ => None,
                    }
                }
                Auth::Unsupported { .. } => None,
            };
            if let Some(credential) = credential {
                credentials.insert(scheme.key, credential);
            }
        }
        let forward_headers = match get(&forward_headers_var(connector)) {
            Some(text) => parse_forward_headers(&forward_headers_var(connector), &text)?,
            None => Vec::new(),
        };
        Ok(Config {
            forward_headers,
            file_roots: crate::files::FileRoots::load(
                &file_roots_var(connector),
                get(&file_roots_var(connector)).as_deref(),
            )?,
            base_url,
            timeout,
            response_limit,
            credentials,
        })
    }

    /// The base URL for a tool: the override, else the tool's or the connector's first server.
    pub fn base_url_for(
        &self,
        connector: &Connector,
        servers: &[Server],
    ) -> Result<String, String> {
        if let Some(url) = &self.base_url {
            return Ok(url.clone());
        }
        let server = servers.first().or(connector.servers.first());
        let Some(server) = server else {
            return Err(format!(
                "the API description names no server: set {} to the API's URL",
                base_url_var(connector)
            ));
        };
        let mut url = server.url.to_string();
        for v in server.variables {
            url = url.replace(&format!("{{{}}}", v.name), v.default);
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "the API's server URL `{url}` is relative: set {} to the API's full URL",
                base_url_var(connector)
            ));
        }
        Ok(url.trim_end_matches('/').to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_headers_refuse_implicit_token_passthrough() {
        assert_eq!(
            parse_forward_headers("V", "X-User-Key, X-Tenant:X-Org").unwrap(),
            [
                ("x-user-key".to_string(), "X-User-Key".to_string()),
                ("x-tenant".to_string(), "X-Org".to_string())
            ]
        );
        assert!(
            parse_forward_headers("V", "Authorization")
                .unwrap_err()
                .contains("passthrough")
        );
        assert!(parse_forward_headers("V", "authorization:Authorization").is_ok());
        assert!(parse_forward_headers("V", "bad header").is_err());
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let c = Credential::Basic {
            username: "u".into(),
            password: Secret::new("hunter2"),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
