#!/usr/bin/env bash
# What liblockdep.so exports is its API and the functions it interposes,
# nothing else:
#  - every lockdep_* symbol is versioned LOCKDEP_0 and declared in lockdep.h,
#    and every function lockdep.h declares is exported;
#  - every other symbol is unversioned (so that glibc-versioned references
#    bind to it) and is one that libc defines, or a libstdc++ operator new
#    (an interposition).
#   check_exports.sh LIBLOCKDEP LOCKDEP_H
set -uo pipefail
lib=$1 header=$2
libc=$(${CC:-cc} -print-file-name=libc.so.6)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

declared=$(grep -oE '^LOCKDEP_API [^(]*\b(lockdep_[a-z_]+)\(' "$header" | grep -oE 'lockdep_[a-z_]+\($' | tr -d '(' | sort -u)
[ -n "$declared" ] || fail "no LOCKDEP_API declarations found in $header"
libstdcxx=$(${CXX:-c++} -print-file-name=libstdc++.so.6)
# libc's functions, and libstdc++'s operator new forms (allocation sites).
libc_names=$( (nm -D --defined-only "$libc"; nm -D --defined-only "$libstdcxx" | grep ' _Zn') |
  awk '{print $3}' | sed 's/@.*//' | sort -u)
exported=$(nm -D --defined-only "$lib" | awk '{print $3}')
interposed=0
for sym in $exported; do
  name=${sym%%@*}
  version=""
  [[ $sym == *@* ]] && version=${sym##*@}
  case $name in
    LOCKDEP_0) ;;  # the version definition itself
    lockdep_*)
      [ "$version" = LOCKDEP_0 ] || fail "$name is exported as '$sym', not $name@@LOCKDEP_0"
      grep -qx "$name" <<<"$declared" || fail "$name is exported but not declared in lockdep.h"
      ;;
    *)
      [ -z "$version" ] || fail "$sym: an interposed function must be unversioned"
      grep -qx "$name" <<<"$libc_names" || fail "$sym is exported but is neither API nor a libc or operator new function"
      interposed=$((interposed + 1))
      ;;
  esac
done
for name in $declared; do
  grep -qE "^$name@" <<<"$exported" || fail "$name is declared in lockdep.h but not exported"
done
grep -qx pthread_mutex_lock <<<"$exported" || fail "pthread_mutex_lock is not exported (unversioned)"
[ "$failures" = 0 ] && echo "exports: $(wc -w <<<"$declared") API functions, $interposed interposed"
exit $((failures != 0))
