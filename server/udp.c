/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * udp: the NTP server's I/O shell. Per packet: count, allow/deny (a denied packet costs one
 * counter), client table and rate limit, srv_handle() on the kernel's receive timestamp, then
 * the transmit timestamp read as late as possible, just before the batch is sent.
 *
 * Default (`fastpath on`, `workers 1`): recvmmsg/sendmmsg batches in the event loop's thread.
 * `fastpath off`: recvmsg/sendmsg only, what a libc-intercepting simulator supports.
 * `workers N` > 1: N threads, each with its own SO_REUSEPORT sockets (the kernel spreads the
 * clients by 4-tuple, so a flooder stays on one worker and its rate limit holds).
 */
#include "server/udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clk.h"
#include "common/ev.h"
#include "common/log.h"
#include "common/ntime.h"
#include "common/sockts.h"
#include "server/acl.h"
#include "server/clientlog.h"
#include "server/nts_keys.h"

#define BATCH 32
#define MAX_SOCKS (UDP_MAX_BIND > 2 ? UDP_MAX_BIND : 2)
#define MAX_WORKERS 64
#define RX_BUF 1024
#define CMSG_BUF 256
/* The control buffers are read and written through struct cmsghdr (CMSG_FIRSTHDR hands back
 * the buffer itself), so each row must be aligned for it, which a byte array is not by itself.
 * Its place in struct worker happens to be 8-aligned (the byte arrays before it are multiples of
 * 8 long); another batch or buffer size would make it odd: undefined behaviour that x86 and
 * AArch64 loads tolerate, but not 32-bit ARM's ldrd/ldm. */
_Static_assert(CMSG_BUF % _Alignof(struct cmsghdr) == 0, "each cmsg row stays aligned");

struct usock {
    int fd;
    int family;
    bool wildcard;   /* replies need the request's destination address (IP_PKTINFO) */
};

struct worker {
    struct usock socks[MAX_SOCKS];
    int n_socks;
    struct clientlog *clients;
    pthread_mutex_t clients_lock; /* taken once per batch, and by udp_get_clients */
    struct srv_counters counters; /* written by this worker only, read relaxed by others */
    pthread_t thread;
    bool threaded;
    bool plain;      /* recvmmsg/sendmmsg failed here once: recvmsg/sendmsg from then on */
    /* batch buffers */
    struct mmsghdr rx_msgs[BATCH];
    struct iovec rx_iov[BATCH];
    struct sockaddr_storage rx_addr[BATCH];
    uint8_t rx_buf[BATCH][RX_BUF];
    _Alignas(struct cmsghdr) uint8_t rx_cmsg[BATCH][CMSG_BUF];
    struct mmsghdr tx_msgs[BATCH];
    struct iovec tx_iov[BATCH];
    uint8_t tx_buf[BATCH][RX_BUF];    /* an authenticated reply is as long as its request */
    _Alignas(struct cmsghdr) uint8_t tx_cmsg[BATCH][CMSG_BUF];
    struct srv_seal seal[BATCH];
    /* Authentication: this worker's view of the NTS cookie keys and its random bytes. */
    struct srv_auth auth;
    struct ntsk_cache nts_cache;
    uint8_t rnd[512];
    size_t rnd_pos;
};

static struct {
    struct clk *clk;
    const struct keytab *keys;
    bool nts;
    struct acl *acl;
    bool fastpath;
    int n_workers;
    struct worker *workers;
    atomic_bool stopping;
} udp;

/* Single-writer counters: a relaxed load and store (a plain add, no locked instruction). */
#define COUNT(w, field) __atomic_store_n(&(w)->counters.field, (w)->counters.field + 1, __ATOMIC_RELAXED)

static void worker_random(void *arg, uint8_t *buf, size_t len);

