#!/bin/sh
# Builds the Debian package from the build folder and checks it without installing it:
#   1. `cpack -G DEB` writes mvi_<version>-1_<arch>.deb;
#   2. its control data (dpkg-deb -I): name, version, computed Depends, the conffile, the
#      maintainer scripts (executable, creating the mvi user and /var/lib/mvi, purge removing it);
#   3. its files (dpkg-deb -c): host, CLI, SDK headers, CMake package, dashboard and API viewer,
#      configuration, systemd units, copyright and changelog;
#   4. lintian reports nothing (tags kept on purpose are overridden in config/debian/lintian-overrides);
#   5. systemd-analyze verifies the units of the extracted package (when systemd-analyze exists);
#   6. the extracted mvi-host, with the packaged configuration (auth on) pointed at temporary
#      folders, serves /~ready, the dashboard's files and (logged in) the API viewer's files from
#      the extracted /usr/share/mvi, and stops on SIGTERM with status 0;
#   7. started by systemd-socket-activate (when it exists), it serves on the socket it is passed.
#
# usage: check_package.sh <cpack> <dpkg-deb> <lintian> <curl> <python3> <build dir> <source dir>
#                         <systemd-analyze> <systemd-socket-activate>   (each "none" when missing)
set -eu

cpack=$1
dpkg_deb=$2
lintian=$3
curl=$4
python3=$5
build=$6
source=$7
analyze=$8
activate=$9
[ "$analyze" != none ] || analyze=
[ "$activate" != none ] || activate=

. "$source/tests/support/shell_checks.sh"
begin_work mvi-package-test

echo "== cpack -G DEB"
"$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
    { cat "$work/cpack.log" >&2; fail "cpack failed"; }
set -- "$work"/out/mvi_*.deb
[ "$#" -eq 1 ] && [ -f "$1" ] || { cat "$work/cpack.log" >&2; fail "cpack wrote no single mvi_*.deb: $*"; }
deb=$1
echo "built $(basename "$deb")"

echo "== control data (dpkg-deb -I)"
"$dpkg_deb" -I "$deb" >"$work/info.txt"
cat "$work/info.txt"
field() {
    "$dpkg_deb" -f "$deb" "$1"
}
[ "$(field Package)" = mvi ] || fail "Package is $(field Package)"
version=$(sed -n 's/^project(mvi VERSION \([0-9.]*\).*/\1/p' "$source/CMakeLists.txt")
[ "$(field Version)" = "$version-1" ] || fail "Version is $(field Version), not $version-1"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
depends=$(field Depends)
for dependency in adduser media-types libc6 libpoco libstdc++6 libarchive13 libssl3; do
    case "$depends" in
        *"$dependency"*) ;;
        *) fail "Depends lacks $dependency: $depends" ;;
    esac
done
mkdir "$work/control"
"$dpkg_deb" -e "$deb" "$work/control"
[ "$(cat "$work/control/conffiles")" = /etc/mvi/mvi-host.properties ] ||
    fail "conffiles is not /etc/mvi/mvi-host.properties: $(cat "$work/control/conffiles")"
for script in postinst prerm postrm; do
    [ -x "$work/control/$script" ] || fail "no executable $script"
    sh -n "$work/control/$script" || fail "$script is not valid sh"
done
grep -q 'adduser --system' "$work/control/postinst" || fail "postinst creates no system user"
grep -q '/var/lib/mvi' "$work/control/postinst" || fail "postinst does not create /var/lib/mvi"
grep -q 'chmod 0750' "$work/control/postinst" || fail "postinst does not make /var/lib/mvi 0750"
grep -q 'dpkg-statoverride --update --add root mvi 0640 /etc/mvi/mvi-host.properties' \
    "$work/control/postinst" || fail "postinst leaves the configuration readable by everyone"
sed -n '/"purge"/,$p' "$work/control/postrm" | grep -q 'rm -rf /var/lib/mvi' ||
    fail "postrm purge does not remove /var/lib/mvi"
sed -n '/"remove"/,/^fi/p' "$work/control/postrm" | grep -q 'rm ' &&
    fail "postrm remove removes files"

