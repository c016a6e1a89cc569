#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 16: two appliances peering, no loops. Two gpsntpd -x on 127.0.0.1, each `peer` to the
# other's server port (minpoll 1 maxpoll 1):
#   A  has a simulated receiver (gpsntp-gpssim on a pty, NMEA) and `maxholdover 6`;
#   B  has no reference clock.
# With the sky, B must follow A (tracking source peer0, stratum 2, reference ID 7F000001, and
# its clients see this machine's time within the NMEA bound of 20 ms), and A must not follow B:
# A stays at stratum 1 on nmea0, and sees B at stratum 2 with reference ID 127.0.0.1, one of
# A's own addresses, so its peer0 is "loop", never selected.
# Then A's receiver stops: A holds over at stratum 1, then (maxholdover 6) is unsynchronized,
# and through both it must not start following B, whose time is A's own (the only thing that
# stops it once A is unsynchronized is the loop check: no holdover bound competes then). This is
# judged after A has asked B at least 4 more times since it became unsynchronized. Last, B
# (told by A that A is unsynchronized) loses A and holds over at stratum 2; A, with nothing but
# B to hear, still must not follow it (4 more samples of B, peer0 still "loop").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ntp_lib.sh"
command -v python3 >/dev/null || gn_skip "python3 is not installed"

ntp_port PA
ntp_port PB

"$GN_BIN/gpsntp-gpssim" --link "$GN_TMP/gps0" --duration 300 >"$GN_TMP/gpssim.out" 2>&1 &
SIM=$!
gn_track $SIM
gn_wait_for 5 test -e "$GN_TMP/gps0" || gn_fail "simulator did not start"

# A: lib.sh's daemon ($GN_TMP/gpsntpd.log, ctl.sock). B: its own log and socket.
cat >"$GN_TMP/gpsntpd.conf" <<CONF
refclock nmea $GN_TMP/gps0 baud 9600 offset 0.101 refid GPS
port $PA
bindaddress 127.0.0.1
allow 127.0.0.0/8
controlsocket $GN_TMP/ctl.sock
maxholdover 6
peer 127.0.0.1 port $PB minpoll 1 maxpoll 1
CONF
cat >"$GN_TMP/b.conf" <<CONF
port $PB
bindaddress 127.0.0.1
allow 127.0.0.0/8
controlsocket $GN_TMP/b.sock
pidfile $GN_TMP/b.pid
peer 127.0.0.1 port $PA iburst minpoll 1 maxpoll 1
CONF
gn_start_daemon "$GN_TMP/gpsntpd.conf"
"$GN_BIN/gpsntpd" -d -x -f "$GN_TMP/b.conf" >>"$GN_TMP/b.log" 2>&1 &
B_PID=$!
gn_track $B_PID

ctlB() { "$GN_BIN/gpsntpctl" -s "$GN_TMP/b.sock" "$@"; }
srcB() { ctlB -j sources | python3 "$GN_SRC/tests/integration/sources.py" "$@"; }
trkB() { ctlB -j tracking | python3 "$GN_SRC/tests/integration/sources.py" "$1"; }
failB() {
    echo "--- B:" >&2
    ctlB sources >&2
    ctlB tracking >&2
    echo "--- B's log, last 30 lines:" >&2
    tail -n 30 "$GN_TMP/b.log" >&2
    echo "--- A:" >&2
    gn_ctl sources >&2
    gn_ctl tracking >&2
    gn_fail "$@"
}
gn_wait_for 5 test -S "$GN_TMP/b.sock" || failB "B: no control socket"

# With the sky: A at stratum 1 on its receiver, B following A at stratum 2.
a_on_gps() { [ "$(trk source,synchronized,stratum)" = "nmea0 true 1" ]; }
b_on_a() { [ "$(trkB source,synchronized,stratum)" = "peer0 true 2" ]; }
gn_wait_for 30 a_on_gps || failB "A not at stratum 1 on nmea0 within 30 s"
gn_wait_for 30 b_on_a || failB "B does not follow A (peer0, stratum 2) within 30 s"
# A has heard B at stratum 2 (B answers A's polls once it follows A).
a_hears_b() { [ "$(src stratum peer0)" = 2 ]; }
gn_wait_for 20 a_hears_b || failB "A does not see B at stratum 2 within 20 s"
echo "--- A with the sky:"
gn_ctl sources
gn_ctl tracking
echo "--- B with the sky:"
ctlB sources
ctlB tracking

[ "$(trkB reference_id)" = 7F000001 ] || failB "B's reference_id is $(trkB reference_id), expected 7F000001"
read -r bkind bdrv bdev bst brr <<<"$(srcB kind,driver,device,stratum,remote_refid peer0)"
[ "$bkind $bdrv $bdev $bst $brr" = "peer peer 127.0.0.1:$PA 1 GPS" ] ||
    failB "B's peer0: kind driver device stratum remote_refid = '$bkind $bdrv $bdev $bst $brr', expected 'peer peer 127.0.0.1:$PA 1 GPS'"
