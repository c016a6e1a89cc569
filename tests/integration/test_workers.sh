#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# `workers 2`: two server threads with their own SO_REUSEPORT sockets, reading the published
# reference state and the soft clock while the event loop writes them. Every request from
# twenty client sockets is answered at stratum 1, both threads exist, the counters add up.
# The suite also runs this under ThreadSanitizer (the `tsan` label): a data race between the
# workers and the event loop then fails it.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || gn_skip "python3 is not installed"

port=$((20000 + $$ % 20000))
gn_port_free 127.0.0.1 "$port" || port=$((port + 1))
cat >"$GN_TMP/gpsntpd.conf" <<CONF
port $port
bindaddress 127.0.0.1
allow 127.0.0.0/8
local stratum 1
workers 2
controlsocket $GN_TMP/ctl.sock
CONF
gn_start_daemon "$GN_TMP/gpsntpd.conf"
gn_wait_for 10 test -S "$GN_TMP/ctl.sock" || gn_fail "no control socket"
threads=$(ls /proc/"$GN_DAEMON_PID"/task | wc -l)
[ "$threads" -ge 3 ] || gn_fail "$threads threads: the workers did not start"

# 20 sockets x 10 requests, each waited for (bounded): 200 answers expected, spread over
# about three seconds so that the event loop publishes the state meanwhile.
python3 - "$port" <<'PY' || gn_fail "requests unanswered"
import socket, struct, sys, time
port = int(sys.argv[1])
req = bytes([0x23]) + bytes(47)
answered = lost = 0
for s_i in range(20):
    if lost > 5:
        break  # the daemon is gone (a sanitizer halted it): no point waiting for the rest
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    for _ in range(10):
        s.sendto(req, ("127.0.0.1", port))
        try:
            data, _ = s.recvfrom(512)
        except socket.timeout:
            lost += 1
            continue
        if len(data) >= 48 and data[1] == 1 and data[0] & 7 == 4:
            answered += 1
    s.close()
    time.sleep(0.15)
print("answered", answered, "of 200")
sys.exit(0 if answered == 200 else 1)
PY
answered=$(gn_ctl -j serverstats | python3 "$GN_SRC/tests/integration/sources.py" answered)
[ "$answered" -ge 200 ] || gn_fail "serverstats counts $answered answers"
kill -0 "$GN_DAEMON_PID" || gn_fail "the daemon died"
gn_stop_daemon
if grep -q "ThreadSanitizer" "$GN_TMP/gpsntpd.log"; then
    gn_fail "ThreadSanitizer reported a race"
fi
echo "PASS: two workers answered 200 of 200 at stratum 1"
