# shellcheck shell=sh
# SPDX-License-Identifier: BSD-2-Clause
# What every judge harness starts with (sourced by run.sh and client.sh, with `set -eu`): the
# loud skip when no judge was prepared by hand, the binaries, root, and the host clock's reading
# (CLOCK_REALTIME - CLOCK_MONOTONIC_RAW) that each harness compares at its end.
# Sets src, build, gpsntpd, chronyd, clock_before; $1: the build folder (default src/build).
if [ -z "${CLKNETSIM_DIR:-}" ] || [ ! -x "$CLKNETSIM_DIR/clknetsim" ] ||
    [ ! -f "$CLKNETSIM_DIR/clknetsim.so" ]; then
    echo "######################################################################"
    echo "## judge: SKIPPED: set CLKNETSIM_DIR to a folder with clknetsim and"
    echo "## clknetsim.so (built by hand outside the repository); no figures."
    echo "######################################################################"
    exit 0
fi
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
gpsntpd=$build/bin/gpsntpd
chronyd=$(command -v chronyd || echo /usr/sbin/chronyd)
for f in "$gpsntpd" "$chronyd"; do
    [ -x "$f" ] || { echo "judge: $f not found" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "judge: needs root (unshare -n, setpriv)" >&2; exit 1; }

host_clock() { # CLOCK_REALTIME - CLOCK_MONOTONIC_RAW, to the microsecond
    python3 -c 'import time; print("%.6f" % (time.clock_gettime(time.CLOCK_REALTIME) -
        time.clock_gettime(time.CLOCK_MONOTONIC_RAW)))'
}
# shellcheck disable=SC2034 # read by the harness that sources this
clock_before=$(host_clock)
