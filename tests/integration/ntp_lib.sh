# SPDX-License-Identifier: BSD-2-Clause
# Helpers for the tests of gpsntpd's NTP client (sourced after lib.sh): real upstream servers
# on loopback ports above 10000, a chronyd that never touches the clock (-x) and is never the
# machine's service (its own configuration, pidfile, no command socket), the small fake server
# of fakentp.py, and a second gpsntpd. Every process is tracked by lib.sh and ended by its PID.

NTP_PORTS=""

# ntp_port VAR: a free UDP port on 127.0.0.1 (20000..52767) not handed out before in this test.
ntp_port() {
    local p
    while :; do
        p=$((20000 + RANDOM))
        case " $NTP_PORTS " in *" $p "*) continue ;; esac
        gn_port_free 127.0.0.1 "$p" || continue
        NTP_PORTS="$NTP_PORTS $p"
        printf -v "$1" %s "$p"
        return 0
    done
}

ntp_listening() {
    ! gn_port_free 127.0.0.1 "$1"
}

ntp_need_chronyd() {
    command -v chronyd >/dev/null ||
        gn_skip "chronyd is not installed (board/install-deps.sh): THE NTP CLIENT TESTS AGAINST A REAL SERVER DID NOT RUN"
    gn_need_root
}

# ntp_chronyd NAME PORT: a chronyd answering as a stratum-1 server (`local stratum 1`) on
# 127.0.0.1:PORT; sets NTP_PID to its PID. -x: the clock is never touched; no command port and
# no Unix command socket (bindcmdaddress /), so the machine's own chronyd is never disturbed.
ntp_chronyd() {
    local name=$1 port=$2 dir=$GN_TMP/$1
    mkdir -p "$dir"
    cat >"$dir/chrony.conf" <<CONF
local stratum 1
port $port
bindaddress 127.0.0.1
allow 127.0.0.0/8
cmdport 0
bindcmdaddress /
pidfile $dir/chronyd.pid
CONF
    chronyd -x -d -u root -f "$dir/chrony.conf" >"$dir/chronyd.log" 2>&1 &
    NTP_PID=$!
    gn_track "$NTP_PID"
    gn_wait_for 10 ntp_listening "$port" || {
        cat "$dir/chronyd.log" >&2
        gn_fail "chronyd $name did not listen on 127.0.0.1:$port"
    }
}

# ntp_fake NAME PORT [fakentp.py options]: the fake server on 127.0.0.1:PORT, logging each
# request it sees to $GN_TMP/NAME.req; sets NTP_PID to its PID.
ntp_fake() {
    local name=$1 port=$2
    shift 2
    : >"$GN_TMP/$name.req"
    python3 "$GN_SRC/tests/integration/fakentp.py" --port "$port" --log "$GN_TMP/$name.req" \
        "$@" >"$GN_TMP/$name.out" 2>&1 &
    NTP_PID=$!
    gn_track "$NTP_PID"
    gn_wait_for 10 ntp_listening "$port" || {
        cat "$GN_TMP/$name.out" >&2
        gn_fail "fakentp $name did not listen on 127.0.0.1:$port"
    }
}

# ntp_reqs NAME: how many requests the fake server NAME has seen.
ntp_reqs() {
    wc -l <"$GN_TMP/$1.req"
}

# ntp_reqs_at_least NAME N
ntp_reqs_at_least() {
    [ "$(ntp_reqs "$1")" -ge "$2" ]
}

# ntp_events_have TAG[:SOURCE]...: the daemon's event history has these, in this order.
ntp_events_have() {
    gn_ctl -j events | python3 "$GN_SRC/tests/integration/events.py" order "$@"
}

# ntp_events_list: the event history, one "TAG source" per line (for the reports).
ntp_events_list() {
    gn_ctl -j events | python3 -c '
import json, sys
for e in json.load(sys.stdin)["events"]:
    print("  %s %-13s %-7s %s" % (e["time"], e["tag"], e["source"], e["message"]))
'
}

# ntp_query PORT: ntpquery.py's best answer from 127.0.0.1:PORT (one JSON line).
ntp_query() {
    python3 "$GN_SRC/tests/integration/ntpquery.py" 127.0.0.1 "$1" 8
}

# ntp_json FIELD < json: one field of a JSON line.
ntp_json() {
    python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# ntp_abs_below VALUE LIMIT: |VALUE| < LIMIT.
ntp_abs_below() {
    python3 -c 'import sys; sys.exit(not abs(float(sys.argv[1])) < float(sys.argv[2]))' "$1" "$2"
}

# ntp_last_seq: the sequence number of the newest event (0 when none).
ntp_last_seq() {
    gn_ctl -j events | python3 -c '
import json, sys
ev = json.load(sys.stdin)["events"]
print(ev[-1]["seq"] if ev else 0)
'
}

# ntp_events_since SEQ: "TAG:SOURCE" of every event newer than SEQ, one per line.
ntp_events_since() {
    gn_ctl -j events | python3 -c '
import json, sys
for e in json.load(sys.stdin)["events"]:
    if e["seq"] > int(sys.argv[1]):
        print("%s:%s" % (e["tag"], e["source"]))
' "$1"
}

# ntp_since T0 TAG [SEQ]: seconds from T0 (a gn_now reading) to the daemon's first TAG event
# newer than SEQ (default 0): its own timestamp on the real-time clock, which -x leaves alone.
ntp_since() {
    gn_ctl -j events | python3 -c '
import json, sys
ev = [e for e in json.load(sys.stdin)["events"]
      if e["tag"] == sys.argv[2] and e["seq"] > int(sys.argv[3])]
print("%.3f" % (ev[0]["time_ns"] / 1e9 - float(sys.argv[1])))
' "$1" "$2" "${3:-0}"
}

# ntp_selects: every source's selection verdict in one reading, "NAME:SELECT ..." in order.
ntp_selects() {
    gn_ctl -j sources | python3 -c '
import json, sys
print(" ".join("%s:%s" % (s["name"], s["select"]) for s in json.load(sys.stdin)["sources"]))
'
}

# Start gpsntpd (serving on port $P0) as the client of the servers on 127.0.0.1 at these
# ports, each with `iburst minpoll 1 maxpoll 1` (a request every 2 s), and wait for its control
# socket.
ntp_start_client() {
    {
        printf 'port %s\nbindaddress 127.0.0.1\nallow 127.0.0.0/8\ncontrolsocket %s\n' \
            "$P0" "$GN_TMP/ctl.sock"
        for port in "$@"; do
            printf 'server 127.0.0.1 port %s iburst minpoll 1 maxpoll 1\n' "$port"
        done
    } >"$GN_TMP/gpsntpd.conf"
    gn_start_daemon "$GN_TMP/gpsntpd.conf"
    gn_wait_for 5 test -S "$GN_TMP/ctl.sock" || gn_fail "no control socket"
}

# Synchronized at stratum 2 (through an NTP source).
ntp_synced2() { [ "$(trk synchronized,stratum)" = "true 2" ]; }
