//! mcpgen: turns an OpenAPI 3.0 / 3.1 or Swagger 2.0 document into a compiled MCP server crate.
//!
//! The stages, each a module: [`load`] (documents, with [`refs`]) → [`normalize`] (the [`ir`], one
//! submodule per dialect) → [`plan`] (tools, with [`naming`] and [`inline`]; the user's
//! [`overrides`] applied by its customise stage) → [`emit`] (files) → [`output`] (writing and
//! checking a directory). What any stage notices and cannot honour is a [`findings::Finding`].
//! [`lock`] carries tool names from one generation to the next; [`diff`]
//! compares two plans; [`util`] holds what several stages share.

pub mod bundle;
pub mod diff;
pub mod directory;
pub mod emit;
pub mod error;
pub mod findings;
pub mod inline;
pub mod ir;
pub mod load;
pub mod lock;
pub mod naming;
pub mod normalize;
pub mod output;
pub mod overrides;
pub mod plan;
pub mod refs;
pub mod util;

pub use error::{Error, Result};

/// Everything produced from one spec.
pub struct Generated {
    pub api: ir::Api,
    pub plan: plan::Plan,
    pub source_hash: String,
    /// The spec's file name (without directories).
    pub source_name: String,
}

/// Loads, normalises and plans `spec` (a path or an http(s) URL), its references held to the
/// default [`load::LoadOptions`].
pub fn build(spec: &str, options: &plan::PlanOptions) -> Result<Generated> {
    build_with(spec, &load::LoadOptions::default(), options)
}

/// Loads, normalises and plans `spec`, with what its references may reach.
pub fn build_with(
    spec: &str,
    load: &load::LoadOptions,
    options: &plan::PlanOptions,
) -> Result<Generated> {
    let (mut loader, root) = load::Loader::open_with(spec, load.clone())?;
    let api = normalize::normalize(&mut loader, &root)?;
    let plan = plan::plan(&api, options)?;
    // The hash covers the overrides too: `--list-tools --json` must identify both inputs.
    let mut source_hash = loader.digest();
    if let Some(o) = &options.overrides {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(source_hash.as_bytes());
        hasher.update(Sha256::digest(o.text.as_bytes()));
        source_hash = util::hex(&hasher.finalize());
    }
    let source_name = root
        .path_segments()
        .and_then(|mut s| s.next_back().map(str::to_owned))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| spec.to_string());
    Ok(Generated {
        api,
        plan,
        source_hash,
        source_name,
    })
}

/// The files of the connector crate for `generated`.
pub fn files(
    generated: &Generated,
    runtime_dependency: emit::RuntimeDependency,
) -> Result<emit::Files> {
    emit::emit(
        &generated.plan,
        &emit::EmitOptions {
            source_name: generated.source_name.clone(),
            source_hash: generated.source_hash.clone(),
            runtime_dependency,
        },
    )
}
