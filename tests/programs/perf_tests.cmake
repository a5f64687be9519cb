# Many locks and big graphs (issue 11 items 3 and 4, issue 13 item 8).

add_executable(lock_chain lock_chain.c)
target_link_libraries(lock_chain PRIVATE Threads::Threads)

# 600,000 locks in a chain: about 1.2 million held-lock stacks, more than
# the chain pool holds. Stacks whose dependencies the known-dependency table
# holds are no longer cached (the pool's eviction is tested in
# test_exhaustion); checking stays on and the closing cycle is reported.
program_test(perf_chain_pool_evicts --status 66 --count ${CIRCULAR} 1 --lacks "^BUG:"
  --stdout "^chain of 600000 locks done"
  -- ${LOCKDEP} -- $<TARGET_FILE:lock_chain> 600000)

# The benchmarks' own programs (tools/bench) exist only when they are built.
if(LOCKDEP_BUILD_BENCHMARKS)
  # A many-lock server with one real inversion: reported exactly once, and
  # nothing switches checking off.
  program_test(perf_many_locks_inject --status 66 --count ${CIRCULAR} 1 --lacks "^BUG:"
    --stdout "^300 locks, 4 threads: "
    -- ${LOCKDEP} -- $<TARGET_FILE:many_locks> 300 4 0.5 inject)
  # With 4 locks the workers take locks 0 and 1 together all the time: an
  # inversion injected on two of the workers' locks really deadlocked there
  # (killed after the report, 8 runs in 10), so it goes through a lock of
  # its own.
  program_test(perf_many_locks_inject_no_real_deadlock --timeout 20 --status 66
    --count ${CIRCULAR} 1 --lacks "^BUG:" --stdout "^4 locks, 4 threads: "
    -- ${LOCKDEP} -- $<TARGET_FILE:many_locks> 4 4 0.3 inject)

  # Smoke runs of the benchmarks at tiny sizes (no timing assertion).
  program_test(perf_bench_many_locks_smoke --status 0 --clean --stdout "^50 locks, 2 threads: "
    -- ${LOCKDEP} -- $<TARGET_FILE:many_locks> 50 2 0.1)
  foreach(shape chain dag)
    foreach(order asc desc)
      program_test(perf_bench_graph_growth_${shape}_${order} --status 0 --clean
        --stdout "^graph_growth n=200 ${shape} ${order}: .* enabled=1$"
        -- $<TARGET_FILE:graph_growth> 200 ${shape} ${order})
    endforeach()
  endforeach()
  program_test(perf_bench_graph_growth_close --status 0 --count ${CIRCULAR} 1
    --has "^-> #199 \\(growth" -- $<TARGET_FILE:graph_growth> 200 chain desc close)
endif()
