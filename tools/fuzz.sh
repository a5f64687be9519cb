#!/usr/bin/env bash
# Builds the libFuzzer targets with clang 14 (ASan + UBSan) into
# build-fuzz/ (or $FUZZ_BUILD_DIR) and runs each for SECONDS (default 300).
# New inputs are kept in build-fuzz/corpus/<target>/; the seeds in
# tests/fuzz/corpus/<target>/ are read, never written. A crash leaves its
# input in build-fuzz/ (crash-*) and fails the script.
#   tools/fuzz.sh [SECONDS] [target...]     targets: fuzz_options fuzz_trace
# SECONDS 0: build only (tools/test.sh then runs the short ctest batches).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_options fuzz_trace)
build=${FUZZ_BUILD_DIR:-build-fuzz}
# No alignment check: liburcu-bp's inlined read side trips it on every call
# (tests/ubsan.supp says why it is harmless), and clang's UBSan runtime did
# not honour that suppression here; the GCC ASan+UBSan build checks it.
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=alignment -fno-omit-frame-pointer"
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLOCKDEP_BUILD_FUZZERS=ON -DLOCKDEP_BUILD_BENCHMARKS=OFF \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}" >/dev/null
[ "$seconds" -gt 0 ] || exit 0
status=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t"
  extra=()
  chunk=$seconds
  # No leak check (LeakSanitizer would scan the validator's static pools
  # after every input); traces of at most 64 steps. Fresh processes every
  # 60 s: the validator remembers each problem it reported in a table that
  # nothing clears, so one process compares with the model only until about
  # 15,000 reports.
  [ "$t" = fuzz_trace ] && extra=(-detect_leaks=0 -max_len=256) && chunk=60
  echo "== $t for $seconds s"
  : >"$build/$t.log"
  for ((left = seconds; left > 0; left -= chunk)); do
    run=$((left < chunk ? left : chunk))
    # -timeout: a trace that hangs is a failure.
    (cd "$build" && ASAN_OPTIONS=abort_on_error=1 \
      UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "tests/fuzz/$t" "${extra[@]}" -max_total_time="$run" -timeout=30 -print_final_stats=1 \
      "corpus/$t" "$OLDPWD/tests/fuzz/corpus/$t" 2>>"$t.log") || { status=1; break; }
  done
  grep -E '^(Done|==[0-9]+==ERROR|SUMMARY)' "$build/$t.log" || true
  awk '/^stat::number_of_executed_units/ {n += $2} END {print "executions:", n + 0}' "$build/$t.log"
  awk '/^fuzz_trace: .* inputs/ {i += $2; c += $4} END {if (i) print "compared with the model:", c, "of", i}' \
    "$build/$t.log"
done
exit $status
