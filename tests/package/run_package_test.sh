#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The Debian package, built and put through its life on this machine (root; CI is a fresh
# one): dpkg-buildpackage from a clean export of the tree, lintian (no errors), install
# (the _gpsntpd user, its directories, the conffile, the unit neither enabled nor started),
# upgrade to a newer version (an edited conffile survives), remove (the conffile stays),
# purge (everything of the package's goes, state included). The service is never started.
#   tests/package/run_package_test.sh [WORKDIR]      GN_SKIP_PACKAGE=1 skips it
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${GN_SKIP_PACKAGE:-0}" = 1 ]; then
    echo "=== package: SKIPPED (GN_SKIP_PACKAGE=1)"
    exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "package: needs root (dpkg -i)" >&2; exit 1; }
work=${1:-$(mktemp -d /tmp/gpsntpd-pkg.XXXXXX)}
fail() { echo "package: FAIL: $*" >&2; exit 1; }

echo "=== package: build"
rm -rf "$work/gpsntpd" && mkdir -p "$work/gpsntpd"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$src" ls-files -z | (cd "$src" && xargs -0 tar -cf - --) | tar -xf - -C "$work/gpsntpd"
else
    cp -a "$src"/. "$work/gpsntpd"/
fi
(cd "$work/gpsntpd" && dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1) ||
    { tail -30 "$work/build.log"; fail "dpkg-buildpackage"; }
deb=$(ls "$work"/gpsntpd_*_*.deb | head -1)
echo "=== package: lintian $(basename "$deb")"
lintian --fail-on error "$deb" || fail "lintian reports errors"

# debhelper wires the unit into the maintainer scripts only when it finds it where it looks.
dpkg-deb -I "$deb" postrm | grep -q "deb-systemd-helper purge 'gpsntpd.service'" ||
    fail "the maintainer scripts have no systemd sections (unit not where debhelper looks?)"

echo "=== package: install"
export DEBIAN_FRONTEND=noninteractive
dpkg -i "$deb" >/dev/null || fail "dpkg -i"
getent passwd _gpsntpd >/dev/null || fail "no _gpsntpd user"
id -nG _gpsntpd | grep -qw dialout || fail "_gpsntpd is not in dialout"
[ "$(stat -c %U /var/lib/gpsntpd)" = _gpsntpd ] || fail "/var/lib/gpsntpd is not _gpsntpd's"
[ -x /usr/sbin/gpsntpd ] && [ -x /usr/bin/gpsntpctl ] || fail "binaries missing"
[ -f /usr/share/man/man8/gpsntpd.8.gz ] && [ -f /usr/share/man/man5/gpsntpd.conf.5.gz ] ||
    fail "man pages missing"
dpkg-query -W -f='${Conffiles}\n' gpsntpd | grep -q /etc/gpsntpd.conf || fail "not a conffile"
/usr/sbin/gpsntpd -n -f /etc/gpsntpd.conf >/dev/null || fail "the shipped config is refused"
[ ! -e /etc/systemd/system/multi-user.target.wants/gpsntpd.service ] ||
    fail "the service was enabled at install"
if pgrep -x gpsntpd >/dev/null 2>&1; then
    pgrep -a -x gpsntpd | grep -q "/etc/gpsntpd.conf" && fail "the service was started"
fi

echo "=== package: upgrade (an edited conffile survives)"
echo "# edited by the administrator" >>/etc/gpsntpd.conf
rm -rf "$work/up" && dpkg-deb -R "$deb" "$work/up"
version=$(dpkg-deb -f "$deb" Version)
sed -i "s/^Version: .*/Version: ${version}.1/" "$work/up/DEBIAN/control"
dpkg-deb -b "$work/up" "$work/upgrade.deb" >/dev/null
dpkg -i --force-confold "$work/upgrade.deb" >/dev/null || fail "upgrade"
[ "$(dpkg-query -W -f='${Version}' gpsntpd)" = "${version}.1" ] || fail "version not upgraded"
grep -q "edited by the administrator" /etc/gpsntpd.conf || fail "the edited conffile was lost"

echo "=== package: remove (the conffile stays)"
dpkg -r gpsntpd >/dev/null || fail "dpkg -r"
[ ! -e /usr/sbin/gpsntpd ] || fail "the daemon is still installed"
[ -f /etc/gpsntpd.conf ] || fail "remove deleted the conffile"

echo "=== package: purge (nothing of the package's is left)"
dpkg -P gpsntpd >/dev/null || fail "dpkg -P"
[ ! -e /etc/gpsntpd.conf ] || fail "purge left the conffile"
[ ! -e /var/lib/gpsntpd ] || fail "purge left /var/lib/gpsntpd"
dpkg -s gpsntpd >/dev/null 2>&1 && fail "still known to dpkg"
echo "=== package: PASS (build, lintian, install, upgrade, remove, purge)"
