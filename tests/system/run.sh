#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The system test: gpsntpd as its package installs it, on Debian's stock kernel under QEMU
# (TCG), with a real 16550 UART (NMEA from gpsntp-gpssim) and a real kernel PPS device
# (pps_parport on the emulated parallel port, pulsed at each host second), as the service
# user, steering the guest's clock. The host's clock is the truth and is never written: its
# state is read before and after, and the test fails if it moved. harness.py has the phases.
#   tests/system/run.sh BUILD_DIR        (ctest: test_system, label system)
#   GN_SYSTEM_CACHE=DIR    where the kernel and the package build are kept (default BUILD/system-cache)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:-${GN_BUILD:?}}" && pwd)
skip() { echo "SKIPPED (system test): $*" >&2; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespace, initramfs ownership)"
[ "$(uname -m)" = x86_64 ] || skip "the guest is an x86_64 Debian kernel; this is $(uname -m)"
for tool in qemu-system-x86_64 busybox cpio unshare ntpdig chronyd systemd-sysusers \
    systemd-tmpfiles apt-get dpkg-deb; do
    command -v "$tool" >/dev/null || skip "$tool is missing (board/install-deps.sh installs it)"
done
busybox | head -1 | grep -q 'statically\|static' ||
    file -L "$(command -v busybox)" | grep -q 'statically linked' ||
    skip "busybox is not the static one (busybox-static)"
qemu-system-x86_64 -accel help 2>/dev/null | grep -qx tcg ||
    skip "this QEMU has no TCG accelerator"
for exe in gn-guest-agent gn-guest-ppsbridge gn-host-pulser gpsntp-gpssim; do
    [ -x "$build/bin/$exe" ] || { echo "system: $build/bin/$exe not built" >&2; exit 1; }
done

cache=${GN_SYSTEM_CACHE:-$build/system-cache}
mkdir -p "$cache"
artifacts=$build/artifacts/system
rm -rf "$artifacts" && mkdir -p "$artifacts"
work=$(mktemp -d /tmp/gn-system.XXXXXX)
trap 'cp -f "$work"/*.log "$work"/report.json "$artifacts"/ 2>/dev/null; rm -rf "$work"' EXIT

t0=$(date +%s)
kdir=$("$here/kernel.sh" "$cache")
echo "system: kernel $(basename "$kdir") ($(($(date +%s) - t0)) s)"

# gpsntpd configured, built and installed as debhelper does for the package.
pkg=$cache/package-build
cmake -S "$src" -B "$pkg" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
    -DCMAKE_INSTALL_SYSCONFDIR=/etc -DCMAKE_INSTALL_LOCALSTATEDIR=/var \
    -DCMAKE_INSTALL_RUNSTATEDIR=/run -DCMAKE_INSTALL_LIBDIR=lib/x86_64-linux-gnu >/dev/null
targets="gpsntpd gpsntpctl gpsntp-nmea gpsntp-gpssim"
command -v scdoc >/dev/null && targets="$targets man"
# shellcheck disable=SC2086
cmake --build "$pkg" -j "$(nproc)" --target $targets >/dev/null
"$here/initramfs.sh" "$src" "$pkg" "$build/bin" "$kdir" "$work/initrd.img"
echo "system: package build and initramfs ($(du -k "$work/initrd.img" | cut -f1) KiB)" \
    "ready after $(($(date +%s) - t0)) s"

before=$(python3 "$here/hostclock.py")
status=0
unshare -n sh -c 'ip link set lo up && exec python3 "$0" "$@"' "$here/harness.py" \
    --work "$work" --bin "$build/bin" --vmlinux "$kdir/vmlinux" --initrd "$work/initrd.img" \
    --report "$work/report.json" || status=$?
after=$(python3 "$here/hostclock.py")
echo "system: host clock before $before"
echo "system: host clock after  $after"
python3 - "$before" "$after" <<'PY' || status=1
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
moved = abs(b["rt_minus_raw_s"] - a["rt_minus_raw_s"])
if moved > 1e-3 or a["freq"] != b["freq"] or a["status"] != b["status"]:
    sys.exit("system: FAIL: the host clock moved (%.6f s) or its adjtimex state changed" % moved)
print("system: host clock untouched (realtime - raw moved %.1f us)" % (moved * 1e6))
PY
echo "system: $(($(date +%s) - t0)) s in all; artifacts in $artifacts"
exit "$status"
