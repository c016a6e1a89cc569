#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 2/4: gpsntpd must run unmodified under clknetsim, the libc-intercepting clock and
# network simulator of chrony's test suite. clknetsim is not packaged in Debian, so this test
# checks the contract it relies on by tracing the real daemon (with `fastpath off`) under
# strace while it serves requests: one thread, poll() and no epoll, socket() without type
# flags, only CLOCK_REALTIME/CLOCK_MONOTONIC, SO_TIMESTAMPING, I/O through
# sendmsg/sendto/recvmsg/recvmmsg, clock changes only through clock_adjtime, and a clean exit
# on SIGTERM. Source-level rule: no raw syscall().
. "$(dirname "$0")/lib.sh"
gn_native_only "strace would see the emulator's system calls and threads, not gpsntpd's"
command -v strace >/dev/null || gn_skip "strace is not installed"
command -v python3 >/dev/null || gn_skip "python3 is not installed"

if grep -rnE '\bsyscall\s*\(|epoll_|SOCK_NONBLOCK|SOCK_CLOEXEC|CLOCK_(MONOTONIC_RAW|BOOTTIME|TAI)' \
    "$GN_SRC/common" "$GN_SRC/server" "$GN_SRC/refclock" "$GN_SRC/drivers" "$GN_SRC/board" \
    --include='*.c' --include='*.h'; then
    gn_fail "a construct clknetsim cannot intercept is used (see above)"
fi

port=$((20000 + RANDOM % 20000))
cat >"$GN_TMP/sim.conf" <<CONF
port $port
bindaddress 127.0.0.1
allow 127.0.0.1
local stratum 1
fastpath off
controlsocket $GN_TMP/ctl.sock
pidfile $GN_TMP/gpsntpd.pid
CONF
# LeakSanitizer cannot stop the world under ptrace: no leak check in a traced sanitizer build.
ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 strace -f -q -o "$GN_TMP/trace" -e trace=%network,%clock,poll,ppoll,epoll_create,epoll_create1,clone,clone3,fork,vfork \
    "$GN_BIN/gpsntpd" -d -x -f "$GN_TMP/sim.conf" 2>"$GN_TMP/gpsntpd.log" &
GN_DAEMON_PID=$!
gn_track "$GN_DAEMON_PID"
gn_wait_for 10 test -S "$GN_TMP/ctl.sock" || { cat "$GN_TMP/gpsntpd.log"; gn_fail "daemon did not start"; }
# The daemon itself (strace's child) is ended at exit too: strace, ended, detaches and leaves it
# running.
daemon=$(pgrep -P "$GN_DAEMON_PID" -x gpsntpd)
[ -n "$daemon" ] || gn_fail "no gpsntpd under strace"
gn_track "$daemon"
python3 - "$port" <<'PY' || gn_fail "no NTP answers"
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
answered = 0
for i in range(5):
    s.sendto(b'\x23' + b'\0' * 39 + struct.pack('!Q', i + 1), ('127.0.0.1', int(sys.argv[1])))
    try:
        if len(s.recv(100)) == 48:
            answered += 1
    except socket.timeout:
        pass
print("answered", answered, "of 5")
sys.exit(answered < 5)
PY
# Signal the daemon itself, and let strace report its exit status.
kill -TERM "$daemon"
for _ in $(seq 50); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
kill -0 "$daemon" 2>/dev/null && gn_fail "gpsntpd did not exit on SIGTERM"
wait "$GN_DAEMON_PID"
grep -q '+++ exited with 0 +++' "$GN_TMP/trace" || gn_fail "gpsntpd did not exit with status 0: $(tail -2 "$GN_TMP/trace")"

trace="$GN_TMP/trace"
grep -Eq 'clone|fork' "$trace" && gn_fail "the daemon created a thread or process: $(grep -E 'clone|fork' "$trace" | head -3)"
grep -q 'epoll' "$trace" && gn_fail "epoll used"
grep -q 'poll(' "$trace" || gn_fail "no poll() seen"
grep -E 'socket\(' "$trace" | grep -Eq 'SOCK_NONBLOCK|SOCK_CLOEXEC' && gn_fail "socket() with type flags"
grep -q 'SO_TIMESTAMPING' "$trace" || gn_fail "SO_TIMESTAMPING not requested"
if grep -E 'clock_(gettime|nanosleep|getres)' "$trace" | grep -vE 'CLOCK_(REALTIME|MONOTONIC)[,)]' | grep -q .; then
    gn_fail "a clock other than CLOCK_REALTIME/CLOCK_MONOTONIC is read"
fi
grep -Eq 'settimeofday|clock_settime|adjtimex' "$trace" && gn_fail "the clock was set other than by clock_adjtime"
grep -E 'clock_adjtime' "$trace" | grep -v 'modes=0[,}]' | grep -q . && gn_fail "-x changed the clock"
for call in $(grep -oE '^[0-9]+ +(send|recv)[a-z]*\(' "$trace" | awk '{print $2}' | tr -d '(' | sort -u); do
    case $call in
    sendmsg | sendto | recvmsg | recvmmsg | recvfrom) ;;
    *) gn_fail "$call is used with fastpath off" ;;
    esac
done
echo "PASS: single thread, poll loop, plain socket(), SO_TIMESTAMPING, REALTIME/MONOTONIC only"
