#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 14: the HTTP endpoint against a daemon fed by the simulated receiver. /metrics passes
# `promtool check metrics` and holds the key series with sane values once locked (stratum 1,
# synchronized, both sources with offsets, reach, NTP counters that count our queries); the
# JSON routes are valid JSON with what the page needs (and /api/events the event history); the
# page and its library are served;
# bad requests get their 4xx (404 unknown path, 405 POST, 403 outside httpallow, 400 bad
# query); an If-None-Match gets 304. Then the abuse: one address holding many idle and
# half-sent connections is held to its per-address share while NTP keeps answering and other
# addresses still read the page; every address at once fills the connection limit, and NTP
# still answers; the idle timeout then frees them all and the page answers again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/http_lib.sh"
command -v promtool >/dev/null || gn_skip "promtool is not installed (Debian package prometheus; board/install-deps.sh)"

http_start_daemon "httpdeny 127.0.0.3"
http_wait_lock 60

# --- /metrics -------------------------------------------------------------------------------
curl -sf "$BASE/metrics" >"$GN_TMP/metrics.txt" || gn_fail "GET /metrics failed"
promtool check metrics <"$GN_TMP/metrics.txt" >"$GN_TMP/promtool.out" 2>&1 ||
    { cat "$GN_TMP/promtool.out"; gn_fail "promtool check metrics found problems"; }
python3 "$GN_SRC/tests/integration/ntpquery.py" 127.0.0.1 "$NTP_PORT" 4 >/dev/null ||
    gn_fail "no NTP answer"
curl -sf "$BASE/metrics" >"$GN_TMP/metrics.txt"
python3 - "$GN_TMP/metrics.txt" <<'PY' || gn_fail "/metrics does not hold the expected series"
import sys
m = {}
for line in open(sys.argv[1]):
    if line.startswith("#") or not line.strip():
        continue
    key, value = line.rsplit(" ", 1)
    m[key] = float(value)
def need(key, ok, what):
    if key not in m:
        sys.exit(f"missing {key}")
    if not ok(m[key]):
        sys.exit(f"{key} = {m[key]}: expected {what}")
need("gpsntpd_stratum", lambda v: v == 1, "1")
need('gpsntpd_sync_state{state="synchronized"}', lambda v: v == 1, "1")
need('gpsntpd_sync_state{state="unsynchronized"}', lambda v: v == 0, "0")
need('gpsntpd_reference_info{reference_id="50505300",refid="PPS",source="pps0"}', lambda v: v == 1, "1")
need("gpsntpd_leap_indicator", lambda v: v == 0, "0")
need("gpsntpd_root_dispersion_seconds", lambda v: 0 < v < 1e-3, "microseconds")
need("gpsntpd_frequency_ratio", lambda v: abs(v) < 1e-4, "within 100 ppm")
need("gpsntpd_holdover_seconds", lambda v: v == 0, "0")
need('gpsntpd_source_offset_seconds{source="pps0"}', lambda v: abs(v) < 1e-4, "under 100 us")
need('gpsntpd_source_jitter_seconds{source="pps0"}', lambda v: 0 < v < 1e-4, "microseconds")
need('gpsntpd_source_offset_seconds{source="nmea0"}', lambda v: abs(v) < 0.05, "milliseconds")
need('gpsntpd_source_latency_seconds{source="nmea0"}', lambda v: 0.05 < v < 0.15, "about 0.1 s")
need('gpsntpd_source_reach{source="pps0"}', lambda v: v > 0, "> 0")
need('gpsntpd_source_samples_total{source="pps0"}', lambda v: v >= 5, ">= 5")
need('gpsntpd_source_state{source="nmea0",state="ok"}', lambda v: v == 1, "1")
need('gpsntpd_source_pps_missed_total{source="pps0"}', lambda v: v >= 0, ">= 0")
need('gpsntpd_source_rejected_total{source="nmea0",reason="bad_checksum"}', lambda v: v == 0, "0")
need("gpsntpd_ntp_requests_received_total", lambda v: v >= 4, ">= 4 (our queries)")
need("gpsntpd_ntp_requests_answered_total", lambda v: v >= 4, ">= 4")
need('gpsntpd_ntp_requests_dropped_total{reason="denied"}', lambda v: v == 0, "0")
need("gpsntpd_ntp_clients_tracked", lambda v: v >= 1, ">= 1")
need('gpsntpd_http_responses_total{code="200"}', lambda v: v >= 2, ">= 2")
need("gpsntpd_http_connections", lambda v: v >= 1, ">= 1 (this one)")
assert "gpsntpd_source_latency_seconds{source=\"pps0\"}" not in m, "a pulse has no latency"
pps_offset = m['gpsntpd_source_offset_seconds{source="pps0"}']
print(f"metrics: {len(m)} samples; stratum 1, pps0 offset {pps_offset:.3g} s")
PY

