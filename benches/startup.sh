#!/usr/bin/env bash
# Builds the connector for GitHub's REST description (release) and measures start-to-first-tools/list.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps
cargo build --quiet --release --locked -p mcpgen
out=target/bench/github
target/release/mcpgen generate .test-deps/node_modules/@octokit/openapi/generated/api.github.com.json \
  --out "$out" --name github
cp Cargo.lock "$out/Cargo.lock"
CARGO_TARGET_DIR="$PWD/target" cargo build --quiet --release --manifest-path "$out/Cargo.toml"
python3 benches/startup.py target/release/github "${1:-15}"
