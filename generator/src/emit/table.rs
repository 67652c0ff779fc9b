//! The Rust of a connector: `src/tools.rs`, its tool table as `static` data; `src/main.rs`,
//! which hands the table to the runtime; and the user's `src/hooks.rs`, written once.

use proc_macro2::TokenStream;
use quote::quote;

use super::{EmitOptions, GENERATOR_VERSION, header};
use crate::error::{Error, Result};
use crate::ir::{ApiServer, SecurityRequirement};
use crate::plan::{AuthPlan, BodyPlan, ParamPlan, Plan, ToolPlan};

fn format_rust(what: &str, doc: &str, tokens: TokenStream) -> Result<String> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| Error::Render {
        what: what.into(),
        message: e.to_string(),
    })?;
    let mut text = String::new();
    for line in doc.lines() {
        text.push_str("//!");
        if !line.is_empty() {
            text.push(' ');
            text.push_str(line);
        }
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&prettyplease::unparse(&file));
    Ok(text)
}

pub(super) fn main_rs(plan: &Plan, options: &EmitOptions) -> Result<String> {
    let tokens = quote! {
        mod hooks;
        // The table is prettyplease's layout; rustfmt would only churn it.
        #[rustfmt::skip]
        mod tools;

        fn main() -> std::process::ExitCode {
            mcpgen_runtime::run(&tools::CONNECTOR, hooks::hooks())
        }
    };
    let doc = format!(
        "The `{}` MCP connector.\n\n{}",
        plan.connector.name,
        header(options)
    );
    format_rust("src/main.rs", &doc, tokens)
}

/// The user's file, as first written: hooks that change nothing, ready to fill in.
pub(super) fn hooks_rs() -> String {
    r#"//! Your code: adjust requests before they are sent and results before they are returned.
//!
//! mcpgen creates this file once and never overwrites it, so edits survive regeneration.

use mcpgen_runtime::Hooks;

/// The connector's hooks. Implement a method of [`Hooks`] to use it: `before_request` sees
/// each request (add a header, sign it), `after_response` each result. Both are async, and the
/// type may hold state.
pub struct ConnectorHooks;

impl Hooks for ConnectorHooks {}

pub fn hooks() -> ConnectorHooks {
    ConnectorHooks
}
"#
    .to_string()
}

fn opt_str(value: &Option<String>) -> TokenStream {
    match value {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    }
}

