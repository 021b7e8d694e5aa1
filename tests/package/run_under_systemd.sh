#!/bin/sh
# Builds the Debian package and runs check_under_systemd.sh on it in a container booted with
# systemd, from a Debian 12 root made once with debootstrap in the build folder (about two
# minutes and 150 MB from the Debian archive; kept for later runs).
#
# usage: run_under_systemd.sh <cpack> <build dir> <source dir>
# Needs root, debootstrap and systemd-container (apt-get install debootstrap systemd-container).
set -eu

cpack=$1
build=$2
source=$3

. "$source/tests/support/shell_checks.sh"
begin_work mvi-systemd-test

for tool in debootstrap systemd-nspawn; do
    command -v "$tool" >/dev/null ||
        fail "$tool is missing: apt-get install debootstrap systemd-container"
done
root=$build/systemd-root
if [ ! -x "$root/lib/systemd/systemd" ]; then
    echo "== debootstrap bookworm $root"
    rm -rf "$root.partial"
    debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,curl,ca-certificates \
        bookworm "$root.partial" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
        { tail -n 30 "$work/debootstrap.log" >&2; fail "debootstrap failed"; }
    mv "$root.partial" "$root"
fi

echo "== cpack -G DEB"
"$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
    { cat "$work/cpack.log" >&2; fail "cpack failed"; }
set -- "$work"/out/mvi_*.deb
[ "$#" -eq 1 ] && [ -f "$1" ] || fail "cpack wrote no single mvi_*.deb"

MVI_CHECK_LOGS=$work/logs bash "$source/tests/package/check_under_systemd.sh" "$1" \
    "$build/plugins/hello.so" "$root"
