# Whether the compilers can build and link a -fsanitize=thread program (the
# ThreadSanitizer column of tools/bench/table.sh). Included by
# tools/bench/CMakeLists.txt and tests/programs/bench_tests.cmake, whichever
# comes first; the result is cached.
include(CheckCSourceCompiles)
include(CheckCXXSourceCompiles)
set(CMAKE_REQUIRED_FLAGS -fsanitize=thread)
set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=thread)
check_c_source_compiles("int main(void) { return 0; }" LOCKDEP_BENCH_HAVE_TSAN_C)
check_cxx_source_compiles("int main() { return 0; }" LOCKDEP_BENCH_HAVE_TSAN_CXX)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(LOCKDEP_BENCH_HAVE_TSAN_C AND LOCKDEP_BENCH_HAVE_TSAN_CXX)
  set(LOCKDEP_BENCH_TSAN ON)
else()
  set(LOCKDEP_BENCH_TSAN OFF)
endif()
