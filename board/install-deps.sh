#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Install what gpsntpd needs to build, test and demo on Debian 12, if it is missing.
# Installing chrony does not start its service here (and nothing here starts it): its chronyd
# is only a test peer and a benchmark reference, run by the tests with -x on private ports.
set -eu

PACKAGES="build-essential cmake pkg-config clang libclang-rt-14-dev libgps-dev libcap-dev \
libsystemd-dev nettle-dev libgnutls28-dev gnutls-bin scdoc debhelper lintian fakeroot \
pps-tools gpsd gpsd-clients python3 python3-gps chrony ntpsec-ntpdig sntp ntpdate \
iproute2 procps util-linux tzdata strace \
qemu-system-x86 busybox-static cpio"

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -z "$missing" ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing (run as root, or: sudo $0)" >&2
    exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d keeps Debian from starting the services of the packages we install
# (chrony, gpsd) on machines where an init system would. It is removed whatever happens
# (trap): left behind, it would block every service start on this machine.
policy=/usr/sbin/policy-rc.d
created_policy=0
remove_policy() {
    if [ "$created_policy" -eq 1 ]; then
        rm -f "$policy"
        created_policy=0
    fi
}
trap remove_policy EXIT
trap 'remove_policy; exit 1' INT TERM HUP
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    created_policy=1
fi
# Another apt (unattended-upgrades on a fresh machine) may hold the dpkg lock: wait for it,
# up to 10 minutes, instead of failing at once.
apt_get() {
    apt-get -o DPkg::Lock::Timeout=600 "$@"
}
apt_get update -q
# shellcheck disable=SC2086
apt_get install -y -q --no-install-recommends $missing
