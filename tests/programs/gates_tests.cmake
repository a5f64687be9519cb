# Gate locks (issue 9, part 1): an inversion taken only under one common
# exclusive lock is not reported; an ungated occurrence is.
add_executable(gate_cases gate_cases.c)
target_link_libraries(gate_cases PRIVATE Threads::Threads)
# -O0: every call keeps its frame, so the stacks name the source's functions.
target_compile_options(gate_cases PRIVATE -O0 -g)
set(GATE $<TARGET_FILE:gate_cases>)

# The gated cycle is seen, and deliberately not reported.
program_test(gate_two_threads --status 0 --clean --has "^ gated cycles: +1 not reported"
  -- ${LOCKDEP} --print-stats -- ${GATE} two_threads)
program_test(gate_three_threads --status 0 --clean -- ${LOCKDEP} -- ${GATE} three_threads)
# Reported at the ungated step: its stack, its held locks (no gate), once.
program_test(gate_ungated_after_gated --status 66 --count ${CIRCULAR} 1
  --stdout "^gated steps done$"
  --has "^ +ungated_step\\+0x" --lacks "\\(g_gate\\)"
  --has "^1 lock held by gate_cases/" --has "^ #0: 0x[0-9a-f]+ \\(g_b\\)"
  --has "^0x[0-9a-f]+ \\(g_a\\), at: lock2" --has "^0x[0-9a-f]+ \\(g_b\\), at: lock2"
  -- ${LOCKDEP} -- ${GATE} ungated_after_gated)
program_test(gate_read_side_does_not_guard --status 66 --count ${CIRCULAR} 1
  -- ${LOCKDEP} -- ${GATE} read_gate)
# The two gated dependencies are one thread's stack: a real deadlock.
program_test(gate_stack_then_ungated --status 66 --count ${CIRCULAR} 1 --has "^ +c_then_a\\+0x"
  -- ${LOCKDEP} -- ${GATE} gated_stack_then_ungated)
program_test(gate_taken_by_trylock --status 0 --clean -- ${LOCKDEP} -- ${GATE} trylock_gate)
program_test(gate_reinitialised --status 0 --clean -- ${LOCKDEP} -- ${GATE} gate_reinitialised)
program_test(gate_other_lock_is_no_gate --status 66 --count ${CIRCULAR} 1
  -- ${LOCKDEP} -- ${GATE} other_lock_is_no_gate)
