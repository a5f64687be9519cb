# Suppressions (issue 10) and the built-in list for runtimes that exit
# threads holding locks by design (issue 13, item 10).
add_library(suppress_plugin SHARED suppress_plugin.c)
target_link_libraries(suppress_plugin PRIVATE Threads::Threads)
# A stand-in named libjvm.so (not HotSpot): its threads return holding its
# mutex, as HotSpot's VM Thread does. The real JVM: tests/real/run.sh java.
add_library(fake_libjvm SHARED fake_libjvm.c)
set_target_properties(fake_libjvm PROPERTIES OUTPUT_NAME jvm
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/fake_jvm)
target_compile_options(fake_libjvm PRIVATE -O0)
target_link_libraries(fake_libjvm PRIVATE Threads::Threads)
add_executable(suppress_cases suppress_cases.c)
target_link_libraries(suppress_cases PRIVATE suppress_plugin fake_libjvm Threads::Threads)
target_compile_options(suppress_cases PRIVATE -O1 -g)
set(S $<TARGET_FILE:suppress_cases>)
set(EXIT_HELD "WARNING: thread still has locks held!")

set(SUPP ${CMAKE_CURRENT_BINARY_DIR}/suppressions)
function(suppression_file name text)
  file(WRITE ${SUPP}/${name} "${text}")
endfunction()
suppression_file(by_function "# the alpha/beta inversion\n\ncircular:invert_alpha_beta\n")
suppression_file(by_lock "  circular : g_gamma  \n")
suppression_file(by_module "circular:libsuppress_plugin.so\n")
suppression_file(by_wildcard "circular:invert_gam?a_*\n")
suppression_file(any_kind "*:g_b?ta\n")
suppression_file(all "circular:invert_*\n")
suppression_file(other_kind "recursive:invert_alpha_beta\nexit:g_alpha\n")
suppression_file(no_colon "# fine\ncircular:x\ncircular_invert_alpha_beta\n")
suppression_file(unknown_kind "\n\n\ncircle:invert_alpha_beta\n")
suppression_file(empty_pattern "circular:a\nrecursive:b\ncircular:   \n")
suppression_file(empty_acquired_in "exit:acquired_in=\n")
suppression_file(acquired_in_program "exit:acquired_in=suppress_cases\n")

# Each suppression hides exactly one of the two reports.
program_test(suppress_none_two_reports --status 66 --count ${CIRCULAR} 2
  -- ${LOCKDEP} -- ${S} two_cycles)
program_test(suppress_by_function --status 66 --count ${CIRCULAR} 1 --has "\\(g_gamma\\)"
  --lacks "\\(g_alpha\\)" -- ${LOCKDEP} --suppressions=${SUPP}/by_function -- ${S} two_cycles)
program_test(suppress_by_lock_name --status 66 --count ${CIRCULAR} 1 --has "\\(g_alpha\\)"
  --lacks "\\(g_gamma\\)" -- ${LOCKDEP} --suppressions=${SUPP}/by_lock -- ${S} two_cycles)
program_test(suppress_by_module --status 66 --count ${CIRCULAR} 1 --has "\\(g_alpha\\)"
  --lacks "g_plugin_first" -- ${LOCKDEP} --suppressions=${SUPP}/by_module -- ${S} cycle_and_plugin)
program_test(suppress_by_module_none --status 66 --count ${CIRCULAR} 2
  -- ${LOCKDEP} -- ${S} cycle_and_plugin)
program_test(suppress_by_wildcard --status 66 --count ${CIRCULAR} 1 --has "\\(g_alpha\\)"
  --lacks "\\(g_gamma\\)" -- ${LOCKDEP} --suppressions=${SUPP}/by_wildcard -- ${S} two_cycles)
program_test(suppress_any_kind --status 66 --count ${CIRCULAR} 1 --has "\\(g_gamma\\)"
  --lacks "\\(g_alpha\\)" -- ${LOCKDEP} --suppressions=${SUPP}/any_kind -- ${S} two_cycles)
# Rules of other kinds hide nothing, though their patterns match.
program_test(suppress_other_kind --status 66 --count ${CIRCULAR} 2
  -- ${LOCKDEP} --suppressions=${SUPP}/other_kind -- ${S} two_cycles)
