#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 2: every real NTP client from Debian accepts gpsntpd's answers. The daemon runs with -x
# and `local stratum 1` on 127.0.0.2:123 and [::1]:123 (ntpdig, sntp and ntpdate have no port
# option); chronyd -Q, ntpdig, sntp and ntpdate -q must each report stratum 1 and an offset of
# (nearly) zero: client and server share this machine's clock.
. "$(dirname "$0")/lib.sh"
gn_need_root
for tool in ntpdig sntp ntpdate chronyd python3; do
    command -v "$tool" >/dev/null || gn_skip "$tool is not installed (board/install-deps.sh)"
done
gn_port_free 127.0.0.2 123 || gn_skip "127.0.0.2:123 is in use"
gn_port_free ::1 123 || gn_skip "[::1]:123 is in use"

cat >"$GN_TMP/gpsntpd.conf" <<CONF
port 123
bindaddress 127.0.0.2
bindaddress ::1
allow 127.0.0.0/8
allow ::1
local stratum 1
controlsocket $GN_TMP/ctl.sock
CONF
gn_start_daemon "$GN_TMP/gpsntpd.conf"
gn_wait_for 5 test -S "$GN_TMP/ctl.sock" || gn_fail "no control socket"

# check_ntpdig LABEL JSON: stratum 1 and |offset| < 10 ms.
check_ntpdig() {
    echo "$2" | python3 -c '
import json, sys
label = sys.argv[1]
lines = [l for l in sys.stdin.read().splitlines() if l.strip().startswith("{")]
if not lines:
    sys.exit(label + ": no answer")
r = json.loads(lines[-1])
print(label + ": stratum", r["stratum"], "offset", r["offset"])
if r["stratum"] != 1:
    sys.exit(label + ": stratum %r, expected 1" % r["stratum"])
if abs(float(r["offset"])) > 0.01:
    sys.exit(label + ": offset %r too large" % r["offset"])
' "$1" || gn_fail "$1"
}

check_ntpdig "ntpdig IPv4" "$(ntpdig -j -t 2 127.0.0.2)"
check_ntpdig "ntpdig IPv6" "$(ntpdig -j -t 2 ::1)"
check_ntpdig "sntp" "$(sntp -j -t 2 127.0.0.2)"

# ntpdate -q (a wrapper around ntpdig here): never without -q, which would set the clock.
out=$(ntpdate -q 127.0.0.2 2>&1) || gn_fail "ntpdate -q: $out"
echo "ntpdate -q: $out"
echo "$out" | grep -Eq 's1 no-leap|stratum 1' || gn_fail "ntpdate -q did not report stratum 1: $out"
echo "$out" | grep -Eq '[+-]0\.00[0-9]+' || gn_fail "ntpdate -q offset not near zero: $out"

# chronyd -Q: measures and logs, never sets the clock. Its measurement log has the stratum.
mkdir -p "$GN_TMP/chrony"
cat >"$GN_TMP/chrony.conf" <<CONF
server 127.0.0.2 iburst minpoll 0 maxpoll 0
pidfile $GN_TMP/chrony/chronyd.pid
logdir $GN_TMP/chrony
log measurements
cmdport 0
CONF
out=$(timeout 30 chronyd -Q -u root -t 20 -f "$GN_TMP/chrony.conf" 2>&1) || gn_fail "chronyd -Q failed: $out"
echo "chronyd -Q: $(echo "$out" | grep -i 'wrong by' || echo "$out")"
offset=$(echo "$out" | sed -n 's/.*wrong by \(-\?[0-9.]*\) seconds.*/\1/p' | tail -1)
[ -n "$offset" ] || gn_fail "chronyd -Q reported no offset: $out"
python3 -c "import sys; sys.exit(abs(float('$offset')) > 0.01)" || gn_fail "chronyd offset $offset"
grep -E '^[0-9-]+ [0-9:]+ +127\.0\.0\.2 ' "$GN_TMP/chrony/measurements.log" | head -3
awk '$3 == "127.0.0.2" { if ($5 != 1) bad = 1; n++ } END { exit (n == 0 || bad) }' \
    "$GN_TMP/chrony/measurements.log" || gn_fail "chronyd measured a stratum other than 1"

gn_stop_daemon
echo "PASS: chronyd -Q, ntpdig (IPv4, IPv6), sntp and ntpdate -q accept stratum 1"
