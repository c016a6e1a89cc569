#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# PPS benchmark through the whole daemon (issue 5), not a test: for pulse jitter 100 ns, 1 us
# and 10 us, gpsntpd -x reads the simulator's pulses through the real RFC 2783 driver and the
# PPS test double (tests/sim/fakepps.h), locked to its NMEA (20 ms jitter), and serves NTP on
# loopback. Per jitter: lock (seconds from start until the PPS source leads), and the error of
# the served time against the simulated truth, as an NTP client measures it (ntpquery.py,
# best of 8 queries, every 2 s after a settling time). The floor of that measurement is the
# same query against gpsntpd serving its own clock unchanged (`local stratum 1`).
#   usage: tests/bench/run_pps_bench.sh [BUILD_DIR] [SECONDS_MEASURED]   (default: build, 60)
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
measure_s=${2:-60}
settle_s=30
bin=$build/bin
tmp=$(mktemp -d /tmp/gnppsbench.XXXXXX)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    sleep 0.3
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
shift_s=0.030
port=$((20000 + $$ % 20000))
json() { python3 "$src/tests/integration/sources.py" "$1"; }
ctl() { "$bin/gpsntpctl" -s "$tmp/ctl.sock" -j tracking 2>/dev/null | json "$1" 2>/dev/null; }
ask() { python3 "$src/tests/integration/ntpquery.py" 127.0.0.1 $port 8 | json offset_s; }
stats() { # reads error samples in s, prints mean, SD, RMS and max |error| in us
    python3 -c "
import math, sys
x = [float(l) for l in sys.stdin if l.strip()]
m = sum(x) / len(x)
sd = math.sqrt(sum((v - m) ** 2 for v in x) / len(x))
rms = math.sqrt(sum(v * v for v in x) / len(x))
print('%8.2f %8.2f %8.2f %8.2f %5d' % (1e6 * m, 1e6 * sd, 1e6 * rms, 1e6 * max(abs(v) for v in x), len(x)))"
}

# The measured errors, served - truth, every 2 s for measure_s after settle_s.
measure() { # truth_offset
    sleep $settle_s
    end=$(($(date +%s) + measure_s))
    while [ "$(date +%s)" -lt "$end" ]; do
        o=$(ask) && python3 -c "print($o - $1)"
        sleep 2
    done
}

echo "PPS through the daemon: served-time error against the simulated truth, measured by an NTP client over loopback"
echo "(settling ${settle_s} s, then one best-of-8 query every 2 s for ${measure_s} s; NMEA jitter 20 ms)"
printf '%-28s %8s %8s %8s %8s %8s %5s\n' "case" "lock[s]" "mean[us]" "SD[us]" "RMS[us]" "max[us]" "n"

cat >"$tmp/local.conf" <<CONF
local stratum 1
port $port
bindaddress 127.0.0.1
allow 127.0.0.0/8
controlsocket $tmp/ctl.sock
pidfile $tmp/gpsntpd.pid
CONF
"$bin/gpsntpd" -d -x -f "$tmp/local.conf" 2>"$tmp/local.log" &
pid=$!
pids="$pids $pid"
settle_s=2 measure 0 | stats | while read -r mean sd rms max n; do
    printf '%-28s %8s %8s %8s %8s %8s %5s\n' "floor (own clock, no PPS)" "-" "$mean" "$sd" "$rms" "$max" "$n"
done
kill $pid
wait $pid 2>/dev/null

for jitter in 100e-9 1e-6 10e-6; do
    rm -f "$tmp/ctl.sock"
    "$bin/gpsntp-gpssim" --link "$tmp/gps0" --pps "$tmp/pps0" --offset $shift_s --jitter 0.02 \
        --pps-jitter $jitter --seed 7 --duration $((settle_s + measure_s + 60)) \
        >"$tmp/sim.log" 2>&1 &
    sim=$!
    pids="$pids $sim"
    for _ in $(seq 50); do [ -e "$tmp/pps0" ] && break; sleep 0.1; done
    cat >"$tmp/pps.conf" <<CONF
refclock nmea $tmp/gps0 offset 0.1 refid GPS
refclock pps $tmp/pps0 lock GPS refid PPS
port $port
bindaddress 127.0.0.1
allow 127.0.0.0/8
controlsocket $tmp/ctl.sock
pidfile $tmp/gpsntpd.pid
makestep 0.01 -1
CONF
    t0=$(date +%s.%N)
    LD_PRELOAD="$build/lib/libgpsntp-fakepps.so" "$bin/gpsntpd" -d -x -f "$tmp/pps.conf" \
        2>"$tmp/pps.log" &
    pid=$!
    pids="$pids $pid"
    lock="-"
    for _ in $(seq 600); do
        if [ "$(ctl source)" = pps0 ]; then
            lock=$(python3 -c "import time; print('%.1f' % (time.time() - $t0))")
            break
        fi
        sleep 0.1
    done
    measure $shift_s | stats | while read -r mean sd rms max n; do
        printf '%-28s %8s %8s %8s %8s %8s %5s\n' "PPS jitter $jitter s" "$lock" "$mean" "$sd" "$rms" "$max" "$n"
    done
    kill $pid $sim 2>/dev/null
    wait $pid $sim 2>/dev/null
done
