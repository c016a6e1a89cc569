#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 14 end to end: alarms. gpsntpd -x reads the simulated receiver (NMEA, and its pulses
# through the PPS test double) with an eventcommand that records the environment of each run.
# The receiver sends bad checksums for a while, then is pulled and plugged back. Each event
# is waited for (with a deadline) in `gpsntpctl events`, in the daemon's log (one line with
# its tag) and in the command's records: the lock (REF_SELECTED, SYNC), the bad sentences
# (NMEA_ERRORS), the pull (DEVICE_LOST, REF_LOST, HOLDOVER), the return (RECONNECT,
# REF_SELECTED); every record matches its event, and the runs plus the suppressed counts they
# were told account for every event. Last, as root: the command runs as `user`, without
# capabilities.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || gn_skip "python3 is not installed"
preload="$GN_BUILD/lib/libgpsntp-fakepps.so"
[ -e "$preload" ] || gn_fail "the PPS test double $preload was not built"

# Timeline (s from start): bad checksums 12-16, unplugged 26-30. Long enough for the rate
# limit of the command (10 runs a minute) to let every waiting event through.
"$GN_BIN/gpsntp-gpssim" --link "$GN_TMP/gps0" --pps "$GN_TMP/pps0" --offset 0.03 \
    --pps-jitter 1e-6 --duration 150 --badsum 12:4 --unplug 26:4 >"$GN_TMP/gpssim.out" 2>&1 &
gn_track $!
gn_wait_for 5 test -e "$GN_TMP/pps0" || gn_fail "simulator did not start"

mkdir -m 700 "$GN_TMP/cmd"
# One record per run, appended in one write: the GPSNTPD_ variables, then ".".
cat >"$GN_TMP/cmd/record.sh" <<'SH'
#!/bin/sh
rec=$(env | grep '^GPSNTPD_' | sort; echo .)
printf '%s\n' "$rec" >>"$(dirname "$0")/runs.txt"
SH
chmod 700 "$GN_TMP/cmd/record.sh"

cat >"$GN_TMP/gpsntpd.conf" <<CONF
refclock nmea $GN_TMP/gps0 baud 9600 offset 0.1 refid GPS
refclock pps $GN_TMP/pps0 lock GPS refid PPS
port 0
bindaddress 127.0.0.1
allow 127.0.0.0/8
controlsocket $GN_TMP/ctl.sock
logfile $GN_TMP/file.log
eventcommand $GN_TMP/cmd/record.sh
CONF
"$GN_BIN/gpsntpd" -n -f "$GN_TMP/gpsntpd.conf" | grep -q "^eventcommand $GN_TMP/cmd/record.sh" ||
    gn_fail "-n does not show the eventcommand"
LD_PRELOAD=$preload ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 \
    gn_start_daemon "$GN_TMP/gpsntpd.conf"

in_order() { gn_ctl -j events | python3 "$GN_SRC/tests/integration/events.py" order "$@"; }
wait_events() {
    local limit=$1
    shift
    gn_wait_for "$limit" in_order "$@" || {
        gn_ctl events
        in_order "$@"
        gn_fail "events not seen in order within $limit s: $*"
    }
}
recorded() { grep -q "^GPSNTPD_EVENT_TAG=$1\$" "$GN_TMP/cmd/runs.txt" 2>/dev/null; }

# The lock.
wait_events 25 START REF_SELECTED:pps0 SYNC
gn_wait_for 10 recorded START || gn_fail "the eventcommand did not run for START"
# Bad checksums (12-16): above 10 a minute.
wait_events 30 START NMEA_ERRORS:nmea0
# Pulled (26-30): the device goes, no reference leads, holdover; back: reconnected, selected.
# (A device may be open again before the reference is declared lost: no order between them.)
wait_events 30 NMEA_ERRORS:nmea0 DEVICE_LOST:nmea0 REF_LOST:pps0 HOLDOVER REF_SELECTED:pps0
wait_events 10 DEVICE_LOST:nmea0 RECONNECT:nmea0
wait_events 10 DEVICE_LOST:pps0 RECONNECT:pps0
gn_ctl events

