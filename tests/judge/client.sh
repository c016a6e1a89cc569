#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The independent judge of gpsntpd's NTP client (issue 16): clknetsim runs NTP networks, and the
# truth is its per-second log of every node's clock error, which no daemon can see.
#
#  client  the reference scenario with the roles swapped: Debian's chronyd is the stratum-1
#          server (SHM refclock, error N(0, 1 us)) and node 2, its client, is gpsntpd or chronyd
#          with the same `server` line, same seeds; over the normal network (100 us + Exp(100 us)
#          each way) and the quiet one (100 us + Exp(1 us)). One row per seed: the client's RMS
#          and max error from JUDGE_RESET on, gpsntpd beside chronyd.
#  spoof   two appliances (nodes 1 and 2, gpsntpd or chronyd) peering with each other, each with
#          its own SHM refclock (N(0, 1 us)); node 1's receiver gets a slow ramp from
#          JUDGE_RAMP_START on (JUDGE_RAMP_RATE s/s: a spoofer walking the time away); node 3 is
#          a chronyd client with `server` lines to both appliances. Variant "three": a third
#          reference (node 4, a chronyd stratum-1 server with its own SHM refclock) that both
#          appliances also use, so that a majority exists and the spoofed receiver must become a
#          falseticker. Reported: each node's error vs the truth before and after the ramp
#          starts, the appliances' served error bound (their own tracking logs), and how often
#          the client's true error left the bound it believes (chronyd's tracking log).
#
# This harness only runs a judge prepared by hand (clknetsim is not in Debian and the project
# neither ships nor builds it; see docs/performance.md):
#   CLKNETSIM_DIR=/path/with/clknetsim+clknetsim.so tests/judge/client.sh [BUILD_DIR]
# Options (environment):
#   JUDGE_PARTS="client spoof"
#   JUDGE_SEEDS="1 2 3"          seeds (CLKNETSIM_RANDOM_SEED)
#   JUDGE_LENGTH=100000          simulated seconds per run; statistics from JUDGE_RESET on
#   JUDGE_RESET=10000
#   JUDGE_NETS="normal quiet"    client part: the networks
#   JUDGE_CLIENTS="gpsntpd chronyd"   client part: node 2's daemon
#   JUDGE_POLL="minpoll 4 maxpoll 4"  every NTP association's polling (both daemons, all parts)
#   JUDGE_APPLIANCES="gpsntpd chronyd" spoof part: the appliances' daemon
#   JUDGE_SPOOF="two three"      spoof part: without / with the third reference
#   JUDGE_SPOOF_NET=normal       spoof part: network
#   JUDGE_RAMP_START=30000       spoof part: second the ramp starts (default: 3/10 of the length)
#   JUDGE_RAMP_RATE=1e-7         spoof part: ramp slope (s/s; 1e-7 = 0.1 ppm, 1 ms in 10,000 s)
#   JUDGE_GPSNTPD_SHM_OPTS=      spoof part: more options on gpsntpd's refclock line, e.g.
#                                "precision 1e-6" (the default 1 ms makes every bound 1 ms)
#   JUDGE_JOBS=1                 runs in parallel
#   JUDGE_KEEP=DIR               keep every run's logs and configs in DIR
#   JUDGE_GPSNTPD_ARGS=-v        more options for gpsntpd (-v: debug log)
#   JUDGE_CLKNETSIM_REV=...      the judge's commit, when CLKNETSIM_DIR is not a git clone
# Safety: the whole run is inside a new, empty network namespace, every simulated process runs
# as nobody (no CAP_SYS_TIME), and the host clock is checked unchanged at the end.
set -eu

# shellcheck source=tests/judge/lib.sh
. "$(dirname "$0")/lib.sh"

