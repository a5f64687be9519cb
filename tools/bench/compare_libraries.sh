#!/usr/bin/env bash
# A program bare, under one liblockdep.so and under another, runs
# interleaved in one invocation (so machine load hits all three alike).
# Prints the median wall time and the median CPU time (user + system, less
# sensitive to a loaded machine) of each, each library's ratio to bare, and
# after/before.
#   tools/bench/compare_libraries.sh BEFORE.so AFTER.so RUNS -- command [args...]
set -euo pipefail
before=$1 after=$2 runs=$3
shift 3
[ "$1" = -- ] && shift
here=$(cd "$(dirname "$0")/../.." && pwd)
lockdep=${LOCKDEP_COMMAND:-$here/build/tools/lockdep/lockdep}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# "wall cpu" in seconds; the command (and its children) measured by GNU time.
run() { /usr/bin/time -f "%e %U %S" -o "$tmp" "$@" >/dev/null 2>&1 || true; awk '{ print $1, $2 + $3 }' "$tmp"; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

: >"$tmp.b"; : >"$tmp.x"; : >"$tmp.y"
for _ in $(seq "$runs"); do
  run "$@" >>"$tmp.b"
  LOCKDEP_LIBRARY=$before run "$lockdep" -- "$@" >>"$tmp.x"
  LOCKDEP_LIBRARY=$after run "$lockdep" -- "$@" >>"$tmp.y"
done
col() { cut -d' ' -f"$1" "$2" | median; }
bw=$(col 1 "$tmp.b") xw=$(col 1 "$tmp.x") yw=$(col 1 "$tmp.y")
bc=$(col 2 "$tmp.b") xc=$(col 2 "$tmp.x") yc=$(col 2 "$tmp.y")
rm -f "$tmp.b" "$tmp.x" "$tmp.y"
awk -v n="$runs" -v bw="$bw" -v xw="$xw" -v yw="$yw" -v bc="$bc" -v xc="$xc" -v yc="$yc" 'BEGIN {
  printf "median of %d  wall: bare %.2f s, before %.2f s (%.2fx), after %.2f s (%.2fx), after/before %.3f\n",
         n, bw, xw, xw / bw, yw, yw / bw, yw / xw
  printf "              cpu:  bare %.2f s, before %.2f s (%.2fx), after %.2f s (%.2fx), after/before %.3f\n",
         bc, xc, xc / bc, yc, yc / bc, yc / xc }'
