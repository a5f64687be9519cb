#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, moves that prefix (the
# installed tree must not depend on where it was installed), then builds and
# runs two downstream projects against it: one with find_package(lockdep),
# one with a Makefile and pkg-config. Both annotate an ABBA with the API and
# must get the circular-dependency report; the installed `lockdep` must also
# run an unmodified program with the installed library.
#   consume_installed.sh BUILD_DIR SOURCE_DIR UNMODIFIED_ABBA_PROGRAM
set -uo pipefail
build=$1 src=$2 plain_prog=$3
here=$(cd "$(dirname "$0")" && pwd)
circular="WARNING: possible circular locking dependency detected"
work=$(mktemp -d /tmp/lockdep-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect STATUS OUTFILE COMMAND...: runs COMMAND, stderr and stdout to OUTFILE.
expect() {
  local want=$1 out=$2
  shift 2
  "$@" >"$out" 2>&1
  local got=$?
  [ "$got" = "$want" ] || { fail "'$*' exited $got, expected $want"; sed 's/^/    /' "$out"; }
}
has() {  # has FILE TEXT
  grep -qF -- "$2" "$1" || { fail "$1 lacks '$2'"; sed 's/^/    /' "$1"; }
}

cmake --install "$build" --prefix "$work/staged" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; exit 1; }
mv "$work/staged" "$work/prefix"
prefix=$work/prefix
for f in bin/lockdep include/lockdep/lockdep.h include/lockdep/lockdep.hpp \
         share/man/man1/lockdep.1 share/doc/lockdep/LICENSE share/doc/lockdep/README.md; do
  [ -e "$prefix/$f" ] || fail "not installed: $f"
done
libdir=$(cd "$prefix" && dirname "$(find . -name liblockdep.so -print -quit)")
libdir=${libdir#./}
[ -n "$libdir" ] && [ -e "$prefix/$libdir/cmake/lockdep/lockdepConfig.cmake" ] &&
  [ -e "$prefix/$libdir/pkgconfig/lockdep.pc" ] || fail "no liblockdep.so, CMake package or lockdep.pc"

# 1. CMake: find_package(lockdep) and lockdep::lockdep, -Wpedantic -Werror.
cp -r "$here/downstream" "$work/src"
if cmake -S "$work/src" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >"$work/cmake.log" 2>&1 &&
   cmake --build "$work/cmake" --verbose >>"$work/cmake.log" 2>&1; then
  # The imported include directory is SYSTEM for consumers.
  has "$work/cmake.log" "-isystem $prefix/include"
  [ "$(cat "$work/cmake/lockdep_command.txt")" = "$prefix/bin/lockdep" ] ||
    fail "lockdep_COMMAND is '$(cat "$work/cmake/lockdep_command.txt")'"
  expect 66 "$work/cmake-abba.out" "$prefix/bin/lockdep" -- "$work/cmake/abba"
  has "$work/cmake-abba.out" "$circular"
  has "$work/cmake-abba.out" "(accounts)"
  has "$work/cmake-abba.out" "(audit)"
  expect 66 "$work/cmake-annotated.out" env LOCKDEP_OPTIONS=fail_at_exit=1 "$work/cmake/annotated"
  has "$work/cmake-annotated.out" "$circular"
  has "$work/cmake-annotated.out" "(left)"
else
  fail "downstream CMake project"
  sed 's/^/    /' "$work/cmake.log"
fi

# 2. Makefile + pkg-config (the headers as plain -I: -Wpedantic -Werror
# checks them, not only the caller).
mkdir -p "$work/make"
if PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig" make -C "$work/src" OUT="$work/make" \
     >"$work/make.log" 2>&1; then
  has "$work/make.log" "-Wpedantic -Werror -I"
  expect 66 "$work/make-abba.out" "$prefix/bin/lockdep" -- "$work/make/abba"
  has "$work/make-abba.out" "$circular"
  has "$work/make-abba.out" "reports: 1"
  # Linked, not preloaded, no fail_at_exit: the program keeps its status.
  expect 0 "$work/make-annotated.out" "$work/make/annotated"
  has "$work/make-annotated.out" "$circular"
  has "$work/make-annotated.out" "reports: 1"
else
  fail "downstream Makefile project"
  sed 's/^/    /' "$work/make.log"
fi

# 3. The installed command preloads the installed library (found beside
# itself, relative to the executable, after the move) into an unmodified
# program.
expect 66 "$work/plain.out" "$prefix/bin/lockdep" -- "$plain_prog" abba_one_thread
has "$work/plain.out" "$circular"
expect 0 "$work/maps.out" env -u LOCKDEP_LIBRARY "$prefix/bin/lockdep" -- grep -m1 -o '/.*liblockdep[^ ]*' /proc/self/maps
has "$work/maps.out" "$prefix/$libdir/liblockdep.so"

[ "$failures" = 0 ] && echo "install/consume: ok ($prefix)"
exit $((failures != 0))
