# Whole-program tests of the validator's core edges: small thread stacks,
# deep nesting, the API from a dlopen'ed plugin, the API with bad arguments.
add_executable(core_cases core_cases.c)
target_link_libraries(core_cases PRIVATE Threads::Threads)
target_compile_options(core_cases PRIVATE -O1 -g)
add_library(api_plugin MODULE api_plugin.c)
target_link_libraries(api_plugin PRIVATE lockdep)
add_executable(dlopen_host dlopen_host.c)
target_link_libraries(dlopen_host PRIVATE Threads::Threads ${CMAKE_DL_LIBS})
add_executable(api_misuse api_misuse.c)
target_link_libraries(api_misuse PRIVATE lockdep)
target_compile_options(api_misuse PRIVATE -O1 -g)

set(CORE $<TARGET_FILE:core_cases>)
set(NOT_TRACKED "deeper locks of this thread are not tracked")

# ---- small stacks: lock, a report, deep nesting on 16 and 32 KiB stacks ------
program_test(core_small_stacks --status 66 --count ${CIRCULAR} 1
  --stdout "^16384-byte stack: ok" --stdout "^32768-byte stack: ok"
  --has "^ +(first_then_second|second_then_first)\\+0x"
  -- ${LOCKDEP} -- ${CORE} small_stacks)

# ---- deep nesting: a correct program holding many locks at once ------------
program_test(core_deep_nesting_310 --status 0 --clean --stdout "^held 310 locks"
  -- ${LOCKDEP} -- ${CORE} deep_nesting 310)
program_test(core_deep_nesting_1024 --status 0 --clean --stdout "^held 1024 locks"
  --lacks ${NOT_TRACKED} -- ${LOCKDEP} -- ${CORE} deep_nesting 1024)
program_test(core_past_depth_limit --status 66 --count ${NOT_TRACKED} 1 --count ${CIRCULAR} 1
  --lacks "^BUG:" --lacks "turning off" --lacks "bad unlock balance" --stdout "^still running"
  -- ${LOCKDEP} -- ${CORE} past_depth_limit)

# ---- per-thread state: taken back at thread exit and reused ----------------
program_test(core_thread_churn --status 0 --clean --stdout ": stable$"
  -- ${LOCKDEP} -- ${CORE} thread_churn)

# ---- the API from a plugin loaded with dlopen() (no preload) ----------------
program_test(core_dlopen_api_plugin --status 0 --count ${CIRCULAR} 1
  --has "\\(plugin_index\\)" --stdout "^reports: 1, on a thread: 1$"
  -- $<TARGET_FILE:dlopen_host> $<TARGET_FILE:api_plugin> plugin_abba)
find_program(SYSTEM_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(SYSTEM_PYTHON3)
  program_test(core_ctypes_api_plugin --status 0 --count ${CIRCULAR} 1 --stdout "^reports: 1$"
    -- ${SYSTEM_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/ctypes_plugin.py $<TARGET_FILE:api_plugin>
    plugin_abba)
endif()

# ---- the C API with bad arguments: one line per call site, no crash ---------
program_test(core_api_misuse --status 0 --stdout "^validator on: 1$" --count ${CIRCULAR} 1
  --count "lockdep_init_map() called with a NULL map" 1
  --count "lockdep_acquire() called with a NULL map" 1
  --count "lockdep_release() called with a NULL map" 1
  --count "lockdep_assert_held_at() called with a NULL map" 1
  --count "lockdep_reset_map() called with a NULL map" 1
  --count "lockdep_get_stats() called with a NULL pointer" 1
  --count "never initialised by lockdep_init_map()" 4
  --has "^lockdep: lockdep_release\\(\\) called with a map at 0x[0-9a-f]+ never initialised by lockdep_init_map\\(\\), at main\\+0x"
  -- $<TARGET_FILE:api_misuse>)
