#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 16: a liar among three. gpsntpd -x (no reference clock) has three servers on loopback,
# each `iburst minpoll 1 maxpoll 1`:
#   ntp0  a Debian chronyd (`local stratum 1`, -x), honest;
#   ntp1  fakentp.py, honest;
#   ntp2  fakentp.py --offset 1.0: serves this machine's time + 1 s.
# The liar must become a falseticker (select "falseticker", a FALSETICKER event naming it, its
# offset_s -1.0 s: local - reference), the box synchronizes at stratum 2 to an honest one and
# never to the liar (no REF_SELECTED/REF_CHANGED naming ntp2), and what it serves stays within
# 10 ms of this machine's clock (ntpquery.py on its port).
# Then the honest server that leads stops. The liar, once voted out, no longer votes: it is
# judged against the others' majority. So the remaining honest server takes over (REF_CHANGED
# to it), the liar stays a falseticker and is never followed, and served time stays within
# 10 ms.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ntp_lib.sh"
ntp_need_chronyd
command -v python3 >/dev/null || gn_skip "python3 is not installed"

ntp_port P0
ntp_port P1
ntp_port P2
ntp_port P3
ntp_chronyd honest0 "$P1"
PID0=$NTP_PID
ntp_fake honest1 "$P2"
PID1=$NTP_PID
ntp_fake liar "$P3" --offset 1.0

ntp_start_client "$P1" "$P2" "$P3"

falseticker() { [ "$(src select ntp2)" = falseticker ]; }
gn_wait_for 20 ntp_synced2 || { gn_ctl sources; gn_ctl tracking; gn_fail "not synchronized at stratum 2 within 20 s"; }
gn_wait_for 20 falseticker || { gn_ctl sources; gn_fail "ntp2 (+1 s) is not a falseticker within 20 s"; }
gn_wait_for 10 ntp_events_have FALSETICKER:ntp2 || { ntp_events_list; gn_fail "no FALSETICKER event naming ntp2"; }
gn_ctl sources
gn_ctl tracking
ntp_events_list

source=$(trk source)
case "$source" in
ntp0 | ntp1) ;;
*) gn_fail "tracking source is '$source', expected an honest one (ntp0 or ntp1)" ;;
esac
[ "$(trk reference_id)" = 7F000001 ] || gn_fail "tracking reference_id is $(trk reference_id)"
for s in ntp0 ntp1; do
    sel=$(src select $s)
    [ "$sel" = selected ] || [ "$sel" = candidate ] || gn_fail "$s (honest) is '$sel'"
done
liar_off=$(src offset_s ntp2)
python3 -c "import sys; sys.exit(not abs(float('$liar_off') + 1.0) < 0.01)" ||
    gn_fail "ntp2's offset_s is $liar_off, expected -1.0 (local - reference, the liar is 1 s ahead)"
followed_liar=$(ntp_events_since 0 | grep -E '^(REF_SELECTED|REF_CHANGED|SYNC):ntp2$')
[ -z "$followed_liar" ] || gn_fail "the box followed the liar at some point: $followed_liar"

q=$(ntp_query "$P0") || gn_fail "ntpquery: no answer from gpsntpd"
echo "ntpquery 127.0.0.1:$P0: $q"
served=$(ntp_json offset_s <<<"$q")
[ "$(ntp_json stratum <<<"$q")" = 2 ] || gn_fail "clients see stratum $(ntp_json stratum <<<"$q")"
ntp_abs_below "$served" 0.010 || gn_fail "served time is $served s off this machine's clock (limit 10 ms)"

# The leading honest server stops: one honest voter and the liar remain.
seq0=$(ntp_last_seq)
if [ "$source" = ntp0 ]; then victim=$PID0; else victim=$PID1; fi
kill "$victim"
echo "killed $source's server (PID $victim)"
if [ "$source" = ntp0 ]; then other=ntp1; else other=ntp0; fi
taken() { ntp_events_since "$seq0" | grep -q "^REF_CHANGED:$other\$"; }
gn_wait_for 40 taken || { gn_ctl sources; ntp_events_list; gn_fail "$other did not take over within 40 s of $source's server stopping"; }
[ "$(src select ntp2)" = falseticker ] || gn_fail "ntp2 (the liar) is '$(src select ntp2)' after the loss, expected falseticker"
gn_ctl sources
gn_ctl tracking
ntp_events_list
[ "$(trk source)" != ntp2 ] || gn_fail "after the loss the box follows the liar"
followed_liar=$(ntp_events_since 0 | grep -E '^(REF_SELECTED|REF_CHANGED|SYNC):ntp2$')
[ -z "$followed_liar" ] || gn_fail "the box followed the liar at some point: $followed_liar"
[ "$(src select ntp2)" != selected ] || gn_fail "ntp2 (the liar) is selected"
q=$(ntp_query "$P0") || gn_fail "ntpquery: no answer from gpsntpd after the loss"
echo "ntpquery 127.0.0.1:$P0 after the loss: $q"
served2=$(ntp_json offset_s <<<"$q")
ntp_abs_below "$served2" 0.010 || gn_fail "after the loss, served time is $served2 s off this machine's clock"
st2=$(trk stratum)
gn_stop_daemon
echo "PASS: ntp2 (+1 s) falseticker (offset_s $liar_off), followed $source; served offset $served s; with $source gone: $other leads, the liar still a falseticker, stratum $st2, served offset $served2 s"
