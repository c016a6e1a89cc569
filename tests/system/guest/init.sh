#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# /init of the system test's guest (busybox). Sets up what systemd and udev would on the
# appliance, as far as gpsntpd can tell: /dev with the device permissions of Debian's udev
# rules and gpsntpd's (mdev.conf, generated from them at build time), the receiver's modules,
# the network, then the PPS bridge and the harness's agent. The harness starts the daemon
# (/gn/start-daemon, the unit's ExecStart) when it wants the NMEA backlog to have built up.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /run /tmp /var/tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
# Hot-plugged devices (a PPS module reloaded, a UART rebound) get the same permissions as at
# boot: mdev as a daemon on the kernel's uevent socket, as udevd is on the appliance.
mdev -s
mdev -d
kmod=/lib/modules/gn
insmod $kmod/parport.ko
insmod $kmod/parport_pc.ko
insmod $kmod/pps_parport.ko clear_wait=0
insmod $kmod/e1000.ko
mdev -s
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up
ip route add default via 10.0.2.2
# The trigger byte must raise its interrupt at once, not after the 16550's 4-character timeout.
echo 1 >/sys/class/tty/ttyS2/rx_trig_bytes
gn-guest-ppsbridge /dev/ttyS2 2>/dev/console &
gn-guest-agent 7000 2>/dev/console &
echo "gn-guest: ready, uptime $(cut -d' ' -f1 /proc/uptime) s" >/dev/console
while :; do
    wait
    sleep 1
done
