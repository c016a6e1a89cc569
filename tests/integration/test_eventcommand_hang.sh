#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 14: an eventcommand that hangs (a mail relay that never answers) does not stall the
# daemon. Its first run sleeps; while it does, the daemon answers NTP queries and gpsntpctl,
# and records the events that come (the lock) without running anything else; after 30 s the
# command's process group is terminated (the sleep with it, logged); the next run gets the
# most severe waiting event and the count of those that got no run.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || gn_skip "python3 is not installed"

"$GN_BIN/gpsntp-gpssim" --link "$GN_TMP/gps0" --offset 0.03 --duration 120 \
    >"$GN_TMP/gpssim.out" 2>&1 &
gn_track $!
gn_wait_for 5 test -e "$GN_TMP/gps0" || gn_fail "simulator did not start"

mkdir -m 700 "$GN_TMP/cmd"
# The first run hangs (a sleep in the foreground, as a stuck `sendmail` would); later runs
# record their event.
cat >"$GN_TMP/cmd/hang.sh" <<'SH'
#!/bin/sh
d=$(dirname "$0")
if mkdir "$d/hung" 2>/dev/null; then
    echo $$ >"$d/hung/pid"
    exec sleep 300
fi
rec=$(env | grep '^GPSNTPD_' | sort; echo .)
printf '%s\n' "$rec" >>"$d/runs.txt"
SH
chmod 700 "$GN_TMP/cmd/hang.sh"

cat >"$GN_TMP/gpsntpd.conf" <<CONF
refclock nmea $GN_TMP/gps0 baud 9600 offset 0.1 refid GPS
port 0
bindaddress 127.0.0.1
allow 127.0.0.0/8
controlsocket $GN_TMP/ctl.sock
eventcommand $GN_TMP/cmd/hang.sh
CONF
gn_start_daemon "$GN_TMP/gpsntpd.conf"
gn_wait_for 10 grep -q "udp: serving on 127.0.0.1:[1-9]" "$GN_TMP/gpsntpd.log" ||
    gn_fail "the chosen port is not logged"
port=$(sed -n 's/.*udp: serving on 127.0.0.1:\([0-9]*\).*/\1/p' "$GN_TMP/gpsntpd.log" | head -1)

# START's run hangs.
gn_wait_for 10 test -s "$GN_TMP/cmd/hung/pid" || gn_fail "the eventcommand did not start"
hung=$(cat "$GN_TMP/cmd/hung/pid")
t_hung=$(date +%s)
alive() { kill -0 "$hung" 2>/dev/null; }
alive || gn_fail "the hanging command is not running"

# Meanwhile the daemon locks (events recorded, no run) and serves: each query is answered
# while the command is still hanging.
locked() { gn_ctl -j events | python3 "$GN_SRC/tests/integration/events.py" order START SYNC; }
gn_wait_for 20 locked || { gn_ctl events; gn_fail "no SYNC event while the command hangs"; }
answered=0
for _ in 1 2 3; do
    alive || break
    q=$(python3 "$GN_SRC/tests/integration/ntpquery.py" 127.0.0.1 "$port" 4) ||
        gn_fail "no NTP answer while the eventcommand hangs"
    alive || break
    echo "$q"
    echo "$q" | python3 -c "import json, sys; sys.exit(json.load(sys.stdin)['stratum'] != 1)" ||
        gn_fail "not stratum 1 while the eventcommand hangs: $q"
    answered=$((answered + 1))
done
[ "$answered" -ge 1 ] || gn_fail "the command ended before the daemon could be asked"
gn_ctl tracking >/dev/null || gn_fail "gpsntpctl got no answer while the eventcommand hangs"
[ -e "$GN_TMP/cmd/runs.txt" ] && gn_fail "a second run started while the first hung"
gn_ctl events

# Terminated after 30 s (bounded wait), with its group; logged.
gn_wait_for 45 grep -q "eventcommand .*(START, pid $hung): still running after 30 s: terminating it" \
    "$GN_TMP/gpsntpd.log" || gn_fail "the hanging command was not terminated"
gn_wait_for 10 sh -c "! kill -0 $hung 2>/dev/null" || gn_fail "the hanging command survived"
echo "terminated after $(($(date +%s) - t_hung)) s (timeout 30 s)"
grep "eventcommand" "$GN_TMP/gpsntpd.log"

# The next run: the most severe of what waited, told how many got no run.
gn_wait_for 10 test -s "$GN_TMP/cmd/runs.txt" || gn_fail "nothing ran after the hung command"
cat "$GN_TMP/cmd/runs.txt"
n=$(sed -n 's/^GPSNTPD_EVENTS_SUPPRESSED=//p' "$GN_TMP/cmd/runs.txt" | head -1)
[ "${n:-0}" -ge 1 ] || gn_fail "the run after the hang was not told of the events it stood for"
kill -0 "$GN_DAEMON_PID" || gn_fail "the daemon died"
gn_stop_daemon
echo "PASS: $answered NTP queries answered while the eventcommand hung; it was terminated after the timeout; the next run stood for $((n + 1)) events"
