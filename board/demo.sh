#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The main job, for a newcomer: install what is missing, build, then run gpsntpd against a
# simulated GPS receiver (NMEA on a pty, and its pulse-per-second through the PPS test double,
# see docs/simulator.md), serving NTP on loopback (127.0.0.2:123), and show what it sees.
# The daemon runs with -x: the system clock is never touched.
#   GN_DEMO_SECONDS=N   how long to let the daemon lock before printing (default 20)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
"$src/board/install-deps.sh"
cmake -S "$src" -B "$src/build" >/dev/null
cmake --build "$src/build" -j "$(nproc)"
bin="$src/build/bin"

tmp=$(mktemp -d /tmp/gpsntpd-demo.XXXXXX)
pids=""
status=1
cleanup() {
    for pid in $pids; do kill "$pid" 2>/dev/null || true; done
    sleep 0.5
    if [ "$status" -ne 0 ] && [ -s "$tmp/gpsntpd.log" ]; then
        echo "=== the demo failed; gpsntpd's log said:" >&2
        tail -n 30 "$tmp/gpsntpd.log" >&2
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

seconds=${GN_DEMO_SECONDS:-20}
# A receiver whose time is 250 ms ahead of this machine's clock, so that the served time
# visibly follows the reference rather than the local clock. Its NMEA wobbles by 5 ms; its
# pulse by 1 us.
"$bin/gpsntp-gpssim" --link "$tmp/gps0" --pps "$tmp/pps0" --offset 0.250 --jitter 0.005 \
    --pps-jitter 1e-6 --duration $((seconds + 30)) >"$tmp/gpssim.out" 2>&1 &
pids="$pids $!"
for _ in $(seq 50); do [ -e "$tmp/pps0" ] && break; sleep 0.1; done
[ -e "$tmp/gps0" ] || { cat "$tmp/gpssim.out"; echo "demo: the simulator did not start" >&2; exit 1; }

cat >"$tmp/gpsntpd.conf" <<CONF
# Simulated receiver; the simulator's first sentence leaves 0.1 s after the second.
refclock nmea $tmp/gps0 baud 9600 offset 0.1 refid GPS
# Its pulse-per-second, each pulse's second named by the NMEA source.
refclock pps $tmp/pps0 lock GPS refid PPS
bindaddress 127.0.0.2
allow 127.0.0.0/8
makestep 0.1 -1
controlsocket $tmp/gpsntpd.sock
pidfile $tmp/gpsntpd.pid
CONF
echo "=== configuration ($tmp/gpsntpd.conf)"
cat "$tmp/gpsntpd.conf"
# The PPS test double makes the simulator's pulse page a kernel PPS device for the daemon.
LD_PRELOAD="$src/build/lib/libgpsntp-fakepps.so" \
    "$bin/gpsntpd" -d -x -f "$tmp/gpsntpd.conf" 2>"$tmp/gpsntpd.log" &
daemon=$!
pids="$pids $daemon"
# A port already taken, a bad line: say why at once, with the daemon's own words.
sleep 1
kill -0 "$daemon" 2>/dev/null || { echo "demo: gpsntpd did not start" >&2; exit 1; }

echo "=== letting gpsntpd lock to the simulated receiver and its pulses for $seconds s"
sleep "$seconds"
ctl() { "$bin/gpsntpctl" -s "$tmp/gpsntpd.sock" "$@"; }
echo "=== gpsntpctl sources"
ctl sources
echo "=== gpsntpctl tracking"
ctl tracking
echo "=== an NTP client (ntpdig 127.0.0.2): the offset is the simulator's +0.250 s"
ntpdig -t 2 127.0.0.2 || echo "(no answer)"
echo "=== gpsntpctl serverstats"
ctl serverstats
echo "=== gpsntpctl events"
ctl events
echo "=== daemon log"
cat "$tmp/gpsntpd.log"
status=0
