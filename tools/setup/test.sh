#!/usr/bin/env bash
# Installs what is missing, builds everything with the tests, and runs the whole suite; then
# does the same in a second build with address and undefined-behaviour sanitizers.
#   --quick   skip the sanitizer build
set -euo pipefail
cd "$(dirname "$0")/../.."

quick=false
for argument in "$@"; do
    case "$argument" in
        --quick) quick=true ;;
        *) echo "test.sh: unknown argument $argument" >&2; exit 2 ;;
    esac
done

tools/setup/install-deps.sh

run_suite() {
    local build=$1
    shift
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMVI_BUILD_TESTS=ON -DMVI_WERROR=ON "$@"
    cmake --build "$build" -j2
    ctest --test-dir "$build" --output-on-failure -j2 --timeout 300
}

echo "== test suite =="
run_suite build-tests
if [[ $quick == false ]]; then
    echo "== test suite under address and undefined-behaviour sanitizers =="
    # Warnings are already errors in the first round; with sanitizers GCC reports false
    # "may be used uninitialized" warnings inside the standard library, so here they stay warnings.
    run_suite build-sanitize -DMVI_SANITIZE=ON -DMVI_WERROR=OFF
fi
