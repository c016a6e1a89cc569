# SPDX-License-Identifier: BSD-2-Clause
"""A minimal NTP client for the tests: any port, and the fields ntpdig does not print.

usage: ntpquery.py HOST PORT [COUNT]
Sends COUNT (default 8) client requests 0.1 s apart and prints, as one JSON line, the answer
with the smallest round-trip delay: stratum, refid (text for stratum 1, else hex), leap,
root_delay_s, root_dispersion_s, offset_s (server - this machine, RFC 5905 on-wire), delay_s.
Exits 1 when no answer came."""
import json
import socket
import struct
import sys
import time

NTP_UNIX = 2208988800


def to_ntp(t):
    return struct.pack("!II", int(t) + NTP_UNIX, int((t % 1) * 2**32) & 0xFFFFFFFF)


def from_ntp(b):
    sec, frac = struct.unpack("!II", b)
    return sec - NTP_UNIX + frac / 2**32


host, port = sys.argv[1], int(sys.argv[2])
count = int(sys.argv[3]) if len(sys.argv) > 3 else 8
family = socket.AF_INET6 if ":" in host else socket.AF_INET
sock = socket.socket(family, socket.SOCK_DGRAM)
sock.settimeout(1.0)
best = None
for i in range(count):
    t1 = time.time()
    sock.sendto(b"\x23" + b"\0" * 39 + to_ntp(t1), (host, port))
    try:
        reply = sock.recv(1024)
    except socket.timeout:
        continue
    t4 = time.time()
    if len(reply) < 48 or reply[24:32] != to_ntp(t1):
        continue
    t2, t3 = from_ntp(reply[32:40]), from_ntp(reply[40:48])
    delay = (t4 - t1) - (t3 - t2)
    if best is None or delay < best["delay_s"]:
        refid = reply[12:16]
        best = {
            "stratum": reply[1],
            "refid": refid.rstrip(b"\0").decode("ascii", "replace") if reply[1] <= 1
            else refid.hex(),
            "leap": reply[0] >> 6,
            "root_delay_s": struct.unpack("!I", reply[4:8])[0] / 65536.0,
            "root_dispersion_s": struct.unpack("!I", reply[8:12])[0] / 65536.0,
            "offset_s": ((t2 - t1) + (t3 - t4)) / 2,
            "delay_s": delay,
        }
    time.sleep(0.1)
if best is None:
    sys.exit("ntpquery: no answer from %s port %d" % (host, port))
print(json.dumps(best))
