# Compiles one snippet of tests/sdk/compile_fail twice with the C++ compiler, syntax only: as it
# is (it must compile) and with MVI_MISTAKE defined (it must fail with exactly one error, whose
# line holds the snippet's `expect-error:` text, and every `expect-note:` text in the output).
# Quotes in expected texts may be written ' for the compiler's typographic quotes.
#
#   cmake -DCOMPILER=... -DINCLUDE_DIR=... -DSNIPPET=... -P check_compile_fail.cmake
foreach(_variable COMPILER INCLUDE_DIR SNIPPET)
    if(NOT DEFINED ${_variable})
        message(FATAL_ERROR "${_variable} is not set")
    endif()
endforeach()

set(_command ${COMPILER} -std=c++17 -fsyntax-only -fdiagnostics-color=never -I${INCLUDE_DIR})
execute_process(COMMAND ${_command} ${SNIPPET} RESULT_VARIABLE _result ERROR_VARIABLE _output
                OUTPUT_VARIABLE _output)
if(NOT _result EQUAL 0)
    message(FATAL_ERROR "${SNIPPET} without the mistake does not compile:\n${_output}")
endif()

execute_process(COMMAND ${_command} -DMVI_MISTAKE ${SNIPPET} RESULT_VARIABLE _result
                ERROR_VARIABLE _output OUTPUT_VARIABLE _output)
if(_result EQUAL 0)
    message(FATAL_ERROR "${SNIPPET} with the mistake compiles")
endif()
# GCC quotes with U+2018/U+2019 in a UTF-8 locale and with ' otherwise.
string(REPLACE "‘" "'" _output "${_output}")
string(REPLACE "’" "'" _output "${_output}")
# A semicolon would split a CMake list.
string(REPLACE ";" "," _output "${_output}")

file(STRINGS ${SNIPPET} _expected_errors REGEX "^// expect-error: ")
file(STRINGS ${SNIPPET} _expected_notes REGEX "^// expect-note: ")
string(REGEX MATCHALL "[^\n]*error: [^\n]*" _errors "${_output}")
list(LENGTH _errors _count)
if(NOT _count EQUAL 1)
    message(FATAL_ERROR "${SNIPPET}: ${_count} errors instead of one:\n${_output}")
endif()
foreach(_line IN LISTS _expected_errors)
    string(REGEX REPLACE "^// expect-error: " "" _text "${_line}")
    string(FIND "${_errors}" "${_text}" _at)
    if(_at EQUAL -1)
        message(FATAL_ERROR "${SNIPPET}: the error does not say \"${_text}\":\n${_output}")
    endif()
endforeach()
foreach(_line IN LISTS _expected_notes)
    string(REGEX REPLACE "^// expect-note: " "" _text "${_line}")
    string(FIND "${_output}" "${_text}" _at)
    if(_at EQUAL -1)
        message(FATAL_ERROR "${SNIPPET}: the output does not say \"${_text}\":\n${_output}")
    endif()
endforeach()
list(LENGTH _expected_errors _expectations)
if(_expectations EQUAL 0)
    message(FATAL_ERROR "${SNIPPET} has no expect-error line")
endif()
