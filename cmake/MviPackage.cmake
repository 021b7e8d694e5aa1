# Installation: `cmake --install <build> --prefix <prefix>` installs
#   bin/mvi-host, bin/mvi                 the host and the CLI
#   include/mvi/                          the C ABI header and the C++ SDK
#   share/mvi/cmake/                      the CMake package: find_package(mvi) gives mvi::plugin_api,
#                                         mvi::sdk and mvi_add_plugin() (MviPlugin.cmake)
#   share/mvi/mvi_plugin.map              the version script of every plugin
#   etc/mvi/mvi-host.properties           the default host configuration
#   share/man/man1/                       the manual pages of mvi-host and mvi (MviDebian.cmake)
# The package is header-only and architecture-independent, hence under share/. The targets
# themselves are installed next to their definitions (host/, plugin_api/); this file writes the
# package around them.
include(CMakePackageConfigHelpers)

install(EXPORT mviTargets NAMESPACE mvi:: DESTINATION ${MVI_INSTALL_CMAKEDIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/mviConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/mviConfig.cmake
    INSTALL_DESTINATION ${MVI_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/mviConfigVersion.cmake
    VERSION ${PROJECT_VERSION}
    COMPATIBILITY SameMinorVersion
    ARCH_INDEPENDENT)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/mviConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/mviConfigVersion.cmake
        DESTINATION ${MVI_INSTALL_CMAKEDIR})

# The configuration as in the source tree (the Debian package installs its own, MviDebian.cmake).
install(FILES ${PROJECT_SOURCE_DIR}/config/mvi-host.properties
        DESTINATION ${CMAKE_INSTALL_SYSCONFDIR}/mvi COMPONENT prefix_config)

# The CLI (tools/cli).
if(TARGET mvi)
    install(TARGETS mvi RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
