# Lock misuse that Helgrind and ThreadSanitizer report (issue 7, items 9-14;
# issue 13, items 4 and 10).
add_executable(misuse_cases misuse_cases.c)
target_link_libraries(misuse_cases PRIVATE Threads::Threads)
# -O0: every call keeps its frame, so the stacks that tell repeated misuse
# apart are the ones the source shows.
target_compile_options(misuse_cases PRIVATE -O0 -g)
set(M $<TARGET_FILE:misuse_cases>)
set(EXIT_HELD "WARNING: thread still has locks held!")
set(AFTER_DESTROY "WARNING: lock used after destroy!")
set(COND_UNHELD "WARNING: condition variable waited on without its mutex held!")
set(COND_TWO "WARNING: condition variable used with two different mutexes!")
set(UNLOCK "WARNING: bad unlock balance detected!")

# 7.9: main returns or calls exit() holding a lock.
program_test(misuse_main_returns_holding --status 66 --count ${EXIT_HELD} 1
  --has "^misuse_cases/[0-9]+ is exiting with locks still held!" --has "#0: 0x[0-9a-f]+ \\(g_main_lock\\)"
  -- ${LOCKDEP} -- ${M} main_returns_holding)
program_test(misuse_main_exits_holding --status 66 --count ${EXIT_HELD} 1
  --has "#0: 0x[0-9a-f]+ \\(g_main_lock\\)" --has "^ +main_exits_holding\\+0x"
  -- ${LOCKDEP} -- ${M} main_exits_holding)
# 13.10: a worker that ends holding a lock after exit() started is not reported.
program_test(misuse_worker_holds_during_exit --status 0 --clean --stdout "worker ended during exit"
  -- ${LOCKDEP} -- ${M} worker_holds_during_exit)
program_test(misuse_worker_holds_during_return --status 0 --clean --stdout "worker ended during exit"
  -- ${LOCKDEP} -- ${M} worker_holds_during_return)

# 7.10: a destroyed mutex locked again.
program_test(misuse_use_after_destroy --status 66 --count ${AFTER_DESTROY} 1 --lacks ${UNLOCK}
  --has "is trying to use lock" --has "^ +use_after_destroy\\+0x" --stdout "lock after destroy: EINVAL"
  -- ${LOCKDEP} -- ${M} use_after_destroy)
program_test(misuse_destroy_then_static_reinit --status 0 --clean
  -- ${LOCKDEP} -- ${M} destroy_then_static_reinit)

# 7.11: condition variables.
program_test(misuse_cond_wait_unheld --status 66 --count ${COND_UNHELD} 1 --lacks ${UNLOCK}
  --lacks ${RECURSIVE} --has "^ +wait_unheld\\+0x" --stdout "wait without the mutex: EPERM"
  -- ${LOCKDEP} -- ${M} cond_wait_unheld)
program_test(misuse_cond_two_mutexes --status 66 --count ${COND_TWO} 1 --has "\\(g_m1\\)"
  --has "\\(g_m2\\)" --has "^ +wait_with_m2\\+0x" -- ${LOCKDEP} -- ${M} cond_two_mutexes)
program_test(misuse_cond_mutexes_in_turn --status 0 --clean
  -- ${LOCKDEP} -- ${M} cond_mutexes_in_turn)
program_test(misuse_cond_timedwait_einval --status 0 --clean --stdout "timedwait: EINVAL, clockwait: EINVAL"
  -- ${LOCKDEP} -- ${M} cond_timedwait_einval)

# 7.12: a robust mutex held by a dying thread is the EOWNERDEAD protocol.
program_test(misuse_robust_owner_dies --status 66 --count ${EXIT_HELD} 1 --has "\\(g_plain\\)"
  --lacks "\\(g_robust\\)" --stdout "next owner: EOWNERDEAD" -- ${LOCKDEP} -- ${M} robust_owner_dies)

# 7.13: C11 <threads.h>.
program_test(misuse_c11_abba --status 66 --count ${CIRCULAR} 1 --has "\\(g_ca\\)" --has "\\(g_cb\\)"
  --has "^ +c11_b_then_a\\+0x" -- ${LOCKDEP} -- ${M} c11_abba)
program_test(misuse_c11_cnd_cycle --status 66 --count ${CIRCULAR} 1 --stdout "cnd_timedwait: timedout"
  -- ${LOCKDEP} -- ${M} c11_cnd_cycle)
program_test(misuse_c11_misuse --status 66 --count ${COND_UNHELD} 1 --count ${AFTER_DESTROY} 1
  --lacks ${UNLOCK} --stdout "trylock after destroy: thrd_error" -- ${LOCKDEP} -- ${M} c11_misuse)
program_test(misuse_c11_trylock_inversion --status 0 --clean -- ${LOCKDEP} -- ${M} c11_trylock_inversion)

# 7.14: misuse reached through another caller, or at the same place on a new
# lock, is a new problem; the same misuse repeated is not.
program_test(misuse_repeated --status 66 --count ${UNLOCK} 4
  -- ${LOCKDEP} -- ${M} repeated_misuse)

# 13.4: checking goes on in cancellation cleanup handlers and signal handlers
# that run inside a blocking call.
program_test(misuse_cancel_in_cond_wait --status 66 --count ${CIRCULAR} 2 --lacks ${UNLOCK}
  --has "^ +cleanup_inverts\\+0x" --has "^ +cleanup_then\\+0x" --stdout "cancelled: yes"
  -- ${LOCKDEP} -- ${M} cancel_in_cond_wait)
program_test(misuse_signal_during_blocking_lock --status 66 --count ${CIRCULAR} 1
  --has "^ +on_signal\\+0x" -- ${LOCKDEP} -- ${M} signal_during_blocking_lock)
