//! Every input a fuzz target once crashed on (minimised, in `fuzz/regressions/TARGET/`),
//! replayed the way the target runs it: each must now end in a result or an error, never a
//! panic. `scripts/fuzz` says how inputs get here.

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        // `.gitkeep` holds an empty folder in git; it is no input.
        .filter(|path| {
            path.is_file()
                && !path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

/// As `fuzz/fuzz_targets/spec.rs`: the bytes as a spec file, alone in a folder.
#[test]
fn spec_inputs_that_crashed_now_load_or_fail_cleanly() {
    for (path, bytes) in inputs("spec") {
        let dir = tempfile::tempdir().unwrap();
        let spec = dir.path().join("spec.yaml");
        std::fs::write(&spec, &bytes).unwrap();
        let outcome = std::panic::catch_unwind(|| {
            if let Ok(generated) = mcpgen::build(&spec.to_string_lossy(), &Default::default()) {
                let _ = mcpgen::files(
                    &generated,
                    mcpgen::emit::RuntimeDependency::Version("0.1".into()),
                );
            }
        });
        assert!(outcome.is_ok(), "{} panics", path.display());
    }
}

/// As `fuzz/fuzz_targets/overrides.rs`: the bytes as an overrides file for the Orders example.
#[test]
fn overrides_inputs_that_crashed_now_apply_or_fail_cleanly() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/orders-openapi-3.0.yaml");
    let api = mcpgen::build(&spec.to_string_lossy(), &Default::default())
        .unwrap()
        .api;
    for (path, bytes) in inputs("overrides") {
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let outcome = std::panic::catch_unwind(|| {
            let Ok(overrides) = mcpgen::overrides::Overrides::parse("overrides.yaml", text) else {
                return;
            };
            let options = mcpgen::plan::PlanOptions {
                overrides: Some(overrides),
                ..Default::default()
            };
            let _ = mcpgen::plan::plan(&api, &options);
        });
        assert!(outcome.is_ok(), "{} panics", path.display());
    }
}
