#!/usr/bin/env bash
# Installs what is missing, builds everything with the tests and runs the whole suite; then does
# the same in a second build with address and undefined-behaviour sanitizers, and in a third with
# the thread sanitizer.
#   --quick      only the first round (no sanitizers)
#   --tsan-only  only the thread-sanitizer round (build-tsan)
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=(plain address thread)
for argument in "$@"; do
    case "$argument" in
        --quick) rounds=(plain) ;;
        --tsan-only) rounds=(thread) ;;
        *) echo "test.sh: unknown argument $argument" >&2; exit 2 ;;
    esac
done

tools/setup/install-deps.sh

# With ccache installed, compilations are cached: a second run compiles again only what changed,
# in whichever folder the checkout is.
launcher=()
if command -v ccache >/dev/null; then
    export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=true
    launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

# The sanitizer rounds compile with -O1 and line tables only (-g1): about half the compile time of
# RelWithDebInfo's -O2 -g under the sanitizers, and their stack traces still name every line.
sanitizer_flags=(-DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG"
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG")

# Configures, builds and tests one round; returns the first failure's status.
run_suite() {
    local build=$1
    shift
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMVI_BUILD_TESTS=ON -DMVI_WERROR=ON \
        "${launcher[@]}" "$@" || return
    cmake --build "$build" -j2 || return
    ctest --test-dir "$build" --output-on-failure -j2 --timeout 300
}

for round in "${rounds[@]}"; do
    case "$round" in
        plain)
            echo "== test suite =="
            run_suite build-tests
            ;;
        address)
            echo "== test suite under address and undefined-behaviour sanitizers =="
            # Warnings are already errors in the first round; with sanitizers GCC reports false
            # "may be used uninitialized" warnings inside the standard library, so here they stay
            # warnings.
            run_suite build-sanitize -DMVI_SANITIZE=address -DMVI_WERROR=OFF "${sanitizer_flags[@]}"
            ;;
        thread)
            echo "== test suite under the thread sanitizer =="
            # Every process of the suite (tests, the hosts they start, the serving processes
            # those fork, the CLI) writes any report to build-tsan/tsan/report.<pid> and ends with
            # status 66. A host's report does not always fail a test (the supervisor restarts a
            # serving process), so the round fails on any report file.
            reports="$PWD/build-tsan/tsan"
            rm -rf "$reports"
            mkdir -p "$reports"
            export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 \
suppressions=$PWD/tools/setup/tsan.supp log_path=$reports/report"
            status=0
            run_suite build-tsan -DMVI_SANITIZE=thread -DMVI_WERROR=OFF "${sanitizer_flags[@]}" || status=$?
            unset TSAN_OPTIONS
            if compgen -G "$reports/report.*" >/dev/null; then
                echo "test.sh: the thread sanitizer reported (build-tsan/tsan):" >&2
                cat "$reports"/report.* >&2
                exit 1
            fi
            ((status == 0)) || exit "$status"
            ;;
    esac
done
