#!/usr/bin/env bash
# What recording allocation sites (classes=site) costs an allocation-heavy
# real program: wall time bare, under lockdep --classes=instance and under
# lockdep --classes=site, interleaved in one invocation; medians of N runs.
#   tools/bench/alloc_sites_bench.sh [BUILD_DIR] [RUNS]
set -euo pipefail
build=${1:-build}
runs=${2:-7}
lockdep=$(realpath "$build/tools/lockdep/lockdep")

ns() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $((t1 - t0)); }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

compare() {  # name, command...
  local name=$1; shift
  local bare=() inst=() site=()
  for _ in $(seq "$runs"); do  # interleaved: load changes hit all three alike
    bare+=("$(ns "$@")")
    inst+=("$(ns "$lockdep" --classes=instance -- "$@")")
    site+=("$(ns "$lockdep" --classes=site -- "$@")")
  done
  local b i s
  b=$(printf '%s\n' "${bare[@]}" | median)
  i=$(printf '%s\n' "${inst[@]}" | median)
  s=$(printf '%s\n' "${site[@]}" | median)
  awk -v n="$name" -v b="$b" -v i="$i" -v s="$s" 'BEGIN {
    printf "%-40s bare %7.3f s  instance %7.3f s (%5.2fx)  site %7.3f s (%5.2fx)  site/instance %5.2fx\n",
      n, b/1e9, i/1e9, i/b, s/1e9, s/b, s/i }'
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# perl (Debian's uses the system malloc): 600,000 hash entries and strings.
compare "perl: 600k hash entries + strings" perl -e \
  'my %h; for my $i (1..600000) { $h{"key$i"} = [$i, "v" x ($i % 50)] } print scalar(keys %h), "\n"'
# cc1: the compiler allocates through malloc (xmalloc, obstacks) all the time.
src=$(realpath "$(dirname "$0")/../../src/core/validator.cpp")
inc=$(realpath "$(dirname "$0")/../../src")
compare "g++ -O1 -c validator.cpp" g++ -std=c++20 -O1 -I"$inc" -I"$(dirname "$inc")/include" \
  -I/usr/include/urcu -c "$src" -o "$tmp/v.o"
