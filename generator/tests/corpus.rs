//! Real-world documents: every document of `@readme/oas-examples` and GitHub's REST description
//! (`@octokit/openapi`) must plan, and every input schema must be valid JSON Schema 2020-12 with
//! no `$ref`. Documents that cannot be read are listed with the error a user sees, and that list is
//! a snapshot, so a new failure (or a fixed one) shows up in review.
//!
//! The packages are installed by `scripts/install-test-deps` into `.test-deps/`.

use std::path::{Path, PathBuf};

use mcpgen::plan::PlanOptions;

fn deps() -> PathBuf {
    let dir = std::env::var_os("MCPGEN_TEST_DEPS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.test-deps"));
    assert!(
        dir.join("node_modules").is_dir(),
        "test documents missing: run `scripts/install-test-deps` (it installs them into {})",
        dir.display()
    );
    dir
}

fn check_document(path: &Path) -> Result<usize, String> {
    let spec = path.to_string_lossy();
    let generated = mcpgen::build(&spec, &PlanOptions::default()).map_err(|e| e.to_string())?;
    for tool in &generated.plan.tools {
        assert!(
            !mcpgen::inline::has_ref(&tool.input_schema),
            "{spec}: tool {} has a $ref left",
            tool.name
        );
        if let Err(e) = jsonschema::draft202012::meta::validate(&tool.input_schema) {
            panic!(
                "{spec}: tool {} has an invalid input schema: {e}",
                tool.name
            );
        }
        assert!(
            tool.name.len() <= 64
                && tool
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
            "{spec}: bad tool name {}",
            tool.name
        );
    }
    let mut names: Vec<&str> = generated
        .plan
        .tools
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(
        names.len(),
        generated.plan.tools.len(),
        "{spec}: duplicate tool names"
    );
    // Emission must succeed too.
    mcpgen::files(
        &generated,
        mcpgen::emit::RuntimeDependency::Version("0.1".into()),
    )
    .map_err(|e| e.to_string())?;
    Ok(generated.plan.tools.len())
}

/// Every JSON or YAML file under `dir`, sub-folders included.
fn collect(dir: &Path, documents: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, documents);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("json" | "yaml" | "yml")
        ) {
            documents.push(path);
        }
    }
}

#[test]
fn readme_oas_examples_all_generate() {
    let root = deps().join("node_modules/@readme/oas-examples");
    let mut documents = Vec::new();
    for version in ["2.0", "3.0", "3.1"] {
        for format in ["json", "yaml"] {
            let dir = root.join(version).join(format);
            collect(&dir, &mut documents);
        }
    }
    documents.sort();
    assert!(
        documents.len() > 100,
        "only {} documents found",
        documents.len()
    );
    let mut failures = String::new();
    let mut tools = 0;
    for doc in &documents {
        match check_document(doc) {
            Ok(n) => tools += n,
            Err(e) => {
                let shown = e.replace(&root.display().to_string(), "<oas-examples>");
                failures.push_str(&format!("{shown}\n"));
            }
        }
    }
    eprintln!("{} documents, {tools} tools", documents.len());
    insta::assert_snapshot!("oas_examples_failures", failures);
}

#[test]
fn github_rest_description_generates() {
    let spec = deps().join("node_modules/@octokit/openapi/generated/api.github.com.json");
    let n = check_document(&spec).unwrap_or_else(|e| panic!("{e}"));
    assert!(n > 1000, "only {n} tools");
}
