# Lock classes inferred by site (classes=site): class-level cycles that no
# instance cycle shows, and correct programs that nest locks of one class.
add_executable(classes_cases classes_cases.c)
target_link_libraries(classes_cases PRIVATE Threads::Threads)
target_compile_options(classes_cases PRIVATE -O1 -g)
add_executable(classes_cxx classes_cxx.cpp)
target_link_libraries(classes_cxx PRIVATE Threads::Threads)
target_compile_options(classes_cxx PRIVATE -O2 -g)

set(CLS $<TARGET_FILE:classes_cases>)
set(CLSXX $<TARGET_FILE:classes_cxx>)
set(BY_SITE "lock classes inferred by site: this run took different instances of these classes in opposite orders")

# ---- reported at the class level (no instance cycle in any) -----------------
program_test(classes_c_two_fields --status 66 --count ${CIRCULAR} 1 --count ${BY_SITE} 1
  --has "^of class: struct allocated at open_account\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[classes_cases\\], offset 0x8, initialised at account_init\\+"
  --has "^of class: struct allocated at open_account\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[classes_cases\\], offset 0x30, initialised at account_init\\+"
  --has "^-> #1 \\(struct allocated at open_account\\+.*offset 0x30" --has "^ +a_then_b\\+0x"
  --lacks "^-> #2" --stdout "^done"
  -- ${LOCKDEP} --classes=site -- ${CLS} two_fields)
program_test(classes_cxx_members --status 66 --count ${CIRCULAR} 1 --count ${BY_SITE} 1
  --has "^of class: struct allocated at .*open_account.*\\[classes_cxx\\], offset 0x8\\)?$"
  --has "^of class: struct allocated at .*open_account.*\\[classes_cxx\\], offset 0x30\\)?$"
  --stdout "^done" -- ${LOCKDEP} --classes=site -- ${CLSXX} members)
program_test(classes_three_types --status 66 --count ${CIRCULAR} 1 --count ${BY_SITE} 1
  --has "^-> #2 \\(struct allocated at new_" --lacks "^-> #3" --has "^Chain exists of:"
  --has "struct allocated at new_x\\+" --has "struct allocated at new_y\\+"
  --has "struct allocated at new_z\\+" --stdout "^done"
  -- ${LOCKDEP} --classes=site -- ${CLS} three_types)
# An instance cycle over the same classes is reported once, as an instance
# cycle (its lock names are instances, not classes).
program_test(classes_instance_report_covers_classes --status 66 --count ${CIRCULAR} 1
  --count ${BY_SITE} 0 --lacks "^of class:" --stdout "^done"
  -- ${LOCKDEP} --classes=site -- ${CLS} covered_by_instance)
# The same programs have no instance cycle: silent at the instance level.
program_test(classes_instance_level_misses_two_fields --status 0 --clean
  -- ${LOCKDEP} --classes=instance -- ${CLS} two_fields)
program_test(classes_instance_level_misses_three_types --status 0 --clean
  -- ${LOCKDEP} --classes=instance -- ${CLS} three_types)

# ---- clean at both levels ---------------------------------------------------
foreach(level site instance)
  program_test(classes_ordered_pairs_${level} --status 0 --clean --stdout "^done"
    -- ${LOCKDEP} --classes=${level} -- ${CLS} ordered_pairs)
  program_test(classes_hand_over_hand_${level} --status 0 --clean --stdout "^done"
    -- ${LOCKDEP} --classes=${level} -- ${CLS} hand_over_hand)
  program_test(classes_scoped_lock_both_ways_${level} --status 0 --clean --stdout "^done"
    -- ${LOCKDEP} --classes=${level} -- ${CLSXX} scoped_both_ways)
endforeach()
program_test(classes_stack_reuse_site --status 0 --clean --stdout "^done"
  -- ${LOCKDEP} --classes=site -- ${CLSXX} stack_reuse)
# Without classes the stack slots' old edges survive: the false report
# ThreadSanitizer users know, kept here to show what classes=site fixes.
program_test(classes_stack_reuse_instance_false_report --status 66 --count ${CIRCULAR} 1
  -- ${LOCKDEP} --classes=instance -- ${CLSXX} stack_reuse)

# ---- stats and options ------------------------------------------------------
program_test(classes_print_stats --status 66
  --has "^ site classes: +[0-9]+ inferred \\(for [0-9]+ lock instances\\), [1-9][0-9]* class dependencies"
  -- ${LOCKDEP} --classes=site --print_stats=1 -- ${CLS} three_types)
program_test(classes_bad_value --status 2 --has "classes"
  -- ${LOCKDEP} --classes=kernel -- ${CLS} two_fields)