static int open_socket(const struct sockaddr *sa, socklen_t len, bool reuseport, bool wildcard)
{
    char name[INET6_ADDRSTRLEN + 8];
    uint16_t port = sa->sa_family == AF_INET ? ntohs(((const struct sockaddr_in *)sa)->sin_port)
                                             : ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    const void *a = sa->sa_family == AF_INET
                        ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
                        : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
    inet_ntop(sa->sa_family, a, name, sizeof(name));

    /* No type flags on socket(): clknetsim does not intercept them; fcntl instead. */
    int fd = socket(sa->sa_family, SOCK_DGRAM, 0);
    if (fd < 0) {
        int e = errno;
        log_warn("udp: socket for %s", name);
        /* The family is missing (a host without IPv6, a simulator with one family): the
         * caller decides whether serving without it is acceptable. */
        return e == EAFNOSUPPORT || e == EINVAL || e == EPROTONOSUPPORT ? -EAFNOSUPPORT : -e;
    }
    int one = 1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    /* No SO_REUSEADDR: a second daemon on the same port must fail to bind, not share it.
     * Workers need SO_REUSEPORT (the kernel then only lets the same user share the port). */
    if (reuseport) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    }
    if (sa->sa_family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    if (wildcard) {
        if (sa->sa_family == AF_INET) {
            setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
        } else {
            setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
        }
    }
    if (!sockts_enable(fd, false)) {
        log_warn("udp: no kernel receive timestamps on %s: the clock is read instead", name);
    }
    if (bind(fd, sa, len) < 0) {
        int e = errno;
        log_err("udp: cannot bind %s%s%s:%u: %s", sa->sa_family == AF_INET6 ? "[" : "", name,
                sa->sa_family == AF_INET6 ? "]" : "", port, strerror(e));
        close(fd);
        return -e;
    }
    /* The port actually bound (`port 0` lets the kernel choose: say which). */
    struct sockaddr_storage got;
    socklen_t got_len = sizeof(got);
    if (getsockname(fd, (struct sockaddr *)&got, &got_len) == 0) {
        port = got.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&got)->sin_port)
                                        : ntohs(((struct sockaddr_in6 *)&got)->sin6_port);
    }
    log_info("udp: serving on %s%s%s:%u", sa->sa_family == AF_INET6 ? "[" : "", name,
             sa->sa_family == AF_INET6 ? "]" : "", port);
    return fd;
}

static int open_worker_sockets(struct worker *w, const struct udp_params *up, bool reuseport)
{
    struct sockaddr_storage ss;
    if (up->n_bind == 0) {
        struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)up->port)};
        struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)up->port),
                                  .sin6_addr = IN6ADDR_ANY_INIT};
        /* Both wildcards; a family the host lacks is a warning, as long as one works. A
         * bind failure (port taken, no permission) stays fatal. */
        int fd4 = open_socket((struct sockaddr *)&v4, sizeof(v4), reuseport, true);
        if (fd4 >= 0) {
            w->socks[w->n_socks++] = (struct usock){.fd = fd4, .family = AF_INET, .wildcard = true};
        } else if (fd4 != -EAFNOSUPPORT && fd4 != -EADDRNOTAVAIL) {
            return fd4;
        }
        int fd6 = open_socket((struct sockaddr *)&v6, sizeof(v6), reuseport, true);
        if (fd6 >= 0) {
            w->socks[w->n_socks++] = (struct usock){.fd = fd6, .family = AF_INET6, .wildcard = true};
        } else if (fd6 != -EAFNOSUPPORT && fd6 != -EADDRNOTAVAIL) {
            return fd6;
        }
        if (w->n_socks == 0) {
            log_err("udp: neither IPv4 nor IPv6 is available");
            return -EAFNOSUPPORT;
        }
        if (fd4 < 0 || fd6 < 0) {
            log_warnx("udp: serving %s only", fd4 < 0 ? "IPv6" : "IPv4");
        }
        return 0;
    }
    for (int i = 0; i < up->n_bind; i++) {
        memcpy(&ss, &up->bind[i].addr, sizeof(ss));
        bool wildcard;
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
            v4->sin_port = htons((uint16_t)up->port);
            wildcard = v4->sin_addr.s_addr == htonl(INADDR_ANY);
        } else {
            struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
            v6->sin6_port = htons((uint16_t)up->port);
            wildcard = IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr);
        }
        int fd = open_socket((struct sockaddr *)&ss, up->bind[i].addrlen, reuseport, wildcard);
        if (fd < 0) {
            return fd;
        }
        w->socks[w->n_socks++] = (struct usock){.fd = fd, .family = ss.ss_family, .wildcard = wildcard};
    }
    return 0;
}

