# mvi_add_plugin(<target> SOURCES <files>... [LINK <libs>...] [OUTPUT_DIRECTORY <dir>])
#
# Builds one MVI service plugin the only correct way: a MODULE library named <target>.so (no
# "lib" prefix), hidden visibility, a version script that exports just the two ABI symbols,
# -Wl,-z,defs (no undefined symbol may be left for the host to provide) and -fno-gnu-unique
# (STB_GNU_UNIQUE symbols would pin the library in memory for ever, so it could never be
# unloaded). C++ plugins get the SDK; pure C plugins get only mvi/plugin.h.
set(MVI_PLUGIN_VERSION_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/../mvi_plugin.map"
    CACHE INTERNAL "Version script for MVI plugins")

function(mvi_add_plugin target)
    cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;LINK" ${ARGN})
    if(NOT ARG_SOURCES)
        message(FATAL_ERROR "mvi_add_plugin(${target}): SOURCES is required")
    endif()
    add_library(${target} MODULE ${ARG_SOURCES})
    set_target_properties(${target} PROPERTIES
        PREFIX ""
        C_VISIBILITY_PRESET hidden
        CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON
        LINK_DEPENDS "${MVI_PLUGIN_VERSION_SCRIPT}")
    if(ARG_OUTPUT_DIRECTORY)
        set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
    endif()
    get_target_property(_languages ${target} SOURCES)
    set(_has_cxx OFF)
    foreach(_source IN LISTS ARG_SOURCES)
        if(_source MATCHES "\\.(cpp|cc|cxx)$")
            set(_has_cxx ON)
        endif()
    endforeach()
    if(_has_cxx)
        target_link_libraries(${target} PRIVATE mvi::sdk)
        target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fno-gnu-unique>)
    else()
        target_link_libraries(${target} PRIVATE mvi::plugin_api)
    endif()
    target_link_libraries(${target} PRIVATE ${ARG_LINK})
    target_link_options(${target} PRIVATE "LINKER:-z,defs"
                        "LINKER:--version-script=${MVI_PLUGIN_VERSION_SCRIPT}")
    set_property(GLOBAL APPEND PROPERTY MVI_ALL_PLUGINS ${target})
endfunction()
