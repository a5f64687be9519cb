#!/usr/bin/env bash
# A libc frame is named from libc's separate debug file (Debian's libc6-dbg,
# found by build-id) when that file is installed; skipped (status 77, with
# a message) when it is not.
#   libc_frame_test.sh CHECK_RUN LOCKDEP PROGRAM
set -u
check=$1 lockdep=$2 prog=$3
libc=$(ldd "$prog" | awk '/libc\.so\.6/ {print $3}')
id=$(eu-readelf -n "$libc" 2>/dev/null | awk '/Build ID:/ {print $3}')
debug=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
if [ -z "$id" ] || [ ! -f "$debug" ]; then
  echo "SKIP: no separate debug file for $libc (install libc6-dbg): $debug"
  exit 77
fi
# start_thread has no dynamic symbol: only the debug file names it and its line.
exec "$check" --status 66 \
  --has "^ +start_thread\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[libc\\.so\\.6\\] \\(.*pthread_create\\.c:[0-9]+\\)$" \
  -- "$lockdep" -- "$prog"
