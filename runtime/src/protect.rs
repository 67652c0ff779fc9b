//! Who may call the MCP endpoint over HTTP: nobody checked (loopback, or an explicit
//! `--no-auth`), a static bearer token (`PREFIX_MCP_TOKEN`), or OAuth 2.1 resource-server mode —
//! JWT access tokens checked against the issuer's JWKS (signature, issuer, audience = this
//! server's resource URL, expiry), with RFC 9728 protected-resource metadata.
//!
//! The MCP client's token is for this connector only: it is removed from the request once
//! checked, so nothing downstream can pass it on to the API.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use tokio::sync::RwLock;
use tracing::{info, warn};

use mcpgen_contract::env::EnvNames;

use crate::config::Secret;
use crate::error::Error;
use crate::table::Connector;

/// Whom an OAuth access token was issued to (its `sub`), as a request extension once checked.
#[derive(Debug, Clone)]
pub(crate) struct Principal(pub(crate) String);

/// How the endpoint is protected.
#[derive(Debug, Clone)]
pub(crate) enum Protection {
    None,
    Token(Secret),
    OAuth(Arc<ResourceServer>),
}

/// OAuth 2.1 resource-server settings and the issuer's keys.
#[derive(Debug)]
pub(crate) struct ResourceServer {
    /// The `iss` tokens must carry.
    issuer: String,
    /// This server's resource URL (`https://mcp.example.com/mcp`): the `aud` tokens must carry.
    pub(crate) resource: String,
    /// Where the issuer publishes its keys; discovered from the issuer's metadata when unset.
    jwks_url: Option<String>,
    /// Scopes every token must have.
    scopes: Vec<String>,
    keys: RwLock<Option<(JwkSet, Instant)>>,
    http: reqwest::Client,
}

impl Protection {
    /// The protection for an endpoint at `socket`: off by default only on loopback; anywhere
    /// else the operator must choose a token, OAuth, or `--no-auth` (a gateway in front
    /// authenticates).
    pub(crate) fn for_endpoint(
        c: &Connector,
        env: impl Fn(&str) -> Option<String>,
        socket: SocketAddr,
        no_auth: bool,
    ) -> Result<Protection, Error> {
        let names = EnvNames::from_prefix(c.env_prefix);
        let protection = Protection::load(&names, env)?;
        if protection.is_none() && !no_auth && !socket.ip().is_loopback() {
            return Err(Error::Variables(format!(
                "--http {socket} listens beyond this machine, so the MCP endpoint needs protection: set {} to a random token clients send as `Authorization: Bearer <token>`, \
                 or {} and {} for OAuth access tokens, or pass --no-auth if a gateway in front authenticates",
                names.mcp_token(),
                names.mcp_issuer(),
                names.mcp_resource(),
            )));
        }
        if no_auth && !protection.is_none() {
            return Err(Error::Variables(
                "--no-auth contradicts the MCP token or issuer set in the environment; drop one"
                    .into(),
            ));
        }
        Ok(protection)
    }

