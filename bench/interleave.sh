#!/usr/bin/env bash
# Compares two builds of sonde on the render and ingest benchmarks, the way a refactoring is
# checked ("the same figures: median of 5 interleaved runs, within 5%"):
#
#   bench/interleave.sh OLD_BUILD_DIR NEW_BUILD_DIR [RUNS=5] [INGEST_SECONDS=3]
#
# Each build dir is a release build tree with bench/render_bench and
# bench/ingest_load/ingest_load built (e.g. a `git worktree add --detach /tmp/old <commit>` built
# with `cmake --preset release && cmake --build --preset release --target render_bench
# ingest_load`). The runs alternate old, new, old, new, ... so both see the same machine; each
# figure is the median of its RUNS runs (a render figure is each run's least of 3 repetitions),
# and the ratio is new/old (1.00 = the same; for render times lower is better, for lines/s
# higher is better). Run as root, each run is scheduled SCHED_FIFO (chrt -f 50) so that other
# work on the machine (builds) disturbs it less; say in docs/performance.md which it was.
set -euo pipefail
old=${1:?usage: interleave.sh OLD_BUILD_DIR NEW_BUILD_DIR [RUNS] [INGEST_SECONDS]}
new=${2:?usage: interleave.sh OLD_BUILD_DIR NEW_BUILD_DIR [RUNS] [INGEST_SECONDS]}
runs=${3:-5}
secs=${4:-3}
for b in "$old" "$new"; do
    for f in bench/render_bench bench/ingest_load/ingest_load; do
        [[ -x "$b/$f" ]] || { echo "interleave: $b/$f is not built" >&2; exit 2; }
    done
done
rt=()
if [[ $(id -u) -eq 0 ]] && command -v chrt >/dev/null; then rt=(chrt -f 50); fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# render_bench: CPU time (µs) per benchmark, one line "name value" per benchmark: the least of
# three repetitions, since other work on the machine only ever adds to a CPU-bound loop's time.
render() {
    "${rt[@]}" "$1/bench/render_bench" --benchmark_min_time=0.2 --benchmark_repetitions=3 \
        --benchmark_format=csv 2>/dev/null |
        awk -F, '/^"BM_/ && !/_(mean|median|stddev|cv)"/ {
            gsub(/"/, "", $1); if (!($1 in m) || $4 < m[$1]) m[$1] = $4; if (!($1 in o)) o[$1] = n++ }
            END { for (k in m) print o[k], k, m[k] }' | sort -n | cut -d' ' -f2-
}
# ingest_load: lines/s of sonde's listener (origin detection off), one line "ingest_lines_s N".
ingest() {
    "${rt[@]}" "$1/bench/ingest_load/ingest_load" "$secs" 1000 40 1 |
        awk -F': ' '/^sonde unixgram\+aggregator/ { print "ingest_lines_per_s", $2 + 0 }'
}

echo "interleave: $runs runs each, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "${rt[*]:-normal scheduling}" >&2
for ((i = 1; i <= runs; ++i)); do
    for side in old new; do
        dir=$old
        [[ $side == new ]] && dir=$new
        { render "$dir"; ingest "$dir"; } >>"$out/$side"
    done
    echo "interleave: run $i of $runs done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '%-32s %14s %14s %8s\n' figure old new new/old
for name in $(awk '{ print $1 }' "$out/old" | awk '!seen[$0]++'); do
    o=$(awk -v n="$name" '$1 == n { print $2 }' "$out/old" | median)
    n=$(awk -v n="$name" '$1 == n { print $2 }' "$out/new" | median)
    printf '%-32s %14.1f %14.1f %8.3f\n' "$name" "$o" "$n" "$(awk -v a="$o" -v b="$n" 'BEGIN { print b / a }')"
done
