#!/usr/bin/env bash
# Builds what the benchmark needs and runs it (see tools/bench/README.md).
#   tools/bench/run.sh [--quick] [OPTIONS...]
#   OPTIONS        passed to bench.py (--json FILE, --duration S, --rounds N, --sections ...)
#   MVI_BUILD_DIR  build folder (default: build); configured with the tests, which hold the
#                  counter fixtures the swap measurement deploys and the faulty fixture the
#                  crash measurement deploys
set -euo pipefail
cd "$(dirname "$0")/../.."

build=${MVI_BUILD_DIR:-build}
for tool in wrk nginx strip; do
    if ! command -v "$tool" > /dev/null && [[ ! -x /usr/sbin/$tool ]]; then
        echo "bench: $tool was not found; run tools/setup/install-deps.sh as root" >&2
        exit 69
    fi
done
if ! /usr/bin/python3 -c 'import fastapi, uvicorn' 2> /dev/null; then
    echo "bench: python3-fastapi or python3-uvicorn is missing; run tools/setup/install-deps.sh" >&2
    exit 69
fi

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMVI_BUILD_TESTS=ON > /dev/null
cmake --build "$build" -j2 --target mvi-host hello bench_slow_hello bench_quiet_hello \
    bench_monitored_hello mvi-bench-raw-poco mvi-reload-bench mvi fixture_counter_v1 fixture_counter_v2 \
    fixture_faulty
exec /usr/bin/python3 tools/bench/bench.py --build-dir "$build" "$@"
