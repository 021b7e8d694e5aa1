#!/usr/bin/env bash
# Builds mvi-host, the counter fixtures and mvi-reload-bench, then runs the benchmark.
#   tools/reload-bench/run.sh [DURATION] [OPTIONS...]
#   DURATION       seconds of load (default 10)
#   OPTIONS        passed to mvi-reload-bench (--connections N, --threads N, --json FILE, ...)
#   MVI_BUILD_DIR  build folder (default: build); configured with the tests, which hold the
#                  counter fixtures the benchmark swaps
set -euo pipefail
cd "$(dirname "$0")/../.."

duration=10
if (($# > 0)) && [[ $1 != -* ]]; then
    duration=$1
    shift
fi
build=${MVI_BUILD_DIR:-build}

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMVI_BUILD_TESTS=ON > /dev/null
cmake --build "$build" -j2 --target mvi-host fixture_counter_v1 fixture_counter_v2 \
    mvi-reload-bench
exec "$build/tools/reload-bench/mvi-reload-bench" --duration "$duration" "$@"
