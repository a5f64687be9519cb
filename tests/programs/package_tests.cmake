# Packaging: what liblockdep.so exports, the headers in strict builds, the man
# page, the installed tree consumed by downstream projects, the .deb.
set(INSTALL_TESTS ${PROJECT_SOURCE_DIR}/tests/install)

# The public headers compile cleanly with -Wpedantic -Werror as ordinary
# (not SYSTEM) includes, in the oldest and newest standards: a build error here.
foreach(std 90 99 11)
  add_library(header_pedantic_c${std} OBJECT ${INSTALL_TESTS}/pedantic.c)
  set_target_properties(header_pedantic_c${std} PROPERTIES C_STANDARD ${std} C_EXTENSIONS OFF)
endforeach()
foreach(std 11 17 20)
  add_library(header_pedantic_cxx${std} OBJECT ${INSTALL_TESTS}/pedantic.cpp)
  set_target_properties(header_pedantic_cxx${std} PROPERTIES CXX_STANDARD ${std} CXX_EXTENSIONS OFF)
endforeach()
foreach(t c90 c99 c11 cxx11 cxx17 cxx20)
  target_include_directories(header_pedantic_${t} PRIVATE ${PROJECT_SOURCE_DIR}/include)
  target_compile_options(header_pedantic_${t} PRIVATE -Wpedantic -Werror)
endforeach()

function(package_test name)
  add_test(NAME "package: ${name}" COMMAND ${ARGN})
  set_tests_properties("package: ${name}" PROPERTIES TIMEOUT 300)
endfunction()

package_test(exports_only_api_and_interposed
  ${INSTALL_TESTS}/check_exports.sh $<TARGET_FILE:lockdep> ${PROJECT_SOURCE_DIR}/include/lockdep/lockdep.h)
package_test(man_page ${INSTALL_TESTS}/check_man_page.sh ${PROJECT_SOURCE_DIR}/docs/lockdep.1 ${LOCKDEP})
package_test(install_and_consume
  ${INSTALL_TESTS}/consume_installed.sh ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR} ${C})
package_test(cpack_deb ${INSTALL_TESTS}/cpack_deb.sh ${PROJECT_BINARY_DIR} ${C})
