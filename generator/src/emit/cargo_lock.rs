//! The connector's `Cargo.lock`, so that its first build compiles exactly the dependency versions
//! mcpgen was built and tested with, not whatever is newest that day.
//!
//! The versions come from the workspace's own lock. Its dependency lists cannot be used as they
//! are: the workspace resolves the features of all its members together (the tests enable rmcp's
//! client, the generator reqwest's blocking client), so a runtime's closure taken from them holds
//! packages a lone connector never activates, and cargo refuses such a lock under `--locked`.
//! So `connector.lock` is the workspace lock as cargo itself prunes it for a lone crate that
//! depends on the runtime (`scripts/regenerate-examples` rewrites it; a test fails when it is
//! stale). It is embedded in mcpgen; each connector's lock is that crate's package and the
//! runtime's dependency closure, taken from the embedded lock's own dependency lists, written in
//! cargo's format so that a build leaves it as it is.

use std::cmp::Ordering;

use serde::Deserialize;

use crate::error::{Error, Result};

/// The pruned lock, embedded (see the module's documentation).
pub const RUNTIME_LOCK: &str = include_str!("connector.lock");
/// The crate `connector.lock` was computed for; not part of any connector's lock.
pub const TEMPLATE_PACKAGE: &str = "mcpgen-lock-template";
/// What the connector depends on; its closure is the rest of the lock.
const RUNTIME_PACKAGE: &str = "mcpgen-runtime";
/// The version every connector crate has (see `Cargo.toml`).
const CONNECTOR_VERSION: &str = "0.1.0";

#[derive(Debug, Clone, Deserialize)]
struct LockFile {
    version: u32,
    package: Vec<Package>,
}

