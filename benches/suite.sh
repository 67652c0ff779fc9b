#!/usr/bin/env bash
# The benchmark suite in one command: builds mcpgen, the measuring client and the two floor proxies
# in release, then benches/suite.py generates and builds the Orders and GitHub connectors and
# measures them against their references. Writes target/bench/suite.md and suite.json.
# Takes ~15 min on 2 cores from a clean clone (the connectors' dependencies build once);
# `benches/suite.sh --quick` makes fewer calls and runs.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${MCPGEN_TEST_DEPS:-}" ] || scripts/install-test-deps   # GitHub's description (npm)
cargo build --quiet --release --locked -p mcpgen -p mcpgen-e2e --bin mcpgen --bin bench --bin floor --bin async_floor
exec python3 benches/suite.py "$@"
