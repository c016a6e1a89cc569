#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 16: gpsntpd's NTP client against a real server. A Debian chronyd answers as a stratum-1
# server on 127.0.0.1:P1 (`local stratum 1`, -x: it never touches the clock); gpsntpd -x, with
# no reference clock and `server 127.0.0.1 port P1 iburst minpoll 1 maxpoll 2`, must select it
# (ntp0), be synchronized at stratum 2 with reference ID 7F000001, and real clients (ntpquery.py
# and chronyd -Q, on gpsntpd's own port) must see stratum 2 and this machine's time within a
# few ms. The lock time (launch to the daemon's SYNC event) is printed.
# Then the iburst itself: with `iburst minpoll 6`, four samples arrive within seconds (2 s
# apart), not one every 64 s, and the box locks as quickly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ntp_lib.sh"
ntp_need_chronyd
command -v python3 >/dev/null || gn_skip "python3 is not installed"

ntp_port P0 # gpsntpd's server port
ntp_port P1 # chronyd's
ntp_chronyd up "$P1"

cat >"$GN_TMP/gpsntpd.conf" <<CONF
port $P0
bindaddress 127.0.0.1
allow 127.0.0.0/8
controlsocket $GN_TMP/ctl.sock
server 127.0.0.1 port $P1 iburst minpoll 1 maxpoll 2
CONF
t0=$(gn_now)
gn_start_daemon "$GN_TMP/gpsntpd.conf"
gn_wait_for 5 test -S "$GN_TMP/ctl.sock" || gn_fail "no control socket"

gn_wait_for 20 ntp_synced2 || { gn_ctl sources; gn_ctl tracking; gn_fail "not synchronized at stratum 2 within 20 s"; }
lock=$(ntp_since "$t0" SYNC) || gn_fail "no SYNC event"
gn_ctl sources
gn_ctl tracking

read -r sel kind drv dev st <<<"$(src select,kind,driver,device,stratum ntp0)"
[ "$sel" = selected ] || gn_fail "ntp0 select is '$sel', expected selected"
[ "$kind" = server ] || gn_fail "ntp0 kind is '$kind', expected server"
[ "$drv" = ntp ] || gn_fail "ntp0 driver is '$drv', expected ntp"
[ "$dev" = "127.0.0.1:$P1" ] || gn_fail "ntp0 device is '$dev', expected 127.0.0.1:$P1"
[ "$st" = 1 ] || gn_fail "ntp0 (chronyd, local stratum 1) has stratum '$st'"
read -r source refid <<<"$(trk source,reference_id)"
[ "$source" = ntp0 ] || gn_fail "tracking source is '$source', expected ntp0"
[ "$refid" = 7F000001 ] || gn_fail "tracking reference_id is '$refid', expected 7F000001"
ntp_events_have SYNC:ntp0 >/dev/null || gn_fail "no SYNC event naming ntp0"

# A real client on gpsntpd's port: stratum 2, refid 127.0.0.1, our own clock's time (client,
# gpsntpd and chronyd share this machine's clock: the offset is the whole chain's error).
q=$(ntp_query "$P0") || gn_fail "ntpquery: no answer from gpsntpd on 127.0.0.1:$P0"
echo "ntpquery 127.0.0.1:$P0: $q"
[ "$(ntp_json stratum <<<"$q")" = 2 ] || gn_fail "clients see stratum $(ntp_json stratum <<<"$q")"
[ "$(ntp_json refid <<<"$q")" = 7f000001 ] || gn_fail "clients see refid $(ntp_json refid <<<"$q")"
[ "$(ntp_json leap <<<"$q")" = 0 ] || gn_fail "clients see leap $(ntp_json leap <<<"$q")"
served=$(ntp_json offset_s <<<"$q")
ntp_abs_below "$served" 0.003 || gn_fail "served time is $served s off this machine's clock (limit 3 ms)"

mkdir -p "$GN_TMP/q"
cat >"$GN_TMP/q/chrony.conf" <<CONF
server 127.0.0.1 port $P0 iburst minpoll 0 maxpoll 0
pidfile $GN_TMP/q/chronyd.pid
logdir $GN_TMP/q
log measurements
cmdport 0
bindcmdaddress /
CONF
out=$(timeout 30 chronyd -Q -u root -t 20 -f "$GN_TMP/q/chrony.conf" 2>&1) || gn_fail "chronyd -Q: $out"
cq=$(echo "$out" | sed -n 's/.*wrong by \(-\?[0-9.]*\) seconds.*/\1/p' | tail -1)
echo "chronyd -Q against gpsntpd: system clock wrong by $cq s"
[ -n "$cq" ] || gn_fail "chronyd -Q reported no offset: $out"
ntp_abs_below "$cq" 0.003 || gn_fail "chronyd -Q measured $cq s (limit 3 ms)"
awk '$3 == "127.0.0.1" { if ($5 != 2) bad = 1; n++ } END { exit (n == 0 || bad) }' \
    "$GN_TMP/q/measurements.log" || { cat "$GN_TMP/q/measurements.log"; gn_fail "chronyd -Q did not measure stratum 2"; }
gn_stop_daemon

# The iburst: at minpoll 6 the second sample would come after 64 s without it.
rm -f "$GN_TMP/ctl.sock"
cat >"$GN_TMP/gpsntpd.conf" <<CONF
port $P0
bindaddress 127.0.0.1
allow 127.0.0.0/8
controlsocket $GN_TMP/ctl.sock
server 127.0.0.1 port $P1 iburst minpoll 6 maxpoll 6
CONF
t0=$(gn_now)
gn_start_daemon "$GN_TMP/gpsntpd.conf"
gn_wait_for 5 test -S "$GN_TMP/ctl.sock" || gn_fail "no control socket (second start)"
gn_wait_for 20 ntp_synced2 || { gn_ctl sources; gn_fail "iburst minpoll 6: not synchronized within 20 s"; }
lock6=$(ntp_since "$t0" SYNC) || gn_fail "no SYNC event (second start)"
four() { [ "$(src samples ntp0)" -ge 4 ]; }
gn_wait_for 20 four || { gn_ctl sources; gn_fail "iburst minpoll 6: fewer than 4 samples within 20 s"; }
read -r poll reach <<<"$(src poll,reach ntp0)"
gn_ctl sources
[ "$poll" = 6 ] || gn_fail "poll is $poll, expected 6 after the burst"
# 4 replies to 4 requests: 0b1111; a 5th request would already be unanswered bits.
[ "$reach" = 15 ] || gn_fail "reach is $reach after the burst, expected 15 (4 answered requests)"
python3 -c "import sys; sys.exit(not float('$lock6') < 10)" || gn_fail "iburst lock took $lock6 s (limit 10 s)"
python3 -c "import sys; sys.exit(not float('$lock') < 10)" || gn_fail "minpoll 1 lock took $lock s (limit 10 s)"
gn_stop_daemon
echo "PASS: ntp0 (chronyd) selected, stratum 2, refid 7F000001; lock time $lock s (minpoll 1), $lock6 s (iburst, minpoll 6); served offset: ntpquery $served s, chronyd -Q $cq s"