# --- the JSON API ---------------------------------------------------------------------------
for path in /api/status "/api/history" "/api/history?window=coarse" "/api/history?window=fine&after=3" \
    /api/events "/api/events?after=1"; do
    curl -sf "$BASE$path" >"$GN_TMP/doc.json" || gn_fail "GET $path failed"
    python3 -m json.tool "$GN_TMP/doc.json" >/dev/null || gn_fail "$path is not valid JSON: $(head -c 300 "$GN_TMP/doc.json")"
done
curl -sf "$BASE/api/status" >"$GN_TMP/status.json"
curl -sf "$BASE/api/history" >"$GN_TMP/history.json"
python3 - "$GN_TMP/status.json" "$GN_TMP/history.json" <<'PY' || gn_fail "the JSON API does not hold what the page needs"
import json, sys
st, h = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert st["state"] == "synchronized", st["state"]
assert st["tracking"]["stratum"] == 1 and st["tracking"]["source"] == "pps0", st["tracking"]
assert [s["name"] for s in st["sources"]] == ["nmea0", "pps0"], st["sources"]
assert st["server"]["received"] >= 4, st["server"]
assert st["history"]["fine"]["count"] >= 5, st["history"]
assert h["window"] == "fine" and h["sources"] == ["nmea0", "pps0"], h
n = len(h["t"])
assert n >= 5 and h["last_seq"] - h["first_seq"] + 1 == n, (n, h["first_seq"], h["last_seq"])
for col in ("stratum", "frequency_ppm", "root_dispersion_s", "requests_per_s"):
    assert len(h[col]) == n, col
assert all(len(c) == n for c in h["offset_s"] + h["jitter_s"])
assert all(b > a for a, b in zip(h["t"], h["t"][1:])), "times not increasing"
assert any(v is not None and abs(v) < 1e-4 for v in h["offset_s"][1]), "no pps0 offsets"
print(f"history: {n} points, pps0 jitter now {h['jitter_s'][1][-1]} s")
PY
# Incremental: after the last point, nothing but what came since.
last=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["last_seq"])' "$GN_TMP/history.json")
curl -sf "$BASE/api/history?after=$last" | python3 -c '
import json, sys
h = json.load(sys.stdin)
assert h["first_seq"] == '"$last"' + 1 and len(h["t"]) == h["last_seq"] - '"$last"', h
' || gn_fail "/api/history?after=$last does not continue from $last"

# --- the page --------------------------------------------------------------------------------
curl -sf -D "$GN_TMP/page.hdr" "$BASE/" >"$GN_TMP/page.html" || gn_fail "GET / failed"
grep -q 'src="dygraph.min.js"' "$GN_TMP/page.html" || gn_fail "the page does not load the chart library"
grep -qi '^content-security-policy: default-src .self.' "$GN_TMP/page.hdr" || gn_fail "no CSP on the page"
for f in /status.js /status.css /dygraph.min.js /dygraph.css; do
    [ "$(http_code "$BASE$f")" = 200 ] || gn_fail "$f is not served"
done
curl -sf "$BASE/dygraph.min.js" | cmp -s - /usr/share/javascript/dygraphs/dygraph.min.js ||
    gn_fail "the embedded dygraph.min.js differs from the installed one"
etag=$(grep -i '^etag:' "$GN_TMP/page.hdr" | tr -d '\r' | cut -d' ' -f2)
[ "$(http_code -H "If-None-Match: $etag" "$BASE/")" = 304 ] || gn_fail "If-None-Match $etag did not give 304"

