# The lock fast path (issue 11, target 1): what it must not skip.
add_executable(hot_path_cases hot_path_cases.c)
target_link_libraries(hot_path_cases PRIVATE Threads::Threads)
set(HOT $<TARGET_FILE:hot_path_cases>)
# At the instance level: the static variables' site classes outlive the
# re-initialisation (the same variables taken both ways), and that report
# is another matter.
program_test(fast_path_forgets_steps_of_dead_classes --status 66 --count ${CIRCULAR} 1
  -- ${LOCKDEP} --classes=instance -- ${HOT} reinit_reversed)
program_test(fast_path_arms_exit_check_in_reused_block --status 66
  --count "WARNING: thread still has locks held!" 1 --has "\\(g_m\\)"
  -- ${LOCKDEP} -- ${HOT} exit_in_reused_block)
program_test(fast_path_trylock_step_is_not_a_lock_step --status 66 --count ${CIRCULAR} 1
  -- ${LOCKDEP} -- ${HOT} trylock_then_lock)

# Issue 11, target 2: 600,000 locks made and destroyed, at most two alive,
# stay within 32 MiB (slots are reused lowest first, hashes grow with the
# live set). Before: every lock took a fresh class and chain slot.
program_test(churn_memory_follows_live_locks --status 0 --clean --stdout "^max rss [0-9]+ KiB"
  -- ${LOCKDEP} -- ${HOT} churn_rss 600000 32)
