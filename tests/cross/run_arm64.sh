#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# gpsntpd for arm64 (the appliance's Raspberry-Pi-class board), built and tested on this amd64
# machine with Debian 12's own tools: installs what is missing (the cross compiler, qemu-user,
# and the arm64 libraries beside the amd64 ones through multiarch), cross-builds with
# board/toolchain/aarch64-linux-gnu.cmake and warnings as errors, checks with file(1) that what
# it built is AArch64, and runs the tests under qemu-user: the unit tests (ctest -L unit), then
# the integration tests that work through an emulator (the others skip, saying why), then the
# unit tests once more built with ASan+UBSan. Prints a summary; exits non-zero on any failure.
#   tests/cross/run_arm64.sh [BUILD_DIR]      default: build-arm64 in the source tree
#   GN_JOBS=N                 build and unit-test parallelism (default: nproc)
#   GN_ARM64_INTEGRATION=0    skip the integration tests (5 to 6 minutes under qemu-user)
#   GN_ARM64_SANITIZE=0       skip the ASan+UBSan pass (its build goes to BUILD_DIR-asan)
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build-arm64}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
jobs=${GN_JOBS:-$(nproc)}
integration=${GN_ARM64_INTEGRATION:-1}
sanitize=${GN_ARM64_SANITIZE:-1}
toolchain=$src/board/toolchain/aarch64-linux-gnu.cmake

say() { echo "=== arm64: $*"; }
die() {
    echo "=== arm64: FAILED: $*" >&2
    exit 1
}

# --- what the cross build needs --------------------------------------------------------
# Host tools (amd64) and target libraries (arm64). Every :arm64 one is Multi-Arch: same, so it
# installs beside the amd64 package of the same version (apt upgrades the amd64 one with it
# when their versions differ; it never has to remove one). qemu-user, not qemu-user-static:
# the static one recommends binfmt-support, which would register arm64 binaries with this
# machine's kernel; ctest and tests/cross/emulated.sh.in call qemu by name instead.
# libasan8/libubsan1:arm64 are the sanitizer runtimes at the path the arm64 loader searches
# (the cross compiler's own copies live under /usr/aarch64-linux-gnu, where it does not look).
HOST_PACKAGES="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user file cmake pkg-config"
TARGET_PACKAGES="libgps-dev:arm64 libcap-dev:arm64 libsystemd-dev:arm64 nettle-dev:arm64 \
libgnutls28-dev:arm64 libmicrohttpd-dev:arm64 libasan8:arm64 libubsan1:arm64"
# The rest of the suite builds natively: these must still be there afterwards.
NATIVE_PACKAGES="libgps-dev:amd64 libcap-dev:amd64 libsystemd-dev:amd64 nettle-dev:amd64 \
libgnutls28-dev:amd64 libmicrohttpd-dev:amd64"

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{printf "%.1f", $1 - $2}'; }

t0=$(now)
missing=""
for p in $HOST_PACKAGES $TARGET_PACKAGES; do
    installed "$p" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    [ "$(id -u)" -eq 0 ] || die "missing packages:$missing (run as root to install them)"
    say "installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        dpkg --add-architecture arm64
    fi
    apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }
    apt_get update -q
    for p in $TARGET_PACKAGES; do
        apt-cache show --no-all-versions "$p" 2>/dev/null | grep -q '^Multi-Arch: same' ||
            echo "=== arm64: note: $p is not Multi-Arch: same here: it may not install beside" \
                "the amd64 one" >&2
    done
    # A dry run first: if satisfying an arm64 package meant removing an installed one (a
    # package that is not Multi-Arch: same, or an amd64 version apt cannot match), stop here
    # rather than break the native build.
    # shellcheck disable=SC2086
    removals=$(apt_get install -s --no-install-recommends $missing | sed -n 's/^Remv //p')
    if [ -n "$removals" ]; then
        die "installing$missing would remove: $removals (refused; install by hand)"
    fi
    # shellcheck disable=SC2086
    apt_get install -y -q --no-install-recommends $missing
fi
for p in $NATIVE_PACKAGES; do
    installed "$p" || die "$p is not installed: the native build needs it (board/install-deps.sh)"
done

install_s=$(since "$t0")
if [ -n "$missing" ]; then
    packages_line="installed$missing in ${install_s} s"
else
    packages_line="all there (checked in ${install_s} s)"
fi

# --- build -----------------------------------------------------------------------------

say "configure and build in $build"
t0=$(now)
cmake -S "$src" -B "$build" --toolchain "$toolchain" -DGN_WERROR=ON >/dev/null
cmake --build "$build" -j "$jobs" || die "the cross build failed"
build_s=$(since "$t0")