# --- bad requests ----------------------------------------------------------------------------
expect_code() { # CODE WHAT CURL-ARGS...
    local want=$1 what=$2 got
    shift 2
    got=$(http_code "$@")
    [ "$got" = "$want" ] || gn_fail "$what: HTTP $got, expected $want"
    echo "ok: $what -> $got"
}
expect_code 404 "unknown path" "$BASE/etc/passwd"
expect_code 404 "a path's prefix" "$BASE/metricsx"
expect_code 405 "POST" -X POST -d x=1 "$BASE/metrics"
expect_code 405 "DELETE" -X DELETE "$BASE/"
expect_code 400 "a GET with a body" -X GET -d x=1 "$BASE/metrics"
expect_code 400 "bad window" "$BASE/api/history?window=decade"
expect_code 400 "bad after" "$BASE/api/history?after=-1"
expect_code 400 "bad events after" "$BASE/api/events?after=x"
expect_code 403 "outside httpallow (httpdeny 127.0.0.3)" --interface 127.0.0.3 "$BASE/metrics"
expect_code 200 "HEAD" -I "$BASE/api/status"
curl -sf "$BASE/api/events" | python3 -c '
import json, sys
ev = json.load(sys.stdin)["events"]
tags = [e["tag"] for e in ev]
assert "START" in tags and "SYNC" in tags, tags
last = ev[-1]["seq"]
print("events:", tags)' || gn_fail "/api/events does not serve the event history"
python3 - "$HTTP_PORT" <<'PY' || gn_fail "over-long headers were not refused with a 4xx"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n")
line = s.recv(100).split(b"\r\n")[0]
print("over-long headers:", line.decode())
sys.exit(not (line.startswith(b"HTTP/1.1 4")))
PY

# --- abuse: history renders on demand are rationed ------------------------------------------
# 150 reads `after` an old point (each would be rendered for its reader) as fast as one
# connection goes: the first ones (a burst of 40, then 20 a second) are served, the rest get
# 429 at once; meanwhile NTP answers.
python3 - "$HTTP_PORT" >"$GN_TMP/burst.out" <<'PY' &
import http.client, sys, collections
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
codes = collections.Counter()
for i in range(150):
    c.request("GET", "/api/history?after=1")
    r = c.getresponse()
    r.read()
    codes[r.status] += 1
print(dict(codes))
PY
burst=$!
gn_track $burst
python3 "$GN_SRC/tests/integration/ntpquery.py" 127.0.0.1 "$NTP_PORT" 3 >/dev/null ||
    gn_fail "NTP did not answer during the history burst"
wait $burst
cat "$GN_TMP/burst.out"
python3 - "$GN_TMP/burst.out" <<'PY' || gn_fail "history renders were not rationed"
import ast, sys
codes = ast.literal_eval(open(sys.argv[1]).read())
ok, limited = codes.get(200, 0), codes.get(429, 0)
sys.exit(not (40 <= ok <= 100 and ok + limited == 150 and limited >= 50))
PY
[ "$(http_code "$BASE/api/history")" = 200 ] || gn_fail "the whole window (cached) was refused after the burst"

# --- abuse: many idle and half-sent connections ---------------------------------------------
# held.py ADDRESSES...: from each address, 12 connections sending half a request (no blank
# line) and then nothing. Prints how many the server kept open after 1 s, then waits (up to
# 40 s) and prints in how many seconds it closed all of them.
cat >"$GN_TMP/held.py" <<'PY'
import socket, sys, time, select
port = int(sys.argv[1])
socks = []
for addr in sys.argv[2:]:
    for _ in range(12):
        s = socket.socket()
        s.bind((addr, 0))
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            socks.append(s)
        except OSError:
            s.close()
t0 = time.monotonic()
time.sleep(1.0)
def still_open(s):
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return True
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except OSError:
        return False
kept = [s for s in socks if still_open(s)]
print("kept", len(kept), "of", len(socks), flush=True)
while kept and time.monotonic() - t0 < 40:
    time.sleep(0.2)
    kept = [s for s in kept if still_open(s)]
print("closed", len(kept) == 0, "after %.1f" % (time.monotonic() - t0), flush=True)
PY
ntp_ok() { python3 "$GN_SRC/tests/integration/ntpquery.py" 127.0.0.1 "$NTP_PORT" 3 >/dev/null; }

