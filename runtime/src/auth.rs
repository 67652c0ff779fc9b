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
                None => missing.extend(
                    scheme
                        .env
                        .iter()
                        .filter(|e| !e.name.ends_with("_TOKEN_URL"))
                        .map(|e| e.name.to_string()),
                ),
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

#[derive(Clone)]
struct CachedToken {
    token: Secret,
    expires: Instant,
}

/// OAuth2 access tokens by scheme and scopes, fetched once for all concurrent calls.
#[derive(Default)]
pub struct TokenCache {
    slots: Mutex<HashMap<String, Arc<Mutex<Option<CachedToken>>>>>,
}

/// Refresh this long before the token says it expires.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

impl TokenCache {
    async fn slot(&self, key: &str) -> Arc<Mutex<Option<CachedToken>>> {
        self.slots
            .lock()
            .await
            .entry(key.to_string())
            .or_default()
            .clone()
    }

    /// A valid token for `scheme` with `scopes`, fetched when there is none (or `refresh` is set).
    pub async fn token(
        &self,
        http: &reqwest::Client,
        connector: &Connector,
        config: &Config,
        selected: &Selected,
        refresh: bool,
    ) -> Result<Secret, String> {
        let Credential::ClientCredentials {
            client_id,
            client_secret,
            token_url,
        } = &selected.credential
        else {
            return Err("not an OAuth2 client".into());
        };
        let key = format!("{}|{}", selected.scheme.key, selected.scopes.join(" "));
        let slot = self.slot(&key).await;
        // Holding the slot's lock while fetching makes concurrent callers wait for one fetch.
        let mut cached = slot.lock().await;
        if !refresh
            && let Some(t) = cached.as_ref()
            && t.expires > Instant::now()
        {
            return Ok(t.token.clone());
        }
        let url = match token_url {
            Some(url) => url.clone(),
            None => {
                let Auth::OAuth2ClientCredentials { token_url } = selected.scheme.auth else {
                    return Err("not an OAuth2 client-credentials scheme".into());
                };
                resolve_token_url(token_url, connector, config)?
            }
        };
        let mut form = vec![("grant_type", "client_credentials".to_string())];
        if !selected.scopes.is_empty() {
            form.push(("scope", selected.scopes.join(" ")));
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let response = http
            .post(&url)
            .basic_auth(client_id, Some(client_secret.expose()))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "token endpoint {url} for `{}` did not answer: {}",
                    selected.scheme.key,
                    crate::response::describe_transport_error(&e)
                )
            })?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        if !status.is_success() {
            let error = json.get("error").and_then(|v| v.as_str()).unwrap_or("");
            let description = json
                .get("error_description")
                .and_then(|v| v.as_str())
                .unwrap_or("");
            return Err(format!(
                "token endpoint {url} for `{}` refused: HTTP {status}{}{}",
                selected.scheme.key,
                if error.is_empty() {
                    String::new()
                } else {
                    format!(", error `{error}`")
                },
                if description.is_empty() {
                    String::new()
                } else {
                    format!(": {description}")
                },
            ));
        }
        let Some(token) = json.get("access_token").and_then(|v| v.as_str()) else {
            return Err(format!(
                "token endpoint {url} for `{}` answered without an access_token",
                selected.scheme.key
            ));
        };
        let lifetime = json
            .get("expires_in")
            .and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()))
            .map(Duration::from_secs_f64)
            .unwrap_or(Duration::from_secs(3600));
        let token = Secret::new(token);
        *cached = Some(CachedToken {
            token: token.clone(),
            expires: Instant::now() + lifetime.saturating_sub(EXPIRY_MARGIN.min(lifetime / 2)),
        });
        Ok(token)
    }
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
            (Auth::Bearer | Auth::AccessToken, Credential::Token(token)) => {
                prepared.set_header("authorization", &format!("Bearer {}", token.expose()));
            }
            (Auth::Http { scheme }, Credential::Token(value)) => {
                prepared.set_header("authorization", &format!("{scheme} {}", value.expose()));
            }
            (Auth::OAuth2ClientCredentials { .. }, Credential::ClientCredentials { .. }) => {
                let token = tokens.token(http, connector, config, s, refresh).await?;
                prepared.set_header("authorization", &format!("Bearer {}", token.expose()));
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
    }
}

/// Whether any chosen scheme fetches tokens (a 401 then earns one re-fetch).
pub fn uses_oauth(selected: &[Selected]) -> bool {
    selected
        .iter()
        .any(|s| matches!(s.credential, Credential::ClientCredentials { .. }))
}
