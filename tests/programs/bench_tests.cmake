# Smoke runs of the benchmark table's programs (tools/bench, issue 11) at
# tiny sizes: each runs to the end with the documented status and output;
# no timing is asserted. They exist only when the benchmarks are built.
if(LOCKDEP_BUILD_BENCHMARKS)
  include(${PROJECT_SOURCE_DIR}/tools/bench/tsan_check.cmake)
  set(BENCH ${PROJECT_BINARY_DIR}/tools/bench)

  # The per-operation programs under lockdep: no report, one result line.
  foreach(mode pair nested4 std_mutex churn)
    program_test(bench_ops_${mode} --status 0 --clean
      --stdout "^ops_bench ${mode} n=20000 ns_per_op=[0-9.]+ maxrss_kib=[0-9]+$"
      -- ${LOCKDEP} -- ${BENCH}/ops_bench ${mode} 20000)
  endforeach()
  program_test(bench_ops_rest --status 0 --clean --stdout "^ops_bench rest n=0 ns_per_op=0 maxrss_kib=[0-9]+$"
    -- ${LOCKDEP} -- ${BENCH}/ops_bench rest)
  program_test(bench_ops_bad_mode --status 2 --has "^usage: ops_bench" -- ${BENCH}/ops_bench spin 10)

  # The big-graph programs: checking stays on to the end and the closing
  # cycle is reported, once; in the chain it is the 9-lock cycle.
  foreach(order asc desc)
    program_test(bench_lock_graph_chain_${order} --status 66 --count ${CIRCULAR} 1 --lacks "^BUG:"
      --has "^-> #8 " --lacks "^-> #9 "
      --stdout "^lock_graph n=1000 chain ${order} edges=999 ns_per_edge="
      --stdout "^closed: lock\\[999\\] then lock\\[991\\]$"
      -- ${LOCKDEP} -- ${BENCH}/lock_graph 1000 chain ${order})
    program_test(bench_lock_graph_dag_${order} --status 66 --count ${CIRCULAR} 1 --lacks "^BUG:"
      --has "^-> #1 " --stdout "^lock_graph n=1000 dag ${order} edges=3996 ns_per_edge="
      --stdout "^closed: lock\\[999\\] then lock\\[0\\]$"
      -- ${LOCKDEP} -- ${BENCH}/lock_graph 1000 dag ${order})
  endforeach()
  program_test(bench_lock_graph_bare --status 0 --lacks "." --stdout "^closed: lock\\[999\\] then lock\\[0\\]$"
    -- ${BENCH}/lock_graph 1000 dag asc)

  program_test(bench_fork --status 0 --clean --stdout "^20 forks: [0-9.]+ us per fork\\+wait, [0-9.]+ us CPU \\(parent and child\\)$"
    -- ${LOCKDEP} -- ${BENCH}/fork_bench 20)

  # The ThreadSanitizer twins run (the table's third column).
  if(LOCKDEP_BENCH_TSAN)
    program_test(bench_tsan_ops --status 0 --lacks "ThreadSanitizer"
      --stdout "^ops_bench nested4 n=20000 ns_per_op=" -- ${BENCH}/ops_bench_tsan nested4 20000)
    program_test(bench_tsan_lock_graph --status 66 --count "WARNING: ThreadSanitizer: lock-order-inversion" 1
      --stdout "^closed: " -- ${BENCH}/lock_graph_tsan 1000 chain asc)
    program_test(bench_tsan_many_locks --status 0 --lacks "ThreadSanitizer"
      --stdout "^50 locks, 2 threads: " -- ${BENCH}/many_locks_tsan 50 2 0.1)
    program_test(bench_tsan_fork --status 0 --lacks "ThreadSanitizer"
      --stdout "^5 forks: " -- ${BENCH}/fork_bench_tsan 5)
  endif()

  # The whole table at its smoke size: every row is there, with a number in
  # the lockdep column, the graph rows' closing cycle reported by lockdep,
  # and no failed cell. About 60 process starts: some 7 s on the idle 2-core
  # machine, past 60 s when it is shared by several full ctest runs, hence
  # the longer time limit.
  if(LOCKDEP_BENCH_TSAN)
    set(tsan_cell "[0-9.]+ [a-zµ]+ \\([0-9.]+x\\)")
  else()
    set(tsan_cell "n/a\\[\\^[0-9]+\\]")
  endif()
  set(lockdep_cell "[0-9.]+ [a-zµ]+ \\([0-9.]+x\\)")
  set(table_checks)
  foreach(label "lock\\+unlock pair, worker thread" "nested depth 4" "std::mutex \\+ lock_guard"
      "churn: malloc, init" "many-lock server: 16 threads" "many-lock server, 10,000 mutexes"
      "fork\\+wait after locks were freed")
    list(APPEND table_checks --stdout "^\\| ${label}[^|]* \\| [0-9.]+ [a-zµ]+ \\| ${lockdep_cell} \\| ${tsan_cell} \\|$")
  endforeach()
  foreach(label "churn max RSS" "memory at rest")
    list(APPEND table_checks --stdout "^\\| ${label}[^|]* \\| [0-9.]+ MiB \\| [0-9.]+ MiB \\([-+][0-9.]+\\) \\|")
  endforeach()
  foreach(label "10\\^3 locks taken in a chain" "10\\^3 locks in a random DAG, 4 edges each, ascending"
      "10\\^3 locks in a random DAG, 4 edges each, descending" "the chain built in descending order, 10\\^3")
    list(APPEND table_checks --stdout "^\\| ${label}[^|]* \\| [0-9.]+ s \\| [0-9.]+ s \\([0-9.]+x\\), cycle reported \\|")
  endforeach()
  program_test(bench_table_smoke --timeout 280 --status 0 ${table_checks}
    --stdout "^Load at start: `[^`]*load average" --stdout "^\\| dag desc \\| `lockdep --` \\| [0-9]+ \\|"
    --stdout "^Failed cells: 0$"
    -- ${PROJECT_SOURCE_DIR}/tools/bench/table.sh ${PROJECT_BINARY_DIR} smoke)
endif()