# One address (127.0.0.2) takes 12: it keeps its 8; NTP and other addresses are served.
python3 "$GN_TMP/held.py" "$HTTP_PORT" 127.0.0.2 >"$GN_TMP/held1.out" 2>&1 &
held=$!
gn_track $held
gn_wait_for 10 grep -q kept "$GN_TMP/held1.out" || gn_fail "the holder did not start"
grep -q "kept 8 of 12" "$GN_TMP/held1.out" || gn_fail "per-address limit: $(cat "$GN_TMP/held1.out")"
ntp_ok || gn_fail "NTP did not answer while one address held 8 connections"
[ "$(http_code "$BASE/metrics")" = 200 ] || gn_fail "another address could not read /metrics"
wait $held
cat "$GN_TMP/held1.out"
grep -q "closed True" "$GN_TMP/held1.out" || gn_fail "half-sent requests were not timed out"
secs=$(awk '/closed True/ { print $4 }' "$GN_TMP/held1.out")
python3 -c "import sys; sys.exit(not 8 <= $secs <= 25)" ||
    gn_fail "half-sent requests closed after $secs s, expected about the 10 s idle timeout"

# Every address at once (5 x 12, at most 8 each): the endpoint is full, NTP is not touched.
n_before=$(metric gpsntpd_ntp_requests_answered_total)
python3 "$GN_TMP/held.py" "$HTTP_PORT" 127.0.0.10 127.0.0.11 127.0.0.12 127.0.0.13 127.0.0.14 \
    >"$GN_TMP/held2.out" 2>&1 &
held=$!
gn_track $held
gn_wait_for 10 grep -q kept "$GN_TMP/held2.out" || gn_fail "the holders did not start"
# 32 served; past the limit the library stops accepting, so up to the listen backlog (16 + 1)
# more wait in the kernel's queue, connected but unread, and are taken (and timed out) later.
kept=$(awk '/^kept/ { print $2 }' "$GN_TMP/held2.out")
[ "$kept" -ge 32 ] && [ "$kept" -le $((32 + 17)) ] || gn_fail "connection limit: $(cat "$GN_TMP/held2.out")"
for _ in 1 2 3; do
    ntp_ok || gn_fail "NTP did not answer with the HTTP endpoint full"
done
wait $held
cat "$GN_TMP/held2.out"
grep -q "closed True" "$GN_TMP/held2.out" || gn_fail "the full endpoint was not freed by the idle timeout"
gn_wait_for 10 test "$(http_code "$BASE/metrics")" = 200 || gn_fail "/metrics did not answer after the timeouts"
n_after=$(metric gpsntpd_ntp_requests_answered_total)
python3 -c "import sys; sys.exit(not $n_after >= $n_before + 9)" ||
    gn_fail "NTP answered $n_before -> $n_after while HTTP was full"
echo "NTP answered $((${n_after%.*} - ${n_before%.*})) requests while the endpoint was full"

gn_stop_daemon

# --- a privileged port, bound before the privilege drop, over IPv6 ---------------------------
# Port 80 on ::1 (8080 when 80 is taken here), the daemon running as nobody afterwards.
if [ "$(id -u)" -ne 0 ] || ! getent passwd nobody >/dev/null; then
    echo "SKIPPED part: a privileged port needs root and a user nobody"
elif ! python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
    echo "SKIPPED part: no IPv6 loopback here"
else
    web=80
    ss -Htln "sport = :80" | grep -q . && web=8080
    ss -Htln "sport = :$web" | grep -q . && gn_fail "ports 80 and 8080 are both taken on this machine"
    cat >"$GN_TMP/priv.conf" <<CONF
port $(gn_free_tcp_port)
bindaddress 127.0.0.1
allow 127.0.0.1
local stratum 3
controlsocket $GN_TMP/priv.sock
pidfile $GN_TMP/priv.pid
httpport $web
bindhttpaddress ::1
user nobody
CONF
    "$GN_BIN/gpsntpd" -d -x -f "$GN_TMP/priv.conf" >"$GN_TMP/priv.log" 2>&1 &
    priv=$!
    gn_track $priv
    gn_wait_for 10 curl -sf -g -o /dev/null "http://[::1]:$web/metrics" ||
        { cat "$GN_TMP/priv.log"; gn_fail "no answer on [::1]:$web"; }
    [ "$(curl -s -g "http://[::1]:$web/metrics" | awk '$1 == "gpsntpd_stratum" { print $2 }')" = 3 ] ||
        gn_fail "the endpoint on [::1]:$web does not serve the daemon's stratum"
    [ "$(ps -o user= -p $priv)" = nobody ] || gn_fail "the daemon did not drop to nobody"
    grep -q "running as nobody" "$GN_TMP/priv.log" || gn_fail "no privilege drop logged"
    kill -TERM $priv
    echo "ok: port $web on [::1], served as nobody"
fi
echo "PASS: /metrics (promtool), JSON API, page, 4xx, limits and timeouts with NTP served throughout"
