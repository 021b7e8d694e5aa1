#!/usr/bin/env bash
# Installs the Debian 12 packages MVI needs to build, test and run, skipping those already
# installed. Run as root (it uses apt-get).
set -euo pipefail

packages=(
    build-essential cmake pkg-config binutils curl ca-certificates git clang-format wrk
    libpoco-dev libboost-dev nlohmann-json3-dev libfmt-dev libgtest-dev libgmock-dev
    python3-aiosmtpd
    libarchive-dev
    libcrypt-dev
    nginx-light python3-fastapi python3-uvicorn python3-uvloop python3-httptools
)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: everything is installed"
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
