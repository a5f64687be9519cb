# Reports people can act on and tools can read (issue 10): source lines from
# the command's symbolizer, the SUMMARY line, JSON lines, `lockdep
# symbolize`, and the C++ helpers naming their caller.
add_executable(report_lines report_lines.c)
target_link_libraries(report_lines PRIVATE Threads::Threads)
target_compile_options(report_lines PRIVATE -O1 -g)
add_executable(report_cxx_lines_O0 report_cxx_lines.cpp)
target_link_libraries(report_cxx_lines_O0 PRIVATE lockdep Threads::Threads)
target_compile_options(report_cxx_lines_O0 PRIVATE -O0 -g)
add_executable(report_cxx_lines_O2 report_cxx_lines.cpp)
target_link_libraries(report_cxx_lines_O2 PRIVATE lockdep Threads::Threads)
target_compile_options(report_cxx_lines_O2 PRIVATE -O2 -g)

set(RL $<TARGET_FILE:report_lines>)
set(RL_LIB $<TARGET_FILE:lockdep>)
set(REPORT_DIR ${CMAKE_CURRENT_BINARY_DIR}/reports)
file(MAKE_DIRECTORY ${REPORT_DIR})
set(SCHEMA ${PROJECT_SOURCE_DIR}/docs/report.schema.json)
set(REPORT_CHECK ${CMAKE_CURRENT_SOURCE_DIR}/report_check.py)
set(ACQ "second_then_first\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[report_lines\\]")

# The command symbolizes: function+offset [module] (file:line), the exact
# line of the lock call, the inlined helper expanded, and #0 indented as
# the other dependencies.
program_test(report_source_lines --status 66 --count ${CIRCULAR} 1
  --has "^0x[0-9a-f]+ \\(g_first\\), at: ${ACQ} \\(/.*/tests/programs/report_lines\\.c:23\\)$"
  --has "\\(g_second\\), at: take_second \\[report_lines\\] \\(.*report_lines\\.c:11\\) inlined in ${ACQ} \\(.*report_lines\\.c:22\\)$"
  --has "^       first_then_second\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[report_lines\\] \\(.*report_lines\\.c:16\\)$"
  --has "^       thread_main\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[report_lines\\] \\(.*report_lines\\.c:30\\)$"
  --has-text "-> #0 (g_first):\n       second_then_first+"
  -- ${LOCKDEP} -- ${RL})
# The SUMMARY, exactly, at the end of the report.
program_test(report_summary_line --status 66
  --has "^SUMMARY: lockdep: possible circular locking dependency report_lines\\.c:23 in second_then_first$"
  --count "SUMMARY: " 1 -- ${LOCKDEP} -- ${RL})
program_test(report_summary_once_per_report --status 66 --count "SUMMARY: lockdep: " 1
  --count ${CIRCULAR} 1 -- ${LOCKDEP} -- ${RL} twice)
# Without the command, the report is formatted in the process, as before:
# function+offset [module], and a SUMMARY naming that frame.
program_test(report_in_process_format --status 0 --count ${CIRCULAR} 1
  --has "^0x[0-9a-f]+ \\(g_first\\), at: ${ACQ}$" --lacks "report_lines\\.c:"
  --has "^SUMMARY: lockdep: possible circular locking dependency ${ACQ}$"
  -- env LD_PRELOAD=${RL_LIB} ${RL})
# A program that closes the report socket: the report is printed in the
# process instead, not lost.
# (command_status_pipe_program_closes_fds in command_tests.cmake checks that
# the report is still printed; here its format says where it came from.)
program_test(report_socket_closed_printed_in_process --status 66 --count ${CIRCULAR} 1
  --has "^SUMMARY: lockdep: possible circular locking dependency [a-z_]+\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[command_cases\\]$"
  -- sh -c "exec ${LOCKDEP} -- $<TARGET_FILE:command_cases> close_fds_then_write ${REPORT_DIR}/data-file")

