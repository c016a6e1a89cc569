#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 2: rate limiting under a flood. 127.0.0.3 floods (bounded: 10 s) while 127.0.0.4 polls
# twice a second; with `ratelimit` on, the polite client is never limited and gets its answers,
# and the flooder mostly gets nothing or a RATE kiss-o'-death. serverstats counts it all.
#
# What the rate limiting decides is read from the server's own per-client counts: every
# request of the polite client that reached the server was answered (none dropped, no KoD).
# Requests that never reached it are another matter: when the flood outruns the server (a
# loaded machine, a sanitizer build), the kernel drops datagrams from the full socket queue,
# the polite client's too. Those are allowed, up to half of them.
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
gn_ctl -j clients >"$GN_TMP/clients.json"
echo "$out" | python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
seen = {c["address"]: c for c in json.load(open(sys.argv[1]))["clients"]}
p = seen.get("127.0.0.4", {"requests": 0, "dropped": 0, "kod_sent": 0})
reached = p["requests"] / s["polite_sent"]
flood_answered = s["flood_answers"] / max(s["flood_sent"], 1)
print("polite client: %d sent, %d reached the server (%.1f%%), %d answered; "
      "flooder answered: %.1f%%, flooder KoDs: %d"
      % (s["polite_sent"], p["requests"], 100 * reached, s["polite_answers"],
         100 * flood_answered, s["flood_kods"]))
assert s["flood_sent"] > 10000, "the flood was too weak to mean anything"
assert p["dropped"] == 0 and p["kod_sent"] == 0 and s["polite_kods"] == 0, \
    "the polite client was rate limited (%d dropped, %d KoDs)" % (p["dropped"], p["kod_sent"])
assert s["polite_answers"] >= p["requests"], "the polite client got %d answers to %d requests" \
    % (s["polite_answers"], p["requests"])
assert reached >= 0.5, "only %.1f%% of the polite requests reached the server" % (100 * reached)
assert flood_answered < 0.5, "the flooder got %.1f%% answered" % (100 * flood_answered)
assert s["flood_kods"] > 0, "no RATE KoD was sent"
' "$GN_TMP/clients.json" || gn_fail "rate limiting did not protect the polite client"
limited=$(gn_ctl -j serverstats | python3 -c 'import json,sys; print(json.load(sys.stdin)["ratelimited"])')
[ "$limited" -gt 0 ] || gn_fail "serverstats counted no rate-limited requests"
kill -0 "$GN_DAEMON_PID" || gn_fail "the daemon died"
gn_stop_daemon
echo "PASS: flood contained, polite client served"
