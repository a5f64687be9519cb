#!/usr/bin/env bash
# The largest stack frames of the validator's code, from the -fstack-usage
# files the core build writes next to its objects.
#   tools/stack_usage.sh [build-dir] [count]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
count=${2:-25}
find "$build/src" -name '*.su' -print0 | xargs -0 cat |
  awk -F'\t' '{ sub(".*/src/", "src/", $1); printf "%6d  %-14s %s\n", $2, $3, $1 }' |
  sort -rn | head -n "$count"
