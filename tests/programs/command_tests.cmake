# The `lockdep` command: exit statuses, options, log_path, children, the
# status pipe, and programs lockdep cannot check (which must never look
# clean). Real binaries built here: static, AddressSanitizer, ThreadSanitizer.
add_executable(command_cases command_cases.c)
target_link_libraries(command_cases PRIVATE Threads::Threads)
target_compile_options(command_cases PRIVATE -O1 -g)
add_executable(command_cases_static command_cases.c)
target_compile_options(command_cases_static PRIVATE -O1 -g)
target_link_options(command_cases_static PRIVATE -static -pthread)
add_executable(command_cases_asan command_cases.c)
target_compile_options(command_cases_asan PRIVATE -O1 -g -fsanitize=address)
target_link_options(command_cases_asan PRIVATE -fsanitize=address -pthread)
add_executable(command_cases_tsan command_cases.c)
target_compile_options(command_cases_tsan PRIVATE -O1 -g -fsanitize=thread)
target_link_options(command_cases_tsan PRIVATE -fsanitize=thread -pthread)
add_executable(command_static_names command_static_names.cpp)
target_link_libraries(command_static_names PRIVATE Threads::Threads)
target_compile_options(command_static_names PRIVATE -O1 -g)

set(CMD $<TARGET_FILE:command_cases>)
set(CMD_DIR ${CMAKE_CURRENT_BINARY_DIR}/command-tests)
set(NOTHING "nothing was checked in '")

# ---- 7.1 nothing checked never looks clean -----------------------------------
program_test(command_static_binary_nothing_checked --status 65 --stdout "abba done"
  --has "^lockdep: nothing was checked in '.*command_cases_static': it is a static binary"
  -- ${LOCKDEP} -- $<TARGET_FILE:command_cases_static> abba)
program_test(command_setuid_binary_nothing_checked --status 65
  --has "^lockdep: nothing was checked in '.*setuid-copy': it is a setuid/setgid program"
  -- sh -c "rm -rf ${CMD_DIR}/setuid && mkdir -p ${CMD_DIR}/setuid && cp ${CMD} ${CMD_DIR}/setuid/setuid-copy && chown nobody ${CMD_DIR}/setuid/setuid-copy && chmod 4755 ${CMD_DIR}/setuid/setuid-copy && exec ${LOCKDEP} -- ${CMD_DIR}/setuid/setuid-copy abba")
program_test(command_missing_library_nothing_checked --status 65 --stdout "abba done"
  --has "^lockdep: nothing was checked in '.*command_cases': the library LOCKDEP_LIBRARY=/nonexistent/liblockdep.so does not exist"
  -- env LOCKDEP_LIBRARY=/nonexistent/liblockdep.so ${LOCKDEP} -- ${CMD} abba)
program_test(command_unloadable_library_nothing_checked --status 65
  --has "^lockdep: nothing was checked in '.*command_cases': the library LOCKDEP_LIBRARY=${CMAKE_CURRENT_SOURCE_DIR}/command_cases.c is not a loadable shared library"
  -- env LOCKDEP_LIBRARY=${CMAKE_CURRENT_SOURCE_DIR}/command_cases.c ${LOCKDEP} -- ${CMD} abba)
program_test(command_checked_program_is_not_nothing_checked --status 0 --clean --lacks "nothing was checked"
  --stdout "clean done" -- ${LOCKDEP} -- ${CMD} clean)
program_test(command_cannot_run --status 127 --has "^lockdep: cannot run '/nonexistent/program'"
  --lacks "nothing was checked" -- ${LOCKDEP} -- /nonexistent/program)

# ---- 7.7 sanitizer-built programs --------------------------------------------
program_test(command_asan_program_checked --status 66 --count ${CIRCULAR} 1 --stdout "abba done"
  --has "\\(g_queue_lock\\)" --lacks "AddressSanitizer" --lacks "nothing was checked"
  -- ${LOCKDEP} -- $<TARGET_FILE:command_cases_asan> abba)
