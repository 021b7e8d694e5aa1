#!/bin/bash
# Installs the mvi Debian package in a container booted with a real systemd (systemd-nspawn -b,
# on a throwaway copy of a Debian root) and checks the unit, the socket and the maintainer
# scripts end to end: install, start, /~ready and /~health, the generated administrator password
# and a login, a plugin deployed into the plugins folder and called, mvi deploy over HTTP,
# restart, a killed serving process restarted by the supervisor, an upgrade restarting the host,
# a clean stop, socket activation, the hardening (systemd-analyze security), remove (data
# kept), install again (data used again), purge (data removed). Exits 0 when every check passed, 1 when one failed, 2 when
# it could not run.
#
#   check_under_systemd.sh DEB HELLO_SO [ROOT]
#
# tests/package/run_under_systemd.sh makes the package and the root and runs this (ctest
# debian_package_systemd, with -DMVI_SYSTEMD_CHECK=ON; not part of the default suite).
#
# DEB       the package (cpack -G DEB in a build folder: build/mvi_<version>-1_<arch>.deb)
# HELLO_SO  the hello example plugin of the same build (build/plugins/hello.so)
# ROOT      a Debian 12 root with systemd, dbus and curl (default /var/tmp/mvi-root), made by
#             debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,curl,ca-certificates \
#                 bookworm /var/tmp/mvi-root http://deb.debian.org/debian
#           It is not changed: the container runs on a copy (--ephemeral) removed at power-off.
#
# Needs root, systemd-nspawn (package systemd-container) and network access to the Debian archive
# from the container (it shares the machine's network, so 127.0.0.1:8080 must be free: the
# packaged configuration listens there). Works whether or not the machine itself runs systemd
# (--register=no --keep-unit: no machined and no system bus needed). Logs go to
# $MVI_CHECK_LOGS (default: a new /var/tmp/mvi-systemd-check.XXXXXX). $MVI_CHECK_DROPIN names a
# unit drop-in (a [Service] section) installed as /etc/systemd/system/mvi-host.service.d/check.conf
# before the first start, to try more hardening; $MVI_CHECK_MAX_EXPOSURE is the highest
# systemd-analyze security exposure accepted (default 4.0).
set -u

deb=${1:-}
hello=${2:-}
root=${3:-/var/tmp/mvi-root}
if [ -z "$deb" ] || [ -z "$hello" ]; then
    echo "usage: $0 DEB HELLO_SO [ROOT]" >&2
    exit 2
fi
[ "$(id -u)" = 0 ] || { echo "$0: needs root (systemd-nspawn)" >&2; exit 2; }
command -v systemd-nspawn >/dev/null || { echo "$0: no systemd-nspawn (apt-get install systemd-container)" >&2; exit 2; }
[ -f "$deb" ] || { echo "$0: no package $deb" >&2; exit 2; }
[ -f "$hello" ] || { echo "$0: no plugin $hello" >&2; exit 2; }
dropin=${MVI_CHECK_DROPIN:-}
if [ -n "$dropin" ]; then
    [ -f "$dropin" ] || { echo "$0: no drop-in $dropin" >&2; exit 2; }
    dropin=$(readlink -f "$dropin")
fi
[ -x "$root/lib/systemd/systemd" ] || { echo "$0: $root has no /lib/systemd/systemd" >&2; exit 2; }
if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then
    echo "$0: something already listens on 127.0.0.1:8080, which the container shares" >&2
    exit 2
fi

deb=$(readlink -f "$deb")
hello=$(readlink -f "$hello")
deb_name=$(basename "$deb")
logs=${MVI_CHECK_LOGS:-$(mktemp -d /var/tmp/mvi-systemd-check.XXXXXX)}
mkdir -p "$logs"
machine=mvi-check-$$
nspawn_pid=
leader=
failures=0

# --- the container -------------------------------------------------------------------------------