parts=${JUDGE_PARTS:-client spoof}
seeds=${JUDGE_SEEDS:-1 2 3}
length=${JUDGE_LENGTH:-100000}
reset=${JUDGE_RESET:-10000}
nets=${JUDGE_NETS:-normal quiet}
clients=${JUDGE_CLIENTS:-gpsntpd chronyd}
poll=${JUDGE_POLL:-minpoll 4 maxpoll 4}
appliances=${JUDGE_APPLIANCES:-gpsntpd chronyd}
spoofs=${JUDGE_SPOOF:-two three}
spoof_net=${JUDGE_SPOOF_NET:-normal}
ramp_start=${JUDGE_RAMP_START:-$((length * 3 / 10))}
ramp_rate=${JUDGE_RAMP_RATE:-1e-7}
jobs=${JUDGE_JOBS:-1}
work=$(mktemp -d /tmp/gpsntpd-judge-client.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT INT TERM


# --- configurations ----------------------------------------------------------------------
netjit() { # network
    case $1 in
    normal) echo 1e-4 ;;
    quiet) echo 1e-6 ;;
    *) echo "judge: unknown network $1" >&2; exit 1 ;;
    esac
}

sim_net() { # nodes jitter: every pair, both ways, 100 us + Exp(jitter)
    i=1
    while [ $i -le "$1" ]; do
        j=1
        while [ $j -le "$1" ]; do
            [ $i -ne $j ] && echo "node${i}_delay${j} = (+ 1e-4 (* $2 (exponential)))"
            j=$((j + 1))
        done
        echo "node${i}_shift_pll = 2"
        i=$((i + 1))
    done
}

node_clock() { # node freq offset [refclock]
    echo "node$1_freq = (+ $2 (sum (* 1e-9 (normal))))"
    echo "node$1_offset = $3"
    [ -z "${4:-}" ] || echo "node$1_refclock = $4"
}

chronyd_common() { # dir node
    echo "pidfile $1/node$2.pid"
    echo "bindcmdaddress /"
    echo "cmdport 0"
    echo "logdir $1/log$2"
    echo "log tracking measurements statistics"
}

gpsntpd_common() { # dir node (logfile: the messages stamped with simulated time)
    echo "logfile $1/log$2/gpsntpd.log"
    echo "driftfile $1/node$2.drift"
    echo "pidfile $1/node$2.pid"
    echo "logdir $1/log$2"
    echo "log tracking measurements statistics"
}

# --- one run -----------------------------------------------------------------------------
# sim_run DIR N: runs nodes 1..N, node i's daemon command in DIR/cmdI; truth in DIR/offset.log
sim_run() {
    chown -R nobody:nogroup "$1"
    as_nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups"
    starts=""
    i=1
    while [ $i -le "$2" ]; do
        # LD_PRELOAD is set after setpriv, or setpriv itself would take the node's connection.
        starts="$starts
        $as_nobody env LD_PRELOAD='$CLKNETSIM_DIR/clknetsim.so' CLKNETSIM_NODE=$i \
            $(cat "$1/cmd$i") > '$1/node$i.log' 2>&1 &
        pids=\"\$pids \$!\""
        i=$((i + 1))
    done
    unshare -n sh -c "
        cd '$1'
        export CLKNETSIM_RANDOM_SEED=$3 CLKNETSIM_SOCKET='$1/sock'
        pids=
        $starts
        $as_nobody '$CLKNETSIM_DIR/clknetsim' -l $length -r $reset -o '$1/offset.log' \
            -f '$1/freq.log' -s '$1/sock' '$1/sim.conf' $2 > '$1/stats' 2> '$1/sim.log'
        rc=\$?
        for p in \$pids; do
            i=0
            while kill -0 \$p 2>/dev/null && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done
            kill -9 \$p 2>/dev/null || true
        done
        exit \$rc
    " || echo "judge: $1: clknetsim failed" >&2
}

daemon_cmd() { # daemon conf
    if [ "$1" = gpsntpd ]; then
        echo "$gpsntpd -d ${JUDGE_GPSNTPD_ARGS:-} -f $2"
    else
        echo "$chronyd -d -f $2"
    fi
}

