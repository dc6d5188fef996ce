#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, `fuzz` preset) and runs each for a bounded time on a copy
# of its corpus. Usage: tools/fuzz.sh [SECONDS_PER_TARGET] (default 60). A crash fails the run and
# leaves its input in tests/fuzz/<target>/ (crash-*): add it to the corpus once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
status=0
for bin in build/fuzz/tests/fuzz/*_fuzz; do
  name=$(basename "$bin" _fuzz)
  work=$(mktemp -d)
  cp -r "tests/fuzz/$name/corpus/." "$work/"
  echo "fuzz: $name for ${secs}s"
  if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="tests/fuzz/$name/" "$work" >"$work.log" 2>&1; then
    echo "fuzz: $name FAILED"; tail -40 "$work.log"; status=1
  else
    tail -1 "$work.log"
  fi
  rm -rf "$work" "$work.log"
done
exit $status