    /// Reads the protection the environment asks for.
    fn load(names: &EnvNames, env: impl Fn(&str) -> Option<String>) -> Result<Protection, Error> {
        let get = |name: String| env(&name).filter(|v| !v.trim().is_empty());
        match (get(names.mcp_token()), get(names.mcp_issuer())) {
            (Some(_), Some(_)) => Err(Error::Variables(format!(
                "set either {} (a static token) or {} (OAuth), not both",
                names.mcp_token(),
                names.mcp_issuer()
            ))),
            (Some(token), None) => {
                // From a file (a Kubernetes Secret), the token often ends in a line break that no
                // client sends: kept, it would lock every client out.
                let token = token.trim();
                if token.len() < 16 {
                    return Err(Error::variable(
                        names.mcp_token(),
                        "use a random token of at least 16 characters (e.g. `openssl rand -hex 32`)",
                    ));
                }
                Ok(Protection::Token(Secret::new(token)))
            }
            (None, Some(issuer)) => {
                let resource = get(names.mcp_resource()).ok_or_else(|| {
                    Error::Variables(format!(
                        "{} is set, so {} must be too: this server's public MCP URL (e.g. https://mcp.example.com/mcp), which tokens must name as their audience",
                        names.mcp_issuer(),
                        names.mcp_resource()
                    ))
                })?;
                url::Url::parse(&resource).map_err(|e| {
                    Error::variable(names.mcp_resource(), format!("`{resource}`: {e}"))
                })?;
                let scopes = get(names.mcp_scopes())
                    .map(|s| {
                        s.split([' ', ','])
                            .filter(|x| !x.is_empty())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                let http = reqwest::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .build()
                    .map_err(Error::HttpClient)?;
                Ok(Protection::OAuth(Arc::new(ResourceServer {
                    issuer: issuer.trim_end_matches('/').to_string(),
                    resource,
                    jwks_url: get(names.mcp_jwks_url()),
                    scopes,
                    keys: RwLock::new(None),
                    http,
                })))
            }
            (None, None) => Ok(Protection::None),
        }
    }

    pub(crate) fn is_none(&self) -> bool {
        matches!(self, Protection::None)
    }
}

/// The RFC 9728 metadata URL for `resource`: the well-known prefix goes before its path.
pub(crate) fn metadata_url(resource: &str) -> String {
    match url::Url::parse(resource) {
        Ok(u) => {
            let path = u.path().trim_end_matches('/');
            format!(
                "{}/.well-known/oauth-protected-resource{path}",
                u.origin().ascii_serialization()
            )
        }
        Err(_) => resource.to_string(),
    }
}

impl ResourceServer {
    /// The protected-resource metadata document.
    pub(crate) fn metadata(&self) -> Value {
        let mut doc = json!({
            "resource": self.resource,
            "authorization_servers": [self.issuer],
            "bearer_methods_supported": ["header"],
        });
        if !self.scopes.is_empty() {
            doc["scopes_supported"] = json!(self.scopes);
        }
        doc
    }

    async fn jwks_url(&self) -> Result<String, String> {
        if let Some(url) = &self.jwks_url {
            return Ok(url.clone());
        }
        // RFC 8414 first, then OpenID Connect discovery.
        for well_known in ["oauth-authorization-server", "openid-configuration"] {
            let url = format!("{}/.well-known/{well_known}", self.issuer);
            let Ok(response) = self.http.get(&url).send().await else {
                continue;
            };
            if !response.status().is_success() {
                continue;
            }
            if let Ok(doc) = response.json::<Value>().await
                && let Some(jwks) = doc.get("jwks_uri").and_then(Value::as_str)
            {
                return Ok(jwks.to_string());
            }
        }
        Err(format!(
            "the issuer {} publishes no metadata with a `jwks_uri`",
            self.issuer
        ))
    }

    /// The issuer's keys, fetched again when `refresh` and the copy is older than a few seconds
    /// (a new `kid` after key rotation), so a flood of bad tokens cannot hammer the issuer.
    async fn keys(&self, refresh: bool) -> Result<JwkSet, String> {
        if let Some((keys, at)) = &*self.keys.read().await
            && (!refresh || at.elapsed() < Duration::from_secs(10))
        {
            return Ok(keys.clone());
        }
        let url = self.jwks_url().await?;
        let keys: JwkSet = self
            .http
            .get(&url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| format!("cannot fetch the issuer's keys from {url}: {e}"))?
            .json()
            .await
            .map_err(|e| format!("the issuer's keys at {url} are not a JWK set: {e}"))?;
        *self.keys.write().await = Some((keys.clone(), Instant::now()));
        Ok(keys)
    }

    /// Checks an access token: signature by one of the issuer's keys, `iss`, `aud`, `exp`,
    /// `nbf`, and the required scopes.
    async fn check(&self, token: &str) -> Result<Value, Rejection> {
        let invalid = |why: String| Rejection::InvalidToken(why);
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| invalid(format!("not a JWT: {e}")))?;
        if matches!(
            header.alg,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            return Err(invalid("symmetric signatures are not accepted".into()));
        }
        let mut keys = self.keys(false).await.map_err(Rejection::Unavailable)?;
        let find = |keys: &JwkSet| match &header.kid {
            Some(kid) => keys.find(kid).cloned(),
            None => keys.keys.first().cloned(),
        };
        let jwk = match find(&keys) {
            Some(k) => k,
            None => {
                keys = self.keys(true).await.map_err(Rejection::Unavailable)?;
                find(&keys)
                    .ok_or_else(|| invalid("signed by a key the issuer does not publish".into()))?
            }
        };
        let key = DecodingKey::from_jwk(&jwk).map_err(|e| invalid(format!("unusable key: {e}")))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer, &format!("{}/", self.issuer)]);
        validation.set_audience(&[&self.resource]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = 30;
        validation.validate_nbf = true;
        let data = jsonwebtoken::decode::<Value>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            invalid(match e.kind() {
                ErrorKind::ExpiredSignature => "the token has expired".into(),
                ErrorKind::InvalidAudience => format!("the token is not for {}", self.resource),
                ErrorKind::InvalidIssuer => format!("the token was not issued by {}", self.issuer),
                ErrorKind::InvalidSignature => "the signature does not verify".into(),
                ErrorKind::ImmatureSignature => "the token is not valid yet".into(),
                _ => e.to_string(),
            })
        })?;
        let granted: Vec<&str> = data
            .claims
            .get("scope")
            .and_then(Value::as_str)
            .map(|s| s.split(' ').collect())
            .unwrap_or_default();
        let missing: Vec<&String> = self
            .scopes
            .iter()
            .filter(|s| !granted.contains(&s.as_str()))
            .collect();
        if !missing.is_empty() {
            return Err(Rejection::InsufficientScope(
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ));
        }
        Ok(data.claims)
    }
}

