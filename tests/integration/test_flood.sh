#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 2: rate limiting under a flood. 127.0.0.3 floods (bounded: 10 s) while 127.0.0.4 polls
# twice a second; with `ratelimit` on, the polite client gets at least 99% of its answers and
# the flooder mostly gets nothing or a RATE kiss-o'-death. serverstats counts it all.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || gn_skip "python3 is not installed"

port=$((20000 + RANDOM % 20000))
cat >"$GN_TMP/gpsntpd.conf" <<CONF
port $port
bindaddress 127.0.0.1
allow 127.0.0.0/8
local stratum 1
ratelimit interval -2 burst 8 leak 2
controlsocket $GN_TMP/ctl.sock
CONF
gn_start_daemon "$GN_TMP/gpsntpd.conf"
gn_wait_for 5 test -S "$GN_TMP/ctl.sock" || gn_fail "no control socket"

out=$(python3 "$GN_SRC/tests/integration/flood.py" "$port" 10) || gn_fail "flood driver failed"
echo "clients: $out"
gn_ctl serverstats
gn_ctl clients
echo "$out" | python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
polite = s["polite_answers"] / s["polite_sent"]
flood_answered = s["flood_answers"] / max(s["flood_sent"], 1)
print("polite client answered: %.1f%%, flooder answered: %.1f%%, flooder KoDs: %d"
      % (100 * polite, 100 * flood_answered, s["flood_kods"]))
assert s["flood_sent"] > 10000, "the flood was too weak to mean anything"
assert polite >= 0.99, "the polite client got %.1f%% of its answers" % (100 * polite)
assert flood_answered < 0.5, "the flooder got %.1f%% answered" % (100 * flood_answered)
assert s["flood_kods"] > 0, "no RATE KoD was sent"
' || gn_fail "rate limiting did not protect the polite client"
limited=$(gn_ctl -j serverstats | python3 -c 'import json,sys; print(json.load(sys.stdin)["ratelimited"])')
[ "$limited" -gt 0 ] || gn_fail "serverstats counted no rate-limited requests"
kill -0 "$GN_DAEMON_PID" || gn_fail "the daemon died"
gn_stop_daemon
echo "PASS: flood contained, polite client served"
