#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 4 end to end: with a simulated receiver whose time is 0.250 s ahead of this machine's
# clock, gpsntpd -x reaches stratum 1 with reference ID GPS, and real clients (ntpdig,
# chronyd -Q) measure that +0.250 s in its answers within the NMEA error bound: the served
# time follows the reference, not the local clock (which -x never touches). When the receiver
# goes quiet the server holds over, then degrades as configured (maxholdover): clients no longer see stratum 1.
. "$(dirname "$0")/lib.sh"
gn_need_root
for tool in ntpdig chronyd python3; do
    command -v "$tool" >/dev/null || gn_skip "$tool is not installed"
done
gn_port_free 127.0.0.2 123 || gn_skip "127.0.0.2:123 is in use"

shift_s=0.250
# The simulator runs until it is stopped below (the duration only bounds it).
"$GN_BIN/gpsntp-gpssim" --link "$GN_TMP/gps0" --offset $shift_s --duration 120 \
    >"$GN_TMP/gpssim.out" 2>&1 &
SIM=$!
gn_track $SIM
gn_wait_for 5 test -e "$GN_TMP/gps0" || gn_fail "simulator did not start"

# The simulator's first byte leaves 0.1 s after the second; 9600 baud adds ~1 ms.
cat >"$GN_TMP/gpsntpd.conf" <<CONF
refclock nmea $GN_TMP/gps0 baud 9600 offset 0.101 refid GPS
bindaddress 127.0.0.2
allow 127.0.0.0/8
controlsocket $GN_TMP/ctl.sock
makestep 0.1 -1
maxholdover 6
CONF
gn_start_daemon "$GN_TMP/gpsntpd.conf"
synced() { [ "$(trk stratum)" = 1 ]; }
gn_wait_for 15 synced || { gn_ctl tracking; gn_fail "not stratum 1 within 15 s"; }
sleep 3
gn_ctl tracking
[ "$(trk reference_name)" = GPS ] || gn_fail "reference ID is not GPS"

# Real clients see stratum 1 and the receiver's +0.250 s (NMEA bound: 20 ms).
out=$(ntpdig -j -t 2 127.0.0.2) || gn_fail "ntpdig got no answer"
echo "ntpdig: $out"
echo "$out" | python3 -c "
import json, sys
r = json.loads([l for l in sys.stdin.read().splitlines() if l.startswith('{')][-1])
assert r['stratum'] == 1, 'stratum %r' % r['stratum']
assert abs(float(r['offset']) - $shift_s) < 0.02, 'offset %r, expected +$shift_s' % r['offset']
" || gn_fail "ntpdig did not see stratum 1 and +$shift_s s"

mkdir -p "$GN_TMP/chrony"
cat >"$GN_TMP/chrony.conf" <<CONF
server 127.0.0.2 iburst minpoll 0 maxpoll 0
pidfile $GN_TMP/chrony/chronyd.pid
cmdport 0
CONF
out=$(timeout 30 chronyd -Q -u root -t 20 -f "$GN_TMP/chrony.conf" 2>&1) || gn_fail "chronyd -Q: $out"
offset=$(echo "$out" | sed -n 's/.*wrong by \(-\?[0-9.]*\) seconds.*/\1/p' | tail -1)
echo "chronyd -Q: system clock wrong by $offset s"
# chrony reports the correction the local clock would need: +0.250 when the server is ahead.
python3 -c "import sys; sys.exit(abs(float('$offset') - $shift_s) > 0.02)" ||
    gn_fail "chronyd measured $offset s, expected +$shift_s"

# The receiver goes quiet: holdover (still stratum 1, dispersion growing), then after
# maxholdover (6 s) unsynchronized. Both as the daemon reports them (its log tells each
# change of its reference state, in order), waited for: a loaded machine may run this script
# seconds late, past the holdover, never the daemon's holdover short.
modes() { grep "reference state: " "$GN_TMP/gpsntpd.log" | tail -n +$((modes0 + 1)); }
modes0=$(grep -c "reference state: " "$GN_TMP/gpsntpd.log")
gn_ctl tracking
disp=$(trk root_dispersion_s)
kill "$SIM"
unsynchronized() { [ "$(trk stratum)" = 16 ]; }
gn_wait_for 20 unsynchronized || { gn_ctl tracking; gn_fail "still stratum $(trk stratum) after maxholdover"; }
gn_ctl tracking
modes
[ "$(modes | sed 's/.*reference state: //' | paste -sd,)" = "holdover (stratum 1),unsynchronized (stratum 16)" ] ||
    gn_fail "not holdover at stratum 1, then unsynchronized"
[ "$(trk leap_status)" = "Not synchronised" ] || gn_fail "leap status is not 'Not synchronised'"
out=$(ntpdig -j -t 2 127.0.0.2 2>&1)
echo "ntpdig after maxholdover: $out"
echo "$out" | grep -q '"stratum": *1[,}]' && gn_fail "clients still see stratum 1"
gn_stop_daemon
echo "PASS: stratum 1 GPS, clients see +$shift_s s, holdover then unsynchronized (root dispersion $disp s before the loss)"