# Runs a shell command line inside the container (as root, with a clean environment).
ct() {
    nsenter -t "$leader" -a -- env -i HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/sh -c "$1"
}

power_off() {
    [ -n "$nspawn_pid" ] || return 0
    if kill -0 "$nspawn_pid" 2>/dev/null; then
        if [ -n "$leader" ]; then
            ct 'journalctl --no-pager -o short-precise -u mvi-host -u mvi-host.socket' \
                >"$logs/journal-mvi-host.txt" 2>&1
            ct 'systemctl poweroff' >/dev/null 2>&1
        else
            kill -TERM "$nspawn_pid" 2>/dev/null
        fi
        for _ in $(seq 1 60); do
            kill -0 "$nspawn_pid" 2>/dev/null || break
            sleep 1
        done
        if kill -0 "$nspawn_pid" 2>/dev/null; then
            echo "the container did not power off in 60 s: killing systemd-nspawn ($nspawn_pid)" >&2
            kill -KILL "$nspawn_pid" 2>/dev/null
        fi
    fi
    wait "$nspawn_pid" 2>/dev/null
    nspawn_pid=
    # Where /run is no tmpfs (a machine without systemd), systemd-nspawn leaves this folder
    # ("Attempted to remove disk file system under ..., and we can't allow that").
    rmdir "/run/systemd/nspawn/propagate/$machine" 2>/dev/null || true
}
trap power_off EXIT
trap 'exit 2' INT TERM

echo "booting $root (ephemeral copy) as $machine; logs in $logs"
systemd-nspawn --quiet --ephemeral -D "$root" -M "$machine" --boot --register=no --keep-unit \
    --console=passive --bind-ro="$deb:/mnt/mvi/$deb_name" --bind-ro="$hello:/mnt/mvi/hello.so" \
    ${dropin:+--bind-ro="$dropin:/mnt/mvi/dropin.conf"} >"$logs/nspawn.log" 2>&1 &
nspawn_pid=$!
state=
for _ in $(seq 1 120); do
    kill -0 "$nspawn_pid" 2>/dev/null || break
    leader=$(pgrep -P "$nspawn_pid" | head -n1)
    if [ -n "$leader" ]; then
        state=$(ct 'systemctl is-system-running' 2>/dev/null)
        case "$state" in running|degraded) break ;; esac
    fi
    sleep 0.5
done
case "$state" in
    running) echo "ok   systemd is running in the container" ;;
    degraded)
        echo "ok   systemd is running in the container (degraded:" \
            "$(ct 'systemctl --failed --plain --no-legend' | awk '{print $1}' | tr '\n' ' '))" ;;
    *)
        echo "FAIL the container did not boot (state '$state'); systemd-nspawn said:" >&2
        cat "$logs/nspawn.log" >&2
        exit 2 ;;
esac

# --- checks --------------------------------------------------------------------------------------

# check WHAT COMMANDS: runs COMMANDS in the container, saves their output, passes when they exit 0.
check() {
    local what=$1 out
    step=$((step + 1))
    out="$logs/$(printf '%02d' "$step")-$(printf %s "$what" | tr -c 'A-Za-z0-9' '-' | cut -c1-50).txt"
    if ct "set -e; $2" >"$out" 2>&1; then
        echo "ok   $what"
    else
        echo "FAIL $what (output: $out)"
        sed 's/^/       /' "$out" | tail -n 25
        [ -z "$(tail -c 1 "$out")" ] || echo
        failures=$((failures + 1))
    fi
}
step=0

