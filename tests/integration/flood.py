# SPDX-License-Identifier: BSD-2-Clause
"""Flood test driver: one address floods, another polls politely; both bounded in time.

usage: flood.py PORT SECONDS
Prints one JSON line: what each client sent and got back (answers, RATE KoDs)."""
import json
import select
import socket
import struct
import sys
import time

port, seconds = int(sys.argv[1]), float(sys.argv[2])
server = ("127.0.0.1", port)


def request(seq):
    # v4 client request; the transmit timestamp carries a sequence number to match replies.
    return b"\x23" + b"\0" * 39 + struct.pack("!Q", seq)


def classify(reply):
    if len(reply) < 48:
        return "short"
    stratum, refid = reply[1], reply[12:16]
    return "kod" if stratum == 0 and refid == b"RATE" else "answer"


flood = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
flood.bind(("127.0.0.3", 0))
flood.setblocking(False)
polite = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
polite.bind(("127.0.0.4", 0))
polite.settimeout(0.3)

stats = {"flood_sent": 0, "flood_answers": 0, "flood_kods": 0,
         "polite_sent": 0, "polite_answers": 0, "polite_kods": 0}
end = time.monotonic() + seconds
next_poll = time.monotonic()
seq = 0
while time.monotonic() < end and stats["flood_sent"] < 2_000_000:
    for _ in range(64):
        seq += 1
        try:
            flood.sendto(request(seq), server)
            stats["flood_sent"] += 1
        except BlockingIOError:
            break
    while True:
        try:
            kind = classify(flood.recv(512))
        except BlockingIOError:
            break
        stats["flood_answers" if kind == "answer" else "flood_kods"] += kind in ("answer", "kod")
    if time.monotonic() >= next_poll:
        next_poll += 0.5
        seq += 1
        polite.sendto(request(seq), server)
        stats["polite_sent"] += 1
        try:
            kind = classify(polite.recv(512))
            stats["polite_answers" if kind == "answer" else "polite_kods"] += 1
        except socket.timeout:
            pass
# Answers that came later than the 0.3 s wait (a loaded machine) are still answers: collect
# them, until none has come for a second.
polite.settimeout(1.0)
while True:
    try:
        kind = classify(polite.recv(512))
    except socket.timeout:
        break
    if kind in ("answer", "kod"):
        stats["polite_answers" if kind == "answer" else "polite_kods"] += 1
print(json.dumps(stats))
