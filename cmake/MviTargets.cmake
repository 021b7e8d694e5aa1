# Helpers for the project's own targets: warnings and the optional sanitizer build.

# Turns on the project's warning set for one of our own targets.
function(mvi_enable_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                             $<$<BOOL:${MVI_WERROR}>:-Werror>)
endfunction()

# MVI_SANITIZE names the sanitizers of the build: OFF (none), address (address and undefined
# behaviour; ON means the same) or thread.
string(TOLOWER "${MVI_SANITIZE}" _mvi_sanitize)
if(_mvi_sanitize STREQUAL "thread")
    set(MVI_SANITIZERS thread)
elseif(_mvi_sanitize MATCHES "^(address|on|yes|true|y|1)$")
    set(MVI_SANITIZERS address,undefined)
elseif(NOT MVI_SANITIZE)
    set(MVI_SANITIZERS "")
else()
    message(FATAL_ERROR "MVI_SANITIZE=${MVI_SANITIZE}: expected OFF, address (or ON) or thread")
endif()
unset(_mvi_sanitize)

# Adds the sanitizers MVI_SANITIZE names to a target.
function(mvi_enable_sanitizers target)
    if(MVI_SANITIZERS)
        target_compile_options(${target} PRIVATE -fsanitize=${MVI_SANITIZERS}
                                                 -fno-omit-frame-pointer -fno-sanitize-recover=all)
        target_link_options(${target} PRIVATE -fsanitize=${MVI_SANITIZERS})
    endif()
endfunction()

# Both of the above: the standard treatment of a host-side or test target.
function(mvi_project_target target)
    mvi_enable_warnings(${target})
    mvi_enable_sanitizers(${target})
endfunction()

# The installed programs (mvi-host, mvi) resolve every symbol at start and keep their relocations
# read-only afterwards (full RELRO, as Debian's dpkg-buildflags link packaged programs).
function(mvi_installed_program target)
    target_link_options(${target} PRIVATE LINKER:-z,relro LINKER:-z,now)
endfunction()
