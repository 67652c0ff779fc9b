//! Test support: a real local HTTP API that records every request it receives, and connectors
//! built from `generated/` driven by a real MCP client (rmcp's) over stdio.

pub mod api;
pub mod client;
pub mod sample;
pub mod served;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Where `scripts/install-test-deps` put the test peers (`MCPGEN_TEST_DEPS` overrides).
pub fn test_deps() -> PathBuf {
    std::env::var_os("MCPGEN_TEST_DEPS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join(".test-deps"))
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Builds the connector package `name` (a member of the workspace) once and returns its binary.
pub fn connector_binary(name: &str) -> PathBuf {
    static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"));
    let binary = target.join("debug").join(name);
    if !built.iter().any(|b| b == name) {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "--locked", "-p", name])
            .current_dir(workspace())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building connector {name} failed");
        built.push(name.to_string());
    }
    binary
}

/// Generates a connector for `spec` into `target/e2e/<name>` (outside the workspace), builds it
/// with the workspace's lock file and target directory, and returns its binary.
pub fn generated_connector(spec: &Path, name: &str) -> PathBuf {
    // Tests run in parallel threads: generate and build each connector once.
    static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let root = workspace();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    if built.iter().any(|b| b == name) {
        return target.join("debug").join(name);
    }
    let out = root.join("target/e2e").join(name);
    let options = mcpgen::plan::PlanOptions {
        name: Some(name.into()),
        ..Default::default()
    };
    let generated =
        mcpgen::build(&spec.to_string_lossy(), &options).unwrap_or_else(|e| panic!("{e}"));
    let runtime = mcpgen::output::relative_path(&out, &root.join("runtime"));
    let files = mcpgen::files(&generated, mcpgen::emit::RuntimeDependency::Path(runtime)).unwrap();
    mcpgen::output::write(&out, &files).unwrap();
    // The workspace's lock file: the same dependency versions, so nothing new is compiled.
    std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock")).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--offline", "--manifest-path"])
        .arg(out.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the {name} connector does not build");
    built.push(name.to_string());
    target.join("debug").join(name)
}
