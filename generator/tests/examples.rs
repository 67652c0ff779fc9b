//! The example specs in `specs/`: their IR is a snapshot, and their generated crates are checked
//! into `generated/`; this test fails when either is stale. So does the dependency lock mcpgen
//! embeds for connectors, which must be the workspace's lock as cargo prunes it for one.
//!
//! After an intended change, run `scripts/regenerate-examples` (it sets `MCPGEN_BLESS=1` for this
//! test and accepts the IR snapshots), and review the diff.

use std::path::{Path, PathBuf};

use mcpgen::emit::RuntimeDependency;
use mcpgen::lock::Lock;
use mcpgen::overrides::Overrides;
use mcpgen::plan::PlanOptions;

/// (spec under `specs/`, connector name and directory under `generated/`, overrides file)
pub const EXAMPLES: &[(&str, &str, Option<&str>)] = &[
    ("orders-openapi-3.0.yaml", "orders", None),
    ("inventory-openapi-3.1.yaml", "inventory", None),
    ("legacy-billing-swagger-2.0.yaml", "billing", None),
    ("catalog/openapi.json", "catalog", None),
    ("http-dialects.yaml", "dialects", None),
    (
        "orders-openapi-3.0.yaml",
        "shop",
        Some("orders-overrides.yaml"),
    ),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn generated_crates_are_up_to_date() {
    let bless = std::env::var_os("MCPGEN_BLESS").is_some();
    let mut stale = Vec::new();
    for (spec, name, overrides) in EXAMPLES {
        let spec_path = root().join("specs").join(spec);
        let out = root().join("generated").join(name);
        let options = PlanOptions {
            name: Some(name.to_string()),
            overrides: overrides.map(|o| Overrides::read(&root().join("specs").join(o)).unwrap()),
            lock: Lock::read(&out).unwrap(),
            ..PlanOptions::default()
        };
        let generated = mcpgen::build(&spec_path.to_string_lossy(), &options)
            .unwrap_or_else(|e| panic!("{spec}: {e}"));
        let runtime = mcpgen::output::relative_path(&out, &root().join("runtime"));
        let files = mcpgen::files(&generated, RuntimeDependency::Path(runtime)).unwrap();
        if bless {
            mcpgen::output::write(&out, &files).unwrap();
        }
        for file in mcpgen::output::drift(&out, &files) {
            stale.push(format!("generated/{name}/{file}"));
        }
        if overrides.is_none() {
            insta::assert_json_snapshot!(format!("ir_{name}"), portable(&generated.api));
        }
    }
    // The overrides file's published JSON Schema is generated from the Rust types.
    let schema_path = root().join("schemas/overrides.schema.json");
    let schema = mcpgen::overrides::json_schema();
    if bless {
        std::fs::write(&schema_path, &schema).unwrap();
    }
    if std::fs::read_to_string(&schema_path).ok().as_deref() != Some(schema.as_str()) {
        stale.push("schemas/overrides.schema.json".into());
    }
    assert!(
        stale.is_empty(),
        "stale generated files (run scripts/regenerate-examples and review the diff):\n  {}",
        stale.join("\n  ")
    );
}

/// The lock cargo writes for a lone crate that depends on the runtime, starting from the
/// workspace's lock: what `generator/src/emit/connector.lock` must hold.
fn pruned_workspace_lock() -> String {
    let dir = tempfile::tempdir().unwrap();
    let runtime = std::path::absolute(root().join("runtime")).unwrap();
    let manifest = mcpgen::emit::cargo_lock::template_manifest(&runtime.to_string_lossy());
    std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::copy(root().join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
    // Keeps every version the workspace chose and drops what a lone crate does not use.
    let status =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["update", "--offline", "--workspace", "--quiet"])
            .current_dir(dir.path())
            .status()
            .unwrap();
    assert!(status.success(), "cargo update failed");
    std::fs::read_to_string(dir.path().join("Cargo.lock")).unwrap()
}

#[test]
fn connector_lock_is_the_workspace_lock_pruned_by_cargo() {
    let pruned = pruned_workspace_lock();
    if std::env::var_os("MCPGEN_BLESS").is_some() {
        std::fs::write(root().join("generator/src/emit/connector.lock"), &pruned).unwrap();
        return;
    }
    assert!(
        pruned == mcpgen::emit::cargo_lock::RUNTIME_LOCK,
        "generator/src/emit/connector.lock is stale: run scripts/regenerate-examples"
    );
}

/// The IR with the places of its findings relative to `specs/`, so the snapshot does not depend
/// on where the repository is.
fn portable(api: &mcpgen::ir::Api) -> mcpgen::ir::Api {
    let specs = std::path::absolute(root().join("specs")).unwrap();
    let prefix = format!("{}/", specs.display());
    let mut api = api.clone();
    let findings = api.findings.iter_mut().chain(
        api.operations
            .iter_mut()
            .flat_map(|o| o.findings.iter_mut()),
    );
    for f in findings {
        if let Some(i) = f.place.find(&prefix) {
            f.place = f.place[i + prefix.len()..].to_string();
        } else if let Some(i) = f.place.find("specs/") {
            f.place = f.place[i + "specs/".len()..].to_string();
        }
    }
    api
}

#[test]
fn generation_is_deterministic() {
    for (spec, name, _) in EXAMPLES {
        let spec_path = root()
            .join("specs")
            .join(spec)
            .to_string_lossy()
            .into_owned();
        let render = || {
            let g = mcpgen::build(&spec_path, &PlanOptions::default()).unwrap();
            mcpgen::files(&g, RuntimeDependency::Path("../../runtime".into())).unwrap()
        };
        assert_eq!(render(), render(), "{name}: two runs differ");
    }
}
