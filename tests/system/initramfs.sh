#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The system test's guest root, packed as an initramfs: busybox, the guest helpers, the
# kernel modules, and gpsntpd installed the way its Debian package installs it (a build
# configured as debhelper configures it, installed with DESTDIR as dh_auto_install does;
# the service user and its directories made from the package's sysusers.d and tmpfiles.d
# files by systemd-sysusers and systemd-tmpfiles, as its postinst does; the device
# permissions of Debian's udev rules and of the package's 60-gpsntpd.rules, as mdev.conf).
#   tests/system/initramfs.sh SRC PKGBUILD BIN KERNELDIR OUT.img
set -eu
src=$1 pkgbuild=$2 bin=$3 kdir=$4 out=$5
here=$src/tests/system
root=$(mktemp -d /tmp/gn-sysroot.XXXXXX)
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root" # mktemp's 0700 would keep the service user from every path in the guest

# gpsntpd, installed as the package installs it.
DESTDIR=$root cmake --install "$pkgbuild" >/dev/null
[ -x "$root/usr/sbin/gpsntpd" ] || { echo "initramfs: no /usr/sbin/gpsntpd after install" >&2; exit 1; }
[ -f "$root/etc/gpsntpd.conf" ] || { echo "initramfs: no /etc/gpsntpd.conf after install" >&2; exit 1; }

# busybox and its applets.
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/proc" "$root/sys" \
    "$root/dev" "$root/run" "$root/tmp" "$root/var/tmp" "$root/gn" "$root/lib/modules/gn" "$root/etc"
cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
    for d in bin sbin usr/bin usr/sbin; do
        [ -e "$root/$d/$applet" ] && continue 2
    done
    ln -s /bin/busybox "$root/bin/$applet"
done

# The libraries the installed programs need, at the paths the loader looks for them.
for exe in "$root/usr/sbin/gpsntpd" "$root/usr/bin/gpsntpctl"; do
    ldd "$exe" | awk '/=> \// {print $3} /^\t\/.*ld-linux/ {print $1}' | while read -r lib; do
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
done
printf 'passwd: files\ngroup: files\nshadow: files\n' >"$root/etc/nsswitch.conf"

# The service user and its directories, from the package's own files (as its postinst).
# Debian's base users and groups first (dialout is GID 20 there), as on the appliance.
if [ -f /usr/share/base-passwd/passwd.master ]; then
    cp /usr/share/base-passwd/passwd.master "$root/etc/passwd"
    cp /usr/share/base-passwd/group.master "$root/etc/group"
else
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
    printf 'root:x:0:\n' >"$root/etc/group"
fi
printf 'root:*:1::::::\n' >"$root/etc/shadow"
printf 'root:*::\n' >"$root/etc/gshadow"
systemd-sysusers --root="$root" "$root/usr/lib/sysusers.d/gpsntpd.conf" >/dev/null
systemd-tmpfiles --root="$root" --create "$root/usr/lib/tmpfiles.d/gpsntpd.conf" >/dev/null
grep -q '^_gpsntpd:' "$root/etc/passwd" || { echo "initramfs: sysusers made no _gpsntpd" >&2; exit 1; }

# udev's permissions as mdev.conf: Debian's default for serial ports, and the package's rule.
{
    echo 'ttyS[0-9]* root:dialout 0660'
    sed -n 's/.*KERNEL=="\([^"]*\)".*GROUP="\([^"]*\)".*MODE="\([0-7]*\)".*/\1 root:\2 \3/p' \
        "$root/usr/lib/udev/rules.d/60-gpsntpd.rules"
} >"$root/etc/mdev.conf"
grep -q '^pps' "$root/etc/mdev.conf" || { echo "initramfs: no pps line from 60-gpsntpd.rules" >&2; exit 1; }

# The shipped configuration, with the test's devices: the receiver on the first free UART
# at the simulator's latency; everything else (user, paths, allow, drift) as shipped.
conf=$root/etc/gpsntpd.conf
sed -i -e 's|^refclock nmea /dev/ttyUSB0 baud 9600 offset [0-9.]*|refclock nmea /dev/ttyS1 baud 9600 offset 0.1|' "$conf"
grep -q '^refclock nmea /dev/ttyS1 ' "$conf" || { echo "initramfs: the shipped nmea line changed; update initramfs.sh" >&2; exit 1; }
grep -q '^refclock pps /dev/pps0 ' "$conf" || { echo "initramfs: the shipped pps line changed; update initramfs.sh" >&2; exit 1; }
# Every host client reaches the guest from slirp's one address (10.0.2.2), several queries a
# second in all: the shipped per-client rate limit would rightly answer most with RATE KoDs.
sed -i -e 's|^ratelimit .*|ratelimit interval -3 burst 32 leak 2|' "$conf"
grep -q '^ratelimit interval -3 ' "$conf" || { echo "initramfs: the shipped ratelimit line changed; update initramfs.sh" >&2; exit 1; }
if [ -f /usr/share/zoneinfo/leap-seconds.list ]; then
    mkdir -p "$root/usr/share/zoneinfo"
    cp /usr/share/zoneinfo/leap-seconds.list "$root/usr/share/zoneinfo/"
fi

# How the unit starts the daemon: its ExecStart, verbatim.
unit=$(find "$root/lib/systemd/system" "$root/usr/lib/systemd/system" -name gpsntpd.service 2>/dev/null | head -1)
[ -n "$unit" ] || { echo "initramfs: the unit was not installed" >&2; exit 1; }
sed -n 's/^ExecStart=//p' "$unit" >"$root/gn/execstart"
[ -s "$root/gn/execstart" ] || { echo "initramfs: no ExecStart in the installed unit" >&2; exit 1; }

# The guest side of the harness.
cp "$kdir"/modules/*.ko "$root/lib/modules/gn/"
cp "$bin/gn-guest-ppsbridge" "$bin/gn-guest-agent" "$root/usr/bin/"
cp "$here/guest/init.sh" "$root/init"
cp "$here/guest/start-daemon.sh" "$root/gn/start-daemon"
cp "$here/guest/stop-daemon.sh" "$root/gn/stop-daemon"
chmod 755 "$root/init" "$root/gn/start-daemon" "$root/gn/stop-daemon"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
