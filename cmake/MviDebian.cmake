# The Debian package: `cpack -G DEB` (or `cpack`) in the build folder writes mvi_<version>-1_<arch>.deb,
# which installs
#   /usr/bin/mvi-host, /usr/bin/mvi             the host and the CLI (stripped)
#   /usr/include/mvi/, /usr/share/mvi/cmake/    the SDK and its CMake package (find_package(mvi))
#   /usr/share/mvi/docs/, /usr/share/mvi/web/   the API viewer and the dashboard, found by the host
#                                               beside its executable (../share/mvi)
#   /etc/mvi/mvi-host.properties                the configuration (a conffile): data and plugins
#                                               under /var/lib/mvi, 127.0.0.1:8080, auth on
#   /lib/systemd/system/mvi-host.service        the hardened unit, and mvi-host.socket for socket
#                                               activation (config/systemd)
#   /usr/share/doc/mvi/                         README.md, copyright, changelog.Debian.gz
#   /usr/share/man/man1/                        mvi-host.1.gz, mvi.1.gz (config/man)
# and whose maintainer scripts (config/debian) create the mvi system user and /var/lib/mvi.
#
# What only the package installs is the `deb` component (left out of a plain `cmake --install`,
# which writes the configuration of config/ to <prefix>/etc/mvi instead); the package is the
# default component plus `deb`.

set(_deb_dir ${CMAKE_BINARY_DIR}/package)

# The packaged configuration: config/mvi-host.properties with the folders of a system service and
# auth on (every local user can reach 127.0.0.1, and whoever deploys runs code as mvi).
file(READ ${PROJECT_SOURCE_DIR}/config/mvi-host.properties _properties)
foreach(_setting "plugins.dir = var/plugins|plugins.dir = /var/lib/mvi/plugins"
                 "data.dir = var/data|data.dir = /var/lib/mvi/data"
                 "auth.enabled = auto|auth.enabled = true")
    string(REPLACE "|" ";" _setting "${_setting}")
    list(GET _setting 0 _from)
    list(GET _setting 1 _to)
    string(FIND "${_properties}" "\n${_from}\n" _at)
    if(_at EQUAL -1)
        message(FATAL_ERROR "config/mvi-host.properties has no line '${_from}' for the package")
    endif()
    string(REPLACE "\n${_from}\n" "\n${_to}\n" _properties "${_properties}")
endforeach()
string(PREPEND _properties
    "# Installed by the mvi Debian package (/etc/mvi/mvi-host.properties, read by mvi-host.service).\n"
    "# As the source tree's config/mvi-host.properties, but for a system service: the plugins and\n"
    "# data folders are under /var/lib/mvi, and auth is on (the administrator's password is\n"
    "# generated at the first start into /var/lib/mvi/data/admin_password). Restart after a change:\n"
    "# systemctl restart mvi-host\n#\n")
file(WRITE ${_deb_dir}/mvi-host.properties.new "${_properties}")
configure_file(${_deb_dir}/mvi-host.properties.new ${_deb_dir}/mvi-host.properties COPYONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${PROJECT_SOURCE_DIR}/config/mvi-host.properties)
install(FILES ${_deb_dir}/mvi-host.properties DESTINATION /etc/mvi COMPONENT deb EXCLUDE_FROM_ALL)

