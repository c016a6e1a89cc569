#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 14: a real Prometheus (Debian's package; its service is never started: this test runs
# the binary with a private configuration, storage and loopback port) scrapes gpsntpd's
# /metrics once a second, with the alert rules of docs/prometheus/gpsntpd-alerts.yml loaded.
# Asked back through its HTTP API: the scrape is up, gpsntpd_stratum is 1 once the simulated
# receiver's pulse leads, the per-source series carry their labels, a counter's rate is seen,
# and every alert rule evaluates without error and none fires on a healthy server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/http_lib.sh"
command -v prometheus >/dev/null || gn_skip "prometheus is not installed (Debian package prometheus; board/install-deps.sh)"
command -v promtool >/dev/null || gn_skip "promtool is not installed (Debian package prometheus)"

rules="$GN_SRC/docs/prometheus/gpsntpd-alerts.yml"
promtool check rules "$rules" || gn_fail "the documented alert rules do not pass promtool"

http_start_daemon
PROM_PORT=$(gn_free_tcp_port)
PROM="http://127.0.0.1:$PROM_PORT"
cp "$rules" "$GN_TMP/gpsntpd-alerts.yml"
cat >"$GN_TMP/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - gpsntpd-alerts.yml
scrape_configs:
  - job_name: gpsntpd
    static_configs:
      - targets: ['127.0.0.1:$HTTP_PORT']
CONF
promtool check config "$GN_TMP/prometheus.yml" || gn_fail "the test's Prometheus configuration is refused"
t0=$(gn_now)
prometheus --config.file="$GN_TMP/prometheus.yml" --storage.tsdb.path="$GN_TMP/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$GN_TMP/prometheus.log" 2>&1 &
gn_track $!
gn_wait_for 60 curl -sf "$PROM/-/ready" || { cat "$GN_TMP/prometheus.log"; gn_fail "Prometheus not ready within 60 s"; }
python3 -c "print('Prometheus ready after %.1f s' % ($(gn_now) - $t0))"

# query EXPR: the instant vector as JSON lines, "labels value" (nothing when empty).
query() {
    curl -sf --max-time 10 -G "$PROM/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["status"] == "success", d
for r in d["data"]["result"]:
    print(json.dumps(r["metric"], sort_keys=True), r["value"][1])'
}
value_is() { # EXPR VALUE: the single sample of EXPR has that value
    [ "$(query "$1" | awk '{ print $NF }')" = "$2" ]
}

gn_wait_for 60 value_is 'up{job="gpsntpd"}' 1 || gn_fail "Prometheus does not scrape gpsntpd: $(query up)"
gn_wait_for 90 value_is gpsntpd_stratum 1 ||
    gn_fail "gpsntpd_stratum is not 1 in Prometheus: $(query gpsntpd_stratum)"
echo "gpsntpd_stratum: $(query gpsntpd_stratum)"
value_is 'gpsntpd_sync_state{state="synchronized"}' 1 || gn_fail "not synchronized in Prometheus"
# The first scrapes after the lock may still hold the offset from before the start-up step.
pps_close() {
    query 'gpsntpd_source_offset_seconds' >"$GN_TMP/offsets"
    grep -q '"source": "nmea0"' "$GN_TMP/offsets" &&
        grep '"source": "pps0"' "$GN_TMP/offsets" | awk '{ v = $NF; exit !(v < 1e-4 && v > -1e-4) }'
}
gn_wait_for 30 pps_close ||
    { cat "$GN_TMP/offsets"; gn_fail "per-source offsets missing, or pps0's not within 100 us"; }
cat "$GN_TMP/offsets"
query 'gpsntpd_reference_info' | grep -q '"refid": "PPS"' || gn_fail "gpsntpd_reference_info has no refid PPS"

# A counter's rate: NTP queries sent now show in rate() a few scrapes later.
for _ in 1 2 3; do
    python3 "$GN_SRC/tests/integration/ntpquery.py" 127.0.0.1 "$NTP_PORT" 4 >/dev/null || gn_fail "no NTP answer"
done
rate_seen() { query 'increase(gpsntpd_ntp_requests_answered_total[30s])' | awk '{ exit !($NF >= 1) }'; }
gn_wait_for 30 rate_seen || gn_fail "increase(gpsntpd_ntp_requests_answered_total) does not show our queries"

# The rules: all loaded, all evaluating cleanly; on a healthy server none fires.
curl -sf "$PROM/api/v1/rules" | python3 -c '
import json, sys
groups = json.load(sys.stdin)["data"]["groups"]
rules = [r for g in groups for r in g["rules"]]
bad = [(r["name"], r.get("lastError")) for r in rules if r.get("health") != "ok"]
firing = [r["name"] for r in rules if r.get("state") == "firing"]
print(len(rules), "rules; unhealthy:", bad, "firing:", firing)
sys.exit(1 if len(rules) != 8 or bad or firing else 0)' || gn_fail "the alert rules did not evaluate cleanly"

gn_stop_daemon
echo "PASS: Prometheus scraped gpsntpd (stratum 1, per-source series, rates, alert rules)"
