# SPDX-License-Identifier: BSD-2-Clause
"""A minimal NTP client for the tests: any port, and the fields ntpdig does not print.

usage: ntpquery.py HOST PORT [COUNT]
Sends COUNT (default 8) client requests 0.1 s apart and prints, as one JSON line, the answer
with the smallest round-trip delay: stratum, refid (text for stratum 1, else hex), leap,
root_delay_s, root_dispersion_s, offset_s (server - this machine, RFC 5905 on-wire), delay_s.
The request's departure and the answer's arrival are the kernel's software timestamps
(SO_TIMESTAMPING), not when Python got round to them, so the measurement adds microseconds,
not tens of them. Exits 1 when no answer came."""
import json
import socket
import struct
import sys
import time

NTP_UNIX = 2208988800
# linux/net_tstamp.h: software stamps of sent and received packets, without the packet itself
# on the error queue. SCM_TIMESTAMPING carries three timespecs; the first is the software one.
SO_TIMESTAMPING = 37
TS_FLAGS = (1 << 1) | (1 << 3) | (1 << 4) | (1 << 11)
MSG_ERRQUEUE = 0x2000


def kernel_stamp(anc):
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPING and len(data) >= 16:
            sec, nsec = struct.unpack("qq", data[:16])
            if sec != 0:
                return sec + nsec / 1e9
    return None


def tx_stamp(sock):
    """The kernel's stamp of the request just sent (a loopback send is stamped at once)."""
    for _ in range(100):
        try:
            _, anc, _, _ = sock.recvmsg(1, 256, MSG_ERRQUEUE | socket.MSG_DONTWAIT)
            return kernel_stamp(anc)
        except BlockingIOError:
            time.sleep(0.0001)
    return None


def to_ntp(t):
    return struct.pack("!II", int(t) + NTP_UNIX, int((t % 1) * 2**32) & 0xFFFFFFFF)


def from_ntp(b):
    sec, frac = struct.unpack("!II", b)
    return sec - NTP_UNIX + frac / 2**32


def query(host, port, count=8, interval_s=0.1, timeout_s=1.0):
    """The answer with the smallest round-trip delay out of COUNT requests, as a dict, or None."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.settimeout(timeout_s)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPING, TS_FLAGS)
    best = None
    try:
        for i in range(count):
            if i > 0:
                time.sleep(interval_s)
            t1 = time.time_ns() / 1e9
            origin = to_ntp(t1)
            sock.sendto(b"\x23" + b"\0" * 39 + origin, (host, port))
            t1 = tx_stamp(sock) or t1
            try:
                reply, anc, _, _ = sock.recvmsg(1024, 256)
            except (socket.timeout, ConnectionRefusedError):
                continue
            t4 = kernel_stamp(anc) or time.time_ns() / 1e9
            if len(reply) < 48 or reply[24:32] != origin:
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
    finally:
        sock.close()
    return best


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    best = query(host, port, count)
    if best is None:
        sys.exit("ntpquery: no answer from %s port %d" % (host, port))
    print(json.dumps(best))


if __name__ == "__main__":
    main()
