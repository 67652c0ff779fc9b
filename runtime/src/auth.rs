//! Authentication to the API: choosing the first security alternative whose credentials are
//! configured, applying them to a request, and OAuth2 client-credentials tokens fetched once and
//! shared until shortly before they expire.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use tokio::sync::Mutex;

use crate::config::{Config, Credential, Secret};
use crate::request::Prepared;
use crate::table::{Auth, Connector, Location, SecurityScheme, Tool};

/// One scheme of the chosen alternative, with its credential and scopes.
pub struct Selected {
    pub scheme: &'static SecurityScheme,
    pub credential: Credential,
    pub scopes: &'static [&'static str],
}

/// Picks the first alternative whose credentials are all configured. The error names what to set.
pub fn select(
    connector: &'static Connector,
    tool: &'static Tool,
    config: &Config,
) -> Result<Vec<Selected>, String> {
    if tool.security.is_empty() {
        return Ok(Vec::new());
    }
    let mut missing_per_alternative = Vec::new();
    'alternatives: for alternative in tool.security {
        let mut selected = Vec::new();
        let mut missing = Vec::new();
        for requirement in *alternative {
            let Some(scheme) = connector
                .security_schemes
                .iter()
                .find(|s| s.key == requirement.scheme)
            else {
                continue 'alternatives;
            };
            if let Auth::Unsupported { reason } = scheme.auth {
                missing.push(format!("(scheme `{}`: {reason})", scheme.key));
                continue;
            }
            match config.credentials.get(scheme.key) {
                Some(credential) => selected.push(Selected {
                    scheme,
                    credential: credential.clone(),
                    scopes: requirement.scopes,
                }),
                None => missing.extend(required_variables(scheme)),
            }
        }
        if missing.is_empty() {
            return Ok(selected);
        }
        missing_per_alternative.push(missing.join(" and "));
    }
    Err(format!(
        "`{}` needs credentials that are not configured: set {} in the connector's environment, then restart it",
        tool.name,
        missing_per_alternative.join(", or ")
    ))
}

/// The variables a scheme cannot work without (the others are optional refinements).
fn required_variables(scheme: &SecurityScheme) -> Vec<String> {
    let names = scheme.env.iter().map(|e| e.name.to_string());
    match scheme.auth {
        Auth::AccessToken { .. } => names.take(1).collect(),
        _ => names
            .filter(|n| !n.ends_with("_TOKEN_URL") && !n.ends_with("_CLIENT_AUTH"))
            .collect(),
    }
}

#[derive(Clone)]
struct CachedToken {
    token: Secret,
    expires: Option<Instant>,
    /// The newest refresh token (servers may rotate them).
    refresh: Option<Secret>,
}

/// OAuth2 access tokens by scheme and scopes, fetched once for all concurrent calls.
#[derive(Default)]
pub struct TokenCache {
    slots: Mutex<HashMap<String, Arc<Mutex<Option<CachedToken>>>>>,
}

/// Refresh this long before the token says it expires.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

/// What a token endpoint gave.
struct Issued {
    token: Secret,
    lifetime: Option<Duration>,
    refresh: Option<Secret>,
}

impl TokenCache {
    async fn slot(&self, key: &str) -> Arc<Mutex<Option<CachedToken>>> {
        self.slots
            .lock()
            .await
            .entry(key.to_string())
            .or_default()
            .clone()
    }

