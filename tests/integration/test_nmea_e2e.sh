#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 3 end to end: gpsntpd (-x) reads the simulated receiver on a pty, locks within a few
# seconds, and survives each fault the simulator injects: garbage, bad checksums and a no-fix
# period give no samples and no crash; an unplug/replug recovers without a restart; a time
# jump is flagged, not followed. `gpsntpctl sources` tells the truth at each step.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || gn_skip "python3 is not installed"

# Timeline (s from start): garbage 10-14, bad checksums 16-20, no fix 22-27, unplugged 30-34,
# time jump +10 s from 46.
"$GN_BIN/gpsntp-gpssim" --link "$GN_TMP/gps0" --duration 64 --garbage 10:4 --badsum 16:4 \
    --nofix 22:5 --unplug 30:4 --jump 46:10 >"$GN_TMP/gpssim.out" 2>&1 &
gn_track $!
gn_wait_for 5 test -e "$GN_TMP/gps0" || gn_fail "simulator did not start"
t0=$(date +%s)

cat >"$GN_TMP/gpsntpd.conf" <<CONF
refclock nmea $GN_TMP/gps0 baud 9600 offset 0.1 refid GPS
port 0
bindaddress 127.0.0.1
controlsocket $GN_TMP/ctl.sock
makestep 1 -1
jumppersist 600
CONF
gn_start_daemon "$GN_TMP/gpsntpd.conf"

src() { gn_ctl -j sources | python3 "$GN_SRC/tests/integration/sources.py" "$1"; }
at() { # wait until second $1 of the timeline
    now=$(($(date +%s) - t0))
    [ "$now" -lt "$1" ] && sleep $(($1 - now))
    return 0
}
show() { echo "--- t=$(($(date +%s) - t0)) s: $1"; gn_ctl sources; }

# Locks within a few seconds.
locked() { [ "$(src state)" = OK ] && [ "$(src selected)" = true ]; }
gn_wait_for 8 locked || { show "not locked"; gn_fail "not locked (valid samples, selected) within 8 s"; }
show "locked"

at 15
show "after garbage"
[ "$(src state)" = OK ] || gn_fail "garbage broke the source"
n_before=$(src samples)

at 21
show "after bad checksums"
[ "$(src counters.bad_checksum)" -gt 0 ] || gn_fail "bad checksums not counted"

at 25
s1=$(src samples)
sleep 1.5
s2=$(src samples)
show "during no fix"
[ "$(src state)" = "no fix" ] || gn_fail "state is not 'no fix' during the no-fix period"
[ "$s1" = "$s2" ] || gn_fail "samples taken without a fix ($s1 -> $s2)"
[ "$(src counters.no_fix)" -gt 0 ] || gn_fail "no-fix cycles not counted"

at 32
show "unplugged"
case "$(src state)" in
"reconnecting" | "no data") ;;
*) gn_fail "state '$(src state)' while unplugged" ;;
esac

# The reopen backoff (1, 2, 4, 8 s after the loss) puts the first try after the replug
# anywhere from 35 to 39 s: wait for the samples, up to the jump.
at 35
recovered() { [ "$(src state)" = OK ] && [ "$(src samples)" -gt "$n_before" ]; }
gn_wait_for 9 recovered || { show "replugged"; gn_fail "did not recover after replug"; }
show "replugged"
[ "$(src counters.reconnect)" -ge 1 ] || gn_fail "reconnect not counted"

at 51
show "after a 10 s jump of the receiver"
[ "$(src counters.jump)" -ge 1 ] || gn_fail "the jump was not flagged"
[ "$(src jump_suspect)" = true ] || gn_fail "the jumped source is not held off"
off=$(gn_ctl -j tracking | python3 "$GN_SRC/tests/integration/sources.py" last_offset_s)
python3 -c "import sys; sys.exit(abs(float('$off')) > 0.5)" || gn_fail "the jump was followed (last offset $off)"

kill -0 "$GN_DAEMON_PID" || gn_fail "the daemon died"
gn_stop_daemon
echo "PASS: lock, garbage, bad checksums, no fix, unplug/replug, jump guard"
