#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""webpoll: poll gpsntpd's HTTP endpoint the way a busy monitoring setup would, for the
server benchmark (run_server_bench.sh): ROUNDS_PER_S times a second, GET / and /metrics and
/api/history (the whole fine window) over one keep-alive connection, reconnecting when the
server closes it. Bounded by SECONDS and by ROUNDS_PER_S * SECONDS rounds; SIGINT ends it
early. Prints one JSON line at the end: requests, failures, bytes, latency p50/p99 in ms.

usage: webpoll.py HOST PORT ROUNDS_PER_S SECONDS"""
import http.client
import json
import signal
import sys
import time

PATHS = ("/", "/metrics", "/api/history")


stop = False


def on_sigint(signum, frame):
    global stop
    stop = True


def main():
    signal.signal(signal.SIGINT, on_sigint)
    host, port = sys.argv[1], int(sys.argv[2])
    rate, seconds = float(sys.argv[3]), float(sys.argv[4])
    conn = None
    lat, fails, nbytes = [], 0, 0
    start = time.monotonic()
    rounds = int(rate * seconds)
    for i in range(rounds):
        due = start + i / rate
        now = time.monotonic()
        if now - start > seconds or stop:
            break
        if due > now:
            time.sleep(due - now)
        if stop:
            break
        for path in PATHS:
            t0 = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=5)
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                if resp.status != 200:
                    fails += 1
                nbytes += len(body)
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                fails += 1
                if conn is not None:
                    conn.close()
                conn = None
                continue
            lat.append(time.monotonic() - t0)
    lat.sort()

    def pct(p):
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1e3, 2) if lat else None

    print(json.dumps({"requests": len(lat) + fails, "failures": fails, "bytes": nbytes,
                      "per_s": round((len(lat) + fails) / max(time.monotonic() - start, 1e-9), 1),
                      "latency_p50_ms": pct(0.5), "latency_p99_ms": pct(0.99)}))


if __name__ == "__main__":
    main()
