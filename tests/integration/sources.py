# SPDX-License-Identifier: BSD-2-Clause
"""Read `gpsntpctl sources -j` / `tracking -j` output for the integration tests.

usage: python3 sources.py FIELD < json       prints the first source's FIELD
       (counters.NAME reads a counter; tracking fields work the same way)"""
import json
import sys

doc = json.load(sys.stdin)
obj = doc["sources"][0] if "sources" in doc else doc
for part in sys.argv[1].split("."):
    obj = obj[part]
print(str(obj).lower() if isinstance(obj, bool) else obj)