run_client() { # client network seed
    d=$work/client.$2.$1.$3
    mkdir -p "$d/log1" "$d/log2"
    {
        sim_net 2 "$(netjit "$2")"
        node_clock 1 1e-4 0.1 '(* 1e-6 (normal))'
        node_clock 2 -1e-4 -0.1
    } > "$d/sim.conf"
    { # node 1: chronyd, stratum 1 (clknetsim-chronyd.md §6)
        chronyd_common "$d" 1
        echo "allow"
        echo "refclock SHM 0 refid GPS"
    } > "$d/node1.conf"
    {
        "$1"_common "$d" 2
        echo "server 192.168.123.1 iburst $poll"
    } > "$d/node2.conf"
    daemon_cmd chronyd "$d/node1.conf" > "$d/cmd1"
    daemon_cmd "$1" "$d/node2.conf" > "$d/cmd2"
    sim_run "$d" 2 "$3"
    python3 "$src/tests/judge/client_stats.py" client "$d" "$reset" "$2 $1 $3" > "$d/result"
}

run_spoof() { # appliance variant seed
    d=$work/spoof.$2.$1.$3
    n=3
    [ "$2" = three ] && n=4
    i=1
    while [ $i -le $n ]; do mkdir -p "$d/log$i"; i=$((i + 1)); done
    noise='(* 1e-6 (normal))'
    ramp="(+ $noise (* $ramp_rate (max 0 (+ (sum 1) -$ramp_start))))"
    {
        sim_net $n "$(netjit "$spoof_net")"
        node_clock 1 1e-4 0.1 "$ramp"
        node_clock 2 -5e-5 -0.05 "$noise"
        node_clock 3 -1e-4 -0.1
        [ $n -eq 4 ] && node_clock 4 5e-5 0.05 "$noise"
    } > "$d/sim.conf"
    for a in 1 2; do
        other=$((3 - a))
        {
            "$1"_common "$d" $a
            echo "allow"
            if [ "$1" = gpsntpd ]; then
                echo "refclock shm 0 refid GPS ${JUDGE_GPSNTPD_SHM_OPTS:-}"
                echo "peer 192.168.123.$other iburst $poll"
                [ $n -eq 4 ] && echo "server 192.168.123.4 iburst $poll"
            else
                echo "refclock SHM 0 refid GPS"
                echo "peer 192.168.123.$other $poll"
                [ $n -eq 4 ] && echo "server 192.168.123.4 iburst $poll"
            fi
        } > "$d/node$a.conf"
        daemon_cmd "$1" "$d/node$a.conf" > "$d/cmd$a"
    done
    {
        chronyd_common "$d" 3
        echo "server 192.168.123.1 iburst $poll"
        echo "server 192.168.123.2 iburst $poll"
    } > "$d/node3.conf"
    daemon_cmd chronyd "$d/node3.conf" > "$d/cmd3"
    if [ $n -eq 4 ]; then
        {
            chronyd_common "$d" 4
            echo "allow"
            echo "refclock SHM 0 refid GPS"
        } > "$d/node4.conf"
        daemon_cmd chronyd "$d/node4.conf" > "$d/cmd4"
    fi
    sim_run "$d" $n "$3"
    python3 "$src/tests/judge/client_stats.py" spoof "$d" "$reset" "$2 $1 $3" "$ramp_start" \
        "$1" > "$d/result"
}

runs=""
for part in $parts; do
    case $part in
    client)
        for net in $nets; do
            for c in $clients; do
                for seed in $seeds; do runs="$runs client:$c:$net:$seed"; done
            done
        done
        ;;
    spoof)
        for v in $spoofs; do
            for a in $appliances; do
                for seed in $seeds; do runs="$runs spoof:$a:$v:$seed"; done
            done
        done
        ;;
    *) echo "judge: unknown part $part" >&2; exit 1 ;;
    esac
