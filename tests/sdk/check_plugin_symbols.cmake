# Checks one built plugin's dynamic symbol table: no STB_GNU_UNIQUE symbol (it would pin the
# library in memory for ever) and exactly the two ABI symbols defined and exported.
#   cmake -DREADELF=<readelf> -DPLUGIN=<path to .so> -P check_plugin_symbols.cmake
execute_process(COMMAND ${READELF} --dyn-syms -W ${PLUGIN}
                OUTPUT_VARIABLE _output RESULT_VARIABLE _result)
if(NOT _result EQUAL 0)
    message(FATAL_ERROR "${READELF} failed on ${PLUGIN}")
endif()

string(REPLACE ";" "," _output "${_output}")
string(REPLACE "\n" ";" _lines "${_output}")
set(_exported "")
foreach(_line IN LISTS _lines)
    if(_line MATCHES " UNIQUE ")
        message(FATAL_ERROR "${PLUGIN} has an STB_GNU_UNIQUE symbol: ${_line}")
    endif()
    # Num: Value Size Type Bind Vis Ndx Name -- defined (Ndx is a section number) and global.
    if(_line MATCHES "^ *[0-9]+: +[0-9a-f]+ +[0-9]+ +[A-Z_]+ +(GLOBAL|WEAK) +[A-Z_]+ +[0-9]+ +([^ ]+)")
        list(APPEND _exported "${CMAKE_MATCH_2}")
    endif()
endforeach()
list(SORT _exported)
if(NOT _exported STREQUAL "mvi_plugin_abi_version;mvi_plugin_register")
    message(FATAL_ERROR "${PLUGIN} must export exactly mvi_plugin_abi_version and "
                        "mvi_plugin_register, but exports: ${_exported}")
endif()
message(STATUS "${PLUGIN}: exports ${_exported}, no UNIQUE symbol")
