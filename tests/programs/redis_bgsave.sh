#!/usr/bin/env bash
# redis-server (Debian's, linked with libjemalloc.so.2, whose fork handlers
# lock pthread mutexes) under lockdep: BGSAVE and BGREWRITEAOF fork; each
# must finish, and the server must shut down cleanly with no report.
#   redis_bgsave.sh LOCKDEP
set -u
lockdep=$1
dir=$(mktemp -d)
sock=$dir/redis.sock
cleanup() {
  [ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "---- stderr:"; cat "$dir/err"; exit 1; }
cli() { timeout 10 redis-cli -s "$sock" "$@"; }

# redis holds its module GIL (taken in main) whenever its main thread runs,
# so SHUTDOWN calls exit() holding it: a thread-exit report by design of
# both; only that one is suppressed.
printf 'exit:acquired_in=main\n' >"$dir/suppressions"
"$lockdep" --suppressions="$dir/suppressions" -- redis-server --port 0 --unixsocket "$sock" --dir "$dir" --save "" \
  --appendonly no --daemonize no >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "redis-server did not start"
cli DEBUG POPULATE 20000 >/dev/null || fail "populate"

wait_idle() {  # $1: the INFO field that says a child is running
  for _ in $(seq 100); do
    cli INFO persistence | grep -q "^$1:0" && return 0
    sleep 0.1
  done
  return 1
}
for round in 1 2 3 4 5; do
  cli BGSAVE >/dev/null || fail "BGSAVE $round: no answer (fork hung?)"
  wait_idle rdb_bgsave_in_progress || fail "BGSAVE $round did not finish"
  cli INFO persistence | grep -q "^rdb_last_bgsave_status:ok" || fail "BGSAVE $round failed"
done
cli BGREWRITEAOF >/dev/null || fail "BGREWRITEAOF: no answer"
wait_idle aof_rewrite_in_progress || fail "BGREWRITEAOF did not finish"
cli INFO persistence | grep -q "^aof_last_bgrewrite_status:ok" || fail "BGREWRITEAOF failed"
cli SHUTDOWN NOSAVE >/dev/null 2>&1
wait "$pid"
rc=$?
pid=
[ "$rc" = 0 ] || fail "exit status $rc"
grep -E '^(WARNING|BUG):' "$dir/err" && fail "a report was printed"
echo "ok: 5 BGSAVE and 1 BGREWRITEAOF under lockdep"
