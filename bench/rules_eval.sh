#!/usr/bin/env bash
# Rule evaluation benchmark: generates the rules (bench/gen_bench_rules.py) and runs
# bench/rules_eval_bench over them. Usage: bench/rules_eval.sh [RULES] [SERIES] [CYCLES] [STEP_S]
# (STEP_S: seconds between the manager's steps, 15 by default: one step a cycle; 1: as the daemon)
set -euo pipefail
cd "$(dirname "$0")/.."
rules="${1:-200}"
series="${2:-10000}"
cycles="${3:-40}"
step_s="${4:-15}"
cmake --build --preset release --target rules_eval_bench >/dev/null
file=$(mktemp --suffix=.yml)
trap 'rm -f "$file"' EXIT
python3 bench/gen_bench_rules.py "$rules" >"$file"
build/release/bench/rules_eval_bench "$file" "$series" "$cycles" "$step_s"