# Suppressed reports are counted, and are not reports: all suppressed, the
# command exits 0 (no status byte), and plain LD_PRELOAD with fail_at_exit too.
program_test(suppress_counted_in_stats --status 66 --count ${CIRCULAR} 1
  --has "^ reports: +1$" --has "^ suppressed reports: +1 \\(circular 1\\)$"
  -- ${LOCKDEP} --print-stats --suppressions=${SUPP}/by_function -- ${S} two_cycles)
program_test(suppress_all_exit_zero --status 0 --clean --stdout "two_cycles done"
  --has "^ suppressed reports: +2 \\(circular 2\\)$"
  -- ${LOCKDEP} --print-stats --suppressions=${SUPP}/all -- ${S} two_cycles)
program_test(suppress_all_preload_fail_at_exit --status 0 --clean --stdout "two_cycles done"
  -- env LOCKDEP_OPTIONS=fail_at_exit=1:suppressions=${SUPP}/all LD_PRELOAD=${LIB} ${S} two_cycles)
program_test(suppress_preload_reports_rest --status 66 --count ${CIRCULAR} 1 --has "\\(g_gamma\\)"
  -- env LOCKDEP_OPTIONS=fail_at_exit=1:suppressions=${SUPP}/any_kind LD_PRELOAD=${LIB} ${S} two_cycles)
# A suppressed problem stays suppressed when it shows up again elsewhere.
program_test(suppress_problem_not_printed_later --status 0 --clean --stdout "same_problem_twice done"
  -- ${LOCKDEP} --suppressions=${SUPP}/by_function -- ${S} same_problem_twice)

# A bad file stops the start, naming the file and the line: under the command
# (before the program runs) and under plain LD_PRELOAD.
program_test(suppress_bad_no_colon --status 2 --lacks "done"
  --has "^lockdep: ${SUPP}/no_colon:3: expected KIND:PATTERN, got 'circular_invert_alpha_beta'$"
  -- ${LOCKDEP} --suppressions=${SUPP}/no_colon -- ${S} two_cycles)
program_test(suppress_bad_unknown_kind --status 2
  --has "^lockdep: ${SUPP}/unknown_kind:4: unknown kind 'circle' \\(kinds: circular, recursive, unlock, freed, exit, not_held, after_destroy, cond_unheld, cond_two_mutexes, inconsistent, signal_order, \\*\\)$"
  -- ${LOCKDEP} --suppressions=${SUPP}/unknown_kind -- ${S} two_cycles)
program_test(suppress_bad_empty_pattern --status 2
  --has "^lockdep: ${SUPP}/empty_pattern:3: empty pattern after 'circular:'$"
  -- ${LOCKDEP} --suppressions=${SUPP}/empty_pattern -- ${S} two_cycles)
program_test(suppress_bad_empty_acquired_in --status 2
  --has "^lockdep: ${SUPP}/empty_acquired_in:1: empty pattern after 'exit:'$"
  -- ${LOCKDEP} --suppressions=${SUPP}/empty_acquired_in -- ${S} two_cycles)
program_test(suppress_bad_missing_file --status 2
  --has "^lockdep: cannot read suppressions file '${SUPP}/missing': No such file or directory$"
  -- ${LOCKDEP} --suppressions=${SUPP}/missing -- ${S} two_cycles)
program_test(suppress_bad_file_preload --status 2 --count "lockdep:" 1 --lacks "done"
  --has "^lockdep: ${SUPP}/no_colon:3: expected KIND:PATTERN"
  -- env LOCKDEP_OPTIONS=suppressions=${SUPP}/no_colon LD_PRELOAD=${LIB} ${S} two_cycles)
program_test(suppress_bad_unknown_kind_preload --status 2 --has "^lockdep: ${SUPP}/unknown_kind:4: unknown kind"
  -- env LOCKDEP_OPTIONS=suppressions=${SUPP}/unknown_kind LD_PRELOAD=${LIB} ${S} two_cycles)
set(many "")
foreach(i RANGE 1 300)
  string(APPEND many "circular:f${i}\n")
endforeach()
suppression_file(many "${many}")
program_test(suppress_too_many_lines --status 2
  --has "^lockdep: ${SUPP}/many:257: more than 256 suppressions \\(the limit\\)$"
  -- ${LOCKDEP} --suppressions=${SUPP}/many -- ${S} two_cycles)

