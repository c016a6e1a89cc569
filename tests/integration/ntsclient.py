#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A small NTS test client (RFC 8915), for what real clients never do on purpose.

usage: ntsclient.py CA HOST KEPORT NTPPORT MODE
  MODE tampered: NTS-KE (TLS 1.3, ALPN ntske/1) for real cookies, then an NTS request whose
                 cookie has one byte flipped: expects an NTSN kiss echoing the unique ID.
  MODE badauth:  an intact cookie with an authenticator that does not verify (python's ssl
                 cannot export the session keys, so the ciphertext is random): expects NTSN.
  MODE badke:    a KE request without the Next Protocol record: expects an Error record (1).
  MODE flood N SECONDS: N TCP connections to the KE port that send half a ClientHello and
                 stall, held open for SECONDS, while NTP is queried every 50 ms; prints the
                 NTP answers and misses (a stalled KE must never stall NTP)."""
import os
import socket
import ssl
import struct
import sys
import time

ca, host, keport, ntpport, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    int(sys.argv[4]), sys.argv[5]


def rec(t, body=b"", critical=True):
    return struct.pack("!HH", (0x8000 if critical else 0) | t, len(body)) + body


def ke(request):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(ca)
    ctx.set_alpn_protocols(["ntske/1"])
    with socket.create_connection((host, keport), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            if s.selected_alpn_protocol() != "ntske/1":
                sys.exit("ALPN not ntske/1")
            s.sendall(request)
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
    records = []
    pos = 0
    while pos + 4 <= len(data):
        t, n = struct.unpack("!HH", data[pos:pos + 4])
        records.append((t & 0x7FFF, data[pos + 4:pos + 4 + n]))
        pos += 4 + n
    return records


def ef(t, body):
    return struct.pack("!HH", t, 4 + len(body)) + body


def nts_query(cookie):
    uid = os.urandom(32)
    tx = os.urandom(8)
    pkt = bytes([0x23, 0, 6, 0xEC]) + bytes(36) + tx
    pkt += ef(0x0104, uid) + ef(0x0204, cookie)
    nonce, ct = os.urandom(16), os.urandom(16)
    pkt += ef(0x0404, struct.pack("!HH", 16, 16) + nonce + ct)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(pkt, (host, ntpport))
    rep, _ = s.recvfrom(2048)
    if len(rep) > len(pkt):
        sys.exit("reply longer than the request")
    if rep[24:32] != tx:
        sys.exit("origin does not echo")
    if rep[1] != 0 or rep[12:16] != b"NTSN" or (rep[0] >> 6) != 3:
        sys.exit("not an NTSN kiss: stratum %d refid %r" % (rep[1], rep[12:16]))
    if rep[48:52] != struct.pack("!HH", 0x0104, 36) or rep[52:84] != uid:
        sys.exit("the NAK does not echo the unique identifier")
    print("NTSN")


good_request = rec(1, struct.pack("!H", 0)) + rec(4, struct.pack("!H", 15)) + rec(0)
if mode in ("tampered", "badauth"):
    records = ke(good_request)
    cookies = [b for t, b in records if t == 5]
    if len(cookies) != 8:
        sys.exit("expected 8 cookies, got %d" % len(cookies))
    cookie = bytearray(cookies[0])
    if mode == "tampered":
        cookie[len(cookie) // 2] ^= 0x01
    nts_query(bytes(cookie))
elif mode == "badke":
    records = ke(rec(4, struct.pack("!H", 15)) + rec(0))
    errors = [b for t, b in records if t == 2]
    if not errors or struct.unpack("!H", errors[0])[0] != 1:
        sys.exit("expected an Error record with code 1 (bad request), got %r" % records)
    print("error 1")
elif mode == "flood":
    n, seconds = int(sys.argv[6]), float(sys.argv[7])
    socks = []
    for _ in range(n):
        try:
            c = socket.create_connection((host, keport), timeout=2)
            c.send(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # a ClientHello's start
            socks.append(c)
        except OSError:
            pass
    ok = miss = 0
    q = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    q.settimeout(0.5)
    end = time.monotonic() + seconds
    worst = 0.0
    while time.monotonic() < end:
        t0 = time.monotonic()
        q.sendto(bytes([0x23]) + bytes(39) + os.urandom(8), (host, ntpport))
        try:
            q.recvfrom(2048)
            ok += 1
            worst = max(worst, time.monotonic() - t0)
        except socket.timeout:
            miss += 1
        time.sleep(0.05)
    print("connections %d ntp_answered %d ntp_missed %d worst_rtt_ms %.2f"
          % (len(socks), ok, miss, worst * 1000))
    for c in socks:
        c.close()
else:
    sys.exit("unknown mode " + mode)
