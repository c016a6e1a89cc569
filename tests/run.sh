#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The whole test suite: install what is missing, build with -Werror, run every test under
# ctest; then the same suite once more under ASan+UBSan; the worker threads under
# ThreadSanitizer (tests labelled tsan); Release builds with gcc and clang (warnings are
# errors); the arm64 cross build with its tests under qemu-user; the Debian package; the
# system test (label system) boots the package under QEMU within the first suite; then each
# libFuzzer target for a bounded time. Exits non-zero if anything fails.
#   tests/run.sh              everything
#   GN_JOBS=N                 build parallelism (default: nproc)
#   GN_FUZZ_SECONDS=S         seconds per fuzz target (default 20)
#   GN_SKIP_PACKAGE=1         do not build and install the Debian package here
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
"$src/board/install-deps.sh"

jobs=${GN_JOBS:-$(nproc)}
fuzz_seconds=${GN_FUZZ_SECONDS:-20}
status=0

run_suite() { # build-dir, cmake options...
    dir=$1
    shift
    echo "=== $dir: configure and build ($*)"
    cmake -S "$src" -B "$dir" -DGN_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" -j "$jobs"
    echo "=== $dir: ctest"
    if ! ctest --test-dir "$dir" --output-on-failure --timeout 600; then
        status=1
    fi
}

run_suite "$src/build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite "$src/build-asan" -DGN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
echo "=== $src/build-tsan: the worker threads under ThreadSanitizer"
cmake -S "$src" -B "$src/build-tsan" -DGN_WERROR=ON -DGN_TSAN=ON -DCMAKE_BUILD_TYPE=Debug \
    >/dev/null
cmake --build "$src/build-tsan" -j "$jobs" --target gpsntpd gpsntpctl test_seqlock
# setarch -R: ThreadSanitizer's memory layout does not fit some kernels' mmap randomization.
if ! TSAN_OPTIONS=halt_on_error=1 setarch "$(uname -m)" -R \
    ctest --test-dir "$src/build-tsan" -L tsan --output-on-failure --timeout 600; then
    status=1
fi
for cc in gcc clang; do
    echo "=== $src/build-release-$cc: a packager's Release build ($cc, warnings are errors)"
    cmake -S "$src" -B "$src/build-release-$cc" -DCMAKE_BUILD_TYPE=Release -DGN_WERROR=ON \
        -DCMAKE_C_COMPILER="$cc" >/dev/null
    cmake --build "$src/build-release-$cc" -j "$jobs" || status=1
done
# arm64, the board: cross-built with Debian's toolchain, tested under qemu-user.
"$src/tests/cross/run_arm64.sh" "$src/build-arm64" || status=1
# The Debian package: build, lintian, install, upgrade, remove, purge (on this machine).
"$src/tests/package/run_package_test.sh" || status=1
run_suite "$src/build-fuzz" -DGN_FUZZ=ON -DCMAKE_C_COMPILER=clang \
    -DGN_FUZZ_SECONDS="$fuzz_seconds"

if [ "$status" -ne 0 ]; then
    echo "=== FAILED: see the output above" >&2
else
    echo "=== all suites passed"
fi
exit "$status"
