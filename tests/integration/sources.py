# SPDX-License-Identifier: BSD-2-Clause
"""Read `gpsntpctl sources -j` / `tracking -j` output (or ntpquery.py's) for the tests.

usage: python3 sources.py FIELD [SOURCE] < json
Prints FIELD of the source named SOURCE (default: the first source), or of the whole document
when it has no source list. counters.NAME reads a counter. Booleans print as true/false."""
import json
import sys

doc = json.load(sys.stdin)
obj = doc
if "sources" in doc:
    named = [s for s in doc["sources"] if len(sys.argv) < 3 or s["name"] == sys.argv[2]]
    if not named:
        sys.exit("sources.py: no source named %s" % sys.argv[2])
    obj = named[0]
for part in sys.argv[1].split("."):
    obj = obj[part]
print(str(obj).lower() if isinstance(obj, bool) else obj)
