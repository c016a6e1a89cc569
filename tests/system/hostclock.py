# SPDX-License-Identifier: BSD-2-Clause
"""Prints this machine's clock state, read-only, as one JSON line: CLOCK_REALTIME minus
CLOCK_MONOTONIC_RAW (moves only if someone steps or slews the clock) and the kernel's
adjtimex frequency and status (modes 0: a read). run.sh compares it before and after."""
import ctypes
import json
import time


class Timex(ctypes.Structure):
    _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
                ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long),
                ("status", ctypes.c_int), ("constant", ctypes.c_long),
                ("precision", ctypes.c_long), ("tolerance", ctypes.c_long),
                ("time_sec", ctypes.c_long), ("time_usec", ctypes.c_long),
                ("tick", ctypes.c_long), ("pad", ctypes.c_long * 20)]


tx = Timex()
ctypes.CDLL(None, use_errno=True).adjtimex(ctypes.byref(tx))
raw = time.clock_gettime(time.CLOCK_MONOTONIC_RAW)
rt = time.clock_gettime(time.CLOCK_REALTIME)
print(json.dumps({"rt_minus_raw_s": rt - raw, "freq": tx.freq, "status": tx.status,
                  "offset": tx.offset}))
