#!/usr/bin/env bash
# Sets up, builds and runs every test: the unit and whole-program tests
# through ctest, the unit tests again under ASan+UBSan, and the format check.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

echo "== ctest"
ctest --test-dir build -j "$(nproc)" --output-on-failure

echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
BUILD_DIR=build-asan tools/setup.sh -DLOCKDEP_SANITIZE=address,undefined -DLOCKDEP_BUILD_BENCHMARKS=OFF >/dev/null
# Only the unit tests: a sanitizer runtime and an LD_PRELOADed pthread
# interposer do not mix. test_no_alloc counts allocations, which ASan owns.
ASAN_OPTIONS=abort_on_error=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$PWD/tests/ubsan.supp \
  ctest --test-dir build-asan -j "$(nproc)" --output-on-failure -R '^test_' -E '^test_no_alloc'

echo "== clang-format"
git ls-files '*.cpp' '*.hpp' '*.h' '*.c' | xargs clang-format --dry-run --Werror
echo "all tests passed"
