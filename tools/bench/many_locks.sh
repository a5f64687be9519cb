#!/usr/bin/env bash
# The many-lock server (issue 13 item 8): operations/s bare and under
# lockdep, interleaved in one invocation, RUNS times; prints each pair and
# the median ratio.
#   tools/bench/many_locks.sh [BUILD_DIR] [NLOCKS] [THREADS] [SECONDS] [RUNS]
set -euo pipefail
build=${1:-build}
nlocks=${2:-1000}
threads=${3:-16}
seconds=${4:-4}
runs=${5:-3}
prog=$build/tools/bench/many_locks
lockdep=$build/tools/lockdep/lockdep

ops() { "$@" | sed -n 's/.*: \([0-9]*\) operations\/s.*/\1/p'; }

ratios=()
for i in $(seq "$runs"); do
  bare=$(ops "$prog" "$nlocks" "$threads" "$seconds")
  checked=$(ops "$lockdep" -- "$prog" "$nlocks" "$threads" "$seconds")
  r=$(awk -v b="$bare" -v c="$checked" 'BEGIN { printf "%.1f", b / c }')
  ratios+=("$r")
  printf '%d locks, %d threads, %s s: bare %12d ops/s  lockdep %12d ops/s  ratio %6sx\n' \
    "$nlocks" "$threads" "$seconds" "$bare" "$checked" "$r"
done
printf '%s\n' "${ratios[@]}" | sort -g | awk '{ a[NR] = $1 } END { printf "median ratio %sx (load: %s)\n", a[int((NR + 1) / 2)], load }' \
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
