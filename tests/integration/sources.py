# SPDX-License-Identifier: BSD-2-Clause
"""Read `gpsntpctl sources -j` / `tracking -j` output (or ntpquery.py's) for the tests.

usage: python3 sources.py FIELD[,FIELD...] [SOURCE] < json
Prints FIELD of the source named SOURCE (default: the first source), or of the whole document
when it has no source list. counters.NAME reads a counter. Booleans print as true/false.
Several comma-separated fields print on one line, separated by spaces: one reading of the
daemon, and one Python start-up (which takes a second on a loaded machine)."""
import json
import sys

doc = json.load(sys.stdin)
obj = doc
if "sources" in doc:
    named = [s for s in doc["sources"] if len(sys.argv) < 3 or s["name"] == sys.argv[2]]
    if not named:
        sys.exit("sources.py: no source named %s" % sys.argv[2])
    obj = named[0]


def field(name):
    value = obj
    for part in name.split("."):
        value = value[part]
    return str(value).lower() if isinstance(value, bool) else str(value)


print(" ".join(field(name) for name in sys.argv[1].split(",")))
