#!/usr/bin/env bash
# Two sonde binaries side by side in the same run, as bench/floor_compare.sh runs one: every
# collector at `interval: 1s` (the default configuration otherwise), each sonde scraped once a
# second as Prometheus 2.42 asks (OpenMetrics, gzip; bench/scrape_client). Both run at once, so
# both see the same machine: a change worth a few percent of sonde's CPU shows here where two
# floor_compare.sh runs minutes apart differ by more than that (the VM's host varies).
#
#   bench/sonde_ab.sh OLD_SONDE NEW_SONDE [SECONDS=300]
#
# Prints each one's CPU-seconds (utime+stime from /proc/PID/stat, dead threads included) and
# new/old. Run it on a quiet machine: the load average is printed at the start and at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: sonde_ab.sh OLD_SONDE NEW_SONDE [SECONDS]}
new=${2:?usage: sonde_ab.sh OLD_SONDE NEW_SONDE [SECONDS]}
seconds=${3:-300}
client=build/release/bench/scrape_client
for tool in "$old" "$new" "$client"; do
  [[ -x $tool ]] || { echo "missing $tool" >&2; exit 1; }
done

# shellcheck source=bench/common.sh
source bench/common.sh
collectors=$(all_collectors_at_1s "$new" "$tmp/sonde.yaml")

start() {  # binary name -> sets started_pid, started_port
  local port
  port=$(free_port)
  mkdir -p "$tmp/$2"
  RUNTIME_DIRECTORY="$tmp/$2" "$1" --config "$tmp/sonde.yaml" \
    --web.listen-address "127.0.0.1:$port" --log.level warn 2>>"$tmp/$2.log" &
  started_pid=$!
  pids+=("$started_pid")
  for _ in $(seq 100); do
    if curl -sf "http://127.0.0.1:$port/ready" >/dev/null; then
      started_port=$port
      return
    fi
    sleep 0.1
  done
  echo "$2 did not become ready" >&2; cat "$tmp/$2.log" >&2; exit 1
}

echo "# machine: $(nproc) cores, $(uname -r)"
echo "# old: $old ($("$old" --version | head -1 | cut -d' ' -f2-))"
echo "# new: $new ($("$new" --version | head -1 | cut -d' ' -f2-))"
echo "# collectors at 1s: $(wc -w <<<"$collectors")"
echo "# load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
start "$old" old; old_pid=$started_pid; old_port=$started_port
start "$new" new; new_pid=$started_pid; new_port=$started_port
sleep 2  # both past start-up
mapfile -t cpu < <(cpu_while_scraped "$seconds" "$old_pid:$old_port" "$new_pid:$new_port")
python3 -c "o, n = ${cpu[0]}, ${cpu[1]}; print(f'cpu_seconds_over_${seconds}s  old={o:.2f} new={n:.2f} new/old={n / o:.3f}')"
echo "# load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
