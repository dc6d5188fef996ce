#!/usr/bin/env bash
# Where a running sonde spends its instructions, as bench/sonde_ab.sh and bench/floor_compare.sh
# run it: every collector at `interval: 1s` (the default configuration otherwise), scraped once a
# second as Prometheus 2.42 asks (OpenMetrics, gzip; bench/scrape_client), under callgrind.
#
#   bench/profile_running.sh [SONDE=build/release/daemon/sonde] [SECONDS=30] [OUT=callgrind.out]
#
# Start-up is left out (counters zeroed once sonde is ready); prints callgrind_annotate's
# inclusive top 40 and leaves OUT for kcachegrind/callgrind_annotate. Instruction counts, not
# time: the kernel's half of sonde's CPU (reads, the network) is not in them.
set -euo pipefail
cd "$(dirname "$0")/.."
sonde=${1:-build/release/daemon/sonde}
seconds=${2:-30}
out=$(realpath -m "${3:-callgrind.out}")
mkdir -p "$(dirname "$out")"
client=build/release/bench/scrape_client
for tool in "$sonde" "$client" valgrind callgrind_control; do
  command -v "$tool" >/dev/null || [[ -x $tool ]] || { echo "missing $tool" >&2; exit 1; }
done
# shellcheck source=bench/common.sh
source bench/common.sh
all_collectors_at_1s "$sonde" "$tmp/sonde.yaml" >/dev/null
port=$(free_port)
mkdir -p "$tmp/run"
RUNTIME_DIRECTORY="$tmp/run" valgrind --tool=callgrind --callgrind-out-file="$out" \
  "$sonde" --config "$tmp/sonde.yaml" --web.listen-address "127.0.0.1:$port" --log.level warn \
  2>"$tmp/valgrind.log" &
pid=$!
pids+=("$pid")
for _ in $(seq 600); do
  curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/ready" >/dev/null || { cat "$tmp/valgrind.log" >&2; exit 1; }
sleep 3
callgrind_control -z "$pid" >/dev/null
"$client" "127.0.0.1:$port" -n "$seconds" --warmup 0 --interval-ms 1000 --accept "$prom_accept" \
  --gzip >/dev/null
callgrind_control -d "$pid" >/dev/null
sleep 1
kill "$pid"
wait "$pid" 2>/dev/null || true
dump="$out.1"  # the dump callgrind_control -d wrote (OUT itself is the exit dump)
echo "# $seconds s, $seconds scrapes; dump $dump"
callgrind_annotate --inclusive=yes "$dump" 2>/dev/null | head -60
