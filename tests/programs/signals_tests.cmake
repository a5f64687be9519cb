# Signal handlers checked the way the kernel checks interrupts (issue 9,
# part 2): a lock used in a handler and held with its signal deliverable.
add_executable(signal_cases signal_cases.c)
target_link_libraries(signal_cases PRIVATE lockdep Threads::Threads)
target_compile_options(signal_cases PRIVATE -O1 -g)
set(S $<TARGET_FILE:signal_cases>)
# _FORTIFY_SOURCE turns longjmp() and siglongjmp() into __longjmp_chk().
add_executable(signal_cases_fortify signal_cases.c)
target_link_libraries(signal_cases_fortify PRIVATE lockdep Threads::Threads)
target_compile_options(signal_cases_fortify PRIVATE -O2 -g -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2)
set(INCONSISTENT "WARNING: inconsistent lock state")
set(SIGNAL_ORDER "WARNING: signal-safe -> signal-unsafe lock order detected")

program_test(signal_handler_and_main --status 66 --count ${INCONSISTENT} 1 --count ${SIGNAL_ORDER} 0
  --has "^inconsistent \\{SIGALRM-ON-W\\} -> \\{IN-SIGALRM-W\\} usage\\.$"
  --has "^signal_cases/[0-9]+ \\[in SIGALRM handler\\] takes:$"
  --has "^0x[0-9a-f]+ \\(g_sig_lock\\), at: (takes_sig_lock|lock_unlock)\\+0x"
  --has "^\\{SIGALRM-ON-W\\} state was registered at:$" --has "^  handler_and_main\\+0x"
  --has "^  <Signal SIGALRM>$" --has "^    lock\\(g_sig_lock\\).$"
  -- ${LOCKDEP} -- ${S} handler_and_main)
program_test(signal_main_blocks_clean --status 0 --clean -- ${LOCKDEP} -- ${S} main_blocks)
program_test(signal_handler_takes_h_main_holds_l --status 66 --count ${INCONSISTENT} 1
  --has "\\(g_sig_lock\\), at: " --has "^ #0: 0x[0-9a-f]+ \\(g_outer_lock\\)"
  -- ${LOCKDEP} -- ${S} handler_takes_h_main_holds_l)
program_test(signal_safe_unsafe_dependency --status 66 --count ${SIGNAL_ORDER} 1
  --count ${INCONSISTENT} 0
  --has "^but this new dependency connects a SIGALRM-safe lock:$"
  --has "^ \\(g_safe_lock\\)\\{IN-SIGALRM-W\\}$" --has "^ \\(g_unsafe_lock\\)\\{SIGALRM-ON-W\\}$"
  --has "^  takes_safe_lock\\+0x|^  lock_unlock\\+0x" --has "^                               block SIGALRM.$"
  -- ${LOCKDEP} -- ${S} safe_unsafe_dependency)
program_test(signal_safe_unsafe_at_mark --status 66 --count ${SIGNAL_ORDER} 1
  --count ${INCONSISTENT} 0 --has "just changed the state of lock:$"
  --has "^but this lock was taken by another, SIGALRM-safe lock in the past:$"
  -- ${LOCKDEP} -- ${S} safe_unsafe_at_mark)
program_test(signal_safe_unsafe_chain --status 66 --count ${SIGNAL_ORDER} 1
  --count ${INCONSISTENT} 0 --has "^ \\(g_outer_lock\\) -> \\(g_unsafe_lock\\)$"
  --has "^   g_safe_lock --> g_outer_lock --> g_unsafe_lock$"
  -- ${LOCKDEP} -- ${S} safe_unsafe_chain)
program_test(signal_trylock_in_handler_clean --status 0 --clean
  --stdout "^trylock failed 1, succeeded 1$" -- ${LOCKDEP} -- ${S} trylock_in_handler)
program_test(signal_oldact_roundtrip --status 0 --clean --stdout "^oldact ok$"
  -- ${LOCKDEP} -- ${S} oldact_roundtrip)