    /// A valid token for the selected scheme, fetched when there is none (or `refresh` is set:
    /// the API answered 401 with the current one).
    pub async fn token(
        &self,
        http: &reqwest::Client,
        connector: &Connector,
        config: &Config,
        selected: &Selected,
        refresh: bool,
    ) -> Result<Secret, String> {
        let key = format!("{}|{}", selected.scheme.key, selected.scopes.join(" "));
        let slot = self.slot(&key).await;
        // Holding the slot's lock while fetching makes concurrent callers wait for one fetch.
        let mut cached = slot.lock().await;
        if !refresh
            && let Some(t) = cached.as_ref()
            && t.expires.is_none_or(|e| e > Instant::now())
        {
            return Ok(t.token.clone());
        }
        let scheme = selected.scheme.key;
        let issued = match &selected.credential {
            Credential::ClientCredentials {
                client_id,
                client_secret,
                token_url,
                auth_in_body,
            } => {
                let url = match token_url {
                    Some(url) => url.clone(),
                    None => {
                        let Auth::OAuth2ClientCredentials { token_url } = selected.scheme.auth
                        else {
                            return Err("not an OAuth2 client-credentials scheme".into());
                        };
                        resolve_token_url(token_url, connector, config)?
                    }
                };
                let mut form = vec![("grant_type", "client_credentials".to_string())];
                if !selected.scopes.is_empty() {
                    form.push(("scope", selected.scopes.join(" ")));
                }
                let client = ClientAuth {
                    id: Some(client_id),
                    secret: Some(client_secret),
                    in_body: *auth_in_body,
                };
                request_token(http, &url, scheme, form, client).await?
            }
            Credential::UserToken {
                access_token,
                refresh_token,
                client_id,
                client_secret,
            } => {
                if !refresh
                    && cached.is_none()
                    && let Some(token) = access_token
                {
                    *cached = Some(CachedToken {
                        token: token.clone(),
                        expires: None,
                        refresh: refresh_token.clone(),
                    });
                    return Ok(token.clone());
                }
                let refresh_with = cached
                    .as_ref()
                    .and_then(|c| c.refresh.clone())
                    .or_else(|| refresh_token.clone());
                let refresh_url = match selected.scheme.auth {
                    Auth::AccessToken { refresh_url } => refresh_url,
                    _ => None,
                };
                let (Some(refresh_with), Some(url)) = (refresh_with, refresh_url) else {
                    // Nothing to refresh with: keep the token the user gave.
                    return access_token.clone().ok_or_else(|| {
                        format!("`{scheme}` has a refresh token but the API description names no URL to use it at")
                    });
                };
                let url = resolve_token_url(url, connector, config)?;
                let form = vec![
                    ("grant_type", "refresh_token".to_string()),
                    ("refresh_token", refresh_with.expose().to_string()),
                ];
                let client = ClientAuth {
                    id: client_id.as_ref(),
                    secret: client_secret.as_ref(),
                    in_body: client_secret.is_none(),
                };
                let mut issued = request_token(http, &url, scheme, form, client).await?;
                issued.refresh = issued.refresh.or(Some(refresh_with));
                issued
            }
            _ => return Err(format!("`{scheme}` does not use OAuth2 tokens")),
        };
        let expires = issued
            .lifetime
            .map(|l| Instant::now() + l.saturating_sub(EXPIRY_MARGIN.min(l / 2)));
        *cached = Some(CachedToken {
            token: issued.token.clone(),
            expires,
            refresh: issued.refresh,
        });
        Ok(issued.token)
    }
}

/// How the client authenticates to a token endpoint.
struct ClientAuth<'a> {
    id: Option<&'a String>,
    secret: Option<&'a Secret>,
    in_body: bool,
}

/// One token request (RFC 6749 §4.4 or §6); errors carry the status and OAuth error, never a secret.
async fn request_token(
    http: &reqwest::Client,
    url: &str,
    scheme: &str,
    mut form: Vec<(&'static str, String)>,
    client: ClientAuth<'_>,
) -> Result<Issued, String> {
    let mut request = http
        .post(url)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded");
    match (client.id, client.secret, client.in_body) {
        (Some(id), Some(secret), false) => {
            request = request.basic_auth(id, Some(secret.expose()));
        }
        (Some(id), secret, _) => {
            form.push(("client_id", id.clone()));
            if let Some(secret) = secret {
                form.push(("client_secret", secret.expose().to_string()));
            }
        }
        _ => {}
    }
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    let response = request.body(body).send().await.map_err(|e| {
        format!(
            "token endpoint {url} for `{scheme}` did not answer: {}",
            crate::response::describe_transport_error(&e)
        )
    })?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    if !status.is_success() {
        let field = |k: &str| {
            json.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let (error, description) = (field("error"), field("error_description"));
        let mut message = format!("token endpoint {url} for `{scheme}` refused: HTTP {status}");
        if !error.is_empty() {
            message.push_str(&format!(", error `{error}`"));
        }
        if !description.is_empty() {
            message.push_str(&format!(": {description}"));
        }
        return Err(message);
    }
    let Some(token) = json.get("access_token").and_then(|v| v.as_str()) else {
        return Err(format!(
            "token endpoint {url} for `{scheme}` answered without an access_token"
        ));
    };
    let lifetime = json
        .get("expires_in")
        .and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()))
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .or(Some(Duration::from_secs(3600)));
    Ok(Issued {
        token: Secret::new(token),
        lifetime,
        refresh: json
            .get("refresh_token")
            .and_then(|v| v.as_str())
            .map(Secret::new),
    })
}

