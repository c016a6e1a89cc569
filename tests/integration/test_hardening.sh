#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# What a hostile (or just unlucky) local user found, closed: a second instance is refused by
# the pidfile's lock and cannot share the port; the control socket lets anyone monitor but
# only root (or the daemon's group) control; SIGUSR1 does not kill; SIGHUP reopens the log
# file; port 0 says which port it got; a state directory the service user cannot write stops
# the start with a clear error; a device that cannot be opened is logged at every retry and
# shown in sources. (The symlink race on the control socket: tests/unit/test_ctl_socket.c.)
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || gn_skip "python3 is not installed"
command -v setpriv >/dev/null || gn_skip "setpriv is not installed"
gn_need_root
chmod 755 "$GN_TMP" # other users may reach the control socket (it decides per peer)

cat >"$GN_TMP/gpsntpd.conf" <<CONF
port 0
bindaddress 127.0.0.1
allow 127.0.0.0/8
local stratum 1
controlsocket $GN_TMP/ctl.sock
pidfile $GN_TMP/gpsntpd.pid
logfile $GN_TMP/file.log
refclock nmea $GN_TMP/no-such-receiver refid GPS
CONF
gn_start_daemon "$GN_TMP/gpsntpd.conf"
gn_wait_for 10 test -S "$GN_TMP/ctl.sock" || gn_fail "no control socket"

# port 0: the log says which port the kernel chose.
gn_wait_for 5 grep -q "udp: serving on 127.0.0.1:[1-9]" "$GN_TMP/file.log" ||
    gn_fail "the chosen port is not logged"
port=$(sed -n 's/.*udp: serving on 127.0.0.1:\([0-9]*\).*/\1/p' "$GN_TMP/file.log" | head -1)
echo "chosen port: $port"

# A second instance of the same configuration: refused, naming the first.
out=$(timeout 10 "$GN_BIN/gpsntpd" -d -x -f "$GN_TMP/gpsntpd.conf" 2>&1) &&
    gn_fail "a second instance started"
echo "$out" | grep -q "another gpsntpd (pid $GN_DAEMON_PID)" ||
    gn_fail "the refusal does not name the first instance: $out"
gn_ctl tracking >/dev/null || gn_fail "the first instance lost its control socket"
# With another pidfile but the first one's port: the port is not shared (no SO_REUSEADDR).
sed -e "s|^pidfile .*|pidfile $GN_TMP/other.pid|" -e "s|^port 0|port $port|" \
    -e "s|^controlsocket .*|controlsocket $GN_TMP/other.sock|" -e "/^logfile/d" \
    "$GN_TMP/gpsntpd.conf" >"$GN_TMP/other.conf"
out=$(timeout 10 "$GN_BIN/gpsntpd" -d -x -f "$GN_TMP/other.conf" 2>&1) &&
    gn_fail "a second daemon shared the NTP port"
echo "$out" | grep -q "cannot bind 127.0.0.1:$port" || gn_fail "no bind error: $out"

# Two access levels: nobody monitors but may not step the clock; root may.
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
as_nobody "$GN_BIN/gpsntpctl" -s "$GN_TMP/ctl.sock" tracking | grep -q "Stratum" ||
    gn_fail "an ordinary user cannot monitor"
out=$(as_nobody "$GN_BIN/gpsntpctl" -s "$GN_TMP/ctl.sock" makestep 2>&1 || true)
echo "$out" | grep -q "needs root" || gn_fail "an ordinary user was let step the clock: $out"
gn_ctl makestep | grep -q "200 OK" || gn_fail "root may not step the clock"

# Several clients at once: idle connections (a stuck scraper) do not lock gpsntpctl out.
python3 - "$GN_TMP/ctl.sock" <<'PY' &
import socket, sys, time
idle = []
for _ in range(3):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    idle.append(s)
time.sleep(0.8)
PY
idle_pid=$!
sleep 0.2
gn_ctl tracking | grep -q "Stratum" || gn_fail "idle control connections locked gpsntpctl out"
wait $idle_pid

# A receiver that cannot be opened: logged at each retry (1 s, 2 s, ...), shown in sources.
retried() { [ "$(grep -c 'no-such-receiver: cannot open' "$GN_TMP/file.log")" -ge 2 ]; }
gn_wait_for 10 retried || gn_fail "the open error is not logged at each retry"
gn_ctl sources | grep -q "cannot open: No such file or directory" ||
    gn_fail "sources does not say why the device cannot be opened"
err=$(gn_ctl -j sources | python3 "$GN_SRC/tests/integration/sources.py" error nmea0)
[ "$err" = "No such file or directory" ] || gn_fail "JSON error field: '$err'"

# SIGUSR1 does not kill; SIGHUP reopens the log file that logrotate moved.
kill -USR1 "$GN_DAEMON_PID"
mv "$GN_TMP/file.log" "$GN_TMP/file.log.1"
kill -HUP "$GN_DAEMON_PID"
gn_wait_for 10 grep -q "log file reopened" "$GN_TMP/file.log" ||
    gn_fail "SIGHUP did not reopen the log file"
kill -0 "$GN_DAEMON_PID" || gn_fail "a signal killed the daemon"
gn_stop_daemon

# The state directory: the service user must be able to write the drift file there.
mkdir -p "$GN_TMP/state" && chmod 755 "$GN_TMP/state"
cat >"$GN_TMP/state.conf" <<CONF
port 0
bindaddress 127.0.0.1
controlsocket $GN_TMP/state.sock
pidfile $GN_TMP/state.pid
driftfile $GN_TMP/state/drift
user nobody
CONF
out=$(timeout 10 "$GN_BIN/gpsntpd" -d -x -f "$GN_TMP/state.conf" 2>&1) &&
    gn_fail "started with a state directory its user cannot write"
echo "$out" | grep -q "not writable by nobody" || gn_fail "no clear state-directory error: $out"
echo "PASS: second instance refused, port not shared, monitor/control levels, open errors" \
    "retried and shown, SIGUSR1 harmless, SIGHUP reopens the log, state directory checked"
