# Shared by the shell benchmarks that run sonde (bench/sonde_ab.sh): source it after `cd` to the
# project root. Sets $tmp (removed on exit) and $pids (killed on exit), and defines the helpers
# below.
tmp=$(mktemp -d)
pids=()
bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap bench_cleanup EXIT

# What Prometheus 2.42 sends as Accept.
prom_accept='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
hz=$(getconf CLK_TCK)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# utime + stime of a process in clock ticks (dead threads included).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Writes to $2 a configuration with every collector the sonde binary $1 knows at `interval: 1s`
# (the names come from its own error for an unknown one) and prints their names.
all_collectors_at_1s() {
  local names
  printf 'collectors:\n  nope: {}\n' >"$tmp/probe.yaml"
  names=$( ("$1" config check "$tmp/probe.yaml" 2>&1 || true) | sed -n 's/.*expected one of: //p' | tr -d ',')
  {
    echo "collectors:"
    for c in $names; do printf '  %s:\n    interval: 1s\n' "$c"; done
  } >"$2"
  echo "$names"
}

# Scrapes each PID:PORT once a second for $1 seconds, all at once, as Prometheus 2.42 does
# (OpenMetrics preferred, gzip; bench/scrape_client), then prints each process's CPU-seconds over
# that time, one line each, in order.
cpu_while_scraped() {
  local seconds=$1 spec i=0
  shift
  local before=() clients=()
  for spec in "$@"; do before+=("$(cpu_ticks "${spec%%:*}")"); done
  for spec in "$@"; do
    build/release/bench/scrape_client "127.0.0.1:${spec##*:}" -n "$seconds" --warmup 0 \
      --interval-ms 1000 --accept "$prom_accept" --gzip >/dev/null &
    clients+=($!)
  done
  wait "${clients[@]}"
  for spec in "$@"; do
    python3 -c "print(($(cpu_ticks "${spec%%:*}") - ${before[i]}) / $hz)"
    i=$((i + 1))
  done
}
