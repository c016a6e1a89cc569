#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Every example configuration in configs/ is accepted by `gpsntpd -n`. They name the package's
# service user, _gpsntpd; on a machine where the package never ran, -n rightly refuses an
# unknown user, so the check then stands in an existing one (and says so).
. "$(dirname "$0")/lib.sh"
n=0
for conf in "$GN_SRC"/configs/*.conf; do
    check=$conf
    if grep -q '^user _gpsntpd' "$conf" && ! getent passwd _gpsntpd >/dev/null; then
        check=$GN_TMP/$(basename "$conf")
        sed 's/^user _gpsntpd$/user nobody/' "$conf" >"$check"
        echo "note: no _gpsntpd user here (the package creates it): $conf checked as nobody"
    fi
    "$GN_BIN/gpsntpd" -n -f "$check" >/dev/null || gn_fail "$conf is rejected"
    n=$((n + 1))
done
[ "$n" -gt 0 ] || gn_fail "no configs found"
# And an unknown user is refused, not found out at start-up.
printf 'user no-such-user-gpsntpd\n' >"$GN_TMP/baduser.conf"
"$GN_BIN/gpsntpd" -n -f "$GN_TMP/baduser.conf" >/dev/null 2>&1 && gn_fail "-n accepted an unknown user"
echo "PASS: $n example configurations accepted"
