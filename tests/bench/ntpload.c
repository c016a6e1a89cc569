/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntpload: an NTP load generator for run_server_bench.sh (a benchmark, not a test).
 *   ntpload closed PORT SECONDS OUTSTANDING   keep N requests in flight: the max rate
 *   ntpload open PORT SECONDS RATE            send at RATE/s whatever comes back
 * Prints one JSON line: sent, answered, loss, answered/s, RTT percentiles, and the offset a
 * client computes ((T2-T1)+(T3-T4))/2 with T1 read just before sendmmsg and T4 the kernel's
 * receive timestamp. Client and server share this machine's clock, so that offset should be 0:
 * its spread shows how late the server takes its receive and transmit timestamps. Bounded by
 * SECONDS and by a fixed request count.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define NSOCK 8
#define BATCH 64
#define MAX_SAMPLES 4000000

static int64_t now_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void put_ntp(uint8_t *p, int64_t t)
{
    uint64_t sec = (uint64_t)(t / 1000000000) + 2208988800u;
    uint64_t frac = ((uint64_t)(t % 1000000000) << 32) / 1000000000u;
    uint32_t hi = htonl((uint32_t)sec), lo = htonl((uint32_t)frac);
    memcpy(p, &hi, 4);
    memcpy(p + 4, &lo, 4);
}

static int64_t get_ntp(const uint8_t *p)
{
    uint32_t hi, lo;
    memcpy(&hi, p, 4);
    memcpy(&lo, p + 4, 4);
    int64_t sec = (int64_t)ntohl(hi) - 2208988800LL;
    return sec * 1000000000 + (int64_t)(((uint64_t)ntohl(lo) * 1000000000u) >> 32);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t *rtts, *offsets;
static size_t n_samples;
static int socks[NSOCK];
static struct sockaddr_in server;
static uint64_t sent, answered;

static void send_batch(int s, int n)
{
    static uint8_t pkt[BATCH][48];
    static struct iovec iov[BATCH];
    static struct mmsghdr m[BATCH];
    int64_t t1 = now_ns(CLOCK_REALTIME);
    for (int i = 0; i < n; i++) {
        memset(pkt[i], 0, 48);
        pkt[i][0] = 0x23;
        put_ntp(pkt[i] + 40, t1);
        iov[i] = (struct iovec){.iov_base = pkt[i], .iov_len = 48};
        m[i].msg_hdr = (struct msghdr){.msg_name = &server, .msg_namelen = sizeof(server),
                                       .msg_iov = &iov[i], .msg_iovlen = 1};
    }
    int k = sendmmsg(socks[s], m, (unsigned)n, 0);
    if (k > 0) {
        sent += (uint64_t)k;
    }
}

static int receive(int s)
{
    static uint8_t pkt[BATCH][128];
    /* Aligned for the struct cmsghdr that CMSG_FIRSTHDR makes of it. */
    static _Alignas(struct cmsghdr) uint8_t ctl[BATCH][128];
    static struct iovec iov[BATCH];
    static struct mmsghdr m[BATCH];
    for (int i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){.iov_base = pkt[i], .iov_len = sizeof(pkt[i])};
        m[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i], .msg_iovlen = 1,
                                       .msg_control = ctl[i], .msg_controllen = sizeof(ctl[i])};
    }
    int n = recvmmsg(socks[s], m, BATCH, MSG_DONTWAIT, NULL);
    for (int i = 0; i < n; i++) {
        if (m[i].msg_len < 48 || pkt[i][1] == 0) {
            continue;
        }
        int64_t t4 = -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m[i].msg_hdr); c; c = CMSG_NXTHDR(&m[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec ts;
                memcpy(&ts, CMSG_DATA(c), sizeof(ts));
                t4 = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
            }
        }
        answered++;
        if (t4 < 0 || n_samples == MAX_SAMPLES) {
            continue;
        }
        int64_t t1 = get_ntp(pkt[i] + 24), t2 = get_ntp(pkt[i] + 32), t3 = get_ntp(pkt[i] + 40);
        rtts[n_samples] = t4 - t1;
        offsets[n_samples] = ((t2 - t1) + (t3 - t4)) / 2;
        n_samples++;
    }
    return n > 0 ? n : 0;
}