/// Why a request was refused.
#[derive(Debug)]
enum Rejection {
    Missing,
    InvalidToken(String),
    InsufficientScope(String),
    /// The issuer's keys could not be had: not the client's fault.
    Unavailable(String),
}

fn bearer(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Compares without stopping at the first difference, so timing does not leak the token.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn refuse(protection: &Protection, rejection: Rejection) -> Response {
    let quote = |s: &str| s.replace(['"', '\\'], "'");
    let (status, mut challenge, message) = match &rejection {
        Rejection::Missing => (
            StatusCode::UNAUTHORIZED,
            "Bearer".to_string(),
            "a bearer token is required".to_string(),
        ),
        Rejection::InvalidToken(why) => (
            StatusCode::UNAUTHORIZED,
            format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\"",
                quote(why)
            ),
            why.clone(),
        ),
        Rejection::InsufficientScope(scopes) => (
            StatusCode::FORBIDDEN,
            format!(
                "Bearer error=\"insufficient_scope\", scope=\"{}\"",
                quote(scopes)
            ),
            format!("the token lacks the scopes: {scopes}"),
        ),
        Rejection::Unavailable(why) => {
            warn!("cannot check access tokens: {why}");
            let body = json!({"error": "temporarily_unavailable", "error_description": "the authorization server's keys cannot be fetched"});
            return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
        }
    };
    if let Protection::OAuth(rs) = protection {
        let sep = if challenge == "Bearer" { " " } else { ", " };
        challenge.push_str(&format!(
            "{sep}resource_metadata=\"{}\"",
            metadata_url(&rs.resource)
        ));
        if !rs.scopes.is_empty() && matches!(rejection, Rejection::Missing) {
            challenge.push_str(&format!(", scope=\"{}\"", rs.scopes.join(" ")));
        }
    }
    info!(
        status = status.as_u16(),
        "refused an MCP request: {message}"
    );
    let mut response = (
        status,
        axum::Json(json!({"error": if status == StatusCode::FORBIDDEN { "insufficient_scope" } else { "invalid_token" }, "error_description": message})),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// Middleware for `/mcp`: lets a request through only with a valid token, and strips the token.
pub(crate) async fn guard(
    State(protection): State<Protection>,
    mut request: Request,
    next: Next,
) -> Response {
    let checked = match &protection {
        Protection::None => Ok(()),
        Protection::Token(expected) => match bearer(&request) {
            None => Err(Rejection::Missing),
            Some(token) if same(token.as_bytes(), expected.expose().as_bytes()) => Ok(()),
            Some(_) => Err(Rejection::InvalidToken("the token is not valid".into())),
        },
        Protection::OAuth(rs) => match bearer(&request) {
            None => Err(Rejection::Missing),
            Some(token) => rs.check(token).await.map(|claims| {
                if let Some(subject) = claims.get("sub").and_then(Value::as_str) {
                    let subject = Principal(subject.to_string());
                    request.extensions_mut().insert(subject);
                }
            }),
        },
    };
    match checked {
        Ok(()) => {
            if !protection.is_none() {
                request.headers_mut().remove(header::AUTHORIZATION);
            }
            next.run(request).await
        }
        Err(rejection) => refuse(&protection, rejection),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_urls_insert_the_well_known_prefix() {
        assert_eq!(
            metadata_url("https://mcp.example.com/mcp"),
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            metadata_url("https://mcp.example.com"),
            "https://mcp.example.com/.well-known/oauth-protected-resource"
        );
    }

    #[test]
    fn token_comparison_needs_every_byte() {
        assert!(same(b"abcdef", b"abcdef"));
        assert!(!same(b"abcdef", b"abcdeg"));
        assert!(!same(b"abc", b"abcdef"));
    }
}
