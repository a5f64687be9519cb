#!/usr/bin/env bash
# The largest stack frames of the validator's code, from the -fstack-usage
# files the core build writes next to its objects.
#   tools/stack_usage.sh [build-dir] [count]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
count=${2:-25}
find "$build/src" -name '*.su' -print0 | xargs -0 cat |
  awk -F'\t' '{ sub(".*/src/", "src/", $1); printf "%6d  %-14s %s\n", $2, $3, $1 }' |
  sort -rn | head -n "$count" || true

# Then measured: the deepest stack use below a thread's entry for each
# scenario of tools/stack_probe.c (LD_BIND_NOW: the dynamic linker's lazy
# binding of the probe's own calls is not the validator's).
probe=$(mktemp)
trap 'rm -f "$probe"' EXIT
cc -O1 -Iinclude tools/stack_probe.c -o "$probe" -L"$build/src" -llockdep -lpthread \
  -Wl,-rpath,"$PWD/$build/src"
echo
for scenario in 0 1 2 3 4; do LD_BIND_NOW=1 "$probe" "$scenario" 2>/dev/null; done
