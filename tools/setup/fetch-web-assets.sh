#!/usr/bin/env bash
# Fetches the API viewer the host serves for /services/<svc>/docs: the swagger-ui-dist package
# from the npm registry, at a pinned version whose integrity is checked, unpacked into
# .cache/web/swagger-ui-dist (ignored by git). CMake copies the few files it needs into the
# build tree and installs them. Needs network access to the npm registry; nothing at run time.
set -euo pipefail
cd "$(dirname "$0")/../.."

name=swagger-ui-dist
version=5.34.1
integrity='sha512-VSr8fXfI93obYaQicLJbLUKGRxDojj/SfRJDDLCioGTUBj4BK/Nj4eE9jCeCAnJxVLi7iS+08PbiZLyrQKBkJQ=='
destination=.cache/web/$name

if [[ -f $destination/.fetched && $(cat "$destination/.fetched") == "$version" ]]; then
    echo "fetch-web-assets: $name $version is in $destination"
    exit 0
fi
if ! command -v npm >/dev/null; then
    echo "fetch-web-assets: npm is missing (tools/setup/install-deps.sh installs it)" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$name@$version" >/dev/null)
tarball=$(ls "$work"/*.tgz)
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [[ $actual != "$integrity" ]]; then
    echo "fetch-web-assets: $name $version does not have the pinned integrity ($actual)" >&2
    exit 1
fi
mkdir -p "$work/unpacked"
tar -xzf "$tarball" -C "$work/unpacked"
rm -rf "$destination"
mkdir -p "$(dirname "$destination")"
mv "$work/unpacked/package" "$destination"
echo "$version" >"$destination/.fetched"
echo "fetch-web-assets: $name $version unpacked into $destination"
