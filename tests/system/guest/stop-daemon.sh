#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Stop gpsntpd as systemd would (SIGTERM, then wait up to 10 s for it to exit).
pid=$(cat /run/gpsntpd.main-pid 2>/dev/null) || exit 0
kill -TERM "$pid" 2>/dev/null || exit 0
i=0
while kill -0 "$pid" 2>/dev/null; do
    i=$((i + 1))
    [ $i -le 100 ] || { echo "gpsntpd did not stop"; exit 1; }
    sleep 0.1
done
echo "stopped"
