# Failures found by running real programs under lockdep (issue 13).
add_executable(real_world_cases real_world_cases.c)
target_link_libraries(real_world_cases PRIVATE Threads::Threads ${CMAKE_DL_LIBS})
target_compile_options(real_world_cases PRIVATE -O1 -g)
add_library(plugin_ab SHARED plugin_ab.c)
set_target_properties(plugin_ab PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/plugin_ab)
target_link_libraries(plugin_ab PRIVATE Threads::Threads)
set(RW $<TARGET_FILE:real_world_cases>)

# ld.so unmaps a closed module itself: its locks must be forgotten all the same.
program_test(dlclose_forgets_module_locks --status 0 --clean --stdout "loads: 2000, at the first address: 2000"
  -- ${LOCKDEP} -- ${RW} dlclose_reload $<TARGET_FILE:plugin_ab> 2000)
program_test(dlopen_relative_path_names --status 66 --count ${CIRCULAR} 1
  --has "\\(g_plugin_a\\)" --has "\\(g_plugin_b\\)" --has "plugin_take\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[libplugin_ab.so\\]"
  -- ${LOCKDEP} -- ${RW} dlopen_relative $<TARGET_FILE_DIR:plugin_ab>)
# Locks in 60,000 different 2 MiB regions over time, at most one alive.
program_test(locks_in_60000_regions --status 0 --clean --stdout "regions used: 60000"
  --has "validator: +on" -- ${LOCKDEP} --print-stats -- ${RW} many_regions 60000)
