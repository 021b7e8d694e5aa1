# Sourced by the shell tests (tests/install/check_install.sh, tests/package/check_package.sh):
#   begin_work NAME      makes the work folder $work, removed at exit after the host the test
#                        started ($host_pid, if any) is stopped
#   fail MESSAGE...      prints FAIL: MESSAGE on stderr and exits 1
#   wait_for_url LOG     waits (up to 60 s) until mvi-host ($host_pid) writes "mvi-host listening
#                        on URL" to LOG and sets $url; fails when the host exits or never listens

cleanup() {
    if [ -n "$host_pid" ]; then
        kill "$host_pid" 2>/dev/null || true
        wait "$host_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}

begin_work() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    host_pid=
    trap cleanup EXIT
}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

wait_for_url() {
    url=
    attempts=0
    while [ -z "$url" ]; do
        kill -0 "$host_pid" 2>/dev/null || { cat "$1" >&2; fail "mvi-host exited"; }
        url=$(sed -n 's|.*mvi-host listening on \(http://[^ ]*\).*|\1|p' "$1" | head -n 1)
        attempts=$((attempts + 1))
        [ "$attempts" -le 600 ] || { cat "$1" >&2; fail "mvi-host never listened"; }
        [ -n "$url" ] || sleep 0.1
    done
}
