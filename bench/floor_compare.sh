#!/usr/bin/env bash
# sonde's CPU as a multiple of the floor: what reading the same files costs with nothing else.
#
# 1. Starts sonde with every collector at `interval: 1s` (its default configuration otherwise:
#    the list comes from `sonde config check`, so new collectors are included) and records with
#    strace, for RECORD seconds, every openat (files and directories) and statfs it makes;
#    the distinct calls are one second's work, written to a spec file (bench/floor.c's format).
# 2. Starts a fresh sonde (not traced) and bench/floor.c on that spec, side by side, for
#    CPU_SECONDS: sonde scraped once a second as Prometheus 2.42 asks (OpenMetrics, gzip), the
#    floor doing its reads once a second. Prints both CPU-seconds (utime+stime) and the ratio.
#    A second floor beside it keeps /proc and /sys files open and reads them again with pread
#    (bench/floor.c's `keep`), as sonde does (lib/core/kept_files.hpp): the ratio to it is what
#    sonde spends above the cheapest way to read the same files.
#
# 3. Load-independent figures (when valgrind is installed; INSTR_CYCLES=0 skips them): user-space
#    instructions (valgrind --tool=callgrind's Ir) and system calls (strace -c) of INSTR_CYCLES
#    collection cycles, sonde's collectors (bench/collect_bench: every default collector, no
#    HTTP) against the floor on the same spec, each as the difference between a run of
#    1 + INSTR_CYCLES cycles and a run of 1 (so start-up is not counted).
#
# Usage: bench/floor_compare.sh [CPU_SECONDS=600] [RECORD=5]   (env INSTR_CYCLES=20, SONDE=path)
# Needs: a release build (daemon/sonde, bench/scrape_client), strace, a C compiler. Run it on a
# quiet machine: the load average is printed at the start and at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
cpu_seconds="${1:-600}"
record="${2:-5}"
sonde=${SONDE:-build/release/daemon/sonde}  # SONDE=path runs another build (an A/B)
client=build/release/bench/scrape_client
bench_bin=build/release/bench/collect_bench
instr_cycles="${INSTR_CYCLES:-20}"
for tool in "$sonde" "$client"; do
  [[ -x $tool ]] || { echo "missing $tool: cmake --build --preset release" >&2; exit 1; }
done
command -v strace >/dev/null || { echo "strace missing: tools/install-deps.sh" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n "${KEEP_SPEC:-}" ]]; then cp "$tmp/spec" "$KEEP_SPEC"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
floor="$tmp/floor"
cc -O2 -o "$floor" bench/floor.c

prom_accept='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

printf 'collectors:\n  nope: {}\n' >"$tmp/probe.yaml"
collectors=$( ("$sonde" config check "$tmp/probe.yaml" 2>&1 || true) | sed -n 's/.*expected one of: //p' | tr -d ',')
{
  echo "collectors:"
  for c in $collectors; do printf '  %s:\n    interval: 1s\n' "$c"; done
} >"$tmp/sonde.yaml"

start_sonde() {  # port
  RUNTIME_DIRECTORY="$tmp" "$sonde" --config "$tmp/sonde.yaml" \
    --web.listen-address "127.0.0.1:$1" --log.level warn 2>>"$tmp/sonde.log" &
  sonde_pid=$!
  pids+=("$sonde_pid")
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$1/ready" >/dev/null && return
    sleep 0.1
  done
  echo "sonde did not become ready" >&2; cat "$tmp/sonde.log" >&2; exit 1
}

echo "# machine: $(nproc) cores, $(uname -r), $(. /etc/os-release; echo "$PRETTY_NAME")"
echo "# sonde $("$sonde" --version | head -1 | cut -d' ' -f2-)"
echo "# collectors at 1s: $collectors"
echo "# load at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. Record one second's calls.
port=$(free_port)
start_sonde "$port"
sleep 1
timeout "$record" strace -f -qq -y -e trace=openat,statfs,pread64 -o "$tmp/trace" -p "$sonde_pid" || true
kill "$sonde_pid"; wait "$sonde_pid" 2>/dev/null || true
python3 - "$tmp/trace" "$sonde_pid" >"$tmp/spec" <<'PY'
import re, sys
pid = sys.argv[2]
def own(path):
    # The traced sonde's own /proc files (/proc/self resolves to its PID): the floor reads its own.
    path = re.sub(r'^/proc/%s/task/\d+/' % pid, '/proc/thread-self/', path)
    return re.sub(r'^/proc/%s/' % pid, '/proc/self/', path)
seen = []
def add(op):
    if op not in seen:
        seen.append(op)
