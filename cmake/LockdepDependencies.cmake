# Every dependency is a Debian 12 package (see README "Dependencies").
find_package(PkgConfig REQUIRED)
# liburcu-dev for its header-only parts (barriers, uatomic, the RCU hlist):
# the validator's RCU is its own (src/core/rcu.*), and nothing links a
# liburcu shared library, so a host's liburcu is never shared with it.
pkg_check_modules(URCU REQUIRED liburcu>=0.13)
add_library(lockdep_urcu_headers INTERFACE)
target_include_directories(lockdep_urcu_headers INTERFACE ${URCU_INCLUDE_DIRS})
pkg_check_modules(LIBUNWIND REQUIRED IMPORTED_TARGET libunwind>=1.6)
find_package(Boost 1.74 REQUIRED)  # Boost.Container's static_vector is header-only
find_package(Threads REQUIRED)
if(LOCKDEP_BUILD_TESTS)
  find_package(Catch2 2.13 REQUIRED)
endif()
if(LOCKDEP_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
