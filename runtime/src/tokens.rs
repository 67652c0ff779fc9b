//! OAuth2 access tokens towards the API: client-credentials tokens fetched from the token
//! endpoint, and users' tokens refreshed with their refresh token — each fetched once for all
//! concurrent calls and shared until shortly before it expires. Every token issued is known to
//! the scrubber for as long as it is in use.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::api_client::ApiClient;
use crate::config::{Credential, Secret, Selected};
use crate::scrub::Secrets;
use crate::table::Auth;

/// The most of a token endpoint's answer that is read: tokens are small, and an endpoint that
/// sends more must not take the connector's memory.
const MAX_TOKEN_RESPONSE: usize = 64 * 1024;

#[derive(Clone)]
struct CachedToken {
    token: Secret,
    expires: Option<Instant>,
    /// The newest refresh token (servers may rotate them).
    refresh: Option<Secret>,
}

type Slot = Arc<Mutex<Option<CachedToken>>>;

/// OAuth2 access tokens by scheme and scopes.
pub(crate) struct TokenCache {
    http: ApiClient,
    /// The API's base URL, against which a relative token URL resolves (or why there is none).
    base_url: Result<String, String>,
    slots: Mutex<HashMap<String, Slot>>,
    /// The tokens (access and refresh) each slot holds now, for the scrubber.
    issued: std::sync::Mutex<HashMap<String, Secrets>>,
}

/// Refresh this long before the token says it expires.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

/// What a token endpoint gave.
struct Issued {
    token: Secret,
    lifetime: Option<Duration>,
    refresh: Option<Secret>,
}

/// How the client authenticates to a token endpoint.
struct ClientAuth<'a> {
    id: Option<&'a String>,
    secret: Option<&'a Secret>,
    in_body: bool,
}

/// One request to a token endpoint: where, for which scheme, the grant's fields, the client.
struct TokenRequest<'a> {
    url: String,
    scheme: &'a str,
    form: Vec<(&'static str, String)>,
    client: ClientAuth<'a>,
}

/// The outcome of looking in the cache.
enum Lookup {
    Fresh(Secret),
    Fetch,
}

