#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Server throughput benchmark (issue 2), not a test: gpsntpd, chronyd and the minimal
# recvmmsg/sendmmsg responder side by side in one run, each pinned to CPU 1 with the load
# generator on CPU 0. Per server: closed-loop rate, an open-loop sweep (the highest rate with
# < 1% loss), RTT, CPU time per answered request (from /proc utime+stime), and the offset a
# client computes at 10k requests/s (should be 0: one clock). chronyd runs with -x (never
# touches the clock), `local stratum 1`, no ratelimit, on a private port and files.
# Then authenticated serving (issue 15), gpsntpd beside chronyd with the same AES-CMAC key and
# the same NTS certificate: closed-loop rate and CPU per request for plain, key-authenticated
# (AES128 CMAC) and NTS-protected requests, and NTS-KE handshakes per second.
#   usage: tests/bench/run_server_bench.sh [BUILD_DIR]   (default: build)
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$src/build}/bin
tmp=$(mktemp -d /tmp/gnbench.XXXXXX)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    sleep 0.3
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
load() { taskset -c 0 "$bin/ntpload" "$@"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

start_server() { # name port -> sets spid
    case $1 in
    gpsntpd)
        printf 'port %s\nbindaddress 127.0.0.1\nallow 127.0.0.0/8\nlocal stratum 1\ncontrolsocket %s/g.sock\npidfile %s/g.pid\n' \
            "$2" "$tmp" "$tmp" >"$tmp/g.conf"
        taskset -c 1 "$bin/gpsntpd" -d -x -f "$tmp/g.conf" 2>"$tmp/g.log" &
        ;;
    chronyd)
        printf 'port %s\nbindaddress 127.0.0.1\nallow 127.0.0.0/8\nlocal stratum 1\ncmdport 0\npidfile %s/c.pid\n' \
            "$2" "$tmp" >"$tmp/c.conf"
        taskset -c 1 chronyd -x -d -u root -f "$tmp/c.conf" 2>"$tmp/c.log" &
        ;;
    minresp)
        taskset -c 1 "$bin/minresp" "$2" &
        ;;
    esac
    spid=$!
    pids="$pids $spid"
    sleep 1
}

field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

printf '%-8s %12s %14s %9s %9s %12s %12s %12s\n' server closed/s "open<1%loss/s" rtt50us rtt99us cpu_ns/req off50us off99us
declare -A rate cpu
port=11200
for server in minresp gpsntpd chronyd; do
    if [ "$server" = chronyd ] && ! command -v chronyd >/dev/null; then
        continue
    fi
    port=$((port + 1))
    start_server $server $port
    c0=$(cpu_ticks "$spid")
    closed=$(load closed $port 3 256)
    c1=$(cpu_ticks "$spid")
    ans=$(field "$closed" answered)
    cpu_ns=$(python3 -c "print(int(($c1 - $c0) / $hz * 1e9 / max($ans, 1)))")
    best=0
    for r in 25000 50000 100000 150000 200000 300000 400000; do
        out=$(load open $port 2 $r)
        loss=$(field "$out" loss)
        if python3 -c "import sys; sys.exit(not $loss < 0.01)"; then
            best=$(field "$out" answered_per_s)
        else
            break
        fi
    done
    acc=$(load open $port 2 10000)
    printf '%-8s %12s %14s %9s %9s %12s %12s %12s\n' $server "$(field "$closed" answered_per_s)" \
        "$best" "$(field "$closed" rtt_p50_us)" "$(field "$closed" rtt_p99_us)" "$cpu_ns" \
        "$(field "$acc" abs_offset_p50_us)" "$(field "$acc" abs_offset_p99_us)"
    rate[$server]=$(field "$closed" answered_per_s)
    cpu[$server]=$cpu_ns
    kill "$spid"
    sleep 0.5
done
for server in gpsntpd chronyd; do
    [ -n "${rate[$server]:-}" ] || continue
    python3 -c "print('%-8s %.2fx the minimal responder\\'s closed-loop rate, %.2fx its CPU per request' % ('$server', ${rate[$server]} / ${rate[minresp]}, ${cpu[$server]} / max(${cpu[minresp]}, 1)))"
done

