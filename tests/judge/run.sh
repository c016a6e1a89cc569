#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The independent judge: gpsntpd and Debian's chronyd, side by side, as the stratum-1 server of
# the same clknetsim scenarios with the same seeds, each watched by a chronyd client; the truth
# is the simulator's per-second log of every node's clock error, which neither daemon can see.
# Prints one table row per scenario and server (ranges over the seeds).
#
# This harness only runs a judge prepared by hand: clknetsim is not in Debian, and the project
# neither ships nor builds it. Build it yourself outside this tree (see docs/performance.md),
# then:
#   CLKNETSIM_DIR=/path/with/clknetsim+clknetsim.so tests/judge/run.sh [BUILD_DIR]
# Options (environment):
#   JUDGE_SEEDS="1 2 3 4 5"    seeds (CLKNETSIM_RANDOM_SEED)
#   JUDGE_LENGTH=100000        simulated seconds per run; statistics from JUDGE_RESET on
#   JUDGE_RESET=10000
#   JUDGE_SCENARIOS="shm1u shm100n pps quiet"
#   JUDGE_SERVERS="gpsntpd chronyd"
#   JUDGE_JOBS=2               runs in parallel
#   JUDGE_KEEP=DIR             keep every run's logs and configs in DIR
#   JUDGE_GPSNTPD_ARGS=-v      more options for gpsntpd (-v: debug log)
# Scenarios (the reference of ../shared/notes/clknetsim-chronyd.md §6): server +100 ppm with a
# 1e-9/s random walk, started 0.1 s off; client -100 ppm, -0.1 s;
#   shm1u    SHM unit 0, error N(0, 1 us)
#   shm100n  SHM unit 0, error N(0, 100 ns)
#   pps      /dev/pps0 (exact edges) locked to an NMEA-like SHM 100 ms late +- 5 ms
#   quiet    shm1u over a quiet network (1 us jitter): the client judges the served timestamps
# and variants beyond the reference (not in the default list):
#   shm10u   SHM error N(0, 10 us)
#   warm     shm1u with ten times the wander (1e-8/s: a room whose temperature swings)
#   JUDGE_FREQ=-1e-4 JUDGE_OFFSET=0.3   the server's oscillator and start error
# Safety: the whole run is inside a new, empty network namespace, every simulated process runs
# as nobody (no CAP_SYS_TIME), and the host clock is checked unchanged at the end.
set -eu

# shellcheck source=tests/judge/lib.sh
. "$(dirname "$0")/lib.sh"

seeds=${JUDGE_SEEDS:-1 2 3 4 5}
length=${JUDGE_LENGTH:-100000}
reset=${JUDGE_RESET:-10000}
scenarios=${JUDGE_SCENARIOS:-shm1u shm100n pps quiet}
servers=${JUDGE_SERVERS:-gpsntpd chronyd}
jobs=${JUDGE_JOBS:-2}
work=$(mktemp -d /tmp/gpsntpd-judge.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT INT TERM


# --- configurations ----------------------------------------------------------------------
sim_conf() { # scenario
    refclock='(* 1e-6 (normal))'
    netjit=1e-4
    wander=1e-9
    case $1 in
    shm100n) refclock='(* 1e-7 (normal))' ;;
    shm10u) refclock='(* 1e-5 (normal))' ;;
    warm) wander=1e-8 ;;
    pps) refclock='(+ 0.1 (* 0.005 (normal)))' ;;
    quiet) netjit=1e-6 ;;
    esac
    cat <<EOF
node1_shift_pll = 2
node2_shift_pll = 2
node1_delay2 = (+ 1e-4 (* $netjit (exponential)))
node2_delay1 = (+ 1e-4 (* $netjit (exponential)))
node1_freq = (+ ${JUDGE_FREQ:-1e-4} (sum (* $wander (normal))))
node2_freq = (+ -1e-4 (sum (* 1e-9 (normal))))
node1_offset = ${JUDGE_OFFSET:-0.1}
node2_offset = -0.1
node1_refclock = $refclock
EOF
}

server_conf() { # server scenario dir: a minimal configuration, every default kept
    case $1 in
    gpsntpd) # chronyd gets a pidfile in the run's folder too
        echo "allow"
        echo "driftfile $3/drift"
        echo "pidfile $3/gpsntpd.pid"
        if [ "$2" = pps ]; then
            echo "refclock shm 0 refid NMEA"
            echo "refclock pps /dev/pps0 lock NMEA refid PPS"
        else
            echo "refclock shm 0 refid GPS"
        fi
        ;;
    chronyd) # clknetsim-chronyd.md §6
        echo "allow"
        echo "pidfile $3/chronyd.pid"
        echo "bindcmdaddress /"
        echo "cmdport 0"
        if [ "$2" = pps ]; then
            echo "refclock SHM 0 refid NMEA noselect delay 0.2"
            echo "refclock PPS /dev/pps0 lock NMEA refid GPS"
        else
            echo "refclock SHM 0 refid GPS"
        fi
        ;;
    esac
}