# libc's frames named from libc6-dbg's separate debug file (skipped, with a
# message, where it is not installed).
add_test(NAME "program: report_libc_frame_from_debug_file"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/libc_frame_test.sh ${CHECK} ${LOCKDEP} ${RL})
set_tests_properties("program: report_libc_frame_from_debug_file" PROPERTIES SKIP_RETURN_CODE 77)

# JSON lines: they parse, match docs/report.schema.json and the text report.
add_test(NAME "program: report_json_symbolized"
  COMMAND python3 ${REPORT_CHECK} --schema ${SCHEMA} --json ${REPORT_DIR}/symbolized.json
  --status 66 --symbolized --program report_lines
  -- ${LOCKDEP} --json-path=${REPORT_DIR}/symbolized.json -- ${RL})
add_test(NAME "program: report_json_in_process"
  COMMAND python3 ${REPORT_CHECK} --schema ${SCHEMA} --json ${REPORT_DIR}/in_process.json
  --status 0 -- env LD_PRELOAD=${RL_LIB} LOCKDEP_OPTIONS=json_path=${REPORT_DIR}/in_process.json ${RL})
add_test(NAME "program: report_json_stream"
  COMMAND python3 ${REPORT_CHECK} --schema ${SCHEMA} --stream --status 66
  -- ${LOCKDEP} --report-format=json -- ${RL})
add_test(NAME "program: report_json_other_kinds"
  COMMAND python3 ${REPORT_CHECK} --schema ${SCHEMA} --json ${REPORT_DIR}/misuse.json
  --status 66 --symbolized --program misuse_cases
  -- ${LOCKDEP} --json-path=${REPORT_DIR}/misuse.json -- $<TARGET_FILE:misuse_cases> main_exits_holding)
# The JSON frames carry file and line from the command.
program_test(report_json_has_lines --status 66
  --file ${REPORT_DIR}/lines.json "\"function\":\"second_then_first\",\"file\":\"[^\"]*report_lines\\.c\",\"line\":23"
  -- ${LOCKDEP} --json-path=${REPORT_DIR}/lines.json -- ${RL})

# symbolize=0 prints raw frames; `lockdep symbolize` finishes a saved one.
program_test(report_raw_frames --status 0 --count ${CIRCULAR} 1
  --has "^       \\(/.*/report_lines\\+0x[0-9a-f]+\\)$"
  --has "^SUMMARY: lockdep: possible circular locking dependency \\(/.*/report_lines\\+0x[0-9a-f]+\\)$"
  -- env LD_PRELOAD=${RL_LIB} LOCKDEP_OPTIONS=symbolize=0 ${RL})
program_test(report_symbolize_saved_raw_report --status 0 --count ${CIRCULAR} 1
  --has "^0x[0-9a-f]+ \\(g_first\\), at: ${ACQ} \\(.*report_lines\\.c:23\\)$"
  --has "^SUMMARY: lockdep: possible circular locking dependency report_lines\\.c:23 in second_then_first$"
  --lacks "\\(/.*\\+0x[0-9a-f]+\\)$"
  -- sh -c "LD_PRELOAD=${RL_LIB} LOCKDEP_OPTIONS=symbolize=0 ${RL} 2>${REPORT_DIR}/raw.txt && ${LOCKDEP} symbolize <${REPORT_DIR}/raw.txt >&2")

# The C++ helpers record their caller's line, at -O0 and -O2 alike; the
# full C++ names with parameters come from the command.
foreach(opt O0 O2)
  program_test(report_cxx_helpers_name_caller_${opt} --status 66 --count ${CIRCULAR} 1
    --has "^0x[0-9a-f]+ \\(accounts\\), at: audit_then_accounts\\(\\)\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[report_cxx_lines_${opt}\\] \\(.*report_cxx_lines\\.cpp:29\\)$"
    --has "^0x[0-9a-f]+ \\(audit\\), at: audit_then_accounts\\(\\)\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[report_cxx_lines_${opt}\\] \\(.*report_cxx_lines\\.cpp:28\\)$"
    --lacks "at: .*lockdep\\.hpp"
    -- ${LOCKDEP} -- $<TARGET_FILE:report_cxx_lines_${opt}>)
  program_test(report_cxx_helpers_in_process_${opt} --status 0 --count ${CIRCULAR} 1
    --has "^0x[0-9a-f]+ \\(accounts\\), at: audit_then_accounts\\+0x"
    -- $<TARGET_FILE:report_cxx_lines_${opt}>)
