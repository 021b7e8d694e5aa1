#!/usr/bin/env bash
# Installs what is missing, builds everything, deploys the example services into var/plugins
# and runs mvi-host in the foreground on 127.0.0.1:8080 (Ctrl-C stops it).
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

# The host creates var/data itself, private (0700).
mkdir -p var/plugins
# Each example is deployed as <name>_<version>.so: copied under a hidden name, then renamed, so
# the host never sees half a file.
while read -r built file; do
    if ! cmp -s "$built" "var/plugins/$file"; then
        cp "$built" "var/plugins/.$file.tmp"
        mv "var/plugins/.$file.tmp" "var/plugins/$file"
    fi
done < "$build/plugins/examples.txt"

exec "$build/host/mvi-host" --config config/mvi-host.properties "$@"
