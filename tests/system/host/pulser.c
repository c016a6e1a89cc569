/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gn-host-pulser: the system test's pulse-per-second, host side. At every second of this
 * machine's clock (the truth the guest is judged against) it writes one byte to QEMU's socket
 * chardev for the guest's PPS trigger port, and logs when the byte left: "SECOND SENT_NS".
 * It reads the clock and never sets it. It sleeps to 2 ms before the second and spins the
 * rest, at SCHED_FIFO when allowed, so the byte leaves within tens of microseconds unless the
 * machine preempts it; a pulse that would leave more than 20 ms late is skipped instead (after
 * SIGSTOP/SIGCONT, or a long preemption), as a receiver never emits a late pulse.
 * SIGSTOP/SIGCONT from the harness are "pulses stopped" and "pulses back".
 *   gn-host-pulser SOCKET LOGFILE SECONDS
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL
#define SPIN_NS 2000000LL
#define TOO_LATE_NS 20000000LL

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static int connect_unix(const char *path, double wait_s)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path)
        return -1;
    strcpy(a.sun_path, path);
    int64_t deadline = now_ns() + (int64_t)(wait_s * NS);
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            return fd;
        if (fd >= 0)
            close(fd);
        if (now_ns() > deadline)
            return -1;
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: gn-host-pulser SOCKET LOGFILE SECONDS\n");
        return 2;
    }
    double seconds = atof(argv[3]);
    FILE *log = fopen(argv[2], "w");
    if (log == NULL) {
        fprintf(stderr, "pulser: %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    setvbuf(log, NULL, _IOLBF, 0);
    int fd = connect_unix(argv[1], 60);
    if (fd < 0) {
        fprintf(stderr, "pulser: cannot connect to %s\n", argv[1]);
        return 1;
    }
    struct sched_param sp = {.sched_priority = 10};
    if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
        fprintf(stderr, "pulser: SCHED_FIFO refused (%s): pulses may be later under load\n",
                strerror(errno));
    mlockall(MCL_CURRENT);
    int64_t end = now_ns() + (int64_t)(seconds * NS);
    while (now_ns() < end) {
        int64_t second = now_ns() / NS + 1;
        int64_t at = second * NS;
        int64_t wake = at - SPIN_NS;
        struct timespec ts = {(time_t)(wake / NS), (long)(wake % NS)};
        while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR) {
        }
        int64_t t = now_ns();
        while (t < at)
            t = now_ns();
        if (t - at > TOO_LATE_NS)
            continue;
        if (write(fd, "P", 1) != 1) {
            fprintf(stderr, "pulser: write: %s\n", strerror(errno));
            return 1;
        }
        fprintf(log, "%lld %lld\n", (long long)second, (long long)now_ns());
    }
    return 0;
}
