#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 16: a server that stops. gpsntpd -x (no reference clock) has two honest servers on
# loopback, `iburst minpoll 1 maxpoll 1`: ntp0 a Debian chronyd (`local stratum 1`, -x), ntp1
# fakentp.py. Once synchronized, the server of the selected source is killed. Its reach must
# decay to 0 and its state become "no data"; the other must take over (tracking names it,
# a REF_CHANGED event names it), and the box must stay synchronized at stratum 2 throughout:
# no HOLDOVER, UNSYNC or REF_LOST event after the kill, and clients see stratum 2 and this
# machine's time within 10 ms.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ntp_lib.sh"
ntp_need_chronyd
command -v python3 >/dev/null || gn_skip "python3 is not installed"

ntp_port P0
ntp_port P1
ntp_port P2
ntp_chronyd up0 "$P1"
PID0=$NTP_PID
ntp_fake up1 "$P2"
PID1=$NTP_PID

ntp_start_client "$P1" "$P2"

gn_wait_for 20 ntp_synced2 || { gn_ctl sources; gn_ctl tracking; gn_fail "not synchronized at stratum 2 within 20 s"; }
# Both in the vote before one goes: the other must be a candidate already.
both() {
    case "$(ntp_selects)" in
    "ntp0:selected ntp1:candidate" | "ntp0:candidate ntp1:selected") return 0 ;;
    esac
    return 1
}
gn_wait_for 20 both || { gn_ctl sources; gn_fail "ntp0 and ntp1 are not selected + candidate within 20 s"; }
gn_ctl sources
old=$(trk source)
case "$old" in
ntp0) victim=$PID0 new=ntp1 ;;
ntp1) victim=$PID1 new=ntp0 ;;
*) gn_fail "tracking source is '$old'" ;;
esac

seq0=$(ntp_last_seq)
t_kill=$(gn_now)
kill "$victim"
echo "killed the server of $old (PID $victim); $new should take over"

taken_over() { [ "$(trk source,synchronized,stratum)" = "$new true 2" ]; }
gn_wait_for 40 taken_over || { gn_ctl sources; gn_ctl tracking; ntp_events_list; gn_fail "$new did not take over within 40 s"; }
nodata() { [ "$(src reach,state "$old")" = "0 no data" ]; }
gn_wait_for 40 nodata || { gn_ctl sources; gn_fail "$old: reach not 0 / state not 'no data' within 40 s"; }
t_nodata=$(gn_now)
gn_ctl sources
gn_ctl tracking
echo "events since the kill:"
ntp_events_since "$seq0"
ntp_events_since "$seq0" | grep -qx "REF_CHANGED:$new" || gn_fail "no REF_CHANGED event naming $new"
bad=$(ntp_events_since "$seq0" | grep -E '^(HOLDOVER|UNSYNC|REF_LOST):')
[ -z "$bad" ] || { ntp_events_list; gn_fail "the box did not stay synchronized: $bad"; }
[ "$(src select "$new")" = selected ] || gn_fail "$new is '$(src select "$new")', expected selected"
[ "$(src select "$old")" != selected ] || gn_fail "$old (stopped) is still selected"

q=$(ntp_query "$P0") || gn_fail "ntpquery: no answer from gpsntpd"
echo "ntpquery 127.0.0.1:$P0: $q"
served=$(ntp_json offset_s <<<"$q")
[ "$(ntp_json stratum <<<"$q")" = 2 ] || gn_fail "clients see stratum $(ntp_json stratum <<<"$q")"
ntp_abs_below "$served" 0.010 || gn_fail "served time is $served s off this machine's clock (limit 10 ms)"
over=$(ntp_since "$t_kill" REF_CHANGED "$seq0") || gn_fail "no REF_CHANGED time"
nd=$(python3 -c "print('%.1f' % ($t_nodata - $t_kill))")
gn_stop_daemon
echo "PASS: $old's server killed: $new took over after ${over} s, $old 'no data' (reach 0) after at most ${nd} s (as seen by this script); synchronized throughout, served offset $served s"