static double pct(int64_t *v, size_t n, double p)
{
    if (n == 0) {
        return NAN;
    }
    size_t i = (size_t)(p * (double)(n - 1));
    return (double)v[i] / 1000.0;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: ntpload closed|open PORT SECONDS OUTSTANDING|RATE\n");
        return 2;
    }
    int closed = strcmp(argv[1], "closed") == 0;
    double seconds = atof(argv[3]);
    long param = atol(argv[4]);
    server = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    rtts = malloc(MAX_SAMPLES * sizeof(int64_t));
    offsets = malloc(MAX_SAMPLES * sizeof(int64_t));
    struct pollfd pfd[NSOCK];
    for (int s = 0; s < NSOCK; s++) {
        socks[s] = socket(AF_INET, SOCK_DGRAM, 0);
        int one = 1, rcvbuf = 4 << 20;
        setsockopt(socks[s], SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
        setsockopt(socks[s], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
        pfd[s] = (struct pollfd){.fd = socks[s], .events = POLLIN};
    }
    int64_t start = now_ns(CLOCK_MONOTONIC), end = start + (int64_t)(seconds * 1e9);
    const uint64_t max_requests = 50000000;
    if (closed) {
        /* Keep `param` requests in flight, spread over the sockets; refill after a stall. */
        uint64_t last_answered = 0;
        int64_t last_progress = start;
        for (int s = 0; s < NSOCK; s++) {
            send_batch(s, (int)(param / NSOCK > BATCH ? BATCH : param / NSOCK));
        }
        while (now_ns(CLOCK_MONOTONIC) < end && sent < max_requests) {
            poll(pfd, NSOCK, 10);
            for (int s = 0; s < NSOCK; s++) {
                int got = receive(s);
                if (got > 0) {
                    send_batch(s, got);
                }
            }
            int64_t t = now_ns(CLOCK_MONOTONIC);
            if (answered != last_answered) {
                last_answered = answered;
                last_progress = t;
            } else if (t - last_progress > 50000000) {
                for (int s = 0; s < NSOCK; s++) {
                    send_batch(s, (int)(param / NSOCK > BATCH ? BATCH : param / NSOCK));
                }
                last_progress = t;
            }
        }
    } else {
        /* Open loop: every 100 us, send what the rate owes by now. */
        uint64_t due_total = 0;
        int s = 0;
        while (now_ns(CLOCK_MONOTONIC) < end && sent < max_requests) {
            int64_t t = now_ns(CLOCK_MONOTONIC);
            uint64_t due = (uint64_t)((double)(t - start) * 1e-9 * (double)param);
            while (due_total < due) {
                int n = due - due_total > BATCH ? BATCH : (int)(due - due_total);
                send_batch(s, n);
                due_total += (uint64_t)n;
                s = (s + 1) % NSOCK;
            }
            for (int k = 0; k < NSOCK; k++) {
                receive(k);
            }
            struct timespec nap = {0, 100000};
            nanosleep(&nap, NULL);
        }
    }
    /* Collect stragglers for 100 ms. */
    int64_t drain_end = now_ns(CLOCK_MONOTONIC) + 100000000;
    while (now_ns(CLOCK_MONOTONIC) < drain_end) {
        poll(pfd, NSOCK, 10);
        for (int s = 0; s < NSOCK; s++) {
            receive(s);
        }
    }
    double elapsed = (double)(now_ns(CLOCK_MONOTONIC) - start) * 1e-9 - 0.1;
    qsort(rtts, n_samples, sizeof(int64_t), cmp64);
    for (size_t i = 0; i < n_samples; i++) {
        offsets[i] = offsets[i] < 0 ? -offsets[i] : offsets[i];
    }
    qsort(offsets, n_samples, sizeof(int64_t), cmp64);
    printf("{\"mode\":\"%s\",\"param\":%ld,\"sent\":%llu,\"answered\":%llu,\"loss\":%.4f,"
           "\"answered_per_s\":%.0f,\"rtt_p50_us\":%.1f,\"rtt_p99_us\":%.1f,"
           "\"abs_offset_p50_us\":%.2f,\"abs_offset_p99_us\":%.2f}\n",
           argv[1], param, (unsigned long long)sent, (unsigned long long)answered,
           sent ? 1.0 - (double)answered / (double)sent : 0.0, (double)answered / elapsed,
           pct(rtts, n_samples, 0.5), pct(rtts, n_samples, 0.99), pct(offsets, n_samples, 0.5),
           pct(offsets, n_samples, 0.99));
    return 0;
}
