#!/usr/bin/env bash
# Load on loopback, in release: clients (half with 2025-11-25 sessions, half stateless 2026-07-28)
# make getOrder calls through the Orders connector serving HTTP, and the same calls go straight to
# the API as the floor. Writes target/bench/load.json and prints calls/s and p99 as ratios to the
# floor. Usage: benches/load.sh [clients] [calls per client per round] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/bench
report="$PWD/target/bench/load.json"
MCPGEN_LOAD_CLIENTS="${1:-32}" MCPGEN_LOAD_CALLS="${2:-200}" MCPGEN_LOAD_ROUNDS="${3:-3}" \
  MCPGEN_LOAD_REPORT="$report" \
  cargo test --quiet --release --locked -p mcpgen-e2e --test load -- --nocapture >/dev/null
python3 - "$report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c, d = r["connector"], r["direct"]
print(f"| {r['clients']} clients × {r['calls_per_client_per_round']} calls | calls/s | p50 µs | p99 µs |")
print("|---|---:|---:|---:|")
print(f"| API directly (floor) | {d['calls_per_sec']:.0f} | {d['p50_us']:.0f} | {d['p99_us']:.0f} |")
print(f"| through the connector | {c['calls_per_sec']:.0f} | {c['p50_us']:.0f} | {c['p99_us']:.0f} |")
print(f"| ratio | {r['throughput_ratio']:.2f}× | {c['p50_us']/d['p50_us']:.1f}× | {r['p99_ratio']:.1f}× |")
print(f"\nRSS after warm-up {r['rss_kib_after_warmup']} KiB, at the end {r['rss_kib_at_end']} KiB")
PY
