//! Test support: a real local HTTP API that records every request it receives, and connectors
//! built from `generated/` driven by a real MCP client (rmcp's) over stdio.
//!
//! Every connector the tests build — the workspace's own, the conformance connector and the ones
//! generated while testing — is compiled with the same dependency features and the workspace's
//! profile into the one target directory, so the dependencies are compiled once for all of them.

pub mod api;
pub mod client;
pub mod sample;
pub mod served;
pub mod wire;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Where `scripts/install-test-deps` put the test peers (`MCPGEN_TEST_DEPS` overrides).
pub fn test_deps() -> PathBuf {
    std::env::var_os("MCPGEN_TEST_DEPS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join(".test-deps"))
}

/// A line of `/proc/<pid>/status` in KiB: `VmRSS` (resident now) or `VmHWM` (the most it ever
/// was). Linux only, as the CI is.
pub fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the process runs");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The target directory every build shares.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// The connector packages under `generated/`.
fn product_connectors() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace().join("generated"))
        .expect("generated/ exists")
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Builds the workspace connector `name` and returns its binary. The product connectors are
/// built together, by themselves (so their dependencies have the features a user's build has,
/// and the runtime has no test fixtures); `conformance-connector` alone, with them.
pub fn connector_binary(name: &str) -> PathBuf {
    static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    // A release build of the tests (as `benches/load.sh` makes) measures release connectors.
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let binary = target_dir().join(profile).join(name);
    if built.iter().any(|b| b == name) {
        return binary;
    }
    let packages = if name == "conformance-connector" {
        vec![name.to_string()]
    } else {
        product_connectors()
    };
    let mut command = cargo();
    command
        .args(["build", "--quiet", "--locked"])
        .current_dir(workspace());
    if profile == "release" {
        command.arg("--release");
    }
    for package in &packages {
        command.args(["-p", package]);
    }
    let status = command.status().expect("cargo runs");
    assert!(status.success(), "building connectors {packages:?} failed");
    built.extend(packages);
    binary
}

/// Builds the crates under `dir` (each a directory named in `members`) as one workspace with the
/// main workspace's lock file, profiles and target directory, so nothing already compiled is
/// compiled again. Their binaries land in `target/debug/`.
pub fn build_outside_workspace(dir: &Path, members: &[String]) {
    let root = workspace();
    let manifest: toml::Table = std::fs::read_to_string(root.join("Cargo.toml"))
        .expect("the workspace manifest")
        .parse()
        .expect("the workspace manifest parses");
    let mut wrapper = toml::Table::new();
    let mut workspace_table = toml::Table::new();
    workspace_table.insert("resolver".into(), "3".into());
    workspace_table.insert(
        "members".into(),
        toml::Value::Array(members.iter().map(|m| m.clone().into()).collect()),
    );
    wrapper.insert("workspace".into(), workspace_table.into());
    if let Some(profile) = manifest.get("profile") {
        wrapper.insert("profile".into(), profile.clone());
    }
    std::fs::write(dir.join("Cargo.toml"), wrapper.to_string()).unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let status = cargo()
        .args([
            "build",
            "--quiet",
            "--offline",
            "--workspace",
            "--manifest-path",
        ])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir())
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "the crates in {} do not build",
        dir.display()
    );
}

/// The workspace's profiles as `--config` arguments, for building a crate of its own (with its
/// own lock) that still shares the compiled dependencies.
fn profile_config() -> Vec<String> {
    fn flatten(prefix: &str, value: &toml::Value, out: &mut Vec<String>) {
        match value {
            toml::Value::Table(table) => {
                for (key, value) in table {
                    let bare = key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                    let key = if bare {
                        key.clone()
                    } else {
                        format!("{key:?}")
                    };
                    flatten(&format!("{prefix}.{key}"), value, out);
                }
            }
            other => out.push(format!("{prefix}={other}")),
        }
    }
    let manifest: toml::Table = std::fs::read_to_string(workspace().join("Cargo.toml"))
        .expect("the workspace manifest")
        .parse()
        .expect("the workspace manifest parses");
    let mut out = Vec::new();
    if let Some(profile) = manifest.get("profile") {
        flatten("profile", profile, &mut out);
    }
    out.into_iter()
        .flat_map(|c| ["--config".to_string(), c])
        .collect()
}

/// Builds the crate at `dir` as its user would, `--locked --offline` from its own `Cargo.lock`
/// (so a lock cargo would change fails the build), with the workspace's profiles and target
/// directory so that nothing already compiled is compiled again.
pub fn build_locked(dir: &Path) {
    let status = cargo()
        .args([
            "build",
            "--quiet",
            "--locked",
            "--offline",
            "--manifest-path",
        ])
        .arg(dir.join("Cargo.toml"))
        .args(profile_config())
        .env("CARGO_TARGET_DIR", target_dir())
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "{} does not build from its own lock with --locked --offline",
        dir.display()
    );
}

/// Generates a connector for `spec` into `target/e2e/<name>` (outside the workspace), builds it
/// as [`build_outside_workspace`] does, and returns its binary.
pub fn generated_connector(spec: &Path, name: &str) -> PathBuf {
    // Tests run in parallel threads: generate and build each connector once.
    static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    // A release build of the tests (as `benches/load.sh` makes) measures release connectors.
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let binary = target_dir().join(profile).join(name);
    if built.iter().any(|b| b == name) {
        return binary;
    }
    let root = workspace();
    let dir = root.join("target/e2e").join(name);
    let out = dir.join(name);
    let options = mcpgen::plan::PlanOptions {
        name: Some(name.into()),
        ..Default::default()
    };
    let generated =
        mcpgen::build(&spec.to_string_lossy(), &options).unwrap_or_else(|e| panic!("{e}"));
    let runtime = mcpgen::output::relative_path(&out, &root.join("runtime"));
    let files = mcpgen::files(&generated, mcpgen::emit::RuntimeDependency::Path(runtime)).unwrap();
    mcpgen::output::write(&out, &files).unwrap();
    build_outside_workspace(&dir, &[name.to_string()]);
    built.push(name.to_string());
    binary
}

/// Awaits every future at once.
pub async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *output = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}
