# SPDX-License-Identifier: BSD-2-Clause
# Shared helpers for the integration tests (sourced). Every process a test starts is recorded
# and ended by PID at exit; every wait is bounded.
set -u

# A test that sets GN_OWN_IPC=1 before sourcing runs in an IPC namespace of its own (as root):
# the ntpd SHM segments gpsd creates (keys 0x4e545030 + unit) then belong to the test, never
# to the machine's own time service, and vanish with it.
if [ "${GN_OWN_IPC:-0}" = 1 ] && [ "${GN_IN_IPC_NS:-0}" != 1 ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null; then
        echo "SKIPPED: needs root and unshare (a private IPC namespace for the SHM segments)" >&2
        exit 77
    fi
    GN_IN_IPC_NS=1 exec unshare --ipc bash "$0" "$@"
fi

: "${GN_BIN:?GN_BIN must point at build/bin}"
: "${GN_SRC:?GN_SRC must point at the source tree}"
GN_TMP=$(mktemp -d /tmp/gntest.XXXXXX)
GN_PIDS=""

gn_cleanup() {
    for pid in $GN_PIDS; do
        kill "$pid" 2>/dev/null
    done
    for pid in $GN_PIDS; do
        # Bounded wait for each, then make sure.
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -9 "$pid" 2>/dev/null
    done
    rm -rf "$GN_TMP"
}
trap gn_cleanup EXIT INT TERM

gn_fail() {
    echo "FAIL: $*" >&2
    if [ -s "$GN_TMP/gpsntpd.log" ]; then
        echo "--- the daemon's log, last 40 lines:" >&2
        tail -n 40 "$GN_TMP/gpsntpd.log" >&2
    fi
    exit 1
}

gn_skip() {
    echo "SKIPPED: $*" >&2
    exit 77
}

# gn_native_only REASON: skip in a cross build, whose programs run under an emulator (GN_BIN
# holds wrappers, GN_EMULATOR the emulator; see tests/CMakeLists.txt), when the test cannot
# work through one: it traces or preloads into a process that is then the emulator's.
gn_native_only() {
    [ -z "${GN_EMULATOR:-}" ] || gn_skip "under $GN_EMULATOR: $*"
}

gn_need_root() {
    [ "$(id -u)" -eq 0 ] || gn_skip "needs root (binds port 123 on 127.0.0.2 / drops privileges)"
}

# gn_track PID: end this process at exit.
gn_track() {
    GN_PIDS="$GN_PIDS $1"
}

# gn_wait_for SECONDS COMMAND...: retry the command every 0.1 s until it succeeds.
gn_wait_for() {
    limit=$1
    shift
    end=$(($(date +%s) + limit))
    while [ "$(date +%s)" -le "$end" ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# gn_start_daemon CONFIG [extra flags]: start gpsntpd -d -x in the background, logging to
# $GN_TMP/gpsntpd.log; sets GN_DAEMON_PID. Fails if it dies within its first half second.
gn_start_daemon() {
    conf=$1
    shift
    # Each test's own pidfile: the default one would make concurrent test runs (or a real
    # gpsntpd on this machine) refuse each other.
    grep -q '^pidfile ' "$conf" || echo "pidfile $GN_TMP/gpsntpd.pid" >>"$conf"
    "$GN_BIN/gpsntpd" -d -x -f "$conf" "$@" >>"$GN_TMP/gpsntpd.log" 2>&1 &
    GN_DAEMON_PID=$!
    gn_track "$GN_DAEMON_PID"
    sleep 0.5
    if ! kill -0 "$GN_DAEMON_PID" 2>/dev/null; then
        cat "$GN_TMP/gpsntpd.log" >&2
        gn_fail "gpsntpd exited at start-up"
    fi
}

# gn_stop_daemon: SIGTERM, and check it exits cleanly (status 0) within 5 s.
gn_stop_daemon() {
    kill -TERM "$GN_DAEMON_PID"
    for _ in $(seq 50); do
        kill -0 "$GN_DAEMON_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$GN_DAEMON_PID" 2>/dev/null; then
        gn_fail "gpsntpd did not exit within 5 s of SIGTERM"
    fi
    wait "$GN_DAEMON_PID"
    rc=$?
    [ "$rc" -eq 0 ] || gn_fail "gpsntpd exited with status $rc after SIGTERM"
}

# gn_ctl ARGS...: gpsntpctl against this test's daemon. A test may read it from a background
# recorder and from the script at once: the daemon lets several clients wait for their line.
gn_ctl() {
    "$GN_BIN/gpsntpctl" -s "$GN_TMP/ctl.sock" "$@"
}

# src FIELD[,FIELD...] [SOURCE]: a field of one reference clock in `gpsntpctl -j sources`,
# SOURCE naming it (default: the first source); counters.NAME reads a counter, booleans print
# as true/false. Several comma-separated fields come from one reading of the daemon, printed
# on one line separated by spaces (put a state, which may hold a space, last):
#   src samples;  src counters.no_fix nmea0;  read -r n st <<<"$(src samples,state pps0)"
src() {
    gn_ctl -j sources | python3 "$GN_SRC/tests/integration/sources.py" "$@"
}

# trk FIELD[,FIELD...]: a field of `gpsntpctl -j tracking`, e.g. trk stratum.
trk() {
    gn_ctl -j tracking | python3 "$GN_SRC/tests/integration/sources.py" "$1"
}

# gn_now: this machine's time in seconds, with fractions (for measuring an interval).
gn_now() {
    date +%s.%N
}

# gn_port_free ADDR PORT: true when nothing listens on that UDP port.
gn_port_free() {
    ! ss -Hnlu "src $1 and sport = :$2" 2>/dev/null | grep -q .
}
