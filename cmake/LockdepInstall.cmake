# Installation: the library with its CMake package and pkg-config file, the
# command, the man page and the documents; and `cpack -G DEB`.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Only the API and the interposed functions leave liblockdep.so (see the map).
set(LOCKDEP_VERSION_SCRIPT ${PROJECT_SOURCE_DIR}/cmake/liblockdep.map)
target_link_options(lockdep PRIVATE -Wl,--version-script=${LOCKDEP_VERSION_SCRIPT})
set_property(TARGET lockdep APPEND PROPERTY LINK_DEPENDS ${LOCKDEP_VERSION_SCRIPT})
set_target_properties(lockdep PROPERTIES EXPORT_NAME lockdep)

install(TARGETS lockdep EXPORT lockdepTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/lockdep DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# A consumer's include directories from an imported target are SYSTEM by
# default (so warnings of its own flags never point into our headers).
set(LOCKDEP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/lockdep)
install(EXPORT lockdepTargets NAMESPACE lockdep:: DESTINATION ${LOCKDEP_CMAKE_DIR})
configure_package_config_file(cmake/lockdepConfig.cmake.in
  ${PROJECT_BINARY_DIR}/lockdepConfig.cmake
  INSTALL_DESTINATION ${LOCKDEP_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_BINDIR)
# 0.x: a new minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/lockdepConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/lockdepConfig.cmake
  ${PROJECT_BINARY_DIR}/lockdepConfigVersion.cmake DESTINATION ${LOCKDEP_CMAKE_DIR})

# pkg-config: prefix relative to the .pc file's own directory.
file(RELATIVE_PATH LOCKDEP_PC_TO_PREFIX
  /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" LOCKDEP_PC_TO_PREFIX "${LOCKDEP_PC_TO_PREFIX}")
configure_file(cmake/lockdep.pc.in ${PROJECT_BINARY_DIR}/lockdep.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/lockdep.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(FILES docs/lockdep.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES README.md LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})

# cpack -G DEB (from the build directory): one package with the command, the
# library and the development files. Its run-time dependencies come from
# dpkg-shlibdeps, i.e. from what the binaries really link.
set(CPACK_PACKAGE_NAME lockdep)
set(CPACK_PACKAGE_VENDOR "lockdep for userspace")
set(CPACK_PACKAGE_CONTACT "lockdep maintainers <lockdep@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "lock-order validator for C and C++ programs (the Linux kernel's lockdep in userspace)")
set(CPACK_PACKAGE_DESCRIPTION
  "Finds lock-order bugs (ABBA deadlocks, recursive locking, bad unlocks) in\n\
pthread programs: `lockdep -- ./prog` preloads liblockdep.so into an unmodified\n\
program; <lockdep/lockdep.h> annotates custom locks. Reports use the kernel\n\
lockdep's format.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_RESOURCE_FILE_README ${PROJECT_SOURCE_DIR}/README.md)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# `lockdep graph FILE -o OUT.svg` renders with Graphviz when it is there.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS graphviz)
# The unit tests, examples and benchmarks are not installed; nothing else
# needs excluding.
include(CPack)