client_conf() { # dir
    echo "server 192.168.123.1 minpoll 4 maxpoll 6"
    echo "pidfile $1/client.pid"
    echo "bindcmdaddress /"
    echo "cmdport 0"
}

# --- one run -----------------------------------------------------------------------------
run_one() { # server scenario seed
    d=$work/$2.$1.$3
    mkdir -p "$d"
    sim_conf "$2" > "$d/sim.conf"
    server_conf "$1" "$2" "$d" > "$d/server.conf"
    client_conf "$d" > "$d/client.conf"
    chown -R nobody:nogroup "$d"
    if [ "$1" = gpsntpd ]; then
        server_cmd="$gpsntpd -d ${JUDGE_GPSNTPD_ARGS:-} -f $d/server.conf"
    else
        server_cmd="$chronyd -d -f $d/server.conf"
    fi
    as_nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups"
    # LD_PRELOAD is set after setpriv, or setpriv itself would take the node's connection.
    unshare -n sh -c "
        cd '$d'
        export CLKNETSIM_RANDOM_SEED=$3 CLKNETSIM_SOCKET='$d/sock'
        $as_nobody env LD_PRELOAD='$CLKNETSIM_DIR/clknetsim.so' CLKNETSIM_NODE=1 \
            $server_cmd > '$d/server.log' 2>&1 &
        p1=\$!
        $as_nobody env LD_PRELOAD='$CLKNETSIM_DIR/clknetsim.so' CLKNETSIM_NODE=2 \
            $chronyd -d -f '$d/client.conf' > '$d/client.log' 2>&1 &
        p2=\$!
        $as_nobody '$CLKNETSIM_DIR/clknetsim' -l $length -r $reset -o '$d/offset.log' \
            -f '$d/freq.log' -s '$d/sock' '$d/sim.conf' 2 > '$d/stats' 2> '$d/sim.log'
        rc=\$?
        for p in \$p1 \$p2; do
            i=0
            while kill -0 \$p 2>/dev/null && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done
            kill -9 \$p 2>/dev/null || true
        done
        exit \$rc
    " || echo "judge: $2/$1/seed $3: clknetsim failed (see $d)" >&2
    # Per run: server RMS, max, p99 over t >= reset; the second from which |error| < 10 us
    # and < 1 us for good; client RMS and max.
    python3 "$src/tests/judge/truth_stats.py" "$d/offset.log" "$reset" "$2 $1 $3" > "$d/result"
    cat "$d/result"
}

runs=""
for sc in $scenarios; do
    for sv in $servers; do
        for seed in $seeds; do
            runs="$runs $sv:$sc:$seed"
        done
    done
done
echo "judge: clknetsim $(git -C "$CLKNETSIM_DIR" rev-parse --short=12 HEAD 2>/dev/null ||
    echo '(commit unknown)'), $length s per run, statistics from $reset s, seeds: $seeds"
echo "judge: gpsntpd $("$gpsntpd" -V | cut -d' ' -f2-), $("$chronyd" -v | head -1)"
n=0
for r in $runs; do
    IFS=: read -r sv sc seed <<EOF
$r
EOF
    run_one "$sv" "$sc" "$seed" > /dev/null &
    n=$((n + 1))
    if [ "$n" -ge "$jobs" ]; then
        wait
        n=0
    fi
done
wait

# --- the table ---------------------------------------------------------------------------
range() { # column: "min-max" over the seeds
    sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR == 0) print "-";
        else if (lo == hi) print lo; else print lo "–" hi }'
}
printf '\n| scenario | server | RMS (µs) | max (µs) | p99 (µs) | <10 µs for good from (s) | <1 µs for good from (s) | client RMS (µs) | client max (µs) |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for sc in $scenarios; do
    for sv in $servers; do
        cat "$work"/"$sc.$sv".*/result > "$work/rows" 2>/dev/null || true
        row="| $sc | $sv"
        for col in 4 5 6 7 8 9 10; do
            row="$row | $(awk -v c=$col 'NF >= 10 { print $c }' "$work/rows" | range)"
        done
        echo "$row |"
    done
done
if [ -n "${JUDGE_KEEP:-}" ]; then
    mkdir -p "$JUDGE_KEEP" && cp -r "$work"/. "$JUDGE_KEEP"/
    echo "judge: logs kept in $JUDGE_KEEP"
fi
clock_after=$(host_clock)
echo "judge: host CLOCK_REALTIME - CLOCK_MONOTONIC_RAW: $clock_before before, $clock_after after"
awk -v a="$clock_before" -v b="$clock_after" 'BEGIN { d = a - b; if (d < 0) d = -d;
    if (d > 0.001) { print "judge: THE HOST CLOCK MOVED"; exit 1 } }'