# The selection judges B's sample at its next tick: wait for its verdict.
a_loop() { [ "$(src select peer0)" = loop ]; }
gn_wait_for 10 a_loop || failB "A's peer0 (B, refid 127.0.0.1 = A's own address) is '$(src select peer0)', not 'loop'"
read -r asel ast arr <<<"$(src select,stratum,remote_refid peer0)"
echo "A's peer0 (B): select $asel, stratum $ast, remote_refid $arr"
[ "$arr" = 127.0.0.1 ] || failB "A's peer0 (B) remote_refid is '$arr', expected 127.0.0.1"
[ "$(trk source,stratum)" = "nmea0 1" ] || failB "A does not stay on nmea0 at stratum 1"
q=$(ntp_query "$PB") || failB "ntpquery: no answer from B"
echo "ntpquery B (127.0.0.1:$PB): $q"
[ "$(ntp_json stratum <<<"$q")" = 2 ] || failB "B's clients see stratum $(ntp_json stratum <<<"$q")"
servedB=$(ntp_json offset_s <<<"$q")
ntp_abs_below "$servedB" 0.020 || failB "B serves $servedB s off this machine's clock (limit 20 ms, NMEA)"
q=$(ntp_query "$PA") || failB "ntpquery: no answer from A"
servedA=$(ntp_json offset_s <<<"$q")
echo "ntpquery A (127.0.0.1:$PA): $q"

# The sky is lost at A.
seqA=$(ntp_last_seq)
kill "$SIM"
echo "--- A's receiver stopped"
a_holdover() { gn_ctl -j events | python3 "$GN_SRC/tests/integration/events.py" order HOLDOVER; }
gn_wait_for 20 a_holdover || failB "A: no HOLDOVER event within 20 s of losing its receiver"
hold_st=$(gn_ctl -j events | python3 -c '
import json, sys
print([e for e in json.load(sys.stdin)["events"] if e["tag"] == "HOLDOVER"][-1]["stratum"])')
[ "$hold_st" = 1 ] || failB "A's holdover is at stratum $hold_st, expected 1"
a_unsync() { [ "$(trk synchronized,stratum)" = "false 16" ]; }
gn_wait_for 30 a_unsync || failB "A not unsynchronized within 30 s (maxholdover 6)"
n0=$(src samples peer0)
more() { [ "$(src samples peer0)" -ge $((n0 + 4)) ]; }
gn_wait_for 30 more || failB "A got no 4 more samples of B within 30 s of becoming unsynchronized"
echo "--- A after losing its receiver:"
gn_ctl sources
gn_ctl tracking
echo "--- B:"
ctlB sources
ctlB tracking
echo "--- A's events since the loss:"
ntp_events_since "$seqA"
read -r asel2 ast2 arr2 <<<"$(src select,stratum,remote_refid peer0)"
echo "A's peer0 (B) now: select $asel2, stratum $ast2, remote_refid $arr2"
[ "$(trk source)" != peer0 ] || failB "A follows B, which follows A: a loop"
[ "$(trk stratum)" = 16 ] || failB "A is at stratum $(trk stratum), expected 16 (unsynchronized, no loop)"
[ "$asel2" != selected ] || failB "A's peer0 (B) is selected"
followed=$(ntp_events_since 0 | grep -E '^(REF_SELECTED|REF_CHANGED|SYNC):peer0$')
[ -z "$followed" ] || failB "A followed B at some point: $followed"
[ "$asel2" = loop ] || failB "A's peer0 (B) is '$asel2' after the loss, expected 'loop'"

# B is told by A that A is unsynchronized: B loses A and holds over; A, unsynchronized with
# nothing but B to hear, still must not follow B (B's time is still A's, refid 127.0.0.1).
b_holdover() { ctlB -j events | python3 "$GN_SRC/tests/integration/events.py" order HOLDOVER; }
gn_wait_for 40 b_holdover || failB "B: no HOLDOVER event within 40 s of A becoming unsynchronized"
n1=$(src samples peer0)
more1() { [ "$(src samples peer0)" -ge $((n1 + 4)) ]; }
gn_wait_for 30 more1 || failB "A got no 4 more samples of B within 30 s of B's holdover"
echo "--- A with B in holdover:"
gn_ctl sources
gn_ctl tracking
echo "--- B in holdover:"
ctlB sources
ctlB tracking
bst2=$(trkB stratum)
[ "$bst2" = 2 ] || failB "B's holdover is at stratum $bst2, expected 2 (the stratum it had)"
[ "$(trk stratum)" = 16 ] || failB "A is at stratum $(trk stratum) with B in holdover, expected 16"
[ "$(src select peer0)" = loop ] || failB "A's peer0 (B in holdover) is '$(src select peer0)', expected 'loop'"
followed=$(ntp_events_since 0 | grep -E '^(REF_SELECTED|REF_CHANGED|SYNC):peer0$')
[ -z "$followed" ] || failB "A followed B at some point: $followed"
gn_stop_daemon
kill "$B_PID"
echo "PASS: B followed A (stratum 2, served offset $servedB s; A served $servedA s); A never followed B (peer0 'loop', remote refid $arr); A holdover at stratum 1, then unsynchronized; B then in holdover at stratum $bst2, A still not following it"