void udp_params_defaults(struct udp_params *p)
{
    memset(p, 0, sizeof(*p));
    p->port = 123;
    p->rl_interval = 3;
    p->rl_burst = 8;
    p->rl_leak = 2;
    p->clientloglimit = 4096;
    p->workers = 1;
    p->fastpath = true;
}

int udp_open(const struct udp_params *up, struct clk *clk)
{
    udp.clk = clk;
    udp.keys = up->keys;
    udp.nts = up->nts;
    udp.fastpath = up->fastpath;
    udp.n_workers = up->fastpath ? up->workers : 1;
    if (udp.n_workers > MAX_WORKERS) {
        udp.n_workers = MAX_WORKERS;
    }
    udp.acl = acl_create(up->acl, (size_t)up->n_acl);
    udp.workers = calloc((size_t)udp.n_workers, sizeof(*udp.workers));
    if (udp.acl == NULL || udp.workers == NULL) {
        return -ENOMEM;
    }
    if (up->n_acl == 0) {
        log_warnx("udp: no allow directive: NTP requests from every client will be ignored");
    }
    struct cl_params rl = {.interval_log2 = up->rl_interval, .burst = up->rl_burst,
                               .leak_log2 = up->rl_leak};
    uint64_t seed = (uint64_t)clk_now_mono(clk) * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
    for (int i = 0; i < udp.n_workers; i++) {
        struct worker *w = &udp.workers[i];
        pthread_mutex_init(&w->clients_lock, NULL);
        w->auth.keys = udp.keys;
        w->auth.random = worker_random;
        w->auth.random_arg = w;
        w->rnd_pos = sizeof(w->rnd);
        w->clients = cl_create((size_t)up->clientloglimit / (size_t)udp.n_workers,
                               up->ratelimit ? &rl : NULL, seed + (uint64_t)i);
        if (w->clients == NULL) {
            return -ENOMEM;
        }
        int rc = open_worker_sockets(w, up, udp.n_workers > 1);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* NTS nonces: the kernel's CSPRNG, read a buffer at a time (one call per several replies). */
static void worker_random(void *arg, uint8_t *buf, size_t len)
{
    struct worker *w = arg;
    while (len > 0) {
        if (w->rnd_pos == sizeof(w->rnd)) {
            size_t got = 0;
            while (got < sizeof(w->rnd)) {
                ssize_t r = getrandom(w->rnd + got, sizeof(w->rnd) - got, 0);
                if (r > 0) {
                    got += (size_t)r;
                } else if (r < 0 && errno != EINTR) {
                    /* Not expected once the pool is initialized (ENOSYS on an ancient
                     * kernel): logged. AES-SIV survives a repeated nonce (it then only shows
                     * that two plaintexts were equal), so serving goes on. */
                    log_warn("udp: getrandom");
                    break;
                }
            }
            w->rnd_pos = 0;
        }
        size_t n = sizeof(w->rnd) - w->rnd_pos < len ? sizeof(w->rnd) - w->rnd_pos : len;
        memcpy(buf, w->rnd + w->rnd_pos, n);
        memset(w->rnd + w->rnd_pos, 0, n);
        w->rnd_pos += n;
        buf += n;
        len -= n;
    }
}

/* Copy the request's destination address into the reply's control data, so a wildcard socket
 * answers from the address the client asked. Returns the control length. */
static size_t reply_pktinfo(struct msghdr *rx, uint8_t *buf)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(rx); c != NULL; c = CMSG_NXTHDR(rx, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            pi.ipi_spec_dst = pi.ipi_addr;
            pi.ipi_ifindex = 0;
            struct cmsghdr *o = (struct cmsghdr *)buf;
            o->cmsg_level = IPPROTO_IP;
            o->cmsg_type = IP_PKTINFO;
            o->cmsg_len = CMSG_LEN(sizeof(pi));
            memcpy(CMSG_DATA(o), &pi, sizeof(pi));
            return CMSG_SPACE(sizeof(pi));
        }
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            struct cmsghdr *o = (struct cmsghdr *)buf;
            o->cmsg_level = IPPROTO_IPV6;
            o->cmsg_type = IPV6_PKTINFO;
            o->cmsg_len = CMSG_LEN(sizeof(pi));
            memcpy(CMSG_DATA(o), &pi, sizeof(pi));
            return CMSG_SPACE(sizeof(pi));
        }
    }
    return 0;
}

