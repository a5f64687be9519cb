#!/usr/bin/env bash
# `cpack -G DEB` builds a package whose dependencies are what the binaries
# link (dpkg-shlibdeps), with the command, the library, the development files
# and the man page; the command unpacked from it runs a program to a report.
#   cpack_deb.sh BUILD_DIR UNMODIFIED_ABBA_PROGRAM
set -uo pipefail
build=$1 plain_prog=$2
work=$(mktemp -d /tmp/lockdep-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out") >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/lockdep_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { cat "$work/cpack.log"; echo "FAIL: no .deb"; exit 1; }

depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libunwind8 libstdc++6; do
  [[ ", $depends," == *", $lib "* || ", $depends," == *", $lib,"* ]] || fail "Depends lacks $lib: $depends"
done
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/lockdep ./usr/include/lockdep/lockdep.h ./usr/include/lockdep/lockdep.hpp \
         ./usr/share/man/man1/lockdep.1 ./usr/share/doc/lockdep/LICENSE; do
  grep -qx "$f" <<<"$files" || fail "$f is not in the package"
done
for f in liblockdep.so.0 pkgconfig/lockdep.pc cmake/lockdep/lockdepConfig.cmake; do
  grep -qE "^\./usr/lib/(.*/)?$f$" <<<"$files" || fail "$f is not in the package"
done

dpkg-deb -x "$deb" "$work/root"
"$work/root/usr/bin/lockdep" -- "$plain_prog" abba_one_thread >"$work/run.out" 2>&1
status=$?
[ "$status" = 66 ] || fail "the packaged lockdep exited $status, expected 66"
grep -q "WARNING: possible circular locking dependency detected" "$work/run.out" ||
  { fail "no report from the packaged lockdep"; cat "$work/run.out"; }

[ "$failures" = 0 ] && echo "deb: $(basename "$deb"), Depends: $depends"
exit $((failures != 0))
