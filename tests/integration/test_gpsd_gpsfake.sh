#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 6 with gpsd's own test harness: gpsfake replays a receiver log into a real gpsd, and
# gpsntpd -x, through its gpsd driver (libgps, in its poll loop), receives gpsd's TOFF reports
# as samples: the source is found, selected, and takes one sample per replayed second. The log
# is the simulator's NMEA for the coming minute (gpsntp-gpssim --print), so its times are
# current; gpsfake paces it at one fix cycle per second. In an IPC namespace of its own (lib.sh):
# the gpsd that gpsfake starts creates SHM segments.
GN_OWN_IPC=1
. "$(dirname "$0")/lib.sh"
command -v gpsfake >/dev/null || gn_skip "gpsfake is not installed (Debian package gpsd-clients)"
command -v gpsd >/dev/null || gn_skip "gpsd is not installed (Debian package gpsd)"
command -v python3 >/dev/null || gn_skip "python3 is not installed"

"$GN_BIN/gpsntp-gpssim" --print 60 >"$GN_TMP/receiver.log" || gn_fail "gpssim --print failed"
per_cycle=$("$GN_BIN/gpsntp-gpssim" --print 1 | wc -l)
cycle=$(python3 -c "print(1.0 / $per_cycle)")

port=$((20000 + $$ % 20000))
# -1 once through the log, -c seconds between sentences, -P gpsd's port; gpsfake waits for
# the first client (gpsntpd) before it starts the replay. gpsfake and its gpsd stand in for a
# receiver, whose seconds do not wait for a busy CPU: on a loaded machine gpsfake (Python,
# pacing itself with sleeps) stalled for most of a second once, a jump the daemon rightly held
# off. So they run ahead of the daemon under test (nice -10; as root, which the test is).
nice -n -10 gpsfake -1 -q -c "$cycle" -P $port "$GN_TMP/receiver.log" >"$GN_TMP/gpsfake.log" 2>&1 &
gn_track $!
gn_wait_for 10 ss -Hnlt "sport = :$port" || { cat "$GN_TMP/gpsfake.log"; gn_fail "gpsfake's gpsd is not listening"; }

cat >"$GN_TMP/gpsntpd.conf" <<CONF
refclock gpsd localhost:$port refid GPS
port 0
bindaddress 127.0.0.1
controlsocket $GN_TMP/ctl.sock
CONF
gn_start_daemon "$GN_TMP/gpsntpd.conf"

selected() {
    read -r sel n <<<"$(src selected,samples)"
    [ "$sel" = true ] && [ "${n:-0}" -ge 8 ]
}
gn_wait_for 60 selected || { gn_ctl sources; cat "$GN_TMP/gpsfake.log" "$GN_TMP/gpsntpd.log"; gn_fail "no TOFF samples from gpsd through libgps"; }
# One TOFF per replayed second, timed against this machine's clock over ten of them: never
# more than one a second (plus two, which a busy daemon may still have had queued at the
# first count), and not fewer than one every two seconds (gpsfake, a Python program, paces
# itself with sleeps and runs a little slow on a loaded machine, never half as fast).
t0=$(gn_now)
n0=$(src samples)
ten_more() { [ "$(src samples)" -ge $((n0 + 10)) ]; }
gn_wait_for 20 ten_more || { gn_ctl sources; gn_fail "fewer than 10 samples in 20 s, expected one per second"; }
read -r n1 offset bad <<<"$(src samples,offset_s,counters.bad_format)"
dt=$(python3 -c "print('%.1f' % ($(gn_now) - $t0))")
gn_ctl sources
python3 -c "import sys; sys.exit($n1 - $n0 > $dt + 2)" ||
    gn_fail "$((n1 - n0)) samples in $dt s, more than one per second"
# The replay starts when gpsntpd connects, a second or two into the log: within 5 s.
python3 -c "import sys; sys.exit(abs($offset) > 5)" || gn_fail "offset $offset s"
grep -q "gpsd activated /dev/pts/" "$GN_TMP/gpsntpd.log" ||
    gn_fail "the log does not show the device gpsd activated"
[ "$bad" = 0 ] || gn_fail "gpsd reports counted as bad"
gn_stop_daemon
echo "PASS: TOFF samples from gpsfake's gpsd through libgps, $((n1 - n0)) in $dt s, offset $offset s"
