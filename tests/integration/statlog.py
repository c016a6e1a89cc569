# SPDX-License-Identifier: BSD-2-Clause
"""Check a statistics log written by gpsntpd (logdir/KIND.log) for the tests.

usage: python3 statlog.py KIND FILE [MIN_LINES]
The file starts with the banner (a row of '=', the column names, a row of '='); every other
line parses as KIND's columns (docs/monitoring.md). Prints the number of data lines and, for
refclocks, how many are pulses (P) and samples (S) and their statuses; exits 1 saying what is
wrong, or when there are fewer than MIN_LINES data lines."""
import re
import sys
from datetime import datetime

kind, path = sys.argv[1], sys.argv[2]
min_lines = int(sys.argv[3]) if len(sys.argv) > 3 else 0
STATUSES = {"OK", "SHIFT", "OUTLIER", "JUMP", "LEAP", "BAD_INTERVAL", "NO_SECOND", "AMBIGUOUS",
            "WRONG_EDGE", "NOT_SYNCED"}


def num(s, name):
    if s == "-":
        return None
    try:
        return float(s)
    except ValueError:
        raise ValueError("%s: %r is not a number" % (name, s))


def when(date, time):
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in time else "%Y-%m-%d %H:%M:%S"
    return datetime.strptime(date + " " + time, fmt)


def tracking(f):
    if len(f) != 13:
        raise ValueError("%d columns, expected 13" % len(f))
    when(f[0], f[1])
    if not re.fullmatch(r"[0-9A-F]{8}", f[2]):
        raise ValueError("refid %r" % f[2])
    if not 1 <= int(f[4]) <= 16:
        raise ValueError("stratum %s" % f[4])
    for i, name in zip(range(5, 12), ["freq", "skew", "offset", "rms offset", "root delay",
                                      "root dispersion", "max error"]):
        num(f[i], name)
    if f[12] not in ("N", "+", "-", "?"):
        raise ValueError("leap %r" % f[12])


def statistics(f):
    if len(f) != 11:
        raise ValueError("%d columns, expected 11" % len(f))
    when(f[0], f[1])
    for i, name in zip(range(3, 7), ["std dev", "est offset", "last offset", "latency"]):
        num(f[i], name)
    int(f[7]), int(f[8]), int(f[9]), int(f[10], 8)


counts = {}


def refclocks(f):
    if len(f) != 8:
        raise ValueError("%d columns, expected 8" % len(f))
    when(f[0], f[1])
    if f[3] not in ("P", "S"):
        raise ValueError("pulse/sample %r" % f[3])
    for i, name in zip(range(4, 7), ["raw offset", "offset", "filtered"]):
        num(f[i], name)
    if f[7] not in STATUSES:
        raise ValueError("status %r" % f[7])
    key = f[3] + ":" + f[7]
    counts[key] = counts.get(key, 0) + 1


def measurements(f):
    if len(f) != 11:
        raise ValueError("%d columns, expected 11" % len(f))
    when(f[0], f[1])
    if f[3] not in ("N", "+", "-") or not 1 <= int(f[4]) <= 15:
        raise ValueError("leap %r or stratum %r" % (f[3], f[4]))
    for i, name in zip(range(5, 9), ["offset", "delay", "root disp", "root delay"]):
        num(f[i], name)
    int(f[9], 16)
    if f[10] not in STATUSES:
        raise ValueError("status %r" % f[10])
    counts[f[10]] = counts.get(f[10], 0) + 1


check = {"tracking": tracking, "statistics": statistics, "refclocks": refclocks,
         "measurements": measurements}[kind]
lines = open(path).read().split("\n")
if lines and lines[-1] == "":
    lines.pop()
if len(lines) < 3 or set(lines[0]) != {"="} or lines[2] != lines[0] or \
        not lines[1].startswith("   Date (UTC) Time") or len(lines[1]) != len(lines[0]):
    sys.exit("%s: no banner at the top" % path)
data = 0
for n, line in enumerate(lines[3:], 4):
    try:
        check(line.split())
    except ValueError as e:
        sys.exit("%s:%d: %s: %s" % (path, n, e, line))
    data += 1
print("%s: %d lines%s" % (path, data, (" " + str(sorted(counts.items()))) if counts else ""))
if data < min_lines:
    sys.exit("%s: %d lines, expected at least %d" % (path, data, min_lines))
