#!/usr/bin/env bash
# A real multi-threaded program from Debian's packages, unmodified, under
# lockdep: the same output as without it, and no report.
#   real_program.sh LOCKDEP_COMMAND
set -eu
lockdep=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A few MB of compressible, deterministic input.
seq 1 1500000 | sed 's/$/ lockdep test line/' >"$work/input"
echo "input: $(wc -c <"$work/input") bytes"

run() {  # name, command...
  local name=$1; shift
  "$@" <"$work/input" >"$work/$name.bare"
  if ! "$lockdep" -- "$@" <"$work/input" >"$work/$name.checked" 2>"$work/$name.err"; then
    echo "FAIL: $name under lockdep exited $?"; cat "$work/$name.err"; exit 1
  fi
  if grep -Eq '^(WARNING|BUG):' "$work/$name.err"; then
    echo "FAIL: $name: lockdep reported"; cat "$work/$name.err"; exit 1
  fi
  cmp "$work/$name.bare" "$work/$name.checked" || { echo "FAIL: $name output differs"; exit 1; }
  echo "$name: identical output ($(wc -c <"$work/$name.bare") bytes), no report"
}
run pigz pigz -p 4 -c
run zstd zstd -T2 -c -q
