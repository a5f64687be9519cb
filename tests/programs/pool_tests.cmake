# Pools of real state sized by options (issue 11 item 3, issue 13 item 8):
# max_classes= and max_dependencies=. They use lock_chain, defined in
# perf_tests.cmake (included before this file: the files go in name order).

# lock_chain N records N-1 dependencies between N classes: past the limit,
# the BUG line and the hint once, checking stops (the final cycle is not
# reported), and the program runs to its end.
program_test(pool_max_dependencies_too_low --status 66 --lacks "${CIRCULAR}"
  --count "BUG: MAX_LOCKDEP_ENTRIES too low!" 1
  --count "turning off the locking correctness validator." 1
  --has "^lockdep: the limit was max_dependencies=100 \\(at most 4194304\\): a larger one keeps checking on$"
  --stdout "^chain of 1000 locks done"
  -- ${LOCKDEP} --max-dependencies=100 -- $<TARGET_FILE:lock_chain> 1000)
program_test(pool_max_classes_too_low --status 66 --lacks "${CIRCULAR}"
  --count "BUG: MAX_LOCKDEP_KEYS too low!" 1
  --has "^lockdep: the limit was max_classes=50 "
  --stdout "^chain of 1000 locks done"
  -- env LOCKDEP_OPTIONS=max_classes=50 ${LOCKDEP} -- $<TARGET_FILE:lock_chain> 1000)
# Within the limits: checked to the end, the cycle reported.
program_test(pool_limits_large_enough --status 66 --count ${CIRCULAR} 1 --lacks "^BUG:"
  --stdout "^chain of 1000 locks done"
  -- ${LOCKDEP} --max-classes=1000 --max-dependencies=1000 -- $<TARGET_FILE:lock_chain> 1000)
# Out of range: refused before the program runs.
program_test(pool_max_classes_out_of_range --status 2
  --has "^lockdep: bad value '0' for option 'max_classes': expected an integer from 1 to 1048576 \\(the static reservation\\)$"
  -- ${LOCKDEP} --max-classes=0 -- $<TARGET_FILE:lock_chain> 10)
program_test(pool_max_dependencies_out_of_range --status 2
  --has "^lockdep: bad value '5000000' for option 'max_dependencies'"
  -- env LOCKDEP_OPTIONS=max_dependencies=5000000 ${LOCKDEP} -- $<TARGET_FILE:lock_chain> 10)
