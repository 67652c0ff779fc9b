//! The environment variables a connector reads, named in one place.
//!
//! Every name starts with the connector's prefix: its name in UPPER_SNAKE_CASE as `heck` makes it
//! (`orders-service` → `ORDERS_SERVICE`). A security scheme's variables continue with the scheme's
//! key in the same case (`apiKeyAuth` → `ORDERS_SERVICE_API_KEY_AUTH`).

use heck::ToShoutySnakeCase;

/// Seconds a connector waits for the API unless told otherwise.
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;
/// Characters of a response given to the model before it is cut.
pub const DEFAULT_RESPONSE_LIMIT: usize = 100_000;
/// Seconds an HTTP server's shutdown waits for running tool calls.
pub const DEFAULT_SHUTDOWN_SECS: u64 = 20;
/// Times an idempotent call is tried again after a failed connection, 429, 502, 503 or 504.
pub const DEFAULT_RETRIES: u32 = 2;
/// Requests to the API at once, from all calls together.
pub const DEFAULT_CONCURRENCY: usize = 64;
/// MCP sessions (2025-11-25 clients over HTTP) at once, from all callers.
pub const DEFAULT_MAX_SESSIONS: usize = 1000;
/// MCP sessions at once for one caller (its token's subject, else its IP address).
pub const DEFAULT_MAX_SESSIONS_PER_CALLER: usize = 100;
/// Seconds an MCP session may go without a message before it is closed.
pub const DEFAULT_SESSION_IDLE_SECS: u64 = 300;
/// Connections to the HTTP endpoint at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Seconds a client has for a TLS handshake, and for sending a request's headers.
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 10;

/// Threads that serve MCP and call the API. One thread already serves many calls at once (they
/// wait on the API, not on the CPU), and measured on 2 cores it answers faster and uses about
/// half the CPU per call of a thread per core, which pays for hand-offs between threads.
pub const DEFAULT_WORKER_THREADS: usize = 1;

/// A variable that holds no secret.
fn plain(name: String, description: String) -> Variable {
    Variable {
        name,
        description,
        secret: false,
    }
}

/// The names of one connector's variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvNames {
    prefix: String,
}

/// A variable with what it is for, as `--help` and the connector's README show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// The full name (`ORDERS_BASE_URL`).
    pub name: String,
    /// What it sets, with its default.
    pub description: String,
    /// Whether its value is a credential.
    pub secret: bool,
}

impl EnvNames {
    /// The names for the connector called `name` (its crate and binary name).
    pub fn for_connector(name: &str) -> EnvNames {
        EnvNames {
            prefix: name.to_shouty_snake_case(),
        }
    }

    /// The names under an already computed prefix (as a tool table records it).
    pub fn from_prefix(prefix: &str) -> EnvNames {
        EnvNames {
            prefix: prefix.to_string(),
        }
    }