echo "== files (dpkg-deb -c)"
"$dpkg_deb" -c "$deb" >"$work/contents.txt"
for file in ./usr/bin/mvi-host ./usr/bin/mvi ./usr/include/mvi/plugin.h \
    ./usr/include/mvi/service.hpp ./usr/include/mvi/testing.hpp \
    ./usr/share/mvi/cmake/mviConfig.cmake ./usr/share/mvi/cmake/mviConfigVersion.cmake \
    ./usr/share/mvi/cmake/mviTargets.cmake ./usr/share/mvi/cmake/MviPlugin.cmake \
    ./usr/share/mvi/mvi_plugin.map ./usr/share/mvi/docs/swagger-ui-bundle.js \
    ./usr/share/mvi/web/index.html ./usr/share/mvi/web/dashboard.js \
    ./etc/mvi/mvi-host.properties ./lib/systemd/system/mvi-host.service \
    ./lib/systemd/system/mvi-host.socket ./usr/share/doc/mvi/copyright \
    ./usr/share/doc/mvi/changelog.Debian.gz ./usr/share/lintian/overrides/mvi \
    ./usr/share/man/man1/mvi-host.1.gz ./usr/share/man/man1/mvi.1.gz \
    ./usr/share/doc/mvi/examples/nginx/mvi-fleet.conf; do
    grep -q " $file\$" "$work/contents.txt" || fail "$file is not in the package"
done
grep -q ' \./var/' "$work/contents.txt" && fail "the package ships files under /var"
grep -q ' \./usr/local/' "$work/contents.txt" && fail "the package ships files under /usr/local"
grep ' \./usr/bin/mvi-host$' "$work/contents.txt" | grep -q '^-rwxr-xr-x root/root' ||
    fail "mvi-host is not -rwxr-xr-x root/root"

echo "== lintian"
# Errors, warnings and informational tags all fail (an override that no longer matches is an
# informational tag too); pedantic ones are shown.
"$lintian" --fail-on error,warning,info --display-info --pedantic "$deb" >"$work/lintian.txt" 2>&1 ||
    { cat "$work/lintian.txt" >&2; fail "lintian reported tags"; }
cat "$work/lintian.txt"
echo "overridden (config/debian/lintian-overrides gives each reason):"
"$lintian" --show-overrides --display-info --pedantic "$deb" 2>/dev/null | grep '^O:' || true

root=$work/root
"$dpkg_deb" -x "$deb" "$root"
config=$root/etc/mvi/mvi-host.properties
for setting in 'plugins.dir = /var/lib/mvi/plugins' 'data.dir = /var/lib/mvi/data' \
    'http.host = 127.0.0.1' 'auth.enabled = true'; do
    grep -qx "$setting" "$config" || fail "the packaged configuration lacks '$setting'"
done

if [ -n "$analyze" ]; then
    echo "== systemd-analyze verify"
    # The units as installed, but with ExecStart naming the extracted mvi-host (verify checks
    # that the command exists). It reports unknown keys and bad values on stderr and still exits
    # 0, so any output fails.
    mkdir "$work/units"
    for unit in mvi-host.service mvi-host.socket; do
        sed "s|/usr/bin/mvi-host|$root/usr/bin/mvi-host|" "$root/lib/systemd/system/$unit" \
            >"$work/units/$unit"
    done
    "$analyze" verify "$work/units/mvi-host.service" "$work/units/mvi-host.socket" \
        >"$work/verify.txt" 2>&1 || { cat "$work/verify.txt" >&2; fail "systemd-analyze verify failed"; }
    [ ! -s "$work/verify.txt" ] ||
        { cat "$work/verify.txt" >&2; fail "systemd-analyze verify reported problems with the units"; }
    echo "mvi-host.service and mvi-host.socket verified"
    for setting in 'User=mvi' 'ProtectSystem=strict' 'ReadWritePaths=/var/lib/mvi' 'PrivateTmp=yes' \
        'NoNewPrivileges=yes' 'Restart=on-failure' 'KillMode=mixed' \
        'ExecStart=/usr/bin/mvi-host --config /etc/mvi/mvi-host.properties'; do
        grep -qx "$setting" "$root/lib/systemd/system/mvi-host.service" ||
            fail "mvi-host.service lacks $setting"
    done
else
    echo "== systemd-analyze not found: units not verified"
fi

# Run as root (as in CI), the host runs as the unit runs it: as an unprivileged user (nobody
# here, mvi there) owning the state folder (0750, as postinst makes /var/lib/mvi), with no
# capabilities and no new privileges.
state=$work/state
unprivileged=
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    unprivileged="setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all"
    chmod 0711 "$work"
fi

