#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, `fuzz` preset) and runs each for a bounded time on a copy
# of its corpus, as many at once as there are cores. Usage: tools/fuzz.sh [SECONDS_PER_TARGET]
# (default 60). A crash fails the run and leaves its input in tests/fuzz/<target>/ (crash-*): add
# it to the corpus once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
jobs="$(nproc)"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs"

# One target: its summary line, or FAILED and the end of its log; exit status 1 on failure.
run_one() {
  local bin="$1" secs="$2" name work status=0
  name=$(basename "$bin" _fuzz)
  work=$(mktemp -d)
  cp -r "tests/fuzz/$name/corpus/." "$work/"
  if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="tests/fuzz/$name/" "$work" >"$work.log" 2>&1; then
    { echo "fuzz: $name FAILED"; tail -40 "$work.log"; } >&2
    status=1
  else
    echo "fuzz: $name (${secs}s): $(tail -1 "$work.log")"
  fi
  rm -rf "$work" "$work.log"
  return $status
}
export -f run_one

status=0
printf '%s\n' build/fuzz/tests/fuzz/*_fuzz |
  xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} "$secs" || status=1
exit $status
