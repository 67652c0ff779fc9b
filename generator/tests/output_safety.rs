//! What `generate` may touch: only real paths inside `--out` (a symbolic link there is refused,
//! never followed), files keep their permissions across regeneration, and a connector name Cargo
//! cannot build is refused before anything is written.

use std::path::Path;

use assert_cmd::Command;

fn mcpgen() -> Command {
    Command::cargo_bin("mcpgen").unwrap()
}

fn orders_spec() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs/orders-openapi-3.0.yaml")
        .to_string_lossy()
        .into_owned()
}

fn generate(out: &Path) -> std::process::Output {
    mcpgen()
        .args(["generate", &orders_spec(), "--out"])
        .arg(out)
        .output()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn symbolic_links_inside_out_are_refused_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("orders");
    assert!(generate(&out).status.success());
    // `src` now points outside, where a file of the same name as a generated one lives.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("tools.rs"), "precious\n").unwrap();
    std::fs::rename(out.join("src"), dir.path().join("old-src")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("src")).unwrap();
    let refused = generate(&out);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("is a symbolic link"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(elsewhere.join("tools.rs")).unwrap(),
        "precious\n"
    );
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 1);
}

#[cfg(unix)]
#[test]
fn regeneration_keeps_file_modes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("orders");
    assert!(generate(&out).status.success());
    let mode = |file: &str| {
        std::fs::metadata(out.join(file))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    std::fs::set_permissions(
        out.join("README.md"),
        std::fs::Permissions::from_mode(0o664),
    )
    .unwrap();
    std::fs::remove_file(out.join("Dockerfile")).unwrap();
    assert!(generate(&out).status.success());
    assert_eq!(mode("README.md"), 0o664);
    // A file written anew over an existing crate is readable by others, as any file is.
    assert_eq!(mode("Dockerfile"), 0o644);
}

#[test]
fn names_cargo_cannot_build_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Cargo's own folders in `target/debug` (the binary would collide), the test crate, Rust
    // keywords (a crate name is an identifier), mcpgen's crates, a Windows device name.
    for name in [
        "build",
        "deps",
        "examples",
        "incremental",
        "test",
        "self",
        "fn",
        "async",
        "mcpgen-runtime",
        "mcpgen_runtime",
        "mcpgen-contract",
        "con",
    ] {
        let out = dir.path().join(name);
        let refused = mcpgen()
            .args(["generate", &orders_spec(), "--name", name, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains(&format!("--name `{name}`: Cargo cannot build")),
            "{stderr}"
        );
        assert!(!out.exists(), "{name}: nothing is written");
    }
}

#[test]
fn an_old_hooks_file_gets_a_migration_warning() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("orders");
    assert!(generate(&out).status.success());
    std::fs::write(
        out.join("src/hooks.rs"),
        "use mcpgen_runtime::Hooks;\n\npub fn hooks() -> Hooks {\n    Hooks::default()\n}\n",
    )
    .unwrap();
    let again = generate(&out);
    assert!(again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("still returns the old `Hooks` struct")
            && stderr.contains("impl mcpgen_runtime::Hooks for ConnectorHooks"),
        "{stderr}"
    );
}