/* Decide about one received message; fills tx slot *n_tx when there is a reply. */
static void handle_one(struct worker *w, struct usock *s, struct msghdr *mh, size_t len,
                       const struct rst_state *st, int64_t fallback_rx_ns, int *n_tx)
{
    COUNT(w, received);
    const struct sockaddr *from = mh->msg_name;
    if (!acl_allows(udp.acl, from)) {
        COUNT(w, denied);
        return;
    }
    enum cl_verdict v = cl_record(w->clients, from, clk_now_mono(udp.clk));
    if (v == CL_DROP) {
        COUNT(w, ratelimited);
        return;
    }
    uint8_t *req = mh->msg_iov[0].iov_base;
    int i = *n_tx;
    size_t reply_len;
    if (mh->msg_flags & MSG_TRUNC) {
        COUNT(w, dropped[SRV_DROP_SHORT]);
        return;
    }
    if (v == CL_KOD) {
        w->seal[i].authn = SRV_AUTHN_NONE;
        COUNT(w, ratelimited);
        reply_len = srv_kod_rate(req, len, w->tx_buf[i], sizeof(w->tx_buf[i]));
        if (reply_len == 0) {
            return;
        }
        COUNT(w, kod_sent);
    } else {
        int64_t sys_rx = sockts_rx(mh);
        int64_t rx_ns = sys_rx >= 0 ? clk_from_sys(udp.clk, sys_rx) : fallback_rx_ns;
        enum srv_drop why;
        w->auth.cookies = udp.nts ? ntsk_get(&w->nts_cache) : NULL;
        /* Never longer than the request: the buffer's size as cap would allow more. */
        reply_len = srv_handle_auth(st, &w->auth, req, len, rx_ns, w->tx_buf[i],
                                    sizeof(w->tx_buf[i]), &w->seal[i], &why);
        if (reply_len == 0) {
            COUNT(w, dropped[why]);
            return;
        }
        COUNT(w, answered);
        switch (w->seal[i].authn) {
        case SRV_AUTHN_NONE: break;
        case SRV_AUTHN_MAC: COUNT(w, auth_mac_answered); break;
        case SRV_AUTHN_CRYPTO_NAK: COUNT(w, auth_crypto_naks); break;
        case SRV_AUTHN_NTS: COUNT(w, nts_answered); break;
        case SRV_AUTHN_NTS_NAK: COUNT(w, nts_naks); break;
        }
    }
    struct msghdr *out = &w->tx_msgs[i].msg_hdr;
    w->tx_iov[i] = (struct iovec){.iov_base = w->tx_buf[i], .iov_len = reply_len};
    *out = (struct msghdr){.msg_name = mh->msg_name, .msg_namelen = mh->msg_namelen,
                           .msg_iov = &w->tx_iov[i], .msg_iovlen = 1};
    if (s->wildcard) {
        size_t clen = reply_pktinfo(mh, w->tx_cmsg[i]);
        if (clen > 0) {
            out->msg_control = w->tx_cmsg[i];
            out->msg_controllen = clen;
        }
    }
    (*n_tx)++;
}

static void prepare_rx(struct worker *w, int i)
{
    w->rx_iov[i] = (struct iovec){.iov_base = w->rx_buf[i], .iov_len = RX_BUF};
    w->rx_msgs[i].msg_hdr = (struct msghdr){
        .msg_name = &w->rx_addr[i], .msg_namelen = sizeof(w->rx_addr[i]),
        .msg_iov = &w->rx_iov[i], .msg_iovlen = 1,
        .msg_control = w->rx_cmsg[i], .msg_controllen = CMSG_BUF};
}

