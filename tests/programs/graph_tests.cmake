# The learned graph: graph_path=, lockdep_dump_graph(), SIGUSR2, and
# `lockdep graph`. Each graph is parsed (check_graph.py, and Graphviz's dot)
# and checked for its nodes and edges.
add_executable(graph_cases graph_cases.c)
target_link_libraries(graph_cases PRIVATE Threads::Threads ${CMAKE_DL_LIBS})
target_compile_options(graph_cases PRIVATE -O1 -g)
set(GRAPH_CASES $<TARGET_FILE:graph_cases>)
set(GRAPH_RUN ${CMAKE_CURRENT_SOURCE_DIR}/graph_run.sh ${LOCKDEP})

function(graph_test name)
  add_test(NAME "graph: ${name}" COMMAND ${GRAPH_RUN} ${ARGN})
  set_tests_properties("graph: ${name}" PROPERTIES TIMEOUT 300)
endfunction()

# Heap locks first taken at one site collapse into one node (20 classes);
# the edges into them merge; nesting inside the site is not a cycle; the
# reported ABBA is drawn as a cycle, with the dependency that closed it.
graph_test(sites_collapsed_and_reported_cycle --status 66
  --graph @TMP/g.dot --graph lockdep_classes 23 --graph lockdep_cycles 1
    --node g_registry 1 --node @node_lock 20 --in-module @node_lock graph_cases
    --edge g_registry @node_lock nocycle count=20 --stack g_registry @node_lock "^node_lock\\+0x"
    --edge @node_lock @node_lock nesting nocycle
    --edge g_alpha g_beta cycle --edge g_beta g_alpha cycle closing --stack g_beta g_alpha "^nest\\+0x"
    --reported g_alpha --reported g_beta --not-reported g_registry --not-reported @node_lock %
  --summary @TMP/g.dot "^cycles: +1$" --summary @TMP/g.dot "#1 \\(reported\\): g_(alpha|beta) -> g_(beta|alpha) -> "
  --summary @TMP/g.dot "^  @node_lock \\(20 locks\\)$"
  -- ${LOCKDEP} --graph-path=@TMP/g.dot -- ${GRAPH_CASES} sites)

graph_test(api_dump_on_demand --status 0
  --stdout "^dump to a missing directory: -1 No such file or directory$"
  --graph @TMP/1.dot --edge g_alpha g_beta nocycle --no-edge g_beta g_gamma %
  --graph @TMP/2.dot --edge g_alpha g_beta --edge g_beta g_gamma --graph lockdep_cycles 0 %
  -- ${LOCKDEP} -- ${GRAPH_CASES} api @TMP/1.dot @TMP/2.dot)

graph_test(sigusr2_dumps_with_graph_path --status 0 --stdout "^after SIGUSR2: graph written$"
  --graph @TMP/g.dot --edge g_alpha g_beta --edge g_beta g_gamma %
  -- ${LOCKDEP} --graph-path=@TMP/g.dot -- ${GRAPH_CASES} signal @TMP/g.dot)
# The program's own SIGUSR2 handler, set after start-up, is the one that runs.
graph_test(sigusr2_program_handler_wins --status 0
  --stdout "^own handler ran: 1, after SIGUSR2: no graph$" --graph @TMP/g.dot --edge g_alpha g_beta %
  -- ${LOCKDEP} --graph-path=@TMP/g.dot -- ${GRAPH_CASES} own_handler @TMP/g.dot)
# SIGUSR2 ignored when the program starts: it stays ignored.
graph_test(sigusr2_ignored_stays_ignored --status 0 --stdout "^after SIGUSR2: no graph$"
  -- ${LOCKDEP} --graph-path=@TMP/g.dot -- sh -c "trap '' USR2 && exec ${GRAPH_CASES} signal @TMP/g.dot")
# Without graph_path, SIGUSR2 keeps its default action (the program dies).
graph_test(sigusr2_untouched_without_graph_path --status 140 --absent @TMP/g.dot
  -- ${LOCKDEP} -- ${GRAPH_CASES} signal @TMP/g.dot)

graph_test(clustered_by_module --status 0
  --graph @TMP/g.dot --module graph_cases --module libplugin.so
    --in-module g_plugin_lock libplugin.so --in-module g_registry graph_cases
    --edge g_plugin_lock g_registry nocycle %
  --summary @TMP/g.dot "^  libplugin.so +1 classes$"
  -- ${LOCKDEP} --graph-path=@TMP/g.dot -- ${GRAPH_CASES} plugin $<TARGET_FILE:plugin>)

graph_test(unwritable_graph_path --status 0
  --stderr "^lockdep: cannot write graph_path '/nonexistent-directory/g.dot': No such file or directory$"
  -- ${LOCKDEP} --graph-path=/nonexistent-directory/g.dot -- ${GRAPH_CASES} api @TMP/1.dot @TMP/2.dot)
