#!/usr/bin/env bash
# Before/after on the hot path: the lock_heavy rows of run_preload_bench.sh
# for two builds, interleaved in one invocation (bare, BEFORE under lockdep,
# AFTER under lockdep, RUNS rounds), medians and ratios.
#   tools/bench/ab_lock_heavy.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR [RUNS]
set -euo pipefail
before=$1 after=$2 runs=${3:-9}
ns() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $((t1 - t0)); }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
for args in "2 1000000" "1 2000000"; do
  bare=() old=() new=()
  for _ in $(seq "$runs"); do
    bare+=("$(ns "$after/tools/bench/lock_heavy" $args)")
    old+=("$(ns "$before/tools/lockdep/lockdep" -- "$before/tools/bench/lock_heavy" $args)")
    new+=("$(ns "$after/tools/lockdep/lockdep" -- "$after/tools/bench/lock_heavy" $args)")
  done
  awk -v a="$args" -v b="$(median "${bare[@]}")" -v o="$(median "${old[@]}")" \
    -v n="$(median "${new[@]}")" 'BEGIN {
      printf "lock_heavy %-10s bare %.3f s  before %.3f s (%.2fx)  after %.3f s (%.2fx)  after/before %.3f\n",
        a, b / 1e9, o / 1e9, o / b, n / 1e9, n / b, n / o }'
done