# One log line each, with its tag, severity and source, on stderr and in the log file.
for log in "$GN_TMP/gpsntpd.log" "$GN_TMP/file.log"; do
    grep -q "event REF_LOST severity=critical source=pps0: pps0 lost" "$log" ||
        gn_fail "no REF_LOST line in $log"
    grep -q "event HOLDOVER severity=warning source=-: holdover" "$log" ||
        gn_fail "no HOLDOVER line in $log"
    grep -q "event RECONNECT severity=info source=nmea0: " "$log" ||
        gn_fail "no RECONNECT line in $log"
done
grep -q "critical: event REF_LOST" "$GN_TMP/file.log" || gn_fail "REF_LOST not logged as critical"

# The command: REF_LOST (critical, never coalesced away) has its run; every run matches its
# event and the runs account for all (waited for: the rate limit may hold the last ones).
gn_wait_for 10 recorded REF_LOST || gn_fail "the eventcommand did not run for REF_LOST"
accounted() {
    gn_ctl -j events | python3 "$GN_SRC/tests/integration/events.py" runs "$GN_TMP/cmd/runs.txt"
}
gn_wait_for 75 accounted || { accounted; gn_fail "the eventcommand's runs do not match the events"; }
accounted
# The last N; N checked; only `events` takes one.
[ "$(gn_ctl events 2 | wc -l)" = 4 ] || gn_fail "gpsntpctl events 2 does not show the last two"
gn_ctl -j events 1 | python3 -c "import json, sys; e = json.load(sys.stdin)['events']; sys.exit(len(e) != 1)" ||
    gn_fail "gpsntpctl -j events 1"
gn_ctl events 0 >/dev/null 2>&1 && gn_fail "gpsntpctl events 0 was taken"
gn_ctl sources 3 >/dev/null 2>&1 && gn_fail "gpsntpctl sources took an argument"
printf 'events 100000 -j\n' | python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read())
print(s.recv(200).decode().strip())" "$GN_TMP/ctl.sock" | grep -q "^error: events: N is a count" ||
    gn_fail "the daemon took events 100000"
gn_stop_daemon

# As root: the command runs as `user`, without the daemon's capabilities; its files (and
# the script's directory) must be fit for that (checked by -n too).
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    chmod 711 "$GN_TMP"
    mkdir -m 755 "$GN_TMP/bin"
    mkdir -m 700 "$GN_TMP/out"
    chown nobody "$GN_TMP/out"
    cat >"$GN_TMP/bin/who.sh" <<SH
#!/bin/sh
{ id -un; grep CapEff /proc/self/status; } >>$GN_TMP/out/who.txt
SH
    chmod 755 "$GN_TMP/bin/who.sh"
    cat >"$GN_TMP/user.conf" <<CONF
port 0
bindaddress 127.0.0.1
local stratum 5
controlsocket $GN_TMP/ctl.sock
pidfile $GN_TMP/user.pid
user nobody
eventcommand $GN_TMP/bin/who.sh
CONF
    # A script others may change is refused, naming the line.
    chmod 775 "$GN_TMP/bin/who.sh"
    out=$("$GN_BIN/gpsntpd" -n -f "$GN_TMP/user.conf" 2>&1) && gn_fail "-n took a group-writable eventcommand"
    echo "$out" | grep -q "user.conf:7: eventcommand .*writable by group or others" ||
        gn_fail "the refusal does not say why: $out"
    chmod 755 "$GN_TMP/bin/who.sh"
    gn_start_daemon "$GN_TMP/user.conf"
    gn_wait_for 15 test -s "$GN_TMP/out/who.txt" || gn_fail "the eventcommand did not run as nobody"
    cat "$GN_TMP/out/who.txt"
    grep -qx nobody "$GN_TMP/out/who.txt" || gn_fail "the eventcommand did not run as nobody"
    grep -q "CapEff:[[:space:]]*0*$" "$GN_TMP/out/who.txt" || gn_fail "the eventcommand kept capabilities"
    gn_stop_daemon
fi
echo "PASS: lock, bad sentences, pulled and plugged back: events in gpsntpctl, the log and the eventcommand's runs"
