#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The guest kernel for the system test: Debian's current stock kernel (resolved from
# linux-image-amd64 at run time: the archive keeps only the current ABI), fetched with
# apt-get download and unpacked with dpkg-deb, never installed on this machine. Leaves in
# CACHE/KVER: vmlinux (booted through its PVH note) and the few modules the guest loads.
# Prints the directory. Idempotent: a cached kernel is reused.
#   tests/system/kernel.sh CACHE
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=$1
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$pkg" ] || { echo "kernel: cannot resolve linux-image-amd64 (apt-get update?)" >&2; exit 1; }
kver=${pkg#linux-image-}
dir=$cache/$kver
if [ -s "$dir/vmlinux" ] && [ -f "$dir/modules.ok" ]; then
    echo "$dir"
    exit 0
fi
rm -rf "$dir" && mkdir -p "$dir/deb" "$dir/root"
(cd "$dir/deb" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
    { echo "kernel: apt-get download $pkg failed" >&2; exit 1; }
m=lib/modules/$kver/kernel/drivers
dpkg-deb --fsys-tarfile "$dir"/deb/*.deb | tar -x -C "$dir/root" \
    "./boot/vmlinuz-$kver" "./$m/parport/parport.ko" "./$m/parport/parport_pc.ko" \
    "./$m/pps/clients/pps_parport.ko" "./$m/net/ethernet/intel/e1000/e1000.ko"
python3 "$here/extract_vmlinux.py" "$dir/root/boot/vmlinuz-$kver" "$dir/vmlinux"
mkdir -p "$dir/modules"
for ko in parport/parport.ko parport/parport_pc.ko pps/clients/pps_parport.ko \
    net/ethernet/intel/e1000/e1000.ko; do
    cp "$dir/root/$m/$ko" "$dir/modules/"
done
rm -rf "$dir/deb" "$dir/root"
echo "$kver" >"$dir/modules.ok"
echo "$dir"
