#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 14: the status page in a real browser. Headless Chromium loads / from a daemon fed by
# the simulated receiver (and queried by an NTP client meanwhile), runs its scripts, and the
# DOM it ends with shows the state at a glance (synchronized, stratum 1, pps0 leading), both
# sources in the table, and every plot with data points (each plot element says how many in
# data-points). No script error and no refused resource in the browser's console (the page
# needs nothing but what the daemon serves, under its Content-Security-Policy). A screenshot
# is kept as a test artifact: build/artifacts/status-page.png. Then the receiver is pulled
# (the simulator ends): /metrics says holdover, for a growing number of seconds, and the page
# shows HOLDOVER (build/artifacts/status-page-holdover.png).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/http_lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
    gn_skip "chromium is not installed (Debian package chromium; board/install-deps.sh)"

http_start_daemon
http_wait_lock 60
# Some NTP traffic for the requests-per-second plot: 12 rounds of 8 queries, bounded.
(for _ in $(seq 12); do
    python3 "$GN_SRC/tests/integration/ntpquery.py" 127.0.0.1 "$NTP_PORT" 8 >/dev/null 2>&1
done) &
gn_track $!
points() { curl -sf "$BASE/api/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["history"]["fine"]["count"])'; }
enough() { [ "$(points)" -ge 20 ]; }
gn_wait_for 60 enough || gn_fail "the history did not reach 20 points within 60 s"

# chrome ARGS... URL: one headless run, bounded in time; the console goes to chromium.log.
chrome() {
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --enable-logging=stderr --v=0 \
        --user-data-dir="$(mktemp -d "$GN_TMP/chromium.XXXXXX")" --virtual-time-budget=10000 \
        "$@" 2>>"$GN_TMP/chromium.log"
}
chrome --dump-dom "$BASE/" >"$GN_TMP/dom.html" || gn_fail "chromium failed: $(tail -5 "$GN_TMP/chromium.log")"
python3 - "$GN_TMP/dom.html" <<'PY' || gn_fail "the page in the browser does not show what it should"
import sys
from html.parser import HTMLParser

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.attrs, self.text, self.cur, self.cells = {}, {}, None, []
        self.in_td = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.attrs["body"] = a
        if "id" in a:
            self.attrs[a["id"]] = a
            self.cur = a["id"]
        self.in_td = tag == "td"
    def handle_endtag(self, tag):
        self.cur = None
        self.in_td = False
    def handle_data(self, data):
        if self.cur:
            self.text[self.cur] = self.text.get(self.cur, "") + data
        if self.in_td:
            self.cells.append(data.strip())

p = Page()
p.feed(open(sys.argv[1]).read())
body = p.attrs.get("body", {})
problems = []
if body.get("data-state") != "synchronized":
    problems.append(f"state {body.get('data-state')!r}, expected synchronized")
if not p.text.get("badge", "").startswith("SYNCHRONIZED"):
    problems.append(f"badge says {p.text.get('badge')!r}")
if p.text.get("g-stratum", "").strip() != "1":
    problems.append(f"stratum {p.text.get('g-stratum')!r}")
if "pps0" not in p.text.get("g-reference", ""):
    problems.append(f"reference {p.text.get('g-reference')!r}")
for name in ("nmea0", "pps0"):
    if name not in p.cells:
        problems.append(f"{name} not in the sources table")
plots = ["p-offset-0", "p-offset-1", "p-jitter", "p-freq", "p-disp", "p-rps"]
counts = {}
for plot in plots:
    n = int(p.attrs.get(plot, {}).get("data-points", "-1"))
    counts[plot] = n
    if n < 10:
        problems.append(f"plot {plot} has {n} data points")
print("plots:", counts, "history points:", body.get("data-history-points"))
if problems:
    sys.exit("; ".join(problems))
PY
if grep -E 'Uncaught|Refused to|Failed to load resource|CONSOLE.*[Ee]rror' "$GN_TMP/chromium.log"; then
    gn_fail "errors in the browser's console (above)"
fi

mkdir -p "$GN_BUILD/artifacts"
shot="$GN_BUILD/artifacts/status-page.png"
rm -f "$shot"
chrome --window-size=1280,1000 --screenshot="$shot" "$BASE/" >/dev/null ||
    gn_fail "chromium could not take the screenshot"
python3 - "$shot" <<'PY' || gn_fail "no usable screenshot at $shot"
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", data[16:24])
print(f"screenshot {sys.argv[1]}: {w}x{h}, {len(data)} bytes")
sys.exit(not (w == 1280 and h == 1000 and len(data) > 30000))
PY

# The receiver pulled: no NMEA, no pulses. The server holds over, and says so.
kill -TERM "$SIM_PID"
in_holdover() { [ "$(metric 'gpsntpd_sync_state{state="holdover"}')" = 1 ]; }
gn_wait_for 60 in_holdover || gn_fail "no holdover in /metrics within 60 s of pulling the receiver"
h1=$(metric gpsntpd_holdover_seconds)
grow() { python3 -c "import sys; sys.exit(not float('$(metric gpsntpd_holdover_seconds)') > float('$h1'))"; }
gn_wait_for 10 grow || gn_fail "gpsntpd_holdover_seconds does not grow ($h1)"
[ "$(metric gpsntpd_stratum)" = 1 ] || gn_fail "holdover should still serve stratum 1"
chrome --dump-dom "$BASE/" >"$GN_TMP/dom2.html" || gn_fail "chromium failed on the holdover page"
grep -q 'data-state="holdover"' "$GN_TMP/dom2.html" && grep -q '>HOLDOVER<' "$GN_TMP/dom2.html" ||
    gn_fail "the page does not show HOLDOVER: $(grep -o '<div id="badge"[^<]*<[^>]*>[^<]*' "$GN_TMP/dom2.html")"
chrome --window-size=1280,1000 --screenshot="$GN_BUILD/artifacts/status-page-holdover.png" "$BASE/" \
    >/dev/null || gn_fail "chromium could not take the holdover screenshot"
echo "holdover: $(metric gpsntpd_holdover_seconds) s, page shows HOLDOVER"

gn_stop_daemon
echo "PASS: the page in headless Chromium: synchronized, sources, every plot with points, holdover; screenshots kept"
