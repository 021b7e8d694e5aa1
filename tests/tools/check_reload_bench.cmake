# Runs mvi-reload-bench briefly and checks its JSON report.
#   cmake -DBENCH=<mvi-reload-bench> -DJSON=<report file> -P check_reload_bench.cmake
# The run must succeed and the report must have every key, at least one swap and one request,
# and no non-2xx response (from wrk or the swap probe) and no socket error. Latencies are
# figures, not checked.

file(REMOVE ${JSON})
execute_process(COMMAND ${BENCH} --duration 2 --connections 4 --threads 1 --json ${JSON}
                RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE errors)
message("${errors}${output}")
if(NOT result EQUAL 0)
    message(FATAL_ERROR "mvi-reload-bench failed: ${result}")
endif()
file(READ ${JSON} report)

# Reads the value at the path ARGN of the report into `variable`; fails when it is missing.
function(report_value variable)
    string(JSON value ERROR_VARIABLE missing GET "${report}" ${ARGN})
    if(missing)
        message(FATAL_ERROR "the report has no ${ARGN}: ${missing}\n${report}")
    endif()
    set(${variable} "${value}" PARENT_SCOPE)
endfunction()

foreach(key url threads connections duration_seconds requests requests_per_second)
    report_value(ignored ${key})
endforeach()
foreach(key p50 p99 max)
    report_value(latency swap_latency_ms ${key})
    if(latency STREQUAL "null")
        message(FATAL_ERROR "swap_latency_ms.${key} is null although swaps were done")
    endif()
    report_value(ignored request_latency_ms ${key})
endforeach()

foreach(key requests swaps)
    report_value(count ${key})
    if(NOT count GREATER 0)
        message(FATAL_ERROR "${key} is ${count}, expected more than 0")
    endif()
endforeach()

foreach(path "non_2xx" "probe_failures" "socket_errors;connect" "socket_errors;read"
             "socket_errors;write" "socket_errors;timeout")
    report_value(count ${path})
    if(NOT count EQUAL 0)
        string(REPLACE ";" "." name "${path}")
        message(FATAL_ERROR "${name} is ${count}, expected 0")
    endif()
endforeach()
