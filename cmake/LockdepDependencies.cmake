# Every dependency is a Debian 12 package (see README "Dependencies").
find_package(PkgConfig REQUIRED)
pkg_check_modules(URCU_BP REQUIRED IMPORTED_TARGET liburcu-bp>=0.13)
pkg_check_modules(LIBUNWIND REQUIRED IMPORTED_TARGET libunwind>=1.6)
find_package(Boost 1.74 REQUIRED)  # Boost.Container's static_vector is header-only
find_package(Threads REQUIRED)
if(LOCKDEP_BUILD_TESTS)
  find_package(Catch2 2.13 REQUIRED)
endif()
if(LOCKDEP_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