for line in open(sys.argv[1]):
    # -y names a directory descriptor's path: a read relative to an open directory (sysfs::Dir)
    # is replayed by its full path. An opened file is named by the path it resolved to (the
    # returned descriptor's), so that its later reads through a kept descriptor are the same op.
    m = re.search(r'openat\((AT_FDCWD(?:<[^>]*>)?|\d+<([^>]*)>), "([^"]+)", ([A-Z_|]+)(?:[^)]*\) = (?:\d+<([^>]*)>)?)?', line)
    if m:
        path = m.group(3)
        if m.group(2) and not path.startswith("/"):
            path = m.group(2).rstrip("/") + "/" + path
        if m.group(5):
            path = m.group(5)
        add(("d" if "O_DIRECTORY" in m.group(4) else "r", own(path)))
        continue
    # A kept descriptor (lib/core/kept_files.hpp): read again from offset 0, never reopened
    # (a fresh descriptor's pread64 names the path its openat did).
    m = re.search(r'pread64\(\d+<(/(?:proc|sys)/[^>]*)>', line)
    if m:
        add(("r", own(m.group(1))))
        continue
    m = re.search(r'statfs\("([^"]+)"', line)
    if m:
        add(("s", m.group(1)))
for kind, path in seen:
    print(kind, path)
PY
echo "# one second of sonde's calls: $(grep -c '^r' "$tmp/spec") file reads, $(grep -c '^d' "$tmp/spec") directory listings, $(grep -c '^s' "$tmp/spec") statfs"

# 2. Side by side.
port=$(free_port)
start_sonde "$port"
s0=$(cpu_ticks "$sonde_pid")
"$floor" "$tmp/spec" "$cpu_seconds" >"$tmp/floor.out" &
f=$!
"$floor" "$tmp/spec" "$cpu_seconds" keep >"$tmp/floor_keep.out" &
fk=$!
"$client" "127.0.0.1:$port" -n "$cpu_seconds" --warmup 0 --interval-ms 1000 \
  --accept "$prom_accept" --gzip >/dev/null
wait "$f" "$fk"
s1=$(cpu_ticks "$sonde_pid")
s_cpu=$(python3 -c "print(($s1-$s0)/$hz)")
f_cpu=$(sed -n 's/.*cpu_seconds=\([0-9.]*\).*/\1/p' "$tmp/floor.out")
fk_cpu=$(sed -n 's/.*cpu_seconds=\([0-9.]*\).*/\1/p' "$tmp/floor_keep.out")
echo "# floor: $(cat "$tmp/floor.out"); floor keeping /proc and /sys files open: $(cat "$tmp/floor_keep.out")"
printf 'cpu_seconds_over_%ss  sonde=%s floor=%s sonde/floor=%s\n' "$cpu_seconds" "$s_cpu" "$f_cpu" \
  "$(python3 -c "a,b=$s_cpu,$f_cpu; print(f'{a/b:.2f}' if b else 'n/a')")"
printf 'cpu_seconds_over_%ss  sonde=%s floor_keep=%s sonde/floor_keep=%s\n' "$cpu_seconds" "$s_cpu" \
  "$fk_cpu" "$(python3 -c "a,b=$s_cpu,$fk_cpu; print(f'{a/b:.2f}' if b else 'n/a')")"
echo "# load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

# 3. Instructions and system calls per cycle.
if ((instr_cycles > 0)) && command -v valgrind >/dev/null && [[ -x $bench_bin ]]; then
  ir() {  # command...: total Ir over all threads
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.%p" "$@" 2>&1 >/dev/null |
      sed -n 's/.*Collected : \([0-9]*\).*/\1/p' | tail -1
  }
  calls() {  # command...: system calls over all threads
    strace -f -c -o "$tmp/sc" "$@" >/dev/null 2>&1
    awk '$NF == "total" {print $(NF-2)}' "$tmp/sc"
  }
  per_cycle() {  # measure-function, then the command with CYCLES where the count goes
    local f=$1; shift
    local one many
    one=$("$f" "${@//CYCLES/1}")
    many=$("$f" "${@//CYCLES/$((1 + instr_cycles))}")
    python3 -c "print(($many - $one) / $instr_cycles)"
  }
  s_ir=$(per_cycle ir "$bench_bin" CYCLES)
  f_ir=$(per_cycle ir "$floor" "$tmp/spec" CYCLES nosleep)
  s_sc=$(per_cycle calls "$bench_bin" CYCLES)
  f_sc=$(per_cycle calls "$floor" "$tmp/spec" CYCLES nosleep)
  echo "# $("$bench_bin" 1)"
  printf 'instructions_per_cycle (user space, callgrind Ir, %s cycles)  sonde=%.0f floor=%.0f sonde/floor=%s\n' \
    "$instr_cycles" "$s_ir" "$f_ir" "$(python3 -c "print(f'{$s_ir/$f_ir:.1f}')")"
  printf 'syscalls_per_cycle (strace -c, %s cycles)  sonde=%.1f floor=%.1f sonde/floor=%s\n' \
    "$instr_cycles" "$s_sc" "$f_sc" "$(python3 -c "print(f'{$s_sc/$f_sc:.2f}')")"
fi