/* Errors that say nothing about whether the call itself works. */
static bool transient(int e)
{
    return e == EAGAIN || e == EWOULDBLOCK || e == EINTR || e == ENOBUFS || e == ENOMEM ||
           e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH || e == EPERM;
}

/* The batch calls are refused (an old kernel, a seccomp policy, a libc-intercepting
 * simulator that knows only recvmsg/sendmsg): serve one packet at a time instead of failing
 * every reply. Counted and logged once per worker. */
static void fall_back(struct worker *w, const char *call)
{
    int e = errno;
    if (!w->plain) {
        log_warnx("udp: %s failed (%s): falling back to one packet per call", call,
                  strerror(e));
    }
    w->plain = true;
    COUNT(w, batch_fallbacks);
}

/* Serve what is waiting on one socket: at most a few batches, so other fds get a turn. */
static void serve_socket(struct worker *w, struct usock *s)
{
    for (int round = 0; round < 8; round++) {
        int n;
        bool batch = udp.fastpath && !w->plain;
        int want = batch ? BATCH : 1;
        for (int i = 0; i < want; i++) {
            prepare_rx(w, i);
        }
        if (batch) {
            n = recvmmsg(s->fd, w->rx_msgs, BATCH, MSG_DONTWAIT, NULL);
            if (n < 0 && !transient(errno)) {
                fall_back(w, "recvmmsg");
                continue;
            }
        } else {
            ssize_t r = recvmsg(s->fd, &w->rx_msgs[0].msg_hdr, MSG_DONTWAIT);
            if (r >= 0) {
                w->rx_msgs[0].msg_len = (unsigned)r;
            }
            n = r < 0 ? -1 : 1;
        }
        if (n <= 0) {
            return;
        }
        /* Read once per batch: used only when a packet lacks a kernel timestamp. */
        int64_t fallback_rx_ns = clk_now(udp.clk);
        struct rst_state st;
        rst_read(&st);
        int n_tx = 0;
        pthread_mutex_lock(&w->clients_lock);
        for (int i = 0; i < n; i++) {
            handle_one(w, s, &w->rx_msgs[i].msg_hdr, w->rx_msgs[i].msg_len, &st,
                       fallback_rx_ns, &n_tx);
        }
        pthread_mutex_unlock(&w->clients_lock);
        /* Transmit timestamps last, one clock read each, right before the send. */
        for (int i = 0; i < n_tx; i++) {
            srv_set_tx(w->tx_buf[i], clk_now(udp.clk));
            srv_seal(&w->seal[i], w->tx_buf[i], w->tx_iov[i].iov_len);
        }
        int sent = 0;
        if (batch && n_tx > 0) {
            sent = sendmmsg(s->fd, w->tx_msgs, (unsigned)n_tx, MSG_DONTWAIT);
            if (sent < 0 && !transient(errno)) {
                fall_back(w, "sendmmsg");
                sent = 0; /* nothing went out: the loop below sends it all */
            } else {
                for (int i = sent < 0 ? 0 : sent; i < n_tx; i++) {
                    COUNT(w, send_errors);
                }
                sent = n_tx;
            }
        }
        for (int i = sent; i < n_tx; i++) {
            if (sendmsg(s->fd, &w->tx_msgs[i].msg_hdr, MSG_DONTWAIT) < 0) {
                COUNT(w, send_errors);
            }
        }
        if (n < want) {
            return;
        }
    }
}

static void on_readable(int fd, short revents, void *arg)
{
    (void)revents;
    struct worker *w = arg;
    for (int i = 0; i < w->n_socks; i++) {
        if (w->socks[i].fd == fd) {
            serve_socket(w, &w->socks[i]);
            return;
        }
    }
}

/* Worker threads: their own small poll loop; they only read the published state. */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct pollfd pfds[MAX_SOCKS];
    for (int i = 0; i < w->n_socks; i++) {
        pfds[i] = (struct pollfd){.fd = w->socks[i].fd, .events = POLLIN};
    }
    while (!atomic_load_explicit(&udp.stopping, memory_order_relaxed)) {
        int n = poll(pfds, (nfds_t)w->n_socks, 200);
        for (int i = 0; n > 0 && i < w->n_socks; i++) {
            if (pfds[i].revents != 0) {
                serve_socket(w, &w->socks[i]);
            }
        }
    }
    return NULL;
}

