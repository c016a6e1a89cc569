#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 14: the statistics logs. gpsntpd -x reads the simulated receiver (NMEA and PPS) with
# `logdir` and `log tracking measurements statistics refclocks`: each file starts with its
# banner and its lines parse (tests/integration/statlog.py); refclocks has pulses and
# sentences. Then logrotate's way: the files are moved, SIGHUP, and new files are created with
# their banners and take the new lines while the moved ones stop growing. As root the daemon
# runs as nobody, who owns the log directory: it creates the files after the privilege drop
# and again after the rotation.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || gn_skip "python3 is not installed"
preload="$GN_BUILD/lib/libgpsntp-fakepps.so"
[ -e "$preload" ] || gn_fail "the PPS test double $preload was not built"

"$GN_BIN/gpsntp-gpssim" --link "$GN_TMP/gps0" --pps "$GN_TMP/pps0" --offset 0.03 \
    --pps-jitter 1e-6 --duration 120 >"$GN_TMP/gpssim.out" 2>&1 &
gn_track $!
gn_wait_for 5 test -e "$GN_TMP/pps0" || gn_fail "simulator did not start"

mkdir -m 750 "$GN_TMP/logs"
owner=$(id -un)
user_line=""
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    chmod 711 "$GN_TMP"
    chown nobody "$GN_TMP/logs"
    owner=nobody
    user_line="user nobody"
fi
cat >"$GN_TMP/gpsntpd.conf" <<CONF
refclock nmea $GN_TMP/gps0 baud 9600 offset 0.1 refid GPS
refclock pps $GN_TMP/pps0 lock GPS refid PPS
port 0
bindaddress 127.0.0.1
controlsocket $GN_TMP/ctl.sock
logdir $GN_TMP/logs
log tracking measurements
log statistics refclocks
$user_line
CONF
# A log without its directory is refused, naming the line.
grep -v '^logdir' "$GN_TMP/gpsntpd.conf" >"$GN_TMP/nologdir.conf"
out=$("$GN_BIN/gpsntpd" -n -f "$GN_TMP/nologdir.conf" 2>&1) && gn_fail "-n took log without logdir"
echo "$out" | grep -q "nologdir.conf:6: log: no logdir" || gn_fail "the refusal does not say why: $out"
LD_PRELOAD=$preload ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 \
    gn_start_daemon "$GN_TMP/gpsntpd.conf"

check() { python3 "$GN_SRC/tests/integration/statlog.py" "$1" "$GN_TMP/logs/$1.log" "${2:-0}"; }
pulses_and_sentences() {
    check refclocks 10 >"$GN_TMP/rc.txt" && grep -q "P:OK" "$GN_TMP/rc.txt" &&
        grep -q "S:OK" "$GN_TMP/rc.txt"
}
# Locked on PPS for a few updates: lines in every file that has them.
gn_wait_for 30 check tracking 5 || { check tracking; gn_fail "no tracking lines"; }
gn_wait_for 10 check statistics 5 || { check statistics; gn_fail "no statistics lines"; }
gn_wait_for 10 pulses_and_sentences || { check refclocks; gn_fail "no accepted pulses and sentences in refclocks.log"; }
check measurements || gn_fail "measurements.log"
for k in tracking statistics refclocks; do
    check $k
    head -5 "$GN_TMP/logs/$k.log"
done
cat "$GN_TMP/logs/measurements.log"
for k in tracking measurements statistics refclocks; do
    [ "$(stat -c %U "$GN_TMP/logs/$k.log")" = "$owner" ] ||
        gn_fail "$k.log is owned by $(stat -c %U "$GN_TMP/logs/$k.log"), not $owner"
done
grep -q " pps0 " "$GN_TMP/logs/tracking.log" || gn_fail "tracking.log does not name pps0"

# Rotation: move, SIGHUP; new files with banners take the lines, the moved ones stop.
for k in tracking measurements statistics refclocks; do
    mv "$GN_TMP/logs/$k.log" "$GN_TMP/logs/$k.log.1"
done
kill -HUP "$GN_DAEMON_PID"
gn_wait_for 10 test -e "$GN_TMP/logs/refclocks.log" || gn_fail "SIGHUP did not create new files"
gn_wait_for 10 check tracking 2 || { check tracking; gn_fail "no tracking lines after the rotation"; }
gn_wait_for 10 check statistics 2 || gn_fail "no statistics lines after the rotation"
gn_wait_for 10 check refclocks 2 || gn_fail "no refclocks lines after the rotation"
check measurements || gn_fail "measurements.log after the rotation"
for k in tracking measurements statistics refclocks; do
    [ "$(stat -c %U "$GN_TMP/logs/$k.log")" = "$owner" ] ||
        gn_fail "the new $k.log is owned by $(stat -c %U "$GN_TMP/logs/$k.log"), not $owner"
done
old=$(wc -l <"$GN_TMP/logs/refclocks.log.1")
new=$(wc -l <"$GN_TMP/logs/refclocks.log")
# A few more seconds of lines: all in the new file.
grow() { [ "$(wc -l <"$GN_TMP/logs/refclocks.log")" -ge $((new + 4)) ]; }
gn_wait_for 15 grow || gn_fail "refclocks.log stopped growing"
[ "$(wc -l <"$GN_TMP/logs/refclocks.log.1")" = "$old" ] || gn_fail "the moved refclocks.log still grows"
python3 "$GN_SRC/tests/integration/statlog.py" tracking \
    "$GN_TMP/logs/tracking.log.1" 5 || gn_fail "the moved tracking.log is damaged"
gn_stop_daemon
echo "PASS: the statistics logs have banners and lines that parse, are written as $owner, and start afresh after a move and SIGHUP"
