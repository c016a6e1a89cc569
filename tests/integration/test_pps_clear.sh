#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# `refclock pps ... clear`: the PPS driver's own option reaches the driver, which captures the
# clear edge. The simulated receiver's pulse is 200 ms wide, so its clear edge comes 200 ms
# after the second; configured with `clear offset 0.2`, the clear edges name the seconds as
# the assert edges would, and pps0 leads with a microsecond offset. Had `clear` not reached
# the driver, it would capture the assert edges, 200 ms off the configured offset: the lock
# would reject them or the offset would show it.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || gn_skip "python3 is not installed"
preload="$GN_BUILD/lib/libgpsntp-fakepps.so"
[ -e "$preload" ] || gn_fail "the PPS test double $preload was not built"

"$GN_BIN/gpsntp-gpssim" --link "$GN_TMP/gps0" --pps "$GN_TMP/pps0" --pps-width 0.2 \
    --latency 0.35 --duration 60 >"$GN_TMP/gpssim.out" 2>&1 &
gn_track $!
gn_wait_for 5 test -e "$GN_TMP/pps0" || gn_fail "simulator did not start"

cat >"$GN_TMP/gpsntpd.conf" <<CONF
refclock nmea $GN_TMP/gps0 baud 9600 offset 0.35 refid GPS
refclock pps $GN_TMP/pps0 lock GPS clear offset 0.2 refid PPS
port 0
bindaddress 127.0.0.1
controlsocket $GN_TMP/ctl.sock
CONF
LD_PRELOAD=$preload ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 \
    gn_start_daemon "$GN_TMP/gpsntpd.conf" -v

gn_wait_for 10 grep -q "capturing the clear edge" "$GN_TMP/gpsntpd.log" ||
    gn_fail "the driver does not capture the clear edge"
leads() {
    read -r sel n <<<"$(src selected,samples pps0)"
    [ "$sel" = true ] && [ "${n:-0}" -ge 5 ]
}
gn_wait_for 30 leads || { gn_ctl sources; gn_fail "pps0 does not lead on its clear edges"; }
gn_ctl sources
# The clock follows pps0; the NMEA seconds, the independent witness, must agree with it to
# their own jitter. Assert edges taken for clear ones would put them 0.2 s apart.
off=$(src offset_s pps0)
python3 -c "import sys; sys.exit(abs(float('$off')) > 1e-3)" ||
    gn_fail "pps0's offset $off s"
settled() {
    read -r n noff <<<"$(src samples,offset_s nmea0)"
    [ "${n:-0}" -ge 5 ] && python3 -c "import sys; sys.exit(abs(float('$noff')) > 0.02)"
}
gn_wait_for 20 settled || { gn_ctl sources; gn_fail "nmea0 disagrees with pps0 by $noff s: the edges are not the clear ones"; }
gn_stop_daemon
echo "PASS: clear reaches the PPS driver; pps0 leads on its clear edges"
