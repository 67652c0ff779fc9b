//! A generated connector builds from the `Cargo.lock` mcpgen writes for it: `--locked --offline`,
//! as a user's CI would, with no other lock in sight, and cargo leaves the file as it is.

use mcpgen_e2e::client::{Client, Era};

#[tokio::test]
async fn a_generated_connector_builds_locked_and_offline_from_its_own_lock() {
    let root = mcpgen_e2e::workspace();
    let name = "locked-orders";
    let out = root.join("target/locked").join(name);
    let _ = std::fs::remove_dir_all(&out);
    let options = mcpgen::plan::PlanOptions {
        name: Some(name.into()),
        ..Default::default()
    };
    let spec = root.join("specs/orders-openapi-3.0.yaml");
    let generated = mcpgen::build(&spec.to_string_lossy(), &options).unwrap();
    let runtime = mcpgen::output::relative_path(&out, &root.join("runtime"));
    let files = mcpgen::files(&generated, mcpgen::emit::RuntimeDependency::Path(runtime)).unwrap();
    let lock = files
        .get("Cargo.lock")
        .expect("a lock is generated")
        .clone();
    mcpgen::output::write(&out, &files).unwrap();
    assert!(
        !out.parent().unwrap().join("Cargo.lock").exists()
            && !root.join("target/Cargo.lock").exists(),
        "no other lock may be in reach"
    );

    mcpgen_e2e::build_locked(&out);
    let after = std::fs::read(out.join("Cargo.lock")).unwrap();
    assert!(after == lock, "cargo rewrote the generated Cargo.lock");

    let binary = mcpgen_e2e::target_dir().join("debug").join(name);
    let client = Client::start(&binary, &[], Era::Modern).await;
    assert_eq!(client.tools().await.len(), generated.plan.tools.len());
    client.close().await;
    let _ = std::fs::remove_file(&binary);
    let _ = std::fs::remove_dir_all(&out);
}
