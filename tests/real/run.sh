#!/usr/bin/env bash
# Real programs from Debian's packages, unmodified, bare and under lockdep:
# the same output, the same exit status, and no report.
#   tests/real/run.sh LOCKDEP_COMMAND NAME...    (NAME: see the case_* functions; "all")
set -u
lockdep=$(realpath "$1")
shift
work=$(mktemp -d "${TMPDIR:-/tmp}/lockdep-real-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
failed=0

input() {  # a few MB of compressible, deterministic text
  [ -f input ] || seq 1 1500000 | sed 's/$/ lockdep real-program test line/' >input
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {  # port: until something listens (10 s at most)
  for _ in $(seq 100); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# Each case runs its program through "$@" (empty, or the lockdep command and
# "--"), writes what must match to stdout and returns the program's status.
case_pigz() { input; "$@" pigz -p 4 -c <input | md5sum; }
case_zstd() { input; "$@" zstd -T2 -q -c <input | md5sum; }
case_xz() { input; "$@" xz -T2 --block-size=1MiB -3 -c <input | md5sum; }
case_sqlite3() {
  "$@" sqlite3 :memory: "PRAGMA threads=4;
    CREATE TABLE t(x);
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c LIMIT 400000)
      INSERT INTO t SELECT (i*7919)%400009 FROM c;
    CREATE INDEX tx ON t(x);
    SELECT count(*), sum(x) FROM (SELECT x FROM t ORDER BY x DESC);"
}
case_python3() {
  "$@" python3 -c '
import threading, queue, concurrent.futures as cf
lock, total = threading.Lock(), [0]
def work(n):
    for _ in range(n):
        with lock: total[0] += 1
    return n
with cf.ThreadPoolExecutor(4) as ex: done = sum(ex.map(work, [20000]*8))
q = queue.Queue()
ts = [threading.Thread(target=lambda i=i: q.put(i*i)) for i in range(16)]
[t.start() for t in ts]; [t.join() for t in ts]
cond = threading.Condition(); items = []
def consumer():
    with cond:
        while len(items) < 100: cond.wait()
c = threading.Thread(target=consumer); c.start()
for i in range(100):
    with cond: items.append(i); cond.notify()
c.join()
print(done, total[0], sorted(q.get() for _ in range(16))[-1], len(items))'
}
case_perl() {
  "$@" perl -e 'use threads; use threads::shared; my $c :shared = 0;
    my @t = map { threads->create(sub { for (1..20000) { lock($c); $c++ } }) } 1..4;
    $_->join for @t; print "$c\n"'
}
case_git() {
  rm -rf repo && git init -q repo && (cd repo && for i in $(seq 200); do seq $i 300 >f$i.txt; done &&
    git add . && git -c user.name=t -c user.email=t@t commit -qm init) || return 1
  (cd repo && "$@" git grep --threads=2 -c '^29' | sort | md5sum &&
    "$@" git -c pack.threads=2 repack -adq && git count-objects -v | grep -E '^(count|in-pack):')
}
case_make() {
  rm -rf mk && mkdir mk && {
    printf 'all: %s\n' "$(seq -f 't%g' 40 | tr '\n' ' ')"
    printf 't%%:\n\t@sh -c "echo $@ > $@"\n'
  } >mk/Makefile
  "$@" make -s -j2 -C mk && cat mk/t* | sort | md5sum
}
case_rsync() {
  rm -rf src dst && mkdir src && for i in $(seq 100); do seq $i 500 >src/f$i; done
  "$@" rsync -a src/ dst/ && diff -r src dst && echo same
}
case_redis() {  # a forking server: BGSAVE forks a child to write the snapshot
  local port dir=redis.$$ rc
  port=$(free_port)
  mkdir -p $dir
  # redis takes its module GIL in main() and holds it whenever its main
  # thread runs, so SHUTDOWN calls exit() holding it: lockdep reports that
  # (a thread exiting with a lock held), by design of both. That one
  # report is suppressed here, and only here.
  printf 'exit:acquired_in=main\n' >$dir/suppressions
  LOCKDEP_OPTIONS="suppressions=$PWD/$dir/suppressions" "$@" redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$PWD/$dir" \
    --daemonize no >$dir/server.out 2>$dir/server.err &
  local pid=$!
  wait_port "$port" || { echo "redis did not start"; kill -9 $pid; return 1; }
  local cli="timeout 20 redis-cli -p $port"
  for i in $(seq 200); do echo "SET key$i value$i"; done | $cli >/dev/null
  $cli BGSAVE
  for _ in $(seq 100); do
    $cli INFO persistence | grep -q 'rdb_bgsave_in_progress:0' && break
    sleep 0.1
  done
  $cli INFO persistence | grep -o 'rdb_last_bgsave_status:ok'
  $cli BGREWRITEAOF >/dev/null
  sleep 0.3
  $cli DBSIZE
  $cli GET key77
  timeout 30 redis-benchmark -p "$port" -n 2000 -c 4 -q -t set,get >/dev/null || echo "benchmark failed"
  $cli SHUTDOWN NOSAVE >/dev/null 2>&1
  wait $pid
  rc=$?
  cat $dir/server.err >&2
  return $rc
}
case_memcached() {  # 4 worker threads, a client over loopback
  local port
  port=$(free_port)
  "$@" memcached -u root -l 127.0.0.1 -p "$port" -U 0 -t 4 2>memcached.err &
  local pid=$!
  wait_port "$port" || { echo "memcached did not start"; kill -9 $pid; return 1; }
  timeout 60 python3 - "$port" <<'PY'
import socket, sys, threading
port = int(sys.argv[1])
def client(k):
    s = socket.create_connection(("127.0.0.1", port), timeout=20); f = s.makefile("rwb")
    for i in range(200):
        v = b"v%d-%d" % (k, i)
        f.write(b"set k%d-%d 0 0 %d\r\n%s\r\n" % (k, i, len(v), v)); f.flush(); f.readline()
    hits = 0
    for i in range(200):
        f.write(b"get k%d-%d\r\n" % (k, i)); f.flush()
        if f.readline().startswith(b"VALUE"): f.readline(); f.readline(); hits += 1
    return hits
res = [0] * 8
ts = [threading.Thread(target=lambda k=k: res.__setitem__(k, client(k))) for k in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
print(sum(res))
PY
  kill -TERM $pid
  wait $pid
  local rc=$?
  cat memcached.err >&2
  [ $rc = 143 ] && rc=0  # SIGTERM is how memcached is stopped
  return $rc
}
case_jemalloc() {  # another library's fork handlers, which lock mutexes
  LD_PRELOAD=libjemalloc.so.2 "$@" python3 -c '
import os, threading
lock = threading.Lock()
def spin():
    for _ in range(2000):
        with lock: bytearray(4096)
ts = [threading.Thread(target=spin) for _ in range(3)]; [t.start() for t in ts]
kids = 0
for _ in range(20):
    pid = os.fork()
    if pid == 0:
        with lock: pass
        os._exit(7)
    kids += os.waitpid(pid, 0)[1] >> 8 == 7
[t.join() for t in ts]
print("children", kids)'
}
case_java() {  # HotSpot: many threads and locks; its VM thread exits holding Threads_lock
  cat >Threads.java <<'JAVA'
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
public class Threads {
  public static void main(String[] a) throws Exception {
    ExecutorService ex = Executors.newFixedThreadPool(4);
    AtomicLong sum = new AtomicLong();
    Object lock = new Object();
    long[] plain = {0};
    for (int t = 0; t < 8; ++t)
      ex.submit(() -> { for (int i = 0; i < 100000; ++i) { sum.incrementAndGet(); synchronized (lock) { plain[0]++; } } });
    ex.shutdown();
    ex.awaitTermination(60, TimeUnit.SECONDS);
    System.out.println(sum.get() + " " + plain[0]);
  }
}
JAVA
  "$@" java -Xshare:auto Threads.java
}
case_gxx() {
  printf '#include <map>\n#include <string>\nint f(std::map<std::string,int>&m){return m["x"]++;}\n' >t.cpp
  "$@" g++ -O2 -c t.cpp -o t.o && nm -C t.o | grep -c ' T '
}

cases="pigz zstd xz sqlite3 python3 perl git make rsync redis memcached jemalloc java gxx"
[ "${1:-all}" = all ] && set -- $cases

for name in "$@"; do
  if ! declare -F "case_$name" >/dev/null; then echo "unknown case '$name' (cases: $cases)"; exit 2; fi
  case_$name >"$name.bare.out" 2>"$name.bare.err"
  bare=$?
  case_$name timeout -s KILL 120 "$lockdep" -- >"$name.checked.out" 2>"$name.checked.err"
  checked=$?
  problems=()
  [ "$bare" = "$checked" ] || problems+=("exit status $checked under lockdep, $bare bare")
  cmp -s "$name.bare.out" "$name.checked.out" || problems+=("output differs")
  grep -Eq '^(WARNING|BUG|INFO):|^lockdep: ' "$name.checked.err" && problems+=("lockdep reported")
  [ -s "$name.bare.out" ] || problems+=("no output bare: the case itself is broken")
  if [ ${#problems[@]} = 0 ]; then
    echo "ok: $name (status $bare, output $(head -c 60 "$name.bare.out" | tr '\n' ' '))"
  else
    failed=1
    echo "FAIL: $name: ${problems[*]}"
    echo "---- bare stdout:"; head -c 2000 "$name.bare.out"
    echo "---- lockdep stdout:"; head -c 2000 "$name.checked.out"
    echo "---- lockdep stderr:"; head -c 20000 "$name.checked.err"
  fi
done
exit $failed