# The package's programs are stripped (CPACK_STRIP_FILES); like dh_strip, the compilers' .comment
# section goes too. The default component, installed first, put them there.
install(CODE "
    foreach(_program mvi-host mvi)
        execute_process(COMMAND \"${CMAKE_OBJCOPY}\" --remove-section=.comment
            \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/\${_program}\"
            COMMAND_ERROR_IS_FATAL ANY)
    endforeach()" COMPONENT deb EXCLUDE_FROM_ALL)

install(FILES ${PROJECT_SOURCE_DIR}/config/systemd/mvi-host.service
              ${PROJECT_SOURCE_DIR}/config/systemd/mvi-host.socket
        DESTINATION /lib/systemd/system COMPONENT deb EXCLUDE_FROM_ALL)

# The Debian changelog.
set(MVI_DEB_MAINTAINER
    "MVI for C++ maintainers <maintainers@users.noreply.r-seed-e0acc606.example>"
    CACHE STRING "Maintainer field of the Debian package")
string(TIMESTAMP _changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
file(WRITE ${_deb_dir}/changelog.Debian
    "mvi (${PROJECT_VERSION}-1) unstable; urgency=medium\n\n"
    "  * Package built from the MVI for C++ source tree with cpack -G DEB.\n\n"
    " -- ${MVI_DEB_MAINTAINER}  ${_changelog_date}\n")
# Compressed as Debian policy asks: gzip -9, without a time stamp (-n).
find_program(MVI_GZIP gzip REQUIRED)
set(_compressed "")
foreach(_file ${_deb_dir}/changelog.Debian ${PROJECT_SOURCE_DIR}/config/man/mvi-host.1
              ${PROJECT_SOURCE_DIR}/config/man/mvi.1)
    get_filename_component(_name ${_file} NAME)
    add_custom_command(OUTPUT ${_deb_dir}/${_name}.gz
        COMMAND ${MVI_GZIP} -9nc ${_file} > ${_deb_dir}/${_name}.gz
        DEPENDS ${_file}
        COMMENT "Compressing ${_name}")
    list(APPEND _compressed ${_deb_dir}/${_name}.gz)
endforeach()
add_custom_target(mvi_deb_compressed ALL DEPENDS ${_compressed})
# The manual pages of the two programs (a plain `cmake --install` installs them too).
install(FILES ${_deb_dir}/mvi-host.1.gz ${_deb_dir}/mvi.1.gz
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/config/debian/copyright ${_deb_dir}/changelog.Debian.gz
              ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT deb EXCLUDE_FROM_ALL)
# The example of a fleet of hosts behind nginx (README: A fleet behind nginx).
install(FILES ${PROJECT_SOURCE_DIR}/config/nginx/mvi-fleet.conf
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/nginx COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/config/debian/lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME mvi
        COMPONENT deb EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mvi)
set(CPACK_PACKAGE_VENDOR "MVI for C++")
set(CPACK_PACKAGE_CONTACT "${MVI_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "service platform running C++ services as plugins behind one HTTP host")
# The extended description, line by line as dpkg shows it (CPack writes the empty line as " .").
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "MVI runs small services written in C++ (typed JSON entrypoints, runtime\n"
    "parameters, logs, notifications, monitoring) as shared-library plugins inside\n"
    "one host process, mvi-host, which serves them over HTTP. Several versions of a\n"
    "service run side by side: the main version answers calls by name, shadows get\n"
    "a mirrored copy. Deploying a new version needs no restart.\n"
    "\n"
    "This package holds the host with its systemd unit, the mvi command line, and\n"
    "the SDK (C ABI header, header-only C++ SDK and CMake package) for building\n"
    "services.")
set(CPACK_PACKAGE_INSTALL_DIRECTORY mvi)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# The default component (host, CLI, SDK) and what only the package installs.
set(CPACK_INSTALL_CMAKE_PROJECTS
    "${CMAKE_BINARY_DIR};mvi;Unspecified;/" "${CMAKE_BINARY_DIR};mvi;deb;/")

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The shared libraries the programs link (dpkg-shlibdeps), plus what the maintainer scripts and
# the host use at run time: adduser, and /etc/mime.types for the content types of static files.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, media-types")
# A service project (mvi init, find_package(mvi)) builds with these.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
    "cmake (>= 3.22), g++, nlohmann-json3-dev (>= 3.10), libfmt-dev, libgtest-dev")
# The configuration is a conffile: an upgrade keeps the administrator's changes, purge removes it.
file(WRITE ${_deb_dir}/conffiles "/etc/mvi/mvi-host.properties\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/config/debian/postinst ${PROJECT_SOURCE_DIR}/config/debian/prerm
    ${PROJECT_SOURCE_DIR}/config/debian/postrm ${_deb_dir}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
