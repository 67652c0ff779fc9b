#!/usr/bin/env python3
"""The benchmark suite (run it through benches/suite.sh, which builds what it needs first).

For the example Orders spec and GitHub's REST description it measures generation (time, peak
memory), the generated crate's builds (cold with dependencies already built, and incremental after
a one-line spec change), the binary's size, and through `bench` (tests/src/bin/bench.rs): start to
first `tools/list`, peak RSS, the listing's bytes, per-call latency over stdio and Streamable HTTP
(both protocol eras) and throughput with concurrent clients. Every run-time figure is measured
beside its references in the same run — the API called directly and `floor`, a minimal
hand-written one-tool MCP proxy (tests/src/bin/floor.rs) — and reported as a ratio to them. Over
stdio a third reference, the async floor (tests/src/bin/async_floor.rs), is the same proxy on the
connector's own stack (Tokio, reqwest): what the async stack alone costs.

Writes target/bench/suite.json and target/bench/suite.md, and prints the Markdown.
Usage: benches/suite.py [--quick]   (--quick: fewer calls and runs, for trying the suite out)
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "target", "bench")
# The connectors build in a target directory of their own, so that the first build in it is a
# true cold build and the workspace's own builds never disturb the figures.
BUILD_TARGET = os.path.join(OUT, "build")
RELEASE = os.path.join(ROOT, "target", "release")
QUICK = "--quick" in sys.argv


def test_deps():
    return os.environ.get("MCPGEN_TEST_DEPS", os.path.join(ROOT, ".test-deps"))


# What is measured for each spec: where the spec is, the tool called and the request it becomes,
# the connector's environment, and the line changed for the incremental build.
SPECS = [
    {
        "name": "orders",
        "label": "Orders (example spec)",
        "spec": os.path.join(ROOT, "specs", "orders-openapi-3.0.yaml"),
        "tool": "getOrder",
        "arguments": {"orderId": "ord_000000000001"},
        "path": "/v1/orders/{orderId}",
        "base_var": "ORDERS_BASE_URL",
        "base_path": "/v1",
        "env": {"ORDERS_API_KEY_AUTH": "bench-key"},
        "change": ("summary: Get an order", "summary: Get one order"),
    },
    {
        "name": "github",
        "label": "GitHub REST",
        "spec": os.path.join(
            test_deps(), "node_modules", "@octokit", "openapi", "generated", "api.github.com.json"
        ),
        "tool": "repos_get",
        "arguments": {"owner": "octo", "repo": "hello"},
        "path": "/repos/{owner}/{repo}",
        "base_var": "GITHUB_BASE_URL",
        "base_path": "",
        # Every operation a tool, so the call is a direct one; the catalog's start is measured too.
        "env": {"GITHUB_LISTING": "full"},
        "change": ('"summary": "Get a repository"', '"summary": "Get one repository"'),
    },
]


def run_measured(command, **kwargs):
    """Runs a command; returns (seconds, peak RSS in KiB) of the process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, **kwargs)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"failed ({process.returncode}): {' '.join(command)}")
    return elapsed, usage.ru_maxrss


def generate(spec, out, name):
    return run_measured(
        [os.path.join(RELEASE, "mcpgen"), "generate", spec, "--out", out, "--name", name],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def cargo_build(crate_dir):
    env = dict(os.environ, CARGO_TARGET_DIR=BUILD_TARGET)
    seconds, _ = run_measured(
        ["cargo", "build", "--quiet", "--release", "--locked", "--manifest-path",
         os.path.join(crate_dir, "Cargo.toml")],
        env=env,
    )
    return seconds


def measure_build_side(entry):
    """Generation, builds and binary size for one spec."""
    crate_dir = os.path.join(OUT, entry["name"])
    runs = 3 if QUICK else 7
    samples = [generate(entry["spec"], crate_dir, entry["name"]) for _ in range(runs)]
    figures = {
        "generate_ms": statistics.median(s[0] for s in samples) * 1000,
        "generate_peak_rss_kib": max(s[1] for s in samples),
    }
    fresh = not os.path.isdir(os.path.join(BUILD_TARGET, "release"))
    if fresh:
        # The first build in a fresh target directory: the runtime's dependencies with it.
        figures["dependencies_and_crate_build_s"] = cargo_build(crate_dir)
    # The crate alone, its dependencies built.
    subprocess.run(
        ["cargo", "clean", "--quiet", "--release", "-p", entry["name"], "--manifest-path",
         os.path.join(crate_dir, "Cargo.toml")],
        env=dict(os.environ, CARGO_TARGET_DIR=BUILD_TARGET),
        check=True,
    )
    figures["cold_build_s"] = cargo_build(crate_dir)
    binary = os.path.join(BUILD_TARGET, "release", entry["name"])
    figures["binary_bytes"] = os.path.getsize(binary)
    # One line of the spec changed: generate again and build again.
    changed = os.path.join(OUT, entry["name"] + "-changed" + os.path.splitext(entry["spec"])[1])
    with open(entry["spec"], encoding="utf-8") as f:
        text = f.read()
    old, new = entry["change"]
    if old not in text:
        sys.exit(f"{entry['spec']}: the line to change (`{old}`) is not there any more")
    with open(changed, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new, 1))
    regenerate_s, _ = generate(changed, crate_dir, entry["name"])
    figures["incremental_build_s"] = regenerate_s + cargo_build(crate_dir)
    # Back to the spec as it is, for the run-time measurements.
    generate(entry["spec"], crate_dir, entry["name"])
    cargo_build(crate_dir)
    return figures, binary