fn servers(list: &[ApiServer]) -> TokenStream {
    let items = list.iter().map(|s| {
        let url = &s.url;
        let vars = s.variables.iter().map(|v| {
            let name = &v.name;
            let default = &v.default;
            let allowed = &v.allowed;
            let description = v.description.as_deref().unwrap_or_default();
            quote!(ServerVariable { name: #name, default: #default, allowed: &[#(#allowed),*], description: #description })
        });
        quote!(ServerUrl { url: #url, variables: &[#(#vars),*] })
    });
    quote!(&[#(#items),*])
}

fn security(requirements: &[SecurityRequirement]) -> TokenStream {
    let alternatives = requirements.iter().map(|all| {
        let uses = all.iter().map(
            |(scheme, scopes)| quote!(SecurityUse { scheme: #scheme, scopes: &[#(#scopes),*] }),
        );
        quote!(&[#(#uses),*])
    });
    quote!(&[#(#alternatives),*])
}

fn param(p: &ParamPlan) -> TokenStream {
    let ParamPlan {
        arg,
        name,
        allow_reserved,
        required,
        explode,
        ..
    } = p;
    let (loc, sty) = (p.location, p.style);
    let media = opt_str(&p.media_type);
    quote! {
        Param {
            arg: #arg,
            name: #name,
            location: #loc,
            style: #sty,
            explode: #explode,
            allow_reserved: #allow_reserved,
            required: #required,
            media_type: #media,
        }
    }
}

fn body(b: &Option<BodyPlan>) -> TokenStream {
    let Some(b) = b else { return quote!(None) };
    let media = &b.media_type;
    let required = b.required;
    let encoding = b.encoding.iter().map(|e| {
        let field = &e.field;
        let content_type = opt_str(&e.content_type);
        let sty = match e.style {
            Some(s) => quote!(Some(#s)),
            None => quote!(None),
        };
        let explode = match e.explode {
            Some(x) => quote!(Some(#x)),
            None => quote!(None),
        };
        let allow_reserved = e.allow_reserved;
        let file = match e.file {
            Some(f) => quote!(Some(#f)),
            None => quote!(None),
        };
        quote! {
            FieldEncoding {
                field: #field,
                content_type: #content_type,
                style: #sty,
                explode: #explode,
                allow_reserved: #allow_reserved,
                file: #file,
            }
        }
    });
    let renames = b.renames.iter().map(|(arg, wire)| quote!((#arg, #wire)));
    quote!(Some(Body {
        media_type: #media,
        required: #required,
        encoding: &[#(#encoding),*],
        renames: &[#(#renames),*],
    }))
}

/// A raw string literal, so embedded JSON reads as JSON in the generated file.
fn raw_string(text: &str) -> proc_macro2::Literal {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .unwrap_or_else(|_| proc_macro2::Literal::string(text))
}

fn tool(t: &ToolPlan) -> Result<TokenStream> {
    let name = &t.name;
    let title = opt_str(&t.title);
    let description = &t.description;
    let schema = serde_json::to_string(&t.input_schema).map_err(|e| Error::Render {
        what: format!("input schema of `{name}`"),
        message: e.to_string(),
    })?;
    let schema = raw_string(&schema);
    let m = t.method;
    let path = &t.path;
    let params = t.params.iter().map(param);
    let b = body(&t.body);
    let sec = security(&t.security);
    let a = t.annotations;
    let (read_only, destructive, idempotent, open_world) =
        (a.read_only, a.destructive, a.idempotent, a.open_world);
    let srv = servers(&t.servers);
    let confirm = t.confirm;
    let timeout = match t.timeout_secs {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    };
    let arrays = match t.array_encoding {
        Some(a) => quote!(Some(#a)),
        None => quote!(None),
    };
    let limit = match t.response_limit {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    };
    let presets = t
        .presets
        .iter()
        .map(|p| {
            let (arg, path, fixed) = (&p.arg, &p.path, p.fixed);
            let value = serde_json::to_string(&p.value).map_err(|e| Error::Render {
                what: format!("preset of `{name}`"),
                message: e.to_string(),
            })?;
            Ok(quote!(Preset { arg: #arg, path: &[#(#path),*], value: #value, fixed: #fixed }))
        })
        .collect::<Result<Vec<_>>>()?;
    let (returns, tags, core) = (&t.returns, &t.tags, t.core);
    let view = view(t.view.as_ref());
    let long_running = t.long_running;
    Ok(quote! {
        Tool {
            name: #name,
            title: #title,
            description: #description,
            returns: #returns,
            tags: &[#(#tags),*],
            core: #core,
            input_schema: #schema,
            method: #m,
            path: #path,
            params: &[#(#params),*],
            body: #b,
            security: #sec,
            annotations: Annotations {
                read_only: #read_only,
                destructive: #destructive,
                idempotent: #idempotent,
                open_world: #open_world,
            },
            servers: #srv,
            confirm: #confirm,
            timeout_secs: #timeout,
            response_limit: #limit,
            presets: &[#(#presets),*],
            array_encoding: #arrays,
            view: #view,
            long_running: #long_running,
        }
    })
}

/// A tool's view, as the runtime's table holds it.
fn view(view: Option<&crate::plan::view::ViewPlan>) -> TokenStream {
    let Some(v) = view else {
        return quote!(None);
    };
    let config = v.config.to_string();
    let html = match &v.html {
        Some(h) => quote!(Some(#h)),
        None => quote!(None),
    };
    let csp = match &v.csp {
        Some(c) => {
            let c = c.to_string();
            quote!(Some(#c))
        }
        None => quote!(None),
    };
    quote!(Some(View { config: #config, html: #html, csp: #csp }))
}

pub(super) fn tools_rs(plan: &Plan, options: &EmitOptions) -> Result<String> {
    let c = &plan.connector;
    let (name, title, version, description, instructions, prefix) = (
        &c.name,
        &c.title,
        &c.version,
        &c.description,
        &c.instructions,
        &c.env_prefix,
    );
    let srv = servers(&c.servers);
    let schemes = c.security_schemes.iter().map(|s| {
        let key = &s.key;
        let auth = match &s.auth {
            AuthPlan::ApiKey { name, location: l } => {
                quote!(Auth::ApiKey { name: #name, location: #l })
            }
            AuthPlan::Basic => quote!(Auth::Basic),
            AuthPlan::Bearer => quote!(Auth::Bearer),
            AuthPlan::Http { scheme } => quote!(Auth::Http { scheme: #scheme }),
            AuthPlan::OAuth2ClientCredentials { token_url } => {
                quote!(Auth::OAuth2ClientCredentials { token_url: #token_url })
            }
            AuthPlan::AccessToken { refresh_url } => {
                let refresh_url = opt_str(refresh_url);
                quote!(Auth::AccessToken { refresh_url: #refresh_url })
            }
            AuthPlan::Unsupported { reason } => quote!(Auth::Unsupported { reason: #reason }),
        };
        let env = s.env.iter().map(|e| {
            let (n, d, secret) = (&e.name, &e.description, e.secret);
            quote!(EnvVar { name: #n, description: #d, secret: #secret })
        });
        quote!(SecurityScheme { key: #key, auth: #auth, env: &[#(#env),*] })
    });
    let tools = plan.tools.iter().map(tool).collect::<Result<Vec<_>>>()?;
    let listing = c.listing.listing;
    let toolsets = c.listing.toolsets.iter().map(|t| {
        let (name, description, members) = (&t.name, &t.description, &t.tools);
        quote!(Toolset { name: #name, description: #description, tools: &[#(#members),*] })
    });
    let hash = &options.source_hash;
    let tokens = quote! {
        use mcpgen_runtime::table::*;

        pub static CONNECTOR: Connector = Connector {
            name: #name,
            title: #title,
            version: #version,
            description: #description,
            instructions: #instructions,
            env_prefix: #prefix,
            servers: #srv,
            security_schemes: &[#(#schemes),*],
            tools: TOOLS,
            listing: #listing,
            toolsets: &[#(#toolsets),*],
            source_hash: #hash,
            generator_version: #GENERATOR_VERSION,
        };

        static TOOLS: &[Tool] = &[#(#tools),*];
    };
    let doc = format!(
        "The tool table of `{}`: {} tools, as data for the runtime.\n\n{}",
        c.name,
        plan.tools.len(),
        header(options)
    );
    format_rust("src/tools.rs", &doc, tokens)
}
