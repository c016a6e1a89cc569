# SPDX-License-Identifier: BSD-2-Clause
"""A small NTP server for the tests: honest, lying, or kissing, on any address and port.

usage: fakentp.py --port P [--addr A] [--offset S] [--kod RATE|DENY|RSTR] [--kod-poll N]
                  [--stratum N] [--refid ID] [--log FILE]
Answers every client (mode 3) and symmetric-active (mode 1) request with the time of this
machine's clock (time.time_ns()) plus --offset S: the receive timestamp is the kernel's stamp
of the request (SO_TIMESTAMPNS), the transmit timestamp is read just before sending. With
--kod CODE every answer is a kiss-o'-death (stratum 0, reference ID CODE); a RATE kiss
carries the poll max(--kod-poll, the request's poll) (RFC 5905 section 7.4).
--stratum (default 1) and --refid (text of up to 4 letters, e.g. GPS, or an IPv4 address for
stratum >= 2) describe the server. --log FILE gets one line per request as it arrives
("RECEIVE_TIME MODE PEER_ADDR:PORT", flushed at once): its line count is the number of
requests the server saw. SIGTERM ends it."""
import argparse
import signal
import socket
import struct
import sys
import time

NTP_UNIX = 2208988800
SO_TIMESTAMPNS = 35
SCM_TIMESTAMPNS = SO_TIMESTAMPNS


def to_ntp64(ns):
    sec, rem = divmod(ns, 1_000_000_000)
    return struct.pack("!II", (sec + NTP_UNIX) & 0xFFFFFFFF, (rem << 32) // 1_000_000_000)


def refid_bytes(text, stratum):
    if stratum >= 2:
        try:
            return socket.inet_aton(text)
        except OSError:
            pass
    return text.encode("ascii")[:4].ljust(4, b"\0")


def kernel_rx_ns(anc):
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == SCM_TIMESTAMPNS and len(data) >= 16:
            sec, nsec = struct.unpack("qq", data[:16])
            return sec * 1_000_000_000 + nsec
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--offset", type=float, default=0.0, help="seconds added to the time served")
    ap.add_argument("--kod", choices=["RATE", "DENY", "RSTR"])
    ap.add_argument("--kod-poll", type=int, default=0)
    ap.add_argument("--stratum", type=int, default=1)
    ap.add_argument("--refid", default=None)
    ap.add_argument("--log")
    args = ap.parse_args()
    refid = refid_bytes(args.refid if args.refid is not None else
                        ("FAKE" if args.stratum <= 1 else "127.0.0.254"), args.stratum)
    offset_ns = int(round(args.offset * 1e9))
    log = open(args.log, "a", buffering=1) if args.log else None

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sock = socket.socket(socket.AF_INET6 if ":" in args.addr else socket.AF_INET,
                         socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sock.bind((args.addr, args.port))
    while True:
        req, anc, _, peer = sock.recvmsg(1024, 256)
        rx_ns = kernel_rx_ns(anc) or time.time_ns()
        if len(req) < 48:
            continue
        version = (req[0] >> 3) & 7
        mode = req[0] & 7
        if log:
            log.write("%.6f %d %s:%d\n" % (rx_ns / 1e9, mode, peer[0], peer[1]))
        if mode not in (1, 3) or version not in (3, 4):
            continue
        reply_mode = 4 if mode == 3 else 2
        req_poll = struct.unpack("b", req[2:3])[0]
        if args.kod:
            poll = max(args.kod_poll, req_poll) if args.kod == "RATE" else req_poll
            head = struct.pack("!BBbb", (3 << 6) | (version << 3) | reply_mode, 0, poll, -20)
            body = struct.pack("!II", 0, 0) + args.kod.encode("ascii")
            reply = head + body + b"\0" * 8 + req[40:48] + b"\0" * 16
        else:
            head = struct.pack("!BBbb", (0 << 6) | (version << 3) | reply_mode, args.stratum,
                               req_poll, -20)
            # Root delay 0, root dispersion 2^-16 * 16 (244 us): a good stratum-1 server.
            body = struct.pack("!II", 0, 16) + refid
            ref = to_ntp64(rx_ns + offset_ns - 1_000_000_000)
            rx = to_ntp64(rx_ns + offset_ns)
            reply = head + body + ref + req[40:48] + rx
            reply += to_ntp64(time.time_ns() + offset_ns)
        sock.sendto(reply, peer)


if __name__ == "__main__":
    main()
