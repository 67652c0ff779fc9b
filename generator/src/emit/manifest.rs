//! The connector's `Cargo.toml`, serialised with `toml` (never templated).

use super::{EmitOptions, RuntimeDependency, header};
use crate::error::{Error, Result};
use crate::plan::Plan;

pub(super) fn cargo_toml(plan: &Plan, options: &EmitOptions) -> Result<String> {
    let mut package = toml::Table::new();
    package.insert("name".into(), plan.connector.name.clone().into());
    package.insert("version".into(), "0.1.0".into());
    package.insert("edition".into(), "2024".into());
    package.insert("publish".into(), false.into());
    package.insert(
        "description".into(),
        format!("MCP connector for {}", plan.connector.title).into(),
    );
    let mut bin = toml::Table::new();
    bin.insert("name".into(), plan.connector.name.clone().into());
    bin.insert("path".into(), "src/main.rs".into());
    let mut runtime = toml::Table::new();
    match &options.runtime_dependency {
        RuntimeDependency::Path(path) => runtime.insert("path".into(), path.clone().into()),
        RuntimeDependency::Version(v) => runtime.insert("version".into(), v.clone().into()),
    };
    let mut dependencies = toml::Table::new();
    dependencies.insert("mcpgen-runtime".into(), runtime.into());
    let mut doc = toml::Table::new();
    doc.insert("package".into(), package.into());
    doc.insert("bin".into(), toml::Value::Array(vec![bin.into()]));
    doc.insert("dependencies".into(), dependencies.into());
    let body = toml::to_string(&doc).map_err(|e| Error::Render {
        what: "Cargo.toml".into(),
        message: e.to_string(),
    })?;
    Ok(format!("# {}\n\n{body}", header(options)))
}