/// A relative `tokenUrl` is relative to the API's base URL.
fn resolve_token_url(
    token_url: &str,
    connector: &Connector,
    config: &Config,
) -> Result<String, String> {
    if token_url.starts_with("http://") || token_url.starts_with("https://") {
        return Ok(token_url.to_string());
    }
    let base = config.base_url_for(connector, &[])?;
    let base = reqwest::Url::parse(&format!("{base}/")).map_err(|e| e.to_string())?;
    base.join(token_url.trim_start_matches('/'))
        .map(|u| u.to_string())
        .map_err(|e| format!("token URL `{token_url}`: {e}"))
}

/// Adds the credentials of `selected` to a prepared request.
pub async fn apply(
    prepared: &mut Prepared,
    selected: &[Selected],
    tokens: &TokenCache,
    http: &reqwest::Client,
    connector: &Connector,
    config: &Config,
    refresh: bool,
) -> Result<(), String> {
    for s in selected {
        match (&s.scheme.auth, &s.credential) {
            (Auth::ApiKey { name, location }, Credential::Token(key)) => match location {
                Location::Header => prepared.set_header(name, key.expose()),
                Location::Query => prepared.add_query(name, key.expose()),
                Location::Cookie => prepared.add_cookie(name, key.expose()),
                Location::Path => {}
            },
            (Auth::Basic, Credential::Basic { username, password }) => {
                let raw = format!("{username}:{}", password.expose());
                let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
                prepared.set_header("authorization", &format!("Basic {encoded}"));
            }
            (Auth::Bearer, Credential::Token(token)) => {
                prepared.set_header("authorization", &format!("Bearer {}", token.expose()));
            }
            (Auth::Http { scheme }, Credential::Token(value)) => {
                prepared.set_header("authorization", &format!("{scheme} {}", value.expose()));
            }
            (
                Auth::OAuth2ClientCredentials { .. } | Auth::AccessToken { .. },
                Credential::ClientCredentials { .. } | Credential::UserToken { .. },
            ) => {
                let token = tokens.token(http, connector, config, s, refresh).await?;
                prepared.set_header("authorization", &format!("Bearer {}", token.expose()));
                prepared.secrets.push(token.expose().to_string());
            }
            _ => {}
        }
        prepared.secrets.extend(secret_values(&s.credential));
    }
    Ok(())
}

/// The secret strings of a credential, so error texts can be scrubbed of them.
fn secret_values(credential: &Credential) -> Vec<String> {
    match credential {
        Credential::Token(s) => vec![s.expose().to_string()],
        Credential::Basic { password, .. } => vec![password.expose().to_string()],
        Credential::ClientCredentials { client_secret, .. } => {
            vec![client_secret.expose().to_string()]
        }
        Credential::UserToken {
            access_token,
            refresh_token,
            client_secret,
            ..
        } => [access_token, refresh_token, client_secret]
            .into_iter()
            .flatten()
            .map(|s| s.expose().to_string())
            .collect(),
    }
}

/// Whether any chosen scheme fetches tokens (a 401 then earns one re-fetch).
pub fn uses_oauth(selected: &[Selected]) -> bool {
    selected.iter().any(|s| {
        matches!(
            s.credential,
            Credential::ClientCredentials { .. } | Credential::UserToken { .. }
        )
    })
}
