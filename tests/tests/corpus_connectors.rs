//! Real-world documents as working connectors: every document of `@readme/oas-examples` is
//! generated, compiled (in batches, sharing the workspace's target directory and lock file) and
//! asked for its tools over MCP, which must be exactly the tools mcpgen planned (or, for the
//! documents large enough to list a catalog, the catalog's tools).
//!
//! The JSON edition of each document is compiled; the YAML editions (whose texts differ slightly)
//! are planned and checked by the generator's corpus test.

use std::path::{Path, PathBuf};

use mcpgen_e2e::client::{Client, Era};

/// Every `.json` document under `dir`, sub-folders included.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Connectors per cargo invocation: binaries are large in debug builds, so each batch's are
/// removed once checked.
const BATCH: usize = 24;

#[tokio::test]
async fn readme_oas_examples_compile_and_list_their_tools_over_mcp() {
    let root = mcpgen_e2e::workspace();
    let examples = mcpgen_e2e::test_deps().join("node_modules/@readme/oas-examples");
    let mut documents = Vec::new();
    for version in ["2.0", "3.0", "3.1"] {
        collect(&examples.join(version).join("json"), &mut documents);
    }
    documents.sort();
    assert!(documents.len() > 50, "only {} documents", documents.len());
    let target = mcpgen_e2e::target_dir();
    let corpus = root.join("target/corpus");
    let _ = std::fs::remove_dir_all(&corpus);

    let mut checked = 0;
    let mut total_tools = 0;
    for (batch_index, batch) in documents.chunks(BATCH).enumerate() {
        let dir = corpus.join(format!("batch-{batch_index}"));
        let mut members = Vec::new();
        let mut expected = Vec::new();
        for (i, doc) in batch.iter().enumerate() {
            let name = format!("oas-{:03}", batch_index * BATCH + i);
            let out = dir.join(&name);
            let options = mcpgen::plan::PlanOptions {
                name: Some(name.clone()),
                ..Default::default()
            };
            let generated = mcpgen::build(&doc.to_string_lossy(), &options)
                .unwrap_or_else(|e| panic!("{}: {e}", doc.display()));
            let runtime = mcpgen::output::relative_path(&out, &root.join("runtime"));
            let files = mcpgen::files(
                &generated,
                mcpgen::emit::RuntimeDependency::Path(runtime.clone()),
            )
            .unwrap();
            mcpgen::output::write(&out, &files).unwrap();
            members.push(name.clone());
            // A catalog lists its four tools (five with toolsets) and the core tools.
            let plan = &generated.plan;
            let listed = match plan.connector.listing.listing {
                mcpgen::ir::Listing::Full => plan.tools.len(),
                mcpgen::ir::Listing::Catalog => {
                    4 + usize::from(!plan.connector.listing.toolsets.is_empty())
                        + plan.tools.iter().filter(|t| t.core).count()
                }
            };
            expected.push((name, doc.clone(), listed));
        }
        mcpgen_e2e::build_outside_workspace(&dir, &members);

        for (i, (name, doc, tools)) in expected.iter().enumerate() {
            let binary = target.join("debug").join(name);
            let era = if i % 2 == 0 { Era::Modern } else { Era::Legacy };
            let client = Client::start(&binary, &[], era).await;
            let listed = client.tools().await;
            assert_eq!(
                listed.len(),
                *tools,
                "{}: {} tools over MCP, {tools} planned",
                doc.display(),
                listed.len()
            );
            client.close().await;
            total_tools += tools;
            checked += 1;
        }
        remove_binaries(&target, &members);
    }
    eprintln!("{checked} corpus connectors compiled, {total_tools} tools listed over MCP");
    let _ = std::fs::remove_dir_all(&corpus);
}

/// Debug binaries of a connector are ~100 MB: remove a batch's once it has been checked.
fn remove_binaries(target: &Path, names: &[String]) {
    let debug = target.join("debug");
    for name in names {
        let _ = std::fs::remove_file(debug.join(name));
        let stem = name.replace('-', "_");
        for dir in [debug.join("deps"), debug.join("incremental")] {
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for entry in entries.flatten() {
                    let file = entry.file_name().to_string_lossy().into_owned();
                    if file.starts_with(&format!("{stem}-")) {
                        let path = entry.path();
                        let _ = if path.is_dir() {
                            std::fs::remove_dir_all(&path)
                        } else {
                            std::fs::remove_file(&path)
                        };
                    }
                }
            }
        }
    }
}
