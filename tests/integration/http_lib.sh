# SPDX-License-Identifier: BSD-2-Clause
# Shared by the HTTP endpoint's tests (sourced after lib.sh): a simulated receiver with its
# pulse (gpssim --pps and the PPS test double, as test_pps_e2e.sh), gpsntpd -x serving NTP
# and HTTP on loopback ports, and helpers to read the endpoint.

command -v curl >/dev/null || gn_skip "curl is not installed (board/install-deps.sh installs it)"
command -v python3 >/dev/null || gn_skip "python3 is not installed"
GN_PRELOAD="$GN_BUILD/lib/libgpsntp-fakepps.so"
[ -e "$GN_PRELOAD" ] || gn_fail "the PPS test double $GN_PRELOAD was not built"

# A free TCP port on 127.0.0.1 (asked of the kernel, then released: good enough on a test box).
gn_free_tcp_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# http_start_daemon [EXTRA CONFIG LINES]: start the simulator (30 ms ahead of this machine,
# NMEA 0.1 s after the second with 5 ms of jitter, pulses with 1 us) for DURATION seconds
# (default 300) and gpsntpd with httpport $HTTP_PORT; sets NTP_PORT, HTTP_PORT, BASE, SIM_PID.
http_start_daemon() {
    "$GN_BIN/gpsntp-gpssim" --link "$GN_TMP/gps0" --pps "$GN_TMP/pps0" --offset 0.030 \
        --jitter 0.005 --pps-jitter 1e-6 --duration "${DURATION:-300}" >"$GN_TMP/gpssim.out" 2>&1 &
    SIM_PID=$!
    gn_track $SIM_PID
    gn_wait_for 5 test -e "$GN_TMP/pps0" || gn_fail "simulator did not start"
    NTP_PORT=$(gn_free_tcp_port)
    HTTP_PORT=$(gn_free_tcp_port)
    BASE="http://127.0.0.1:$HTTP_PORT"
    cat >"$GN_TMP/gpsntpd.conf" <<CONF
refclock nmea $GN_TMP/gps0 baud 9600 offset 0.1 refid GPS
refclock pps $GN_TMP/pps0 lock GPS refid PPS
port $NTP_PORT
bindaddress 127.0.0.1
allow 127.0.0.0/8
controlsocket $GN_TMP/ctl.sock
makestep 0.01 -1
httpport $HTTP_PORT
$*
CONF
    LD_PRELOAD=$GN_PRELOAD ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 \
        gn_start_daemon "$GN_TMP/gpsntpd.conf"
    gn_wait_for 10 curl -sf -o /dev/null "$BASE/metrics" || gn_fail "no HTTP answer on $BASE"
}

# http_code [CURL ARGS...] URL: the status code only.
http_code() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"
}

# metric NAME{LABELS}: the value of one sample of /metrics (empty when absent).
metric() {
    curl -sf --max-time 10 "$BASE/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}

# Wait for stratum 1 with the pulse leading and its offset settled (the first readings after
# the lock still hold the offset from before the start-up step), read through the endpoint.
http_wait_lock() {
    locked() {
        curl -sf --max-time 10 "$BASE/metrics" | awk '
            $1 == "gpsntpd_stratum" { s = $2 }
            $1 == "gpsntpd_source_selected{source=\"pps0\"}" { sel = $2 }
            $1 == "gpsntpd_source_offset_seconds{source=\"pps0\"}" { off = $2; have = 1 }
            END { exit !(s == 1 && sel == 1 && have && off < 1e-4 && off > -1e-4) }'
    }
    gn_wait_for "${1:-60}" locked ||
        gn_fail "no stratum 1 with pps0 leading (and its offset within 100 us) within ${1:-60} s"
}
