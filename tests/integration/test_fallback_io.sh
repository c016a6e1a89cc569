#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Where recvmmsg and sendmmsg are refused (libgpsntp-nommsg.so makes them fail with ENOSYS, as
# an old kernel, a seccomp policy or clknetsim would), the default `fastpath on` server falls
# back to one packet per call by itself: every request is answered, the fallback is logged
# once and counted in serverstats.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || gn_skip "python3 is not installed"
preload="$GN_BUILD/lib/libgpsntp-nommsg.so"
[ -e "$preload" ] || gn_fail "the double $preload was not built"

port=$((20000 + $$ % 20000))
cat >"$GN_TMP/gpsntpd.conf" <<CONF
port $port
bindaddress 127.0.0.1
allow 127.0.0.0/8
local stratum 1
controlsocket $GN_TMP/ctl.sock
pidfile $GN_TMP/gpsntpd.pid
CONF
LD_PRELOAD=$preload ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 \
    gn_start_daemon "$GN_TMP/gpsntpd.conf"
gn_wait_for 10 test -S "$GN_TMP/ctl.sock" || gn_fail "no control socket"
for i in 1 2 3; do
    out=$(python3 "$GN_SRC/tests/integration/ntpquery.py" 127.0.0.1 "$port" 2) ||
        gn_fail "request $i unanswered"
done
echo "$out"
st() { gn_ctl -j serverstats | python3 "$GN_SRC/tests/integration/sources.py" "$1"; }
[ "$(st answered)" -ge 6 ] || gn_fail "answered $(st answered) of 6"
[ "$(st batch_fallbacks)" -ge 1 ] || gn_fail "the fallback is not counted"
grep -q "falling back to one packet per call" "$GN_TMP/gpsntpd.log" || gn_fail "not logged"
gn_stop_daemon
echo "PASS: batch calls refused, every request answered, the fallback counted"
