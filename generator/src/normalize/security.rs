//! Security: the schemes a document declares (`components.securitySchemes` or Swagger 2.0's
//! `securityDefinitions`), and the requirements of the document and of each operation.

use serde_json::{Map, Value};

use super::{Dialect, Normalizer, string, strings};
use crate::error::Result;
use crate::ir::*;
use crate::refs::Loc;

impl Normalizer<'_> {
    pub(super) fn security_schemes(
        &mut self,
        loc: &Loc,
        top: &Map<String, Value>,
    ) -> Result<Vec<SecurityScheme>> {
        let found = if self.dialect == Dialect::Swagger2 {
            self.object_at(loc, top, "securityDefinitions")?
        } else {
            match self.object_at(loc, top, "components")? {
                Some((components_loc, components)) => {
                    self.object_at(&components_loc, &components, "securitySchemes")?
                }
                None => None,
            }
        };
        let Some((loc, map)) = found else {
            return Ok(Vec::new());
        };
        let mut schemes = Vec::new();
        for (key, value) in &map {
            let (loc, value) = self.deref(&loc.join(key), value)?;
            let kind = self.scheme_kind(&loc, &value)?;
            schemes.push(SecurityScheme {
                key: key.clone(),
                description: string(value.get("description")),
                kind,
            });
        }
        Ok(schemes)
    }

    fn scheme_kind(&mut self, loc: &Loc, value: &Value) -> Result<SchemeKind> {
        let kind = value.get("type").and_then(Value::as_str).unwrap_or("");
        Ok(match kind {
            "apiKey" => {
                let name = string(value.get("name"))
                    .ok_or_else(|| loc.invalid("an apiKey scheme needs a `name`"))?;
                let location = match value
                    .get("in")
                    .and_then(Value::as_str)
                    .and_then(Location::parse)
                {
                    Some(l @ (Location::Header | Location::Query | Location::Cookie)) => l,
                    _ => {
                        return Err(
                            loc.invalid("an apiKey scheme needs `in`: header, query or cookie")
                        );
                    }
                };
                SchemeKind::ApiKey { name, location }
            }
            "basic" => SchemeKind::Http {
                scheme: "basic".into(),
                bearer_format: None,
            },
            "http" => SchemeKind::Http {
                scheme: string(value.get("scheme")).ok_or_else(|| {
                    loc.invalid("an http scheme needs a `scheme` (basic, bearer…)")
                })?,
                bearer_format: string(value.get("bearerFormat")),
            },
            "oauth2" => SchemeKind::OAuth2 {
                flows: self.oauth_flows(loc, value)?,
            },
            "openIdConnect" => SchemeKind::OpenIdConnect {
                url: string(value.get("openIdConnectUrl")).unwrap_or_default(),
            },
            "mutualTLS" => SchemeKind::MutualTls,
            other => {
                return Err(loc.invalid(format!(
                    "unknown security scheme type `{other}` (expected apiKey, http, oauth2, openIdConnect or mutualTLS)"
                )));
            }
        })
    }

    fn oauth_flows(&mut self, loc: &Loc, value: &Value) -> Result<Vec<OAuthFlow>> {
        let scopes = |v: &Value| -> Vec<(String, String)> {
            v.get("scopes")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                        .collect()
                })
                .unwrap_or_default()
        };
        if self.dialect == Dialect::Swagger2 {
            let kind = match value.get("flow").and_then(Value::as_str) {
                Some("application") => OAuthFlowKind::ClientCredentials,
                Some("accessCode") => OAuthFlowKind::AuthorizationCode,
                Some("implicit") => OAuthFlowKind::Implicit,
                Some("password") => OAuthFlowKind::Password,
                _ => {
                    return Err(loc.invalid(
                        "an oauth2 definition needs `flow`: application, accessCode, implicit or password",
                    ));
                }
            };
            return Ok(vec![OAuthFlow {
                kind,
                token_url: string(value.get("tokenUrl")),
                authorization_url: string(value.get("authorizationUrl")),
                refresh_url: None,
                scopes: scopes(value),
            }]);
        }
        let mut flows = Vec::new();
        if let Some(Value::Object(map)) = value.get("flows") {
            for (name, flow) in map {
                let kind = match name.as_str() {
                    "clientCredentials" => OAuthFlowKind::ClientCredentials,
                    "authorizationCode" => OAuthFlowKind::AuthorizationCode,
                    "implicit" => OAuthFlowKind::Implicit,
                    "password" => OAuthFlowKind::Password,
                    other => {
                        self.warn(
                            &loc.join("flows"),
                            format!("unknown OAuth flow `{other}` ignored"),
                        );
                        continue;
                    }
                };
                flows.push(OAuthFlow {
                    kind,
                    token_url: string(flow.get("tokenUrl")),
                    authorization_url: string(flow.get("authorizationUrl")),
                    refresh_url: string(flow.get("refreshUrl")),
                    scopes: scopes(flow),
                });
            }
        }
        Ok(flows)
    }

    pub(super) fn security(
        &mut self,
        loc: &Loc,
        value: &Value,
        scheme_keys: &[String],
    ) -> Result<Vec<SecurityRequirement>> {
        let Value::Array(alternatives) = value else {
            return Err(loc.invalid("`security` must be an array of requirement objects"));
        };
        let mut out = Vec::new();
        'alternatives: for (i, alternative) in alternatives.iter().enumerate() {
            let Value::Object(map) = alternative else {
                return Err(loc
                    .join(i)
                    .invalid("a security requirement must be an object"));
            };
            let mut requirement = Vec::new();
            for (name, scopes) in map {
                if !scheme_keys.contains(name) {
                    let hint = crate::util::closest(name, scheme_keys.iter().map(String::as_str))
                        .map(|c| format!(" (did you mean `{c}`?)"))
                        .unwrap_or_default();
                    self.warn(
                        &loc.join(i),
                        format!("security scheme `{name}` is not defined{hint}; this alternative is ignored"),
                    );
                    continue 'alternatives;
                }
                requirement.push((name.clone(), strings(Some(scopes))));
            }
            out.push(requirement);
        }
        Ok(out)
    }
}
