#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 16: kiss-o'-death handling of gpsntpd's NTP client, against fakentp.py servers that
# count the requests they see. gpsntpd -x has four sources:
#   ntp0  an honest fake server, minpoll 1 maxpoll 1: the witness whose requests (one every
#         2 s) measure the daemon's own time passing;
#   ntp1  kisses RATE with poll 3 on every request (iburst minpoll 1 maxpoll 4): the burst
#         stops and the poll becomes at least max(minpoll + 1, 3) = 3, so the next request
#         comes >= 8 s later (the burst would send it 2 s later); counters.kod counts it;
#   ntp2  kisses DENY, ntp3 kisses RSTR: each gets exactly one request, the source shows
#         state "denied", and no further request reaches them while the witness sees the
#         daemon poll on for 4 more polls (at least 8 s).
# The box stays synchronized to ntp0 meanwhile.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ntp_lib.sh"
command -v python3 >/dev/null || gn_skip "python3 is not installed"

ntp_port P0
ntp_port PW
ntp_port PR
ntp_port PD
ntp_port PS
ntp_fake wit "$PW"
ntp_fake rate "$PR" --kod RATE --kod-poll 3
ntp_fake deny "$PD" --kod DENY
ntp_fake rstr "$PS" --kod RSTR

cat >"$GN_TMP/gpsntpd.conf" <<CONF
port $P0
bindaddress 127.0.0.1
allow 127.0.0.0/8
controlsocket $GN_TMP/ctl.sock
server 127.0.0.1 port $PW minpoll 1 maxpoll 1
server 127.0.0.1 port $PR iburst minpoll 1 maxpoll 4
server 127.0.0.1 port $PD iburst minpoll 1 maxpoll 4
server 127.0.0.1 port $PS iburst minpoll 1 maxpoll 4
CONF
gn_start_daemon "$GN_TMP/gpsntpd.conf"
gn_wait_for 5 test -S "$GN_TMP/ctl.sock" || gn_fail "no control socket"

# DENY and RSTR: one request each, one kiss each, then "denied".
denied() { [ "$(src state "$1")" = denied ]; }
gn_wait_for 15 denied ntp2 || { gn_ctl sources; gn_fail "ntp2 (DENY) not denied within 15 s"; }
gn_wait_for 15 denied ntp3 || { gn_ctl sources; gn_fail "ntp3 (RSTR) not denied within 15 s"; }
deny0=$(ntp_reqs deny)
rstr0=$(ntp_reqs rstr)
wit0=$(ntp_reqs wit)
read -r kod2 sel2 <<<"$(src counters.kod,select ntp2)"
read -r kod3 sel3 <<<"$(src counters.kod,select ntp3)"
[ "$kod2" = 1 ] || gn_fail "ntp2 counters.kod is $kod2, expected 1"
[ "$kod3" = 1 ] || gn_fail "ntp3 counters.kod is $kod3, expected 1"
[ "$deny0" = 1 ] || gn_fail "the DENY server saw $deny0 requests by the time ntp2 was denied, expected 1"
[ "$rstr0" = 1 ] || gn_fail "the RSTR server saw $rstr0 requests by the time ntp3 was denied, expected 1"
if [ "$sel2" = selected ] || [ "$sel3" = selected ]; then gn_fail "a denied source is selected"; fi
grep -q "ntp2: .*DENY" "$GN_TMP/gpsntpd.log" || gn_fail "the DENY is not logged"
grep -q "ntp3: .*RSTR" "$GN_TMP/gpsntpd.log" || gn_fail "the RSTR is not logged"

# RATE: the first kiss ends the burst and raises the poll to >= 3.
kissed() { [ "$(src counters.kod ntp1)" -ge 1 ]; }
gn_wait_for 15 kissed || { gn_ctl sources; gn_fail "ntp1 (RATE): no kiss counted within 15 s"; }
poll1=$(src poll ntp1)
gn_ctl sources
[ "$poll1" -ge 3 ] || gn_fail "ntp1 poll is $poll1 after a RATE kiss with poll 3, expected >= 3 (minpoll 1)"
gn_wait_for 30 ntp_reqs_at_least rate 2 || { gn_ctl sources; gn_fail "ntp1: no second request within 30 s"; }
gap=$(awk 'NR == 1 { a = $1 } NR == 2 { printf "%.3f", $1 - a }' "$GN_TMP/rate.req")
echo "RATE: poll after the first kiss $poll1; first two requests $gap s apart"
python3 -c "import sys; sys.exit(not float('$gap') >= 7.5)" ||
    gn_fail "ntp1: the request after a RATE kiss (poll 3) came $gap s later, expected >= 8 s"
kissed2() { [ "$(src counters.kod ntp1)" -ge 2 ]; }
gn_wait_for 10 kissed2 || gn_fail "ntp1: the second RATE kiss is not counted"
poll2=$(src poll ntp1)
[ "$poll2" -ge "$poll1" ] || gn_fail "ntp1: the poll fell from $poll1 to $poll2 after a second RATE kiss"

# The denied sources stay silent while the daemon polls on: 4 more of the witness's polls.
gn_wait_for 30 ntp_reqs_at_least wit $((wit0 + 4)) || gn_fail "the witness saw no 4 more polls within 30 s"
gn_ctl sources
deny1=$(ntp_reqs deny)
rstr1=$(ntp_reqs rstr)
wit1=$(ntp_reqs wit)
[ "$deny1" = "$deny0" ] || gn_fail "the DENY server saw $((deny1 - deny0)) more requests after ntp2 was denied"
[ "$rstr1" = "$rstr0" ] || gn_fail "the RSTR server saw $((rstr1 - rstr0)) more requests after ntp3 was denied"
read -r st2 st3 <<<"$(src state ntp2) $(src state ntp3)"
[ "$st2 $st3" = "denied denied" ] || gn_fail "denied sources changed state: ntp2 '$st2', ntp3 '$st3'"

read -r source synced stratum <<<"$(trk source,synchronized,stratum)"
[ "$source $synced $stratum" = "ntp0 true 2" ] ||
    gn_fail "tracking: source $source synchronized $synced stratum $stratum, expected ntp0 true 2"
gn_stop_daemon
echo "PASS: RATE (poll 3): poll $poll1, then $poll2, requests $gap s apart, kod counted; DENY and RSTR: one request each, denied, none more over $((wit1 - wit0)) witness polls; synchronized to ntp0"