# Shell helpers defined in the container for every check.
helpers='
base=http://127.0.0.1:8080
wait_ready() {  # waits up to 30 s for /~ready to answer 200
    for _ in $(seq 1 60); do curl -fsS -o /dev/null "$base/~ready" 2>/dev/null && return 0; sleep 0.5; done
    echo "/~ready did not answer 200 in 30 s"; curl -sS "$base/~ready"; return 1
}
token() { cat /root/mvi-token; }
call_hello() {  # calls hello with the stored token; the answer must greet Bob
    out=$(curl -sS -w "\n%{http_code}" -X POST -H "Authorization: Bearer $(token)" \
        -H "Content-Type: application/json" -d "{\"name\":\"Bob\"}" "$base/services/hello/hello")
    echo "$out"
    [ "$(printf "%s\n" "$out" | tail -n1)" = 200 ] && printf "%s" "$out" | grep -q "Hello Bob"
}
main_pid() { systemctl show -P MainPID mvi-host.service; }
serving_pid() { pgrep -P "$(main_pid)" -x mvi-host; }
no_mvi_process() {  # passes when no process of the user mvi is left (pgrep: 1 = none found)
    rc=0; pgrep -u mvi -l || rc=$?; [ "$rc" = 1 ]
}
not() {  # fails when the command succeeds (set -e ignores a command negated with !)
    if "$@"; then echo "unexpectedly succeeded: $*"; return 1; fi
}
'
c() { check "$1" "$helpers $2"; }

c "apt-get installs the package and its dependencies from the archive" '
    apt-get update -q
    apt-get install -y -q procps "/mnt/mvi/'"$deb_name"'"
    dpkg -s mvi | grep -q "^Status: install ok installed"'

c "postinst made the mvi user and /var/lib/mvi, left the units disabled and stopped" '
    getent passwd mvi
    stat -c "%U:%G %a %n" /var/lib/mvi /var/lib/mvi/plugins
    [ "$(stat -c "%U:%G %a" /var/lib/mvi)" = "mvi:mvi 750" ]
    [ "$(stat -c "%U:%G %a" /var/lib/mvi/plugins)" = "mvi:mvi 750" ]
    # It may hold passwords: root and the host only.
    [ "$(stat -c "%U:%G %a" /etc/mvi/mvi-host.properties)" = "root:mvi 640" ]
    [ "$(systemctl is-enabled mvi-host.service)" = disabled ]
    [ "$(systemctl is-enabled mvi-host.socket)" = disabled ]
    not systemctl is-active mvi-host.service mvi-host.socket'

if [ -n "$dropin" ]; then
    c "the drop-in $dropin installed" '
        install -D -m 0644 /mnt/mvi/dropin.conf /etc/systemd/system/mvi-host.service.d/check.conf
        systemctl daemon-reload
        systemctl cat mvi-host.service | tail -n +2 | sed -n "/check.conf/,\$p"'
fi

c "systemctl start mvi-host: active, /~ready 200, /~health alive" '
    systemctl start mvi-host
    wait_ready
    systemctl status --no-pager -l mvi-host
    [ "$(systemctl is-active mvi-host)" = active ]
    curl -fsS "$base/~health" | grep -q "\"alive\""
    [ -n "$(serving_pid)" ]'

c "the unit hardening is in force in the serving process" '
    s=$(serving_pid)
    grep -E "^(Uid|NoNewPrivs|CapEff|CapBnd)" /proc/$s/status
    [ "$(awk "/^Uid:/ { print \$3 }" /proc/$s/status)" = "$(id -u mvi)" ]
    grep -q "^NoNewPrivs:[[:space:]]*1" /proc/$s/status
    grep -q "^CapBnd:[[:space:]]*0000000000000000" /proc/$s/status
    # ProtectSystem=strict, ReadWritePaths=/var/lib/mvi: / read-only, /var/lib/mvi writable
    awk "\$5 == \"/\" || \$5 == \"/var/lib/mvi\" { print \$5, \$6 }" /proc/$s/mountinfo
    awk "\$5 == \"/\" { ro = (\$6 ~ /^ro/) } END { exit !ro }" /proc/$s/mountinfo
    awk "\$5 == \"/var/lib/mvi\" { rw = (\$6 ~ /^rw/) } END { exit !rw }" /proc/$s/mountinfo'

