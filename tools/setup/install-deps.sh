#!/usr/bin/env bash
# Installs the Debian 12 packages MVI needs to build, test and run, skipping those already
# installed. Run as root (it uses apt-get).
set -euo pipefail

packages=(
    build-essential cmake pkg-config binutils curl ca-certificates git clang-format wrk
    # test.sh compiles through ccache when it is there: its rounds share what they compile alike.
    ccache
    libpoco-dev libboost-dev nlohmann-json3-dev libfmt-dev libgtest-dev libgmock-dev libcli11-dev
    python3-aiosmtpd
    # The original platform's client is driven from Python in tests/compat.
    python3-requests
    # The dashboard's browser tests (tests/browser) drive a headless Chromium.
    chromium chromium-driver python3-selenium
    libarchive-dev
    # /etc/mime.types: the content types of the static files a version ships.
    media-types
    libcrypt-dev
    libssl-dev
    openssl
    nginx-light python3-fastapi python3-uvicorn python3-uvloop python3-httptools
    # The Debian package (cpack -G DEB computes Depends with dpkg-shlibdeps) and its test
    # (tests/package): lintian, and systemd-analyze and systemd-socket-activate for the units.
    dpkg-dev lintian systemd
)
# npm fetches the API viewer (tools/setup/fetch-web-assets.sh). A Node.js that brings its own npm
# (NodeSource's) is kept: Debian's npm package would replace it.
if ! command -v npm >/dev/null; then
    packages+=(npm)
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: everything is installed"
    # The API viewer's files come from npm once the packages are there.
    exec "$(dirname "$0")/fetch-web-assets.sh"
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
"$(dirname "$0")/fetch-web-assets.sh"