def measure_run_time(entry, binary, env, parts, label):
    report = os.path.join(OUT, f"{entry['name']}-{label}.json")
    command = [
        os.path.join(RELEASE, "bench"), "run",
        "--connector", binary,
        "--floor", os.path.join(RELEASE, "floor"),
        "--async-floor", os.path.join(RELEASE, "async_floor"),
        "--base-var", entry["base_var"],
        "--base-path", entry["base_path"],
        "--tool", entry["tool"],
        "--arguments", json.dumps(entry["arguments"]),
        "--path", entry["path"],
        "--calls", "500" if QUICK else "2000",
        "--clients", "16",
        "--client-calls", "100" if QUICK else "500",
        "--starts", "5" if QUICK else "15",
        "--parts", parts,
        "--out", report,
    ]
    for name, value in env.items():
        command += ["--env", f"{name}={value}"]
    subprocess.run(command, check=True)
    with open(report, encoding="utf-8") as f:
        return json.load(f)


def ratio(value, reference):
    return value / reference if reference else float("nan")


def markdown(results):
    names = [e["name"] for e in SPECS]
    labels = {e["name"]: e["label"] for e in SPECS}
    header = "| measure | " + " | ".join(
        f"{labels[n]} ({results[n]['run']['startup']['connector']['tools']} tools)" for n in names
    ) + " |"
    lines = [header, "|---|" + "---:|" * len(names)]

    def row(title, cell):
        lines.append(f"| {title} | " + " | ".join(cell(results[n]) for n in names) + " |")

    def per_call(group, series, reference):
        def cell(r):
            s, ref = r["run"][group][series], r["run"][group][reference]
            return (f"**{ratio(s['p50_us'], ref['p50_us']):.1f}×** · p99 "
                    f"{ratio(s['p99_us'], ref['p99_us']):.1f}× ({s['p50_us']:.0f} / {s['p99_us']:.0f} µs)")
        return cell

    row("start → first `tools/list`, vs the floor", lambda r: (
        f"**{ratio(r['run']['startup']['connector']['first_list']['p50_us'], r['run']['startup']['floor']['first_list']['p50_us']):.1f}×** "
        f"({r['run']['startup']['connector']['first_list']['p50_us'] / 1000:.1f} ms)"))
    row("… in catalog mode", lambda r: (
        f"**{ratio(r['catalog']['startup']['connector']['first_list']['p50_us'], r['catalog']['startup']['floor']['first_list']['p50_us']):.1f}×** "
        f"({r['catalog']['startup']['connector']['first_list']['p50_us'] / 1000:.1f} ms)"
        if r.get("catalog") else "—"))
    row("peak RSS after `tools/list`, vs the floor", lambda r: (
        f"{ratio(r['run']['startup']['connector']['peak_rss_kib'], r['run']['startup']['floor']['peak_rss_kib']):.1f}× "
        f"({r['run']['startup']['connector']['peak_rss_kib'] / 1024:.1f} MiB)"))
    row("`tools/list`, every page", lambda r: f"{r['run']['startup']['connector']['tools_list_bytes'] / 1e6:.2f} MB")
    row("stdio `ping`, vs the floor", per_call("stdio", "connector_ping", "floor_ping"))
    row("stdio `tools/call`, vs the floor", per_call("stdio", "connector_call", "floor_call"))
    row("stdio `tools/call`, vs the async floor", per_call("stdio", "connector_call", "async_floor_call"))
    row("(the async floor's call, vs the floor)", per_call("stdio", "async_floor_call", "floor_call"))
    for era, name in (("session", "2025-11-25 session"), ("stateless", "2026-07-28 stateless")):
        row(f"HTTP no-op, {name}, vs the floor", per_call("http", f"{era}_ping", "floor_ping"))
        row(f"HTTP `tools/call`, {name}, vs the floor", per_call("http", f"{era}_call", "floor_call"))
    row("overhead on the direct call (stdio / HTTP stateless p50)", lambda r: (
        f"{r['run']['stdio']['connector_call']['p50_us'] - r['run']['direct']['call']['p50_us']:.0f} / "
        f"{r['run']['http']['stateless_call']['p50_us'] - r['run']['direct']['call']['p50_us']:.0f} µs "
        f"(direct {r['run']['direct']['call']['p50_us']:.0f} µs)"))
    for era, name in (("session", "sessions"), ("stateless", "stateless")):
        row(f"HTTP calls/s, 16 clients, {name}, vs the floor", lambda r, era=era: (
            f"**{ratio(r['run']['throughput'][era]['calls_per_sec'], r['run']['throughput']['floor']['calls_per_sec']):.2f}×** "
            f"({r['run']['throughput'][era]['calls_per_sec']:.0f}/s, p99 "
            f"{ratio(r['run']['throughput'][era]['p99_us'], r['run']['throughput']['floor']['p99_us']):.1f}×, "
            f"{r['run']['throughput'][era]['cpu_us_per_call']:.0f} µs CPU per call)"))
    row("RSS after the load", lambda r: f"{r['run']['throughput']['connector_rss_kib_at_end'] / 1024:.1f} MiB")
    row("generation (median)", lambda r: (
        f"{r['build']['generate_ms']:.0f} ms, peak {r['build']['generate_peak_rss_kib'] / 1024:.0f} MiB"))
    row("cold build, dependencies built", lambda r: f"{r['build']['cold_build_s']:.1f} s")
    row("incremental build after a one-line spec change", lambda r: f"{r['build']['incremental_build_s']:.1f} s")
    row("binary size", lambda r: f"{r['build']['binary_bytes'] / 1e6:.1f} MB")
    deps = [results[n]["build"].get("dependencies_and_crate_build_s") for n in names]
    notes = []
    if deps[0]:
        notes.append(f"The first connector's build in a fresh target directory, its dependencies "
                     f"included, took {deps[0]:.0f} s.")
    floor = results[names[0]]["run"]
    notes.append(
        f"References in this run: the floor answers a stdio `ping` in "
        f"{floor['stdio']['floor_ping']['p50_us']:.0f} µs and a call in "
        f"{floor['stdio']['floor_call']['p50_us']:.0f} µs; the API directly "
        f"{floor['direct']['call']['p50_us']:.0f} µs; the floor over HTTP serves "
        f"{floor['throughput']['floor']['calls_per_sec']:.0f} calls/s to 16 clients.")
    return "\n".join(lines) + "\n\n" + "\n".join(notes) + "\n"


def main():
    if not os.path.exists(SPECS[1]["spec"]):
        sys.exit(f"{SPECS[1]['spec']} is missing: run scripts/install-test-deps")
    os.makedirs(OUT, exist_ok=True)
    results = {}
    for entry in SPECS:
        print(f"== {entry['label']}: generation and builds", file=sys.stderr)
        build, binary = measure_build_side(entry)
        print(f"== {entry['label']}: start-up, calls and load", file=sys.stderr)
        results[entry["name"]] = {
            "build": build,
            "run": measure_run_time(entry, binary, entry["env"], "all", "run"),
        }
        if entry["env"].get("GITHUB_LISTING") == "full":
            results[entry["name"]]["catalog"] = measure_run_time(
                entry, binary, {}, "startup", "catalog")
    machine = {"cores": os.cpu_count(), "quick": QUICK,
               "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with open(os.path.join(OUT, "suite.json"), "w", encoding="utf-8") as f:
        json.dump({"machine": machine, "results": results}, f, indent=2)
    table = markdown(results)
    with open(os.path.join(OUT, "suite.md"), "w", encoding="utf-8") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    if shutil.which("cargo") is None:
        sys.exit("cargo is needed")
    main()
