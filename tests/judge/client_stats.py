#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Statistics of one run of tests/judge/client.sh from the simulator's truth log (offset.log: one
line per simulated second, one column per node: clock - true time, seconds) and the daemons'
own tracking logs (log<node>/tracking.log: the error bound each one believes and serves).

usage: client_stats.py client DIR RESET TAG
  prints: TAG server_rms_us client_rms_us client_max_us client_mean_us good100_s
  (node 1 the server, node 2 the client; good100_s: the first second from which the client's
  |error| stays below 100 us to the end)
usage: client_stats.py spoof DIR RESET TAG RAMP_START APPLIANCE_DAEMON
  prints one markdown table row (see client.sh) and writes DIR/series: the max |error| of every
  node per window of the run, and the bounds. An appliance's served bound is what the client's
  measurements log says it was told (root delay / 2 + root dispersion, answers with leap != 3)."""
import datetime
import math
import os
import re
import sys

EPOCH = datetime.datetime(2010, 1, 1)  # clknetsim's default start date
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


def truth(path):
    cols = []
    with open(path) as f:
        for line in f:
            v = line.split()
            if v:
                cols.append([float(x) for x in v])
    return list(zip(*cols))  # cols[node - 1][t - 1]


def tracking(path, daemon):
    """[(second, max_error_s, source)] from a chronyd or gpsntpd tracking log."""
    out = []
    try:
        f = open(path)
    except OSError:
        return out
    with f:
        for line in f:
            v = line.split()
            if len(v) < 6 or not DATE.match(v[0]):
                continue
            try:
                t = datetime.datetime.strptime(v[0] + " " + v[1][:8], "%Y-%m-%d %H:%M:%S")
                if daemon == "gpsntpd":  # ... Max-error L
                    bound, src = float(v[-2]), v[3]
                else:  # chronyd 4.x: ... Root-delay Root-disp Max-error
                    bound, src = float(v[-1]), v[2]
            except ValueError:
                continue
            out.append((int((t - EPOCH).total_seconds()), bound, src))
    return out


def served(path):
    """{address: [(second, leap, root_distance_s)]}: what each server told the chronyd client
    (its measurements log: leap, root delay / 2 + root dispersion)."""
    out = {}
    try:
        f = open(path)
    except OSError:
        return out
    with f:
        for line in f:
            v = line.split()
            if len(v) < 17 or not DATE.match(v[0]):
                continue
            try:
                t = datetime.datetime.strptime(v[0] + " " + v[1], "%Y-%m-%d %H:%M:%S")
                rd = float(v[14]) / 2 + float(v[15])
            except ValueError:
                continue
            out.setdefault(v[2], []).append((int((t - EPOCH).total_seconds()), v[3], rd))
    return out


def dishonest(err, meas, start):
    """(share in % of the answers claiming sync from `start` on whose root distance did not
    cover the server's true error, number of such answers, number of answers claiming
    sync, last root distance served in sync)."""
    n = bad = 0
    last = float("nan")
    for t, leap, rd in meas:
        if t < start or t < 1 or t > len(err) or leap == "?":
            continue
        n += 1
        last = rd
        if abs(err[t - 1]) > rd:
            bad += 1
    return ((100.0 * bad / n) if n else float("nan")), bad, n, last


def outside(err, track, start):
    """Share of tracking-log lines from `start` on where |true error| > the believed bound."""
    n = bad = 0
    for t, bound, _ in track:
        if t < start or t < 1 or t > len(err):
            continue
        n += 1
        if abs(err[t - 1]) > bound:
            bad += 1
    return (100.0 * bad / n) if n else float("nan")


def amax(v):
    return max((abs(x) for x in v), default=float("nan")) * 1e6


def client(d, reset, tag):
    o = truth(os.path.join(d, "offset.log"))
    if len(o) < 2 or len(o[0]) <= reset:
        print(tag, "- - - - - -")
        return
    srv, cli = o[0][reset - 1:], o[1][reset - 1:]
    rms = lambda v: math.sqrt(sum(x * x for x in v) / len(v)) * 1e6
    last = 0
    for t, e in enumerate(o[1], 1):
        if abs(e) >= 1e-4:
            last = t
    print("%s %.3f %.3f %.2f %+.3f %d" % (tag, rms(srv), rms(cli), amax(cli),
                                          sum(cli) / len(cli) * 1e6, last + 1))


def spoof(d, reset, tag, ramp_start, daemon):
    o = truth(os.path.join(d, "offset.log"))
    variant, appl, seed = tag.split()
    if len(o) < 3 or len(o[0]) <= ramp_start:
        print("| %s | %s | %s | failed: no truth after the ramp's start |" % (variant, appl, seed))
        return
    n = len(o[0])
    rate = 0.0
    with open(os.path.join(d, "sim.conf")) as f:
        m = re.search(r"\(\* ([0-9.e+-]+) \(max 0", f.read())
        if m:
            rate = float(m.group(1))
    ramp_end = rate * (n - ramp_start) * 1e6
    tr = {i: tracking(os.path.join(d, "log%d" % i, "tracking.log"),
                      daemon if i <= 2 else "chronyd") for i in (1, 2, 3)}
    a_after = o[0][ramp_start:]
    b_after = o[1][ramp_start:]
    c_before = o[2][reset - 1:ramp_start]
    c_after = o[2][ramp_start:]
    meas = served(os.path.join(d, "log3", "measurements.log"))
    a_pct, a_bad, a_n, a_rd = dishonest(o[0], meas.get("192.168.123.1", []), ramp_start)
    b_pct, b_bad, b_n, b_rd = dishonest(o[1], meas.get("192.168.123.2", []), ramp_start)
    c_out = outside(o[2], tr[3], reset)
    c_src = tr[3][-1][2] if tr[3] else "-"
    print("| %s | %s | %s | %.0f | %.1f | %d/%d (%.0f%%) | %.1f | %.1f | %d/%d | %.1f | %.1f "
          "| %+.1f | %.1f | %s |" % (
              variant, appl, seed, ramp_end, amax(a_after), a_bad, a_n, a_pct, a_rd * 1e6,
              amax(b_after), b_bad, b_n, amax(c_before), amax(c_after), o[2][-1] * 1e6, c_out,
              c_src))
    # The series: per window, max |error| of every node and the bounds at the window's end.
    w = max(1000, n // 20)
    with open(os.path.join(d, "series"), "w") as f:
        f.write("# window_end_s max|err| node1..node%d (us); bound node1 node3 (us); ramp (us)\n"
                % len(o))
        for end in range(w, n + 1, w):
            row = ["%7d" % end] + ["%9.1f" % amax(col[end - w:end]) for col in o]
            for i in (1, 3):
                b = [x for x in tr[i] if x[0] <= end]
                row.append("%9.1f" % (b[-1][1] * 1e6 if b else float("nan")))
            row.append("%9.1f" % (rate * max(0, end - ramp_start) * 1e6))
            f.write(" ".join(row) + "\n")


def main():
    mode, d, reset, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    if mode == "client":
        client(d, reset, tag)
    else:
        spoof(d, reset, tag, int(sys.argv[5]), sys.argv[6])


if __name__ == "__main__":
    main()
