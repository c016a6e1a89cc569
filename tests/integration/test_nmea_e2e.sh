#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 3 end to end: gpsntpd (-x) reads the simulated receiver on a pty, locks within a few
# seconds, and survives each fault the simulator injects: garbage, bad checksums and a no-fix
# period give no samples and no crash; an unplug/replug recovers without a restart; a time
# jump is flagged, not followed. `gpsntpctl sources` tells the truth at each step.
#
# The faults come at set seconds of the simulator's timeline, but a loaded machine may run this
# script seconds late, so no state is judged at a chosen second. Each fault is judged from the
# daemon's counters and log once it is over, waited for with a deadline, and from the order in
# which the daemon counted things: it handles the receiver's cycles one after the other,
# however late. A recorder takes `gpsntpctl sources` five times a second for that.
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

# The recorder: one JSON reading a line (gpsntpctl alone, quick even on a loaded machine).
(while :; do gn_ctl -j sources; sleep 0.2; done) >"$GN_TMP/readings.json" 2>/dev/null &
gn_track $!

show() { echo "--- t=$(($(date +%s) - t0)) s: $1"; gn_ctl sources; }

# Locks within a few seconds.
locked() { [ "$(src state,selected)" = "OK true" ]; }
gn_wait_for 10 locked || { show "not locked"; gn_fail "not locked (valid samples, selected) within 10 s"; }
show "locked"
steps0=$(grep -c "clock stepped" "$GN_TMP/gpsntpd.log" || true)

# Garbage (10-14), then bad checksums (16-20): the framer finds the sentences again after the
# garbage and counts the bad checksums. Samples come again after them: every sample counted
# after the first bad checksum is from a cycle after the window.
bad_counted() {
    read -r nbad n_bad <<<"$(src counters.bad_checksum,samples)"
    [ "${nbad:-0}" -gt 0 ]
}
gn_wait_for 25 bad_counted || { show "no bad checksums"; gn_fail "bad checksums not counted (did the garbage before them break the framer?)"; }
show "bad checksums counted"
samples_again() { [ "$(src samples)" -gt "$n_bad" ]; }
gn_wait_for 15 samples_again || { show "no samples"; gn_fail "no samples after the garbage and the bad checksums"; }

# No fix (22-27): the cycles are counted, and none gives a sample. Wait until a sample follows
# the no-fix cycles (the window is over), then look in the record: every reading taken after
# the first no-fix cycle and before the last one (as the counter tells, not the clock) shows
# the same number of samples.
nofix_over() {
    read -r nf n <<<"$(src counters.no_fix,samples)"
    [ "${nf:-0}" -gt 0 ] && { [ -n "${n_nf:-}" ] || n_nf=$n; } && [ "$n" -gt "$n_nf" ]
}
gn_wait_for 15 nofix_over || { show "no fix"; gn_fail "no no-fix cycles counted, or no samples after them"; }
show "after the no-fix period"
[ "$nf" -ge 3 ] || gn_fail "only $nf no-fix cycles counted, expected 5"
python3 - "$GN_TMP/readings.json" "$nf" <<'PY' || gn_fail "samples taken without a fix"
import json, sys
final = int(sys.argv[2])
inside = []
for line in open(sys.argv[1]):
    try:
        s = json.loads(line)["sources"][0]
    except ValueError:
        continue  # the line being written
    if 0 < s["counters"]["no_fix"] < final:
        inside.append((s["counters"]["no_fix"], s["samples"]))
print("readings inside the no-fix window (no-fix cycles, samples):", inside)
assert len(inside) >= 2, "fewer than two readings inside the no-fix window"
assert len({n for _, n in inside}) == 1, "the samples went on"
PY

# Unplugged (30-34): the daemon notices the loss, reopens the new pty by itself (a backoff of
# 1, 2, 4, 8 s after the loss puts the first try after the replug anywhere from 35 to 39 s)
# and takes samples again.
gn_wait_for 15 grep -q "nmea0: .*: device lost" "$GN_TMP/gpsntpd.log" ||
    { show "not unplugged"; gn_fail "the loss of the device was not noticed"; }
back() {
    read -r nrc n_back <<<"$(src counters.reconnect,samples)"
    [ "${nrc:-0}" -ge 1 ]
}
gn_wait_for 15 back || { show "not back"; gn_fail "the device was not reopened after the replug"; }
recovered() { read -r n st <<<"$(src samples,state)"; [ "$st" = OK ] && [ "$n" -gt "$n_back" ]; }
gn_wait_for 9 recovered || { show "replugged"; gn_fail "no samples after the replug"; }
show "replugged"

# The receiver jumps 10 s ahead (46): flagged, and held off.
jumped() {
    read -r njump held <<<"$(src counters.jump,jump_suspect)"
    [ "${njump:-0}" -ge 1 ] && [ "$held" = true ]
}
gn_wait_for 20 jumped || { show "no jump"; gn_fail "the jump was not flagged and held off"; }
show "after a 10 s jump of the receiver"
off=$(trk last_offset_s)
python3 -c "import sys; sys.exit(abs(float('$off')) > 0.5)" || gn_fail "the jump was followed (last offset $off)"
[ "$(grep -c "clock stepped" "$GN_TMP/gpsntpd.log" || true)" = "$steps0" ] ||
    gn_fail "the clock was stepped after the lock"

kill -0 "$GN_DAEMON_PID" || gn_fail "the daemon died"
gn_stop_daemon
echo "PASS: lock, garbage, bad checksums, no fix, unplug/replug, jump guard"