# --- authenticated serving (issue 15) -------------------------------------------------------
command -v certtool >/dev/null || { echo "certtool missing: no authenticated benchmark"; exit 0; }
(
    cd "$tmp" || exit 1
    certtool --generate-privkey --key-type=ecdsa --outfile ca.key >/dev/null 2>&1
    printf 'cn = "bench CA"\nca\ncert_signing_key\nexpiration_days = 2\n' >ca.tmpl
    certtool --generate-self-signed --load-privkey ca.key --template ca.tmpl --outfile ca.pem \
        >/dev/null 2>&1
    certtool --generate-privkey --key-type=ecdsa --outfile srv.key >/dev/null 2>&1
    printf 'cn = "localhost"\ndns_name = "localhost"\nip_address = "127.0.0.1"\ntls_www_server\nsigning_key\nexpiration_days = 2\n' >srv.tmpl
    certtool --generate-certificate --load-privkey srv.key --load-ca-certificate ca.pem \
        --load-ca-privkey ca.key --template srv.tmpl --outfile srv.pem >/dev/null 2>&1
)
AES=2b7e151628aed2a6abf7158809cf4f3c
printf '1 AES128 HEX:%s\n' $AES >"$tmp/keys"
chmod 600 "$tmp/keys"
mkdir -p "$tmp/gnts" "$tmp/cnts"
echo
printf '%-8s %-6s %12s %12s %9s\n' server auth closed/s cpu_ns/req rtt50us
declare -A arate acpu ke
for server in gpsntpd chronyd; do
    if [ "$server" = chronyd ] && ! command -v chronyd >/dev/null; then
        continue
    fi
    port=$((port + 1))
    keport=$((port + 1000))
    auth_conf="keyfile $tmp/keys
ntsservercert $tmp/srv.pem
ntsserverkey $tmp/srv.key
ntsport $keport"
    case $server in
    gpsntpd)
        printf 'port %s\nbindaddress 127.0.0.1\nallow 127.0.0.0/8\nlocal stratum 1\ncontrolsocket %s/ga.sock\npidfile %s/ga.pid\nntsdumpdir %s/gnts\n%s\n' \
            "$port" "$tmp" "$tmp" "$tmp" "$auth_conf" >"$tmp/ga.conf"
        taskset -c 1 "$bin/gpsntpd" -d -x -f "$tmp/ga.conf" 2>"$tmp/ga.log" &
        ;;
    chronyd)
        printf 'port %s\nbindaddress 127.0.0.1\nallow 127.0.0.0/8\nlocal stratum 1\ncmdport 0\npidfile %s/ca.pid\nntsdumpdir %s/cnts\n%s\n' \
            "$port" "$tmp" "$tmp" "$auth_conf" >"$tmp/ca.conf"
        taskset -c 1 chronyd -x -d -u root -f "$tmp/ca.conf" 2>"$tmp/ca.log" &
        ;;
    esac
    spid=$!
    pids="$pids $spid"
    sleep 1.5
    for a in plain mac nts; do
        case $a in
        plain) extra=() ;;
        mac) extra=(mac 1 $AES) ;;
        nts) extra=(nts $keport "$tmp/ca.pem" localhost) ;;
        esac
        c0=$(cpu_ticks "$spid")
        out=$(load closed $port 3 256 "${extra[@]}")
        c1=$(cpu_ticks "$spid")
        ans=$(field "$out" answered)
        cpu_ns=$(python3 -c "print(int(($c1 - $c0) / $hz * 1e9 / max($ans, 1)))")
        printf '%-8s %-6s %12s %12s %9s\n' $server $a "$(field "$out" answered_per_s)" "$cpu_ns" \
            "$(field "$out" rtt_p50_us)"
        arate[$server.$a]=$(field "$out" answered_per_s)
        acpu[$server.$a]=$cpu_ns
    done
    out=$(load ke $keport 3 "$tmp/ca.pem" localhost)
    ke[$server]=$(field "$out" handshakes_per_s)
    kill "$spid"
    sleep 0.5
done
echo
for server in gpsntpd chronyd; do
    [ -n "${ke[$server]:-}" ] && echo "$server NTS-KE handshakes/s (one client, one after another): ${ke[$server]}"
done
if [ -n "${arate[chronyd.mac]:-}" ]; then
    for a in plain mac nts; do
        python3 -c "print('%-5s gpsntpd/chronyd: %.2fx the rate, %.2fx the CPU per request' % ('$a', ${arate[gpsntpd.$a]} / max(${arate[chronyd.$a]}, 1), ${acpu[gpsntpd.$a]} / max(${acpu[chronyd.$a]}, 1)))"
    done
fi
