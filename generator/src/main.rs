//! The `mcpgen` command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use mcpgen::emit::RuntimeDependency;
use mcpgen::plan::PlanOptions;

#[derive(Parser)]
#[command(
    name = "mcpgen",
    version,
    about = "Turn an OpenAPI 3.0/3.1 or Swagger 2.0 document into a compiled MCP server crate",
    long_about = "Turn an OpenAPI 3.0/3.1 or Swagger 2.0 document into a compiled MCP server crate.\n\n\
        Start with `mcpgen inspect SPEC` to see the tools a spec gives, then\n\
        `mcpgen generate SPEC --out DIR` and `cargo build --release` in DIR.\n\n\
        Exit codes: 0 ok, 1 `check` found drift, 2 bad input (the message names the file and place)."
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
    },
}

#[derive(Args)]
struct Input {
    /// The API description: a file path or an http(s) URL; YAML or JSON.
    #[arg(value_name = "SPEC")]
    spec: String,
    /// The connector's name (crate, binary, environment prefix); default: from the spec's title.
    #[arg(long)]
    name: Option<String>,
    /// The longest tool name to produce; lower it for clients that prefix tool names.
    #[arg(long, default_value_t = mcpgen::naming::DEFAULT_BUDGET, value_name = "N")]
    max_name_len: usize,
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

fn plan_options(input: &Input) -> PlanOptions {
    PlanOptions {
        name: input.name.clone(),
        max_name_len: input.max_name_len,
    }
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

fn print_warnings(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Generate {
            input,
            out,
            runtime,
        } => {
            let generated = mcpgen::build(&input.spec, &plan_options(&input))?;
            print_warnings(&generated.plan.warnings);
            let files = mcpgen::files(&generated, runtime_dependency(&runtime, &out))?;
            mcpgen::output::write(&out, &files)?;
            eprintln!(
                "wrote {} ({} tools) to {}; build it with `cargo build --release --manifest-path {}`",
                generated.plan.connector.name,
                generated.plan.tools.len(),
                out.display(),
                out.join("Cargo.toml").display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            input,
            out,
            runtime,
        } => {
            let generated = mcpgen::build(&input.spec, &plan_options(&input))?;
            let files = mcpgen::files(&generated, runtime_dependency(&runtime, &out))?;
            let drift = mcpgen::output::drift(&out, &files);
            if drift.is_empty() {
                eprintln!("{} is up to date", out.display());
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{} differs from what `mcpgen generate` would write:",
                out.display()
            );
            for file in drift {
                println!("  {file}");
            }
            Ok(ExitCode::from(1))
        }
        Command::Inspect { input, format } => {
            let generated = mcpgen::build(&input.spec, &plan_options(&input))?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&generated.plan)?),
                Format::Ir => println!("{}", serde_json::to_string_pretty(&generated.api)?),
                Format::Text => {
                    let plan = &generated.plan;
                    println!(
                        "{} ({}): {} tools",
                        plan.connector.name,
                        plan.connector.title,
                        plan.tools.len()
                    );
                    for t in &plan.tools {
                        let a = t.annotations;
                        let kind = if a.read_only {
                            "read-only"
                        } else if a.destructive {
                            "destructive"
                        } else {
                            "write"
                        };
                        println!(
                            "  {:<40} {:<7} {:<40} {}",
                            t.name,
                            t.method.as_str(),
                            t.path,
                            kind
                        );
                    }
                    print_warnings(&plan.warnings);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
