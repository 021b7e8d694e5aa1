#!/usr/bin/env bash
# Installs what is missing, builds everything, deploys the example services into var/plugins
# and runs mvi-host in the foreground on 127.0.0.1:8080 (Ctrl-C stops it).
#   MVI_BUILD_DIR  build folder (default: build)
#   extra arguments are passed to mvi-host (e.g. --port 9000)
set -euo pipefail
cd "$(dirname "$0")/../.."

tools/setup/install-deps.sh
build=${MVI_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMVI_BUILD_TESTS=OFF
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