int udp_start(void)
{
    if (udp.n_workers == 1) {
        struct worker *w = &udp.workers[0];
        for (int i = 0; i < w->n_socks; i++) {
            int rc = ev_add_fd(w->socks[i].fd, POLLIN, on_readable, w);
            if (rc < 0) {
                return rc;
            }
        }
        return 0;
    }
    for (int i = 0; i < udp.n_workers; i++) {
        struct worker *w = &udp.workers[i];
        int rc = pthread_create(&w->thread, NULL, worker_main, w);
        if (rc != 0) {
            errno = rc;
            log_warn("udp: cannot start worker %d", i);
            return -rc;
        }
        w->threaded = true;
    }
    log_info("udp: %d worker threads", udp.n_workers);
    return 0;
}

void udp_stop(void)
{
    atomic_store(&udp.stopping, true);
    for (int i = 0; i < udp.n_workers; i++) {
        struct worker *w = &udp.workers[i];
        if (w->threaded) {
            pthread_join(w->thread, NULL);
        }
        for (int j = 0; j < w->n_socks; j++) {
            if (!w->threaded) {
                ev_del_fd(w->socks[j].fd);
            }
            close(w->socks[j].fd);
        }
        cl_destroy(w->clients);
    }
    free(udp.workers);
    udp.workers = NULL;
    udp.n_workers = 0;
    acl_destroy(udp.acl);
    udp.acl = NULL;
}

void udp_get_counters(struct srv_counters *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < udp.n_workers; i++) {
        const struct srv_counters *c = &udp.workers[i].counters;
#define SUM(field) out->field += __atomic_load_n(&c->field, __ATOMIC_RELAXED)
        SUM(received);
        SUM(answered);
        SUM(denied);
        SUM(ratelimited);
        SUM(kod_sent);
        SUM(send_errors);
        SUM(batch_fallbacks);
        SUM(auth_mac_answered);
        SUM(auth_crypto_naks);
        SUM(nts_answered);
        SUM(nts_naks);
        for (int d = 0; d < SRV_DROP__COUNT; d++) {
            SUM(dropped[d]);
        }
#undef SUM
    }
}

size_t udp_get_clients_tracked(void)
{
    size_t n = 0;
    for (int i = 0; i < udp.n_workers; i++) {
        struct worker *w = &udp.workers[i];
        pthread_mutex_lock(&w->clients_lock);
        n += cl_used(w->clients);
        pthread_mutex_unlock(&w->clients_lock);
    }
    return n;
}

size_t udp_get_clients(struct udp_client_stat *out, size_t max)
{
    struct cl_entry top[64];
    size_t n = 0;
    int64_t now = clk_now_mono(udp.clk);
    if (max > 64) {
        max = 64;
    }
    for (int i = 0; i < udp.n_workers; i++) {
        struct worker *w = &udp.workers[i];
        pthread_mutex_lock(&w->clients_lock);
        size_t k = cl_top(w->clients, top, max);
        pthread_mutex_unlock(&w->clients_lock);
        for (size_t j = 0; j < k; j++) {
            /* Keep the max busiest over all workers: insertion by request count. */
            size_t pos = n < max ? n : max - 1;
            if (n == max && top[j].requests <= out[max - 1].requests) {
                continue;
            }
            while (pos > 0 && out[pos - 1].requests < top[j].requests) {
                out[pos] = out[pos - 1];
                pos--;
            }
            struct udp_client_stat *o = &out[pos];
            inet_ntop(top[j].family, top[j].addr, o->addr, sizeof(o->addr));
            o->requests = top[j].requests;
            o->dropped = top[j].drops;
            o->kod_sent = top[j].kods;
            o->last_seen_ago_ns = now - top[j].last_seen_ns;
            if (n < max) {
                n++;
            }
        }
    }
    return n;
}