endforeach()

# A program the program runs (follow_children) hands its report to the
# command too: symbolized, with its own SUMMARY.
program_test(report_exec_child_symbolized --status 66 --count ${CIRCULAR} 1
  --has "^SUMMARY: lockdep: possible circular locking dependency report_lines\\.c:23 in second_then_first$"
  -- ${LOCKDEP} -- sh -c "${RL}; true")
# ... and a saved JSON line of a raw report gains files, lines and the
# symbolized SUMMARY.
program_test(report_symbolize_saved_json --status 0
  --file ${REPORT_DIR}/raw_symbolized.json "\"function\":\"second_then_first\",\"file\":\"[^\"]*report_lines\\.c\",\"line\":23"
  --file ${REPORT_DIR}/raw_symbolized.json "\"summary\":\"SUMMARY: lockdep: possible circular locking dependency report_lines\\.c:23 in second_then_first\""
  -- sh -c "rm -f ${REPORT_DIR}/raw.json && LD_PRELOAD=${RL_LIB} LOCKDEP_OPTIONS=symbolize=0:json_path=${REPORT_DIR}/raw.json ${RL} 2>/dev/null && ${LOCKDEP} symbolize <${REPORT_DIR}/raw.json >${REPORT_DIR}/raw_symbolized.json")

# Bad values stop the program before it runs, naming the option.
program_test(report_json_path_unusable --status 2
  --has "^lockdep: cannot open json_path '/nonexistent-dir/r.json': No such file or directory$"
  -- ${LOCKDEP} --json-path=/nonexistent-dir/r.json -- ${RL})
program_test(report_format_bad_value --status 2
  --has "^lockdep: bad value 'xml' for option 'report_format': expected text or json$"
  -- ${LOCKDEP} --report-format=xml -- ${RL})
# json_path=%p: one file per process, also when the command writes them.
program_test(report_json_path_per_pid --status 0
  --file ${REPORT_DIR}/per-pid.json.ok "\"kind\":\"circular\""
  -- sh -c "rm -f ${REPORT_DIR}/per-pid.* && ${LOCKDEP} --json-path=${REPORT_DIR}/per-pid.%p -- ${RL} || cat ${REPORT_DIR}/per-pid.[0-9]* >${REPORT_DIR}/per-pid.json.ok")

# LOCKDEP_THIS_IP is looked up at the address itself, not one byte before
# it (which lies in the statement before).
add_executable(report_api_lines report_api_lines.c)
target_link_libraries(report_api_lines PRIVATE lockdep)
target_compile_options(report_api_lines PRIVATE -O0 -g)
program_test(report_this_ip_line --status 66 --count ${CIRCULAR} 1
  --has "^0x[0-9a-f]+ \\(api_a\\), at: main\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[report_api_lines\\] \\(.*report_api_lines\\.c:20\\)$"
  --has "^0x[0-9a-f]+ \\(api_b\\), at: main\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[report_api_lines\\] \\(.*report_api_lines\\.c:19\\)$"
  -- ${LOCKDEP} -- $<TARGET_FILE:report_api_lines>)

# A daemon that reports after the command exited prints its report itself.
program_test(report_after_command_exited --status 0 --count ${CIRCULAR} 1
  --has "^SUMMARY: lockdep: possible circular locking dependency ${ACQ}$"
  -- ${CMAKE_CURRENT_SOURCE_DIR}/report_after_command.sh ${LOCKDEP} ${RL})
