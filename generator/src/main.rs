//! The `mcpgen` command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use mcpgen::emit::RuntimeDependency;
use mcpgen::findings::{Finding, Level};
use mcpgen::lock::Lock;
use mcpgen::overrides::Overrides;
use mcpgen::plan::PlanOptions;

#[derive(Parser)]
#[command(
    name = "mcpgen",
    version,
    about = "Turn an OpenAPI 3.0/3.1 or Swagger 2.0 document into a compiled MCP server crate",
    long_about = "Turn an OpenAPI 3.0/3.1 or Swagger 2.0 document into a compiled MCP server crate.\n\n\
        Start with `mcpgen inspect SPEC` to see the tools a spec gives, then\n\
        `mcpgen generate SPEC --out DIR` and `cargo build --release` in DIR.\n\n\
        Exit codes: 0 ok, 1 `check` found drift or `diff` found a breaking change, 2 bad input\n\
        (the message names the file and place)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the connector crate for SPEC into DIR (created, or updated keeping src/hooks.rs).
    Generate {
        #[command(flatten)]
        input: Input,
        /// The crate directory to write.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        runtime: Runtime,
    },
    /// Exit 1, listing the files, when DIR is not what `generate` would write now (for CI).
    Check {
        #[command(flatten)]
        input: Input,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        runtime: Runtime,
    },
    /// Show the tools SPEC would give, and every warning, without writing anything.
    Inspect {
        #[command(flatten)]
        input: Input,
        /// text: a table; json: the full tool plan; ir: the normalised API description.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Check what the Connectors Directory review asks of every tool instead; exit 1, with
        /// the fixes, when a check fails.
        #[arg(long)]
        directory: bool,
    },
    /// What regenerating from NEW instead of OLD changes for the tools; exit 1 when a change is
    /// breaking (a call that worked before would now fail).
    Diff {
        /// The spec the connector was generated from.
        #[arg(value_name = "OLD")]
        old: String,
        /// The new version of the spec.
        #[arg(value_name = "NEW")]
        new: String,
        /// The overrides file, applied to both (entries for operations OLD lacks are skipped).
        #[arg(long, value_name = "FILE")]
        overrides: Option<PathBuf>,
        #[command(flatten)]
        load: Load,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_name = "N")]
        max_name_len: Option<usize>,
        #[arg(long, value_enum, default_value = "text")]
        format: DiffFormat,
    },
    /// Build the connector crate in DIR and pack it as an MCPB desktop extension (`NAME.mcpb`)
    /// for Claude Desktop, for this machine's platform.
    Bundle {
        /// The generated crate.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Where to write the archive (default: DIR/NAME.mcpb).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The Cargo profile to build with.
        #[arg(long, default_value = "release")]
        profile: String,
        /// Build for this Rust target triple (e.g. aarch64-apple-darwin) instead of this machine;
        /// the manifest names that platform. One bundle per platform.
        #[arg(long, value_name = "TRIPLE")]
        target: Option<String>,
    },
    /// Print the JSON Schema of the overrides file (for editors: `$schema` or yaml-language-server).
    OverridesSchema,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Text,
    Json,
}

#[derive(Args)]
struct Input {
    /// The API description: a file path or an http(s) URL; YAML or JSON.
    #[arg(value_name = "SPEC")]
    spec: String,
    /// The connector's name (crate, binary, environment prefix); default: from the spec's title.
    #[arg(long)]
    name: Option<String>,
    /// The longest tool name to produce (16-64, default 64); lower it for clients that prefix
    /// tool names.
    #[arg(long, value_name = "N")]
    max_name_len: Option<usize>,
    /// Customisations (YAML or JSON): see `specs/orders-overrides.yaml` and `mcpgen overrides-schema`.
    #[arg(long, value_name = "FILE")]
    overrides: Option<PathBuf>,
    #[command(flatten)]
    load: Load,
}

/// What the spec may make mcpgen read besides itself.
#[derive(Args)]
struct Load {
    /// Follow `$ref`s to http(s) URLs (by default only a remote spec's own origin is followed,
    /// and a local spec reaches no URL). A remote document never reaches local files.
    #[arg(long)]
    allow_remote_refs: bool,
    /// A folder, besides the spec's own, whose files local `$ref`s may reach (repeatable;
    /// symlinks are resolved before the check).
    #[arg(long, value_name = "DIR")]
    ref_root: Vec<PathBuf>,
    /// The most MiB read from one document fetched over HTTP.
    #[arg(long, value_name = "MIB", default_value_t = mcpgen::load::DEFAULT_MAX_REMOTE_BYTES >> 20)]
    max_remote_mib: u64,
}

