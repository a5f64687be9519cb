#!/usr/bin/env bash
# Whole-program time bare, under one liblockdep.so and under another, runs
# interleaved in one invocation (so machine load hits all three alike);
# prints medians and each library's ratio to bare, and after/before.
#   tools/bench/compare_libraries.sh BEFORE.so AFTER.so RUNS -- command [args...]
set -euo pipefail
before=$1 after=$2 runs=$3
shift 3
[ "$1" = -- ] && shift
here=$(cd "$(dirname "$0")/../.." && pwd)
lockdep=${LOCKDEP_COMMAND:-$here/build/tools/lockdep/lockdep}

ns() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N); echo $((t1 - t0)); }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

b=() x=() y=()
for _ in $(seq "$runs"); do
  b+=("$(ns "$@")")
  x+=("$(LOCKDEP_LIBRARY=$before ns "$lockdep" -- "$@")")
  y+=("$(LOCKDEP_LIBRARY=$after ns "$lockdep" -- "$@")")
done
mb=$(printf '%s\n' "${b[@]}" | median)
mx=$(printf '%s\n' "${x[@]}" | median)
my=$(printf '%s\n' "${y[@]}" | median)
awk -v b="$mb" -v x="$mx" -v y="$my" -v n="$runs" 'BEGIN {
  printf "median of %d: bare %.3f s, before %.3f s (%.2fx), after %.3f s (%.2fx); after/before %.3f\n",
         n, b / 1e9, x / 1e9, x / b, y / 1e9, y / b, y / x }'