impl TokenCache {
    pub(crate) fn new(http: ApiClient, base_url: Result<String, String>) -> TokenCache {
        TokenCache {
            http,
            base_url,
            slots: Mutex::new(HashMap::new()),
            issued: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Every token in use now, in every form, for the scrubber.
    pub(crate) fn secrets(&self) -> Secrets {
        let mut all = Secrets::default();
        if let Ok(issued) = self.issued.lock() {
            for secrets in issued.values() {
                all.extend(secrets);
            }
        }
        all
    }

    async fn slot(&self, key: &str) -> Slot {
        self.slots
            .lock()
            .await
            .entry(key.to_string())
            .or_default()
            .clone()
    }

    /// A valid token for the selected scheme, fetched when there is none (or `refresh` is set:
    /// the API answered 401 with the current one).
    pub(crate) async fn token(&self, selected: &Selected, refresh: bool) -> Result<Secret, String> {
        let key = format!("{}|{}", selected.scheme.key, selected.scopes.join(" "));
        let slot = self.slot(&key).await;
        // Holding the slot's lock while fetching makes concurrent callers wait for one fetch.
        let mut cached = slot.lock().await;
        if let Lookup::Fresh(token) = lookup(&mut cached, selected, refresh) {
            return Ok(token);
        }
        let issued = match self.request_for(selected, cached.as_ref())? {
            Some(request) => {
                let fallback_refresh = request.fallback_refresh.clone();
                let mut issued = self.request_token(request.request).await?;
                issued.refresh = issued.refresh.or(fallback_refresh);
                issued
            }
            // Nothing to refresh with: keep the token the user gave.
            None => return user_token_without_refresh(selected),
        };
        let expires = issued
            .lifetime
            .map(|l| Instant::now() + l.saturating_sub(EXPIRY_MARGIN.min(l / 2)));
        let in_use = Secrets::of(
            std::iter::once(&issued.token)
                .chain(&issued.refresh)
                .map(Secret::expose),
        );
        if let Ok(mut all) = self.issued.lock() {
            all.insert(key, in_use);
        }
        *cached = Some(CachedToken {
            token: issued.token.clone(),
            expires,
            refresh: issued.refresh,
        });
        Ok(issued.token)
    }

    /// The token request the selected credential makes, or `None` when a user token cannot be
    /// refreshed.
    fn request_for<'a>(
        &self,
        selected: &'a Selected,
        cached: Option<&CachedToken>,
    ) -> Result<Option<Planned<'a>>, String> {
        let scheme = selected.scheme.key;
        match &selected.credential {
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
                        self.resolve(token_url)?
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
                Ok(Some(Planned {
                    request: TokenRequest {
                        url,
                        scheme,
                        form,
                        client,
                    },
                    fallback_refresh: None,
                }))
            }
            Credential::UserToken {
                refresh_token,
                client_id,
                client_secret,
                ..
            } => {
                let refresh_with = cached
                    .and_then(|c| c.refresh.clone())
                    .or_else(|| refresh_token.clone());
                let refresh_url = match selected.scheme.auth {
                    Auth::AccessToken { refresh_url } => refresh_url,
                    _ => None,
                };
                let (Some(refresh_with), Some(url)) = (refresh_with, refresh_url) else {
                    return Ok(None);
                };
                let form = vec![
                    ("grant_type", "refresh_token".to_string()),
                    ("refresh_token", refresh_with.expose().to_string()),
                ];
                let client = ClientAuth {
                    id: client_id.as_ref(),
                    secret: client_secret.as_ref(),
                    in_body: client_secret.is_none(),
                };
                Ok(Some(Planned {
                    request: TokenRequest {
                        url: self.resolve(url)?,
                        scheme,
                        form,
                        client,
                    },
                    fallback_refresh: Some(refresh_with),
                }))
            }
            _ => Err(format!("`{scheme}` does not use OAuth2 tokens")),
        }
    }

    /// One token request (RFC 6749 §4.4 or §6); errors carry the status and OAuth error, never a
    /// secret.
    async fn request_token(&self, request: TokenRequest<'_>) -> Result<Issued, String> {
        let TokenRequest {
            url,
            scheme,
            mut form,
            client,
        } = request;
        let mut builder = self
            .http
            .get()?
            .post(&url)
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded");
        match (client.id, client.secret, client.in_body) {
            (Some(id), Some(secret), false) => {
                builder = builder.basic_auth(id, Some(secret.expose()));
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
        let response = builder.body(body).send().await.map_err(|e| {
            format!(
                "token endpoint {url} for `{scheme}` did not answer: {}",
                crate::response::describe_transport_error(&e)
            )
        })?;
        let status = response.status();
        let body = crate::response::read_body(response, MAX_TOKEN_RESPONSE)
            .await
            .map(|b| b.bytes)
            .unwrap_or_default();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if !status.is_success() {
            return Err(refusal(&url, scheme, status, &json));
        }
        issued(&url, scheme, &json)
    }

    /// A relative `tokenUrl` is relative to the API's base URL.
    fn resolve(&self, token_url: &str) -> Result<String, String> {
        if token_url.starts_with("http://") || token_url.starts_with("https://") {
            return Ok(token_url.to_string());
        }
        let base = self.base_url.clone()?;
        let base = reqwest::Url::parse(&format!("{base}/")).map_err(|e| e.to_string())?;
        base.join(token_url.trim_start_matches('/'))
            .map(|u| u.to_string())
            .map_err(|e| format!("token URL `{token_url}`: {e}"))
    }
}

/// A token request and the refresh token to keep when the answer brings no new one.
struct Planned<'a> {
    request: TokenRequest<'a>,
    fallback_refresh: Option<Secret>,
}

/// A cached token still valid, or a user's own token on first use.
fn lookup(cached: &mut Option<CachedToken>, selected: &Selected, refresh: bool) -> Lookup {
    if refresh {
        return Lookup::Fetch;
    }
    if let Some(t) = cached.as_ref()
        && t.expires.is_none_or(|e| e > Instant::now())
    {
        return Lookup::Fresh(t.token.clone());
    }
    if let Credential::UserToken {
        access_token: Some(token),
        refresh_token,
        ..
    } = &selected.credential
        && cached.is_none()
    {
        *cached = Some(CachedToken {
            token: token.clone(),
            expires: None,
            refresh: refresh_token.clone(),
        });
        return Lookup::Fresh(token.clone());
    }
    Lookup::Fetch
}

fn user_token_without_refresh(selected: &Selected) -> Result<Secret, String> {
    let Credential::UserToken { access_token, .. } = &selected.credential else {
        return Err(format!(
            "`{}` does not use OAuth2 tokens",
            selected.scheme.key
        ));
    };
    access_token.clone().ok_or_else(|| {
        format!(
            "`{}` has a refresh token but the API description names no URL to use it at",
            selected.scheme.key
        )
    })
}

/// The error for a token endpoint's refusal: status and the OAuth error fields.
fn refusal(
    url: &str,
    scheme: &str,
    status: reqwest::StatusCode,
    json: &serde_json::Value,
) -> String {
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
    message
}

/// The token a successful answer carries.
fn issued(url: &str, scheme: &str, json: &serde_json::Value) -> Result<Issued, String> {
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