done
rev=${JUDGE_CLKNETSIM_REV:-$(git -C "$CLKNETSIM_DIR" rev-parse --short=12 HEAD 2>/dev/null ||
    echo '(commit unknown)')}
echo "judge: clknetsim $rev, $length s per run, statistics from $reset s, seeds: $seeds"
echo "judge: gpsntpd $("$gpsntpd" -V | cut -d' ' -f2-), $("$chronyd" -v | head -1)"
echo "judge: every association polls with \"$poll\"; gpsntpd's refclock options: \"${JUDGE_GPSNTPD_SHM_OPTS:-}\""
n=0
for r in $runs; do
    IFS=: read -r part who var seed <<EOF
$r
EOF
    if [ "$part" = client ]; then
        run_client "$who" "$var" "$seed" &
    else
        run_spoof "$who" "$var" "$seed" &
    fi
    n=$((n + 1))
    if [ "$n" -ge "$jobs" ]; then
        wait
        n=0
    fi
done
wait

# --- the tables --------------------------------------------------------------------------
for part in $parts; do
    case $part in
    client)
        printf '\n## client role: chronyd stratum 1 (SHM, N(0, 1 us)) -> node 2 (statistics from %s s)\n' "$reset"
        printf '\n| network | seed | gpsntpd RMS (µs) | chronyd RMS (µs) | gpsntpd max (µs) | chronyd max (µs) | gpsntpd mean (µs) | chronyd mean (µs) | gpsntpd <100 µs for good from (s) | chronyd <100 µs for good from (s) | server RMS (µs) |\n'
        printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
        for net in $nets; do
            for seed in $seeds; do
                g=$(cat "$work/client.$net.gpsntpd.$seed/result" 2>/dev/null || echo "- - - x x x x x x")
                c=$(cat "$work/client.$net.chronyd.$seed/result" 2>/dev/null || echo "- - - x x x x x x")
                echo "$g
$c" | awk -v net="$net" -v seed="$seed" '
                    NR == 1 { for (i = 4; i <= 9; i++) g[i] = $i }
                    NR == 2 { for (i = 4; i <= 9; i++) c[i] = $i }
                    END { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                          net, seed, g[5], c[5], g[6], c[6], g[7], c[7], g[8], c[8], c[4] }'
            done
        done
        ;;
    spoof)
        printf '\n## spoof: node 1 receiver ramps %s s/s from t = %s s; node 2 clean; node 3 a chronyd client of both\n' "$ramp_rate" "$ramp_start"
        printf '\n| variant | appliances | seed | ramp at end (µs) | spoofed box max after (µs) | spoofed box: answers in sync after the ramp whose root distance missed its true error | its last root distance in sync (µs) | clean box max after (µs) | clean box: answers missing | client max before (µs) | client max after (µs) | client at end (µs) | client outside its own bound (%% of its log) | client source at end |\n'
        printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
        for v in $spoofs; do
            for a in $appliances; do
                for seed in $seeds; do
                    cat "$work/spoof.$v.$a.$seed/result" 2>/dev/null || echo "| $v | $a | $seed | failed |"
                done
            done
        done
        ;;
    esac
done
if [ -n "${JUDGE_KEEP:-}" ]; then
    mkdir -p "$JUDGE_KEEP" && cp -r "$work"/. "$JUDGE_KEEP"/
    echo "judge: logs kept in $JUDGE_KEEP"
fi
clock_after=$(host_clock)
echo "judge: host CLOCK_REALTIME - CLOCK_MONOTONIC_RAW: $clock_before before, $clock_after after"
awk -v a="$clock_before" -v b="$clock_after" 'BEGIN { d = a - b; if (d < 0) d = -d;
    if (d > 0.001) { print "judge: THE HOST CLOCK MOVED"; exit 1 } }'
