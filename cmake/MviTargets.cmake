# Helpers for the project's own targets: warnings and the optional sanitizer build.

# Turns on the project's warning set for one of our own targets.
function(mvi_enable_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                             $<$<BOOL:${MVI_WERROR}>:-Werror>)
endfunction()

# Adds address and undefined-behaviour sanitizers to a target when MVI_SANITIZE is on.
function(mvi_enable_sanitizers target)
    if(MVI_SANITIZE)
        target_compile_options(${target} PRIVATE -fsanitize=address,undefined
                                                 -fno-omit-frame-pointer -fno-sanitize-recover=all)
        target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    endif()
endfunction()

# Both of the above: the standard treatment of a host-side or test target.
function(mvi_project_target target)
    mvi_enable_warnings(${target})
    mvi_enable_sanitizers(${target})
endfunction()