# A user's own LD_PRELOAD of the ASan runtime (gcc-12's libasan.so.8) is kept first.
program_test(command_user_preloaded_asan_stays_first --status 66 --count ${CIRCULAR} 1
  --lacks "ASan runtime does not come first" --lacks "nothing was checked"
  -- env LD_PRELOAD=libasan.so.8 ASAN_OPTIONS=detect_leaks=0 ${LOCKDEP} -- ${CMD} abba)
program_test(command_tsan_program_refused --status 65 --clean
  --has "^lockdep: nothing was checked in '.*command_cases_tsan': it is built with ThreadSanitizer"
  -- ${LOCKDEP} -- $<TARGET_FILE:command_cases_tsan> abba)
# ThreadSanitizer's own deadlock detector reports the ABBA (its exitcode is
# 66 too); before, the run died of SIGSEGV at the thread's exit.
program_test(command_tsan_program_plain_preload_does_not_crash_at_thread_exit --status 66
  --stdout "abba done" --count ${CIRCULAR} 0 --has "ThreadSanitizer: lock-order-inversion"
  --has "^lockdep: ThreadSanitizer's runtime is in this process. lockdep is off in it"
  -- env LD_PRELOAD=${LIB} $<TARGET_FILE:command_cases_tsan> abba)
# With ThreadSanitizer's own deadlock detector off, the run is clean: no
# crash at thread exit, and lockdep says it is off.
program_test(command_tsan_program_plain_preload_does_not_crash --status 0 --clean --stdout "abba done"
  --has "^lockdep: ThreadSanitizer's runtime is in this process. lockdep is off in it"
  -- env TSAN_OPTIONS=detect_deadlocks=0 LD_PRELOAD=${LIB} $<TARGET_FILE:command_cases_tsan> abba)

# ---- 7.2 option values are not rewritten -------------------------------------
program_test(option_log_path_value_keeps_dashes --status 66 --clean
  --file ${CMD_DIR}/my-dir/my-report.log "^WARNING: possible circular"
  -- sh -c "rm -rf ${CMD_DIR}/my-dir ${CMD_DIR}/my_dir && mkdir -p ${CMD_DIR}/my-dir && exec ${LOCKDEP} --log-path=${CMD_DIR}/my-dir/my-report.log -- ${CMD} abba")

# ---- 7.3 log_path: unusable is an error, %p, children ------------------------
program_test(option_log_path_directory --status 2 --lacks "abba done"
  --has "^lockdep: cannot open log_path '${CMD_DIR}': Is a directory$"
  -- sh -c "mkdir -p ${CMD_DIR} && exec ${LOCKDEP} --log-path=${CMD_DIR} -- ${CMD} abba")
program_test(option_log_path_missing_directory --status 2
  --has "^lockdep: cannot open log_path '/nonexistent-dir/r.log': No such file or directory$"
  -- ${LOCKDEP} --log-path=/nonexistent-dir/r.log -- ${CMD} abba)
program_test(option_log_path_per_pid_missing_directory --status 2
  --has "^lockdep: cannot open log_path '/nonexistent-dir': No such file or directory$"
  -- ${LOCKDEP} --log-path=/nonexistent-dir/r.%p.log -- ${CMD} abba)
program_test(option_log_path_unusable_in_plain_preload --status 2 --lacks "abba done"
  --has "^lockdep: cannot open log_path '/nonexistent-dir/r.log': No such file or directory$"
  -- env LOCKDEP_OPTIONS=log_path=/nonexistent-dir/r.log LD_PRELOAD=${LIB} ${CMD} abba)
program_test(option_log_path_no_permission --status 2
  --has "^lockdep: cannot open log_path '/root/lockdep-test.log': Permission denied$"
  -- setpriv --reuid=nobody --regid=nogroup --clear-groups ${LOCKDEP} --log-path=/root/lockdep-test.log -- ${CMD} abba)