# Everything built must be AArch64: a host object slipping in (a wrong compiler, a host
# library picked up by pkg-config) would show here or fail to link.
n_elf=0
for f in "$build"/bin/* "$build"/tests/test_* "$build"/lib/*.so; do
    [ -f "$f" ] || continue
    desc=$(file -b "$f")
    case $desc in
        ELF\ 64-bit\ LSB*ARM\ aarch64*) n_elf=$((n_elf + 1)) ;;
        *) die "$f is not an AArch64 ELF: $desc" ;;
    esac
done
[ "$n_elf" -gt 0 ] || die "no binaries found in $build"
say "$n_elf binaries, all ELF 64-bit AArch64"

# --- tests under qemu-user -------------------------------------------------------------
status=0
# run_ctest NAME DIR ARGS...: ctest, its log in DIR/arm64-NAME.log; sets result (a line for
# the summary) and secs.
run_ctest() {
    name=$1
    dir=$2
    shift 2
    log=$dir/arm64-$name.log
    t=$(now)
    if ctest --test-dir "$dir" --output-on-failure --timeout 600 "$@" >"$log" 2>&1; then
        ok=1
    else
        ok=0
        status=1
    fi
    secs=$(since "$t")
    # ctest's own line: "100% tests passed, 0 tests failed out of 32"
    line=$(grep -E 'tests passed, [0-9]+ tests? failed out of' "$log" | tail -n 1)
    total=$(echo "$line" | sed -n 's/.* out of \([0-9]*\).*/\1/p')
    failed=$(echo "$line" | sed -n 's/.*passed, \([0-9]*\) tests\{0,1\} failed.*/\1/p')
    skipped=$(grep -c '\*\*\*Skipped\|Not Run' "$log" || true)
    if [ -z "$total" ]; then
        status=1
        result="no tests ran (see $log)"
        tail -n 20 "$log"
        return
    fi
    passed=$((total - failed - skipped))
    result="$passed passed, $failed failed, $skipped skipped in ${secs} s"
    if [ "$ok" -eq 0 ]; then
        # The failures with their output (--output-on-failure), without the passing lines.
        grep -vE '^ +Start +[0-9]+:|Test +#[0-9]+: .* (Passed|\*\*\*Skipped) ' "$log" || true
        echo "(the whole log: $log)"
    fi
}

say "unit tests under qemu-user"
run_ctest unit "$build" -L unit -j "$jobs"
summary_unit=$result
unit_s=$secs

summary_integration="not run (GN_ARM64_INTEGRATION=0)"
if [ "$integration" != 0 ]; then
    say "integration tests under qemu-user (serial; those that cannot work emulated skip)"
    run_ctest integration "$build" -L integration
    summary_integration=$result
    # Why each skipped (ctest keeps every test's output in LastTest.log).
    grep -h '^SKIPPED' "$build/Testing/Temporary/LastTest.log" | sed 's/^/  /' || true
fi

summary_asan="not run (GN_ARM64_SANITIZE=0)"
if [ "$sanitize" != 0 ]; then
    say "unit tests built with ASan+UBSan, under qemu-user"
    cmake -S "$src" -B "$build-asan" --toolchain "$toolchain" -DGN_WERROR=ON -DGN_SANITIZE=ON \
        -DCMAKE_BUILD_TYPE=Debug >/dev/null
    t=$(now)
    if cmake --build "$build-asan" -j "$jobs" >"$build-asan/arm64-build.log" 2>&1; then
        asan_build_s=$(since "$t")
        # LeakSanitizer stops the world with ptrace, which qemu-user does not offer: no leak
        # check here (the native ASan suite has it).
        ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            run_ctest asan "$build-asan" -L unit -j "$jobs"
        summary_asan="$result (built in ${asan_build_s} s)"
    else
        tail -n 30 "$build-asan/arm64-build.log"
        summary_asan="the sanitizer build failed (see $build-asan/arm64-build.log)"
        status=1
    fi
fi

echo "=== arm64 summary ($(aarch64-linux-gnu-gcc -dumpversion) cross, $(qemu-aarch64 --version |
    head -n 1 | sed 's/ (.*//'), $toolchain)"
echo "  packages:            $packages_line"
echo "  cross build:         ${build_s} s, $n_elf AArch64 binaries"
echo "  unit tests:          $summary_unit"
echo "  integration tests:   $summary_integration"
echo "  unit, ASan+UBSan:    $summary_asan"
if [ "$status" -ne 0 ]; then
    echo "=== arm64: FAILED (logs: $build/arm64-*.log)" >&2
    exit 1
fi
echo "=== arm64: passed (unit tests ${unit_s} s under qemu-user)"
