#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Every example configuration in configs/ is accepted by `gpsntpd -n`.
. "$(dirname "$0")/lib.sh"
n=0
for conf in "$GN_SRC"/configs/*.conf; do
    "$GN_BIN/gpsntpd" -n -f "$conf" >/dev/null || gn_fail "$conf is rejected"
    n=$((n + 1))
done
[ "$n" -gt 0 ] || gn_fail "no configs found"
echo "PASS: $n example configurations accepted"
