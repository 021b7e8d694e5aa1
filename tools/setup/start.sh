#!/usr/bin/env bash
# Installs what is missing, builds everything, deploys the example services (and their static
# files) into var/plugins and runs mvi-host in the foreground on 127.0.0.1:8080 (Ctrl-C stops it).
#   MVI_BUILD_DIR  build folder (default: build)
#   extra arguments are passed to mvi-host (e.g. --port 9000)
set -euo pipefail
cd "$(dirname "$0")/../.."

tools/setup/install-deps.sh
build=${MVI_BUILD_DIR:-build}
# With ccache installed (install-deps.sh installs it), a second start compiles only what changed.
launcher=()
if command -v ccache >/dev/null; then
    export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=true
    launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMVI_BUILD_TESTS=OFF "${launcher[@]}"
cmake --build "$build" -j2

# The host creates var/data itself, private (0700). Each example is deployed as
# var/plugins/<name>_<version>.so, with its static files (if it ships any) as
# var/plugins/<name>_<version>/assets/, neither ever seen half-written by the host.
tools/setup/deploy-examples.sh "$build/plugins/examples.txt" var/plugins

exec "$build/host/mvi-host" --config config/mvi-host.properties "$@"
