set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_C_STANDARD 11)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE RelWithDebInfo)
endif()

option(LOCKDEP_WERROR "Treat warnings as errors" ON)
option(LOCKDEP_BUILD_TESTS "Build the tests" ON)
option(LOCKDEP_BUILD_BENCHMARKS "Build the benchmarks (Google Benchmark)" OFF)
set(LOCKDEP_SANITIZE "" CACHE STRING "Sanitizers for the whole build, e.g. address,undefined")

add_compile_options(-Wall -Wextra)
if(LOCKDEP_WERROR)
  add_compile_options(-Werror)
endif()
if(LOCKDEP_SANITIZE)
  # GCC 12 reports libstdc++'s own std::function (inside std::regex and
  # Catch2) as maybe-uninitialized once ASan instruments it: a false positive
  # of the sanitized build only, so only there is that one warning off.
  add_compile_options(-fsanitize=${LOCKDEP_SANITIZE} -fno-omit-frame-pointer
    -Wno-maybe-uninitialized)
  add_link_options(-fsanitize=${LOCKDEP_SANITIZE})
endif()