program_test(option_log_path_per_pid --status 66 --clean
  --stdout "^r\\.[0-9]+\\.log$" --stdout "^WARNING: possible circular"
  -- sh -c "rm -rf ${CMD_DIR}/pid-logs && mkdir -p ${CMD_DIR}/pid-logs
    ${LOCKDEP} --log-path=${CMD_DIR}/pid-logs/r.%p.log -- ${CMD} abba >/dev/null
    rc=$?
    ls ${CMD_DIR}/pid-logs && cat ${CMD_DIR}/pid-logs/r.*.log
    exit $rc")
# A forked child writes to its own file: the parent's (created at start-up)
# stays empty, the child's has the report.
program_test(option_log_path_per_pid_forked_child --status 66 --clean
  --stdout "^r\\.[0-9]+\\.log:0$" --stdout "^r\\.[0-9]+\\.log:1$" --stdout "^files: 2$"
  -- sh -c "rm -rf ${CMD_DIR}/fork-logs && mkdir -p ${CMD_DIR}/fork-logs && cd ${CMD_DIR}/fork-logs
    ${LOCKDEP} --log-path=r.%p.log -- ${CMD} fork_abba >/dev/null
    rc=$?
    grep -c '^WARNING: possible circular' r.*.log
    echo files: $(ls | wc -l)
    exit $rc")
program_test(option_follow_children_default --status 66 --count ${CIRCULAR} 1
  -- ${LOCKDEP} -- sh -c "${CMD} abba || true")
program_test(option_follow_children_0 --status 0 --clean --stdout "abba done"
  -- ${LOCKDEP} --follow-children=0 -- sh -c "${CMD} abba || true")
program_test(option_follow_children_0_still_checks_the_program --status 66 --count ${CIRCULAR} 1
  -- ${LOCKDEP} --follow-children=0 -- ${CMD} abba)

# ---- 7.4 / 13.11 separators, booleans, the space form, trimming ---------------
program_test(option_separators_like_the_sanitizers --status 42 --count ${CIRCULAR} 1
  --has "^lockdep [0-9.]+: validator on" --has "validator: +on"
  -- env "LOCKDEP_OPTIONS=exitcode=42, verbosity=1  print_stats=true:max_reports=1" ${LOCKDEP} -- ${CMD} abba)
program_test(option_trailing_space_accepted --status 66 --count ${CIRCULAR} 1
  -- env "LOCKDEP_OPTIONS=max_reports=1 " ${LOCKDEP} -- ${CMD} abba)
program_test(option_space_after_equals_rejected --status 2
  --has "^lockdep: bad value '' for option 'exitcode': expected an integer from 1 to 255$"
  -- env "LOCKDEP_OPTIONS=exitcode= 7" ${LOCKDEP} -- ${CMD} abba)
program_test(option_boolean_words --status 66 --count ${CIRCULAR} 1 --lacks "abba done"
  -- env "LOCKDEP_OPTIONS=halt_on_error=yes print_stats=no" ${LOCKDEP} -- ${CMD} abba)
program_test(option_space_form_flag --status 66 --clean
  --file "${CMD_DIR}/space form/r.log" "^WARNING: possible circular"
  -- sh -c "rm -rf '${CMD_DIR}/space form' && mkdir -p '${CMD_DIR}/space form' && exec ${LOCKDEP} --log-path '${CMD_DIR}/space form/r.log' --exitcode 66 -- ${CMD} abba")
program_test(option_space_form_flag_without_value --status 2
  --has "^lockdep: option '--exitcode' needs a value: --exitcode=VALUE or --exitcode VALUE$"
  -- ${LOCKDEP} --exitcode)

# ---- 7.5 the crash wins --------------------------------------------------------
program_test(command_crash_after_report_wins --status 139 --count ${CIRCULAR} 1
  -- ${LOCKDEP} -- ${CMD} abba_then_crash)

# ---- 7.6 plain LD_PRELOAD can fail CI ------------------------------------------
program_test(option_fail_at_exit_plain_preload --status 66 --count ${CIRCULAR} 1
  --stdout "^buffered output$" --stdout "^atexit handler ran$" --stdout "^destructor ran$"
  -- env LOCKDEP_OPTIONS=fail_at_exit=1 COMMAND_CASES_DESTRUCTOR=1 LD_PRELOAD=${LIB} ${CMD} abba_then_exit)
program_test(option_fail_at_exit_uses_exitcode --status 9 --count ${CIRCULAR} 1
  -- env "LOCKDEP_OPTIONS=fail_at_exit=1,exitcode=9" LD_PRELOAD=${LIB} ${CMD} abba_then_exit)
program_test(option_fail_at_exit_clean_run_keeps_status --status 0 --clean --stdout "clean done"
  -- env LOCKDEP_OPTIONS=fail_at_exit=1 LD_PRELOAD=${LIB} ${CMD} clean)

# ---- 7.8 a copied pair of files works -------------------------------------------
program_test(command_finds_library_beside_itself --status 66 --count ${CIRCULAR} 1
  -- sh -c "rm -rf ${CMD_DIR}/copied-pair && mkdir -p ${CMD_DIR}/copied-pair && cp ${LOCKDEP} ${CMD_DIR}/copied-pair/ && cp -L ${LIB} ${CMD_DIR}/copied-pair/liblockdep.so && exec ${CMD_DIR}/copied-pair/lockdep -- ${CMD} abba")

# ---- 13.5 the status pipe never touches the program's files ----------------------
program_test(command_status_pipe_program_closes_fds --status 66 --count ${CIRCULAR} 1
  --stdout "^data intact$" --has "status pipe to the lockdep command is gone"
  -- sh -c "mkdir -p ${CMD_DIR} && exec ${LOCKDEP} -- ${CMD} close_fds_then_write ${CMD_DIR}/data-file")

program_test(command_status_pipe_program_closes_low_fds --status 66 --count ${CIRCULAR} 1
  --stdout "^data intact$" --lacks "status pipe"
  -- sh -c "mkdir -p ${CMD_DIR} && exec ${LOCKDEP} -- ${CMD} close_low_fds_then_write ${CMD_DIR}/data-file-2")

# ---- 13.11 unwritable reports, static C++ names ----------------------------------
program_test(option_log_path_dev_full --status 66
  --has "^lockdep: '.*command_cases': a report could not be written to /dev/full$"
  -- ${LOCKDEP} --log-path=/dev/full -- ${CMD} abba)
program_test(option_log_path_proc_version --status 66
  --has "^lockdep: '.*command_cases': a report could not be written to /proc/version$"
  -- ${LOCKDEP} --log-path=/proc/version -- ${CMD} abba)
program_test(option_log_path_dev_full_plain_preload --status 0
  --has "^lockdep: a report could not be written to /dev/full: No space left on device$"
  -- env LOCKDEP_OPTIONS=log_path=/dev/full LD_PRELOAD=${LIB} ${CMD} abba)
# The command prints the report on its own stderr (reports come to it
# through its socket): the program's closed stderr loses nothing.
program_test(command_report_to_closed_stderr --status 66 --count ${CIRCULAR} 1
  --has "^SUMMARY: lockdep: " --lacks "could not be written"
  -- ${LOCKDEP} -- sh -c "exec ${CMD} abba 2>&-")
program_test(command_static_cxx_names_demangled --status 66 --count ${CIRCULAR} 1
  --has "\\(log_mutex\\)" --has "\\(store::table\\)" --lacks "_ZL"
  -- ${LOCKDEP} -- $<TARGET_FILE:command_static_names>)

# ---- --help tells the exit statuses ------------------------------------------------
program_test(command_help_exit_statuses --status 0 --stdout "^  65 +nothing was checked"
  --stdout "^  128\\+N +the program died of signal N" --stdout "^  127 " --stdout "^  2 "
  --stdout "^  exitcode +a report was printed" --stdout "follow_children=0\\|1"
  -- ${LOCKDEP} --help)

# Every checked process pays for what liblockdep.so needs: libstdc++ would
# cost each process start about a millisecond.
program_test(command_library_does_not_need_libstdcxx --status 0 --has "NEEDED.*libc\\.so" --lacks "NEEDED.*libstdc\\+\\+"
  -- sh -c "readelf -d ${LIB} >&2")
