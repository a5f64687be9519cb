#!/usr/bin/env bash
# Whole-program cost of `lockdep --`: wall time bare and under lockdep, in
# the same invocation, and the ratio. Best of N runs each, interleaved.
#   tools/bench/run_preload_bench.sh [BUILD_DIR] [RUNS]
set -euo pipefail
build=${1:-build}
runs=${2:-5}
lockdep=$build/tools/lockdep/lockdep

best() {  # prints the best wall time in seconds of "$@" over $runs runs
  local best_ns=
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    local d=$((t1 - t0))
    if [ -z "$best_ns" ] || [ "$d" -lt "$best_ns" ]; then best_ns=$d; fi
  done
  echo "$best_ns"
}

compare() {  # name, command...
  local name=$1; shift
  local bare checked
  bare=$(best "$@")
  checked=$(best "$lockdep" -- "$@")
  awk -v n="$name" -v b="$bare" -v c="$checked" \
    'BEGIN { printf "%-44s bare %8.3f s   lockdep %8.3f s   ratio %6.2fx\n", n, b/1e9, c/1e9, c/b }'
}

compare "churn 2 x 1,000,000 init/lock/destroy" "$build/tests/programs/pthread_cases" churn 1000000
compare "lock_heavy 2 threads x 1,000,000 (3 locks)" "$build/tools/bench/lock_heavy" 2 1000000
compare "lock_heavy 1 thread x 2,000,000 (3 locks)" "$build/tools/bench/lock_heavy" 1 2000000
compare "fork+wait x 2,000 after freeing locks" "$build/tools/bench/fork_bench" 2000
seq 1 1500000 | sed 's/$/ lockdep bench line/' > /tmp/lockdep-bench-input
compare "pigz -p 2 (13 MB)" sh -c "pigz -p 2 -c < /tmp/lockdep-bench-input"
rm -f /tmp/lockdep-bench-input
