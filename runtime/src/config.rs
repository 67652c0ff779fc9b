//! Configuration from the environment: base URL, timeout, response budget and credentials, read
//! once at start-up. Secrets are wrapped so that no `Debug` or log line can show them, and every
//! credential is known to the scrubber from the moment it is read. Credential values are trimmed:
//! a token read from a file (a Kubernetes Secret) often ends in a line break no server expects.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use mcpgen_contract::env::{
    DEFAULT_CONCURRENCY, DEFAULT_HEADER_TIMEOUT_SECS, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SESSIONS_PER_CALLER, DEFAULT_RESPONSE_LIMIT, DEFAULT_RETRIES,
    DEFAULT_SESSION_IDLE_SECS, DEFAULT_SHUTDOWN_SECS, DEFAULT_TIMEOUT_SECS, DEFAULT_WORKER_THREADS,
    EnvNames, SchemeVars,
};

use crate::error::Error;
use crate::files::FileRoots;
use crate::mcp::sessions::SessionLimits;
use crate::scrub::Secrets;
use crate::table::{Auth, Connector, Listing, SecurityScheme, ServerUrl};

/// A credential value. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    /// A token-like value: surrounding whitespace (a trailing line break) is never part of it.
    pub(crate) fn new(value: impl Into<String>) -> Secret {
        let value = value.into();
        Secret(value.trim().to_string())
    }
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Credential {
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

/// One scheme of the security alternative chosen for a call, with its credential and scopes.
pub(crate) struct Selected {
    pub(crate) scheme: &'static SecurityScheme,
    pub(crate) credential: Credential,
    pub(crate) scopes: &'static [&'static str],
}

impl Credential {
    /// The secret values of the credential, as configured.
    pub(crate) fn secret_values(&self) -> Vec<&str> {
        match self {
            Credential::Token(s) => vec![s.expose()],
            Credential::Basic { password, .. } => vec![password.expose()],
            Credential::ClientCredentials { client_secret, .. } => vec![client_secret.expose()],
            Credential::UserToken {
                access_token,
                refresh_token,
                client_secret,
                ..
            } => [access_token, refresh_token, client_secret]
                .into_iter()
                .flatten()
                .map(Secret::expose)
                .collect(),
        }
    }

    /// Every secret value of the credential, in every form a request carries it in.
    pub(crate) fn secrets(&self) -> Secrets {
        let mut secrets = Secrets::of(self.secret_values());
        // Everything that travels as HTTP Basic, to the API or to a token endpoint.
        match self {
            Credential::Basic { username, password } => {
                secrets.add_basic(username, password.expose());
            }
            Credential::ClientCredentials {
                client_id,
                client_secret,
                ..
            }
            | Credential::UserToken {
                client_id: Some(client_id),
                client_secret: Some(client_secret),
                ..
            } => secrets.add_basic(client_id, client_secret.expose()),
            _ => {}
        }
        secrets
    }
}

pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(DEFAULT_TIMEOUT_SECS);
/// How long an HTTP server's shutdown waits for running tool calls.
const DEFAULT_DRAIN: Duration = Duration::from_secs(DEFAULT_SHUTDOWN_SECS);

/// `PREFIX_SHUTDOWN_SECS`, or the default (an unreadable value falls back too, with a warning).
pub(crate) fn drain_time(c: &Connector, env: impl Fn(&str) -> Option<String>) -> Duration {
    let var = EnvNames::from_prefix(c.env_prefix).shutdown_secs();
    match env(&var).map(|v| v.trim().parse::<u64>()) {
        None => DEFAULT_DRAIN,
        Some(Ok(secs)) => Duration::from_secs(secs),
        Some(Err(_)) => {
            tracing::warn!(
                "{var} is not a number of seconds; using {} s",
                DEFAULT_DRAIN.as_secs()
            );
            DEFAULT_DRAIN
        }
    }
}

/// How much the HTTP endpoint takes on at once, and how long it waits for a slow client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServerLimits {
    /// Connections at once.
    pub(crate) connections: usize,
    /// For a TLS handshake, a request's headers, and a new connection's first request.
    pub(crate) header_timeout: Duration,
    pub(crate) sessions: SessionLimits,
}

