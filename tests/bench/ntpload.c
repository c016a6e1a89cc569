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
 *
 * Authenticated load (issue 15), as a trailing option of either mode:
 *   ... mac KEYID HEXKEY        every request carries an AES-CMAC (AES128 key, RFC 8573)
 *   ... nts KEPORT CAFILE NAME  one NTS-KE (GnuTLS) first, then NTS requests with a cookie
 *                               and an AES-SIV-CMAC-256 authenticator (RFC 8915)
 * Only replies of the authenticated length count as answered (a NAK does not).
 *   ntpload ke KEPORT SECONDS CAFILE NAME   NTS-KE handshakes, one after another: per second
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <nettle/cmac.h>
#include <nettle/siv-cmac.h>

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

/* Authentication of the load: none, a CMAC key, or an NTS session. */
enum auth { AUTH_NONE, AUTH_MAC, AUTH_NTS };
static enum auth auth;
static uint32_t mac_keyid;
static struct cmac_aes128_ctx mac_key;
static struct siv_cmac_aes128_ctx nts_c2s;
static uint8_t nts_cookie[256];
static size_t nts_cookie_len;
static size_t auth_reply_len; /* the length of an authenticated reply */
static uint64_t uid_counter;

#define PKT_MAX 512

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Append the authentication to a 48-byte request; returns the total length. */
static size_t authenticate(uint8_t *pkt)
{
    if (auth == AUTH_MAC) {
        uint32_t id = htonl(mac_keyid);
        memcpy(pkt + 48, &id, 4);
        struct cmac_aes128_ctx c = mac_key;
        cmac_aes128_update(&c, 48, pkt);
        cmac_aes128_digest(&c, 16, pkt + 52);
        return 68;
    }
    if (auth == AUTH_NTS) {
        size_t pos = 48;
        put16(pkt + pos, 0x0104);
        put16(pkt + pos + 2, 36);
        memset(pkt + pos + 4, 0, 32);
        uid_counter++;
        memcpy(pkt + pos + 4, &uid_counter, sizeof(uid_counter));
        pos += 36;
        put16(pkt + pos, 0x0204);
        put16(pkt + pos + 2, (unsigned)(4 + nts_cookie_len));
        memcpy(pkt + pos + 4, nts_cookie, nts_cookie_len);
        pos += 4 + nts_cookie_len;
        put16(pkt + pos, 0x0404);
        put16(pkt + pos + 2, 40);
        put16(pkt + pos + 4, 16);
        put16(pkt + pos + 6, 16);
        memcpy(pkt + pos + 8, &uid_counter, sizeof(uid_counter)); /* a nonce that never repeats */
        memset(pkt + pos + 16, 0x6e, 8);
        siv_cmac_aes128_encrypt_message(&nts_c2s, 16, pkt + pos + 8, pos, pkt, 16, pkt + pos + 24,
                                        NULL);
        return pos + 40;
    }
    return 48;
}

