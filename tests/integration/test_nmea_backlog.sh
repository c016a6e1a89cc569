#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Stale NMEA: cycles a port queued while unread come out in one burst (seen on a real 16550
# under QEMU: ten seconds of cycles read at once after the open, one became the reference's
# second and every pulse was then rejected). gpsntp-gpssim --backlog releases ten old cycles
# at once into a locked gpsntpd: none may name a second (counted stale, or held off by the jump
# guard), the clock must not move, and the source stays selected with the live cycles.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || gn_skip "python3 is not installed"

"$GN_BIN/gpsntp-gpssim" --link "$GN_TMP/gps0" --duration 60 --backlog 12:10 \
    >"$GN_TMP/gpssim.out" 2>&1 &
gn_track $!
gn_wait_for 5 test -e "$GN_TMP/gps0" || gn_fail "simulator did not start"

cat >"$GN_TMP/gpsntpd.conf" <<CONF
refclock nmea $GN_TMP/gps0 baud 9600 offset 0.1 refid GPS
port 0
bindaddress 127.0.0.1
controlsocket $GN_TMP/ctl.sock
CONF
gn_start_daemon "$GN_TMP/gpsntpd.conf"

locked() { [ "$(src state,selected)" = "OK true" ]; }
gn_wait_for 10 locked || gn_fail "not locked within 10 s"
stale0=$(src counters.stale)
steps0=$(grep -c "clock stepped" "$GN_TMP/gpsntpd.log" || true)

# The burst: at least nine of the ten old cycles are refused as stale (the first may reach the
# jump guard instead: an older label a second later looks like a receiver's jump).
burst_seen() { [ "$(src counters.stale)" -ge $((stale0 + 9)) ]; }
gn_wait_for 25 burst_seen || { gn_ctl sources; gn_fail "the backlog was not refused as stale"; }
gn_ctl sources
# Then live cycles again, accepted, and the clock never followed the old seconds.
samples=$(src samples)
more() {
    read -r n sel st <<<"$(src samples,selected,state)"
    [ "${n:-0}" -ge $((samples + 3)) ] && [ "$sel" = true ] && [ "$st" = OK ]
}
gn_wait_for 10 more || { gn_ctl sources; gn_fail "no live samples after the backlog"; }
off=$(trk last_offset_s)
python3 -c "import sys; sys.exit(abs(float('$off')) > 0.05)" ||
    gn_fail "the backlog moved the clock (last offset $off s)"
[ "$(grep -c "clock stepped" "$GN_TMP/gpsntpd.log" || true)" = "$steps0" ] ||
    gn_fail "the clock was stepped after the lock"
grep -q "faster than they are labelled" "$GN_TMP/gpsntpd.log" || gn_fail "the burst was not logged"
kill -0 "$GN_DAEMON_PID" || gn_fail "the daemon died"
gn_stop_daemon
echo "PASS: a 10-cycle backlog names no second; live cycles lead again"