program_test(signal_resethand --status 0 --clean --stdout "^reset ok, handled 1$"
  -- ${LOCKDEP} -- ${S} resethand)
program_test(signal_siglongjmp_then_lock_clean --status 0 --clean --stdout "^jumped out$"
  -- ${LOCKDEP} -- ${S} siglongjmp_then_lock)
program_test(signal_longjmp_keeps_mask_clean --status 0 --clean
  --stdout "^SIGALRM blocked after longjmp: 1$" -- ${LOCKDEP} -- ${S} longjmp_keeps_mask)
program_test(signal_nodefer --status 66 --count ${INCONSISTENT} 1
  --has "^inconsistent \\{SIGALRM-ON-W\\} -> \\{IN-SIGALRM-W\\} usage\\.$"
  --has "^signal_cases/[0-9]+ \\[in SIGALRM handler\\] takes:$" --has "^  takes_sig_lock\\+0x"
  -- ${LOCKDEP} -- ${S} nodefer)
program_test(signal_defer_clean --status 0 --clean -- ${LOCKDEP} -- ${S} defer)
program_test(signal_unblock_while_holding --status 66 --count ${INCONSISTENT} 1
  --has "^\\{SIGALRM-ON-W\\} state was registered at:$" --has "^  unblock_while_holding\\+0x"
  -- ${LOCKDEP} -- ${S} unblock_while_holding)
program_test(signal_thread_inherits_mask_clean --status 0 --clean
  -- ${LOCKDEP} -- ${S} thread_inherits_mask)
program_test(signal_api_in_handler --status 66 --count ${INCONSISTENT} 1
  --has "^inconsistent \\{IN-SIGUSR1-W\\} -> \\{SIGUSR1-ON-W\\} usage\\.$"
  --has "\\(annotated_lock\\), at: api_in_handler\\+0x"
  -- ${LOCKDEP} -- ${S} api_in_handler)
program_test(signal_nested_handlers_clean --status 0 --clean -- ${LOCKDEP} -- ${S} nested_handlers)
program_test(signal_segv_handler_clean --status 0 --clean --stdout "^recovered$"
  -- ${LOCKDEP} -- ${S} segv_handler)
program_test(signal_real_deadlock_reported_before_hang --timeout 5 --status 137
  --count ${INCONSISTENT} 1 --has "^signal_cases/[0-9]+ \\[in SIGALRM handler\\] takes:$"
  -- ${LOCKDEP} -- ${S} real_deadlock)
# Suppression kinds of the two titles.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/signal_supp.txt
  "inconsistent:takes_sig_lock\nsignal_order:g_safe_lock\n")
program_test(signal_suppressed --status 0 --clean
  -- ${LOCKDEP} --suppressions=${CMAKE_CURRENT_BINARY_DIR}/signal_supp.txt -- ${S} handler_and_main)
program_test(signal_order_suppressed --status 0 --clean
  -- ${LOCKDEP} --suppressions=${CMAKE_CURRENT_BINARY_DIR}/signal_supp.txt -- ${S} safe_unsafe_dependency)
program_test(signal_siglongjmp_fortified_clean --status 0 --clean --stdout "^jumped out$"
  -- ${LOCKDEP} -- $<TARGET_FILE:signal_cases_fortify> siglongjmp_then_lock)
program_test(signal_longjmp_fortified_clean --status 0 --clean
  --stdout "^SIGALRM blocked after longjmp: 1$"
  -- ${LOCKDEP} -- $<TARGET_FILE:signal_cases_fortify> longjmp_keeps_mask)
program_test(signal_altstack_siglongjmp_clean --status 0 --clean --stdout "^jumped out$"
  -- ${LOCKDEP} -- ${S} altstack_siglongjmp)
program_test(signal_sigsuspend_holding --status 66 --count ${INCONSISTENT} 1
  --has "^inconsistent \\{SIGALRM-ON-W\\} -> \\{IN-SIGALRM-W\\} usage\\.$"
  --has "^  sigsuspend_holding\\+0x" -- ${LOCKDEP} -- ${S} sigsuspend_holding)