c "the administrator password was generated; POST /auth/login gives a token" '
    ls -l /var/lib/mvi/data/admin_password
    [ "$(stat -c "%U %a" /var/lib/mvi/data/admin_password)" = "mvi 600" ]
    pw=$(head -n1 /var/lib/mvi/data/admin_password)
    answer=$(curl -fsS --data-urlencode username=admin --data-urlencode "password=$pw" "$base/auth/login")
    printf "%s" "$answer" | sed -n "s/.*\"token\": *\"\([^\"]*\)\".*/\1/p" > /root/mvi-token
    [ -s /root/mvi-token ]
    mvi login --host "$base" --username admin --password "$pw"
    # The host logs its lines with their priority: the generated password is a warning.
    journalctl -u mvi-host --no-pager -o cat -p warning | grep "generated a password"'

c "hello deployed into /var/lib/mvi/plugins is served: 401 without a token, 200 with one" '
    install -m 0644 /mnt/mvi/hello.so /var/lib/mvi/plugins/hello_1.0.0.so
    for _ in $(seq 1 60); do call_hello >/dev/null 2>&1 && break; sleep 0.5; done
    code=$(curl -sS -o /dev/null -w "%{http_code}" -X POST -H "Content-Type: application/json" \
        -d "{\"name\":\"Bob\"}" "$base/services/hello/hello")
    echo "without a token: $code"
    [ "$code" = 401 ]
    call_hello
    mvi call hello hello "{\"name\":\"Bob\"}" | grep -q "Hello Bob"
    curl -fsS -H "Authorization: Bearer $(token)" "$base/metrics" | grep -c "^mvi_"'

c "mvi deploy over HTTP (upload under ProtectSystem=strict) of hello 1.0.1" '
    mvi deploy hello 1.0.1 /mnt/mvi/hello.so
    ls -l /var/lib/mvi/plugins
    [ -f /var/lib/mvi/plugins/hello_1.0.1.so ]
    mvi ls
    mvi call hello_1.0.1 hello "{\"name\":\"Bob\"}" | grep -q "Hello Bob"'

c "systemctl restart: a new supervisor, hello loaded again, the token still valid" '
    before=$(main_pid)
    systemctl restart mvi-host
    wait_ready
    echo "MainPID $before -> $(main_pid)"
    [ "$(main_pid)" != "$before" ]
    for _ in $(seq 1 20); do call_hello >/dev/null 2>&1 && break; sleep 0.5; done
    call_hello'

c "kill -9 of the serving process: the supervisor serves again, systemd sees nothing" '
    main=$(main_pid); s=$(serving_pid); restarts=$(systemctl show -P NRestarts mvi-host)
    kill -9 "$s"
    for _ in $(seq 1 40); do
        n=$(serving_pid || true); [ -n "$n" ] && [ "$n" != "$s" ] && break; sleep 0.25
    done
    wait_ready
    echo "serving $s -> $(serving_pid), MainPID $main -> $(main_pid)," \
        "NRestarts $restarts -> $(systemctl show -P NRestarts mvi-host)"
    [ "$(main_pid)" = "$main" ]
    [ -n "$(serving_pid)" ]
    [ "$(serving_pid)" != "$s" ]
    [ "$(systemctl show -P NRestarts mvi-host)" = "$restarts" ]
    call_hello
    journalctl -u mvi-host --no-pager -o cat | grep -q "supervisor: serving again"'

c "an upgrade (dpkg -i of the package over itself) restarts the running host" '
    before=$(main_pid)
    dpkg -i "/mnt/mvi/'"$deb_name"'"
    wait_ready
    echo "MainPID $before -> $(main_pid)"
    [ "$(main_pid)" != "$before" ]
    for _ in $(seq 1 20); do call_hello >/dev/null 2>&1 && break; sleep 0.5; done
    call_hello'

