# SPDX-License-Identifier: BSD-2-Clause
# Cross-compiling for arm64 (the appliance's Raspberry-Pi-class board) with Debian 12's own
# tools: gcc-aarch64-linux-gnu, the arm64 libraries installed beside the amd64 ones through
# multiarch (libgps-dev:arm64 ...), and qemu-user to run the results here.
#   cmake -S . -B build-arm64 --toolchain board/toolchain/aarch64-linux-gnu.cmake
#   ctest --test-dir build-arm64 -L unit
# tests/cross/run_arm64.sh installs all of it and runs the unit tests under qemu-user.
# There is no sysroot: Debian's multiarch keeps the arm64 headers and libraries in
# /usr/include/aarch64-linux-gnu and /usr/lib/aarch64-linux-gnu, where the cross compiler
# already looks.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(GN_TRIPLET aarch64-linux-gnu)

# gcc-aarch64-linux-gnu by default; -DGN_CROSS_CC=clang builds with Debian's clang instead
# (one compiler for every target, pointed at this one), linking with the same cross binutils.
set(GN_CROSS_CC gcc CACHE STRING "gcc (aarch64-linux-gnu-gcc) or clang")
if(GN_CROSS_CC STREQUAL "clang")
    set(CMAKE_C_COMPILER clang)
    set(CMAKE_C_COMPILER_TARGET ${GN_TRIPLET})
else()
    set(CMAKE_C_COMPILER ${GN_TRIPLET}-gcc)
endif()
set(CMAKE_LIBRARY_ARCHITECTURE ${GN_TRIPLET})

# pkg-config: pkgconf:arm64 installs aarch64-linux-gnu-pkg-config, which reads only the arm64
# .pc files (its personality). The search path is also pinned here, so that a
# PKG_CONFIG_PATH in the caller's environment cannot bring amd64 flags in.
find_program(GN_CROSS_PKG_CONFIG NAMES ${GN_TRIPLET}-pkg-config)
if(GN_CROSS_PKG_CONFIG)
    set(PKG_CONFIG_EXECUTABLE ${GN_CROSS_PKG_CONFIG} CACHE FILEPATH "pkg-config for arm64")
endif()
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${GN_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Programs (python3, scdoc) are the build machine's; libraries and headers the target's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_FIND_ROOT_PATH / /usr/${GN_TRIPLET})

# ctest runs each test executable through qemu-user. Cortex-A53 is the oldest core of the
# class (Raspberry Pi 3 and Zero 2 W): an instruction newer than ARMv8.0 in our code, or in
# the atomics gcc picks at run time (-moutline-atomics), would fault here instead of on a
# board. libc6:arm64 puts the arm64 dynamic loader at /lib/ld-linux-aarch64.so.1, so qemu
# needs no -L.
set(GN_QEMU_CPU cortex-a53 CACHE STRING "The CPU qemu-user emulates for the tests")
find_program(GN_QEMU NAMES qemu-aarch64 qemu-aarch64-static)
if(GN_QEMU)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${GN_QEMU} -cpu ${GN_QEMU_CPU})
endif()