# The built-in list: a thread that exits holding only locks taken in
# libjvm.so is not reported; with default_suppressions=0 it is.
program_test(suppress_default_vm_thread_exit --status 0 --clean --stdout "vm_thread_exit done"
  --has "^ suppressed reports: +1 \\(exit 1\\)$"
  -- ${LOCKDEP} --print-stats -- ${S} vm_thread_exit)
program_test(suppress_default_off --status 66 --count ${EXIT_HELD} 1
  --has "at: vm_lock_and_return\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[libjvm.so\\]"
  -- ${LOCKDEP} --default-suppressions=0 -- ${S} vm_thread_exit)
program_test(suppress_default_off_preload --status 0 --count ${EXIT_HELD} 1
  -- env LOCKDEP_OPTIONS=default_suppressions=0 LD_PRELOAD=${LIB} ${S} vm_thread_exit)
# ... but a lock of the program's own still is, next to a VM lock, or taken
# in a callback that libjvm.so calls.
program_test(suppress_default_own_lock_reported --status 66 --count ${EXIT_HELD} 1
  --has "\\(g_own_lock\\), at: jni_thread\\+0x" --has "at: vm_lock_and_return\\+0x"
  -- ${LOCKDEP} -- ${S} jni_thread_exit)
program_test(suppress_default_callback_lock_reported --status 66 --count ${EXIT_HELD} 1
  --has "\\(g_own_lock\\), at: take_own_lock\\+0x"
  -- ${LOCKDEP} -- ${S} callback_thread_exit)
# acquired_in= in a user's file: every held lock taken in the program.
program_test(suppress_acquired_in_file --status 0 --clean
  -- ${LOCKDEP} --suppressions=${SUPP}/acquired_in_program -- ${S} callback_thread_exit)
program_test(suppress_acquired_in_file_partial --status 66 --count ${EXIT_HELD} 1
  -- ${LOCKDEP} --suppressions=${SUPP}/acquired_in_program -- ${S} jni_thread_exit)
# halt_on_error stops at the first printed report, not at a suppressed one.
program_test(suppress_halt_on_error_skips_suppressed --status 66 --count ${CIRCULAR} 1
  --has "\\(g_gamma\\)" --lacks "\\(g_alpha\\)"
  -- ${LOCKDEP} --halt-on-error --suppressions=${SUPP}/by_function -- ${S} two_cycles)
program_test(suppress_halt_on_error_all_suppressed --status 0 --clean --stdout "two_cycles done"
  -- ${LOCKDEP} --halt-on-error --suppressions=${SUPP}/all -- ${S} two_cycles)
# The command checks the file itself, before it tries to run the program.
program_test(suppress_bad_file_checked_by_command --status 2 --count "lockdep:" 1
  --has "^lockdep: ${SUPP}/no_colon:3: expected KIND:PATTERN"
  -- ${LOCKDEP} --suppressions=${SUPP}/no_colon -- /nonexistent/program)

# Every kind name reaches its report: a rule of that kind (and of no other)
# hides the report that the same program prints without it.
suppression_file(each_kind "recursive:*\nunlock:*\nfreed:*\nexit:g_main_lock\nafter_destroy:use_after_destroy\ncond_unheld:*\ncond_two_mutexes:g_m2\n")
suppression_file(circular_only "circular:*\n")
foreach(kind_case
    "recursive|${C}|aa_errorcheck" "freed|${C}|free_held" "exit|${M}|main_returns_holding"
    "after_destroy|${M}|use_after_destroy" "cond_unheld|${M}|cond_wait_unheld"
    "cond_two_mutexes|${M}|cond_two_mutexes" "unlock|${M}|repeated_misuse")
  string(REPLACE "|" ";" parts "${kind_case}")
  list(GET parts 0 kind)
  list(GET parts 1 program)
  list(GET parts 2 case)
  program_test(suppress_kind_${kind} --status 0 --clean
    --has "^ suppressed reports: +[0-9]+ \\(${kind} [0-9]+\\)$"
    -- ${LOCKDEP} --print-stats --suppressions=${SUPP}/each_kind -- ${program} ${case})
  program_test(suppress_kind_${kind}_other_rule --status 66 --has "^WARNING: "
    -- ${LOCKDEP} --suppressions=${SUPP}/circular_only -- ${program} ${case})
endforeach()
