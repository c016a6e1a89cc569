#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 6 with the real gpsd: gpsd owns the simulated receiver's port; gpsntpd -x takes its
# time both ways gpsd offers at once, through libgps (`refclock gpsd`, TOFF reports) and
# through the ntpd SHM segment gpsd writes (`refclock shm 0`), and both agree. Then gpsd is
# stopped and restarted mid-run: the gpsd source shows the loss, reconnects by itself, and
# both sources take samples again without a restart of gpsntpd.
#
# gpsd writes SHM only for real serial ports (it stays quiet towards NTP on a pty, its own test
# harness), so gpsd runs with libgpsntp-fakeusb.so, which makes the simulator's pty look like a
# USB serial adapter to gpsd. The test runs in an IPC namespace of its own (see lib.sh).
GN_OWN_IPC=1
. "$(dirname "$0")/lib.sh"
command -v gpsd >/dev/null || gn_skip "gpsd is not installed (Debian package gpsd)"
command -v python3 >/dev/null || gn_skip "python3 is not installed"
fakeusb="$GN_BUILD/lib/libgpsntp-fakeusb.so"
[ -e "$fakeusb" ] || gn_fail "$fakeusb was not built"

shift_s=0.5
"$GN_BIN/gpsntp-gpssim" --link "$GN_TMP/gps0" --offset $shift_s --duration 90 \
    >"$GN_TMP/gpssim.out" 2>&1 &
gn_track $!
gn_wait_for 5 test -e "$GN_TMP/gps0" || gn_fail "simulator did not start"

gpsd_port=$((20000 + $$ % 20000))
start_gpsd() {
    # -N foreground, -n read the receiver without waiting for a client, -b never write to it.
    GN_FAKEUSB="$GN_TMP/gps0" LD_PRELOAD="$fakeusb" \
        gpsd -N -n -b -S $gpsd_port -F "$GN_TMP/gpsd.sock" "$GN_TMP/gps0" \
        >>"$GN_TMP/gpsd.log" 2>&1 &
    GPSD_PID=$!
    gn_track $GPSD_PID
}
start_gpsd
gn_wait_for 5 ss -Hnlt "sport = :$gpsd_port" || gn_fail "gpsd is not listening on port $gpsd_port"

cat >"$GN_TMP/gpsntpd.conf" <<CONF
refclock gpsd 127.0.0.1:$gpsd_port refid GPS
refclock shm 0 refid SHM noselect
port 0
bindaddress 127.0.0.1
controlsocket $GN_TMP/ctl.sock
# Never step: the offsets shown must keep the receiver's -0.5 s and gpsd's latency.
makestep 1 3
CONF
gn_start_daemon "$GN_TMP/gpsntpd.conf"

src() { gn_ctl -j sources | python3 "$GN_SRC/tests/integration/sources.py" "$2" "$1"; }
both_ok() {
    [ "$(src gpsd0 state)" = OK ] && [ "$(src shm0 state)" = OK ] &&
        [ "$(src gpsd0 samples)" -ge 5 ] && [ "$(src shm0 samples)" -ge 5 ]
}
gn_wait_for 20 both_ok || { gn_ctl sources; cat "$GN_TMP/gpsd.log"; gn_fail "no samples from gpsd through both libgps and SHM"; }
gn_ctl sources
ipcs -m
# Both carry the same receiver through the same gpsd: the same offset to within the jitter.
a=$(src gpsd0 offset_s)
b=$(src shm0 offset_s)
python3 -c "import sys; sys.exit(abs($a - ($b)) > 0.005)" ||
    gn_fail "libgps says $a s, SHM says $b s: they should agree"
python3 -c "import sys; sys.exit(abs($a + $shift_s) > 0.5)" ||
    gn_fail "offset $a s: expected the receiver's -$shift_s s plus gpsd's latency"
[ "$(src gpsd0 counters.bad_format)" = 0 ] || gn_fail "gpsd reports counted as bad"

# gpsd goes away ...
kill "$GPSD_PID"
wait "$GPSD_PID" 2>/dev/null
sleep 3
gn_ctl sources
state=$(src gpsd0 state)
[ "$state" = reconnecting ] || [ "$state" = "no data" ] ||
    gn_fail "gpsd source state '$state' while gpsd is down"
shm_before=$(src shm0 samples)
gpsd_before=$(src gpsd0 samples)

# ... and comes back on the same port: the driver reconnects by itself.
start_gpsd
back() {
    [ "$(src gpsd0 state)" = OK ] && [ "$(src gpsd0 samples)" -ge $((gpsd_before + 3)) ] &&
        [ "$(src shm0 samples)" -ge $((shm_before + 3)) ]
}
gn_wait_for 25 back || { gn_ctl sources; gn_fail "no samples again after gpsd restarted"; }
gn_ctl sources
[ "$(src gpsd0 counters.reconnect)" -ge 1 ] || gn_fail "the reconnect was not counted"
gn_stop_daemon
echo "PASS: libgps TOFF ($a s) and SHM ($b s) samples from a real gpsd; gpsd restart survived"
