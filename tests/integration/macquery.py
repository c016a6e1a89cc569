#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Send one NTP client request authenticated with a classic NTP MAC (RFC 5905 section 7.3:
digest of secret || packet, MD5 or SHA-1, computed here with hashlib) and check the answer.

usage: macquery.py HOST PORT KEYID TYPE SECRET_HEX [bad]
  TYPE md5 | sha1; 'bad' flips a bit of the MAC. Prints 'mac ok', 'crypto-nak' or fails."""
import hashlib
import os
import socket
import struct
import sys

host, port, keyid, kind, secret = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    sys.argv[4], bytes.fromhex(sys.argv[5])
bad = len(sys.argv) > 6 and sys.argv[6] == "bad"


def mac(data):
    return hashlib.new(kind, secret + data).digest()


tx = os.urandom(8)
req = bytes([0x23, 0, 6, 0xEC]) + bytes(36) + tx
digest = bytearray(mac(req))
if bad:
    digest[3] ^= 0x10
req += struct.pack("!I", keyid) + bytes(digest)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(req, (host, port))
rep, _ = s.recvfrom(2048)
if rep[24:32] != tx:
    sys.exit("origin timestamp does not echo the request")
if len(rep) > len(req):
    sys.exit("reply (%d bytes) longer than the request (%d)" % (len(rep), len(req)))
if len(rep) == 52 and rep[48:52] == bytes(4):
    print("crypto-nak")
    sys.exit(0)
rid = struct.unpack("!I", rep[48:52])[0]
if rid != keyid:
    sys.exit("reply key ID %d, sent %d" % (rid, keyid))
if rep[52:] != mac(rep[:48]):
    sys.exit("reply MAC does not verify")
if rep[1] != 1:
    sys.exit("stratum %d" % rep[1])
print("mac ok")
