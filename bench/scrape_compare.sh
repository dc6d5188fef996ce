#!/usr/bin/env bash
# Runs sonde and prometheus-node-exporter side by side on this host and prints, for each and as
# the ratio sonde/node_exporter:
#   - kept-alive scrape latency (median, p90, p99) over N scrapes, plain text and as Prometheus
#     2.42 asks (its Accept header, which prefers OpenMetrics, plus Accept-Encoding: gzip);
#   - scrapes/s under `wrk -c4 -t2 -d10s` (plain text, as wrk sends no Accept-Encoding);
#   - resident memory after IDLE seconds idle, after 1000 scrapes, and after wrk;
#   - CPU-seconds (utime+stime) over CPU_SECONDS scraped once a second the way Prometheus does.
# node_exporter runs with its defaults (every collector it enables by default); sonde runs its
# default configuration with every collector (the list `sonde config check` gives, so new ones
# are included) at a 1s interval, so both read their sources once a second when scraped once a
# second. COLLECTORS="cpu meminfo ..." restricts both to those collectors (runs 1-6 of
# docs/performance.md used the 11 /proc ones).
#
# Usage: bench/scrape_compare.sh [CPU_SECONDS=600] [IDLE=60] [N=500]
# Needs: a release build (build/release: daemon/sonde and bench/scrape_client), wrk,
# prometheus-node-exporter (tools/install-deps.sh). Run it on a quiet machine: the load average
# is printed at the start and at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
cpu_seconds="${1:-600}"
idle="${2:-60}"
n="${3:-500}"
sonde=build/release/daemon/sonde
client=build/release/bench/scrape_client
for tool in "$sonde" "$client"; do
  [[ -x $tool ]] || { echo "missing $tool: cmake --build --preset release" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "wrk missing: tools/install-deps.sh" >&2; exit 1; }
command -v prometheus-node-exporter >/dev/null ||
  { echo "prometheus-node-exporter missing: tools/install-deps.sh" >&2; exit 1; }

# shellcheck source=bench/common.sh
source bench/common.sh
sonde_port=$(free_port)
ne_port=$(free_port)

collectors="${COLLECTORS:-}"
if [[ -z $collectors ]]; then
  printf 'collectors:\n  nope: {}\n' >"$tmp/probe.yaml"
  collectors=$( ("$sonde" config check "$tmp/probe.yaml" 2>&1 || true) |
    sed -n 's/.*expected one of: //p' | tr -d ',')
  ne_flags=()
else
  ne_flags=(--collector.disable-defaults)
  for c in $collectors; do [[ $c == self ]] || ne_flags+=("--collector.$c"); done
fi
{
  echo "collectors:"
  for c in $collectors; do printf '  %s:\n    interval: 1s\n' "$c"; done
} >"$tmp/sonde.yaml"
# The default configuration otherwise: the DogStatsD socket on (under $tmp), the GPU collector
# looking for NVML (none here).
RUNTIME_DIRECTORY="$tmp" "$sonde" --config "$tmp/sonde.yaml" \
  --web.listen-address "127.0.0.1:$sonde_port" --log.level warn 2>"$tmp/sonde.log" &
pids+=($!); sonde_pid=$!
prometheus-node-exporter --web.listen-address="127.0.0.1:$ne_port" "${ne_flags[@]}" \
  2>"$tmp/ne.log" &
pids+=($!); ne_pid=$!

for port in "$sonde_port" "$ne_port"; do
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/metrics" >/dev/null && break
    sleep 0.1
  done
done

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}' if b else 'n/a')" "$1" "$2"; }
field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" <<<"$1"; }

echo "# machine: $(nproc) cores, $(uname -r), $(. /etc/os-release; echo "$PRETTY_NAME")"
echo "# sonde $("$sonde" --version | head -1 | cut -d' ' -f2-)"
echo "# $(prometheus-node-exporter --version 2>&1 | head -1)"
echo "# sonde collectors at 1s: $collectors"
echo "# node_exporter flags: ${ne_flags[*]:-(defaults)}"
echo "# load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# series: sonde $(curl -s "http://127.0.0.1:$sonde_port/metrics" | grep -vc '^#'), node_exporter $(curl -s "http://127.0.0.1:$ne_port/metrics" | grep -vc '^#')"

sleep "$idle"
s_idle=$(rss_kb "$sonde_pid"); n_idle=$(rss_kb "$ne_pid")
printf 'rss_after_%ss_idle_kb  sonde=%s node_exporter=%s ratio=%s\n' "$idle" "$s_idle" "$n_idle" "$(ratio "$s_idle" "$n_idle")"

latency() {  # name, then scrape_client options
  local label=$1; shift
  local s ne
  s=$("$client" "127.0.0.1:$sonde_port" -n "$n" "$@")
  ne=$("$client" "127.0.0.1:$ne_port" -n "$n" "$@")
  echo "latency_$label sonde: $s"
  echo "latency_$label node_exporter: $ne"
  printf 'latency_%s ratio median=%s p99=%s\n' "$label" \
    "$(ratio "$(field "$s" median_ms)" "$(field "$ne" median_ms)")" \
    "$(ratio "$(field "$s" p99_ms)" "$(field "$ne" p99_ms)")"
}
latency plain
latency prometheus_gzip --accept "$prom_accept" --gzip
# 2 x (20 warm-up + N) scrapes each so far; top up to at least 1000.
extra=$((1000 - 2 * (n + 20)))
if ((extra > 0)); then
  "$client" "127.0.0.1:$sonde_port" -n "$extra" --warmup 0 >/dev/null
  "$client" "127.0.0.1:$ne_port" -n "$extra" --warmup 0 >/dev/null
fi
s_rss=$(rss_kb "$sonde_pid"); n_rss=$(rss_kb "$ne_pid")
printf 'rss_after_1000_scrapes_kb  sonde=%s node_exporter=%s ratio=%s\n' "$s_rss" "$n_rss" "$(ratio "$s_rss" "$n_rss")"

wrk_rps() { wrk -c4 -t2 -d10s "http://127.0.0.1:$1/metrics" | awk '/^Requests\/sec/ {print $2}'; }
s_rps=$(wrk_rps "$sonde_port"); n_rps=$(wrk_rps "$ne_port")
printf 'wrk_c4_t2_10s_requests_per_s  sonde=%s node_exporter=%s ratio=%s\n' "$s_rps" "$n_rps" "$(ratio "$s_rps" "$n_rps")"
s_rss=$(rss_kb "$sonde_pid"); n_rss=$(rss_kb "$ne_pid")
printf 'rss_after_wrk_kb  sonde=%s node_exporter=%s ratio=%s\n' "$s_rss" "$n_rss" "$(ratio "$s_rss" "$n_rss")"

# CPU: both scraped once a second, as Prometheus 2.42 would (OpenMetrics preferred, gzip).
mapfile -t cpu < <(cpu_while_scraped "$cpu_seconds" "$sonde_pid:$sonde_port" "$ne_pid:$ne_port")
s_cpu=${cpu[0]}; n_cpu=${cpu[1]}
printf 'cpu_seconds_over_%ss_scraped_1_per_s  sonde=%s node_exporter=%s ratio=%s\n' "$cpu_seconds" "$s_cpu" "$n_cpu" "$(ratio "$s_cpu" "$n_cpu")"
echo "# load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
