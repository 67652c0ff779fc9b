//! Test support: a real local HTTP API that records every request it receives, and connectors
//! built from `generated/` driven by a real MCP client (rmcp's) over stdio.

pub mod api;
pub mod client;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

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