c "systemctl stop: a clean exit (Result=success, status 0), no process left" '
    start=$(date +%s)
    systemctl stop mvi-host
    echo "stopped in $(( $(date +%s) - start )) s"
    systemctl show -p Result -p ExecMainStatus -p ActiveState mvi-host
    [ "$(systemctl show -P Result mvi-host)" = success ]
    [ "$(systemctl show -P ExecMainStatus mvi-host)" = 0 ]
    [ "$(systemctl is-active mvi-host)" = inactive ]
    no_mvi_process
    journalctl -u mvi-host --no-pager -o cat | tail -n 6 | grep -q "mvi: stopped"'

c "socket activation: mvi-host.socket alone, the first request starts the host" '
    systemctl start mvi-host.socket
    [ "$(systemctl is-active mvi-host.socket)" = active ]
    not systemctl is-active mvi-host.service
    curl -fsS --max-time 30 "$base/~health" | grep -q "\"alive\""
    [ "$(systemctl is-active mvi-host.service)" = active ]
    systemctl status --no-pager mvi-host | grep -q "TriggeredBy: .*mvi-host.socket"
    wait_ready
    for _ in $(seq 1 20); do call_hello >/dev/null 2>&1 && break; sleep 0.5; done
    call_hello
    systemctl stop mvi-host.socket mvi-host.service
    not systemctl is-active mvi-host.service mvi-host.socket
    not curl -sS --max-time 5 "$base/~health"'

max_exposure=${MVI_CHECK_MAX_EXPOSURE:-4.0}
c "systemd-analyze security mvi-host: exposure at most $max_exposure" '
    systemd-analyze security --no-pager mvi-host.service > /root/security.txt 2>&1 || true
    grep -E "^(✗|→)" /root/security.txt
    level=$(sed -n "s/.*Overall exposure level for mvi-host.service: \([0-9.]*\).*/\1/p" /root/security.txt)
    [ -n "$level" ]
    awk -v l="$level" -v m='"$max_exposure"' "BEGIN { exit !(l <= m) }"'
ct 'cat /root/security.txt' >"$logs/security.txt" 2>&1
grep '^→' "$logs/security.txt" | sed 's/^/     /'

c "apt-get remove: the host stopped, programs gone, data, plugins and configuration kept" '
    systemctl start mvi-host
    wait_ready
    apt-get remove -y -q mvi
    not systemctl is-active mvi-host
    no_mvi_process
    [ ! -e /usr/bin/mvi-host ]
    ls -l /var/lib/mvi/data /var/lib/mvi/plugins /etc/mvi
    [ -s /var/lib/mvi/data/mvi.db ]
    [ -s /var/lib/mvi/data/admin_password ]
    [ -f /var/lib/mvi/plugins/hello_1.0.0.so ]
    [ -f /etc/mvi/mvi-host.properties ]
    [ "$(systemctl is-enabled mvi-host.service 2>/dev/null)" = masked ]'

c "installing again carries on: units unmasked, hello served, the old token accepted" '
    apt-get install -y -q "/mnt/mvi/'"$deb_name"'"
    [ "$(systemctl is-enabled mvi-host.service)" = disabled ]
    not systemctl is-active mvi-host
    systemctl enable --now mvi-host
    wait_ready
    for _ in $(seq 1 20); do call_hello >/dev/null 2>&1 && break; sleep 0.5; done
    call_hello'

c "apt-get purge: /var/lib/mvi, /etc/mvi and the units' links removed, the mvi user kept" '
    apt-get purge -y -q mvi
    not dpkg -s mvi
    no_mvi_process
    [ ! -e /var/lib/mvi ]
    [ ! -e /etc/mvi ]
    links=$(find /etc/systemd/system \( -type l -o -type f \) -name "mvi-host.*")
    echo "unit links left: ${links:-none}"
    [ -z "$links" ]
    getent passwd mvi'

power_off
if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed; logs in $logs"
    exit 1
fi
echo "every check passed; logs in $logs"
