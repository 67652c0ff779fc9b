//! How long generation takes for GitHub's REST description (~1,200 operations), against a baseline
//! measured in the same run: parsing the same file with `serde_json` alone. Machines here are
//! noisy, so the ratio is the figure to compare; absolute times are printed for reference.
//!
//! Run: `cargo bench -p mcpgen --bench generate` (needs `scripts/install-test-deps`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mcpgen::emit::RuntimeDependency;
use mcpgen::plan::PlanOptions;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm the file cache
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let deps = std::env::var_os("MCPGEN_TEST_DEPS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.test-deps"));
    let spec = deps.join("node_modules/@octokit/openapi/generated/api.github.com.json");
    if !spec.exists() {
        eprintln!("{} missing: run scripts/install-test-deps", spec.display());
        std::process::exit(1);
    }
    let spec_text = spec.to_string_lossy().into_owned();
    let runs = 7;

    let parse = time(runs, || {
        let bytes = std::fs::read(&spec).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        std::hint::black_box(value);
    });
    let mut tools = 0;
    let plan = time(runs, || {
        let g = mcpgen::build(&spec_text, &PlanOptions::default()).unwrap();
        tools = g.plan.tools.len();
        std::hint::black_box(g);
    });
    let full = time(runs, || {
        let g = mcpgen::build(&spec_text, &PlanOptions::default()).unwrap();
        let files = mcpgen::files(&g, RuntimeDependency::Version("0.1".into())).unwrap();
        std::hint::black_box(files);
    });
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("GitHub REST description: {tools} tools, median of {runs} runs");
    println!("  baseline: read + serde_json parse   {:8.1} ms", ms(parse));
    println!(
        "  load + normalise + plan              {:8.1} ms  ({:.1}x baseline)",
        ms(plan),
        ms(plan) / ms(parse)
    );
    println!(
        "  ... + emit all files (generate)     {:8.1} ms  ({:.1}x baseline)",
        ms(full),
        ms(full) / ms(parse)
    );
}