/// The HTTP endpoint's limits from `PREFIX_MCP_*` (each at least 1).
pub(crate) fn server_limits(
    c: &Connector,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<ServerLimits, Error> {
    let names = EnvNames::from_prefix(c.env_prefix);
    let env = Environment { lookup };
    let count = |var: String, default: usize, what: &str| {
        env.number(&var, default, what).map(|n: usize| n.max(1))
    };
    let secs = |var: String, default: u64| {
        env.number(&var, default, "seconds")
            .map(|n: u64| Duration::from_secs(n.max(1)))
    };
    Ok(ServerLimits {
        connections: count(
            names.mcp_max_connections(),
            DEFAULT_MAX_CONNECTIONS,
            "connections",
        )?,
        header_timeout: secs(names.mcp_header_timeout_secs(), DEFAULT_HEADER_TIMEOUT_SECS)?,
        sessions: SessionLimits {
            total: count(names.mcp_max_sessions(), DEFAULT_MAX_SESSIONS, "sessions")?,
            per_caller: count(
                names.mcp_max_sessions_per_caller(),
                DEFAULT_MAX_SESSIONS_PER_CALLER,
                "sessions",
            )?,
            idle: secs(names.mcp_session_idle_secs(), DEFAULT_SESSION_IDLE_SECS)?,
        },
    })
}

#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// The names of the connector's variables, for messages.
    pub(crate) names: EnvNames,
    /// `PREFIX_BASE_URL`, replacing the spec's servers.
    pub(crate) base_url: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) response_limit: usize,
    /// Times an idempotent call is tried again (`PREFIX_RETRIES`).
    pub(crate) retries: u32,
    /// Requests to the API at once (`PREFIX_CONCURRENCY`), at least 1.
    pub(crate) concurrency: usize,
    /// Threads serving MCP and calling the API (`PREFIX_WORKER_THREADS`), at least 1.
    pub(crate) worker_threads: usize,
    /// By security scheme key; only the configured ones.
    pub(crate) credentials: HashMap<&'static str, Credential>,
    /// Inbound HTTP headers passed on to the API, as (inbound, outbound) names.
    pub(crate) forward_headers: Vec<(String, String)>,
    /// Directories whose files tools may send (`file:` arguments).
    pub(crate) file_roots: FileRoots,
    /// How `tools/list` presents the tools: `PREFIX_LISTING`, else the generated choice.
    pub(crate) listing: Listing,
    /// The Redis replicas share their tasks through (`PREFIX_MCP_TASKS_REDIS_URL`).
    pub(crate) tasks_redis_url: Option<String>,
    /// Values of the server URL's `{variables}` set by `PREFIX_SERVER_<NAME>`.
    pub(crate) server_values: HashMap<&'static str, String>,
    /// Every configured credential, for the scrubber.
    pub(crate) secrets: Secrets,
}

/// Parses `In` / `In:Out` entries. The MCP client's own `Authorization` is its token for this
/// connector, and passing it on is token passthrough: only an explicit `Authorization:Out` does.
fn parse_forward_headers(var: &str, text: &str) -> Result<Vec<(String, String)>, Error> {
    let mut out = Vec::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (inbound, outbound) = match entry.split_once(':') {
            Some((i, o)) => (i.trim(), o.trim()),
            None => {
                if entry.eq_ignore_ascii_case("authorization") {
                    return Err(Error::variable(
                        var,
                        "forwarding the MCP client's own Authorization header would be token passthrough (its token for this connector sent to the API); \
                         if that is really wanted, map it explicitly (`Authorization:Authorization`)",
                    ));
                }
                (entry, entry)
            }
        };
        let valid = |n: &str| reqwest::header::HeaderName::from_bytes(n.as_bytes()).is_ok();
        if !valid(inbound) || !valid(outbound) {
            return Err(Error::variable(
                var,
                format!("`{entry}` is not a header name or `In:Out` pair"),
            ));
        }
        out.push((inbound.to_ascii_lowercase(), outbound.to_string()));
    }
    Ok(out)
}

/// Reads one variable through a lookup, treating blank values as unset.
struct Environment<F> {
    lookup: F,
}

