//! Authentication to the API: choosing the first security alternative whose credentials are
//! configured, and applying them to a request (OAuth2 tokens come from [`crate::tokens`]).

use base64::Engine;

use crate::config::{Config, Credential, Selected};
use crate::request::Prepared;
use crate::table::{Auth, Connector, Location, SecurityScheme, Tool};
use crate::tokens::TokenCache;

/// Picks the first alternative whose credentials are all configured. The error names what to set.
pub(crate) fn select(
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
                None => missing.extend(required_variables(scheme, config)),
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
fn required_variables(scheme: &SecurityScheme, config: &Config) -> Vec<String> {
    let vars = config.names.scheme(scheme.key);
    match scheme.auth {
        Auth::ApiKey { .. } | Auth::Bearer | Auth::Http { .. } => vec![vars.value()],
        Auth::Basic => vec![vars.username(), vars.password()],
        Auth::OAuth2ClientCredentials { .. } => vec![vars.client_id(), vars.client_secret()],
        Auth::AccessToken { .. } => vec![vars.access_token()],
        Auth::Unsupported { .. } => Vec::new(),
    }
}

/// Adds the credentials of `selected` to a prepared request.
pub(crate) async fn apply(
    prepared: &mut Prepared,
    selected: &[Selected],
    tokens: &TokenCache,
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
                let token = tokens.token(s, refresh).await?;
                prepared.set_header("authorization", &format!("Bearer {}", token.expose()));
                prepared.secrets.push(token.expose().to_string());
            }
            _ => {}
        }
        // The configured credentials are scrubbed from every result anyway (see `Config::secrets`);
        // listing them here lets hooks see what the request carries.
        prepared
            .secrets
            .extend(s.credential.secret_values().into_iter().map(str::to_string));
    }
    Ok(())
}

/// Whether any chosen scheme fetches tokens (a 401 then earns one re-fetch).
pub(crate) fn uses_oauth(selected: &[Selected]) -> bool {
    selected.iter().any(|s| {
        matches!(
            s.credential,
            Credential::ClientCredentials { .. } | Credential::UserToken { .. }
        )
    })
}
