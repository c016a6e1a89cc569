# SPDX-License-Identifier: BSD-2-Clause
"""Read `gpsntpctl -j events` for the tests.

usage: python3 events.py order TAG[:SOURCE]... < json
    exit 0 when events with these tags (and sources, when given) occur in this order, each
    after the one before (others may come between); else print what is there and exit 1
usage: python3 events.py runs RUNS_FILE < json
    check the eventcommand's records (blocks of GPSNTPD_*=... lines ended by ".") against the
    history: every record is one event with the same fields, and the records plus the
    suppressed counts they report account for every event; exit 1 saying what differs"""
import json
import sys

events = json.load(sys.stdin)["events"]


def matches(e, spec):
    tag, _, source = spec.partition(":")
    return e["tag"] == tag and (not source or e["source"] == source)


def order(specs):
    i = 0
    for spec in specs:
        while i < len(events) and not matches(events[i], spec):
            i += 1
        if i == len(events):
            print("no %s in order %s; events: %s" % (spec, " ".join(specs),
                  " ".join("%s:%s" % (e["tag"], e["source"]) for e in events)))
            return 1
        i += 1
    return 0


def runs(path):
    records, cur = [], {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line == ".":
                records.append(cur)
                cur = {}
            elif "=" in line:
                k, _, v = line.partition("=")
                cur[k] = v
    by_seq = {e["seq"]: e for e in events}
    suppressed = 0
    for r in records:
        seq = int(r["GPSNTPD_EVENT_SEQ"])
        e = by_seq.get(seq)
        if e is None:
            print("a run for seq %d, which the history does not hold" % seq)
            return 1
        want = {"GPSNTPD_EVENT_TAG": e["tag"], "GPSNTPD_EVENT_SEVERITY": e["severity"],
                "GPSNTPD_EVENT_SOURCE": e["source"], "GPSNTPD_EVENT_MESSAGE": e["message"],
                "GPSNTPD_EVENT_TIME": e["time"], "GPSNTPD_EVENT_TIME_NS": str(e["time_ns"])}
        for k, v in want.items():
            if r.get(k) != v:
                print("run for seq %d: %s=%r, the history says %r" % (seq, k, r.get(k), v))
                return 1
        if not r.get("GPSNTPD_STRATUM", "").isdigit():
            print("run for seq %d: no GPSNTPD_STRATUM" % seq)
            return 1
        suppressed += int(r["GPSNTPD_EVENTS_SUPPRESSED"])
    last = events[-1]["seq"] if events else 0
    if len(records) + suppressed != last:
        print("%d runs + %d suppressed do not account for %d events" % (len(records), suppressed,
                                                                      last))
        return 1
    print("%d runs + %d suppressed = %d events" % (len(records), suppressed, last))
    return 0


if sys.argv[1] == "order":
    sys.exit(order(sys.argv[2:]))
if sys.argv[1] == "runs":
    sys.exit(runs(sys.argv[2]))
sys.exit("events.py: unknown command %s" % sys.argv[1])