    /// The prefix itself (`ORDERS_SERVICE`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn var(&self, suffix: &str) -> String {
        format!("{}_{suffix}", self.prefix)
    }

    /// The API's base URL, path prefix included; replaces the spec's servers.
    pub fn base_url(&self) -> String {
        self.var("BASE_URL")
    }
    /// The value of `{name}` in the API's server URL template.
    pub fn server_variable(&self, name: &str) -> String {
        self.var(&format!("SERVER_{}", name.to_shouty_snake_case()))
    }
    /// Seconds to wait for the API.
    pub fn timeout_secs(&self) -> String {
        self.var("TIMEOUT_SECS")
    }
    /// Characters of a response given to the model.
    pub fn response_limit(&self) -> String {
        self.var("RESPONSE_LIMIT")
    }
    /// Times an idempotent call is tried again.
    pub fn retries(&self) -> String {
        self.var("RETRIES")
    }
    /// Requests to the API at once.
    pub fn concurrency(&self) -> String {
        self.var("CONCURRENCY")
    }
    /// The Redis that replicas share their MCP tasks through.
    pub fn mcp_tasks_redis_url(&self) -> String {
        self.var("MCP_TASKS_REDIS_URL")
    }
    /// The stderr log filter.
    pub fn log(&self) -> String {
        self.var("LOG")
    }
    /// Inbound HTTP headers passed on to the API.
    pub fn forward_headers(&self) -> String {
        self.var("FORWARD_HEADERS")
    }
    /// Directories whose files tools may send as `file:` paths.
    pub fn file_roots(&self) -> String {
        self.var("FILE_ROOTS")
    }
    /// Seconds a shutdown waits for running tool calls.
    pub fn shutdown_secs(&self) -> String {
        self.var("SHUTDOWN_SECS")
    }
    /// Threads that serve MCP and call the API.
    pub fn worker_threads(&self) -> String {
        self.var("WORKER_THREADS")
    }
    /// `full` or `catalog`: how `tools/list` presents the tools, replacing the generated choice.
    pub fn listing(&self) -> String {
        self.var("LISTING")
    }
    /// MCP sessions at once, from all callers.
    pub fn mcp_max_sessions(&self) -> String {
        self.var("MCP_MAX_SESSIONS")
    }
    /// MCP sessions at once for one caller.
    pub fn mcp_max_sessions_per_caller(&self) -> String {
        self.var("MCP_MAX_SESSIONS_PER_CALLER")
    }
    /// Seconds an idle MCP session lives.
    pub fn mcp_session_idle_secs(&self) -> String {
        self.var("MCP_SESSION_IDLE_SECS")
    }
    /// Connections to the HTTP endpoint at once.
    pub fn mcp_max_connections(&self) -> String {
        self.var("MCP_MAX_CONNECTIONS")
    }
    /// Seconds for a TLS handshake and a request's headers.
    pub fn mcp_header_timeout_secs(&self) -> String {
        self.var("MCP_HEADER_TIMEOUT_SECS")
    }
    /// The static bearer token MCP clients must send over HTTP.
    pub fn mcp_token(&self) -> String {
        self.var("MCP_TOKEN")
    }
    /// The OAuth issuer whose access tokens the HTTP endpoint accepts.
    pub fn mcp_issuer(&self) -> String {
        self.var("MCP_ISSUER")
    }
    /// This server's public MCP URL, the audience OAuth tokens must name.
    pub fn mcp_resource(&self) -> String {
        self.var("MCP_RESOURCE")
    }
    /// Where the issuer's signing keys are.
    pub fn mcp_jwks_url(&self) -> String {
        self.var("MCP_JWKS_URL")
    }
    /// Scopes every OAuth token must carry.
    pub fn mcp_scopes(&self) -> String {
        self.var("MCP_SCOPES")
    }

    /// The variables of the security scheme whose key in the spec is `key`.
    pub fn scheme(&self, key: &str) -> SchemeVars {
        SchemeVars {
            base: self.var(&key.to_shouty_snake_case()),
        }
    }

    /// Every variable that configures the connector itself (not its API credentials), in the
    /// order `--help` lists them. `default_base_url` is the URL the connector calls when
    /// [`EnvNames::base_url`] is unset.
    pub fn operator_variables(&self, default_base_url: Option<&str>) -> Vec<Variable> {
        let default_server = match default_base_url {
            Some(url) => format!("default `{url}`"),
            None => "required: the spec names no server".into(),
        };
        vec![
            plain(
                self.base_url(),
                format!("the API's base URL, path prefix included ({default_server})"),
            ),
            plain(
                self.timeout_secs(),
                format!("seconds to wait for the API (default {DEFAULT_TIMEOUT_SECS})"),
            ),
            plain(
                self.response_limit(),
                format!(
                    "characters of a response given to the model before it is cut (default {DEFAULT_RESPONSE_LIMIT})"
                ),
            ),
            plain(
                self.listing(),
                "`full` (one tool per operation) or `catalog` (tools to search, describe and call them): replaces the listing chosen at generation".into(),
            ),
        ]
        .into_iter()
        .chain(self.api_limits())
        .chain([
            plain(
                self.file_roots(),
                "directories whose files tools may send: an argument of file content then also takes `file:/absolute/path` (default: none, base64 only)".into(),
            ),
            plain(
                self.forward_headers(),
                "with --http: inbound headers forwarded to the API for that call, `In` or `In:Out`, comma-separated (e.g. a caller's own key)".into(),
            ),
            Variable {
                name: self.mcp_token(),
                description: "with --http: the bearer token MCP clients must send (required beyond loopback unless OAuth is set)".into(),
                secret: true,
            },
            plain(
                self.mcp_issuer(),
                "with --http: accept OAuth access tokens (JWT) from this issuer instead; needs the next variable".into(),
            ),
            plain(
                self.mcp_resource(),
                "with --http and an issuer: this server's public MCP URL, the audience tokens must name".into(),
            ),
            plain(
                self.mcp_jwks_url(),
                "with an issuer: where its signing keys are (default: from the issuer's metadata)".into(),
            ),
            plain(
                self.mcp_scopes(),
                "with an issuer: scopes every token must carry, space-separated (optional)".into(),
            ),
        ])
        .chain(self.endpoint_limits())
        .chain(self.process_settings())
        .collect()
    }

    /// The variables for the process itself (shutdown, threads, logs), in `--help` order.
    fn process_settings(&self) -> Vec<Variable> {
        vec![
            plain(
                self.shutdown_secs(),
                format!(
                    "with --http: seconds a shutdown waits for running tool calls (default {DEFAULT_SHUTDOWN_SECS})"
                ),
            ),
            plain(
                self.worker_threads(),
                format!(
                    "threads serving MCP and calling the API (default {DEFAULT_WORKER_THREADS}: one thread serves many calls at once; raise it when a replica has several cores to itself and its CPU is the limit)"
                ),
            ),
            plain(
                self.log(),
                "log filter for stderr, e.g. `info` or `debug` (default `warn`)".into(),
            ),
        ]
    }

    /// The variables that bound what the connector asks of the API, in `--help` order.
    fn api_limits(&self) -> Vec<Variable> {
        vec![
            plain(
                self.retries(),
                format!(
                    "times an idempotent call is tried again after a failed connection or a 429, 502, 503 or 504 (honouring Retry-After, within the timeout; default {DEFAULT_RETRIES}, 0: never)"
                ),
            ),
            plain(
                self.concurrency(),
                format!(
                    "requests to the API at once; more calls wait for their turn, within their timeout (default {DEFAULT_CONCURRENCY})"
                ),
            ),
        ]
    }

    /// The variables that bound what the HTTP endpoint takes on (connections, slow clients,
    /// sessions), in `--help` order.
    fn endpoint_limits(&self) -> Vec<Variable> {
        vec![
            plain(
                self.mcp_max_connections(),
                format!(
                    "with --http: connections at once; more wait to be accepted (default {DEFAULT_MAX_CONNECTIONS})"
                ),
            ),
            plain(
                self.mcp_header_timeout_secs(),
                format!(
                    "with --http: seconds a client has for the TLS handshake and for each request's headers, and a new connection for its first request (default {DEFAULT_HEADER_TIMEOUT_SECS})"
                ),
            ),
            plain(
                self.mcp_max_sessions(),
                format!(
                    "with --http: MCP sessions at once (2025-11-25 clients); more get 503 (default {DEFAULT_MAX_SESSIONS})"
                ),
            ),
            plain(
                self.mcp_max_sessions_per_caller(),
                format!(
                    "with --http: MCP sessions at once for one caller (its token's subject, else its IP address); more get 429 (default {DEFAULT_MAX_SESSIONS_PER_CALLER})"
                ),
            ),
            plain(
                self.mcp_session_idle_secs(),
                format!(
                    "with --http: seconds an MCP session may go without a message before it is closed (default {DEFAULT_SESSION_IDLE_SECS})"
                ),
            ),
            plain(
                self.mcp_tasks_redis_url(),
                "with --http: the Redis (`redis://host:6379/0`, `rediss://` for TLS) through which replicas share MCP tasks, so any of them answers for a task another started (default: each process keeps its own, in memory)".to_string(),
            ),
        ]
    }
}

