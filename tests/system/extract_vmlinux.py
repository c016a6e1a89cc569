# SPDX-License-Identifier: BSD-2-Clause
"""Extract the uncompressed kernel (vmlinux, an ELF with a PVH entry note) from Debian's
XZ-compressed bzImage. QEMU boots it directly in ~2 s under TCG, ~3 s faster than the bzImage
through SeaBIOS. Debian's headers do not ship scripts/extract-vmlinux; this is its XZ case.
usage: extract_vmlinux.py VMLINUZ OUT"""
import lzma
import sys

XZ_MAGIC = b"\xfd7zXZ\x00"


def main():
    data = open(sys.argv[1], "rb").read()
    start = data.find(XZ_MAGIC)
    while start >= 0:
        try:
            out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:])
        except lzma.LZMAError:
            out = b""
        if out.startswith(b"\x7fELF"):
            open(sys.argv[2], "wb").write(out)
            return 0
        start = data.find(XZ_MAGIC, start + 1)
    print("extract_vmlinux: no XZ-compressed ELF in " + sys.argv[1], file=sys.stderr)
    return 1


sys.exit(main())
