#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Statistics of one clknetsim run from its truth log (-o: one line per simulated second, the
clock error of node 1 (the server) and node 2 (the client) in seconds).

usage: truth_stats.py OFFSET_LOG RESET TAG
prints: TAG server_rms_us server_max_us server_p99_us good10_s good1_s client_rms_us client_max_us
where goodX_s is the first second from which |server error| stays below X us to the end."""
import math
import sys


def main():
    path, reset, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    srv, cli = [], []
    last10 = last1 = 0
    with open(path) as f:
        for t, line in enumerate(f, 1):
            cols = line.split()
            if len(cols) < 2:
                continue
            e, c = float(cols[0]), float(cols[1])
            if abs(e) >= 1e-5:
                last10 = t
            if abs(e) >= 1e-6:
                last1 = t
            if t >= reset:
                srv.append(e)
                cli.append(c)
    if not srv:
        print(tag, "-")
        return
    rms = lambda v: math.sqrt(sum(x * x for x in v) / len(v)) * 1e6
    a = sorted(abs(x) for x in srv)
    p99 = a[min(len(a) - 1, int(0.99 * len(a)))] * 1e6
    print("%s %.4f %.3f %.3f %d %d %.3f %.2f" % (tag, rms(srv), a[-1] * 1e6, p99, last10 + 1,
                                                 last1 + 1, rms(cli),
                                                 max(abs(x) for x in cli) * 1e6))


if __name__ == "__main__":
    main()