impl Load {
    fn options(&self) -> mcpgen::load::LoadOptions {
        mcpgen::load::LoadOptions {
            allow_remote_refs: self.allow_remote_refs,
            ref_roots: self.ref_root.clone(),
            max_remote_bytes: self.max_remote_mib.saturating_mul(1 << 20),
        }
    }
}

#[derive(Args)]
struct Runtime {
    /// Depend on the runtime crate at this path (default: the runtime next to this mcpgen).
    #[arg(long, value_name = "PATH", conflicts_with = "runtime_version")]
    runtime_path: Option<PathBuf>,
    /// Depend on this crates.io version of mcpgen-runtime instead of a path.
    #[arg(long, value_name = "VERSION")]
    runtime_version: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Ir,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn read_overrides(path: &Option<PathBuf>) -> anyhow::Result<Option<Overrides>> {
    Ok(match path {
        Some(p) => Some(Overrides::read(p)?),
        None => None,
    })
}

/// Options for `input`; with `out`, the names its lock records are kept.
fn plan_options(input: &Input, out: Option<&Path>) -> anyhow::Result<PlanOptions> {
    Ok(PlanOptions {
        name: input.name.clone(),
        max_name_len: input.max_name_len,
        overrides: read_overrides(&input.overrides)?,
        lock: match out {
            Some(out) => Lock::read(out)?,
            None => Lock::default(),
        },
        lenient: false,
    })
}

fn runtime_dependency(runtime: &Runtime, out: &Path) -> RuntimeDependency {
    if let Some(v) = &runtime.runtime_version {
        return RuntimeDependency::Version(v.clone());
    }
    let path = runtime
        .runtime_path
        .clone()
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime"));
    RuntimeDependency::Path(mcpgen::output::relative_path(out, &path))
}

/// The tools a regeneration adds, removes and renames, judged by the crate's lock (nothing for a
/// first generation).
fn tool_changes(lock: &Lock, plan: &mcpgen::plan::Plan) -> Vec<String> {
    let before = lock.all_names();
    if before.is_empty() {
        return Vec::new();
    }
    let mut after = plan.lock_names();
    after.extend(plan.chosen_names());
    let prefix = &plan.connector.tool_prefix;
    let mut lines = Vec::new();
    for (key, name) in &after {
        match before.get(key) {
            None => lines.push(format!("tool added: {prefix}{name} ({key})")),
            Some(old) if old != name => lines.push(format!(
                "tool renamed: {prefix}{old} → {prefix}{name} ({key})"
            )),
            _ => {}
        }
    }
    for (key, name) in &before {
        if !after.contains_key(key) {
            lines.push(format!("tool removed: {prefix}{name} ({key})"));
        }
    }
    lines
}

/// Every finding on stderr, and how many tools have error-level ones.
fn print_findings(findings: &[Finding]) {
    for f in findings {
        eprintln!("{f}");
    }
    let mut broken: Vec<&str> = findings
        .iter()
        .filter(|f| f.level == Level::Error)
        .filter_map(|f| f.tool.as_deref())
        .collect();
    broken.dedup();
    if !broken.is_empty() {
        eprintln!(
            "{} tool(s) with errors: they may send requests the API does not expect; fix the spec \
             (or exclude them in the overrides file)",
            broken.len()
        );
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Generate {
            input,
            out,
            runtime,
        } => generate(&input, &out, &runtime),
        Command::Check {
            input,
            out,
            runtime,
        } => check(&input, &out, &runtime),
        Command::Bundle {
            dir,
            output,
            profile,
            target,
        } => {
            let options = mcpgen::bundle::BundleOptions {
                profile,
                output,
                target,
            };
            let archive = mcpgen::bundle::bundle(&dir, &options)?;
            eprintln!(
                "wrote {}: install it in Claude Desktop (double-click, or Settings → Extensions)",
                archive.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::OverridesSchema => {
            print!("{}", mcpgen::overrides::json_schema());
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff {
            old,
            new,
            overrides,
            load,
            name,
            max_name_len,
            format,
        } => diff(
            &old,
            &new,
            DiffOptions {
                overrides,
                load: load.options(),
                name,
                max_name_len,
            },
            format,
        ),
        Command::Inspect {
            input,
            directory: true,
            ..
        } => directory_check(&input),
        Command::Inspect { input, format, .. } => inspect(&input, format),
    }
}

/// `mcpgen generate`: write the crate, keep the user's hooks, say what changed for the tools.
fn generate(input: &Input, out: &Path, runtime: &Runtime) -> anyhow::Result<ExitCode> {
    let options = plan_options(input, Some(out))?;
    let generated = mcpgen::build_with(&input.spec, &input.load.options(), &options)?;
    print_findings(&generated.plan.findings);
    let files = mcpgen::files(&generated, runtime_dependency(runtime, out))?;
    let removed = mcpgen::output::write(out, &files)?;
    if mcpgen::output::hooks_need_migration(out) {
        eprintln!(
            "warning: {} still returns the old `Hooks` struct, which no longer exists: define \
             `pub struct ConnectorHooks;`, `impl mcpgen_runtime::Hooks for ConnectorHooks {{}}` and \
             `pub fn hooks() -> ConnectorHooks {{ ConnectorHooks }}`, moving any hook function into \
             an async method of that impl (see the runtime's documentation, \"Migrating src/hooks.rs\")",
            out.join(mcpgen::emit::HOOKS_FILE).display()
        );
    }
    for file in removed {
        eprintln!("removed {file}: this generation no longer writes it");
    }
    let changes = tool_changes(&options.lock, &generated.plan);
    for line in &changes {
        eprintln!("{line}");
    }
    if !changes.is_empty() {
        eprintln!("(`mcpgen diff OLD NEW` shows how each tool's inputs changed)");
    }
    eprintln!(
        "wrote {} ({} tools) to {}; build it with `cargo build --release --manifest-path {}`",
        generated.plan.connector.name,
        generated.plan.tools.len(),
        out.display(),
        out.join("Cargo.toml").display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `mcpgen check`: exit 1, listing the files, when DIR is not what `generate` would write.
fn check(input: &Input, out: &Path, runtime: &Runtime) -> anyhow::Result<ExitCode> {
    let options = plan_options(input, Some(out))?;
    let generated = mcpgen::build_with(&input.spec, &input.load.options(), &options)?;
    let files = mcpgen::files(&generated, runtime_dependency(runtime, out))?;
    let drift = mcpgen::output::drift(out, &files);
    let stale = mcpgen::output::stale(out, &files)?;
    if drift.is_empty() && stale.is_empty() {
        eprintln!("{} is up to date", out.display());
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} differs from what `mcpgen generate` would write:",
        out.display()
    );
    for file in drift {
        let state = if out.join(&file).exists() {
            "changed"
        } else {
            "missing"
        };
        println!("  {state:<8} {file}");
    }
    for file in stale {
        println!("  stale    {file} (no longer generated)");
    }
    for line in tool_changes(&options.lock, &generated.plan) {
        println!("  {line}");
    }
    println!("run `mcpgen generate` with the same arguments to update it");
    Ok(ExitCode::from(1))
}

/// What `mcpgen diff` plans both specs with.
struct DiffOptions {
    overrides: Option<PathBuf>,
    load: mcpgen::load::LoadOptions,
    name: Option<String>,
    max_name_len: Option<usize>,
}

/// `mcpgen diff`: what regenerating from NEW instead of OLD changes; exit 1 when breaking.
fn diff(old: &str, new: &str, given: DiffOptions, format: DiffFormat) -> anyhow::Result<ExitCode> {
    let DiffOptions {
        overrides,
        load,
        name,
        max_name_len,
    } = given;
    let overrides = read_overrides(&overrides)?;
    let mut options = PlanOptions {
        name,
        max_name_len,
        overrides,
        lock: Lock::default(),
        lenient: true,
    };
    let before = mcpgen::build_with(old, &load, &options)?;
    // NEW is planned as a regeneration would plan it: keeping the names OLD gave.
    options.lock.tools = before.plan.lock_names();
    options.lenient = false;
    let after = mcpgen::build_with(new, &load, &options)?;
    print_findings(&after.plan.findings);
    let report = mcpgen::diff::diff(&before.plan, &after.plan);
    match format {
        DiffFormat::Text => print!("{}", mcpgen::diff::render_text(&report)),
        DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
    }
    Ok(if report.breaking > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `mcpgen inspect --directory`: the Connectors Directory's checks, per tool.
fn directory_check(input: &Input) -> anyhow::Result<ExitCode> {
    let generated = mcpgen::build_with(
        &input.spec,
        &input.load.options(),
        &plan_options(input, None)?,
    )?;
    let plan = &generated.plan;
    let failures = mcpgen::directory::check(plan);
    let checks = [
        "title",
        "annotations",
        "name",
        "read and write",
        "prompt injection",
    ];
    for check in checks {
        let failed = failures.iter().filter(|f| f.check == check).count();
        let state = if failed == 0 {
            "ok".to_string()
        } else {
            format!("{failed} tools fail")
        };
        println!("{check:<18} {state}");
    }
    for f in &failures {
        println!("  {}: {} ({}): {}", f.tool, f.check, f.problem, f.fix);
    }
    let names = mcpgen_contract::env::EnvNames::for_connector(&plan.connector.name);
    println!(
        "remote form: run it with OAuth ({} and {}), as Claude's connectors sign in with OAuth",
        names.mcp_issuer(),
        names.mcp_resource()
    );
    Ok(if failures.is_empty() {
        println!("ready: {} tools pass every check", plan.tools.len());
        ExitCode::SUCCESS
    } else {
        println!(
            "not ready: {} failures; each line says how to fix it",
            failures.len()
        );
        ExitCode::from(1)
    })
}

/// `mcpgen inspect`: the tools a spec gives, and every finding, without writing.
fn inspect(input: &Input, format: Format) -> anyhow::Result<ExitCode> {
    let options = plan_options(input, None)?;
    let generated = mcpgen::build_with(&input.spec, &input.load.options(), &options)?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&generated.plan)?),
        Format::Ir => println!("{}", serde_json::to_string_pretty(&generated.api)?),
        Format::Text => {
            let named = input.name.is_some()
                || options
                    .overrides
                    .as_ref()
                    .is_some_and(|o| o.spec.connector.name.is_some());
            print!("{}", inspect_text(&generated.plan, named));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The table `inspect` prints: one line per tool with its findings below it, then the findings
/// about the document as a whole.
fn inspect_text(plan: &mcpgen::plan::Plan, named: bool) -> String {
    use std::fmt::Write;
    let mut text = format!(
        "{} ({}): {} tools\n",
        plan.connector.name,
        plan.connector.title,
        plan.tools.len()
    );
    if !named {
        let _ = writeln!(
            text,
            "name `{}` comes from the title; choose another with --name or `connector.name` in the overrides file",
            plan.connector.name
        );
    }
    let mut by_tool: std::collections::HashMap<&str, Vec<&Finding>> = Default::default();
    let mut document = Vec::new();
    for f in &plan.findings {
        match &f.tool {
            Some(tool) => by_tool.entry(tool).or_default().push(f),
            None => document.push(f),
        }
    }
    for t in &plan.tools {
        let a = t.annotations;
        let kind = if a.read_only {
            "read-only"
        } else if a.destructive {
            "destructive"
        } else {
            "write"
        };
        let (name, method, path) = (&t.name, t.method.as_str(), &t.path);
        let _ = writeln!(text, "  {name:<40} {method:<7} {path:<40} {kind}");
        finding_lines(
            &mut text,
            by_tool.get(name.as_str()).map_or(&[], Vec::as_slice),
        );
    }
    if !document.is_empty() {
        text.push_str("document:\n");
        finding_lines(&mut text, &document);
    }
    let listing = &plan.connector.listing;
    let _ = writeln!(
        text,
        "listing: {} — {}",
        match listing.listing {
            mcpgen::ir::Listing::Full => "every tool",
            mcpgen::ir::Listing::Catalog => "catalog",
        },
        listing.reason
    );
    let errors = plan
        .findings
        .iter()
        .filter(|f| f.level == Level::Error)
        .count();
    let warnings = plan.findings.len() - errors;
    let _ = writeln!(text, "{errors} errors, {warnings} warnings");
    text
}

/// Findings under a tool: the first ten (past that they are of one kind, mostly placeholders of
/// one large schema), then how many more the JSON format lists.
fn finding_lines(text: &mut String, findings: &[&Finding]) {
    use std::fmt::Write;
    for f in findings.iter().take(10) {
        let _ = writeln!(
            text,
            "      {}: {}: {}",
            f.level.as_str(),
            f.place,
            f.message
        );
    }
    if findings.len() > 10 {
        let _ = writeln!(
            text,
            "      … and {} more (see --format json)",
            findings.len() - 10
        );
    }
}
