#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Start gpsntpd as its systemd unit would: RuntimeDirectory=gpsntpd (0755, root's), UMask=0027,
# the unit's own ExecStart line (copied from the installed unit at build time into
# /gn/execstart). stderr (the unit's journal) goes to /run/gpsntpd.stderr.
set -eu
mkdir -p /run/gpsntpd
chmod 0755 /run/gpsntpd
umask 0027
# shellcheck disable=SC2046
setsid $(cat /gn/execstart) </dev/null >>/run/gpsntpd.stderr 2>&1 &
echo $! >/run/gpsntpd.main-pid
echo "started: $(cat /gn/execstart) (pid $!)"