# Starts the extracted host (arguments: the command before mvi-host's own arguments, if any).
launch_host() {
    rm -rf "$state"
    mkdir -p "$state/plugins"
    chmod 0750 "$state" "$state/plugins"
    if [ -n "$unprivileged" ]; then
        chown -R 65534:65534 "$state"
    fi
    # shellcheck disable=SC2086 # $unprivileged is a command line
    "$@" $unprivileged "$root/usr/bin/mvi-host" --config "$config" --plugins-dir "$state/plugins" \
        --data-dir "$state/data" --port "$port" >"$work/host.log" 2>&1 &
    host_pid=$!
}

# Starts the extracted host, waits for its "listening on" line and sets url.
start_host() {
    launch_host
    wait_for_url "$work/host.log"
}

# Checks that a GET of $1 answers $2, with the remaining arguments passed to curl.
expect_status() {
    path=$1
    expected=$2
    shift 2
    status=$("$curl" -s --max-time 10 -o "$work/body" -w '%{http_code}' "$@" "$url$path" || true)
    [ "$status" = "$expected" ] ||
        { cat "$work/host.log" >&2; fail "GET $path answered $status, not $expected: $(head -c 300 "$work/body")"; }
    echo "GET $path -> $status"
}

# Sends SIGTERM and expects the host to stop with status 0 within 30 s.
stop_host() {
    kill -TERM "$host_pid"
    attempts=0
    while kill -0 "$host_pid" 2>/dev/null; do
        attempts=$((attempts + 1))
        [ "$attempts" -le 300 ] || { cat "$work/host.log" >&2; fail "mvi-host did not stop on SIGTERM"; }
        sleep 0.1
    done
    status=0
    wait "$host_pid" || status=$?
    host_pid=
    [ "$status" -eq 0 ] || { cat "$work/host.log" >&2; fail "mvi-host stopped with status $status"; }
    echo "stopped on SIGTERM with status 0"
}

echo "== the extracted mvi-host serves with the packaged configuration${unprivileged:+, as nobody}"
port=0
start_host
echo "listening on $url"
expect_status /~ready 200
expect_status /~web/dashboard.js 200
expect_status /~web/uPlot.iife.min.js 200
expect_status /~docs/swagger-ui.css 401
password=$(cat "$state/data/admin_password")
token=$("$curl" -s -X POST "$url/auth/login" --data-urlencode username=admin \
    --data-urlencode "password=$password" |
    "$python3" -c 'import json, sys; print(json.load(sys.stdin)["token"])') ||
    { cat "$work/host.log" >&2; fail "cannot log in with the generated password"; }
expect_status /~docs/swagger-ui.css 200 -H "Authorization: Bearer $token"
"$root/usr/bin/mvi" --help >"$work/cli.txt" 2>&1 || { cat "$work/cli.txt" >&2; fail "mvi --help failed"; }
grep -q '^usage: mvi COMMAND' "$work/cli.txt" || fail "unexpected mvi --help: $(cat "$work/cli.txt")"
echo "mvi --help: $(head -n 1 "$work/cli.txt")"
stop_host

if [ -n "$activate" ]; then
    echo "== socket activation (systemd-socket-activate)"
    port=$("$python3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # http.port names another port (one nobody listens on): the host must serve on the socket it
    # is passed, not bind its own.
    activated_port=$port
    port=1
    # systemd-socket-activate binds the port and starts mvi-host on the first connection, which
    # waits in the socket's queue meanwhile: that first request may take the host's start.
    launch_host "$activate" -l "127.0.0.1:$activated_port"
    url=http://127.0.0.1:$activated_port
    attempts=0
    until grep -q "^Listening on 127.0.0.1:$activated_port" "$work/host.log"; do
        kill -0 "$host_pid" 2>/dev/null || { cat "$work/host.log" >&2; fail "systemd-socket-activate exited"; }
        attempts=$((attempts + 1))
        [ "$attempts" -le 100 ] || { cat "$work/host.log" >&2; fail "systemd-socket-activate does not listen"; }
        sleep 0.1
    done
    expect_status /~ready 200 --max-time 60
    attempts=0
    until grep -q "mvi-host listening on $url" "$work/host.log"; do
        attempts=$((attempts + 1))
        [ "$attempts" -le 100 ] || { cat "$work/host.log" >&2; fail "mvi-host does not say it serves on $url"; }
        sleep 0.1
    done
    stop_host
else
    echo "== systemd-socket-activate not found: socket activation not tried"
fi

echo "package test passed"