impl<F: Fn(&str) -> Option<String>> Environment<F> {
    fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }

    /// A user name or password: only line breaks are trimmed (spaces may belong to a password).
    fn line(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(|v| v.trim_matches(['\r', '\n']).to_string())
    }

    fn base_url(&self, var: &str) -> Result<Option<String>, Error> {
        let Some(url) = self.get(var) else {
            return Ok(None);
        };
        let parsed = reqwest::Url::parse(url.trim())
            .map_err(|e| Error::variable(var, format!("`{url}` is not a URL ({e})")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::variable(var, "use an http or https URL"));
        }
        Ok(Some(url.trim().trim_end_matches('/').to_string()))
    }

    fn timeout(&self, var: &str) -> Result<Duration, Error> {
        let Some(v) = self.get(var) else {
            return Ok(DEFAULT_TIMEOUT);
        };
        let seconds = v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| *s > 0.0 && *s < 86_400.0)
            .ok_or_else(|| Error::variable(var, format!("`{v}` is not a number of seconds")))?;
        Ok(Duration::from_secs_f64(seconds))
    }

    /// `PREFIX_SERVER_<NAME>` for each variable of the connector's server URLs, checked against
    /// the values the spec allows.
    fn server_values(
        &self,
        connector: &Connector,
        names: &EnvNames,
    ) -> Result<HashMap<&'static str, String>, Error> {
        let mut values = HashMap::new();
        for variable in connector.servers.iter().flat_map(|s| s.variables) {
            let var = names.server_variable(variable.name);
            let Some(value) = self.get(&var) else {
                continue;
            };
            let value = value.trim().to_string();
            if !variable.allowed.is_empty() && !variable.allowed.contains(&value.as_str()) {
                return Err(Error::variable(
                    var,
                    format!(
                        "`{value}` is not one of the values the API allows: {}",
                        variable.allowed.join(", ")
                    ),
                ));
            }
            values.insert(variable.name, value);
        }
        Ok(values)
    }

    fn listing(&self, var: &str, generated: Listing) -> Result<Listing, Error> {
        match self.get(var).as_deref().map(str::trim) {
            None => Ok(generated),
            Some("full") => Ok(Listing::Full),
            Some("catalog") => Ok(Listing::Catalog),
            Some(other) => Err(Error::variable(
                var,
                format!("`{other}` is neither `full` (one tool per operation) nor `catalog`"),
            )),
        }
    }

    fn response_limit(&self, var: &str) -> Result<usize, Error> {
        let Some(v) = self.get(var) else {
            return Ok(DEFAULT_RESPONSE_LIMIT);
        };
        v.trim()
            .parse::<usize>()
            .map_err(|_| Error::variable(var, format!("`{v}` is not a number of characters")))
    }

    /// A whole number of `what`, or `default` when unset.
    fn number<T: std::str::FromStr>(&self, var: &str, default: T, what: &str) -> Result<T, Error> {
        let Some(v) = self.get(var) else {
            return Ok(default);
        };
        v.trim()
            .parse::<T>()
            .map_err(|_| Error::variable(var, format!("`{v}` is not a number of {what}")))
    }

    /// The credential configured for `scheme`, if all it needs is set.
    fn credential(
        &self,
        scheme: &SecurityScheme,
        vars: &SchemeVars,
    ) -> Result<Option<Credential>, Error> {
        Ok(match scheme.auth {
            Auth::ApiKey { .. } | Auth::Bearer | Auth::Http { .. } => self
                .get(&vars.value())
                .map(|v| Credential::Token(Secret::new(v))),
            Auth::AccessToken { .. } => {
                let access_token = self.get(&vars.access_token()).map(Secret::new);
                let refresh_token = self.get(&vars.refresh_token()).map(Secret::new);
                (access_token.is_some() || refresh_token.is_some()).then(|| Credential::UserToken {
                    access_token,
                    refresh_token,
                    client_id: self.get(&vars.client_id()).map(|v| v.trim().to_string()),
                    client_secret: self.get(&vars.client_secret()).map(Secret::new),
                })
            }
            Auth::Basic => match (self.line(&vars.username()), self.line(&vars.password())) {
                (Some(username), Some(password)) => Some(Credential::Basic {
                    username,
                    // Not `Secret::new`, which would trim spaces a password may have.
                    password: Secret(password),
                }),
                _ => None,
            },
            Auth::OAuth2ClientCredentials { .. } => self.client_credentials(vars)?,
            Auth::Unsupported { .. } => None,
        })
    }

    fn client_credentials(&self, vars: &SchemeVars) -> Result<Option<Credential>, Error> {
        let auth_var = vars.client_auth();
        let auth_in_body = match self.get(&auth_var).as_deref().map(str::trim) {
            None | Some("basic") => false,
            Some("body") => true,
            Some(other) => {
                return Err(Error::variable(
                    auth_var,
                    format!(
                        "`{other}` is neither `basic` (HTTP Basic, the default) nor `body` (credentials in the form)"
                    ),
                ));
            }
        };
        Ok(
            match (self.get(&vars.client_id()), self.get(&vars.client_secret())) {
                (Some(client_id), Some(secret)) => Some(Credential::ClientCredentials {
                    client_id: client_id.trim().to_string(),
                    client_secret: Secret::new(secret),
                    token_url: self.get(&vars.token_url()),
                    auth_in_body,
                }),
                _ => None,
            },
        )
    }
}