static void send_batch(int s, int n)
{
    static uint8_t pkt[BATCH][PKT_MAX];
    static struct iovec iov[BATCH];
    static struct mmsghdr m[BATCH];
    int64_t t1 = now_ns(CLOCK_REALTIME);
    for (int i = 0; i < n; i++) {
        memset(pkt[i], 0, 48);
        pkt[i][0] = 0x23;
        put_ntp(pkt[i] + 40, t1);
        iov[i] = (struct iovec){.iov_base = pkt[i], .iov_len = authenticate(pkt[i])};
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
    static uint8_t pkt[BATCH][PKT_MAX];
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
        if (m[i].msg_len < 48 || pkt[i][1] == 0 ||
            (auth != AUTH_NONE && m[i].msg_len != auth_reply_len)) {
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

/* One NTS-KE: TLS 1.3 with ALPN ntske/1, the keys exported, the first cookie kept. Returns
 * 0 or -1 (printed). */
static int nts_ke(int port, const char *ca, const char *name, bool keep)
{
    gnutls_certificate_credentials_t cred;
    gnutls_session_t s;
    gnutls_certificate_allocate_credentials(&cred);
    if (gnutls_certificate_set_x509_trust_file(cred, ca, GNUTLS_X509_FMT_PEM) <= 0) {
        fprintf(stderr, "ntpload: cannot load %s\n", ca);
        return -1;
    }
    gnutls_init(&s, GNUTLS_CLIENT);
    gnutls_priority_set_direct(s, "NORMAL:-VERS-ALL:+VERS-TLS1.3", NULL);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(s, GNUTLS_NAME_DNS, name, strlen(name));
    gnutls_session_set_verify_cert(s, name, 0);
    gnutls_datum_t alpn = {(unsigned char *)"ntske/1", 7};
    gnutls_alpn_set_protocols(s, &alpn, 1, 0);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* as chrony's client */
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int rc = -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
        gnutls_transport_set_int(s, fd);
        int r;
        do {
            r = gnutls_handshake(s);
        } while (r < 0 && !gnutls_error_is_fatal(r));
        static const uint8_t req[] = {0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 15, 0x80, 0, 0, 0};
        uint8_t resp[4096];
        size_t got = 0;
        if (r == 0 && gnutls_record_send(s, req, sizeof(req)) == (ssize_t)sizeof(req)) {
            ssize_t k;
            while ((k = gnutls_record_recv(s, resp + got, sizeof(resp) - got)) > 0) {
                got += (size_t)k;
            }
        } else {
            fprintf(stderr, "ntpload: NTS-KE handshake: %s\n", gnutls_strerror(r));
        }
        /* The first cookie record. */
        for (size_t pos = 0; pos + 4 <= got;) {
            unsigned t = (unsigned)(resp[pos] << 8 | resp[pos + 1]) & 0x7fff;
            size_t len = (size_t)(resp[pos + 2] << 8 | resp[pos + 3]);
            if (t == 5 && len <= sizeof(nts_cookie) && pos + 4 + len <= got) {
                rc = 0;
                if (keep) {
                    memcpy(nts_cookie, resp + pos + 4, len);
                    nts_cookie_len = len;
                }
                break;
            }
            pos += 4 + len;
        }
        if (rc == 0 && keep) {
            uint8_t ctx[5] = {0, 0, 0, 15, 0}, c2s[32];
            const char *label = "EXPORTER-network-time-security";
            rc = gnutls_prf_rfc5705(s, strlen(label), label, 5, (const char *)ctx, 32,
                                    (char *)c2s) < 0 ? -1 : 0;
            siv_cmac_aes128_set_key(&nts_c2s, c2s);
        }
        gnutls_bye(s, GNUTLS_SHUT_RDWR);
    }
    close(fd);
    gnutls_deinit(s);
    gnutls_certificate_free_credentials(cred);
    return rc;
}

/* NTS-KE handshakes one after another for SECONDS: prints handshakes per second. */
static int ke_bench(int port, double seconds, const char *ca, const char *name)
{
    int64_t start = now_ns(CLOCK_MONOTONIC), end = start + (int64_t)(seconds * 1e9);
    long ok = 0, failed = 0;
    while (now_ns(CLOCK_MONOTONIC) < end && ok + failed < 1000000) {
        if (nts_ke(port, ca, name, false) == 0) {
            ok++;
        } else {
            failed++;
        }
    }
    double elapsed = (double)(now_ns(CLOCK_MONOTONIC) - start) * 1e-9;
    printf("{\"mode\":\"ke\",\"handshakes\":%ld,\"failed\":%ld,\"handshakes_per_s\":%.0f}\n",
           ok, failed, (double)ok / elapsed);
    return failed > 0 && ok == 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "ke") == 0) {
        return ke_bench(atoi(argv[2]), atof(argv[3]), argv[4], argv[5]);
    }
    if (argc == 8 && strcmp(argv[5], "mac") == 0) {
        uint8_t key[16];
        for (int i = 0; i < 16; i++) {
            unsigned b;
            sscanf(argv[7] + 2 * i, "%2x", &b);
            key[i] = (uint8_t)b;
        }
        auth = AUTH_MAC;
        mac_keyid = (uint32_t)strtoul(argv[6], NULL, 10);
        cmac_aes128_set_key(&mac_key, key);
        auth_reply_len = 68;
        argc = 5;
    } else if (argc == 9 && strcmp(argv[5], "nts") == 0) {
        auth = AUTH_NTS;
        if (nts_ke(atoi(argv[6]), argv[7], argv[8], true) < 0) {
            fprintf(stderr, "ntpload: NTS-KE failed\n");
            return 1;
        }
        /* Header, unique identifier, an authenticator holding one new cookie. */
        auth_reply_len = 48 + 36 + 8 + 16 + 16 + 4 + nts_cookie_len;
        argc = 5;
    }
    if (argc != 5) {
        fprintf(stderr, "usage: ntpload closed|open PORT SECONDS OUTSTANDING|RATE "
                        "[mac KEYID HEX | nts KEPORT CAFILE NAME]\n"
                        "       ntpload ke KEPORT SECONDS CAFILE NAME\n");
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