#[derive(Debug, Clone, Deserialize)]
struct Package {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

/// The manifest of the crate `connector.lock` is computed for, depending on the runtime at
/// `runtime_path`.
pub fn template_manifest(runtime_path: &str) -> String {
    format!(
        "[package]\nname = \"{TEMPLATE_PACKAGE}\"\nversion = \"{CONNECTOR_VERSION}\"\nedition = \"2024\"\n\
         publish = false\n\n[dependencies]\nmcpgen-runtime = {{ path = {runtime_path:?} }}\n"
    )
}

/// The `Cargo.lock` of the connector crate `connector`.
pub fn cargo_lock(connector: &str) -> Result<String> {
    let fail = |message: String| Error::Render {
        what: "Cargo.lock".into(),
        message,
    };
    let lock: LockFile =
        toml::from_str(RUNTIME_LOCK).map_err(|e| fail(format!("the embedded lock: {e}")))?;
    let all = &lock.package;
    let runtime = all
        .iter()
        .position(|p| p.name == RUNTIME_PACKAGE)
        .ok_or_else(|| fail(format!("the embedded lock has no `{RUNTIME_PACKAGE}`")))?;
    // Dependencies as indices into `all`, so they can be named again for the new set.
    let edges = all
        .iter()
        .map(|p| p.dependencies.iter().map(|d| find(all, d)).collect())
        .collect::<Result<Vec<Vec<usize>>>>()?;
    let mut keep = vec![false; all.len()];
    let mut stack = vec![runtime];
    while let Some(i) = stack.pop() {
        if !std::mem::replace(&mut keep[i], true) {
            stack.extend(&edges[i]);
        }
    }
    let mut packages: Vec<(Package, Vec<usize>)> = (0..all.len())
        .filter(|&i| keep[i])
        .map(|i| (all[i].clone(), edges[i].clone()))
        .collect();
    let connector = Package {
        name: connector.to_string(),
        version: CONNECTOR_VERSION.into(),
        source: None,
        checksum: None,
        dependencies: Vec::new(),
    };
    packages.push((connector, vec![runtime]));
    packages.sort_by(|(a, _), (b, _)| package_order(a, b));
    Ok(render(lock.version, &packages, all))
}

/// The package a dependency entry names: `name`, `name version` or `name version (source)`.
fn find(all: &[Package], entry: &str) -> Result<usize> {
    let (id, source) = match entry.split_once(" (") {
        Some((id, source)) => (id, Some(source.trim_end_matches(')'))),
        None => (entry, None),
    };
    let mut parts = id.split(' ');
    let name = parts.next().unwrap_or_default();
    let version = parts.next();
    all.iter()
        .position(|p| {
            p.name == name
                && version.is_none_or(|v| p.version == v)
                && source.is_none_or(|s| p.source.as_deref() == Some(s))
        })
        .ok_or_else(|| Error::Render {
            what: "Cargo.lock".into(),
            message: format!("the embedded lock names `{entry}` but does not list it"),
        })
}

/// Cargo's order: by name, then version (semver), then source.
fn package_order(a: &Package, b: &Package) -> Ordering {
    let version = |p: &Package| semver::Version::parse(&p.version).ok();
    a.name
        .cmp(&b.name)
        .then_with(|| match (version(a), version(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => a.version.cmp(&b.version),
        })
        .then_with(|| a.source.cmp(&b.source))
}

/// The lock in cargo's own layout. A dependency is named as briefly as the set allows: by name
/// alone when no other package has it, with its version when several do, with its source too
/// when even that is shared.
fn render(version: u32, packages: &[(Package, Vec<usize>)], all: &[Package]) -> String {
    let listed: Vec<&Package> = packages.iter().map(|(p, _)| p).collect();
    let entry = |target: &Package| {
        let same_name = listed.iter().filter(|p| p.name == target.name).count();
        let same_version = listed
            .iter()
            .filter(|p| p.name == target.name && p.version == target.version)
            .count();
        match (same_name, same_version, &target.source) {
            (1, _, _) => target.name.clone(),
            (_, 1, _) | (_, _, None) => format!("{} {}", target.name, target.version),
            (_, _, Some(source)) => format!("{} {} ({source})", target.name, target.version),
        }
    };
    let mut text = format!(
        "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = {version}\n"
    );
    for (p, deps) in packages {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{}\"\nversion = \"{}\"\n",
            p.name, p.version
        ));
        if let Some(source) = &p.source {
            text.push_str(&format!("source = \"{source}\"\n"));
        }
        if let Some(checksum) = &p.checksum {
            text.push_str(&format!("checksum = \"{checksum}\"\n"));
        }
        if !deps.is_empty() {
            let mut targets: Vec<&Package> = deps.iter().map(|&i| &all[i]).collect();
            targets.sort_by(|a, b| package_order(a, b));
            text.push_str("dependencies = [\n");
            for target in targets {
                text.push_str(&format!(" \"{}\",\n", entry(target)));
            }
            text.push_str("]\n");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connector_lock_is_the_runtime_closure_and_the_crate() {
        let text = cargo_lock("orders").unwrap();
        assert!(text.starts_with("# This file is automatically @generated by Cargo."));
        assert!(!text.contains(TEMPLATE_PACKAGE));
        assert!(text.contains(
            "[[package]]\nname = \"orders\"\nversion = \"0.1.0\"\ndependencies = [\n \"mcpgen-runtime\",\n]\n"
        ));
        // The embedded lock is exactly the template crate and this closure: nothing is lost.
        let template = RUNTIME_LOCK.matches("[[package]]").count();
        assert_eq!(text.matches("[[package]]").count(), template);
    }

    #[test]
    fn a_connector_named_like_a_dependency_gets_versions_in_entries() {
        // `url` is a dependency of the runtime; a connector of that name is a second `url`.
        let text = cargo_lock("url").unwrap();
        let url_version = toml::from_str::<LockFile>(RUNTIME_LOCK)
            .unwrap()
            .package
            .into_iter()
            .find(|p| p.name == "url")
            .unwrap()
            .version;
        assert!(
            text.contains(&format!(" \"url {url_version}\",\n")),
            "{text}"
        );
        assert!(text.contains("name = \"url\"\nversion = \"0.1.0\"\ndependencies"));
        let first = text.find("name = \"url\"\nversion = \"0.1.0\"").unwrap();
        let second = text
            .find(&format!("name = \"url\"\nversion = \"{url_version}\""))
            .unwrap();
        assert!(first < second, "0.1.0 sorts before {url_version}");
    }
}