/// How `tools/list` presents the tools: `PREFIX_LISTING`, else the generated choice.
pub(crate) fn listing(
    connector: &Connector,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Listing, Error> {
    let env = Environment { lookup };
    env.listing(
        &EnvNames::from_prefix(connector.env_prefix).listing(),
        connector.listing,
    )
}

impl Config {
    /// Reads the configuration through `lookup` (the process environment in production).
    pub(crate) fn load(
        connector: &'static Connector,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, Error> {
        let names = EnvNames::from_prefix(connector.env_prefix);
        let env = Environment { lookup };
        let mut credentials = HashMap::new();
        let mut secrets = Secrets::default();
        for scheme in connector.security_schemes {
            if let Some(credential) = env.credential(scheme, &names.scheme(scheme.key))? {
                secrets.extend(&credential.secrets());
                credentials.insert(scheme.key, credential);
            }
        }
        let forward_headers = match env.get(&names.forward_headers()) {
            Some(text) => parse_forward_headers(&names.forward_headers(), &text)?,
            None => Vec::new(),
        };
        let tasks_redis_url = env.get(&names.mcp_tasks_redis_url());
        if let Some(url) = &tasks_redis_url {
            let parsed = url::Url::parse(url)
                .ok()
                .filter(|u| matches!(u.scheme(), "redis" | "rediss") && u.host_str().is_some());
            let Some(parsed) = parsed else {
                return Err(Error::variable(
                    names.mcp_tasks_redis_url(),
                    "use a Redis URL: redis://host:6379/0 (rediss:// for TLS)",
                ));
            };
            if let Some(password) = parsed.password() {
                secrets.extend(&Secrets::of([password, url.as_str()]));
            }
        }
        Ok(Config {
            tasks_redis_url,
            base_url: env.base_url(&names.base_url())?,
            timeout: env.timeout(&names.timeout_secs())?,
            response_limit: env.response_limit(&names.response_limit())?,
            retries: env.number(&names.retries(), DEFAULT_RETRIES, "retries")?,
            concurrency: env
                .number(&names.concurrency(), DEFAULT_CONCURRENCY, "requests")?
                .max(1),
            worker_threads: env
                .number(&names.worker_threads(), DEFAULT_WORKER_THREADS, "threads")?
                .max(1),
            file_roots: FileRoots::load(
                &names.file_roots(),
                env.get(&names.file_roots()).as_deref(),
            )?,
            forward_headers,
            credentials,
            listing: env.listing(&names.listing(), connector.listing)?,
            server_values: env.server_values(connector, &names)?,
            secrets,
            names,
        })
    }

    /// The base URL for a tool: the override, else the tool's or the connector's first server.
    pub(crate) fn base_url_for(
        &self,
        connector: &Connector,
        servers: &[ServerUrl],
    ) -> Result<String, String> {
        if let Some(url) = &self.base_url {
            return Ok(url.clone());
        }
        let server = servers.first().or(connector.servers.first());
        let Some(server) = server else {
            return Err(format!(
                "the API description names no server: set {} to the API's URL",
                self.names.base_url()
            ));
        };
        let url = server.resolve(|name| self.server_values.get(name).cloned());
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "the API's server URL `{url}` is relative: set {} to the API's full URL",
                self.names.base_url()
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
                .to_string()
                .contains("passthrough")
        );
        assert!(parse_forward_headers("V", "authorization:Authorization").is_ok());
        assert!(parse_forward_headers("V", "bad header").is_err());
    }

    #[test]
    fn credentials_from_files_lose_their_line_break() {
        static SCHEMES: &[SecurityScheme] = &[
            SecurityScheme {
                key: "token",
                auth: Auth::Bearer,
                env: &[],
            },
            SecurityScheme {
                key: "basic",
                auth: Auth::Basic,
                env: &[],
            },
        ];
        static CONNECTOR: Connector = Connector {
            name: "x",
            title: "X",
            version: "1",
            description: "",
            instructions: "",
            env_prefix: "X",
            servers: &[],
            security_schemes: SCHEMES,
            tools: &[],
            listing: Listing::Full,
            toolsets: &[],
            source_hash: "",
            generator_version: "",
        };
        let env = |name: &str| match name {
            "X_TOKEN" => Some("tok-abcdef\n".to_string()),
            "X_BASIC_USERNAME" => Some("user\r\n".to_string()),
            "X_BASIC_PASSWORD" => Some(" pass word \n".to_string()),
            _ => None,
        };
        let config = Config::load(&CONNECTOR, env).unwrap();
        let Some(Credential::Token(token)) = config.credentials.get("token") else {
            panic!()
        };
        assert_eq!(token.expose(), "tok-abcdef");
        let Some(Credential::Basic { username, password }) = config.credentials.get("basic") else {
            panic!()
        };
        assert_eq!(
            (username.as_str(), password.expose()),
            ("user", " pass word ")
        );
        assert_eq!(config.secrets.scrub("tok-abcdef"), "[redacted]");
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