/// The variables of one security scheme (`ORDERS_API_KEY_AUTH`, `ORDERS_OAUTH_CLIENT_ID`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeVars {
    base: String,
}

impl SchemeVars {
    fn var(&self, suffix: &str) -> String {
        format!("{}_{suffix}", self.base)
    }
    /// The one value of an API key, bearer token or other `Authorization` credential.
    pub fn value(&self) -> String {
        self.base.clone()
    }
    /// HTTP Basic user name.
    pub fn username(&self) -> String {
        self.var("USERNAME")
    }
    /// HTTP Basic password.
    pub fn password(&self) -> String {
        self.var("PASSWORD")
    }
    /// OAuth2 client id.
    pub fn client_id(&self) -> String {
        self.var("CLIENT_ID")
    }
    /// OAuth2 client secret.
    pub fn client_secret(&self) -> String {
        self.var("CLIENT_SECRET")
    }
    /// Replaces the spec's OAuth2 token URL.
    pub fn token_url(&self) -> String {
        self.var("TOKEN_URL")
    }
    /// How the client authenticates to the token endpoint: `basic` or `body`.
    pub fn client_auth(&self) -> String {
        self.var("CLIENT_AUTH")
    }
    /// A user's access token, obtained beforehand.
    pub fn access_token(&self) -> String {
        self.var("ACCESS_TOKEN")
    }
    /// A refresh token for the user's access token.
    pub fn refresh_token(&self) -> String {
        self.var("REFRESH_TOKEN")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_heck_upper_snake_case() {
        let names = EnvNames::for_connector("orders-service");
        assert_eq!(names.prefix(), "ORDERS_SERVICE");
        assert_eq!(names.base_url(), "ORDERS_SERVICE_BASE_URL");
        assert_eq!(
            names.scheme("apiKeyAuth").value(),
            "ORDERS_SERVICE_API_KEY_AUTH"
        );
        assert_eq!(
            names.scheme("oauth-client").client_secret(),
            "ORDERS_SERVICE_OAUTH_CLIENT_CLIENT_SECRET"
        );
        assert_eq!(
            names.scheme("HTTPBearer").value(),
            "ORDERS_SERVICE_HTTP_BEARER"
        );
        assert_eq!(EnvNames::from_prefix("X").mcp_token(), "X_MCP_TOKEN");
    }
}
