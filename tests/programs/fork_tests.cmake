# fork(): the child of a forking program has a working validator, whatever
# other libraries' fork handlers do, and fork stays cheap. Every test has a
# --timeout: a hang fails fast.
add_library(atfork_mutex_lib MODULE atfork_mutex_lib.c)
target_link_libraries(atfork_mutex_lib PRIVATE Threads::Threads)
add_executable(fork_prog fork_prog.c)
target_link_libraries(fork_prog PRIVATE Threads::Threads)
pkg_check_modules(HOST_URCU_BP REQUIRED IMPORTED_TARGET liburcu-bp>=0.13)
add_executable(urcu_host urcu_host.c)
target_link_libraries(urcu_host PRIVATE PkgConfig::HOST_URCU_BP Threads::Threads)

set(ATFORK_LIB $<TARGET_FILE:atfork_mutex_lib>)
set(FORK_PROG $<TARGET_FILE:fork_prog>)

# Issue 13 item 1: a library's prepare handler, run after lockdep's, locks a
# pthread mutex (and allocates).
program_test(fork_other_library_atfork_locks_mutex --timeout 30 --status 0 --clean
  --stdout "children ok" -- env LD_PRELOAD=${ATFORK_LIB} ${LOCKDEP} -- ${FORK_PROG} 50)
program_test(fork_other_library_atfork_preloaded_first --timeout 30 --status 0 --clean
  --stdout "children ok" -- env LD_PRELOAD=${ATFORK_LIB}:${LIB} ${FORK_PROG} 50)
# Debian's jemalloc registers fork handlers that lock its pthread mutexes.
set(JEMALLOC /usr/lib/x86_64-linux-gnu/libjemalloc.so.2)
set(PY_FORK "import os, threading
locks = [threading.Lock() for _ in range(4)]
stop = False
def work():
    while not stop:
        for l in locks:
            with l:
                bytearray(4096)
threads = [threading.Thread(target=work) for _ in range(2)]
for t in threads: t.start()
ok = 0
for i in range(20):
    pid = os.fork()
    if pid == 0:
        mine = threading.Lock()
        with mine:
            bytearray(1 << 20)
        os._exit(7)
    _, status = os.waitpid(pid, 0)
    ok += os.WIFEXITED(status) and os.WEXITSTATUS(status) == 7
stop = True
for t in threads: t.join()
print('children ok' if ok == 20 else 'children failed')")
program_test(fork_jemalloc_python_threads --timeout 60 --status 0 --clean --stdout "children ok"
  -- env LD_PRELOAD=${JEMALLOC} ${LOCKDEP} -- /usr/bin/python3 -c ${PY_FORK})
program_test(fork_jemalloc_forking_program --timeout 30 --status 0 --clean --stdout "children ok"
  -- env LD_PRELOAD=${JEMALLOC} ${LOCKDEP} -- ${FORK_PROG} 50)
# Issue 6 item 4: the host's own liburcu-bp, its fork protocol, and a fork
# inside its own read-side section while a lockdep callback is pending.
program_test(fork_host_uses_liburcu_bp --timeout 30 --status 0 --clean --stdout "urcu host ok"
  -- ${LOCKDEP} -- $<TARGET_FILE:urcu_host>)
# Issue 6 item 10: a host reader that never leaves its section does not
# hold back lockdep's grace periods: zapped classes are freed.
program_test(host_rcu_reader_does_not_stall_lockdep --timeout 60 --status 0 --clean
  --stdout "stall ok" --has "grace periods: +[1-9]" --has "classes registered: .*freed: [1-9]"
  -- ${LOCKDEP} --print-stats -- $<TARGET_FILE:urcu_host> stall)
program_test(fork_host_uses_liburcu_bp_bare --timeout 30 --status 0 --stdout "urcu host ok"
  -- $<TARGET_FILE:urcu_host>)
# redis-server with Debian's jemalloc: BGSAVE and BGREWRITEAOF fork.
add_test(NAME "program: fork_redis_bgsave"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/redis_bgsave.sh ${LOCKDEP})
set_tests_properties("program: fork_redis_bgsave" PROPERTIES TIMEOUT 120)
