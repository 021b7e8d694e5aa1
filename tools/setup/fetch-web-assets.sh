#!/usr/bin/env bash
# Fetches the browser libraries the host serves, from the npm registry, each at a pinned version
# whose integrity is checked, unpacked into .cache/web/<package> (ignored by git): the API viewer
# for /services/<svc>/docs (swagger-ui-dist) and the dashboard's charts (uplot). CMake copies the
# few files it needs into the build tree and installs them. Needs network access to the npm
# registry; nothing at run time.
set -euo pipefail
cd "$(dirname "$0")/../.."

# fetch NAME VERSION INTEGRITY
fetch() {
    local name=$1 version=$2 integrity=$3
    local destination=.cache/web/$name
    if [[ -f $destination/.fetched && $(cat "$destination/.fetched") == "$version" ]]; then
        echo "fetch-web-assets: $name $version is in $destination"
        return 0
    fi
    if ! command -v npm >/dev/null; then
        echo "fetch-web-assets: npm is missing (tools/setup/install-deps.sh installs it)" >&2
        exit 1
    fi
    local work
    work=$(mktemp -d)
    (cd "$work" && npm pack --silent "$name@$version" >/dev/null)
    local tarball
    tarball=$(ls "$work"/*.tgz)
    local actual
    actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
    if [[ $actual != "$integrity" ]]; then
        echo "fetch-web-assets: $name $version does not have the pinned integrity ($actual)" >&2
        rm -rf "$work"
        exit 1
    fi
    mkdir -p "$work/unpacked"
    tar -xzf "$tarball" -C "$work/unpacked"
    rm -rf "$destination"
    mkdir -p "$(dirname "$destination")"
    mv "$work/unpacked/package" "$destination"
    echo "$version" >"$destination/.fetched"
    rm -rf "$work"
    echo "fetch-web-assets: $name $version unpacked into $destination"
}

fetch swagger-ui-dist 5.34.1 \
    'sha512-VSr8fXfI93obYaQicLJbLUKGRxDojj/SfRJDDLCioGTUBj4BK/Nj4eE9jCeCAnJxVLi7iS+08PbiZLyrQKBkJQ=='
fetch uplot 1.6.32 \
    'sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw=='
