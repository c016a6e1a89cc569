/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * minresp: the smallest NTP-shaped UDP responder: recvmmsg, one clock read, a 48-byte reply
 * with the request's transmit timestamp as origin, sendmmsg. It does nothing an NTP server
 * must (validation, access control, rate limiting), so its throughput is the kernel's own
 * limit on this path: the yardstick for gpsntpd and chronyd in run_server_bench.sh.
 * usage: minresp PORT
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 64

static void put_ntp(uint8_t *p, struct timespec ts)
{
    uint64_t sec = (uint64_t)ts.tv_sec + 2208988800u;
    uint64_t frac = ((uint64_t)ts.tv_nsec << 32) / 1000000000u;
    uint32_t hi = htonl((uint32_t)sec), lo = htonl((uint32_t)frac);
    memcpy(p, &hi, 4);
    memcpy(p + 4, &lo, 4);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: minresp PORT\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        perror("minresp: bind");
        return 1;
    }
    static uint8_t buf[BATCH][64];
    static struct sockaddr_in from[BATCH];
    static struct iovec iov[BATCH];
    static struct mmsghdr msgs[BATCH];
    for (;;) {
        for (int i = 0; i < BATCH; i++) {
            iov[i] = (struct iovec){.iov_base = buf[i], .iov_len = sizeof(buf[i])};
            msgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof(from[i]),
                                              .msg_iov = &iov[i], .msg_iovlen = 1};
        }
        int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0) {
            continue;
        }
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        for (int i = 0; i < n; i++) {
            uint8_t *p = buf[i];
            memcpy(p + 24, p + 40, 8);
            p[0] = (uint8_t)((p[0] & 0x38) | 4);
            p[1] = 1;
            put_ntp(p + 32, now);
            put_ntp(p + 40, now);
            iov[i].iov_len = 48;
        }
        sendmmsg(fd, msgs, (unsigned)n, 0);
    }
}
