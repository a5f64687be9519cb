#!/usr/bin/env bash
# The lock fast path under `lockdep --` against bare, interleaved in one
# invocation: the thread CPU time per lock+unlock pair of tools/bench/hot_path,
# median of RUNS runs each, and the ratio of the medians.
#   tools/bench/hot_path_bench.sh [BUILD_DIR] [RUNS] [ITERATIONS]
set -euo pipefail
build=${1:-build}
runs=${2:-7}
iterations=${3:-5000000}
lockdep=$build/tools/lockdep/lockdep
prog=$build/tools/bench/hot_path

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "load: $(uptime | sed 's/.*load average/load average/')"
for mode in pair nested4 std_mutex; do
  bare=() checked=()
  for _ in $(seq "$runs"); do
    bare+=("$("$prog" "$mode" "$iterations")")
    checked+=("$("$lockdep" -- "$prog" "$mode" "$iterations")")
  done
  b=$(printf '%s\n' "${bare[@]}" | median)
  c=$(printf '%s\n' "${checked[@]}" | median)
  awk -v n="$mode" -v b="$b" -v c="$c" \
    'BEGIN { printf "%-10s bare %6.2f ns   lockdep %6.2f ns   ratio %5.2fx\n", n, b, c, c / b }'
done
