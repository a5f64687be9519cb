#!/usr/bin/env bash
# Lock churn under `lockdep --` against bare, interleaved in one invocation:
# tests/programs/pthread_cases churn N (2 threads x N iterations of malloc,
# pthread_mutex_init, lock under a global lock, unlock, destroy, free; at
# most 2 locks alive at once). Prints the median CPU time (user + sys) per
# iteration, the ratio, and the largest max RSS of the runs.
#   tools/bench/churn_bench.sh [BUILD_DIR] [RUNS] [ITERATIONS...]
set -euo pipefail
build=${1:-build}
runs=${2:-5}
shift 2 || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000)
lockdep=$build/tools/lockdep/lockdep
prog=$build/tests/programs/pthread_cases
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# CPU seconds and max RSS (KiB) of one run.
measure() {
  /usr/bin/time -o "$tmp" -f "%U %S %M" "$@" >/dev/null 2>&1
  awk '{ print $1 + $2, $3 }' "$tmp"
}

echo "load: $(uptime | sed 's/.*load average/load average/')"
for n in "${sizes[@]}"; do
  bare_cpu=() ld_cpu=() bare_rss=0 ld_rss=0
  for _ in $(seq "$runs"); do
    read -r c r < <(measure "$prog" churn "$n")
    bare_cpu+=("$c"); [ "$r" -gt "$bare_rss" ] && bare_rss=$r
    read -r c r < <(measure "$lockdep" -- "$prog" churn "$n")
    ld_cpu+=("$c"); [ "$r" -gt "$ld_rss" ] && ld_rss=$r
  done
  b=$(printf '%s\n' "${bare_cpu[@]}" | median)
  c=$(printf '%s\n' "${ld_cpu[@]}" | median)
  awk -v n="$n" -v b="$b" -v c="$c" -v br="$bare_rss" -v cr="$ld_rss" 'BEGIN {
    it = 2 * n
    printf "churn 2x%-9d bare %7.1f ns/iter %6.1f MiB   lockdep %7.1f ns/iter %6.1f MiB   CPU ratio %5.2fx\n",
      n, b * 1e9 / it, br / 1024, c * 1e9 / it, cr / 1024, (b > 0 ? c / b : 0) }'
done
