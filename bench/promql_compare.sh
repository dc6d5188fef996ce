#!/bin/sh
# PromQL evaluation, sonde vs Prometheus 2.42 on the same data (docs/performance.md).
# Usage: bench/promql_compare.sh [RUNS]   (default 20; builds promql_bench in build/release)
set -eu
cd "$(dirname "$0")/.."
# promql_bench exists once the PromQL engine links; without it the script still times Prometheus
# and says that sonde's half is missing.
cmake --build --preset release -j2 --target promql_bench >/dev/null 2>&1 ||
  echo "promql_bench did not build: sonde's half of the comparison is missing" >&2
exec python3 bench/promql_compare.py build/release/bench/promql_bench "${1:-20}"
