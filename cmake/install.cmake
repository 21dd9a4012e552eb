# install.cmake - the shared libraries and what `cmake --install` puts under a prefix: headers,
# libraries, the CLI, the stdlib, pkg-config files and the CMake package (hornet::hornet).
# Included by the top-level CMakeLists.txt once the object libraries and the CLI exist.
include(CMakePackageConfigHelpers)

# The SONAME comes from project(VERSION); hornet.h tells C code the same version.
file(STRINGS ${CMAKE_SOURCE_DIR}/include/hornet/hornet.h hn_h_version REGEX "#define HN_VERSION_STRING ")
if(NOT hn_h_version MATCHES "\"${PROJECT_VERSION}\"")
  message(FATAL_ERROR "project(VERSION ${PROJECT_VERSION}) but include/hornet/hornet.h has ${hn_h_version}")
endif()

# libhornet.so is the runtime alone. libhornetc.so is the compiler with the runtime inside:
# the compiler reaches runtime internals that libhornet.so does not export, and one copy of
# the runtime per process keeps its state in one place. A program links one of the two.
function(hn_shared_library t name)
  add_library(${t} SHARED ${ARGN})
  set_target_properties(${t} PROPERTIES OUTPUT_NAME ${name} EXPORT_NAME ${name}
      VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
  target_include_directories(${t} INTERFACE $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include>
                                            $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  # what static archives bring in (LLVM's components where there is no libLLVM) stays inside
  target_link_options(${t} PRIVATE -Wl,--exclude-libs,ALL)
  if(NOT HN_SANITIZE AND NOT HN_FUZZ)  # the sanitizer runtimes come with the executable
    target_link_options(${t} PRIVATE -Wl,--no-undefined)
  endif()
  add_library(hornet::${name} ALIAS ${t})
endfunction()

hn_shared_library(hornet_shared hornet $<TARGET_OBJECTS:hornet_obj>)
target_link_libraries(hornet_shared PRIVATE PkgConfig::PCRE2 PkgConfig::HS Threads::Threads m ${CMAKE_DL_LIBS})
hn_shared_library(hornetc_shared hornetc $<TARGET_OBJECTS:hornetc_obj> $<TARGET_OBJECTS:hornet_obj>)
target_link_libraries(hornetc_shared PRIVATE PkgConfig::PCRE2 PkgConfig::HS Threads::Threads PkgConfig::YAML ${HN_LLVM_LIBS} m)
# The CLI and libhornetc find libLLVM where it was linked from, built or installed; one
# RUNPATH for both, because CMake pads a build-tree RUNPATH it will rewrite at install time
# with an empty entry, and an empty entry means the current directory.
set_target_properties(hornet-cli hornetc_shared PROPERTIES INSTALL_RPATH "${LLVM_LIBRARY_DIR}"
                      BUILD_WITH_INSTALL_RPATH ON)

set(HN_STDLIB_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/hornet/stdlib)
set(HN_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/hornet)
install(TARGETS hornet-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS hornet_shared hornetc_shared EXPORT hornetTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/hornet DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(DIRECTORY stdlib/ DESTINATION ${HN_STDLIB_INSTALL_DIR})

# CMake: find_package(hornet) gives hornet::hornet and hornet::hornetc. Before 1.0 a minor
# version may change the API, so 0.1 does not satisfy a request for 0.2 nor the reverse.
install(EXPORT hornetTargets NAMESPACE hornet:: DESTINATION ${HN_CMAKE_INSTALL_DIR})
configure_package_config_file(cmake/hornetConfig.cmake.in ${CMAKE_BINARY_DIR}/pkg/hornetConfig.cmake
    INSTALL_DESTINATION ${HN_CMAKE_INSTALL_DIR} PATH_VARS CMAKE_INSTALL_INCLUDEDIR HN_STDLIB_INSTALL_DIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/pkg/hornetConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/pkg/hornetConfig.cmake ${CMAKE_BINARY_DIR}/pkg/hornetConfigVersion.cmake
        DESTINATION ${HN_CMAKE_INSTALL_DIR})

# pkg-config: the prefix is the one given at install time (cmake --install --prefix), so the
# .pc files are written by the install step itself; directories under it stay ${prefix}-relative.
function(hn_pc_dir var dir)
  if(IS_ABSOLUTE "${dir}")
    set(${var} "${dir}" PARENT_SCOPE)
  else()
    set(${var} "\${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
hn_pc_dir(HN_PC_LIBDIR ${CMAKE_INSTALL_LIBDIR})
hn_pc_dir(HN_PC_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR})
hn_pc_dir(HN_PC_STDLIBDIR ${HN_STDLIB_INSTALL_DIR})
set(HN_PC_PREFIX "@CMAKE_INSTALL_PREFIX@")  # filled in at install time
foreach(pc hornet hornetc)
  configure_file(cmake/${pc}.pc.in ${CMAKE_BINARY_DIR}/pkg/${pc}.pc.in @ONLY)
endforeach()
install(CODE "set(hn_pkg_dir \"${CMAKE_BINARY_DIR}/pkg\")")
install(CODE [[
  foreach(pc hornet hornetc)
    configure_file("${hn_pkg_dir}/${pc}.pc.in" "${hn_pkg_dir}/${pc}.pc" @ONLY)
  endforeach()
]])
install(FILES ${CMAKE_BINARY_DIR}/pkg/hornet.pc ${CMAKE_BINARY_DIR}/pkg/hornetc.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
