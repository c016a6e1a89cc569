/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntpc: see ntpc.h. One request in flight per source; a reply is matched by its origin
 * (ntpc_proto), so anything else arriving on the socket is a counted drop. The socket is
 * connected: the kernel then hands us only the source's packets, and an ICMP "port
 * unreachable" shows up as ECONNREFUSED, which is just an unanswered request.
 */
#include "drivers/ntpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <nettle/md5.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/keys.h"
#include "common/log.h"
#include "common/ntime.h"
#include "common/ntp_wire.h"
#include "common/sockts.h"
#include "drivers/ntpc_filter.h"
#include "drivers/ntpc_poll.h"

#define PKT_MAX 1024
#define ADDR_CHECK_NS (60 * NT_NS_PER_S) /* our own addresses are looked up again after */
#define RESOLVE_RETRY_NS (30 * NT_NS_PER_S)
#define MIN_DELAY_NS NT_NS_PER_MS
#define MAX_ADDRS 32

struct ntpc {
    int fd;
    bool peer;
    struct ntpc_assoc assoc;
    struct ntpc_filter filter;
    struct ntpc_poll poll;
    int minpoll, maxpoll;
    bool iburst;
    const struct key *key;
    char host[256];
    char port[8];
    struct sockaddr_storage addr;
    socklen_t addr_len;
    bool resolved;
    struct gaicb gai;         /* a hostname being resolved in the background */
    struct gaicb *gai_list[1];
    bool resolving;
    int64_t resolve_at_mono;
    uint32_t tx_counter;      /* packets sent since the socket was opened (OPT_ID) */
    uint32_t tx_id[2];        /* the counters of the last two requests ... */
    uint64_t tx_field[2];     /* ... and their transmit fields */
    /* the last reply, for the status */
    int stratum;
    uint32_t refid;
    double delay_s;
    bool had_sample;
    /* our IPv4 addresses, for the loop check */
    uint32_t own[MAX_ADDRS];
    int n_own;
    int64_t own_at_mono;
};

/* --- options ------------------------------------------------------------------------- */

static const struct drv_option options[] = {
    {"port", false},    {"iburst", true}, {"minpoll", false}, {"maxpoll", false},
    {"xleave", true},   {"key", false},   {"version", false}, {NULL, false},
};

static bool int_in(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        return false;
    }
    *out = v;
    return true;
}

static const char *opt_of(const struct drv_optval *opts, int n, const char *key)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(opts[i].key, key) == 0) {
            return opts[i].value;
        }
    }
    return NULL;
}

static const char *drv_check(const char *param, const struct drv_optval *opts, int n_opts)
{
    long v, minp = NTPC_MINPOLL_DEFAULT, maxp = NTPC_MAXPOLL_DEFAULT;
    const char *s;
    if (param[0] == '\0' || strlen(param) > 253) {
        return "expected an address or a host name";
    }
    if ((s = opt_of(opts, n_opts, "port")) != NULL && !int_in(s, 1, 65535, &v)) {
        return "port: expected 1..65535";
    }
    if ((s = opt_of(opts, n_opts, "minpoll")) != NULL &&
        !int_in(s, NTPC_POLL_LIMIT_MIN, NTPC_POLL_LIMIT_MAX, &minp)) {
        return "minpoll: expected 0..17 (log2 seconds)";
    }
    if ((s = opt_of(opts, n_opts, "maxpoll")) != NULL &&
        !int_in(s, NTPC_POLL_LIMIT_MIN, NTPC_POLL_LIMIT_MAX, &maxp)) {
        return "maxpoll: expected 0..17 (log2 seconds)";
    }
    if (maxp < minp) {
        return "maxpoll is below minpoll";
    }
    if ((s = opt_of(opts, n_opts, "version")) != NULL && !int_in(s, 3, 4, &v)) {
        return "version: expected 3 or 4";
    }
    if ((s = opt_of(opts, n_opts, "key")) != NULL && !int_in(s, 1, 4294967295L, &v)) {
        return "key: expected a key number 1..4294967295";
    }
    return NULL;
}

/* --- addresses ----------------------------------------------------------------------- */

static void set_addr(struct ntpc *c, const struct addrinfo *ai)
{
    memcpy(&c->addr, ai->ai_addr, ai->ai_addrlen);
    c->addr_len = ai->ai_addrlen;
    c->resolved = true;
}

/* A literal address is taken at once; a name is resolved in the background (getaddrinfo_a)
 * so a missing DNS server never stalls the loop that serves time. */
static int resolve_start(struct drv_src *src)
{
    struct ntpc *c = drv_priv(src);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM,
                             .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    if (getaddrinfo(c->host, c->port, &hints, &res) == 0) {
        set_addr(c, res);
        freeaddrinfo(res);
        return 0;
    }
    static const struct addrinfo name_hints = {.ai_family = AF_UNSPEC,
                                               .ai_socktype = SOCK_DGRAM,
                                               .ai_flags = AI_NUMERICSERV};
    memset(&c->gai, 0, sizeof(c->gai));
    c->gai.ar_name = c->host;
    c->gai.ar_service = c->port;
    c->gai.ar_request = &name_hints;
    c->gai_list[0] = &c->gai;
    if (getaddrinfo_a(GAI_NOWAIT, c->gai_list, 1, NULL) != 0) {
        return -EAGAIN;
    }
    c->resolving = true;
    return 0;
}

/* Whether the background lookup has finished: 1 resolved, 0 still running, -1 failed. */
static int resolve_poll(struct drv_src *src)
{
    struct ntpc *c = drv_priv(src);
    int r = gai_error(&c->gai);
    if (r == EAI_INPROGRESS) {
        return 0;
    }
    c->resolving = false;
    if (r != 0 || c->gai.ar_result == NULL) {
        log_warnx("%s: cannot resolve %s: %s; trying again in %d s", drv_name(src), c->host,
                  gai_strerror(r), (int)(RESOLVE_RETRY_NS / NT_NS_PER_S));
        if (c->gai.ar_result != NULL) {
            freeaddrinfo(c->gai.ar_result);
        }
        return -1;
    }
    set_addr(c, c->gai.ar_result);
    freeaddrinfo(c->gai.ar_result);
    char buf[INET6_ADDRSTRLEN] = "?";
    const void *a = c->addr.ss_family == AF_INET
                        ? (const void *)&((struct sockaddr_in *)&c->addr)->sin_addr
                        : (const void *)&((struct sockaddr_in6 *)&c->addr)->sin6_addr;
    inet_ntop(c->addr.ss_family, a, buf, sizeof(buf));
    log_info("%s: %s is %s", drv_name(src), c->host, buf);
    return 1;
}

/* This host's IPv4 addresses, refreshed once a minute (interfaces come and go). */
static void refresh_own(struct ntpc *c, int64_t mono)
{
    if (c->own_at_mono != 0 && mono - c->own_at_mono < ADDR_CHECK_NS) {
        return;
    }
    c->own_at_mono = mono;
    struct ifaddrs *ifa = NULL;
    if (getifaddrs(&ifa) != 0) {
        return;
    }
    c->n_own = 0;
    for (struct ifaddrs *i = ifa; i != NULL && c->n_own < MAX_ADDRS; i = i->ifa_next) {
        if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET) {
            c->own[c->n_own++] = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
        }
    }
    freeifaddrs(ifa);
}

static bool is_own(struct ntpc *c, uint32_t refid, int64_t mono)
{
    refresh_own(c, mono);
    for (int i = 0; i < c->n_own; i++) {
        if (c->own[i] == refid) {
            return true;
        }
    }
    return false;
}

/* --- socket -------------------------------------------------------------------------- */

static int open_socket(struct drv_src *src)
{
    struct ntpc *c = drv_priv(src);
    /* Flags set with fcntl rather than in socket()'s type: the simulator refuses those. */
    int fd = socket(c->addr.ss_family, SOCK_DGRAM, 0);
    if (fd < 0) {
        return -errno;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (!sockts_enable(fd, true)) {
        log_info("%s: no kernel timestamps: the clock is read at receive", drv_name(src));
    }
    /* A transmit stamp queued also raises POLLPRI (as chrony waits for it), not only
     * POLLERR: the simulator reports only the former. */
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_SELECT_ERR_QUEUE, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&c->addr, c->addr_len) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    int r = drv_watch_fd(src, fd);
    if (r < 0) {
        close(fd);
        return r;
    }
    c->fd = fd;
    c->tx_counter = 0;
    return 0;
}

static int drv_open(struct drv_src *src)
{
    struct ntpc *c = drv_priv(src);
    c->fd = -1;
    c->peer = src->drv == &drv_ntp_peer;
    const char *s;
    long v;
    snprintf(c->host, sizeof(c->host), "%s", drv_param(src));
    snprintf(c->port, sizeof(c->port), "%s",
             (s = drv_option(src, "port")) != NULL ? s : "123");
    c->minpoll = (s = drv_option(src, "minpoll")) != NULL && int_in(s, 0, 17, &v)
                     ? (int)v : NTPC_MINPOLL_DEFAULT;
    c->maxpoll = (s = drv_option(src, "maxpoll")) != NULL && int_in(s, 0, 17, &v)
                     ? (int)v : NTPC_MAXPOLL_DEFAULT;
    if (c->maxpoll < c->minpoll) {
        c->maxpoll = c->minpoll;
    }
    c->iburst = drv_option(src, "iburst") != NULL;
    c->key = NULL;
    if ((s = drv_option(src, "key")) != NULL && int_in(s, 1, 4294967295L, &v)) {
        c->key = src->keys != NULL ? keytab_find(src->keys, (uint32_t)v) : NULL;
        if (c->key == NULL) {
            log_warnx("%s: key %ld is not in the key file", drv_name(src), v);
            return -ENOKEY;
        }
    }
    memset(&c->assoc, 0, sizeof(c->assoc));
    c->assoc.mode = c->peer ? NTPC_MODE_PEER : NTPC_MODE_CLIENT;
    c->assoc.version = (s = drv_option(src, "version")) != NULL && strcmp(s, "3") == 0 ? 3 : 4;
    c->assoc.xleave = drv_option(src, "xleave") != NULL && !c->peer;
    struct ntpc_self self;
    drv_get_self(src, &self);
    c->assoc.precision = self.precision;
    ntpc_filter_reset(&c->filter);
    c->stratum = 0;
    c->delay_s = NAN;
    int64_t mono = clk_now_mono(drv_clock(src));
    ntpc_poll_start(&c->poll, c->minpoll, c->maxpoll, c->iburst, mono);
    if (!c->resolved) {
        int r = resolve_start(src);
        if (r < 0) {
            return r;
        }
    }
    return c->resolved ? open_socket(src) : 0;
}

static void drv_close(struct drv_src *src)
{
    struct ntpc *c = drv_priv(src);
    if (c == NULL) {
        return;
    }
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    if (c->resolving) {
        gai_cancel(&c->gai);
        if (gai_error(&c->gai) == 0 && c->gai.ar_result != NULL) {
            freeaddrinfo(c->gai.ar_result);
        }
        c->resolving = false;
    }
}

/* --- requests ------------------------------------------------------------------------ */

static void send_request(struct drv_src *src, int64_t mono)
{
    struct ntpc *c = drv_priv(src);
    struct clk *clk = drv_clock(src);
    uint8_t pkt[NTPC_PKT_LEN + 4 + KEY_MAX_MAC_LEN];
    uint64_t cookie = 0;
    if (getrandom(&cookie, sizeof(cookie), GRND_NONBLOCK) != (ssize_t)sizeof(cookie)) {
        cookie = (uint64_t)clk_now(clk) * 0x9e3779b97f4a7c15ULL; /* never on Linux >= 3.17 */
    }
    struct ntpc_self self;
    drv_get_self(src, &self);
    int64_t now = clk_now(clk);
    size_t len = ntpc_request(&c->assoc, &self, (int8_t)c->poll.poll, now, cookie, pkt,
                              sizeof(pkt));
    if (c->key != NULL) {
        ntw_put32(pkt + len, c->key->id);
        key_mac(c->key, pkt, len, pkt + len + 4);
        len += 4 + c->key->mac_len;
    }
    ntpc_poll_sent(&c->poll, mono);
    if (send(c->fd, pkt, len, 0) < 0) {
        log_debug("%s: send: %s", drv_name(src), strerror(errno));
        return;
    }
    c->tx_id[1] = c->tx_id[0];
    c->tx_field[1] = c->tx_field[0];
    c->tx_id[0] = c->tx_counter++;
    c->tx_field[0] = c->assoc.tx_field;
}

/* The kernel's transmit stamps of our requests: T1 as the packet left, not as we read the
 * clock before building it. */
static void read_tx_stamps(struct drv_src *src)
{
    struct ntpc *c = drv_priv(src);
    int64_t sys;
    uint32_t id;
    while (sockts_read_tx(c->fd, &sys, &id) == 1) {
        for (int i = 0; i < 2; i++) {
            if (c->tx_field[i] != 0 && c->tx_id[i] == id) {
                int64_t t = clk_from_sys(drv_clock(src), sys);
                log_debug("%s: kernel transmit stamp %+.0f ns after our reading", drv_name(src),
                          (double)(t - c->assoc.tx_ns));
                ntpc_set_tx_time(&c->assoc, c->tx_field[i], t);
            }
        }
    }
}

static int drv_poll(struct drv_src *src)
{
    struct ntpc *c = drv_priv(src);
    int64_t mono = clk_now_mono(drv_clock(src));
    if (c->resolving) {
        int r = resolve_poll(src);
        if (r < 0) {
            c->resolve_at_mono = mono + RESOLVE_RETRY_NS;
        } else if (r > 0) {
            int e = open_socket(src);
            if (e < 0) {
                return e;
            }
        }
        return 0;
    }
    if (!c->resolved) {
        if (mono >= c->resolve_at_mono && resolve_start(src) < 0) {
            c->resolve_at_mono = mono + RESOLVE_RETRY_NS;
        }
        return 0;
    }
    if (c->fd < 0 || !ntpc_poll_due(&c->poll, mono)) {
        return 0;
    }
    if (c->poll.state == NTPC_POLL_DENIED) {
        return 0;
    }
    send_request(src, mono);
    if (!ntpc_poll_reachable(&c->poll) && c->poll.last_sent_ns != 0 && c->stratum != 0) {
        drv_set_state(src, DRV_STATE_NO_DATA);
    }
    return 0;
}

static int64_t drv_poll_delay(struct drv_src *src)
{
    struct ntpc *c = drv_priv(src);
    if (c->resolving || !c->resolved || c->fd < 0) {
        return 100 * NT_NS_PER_MS;
    }
    int64_t next = ntpc_poll_next(&c->poll);
    if (next == INT64_MAX) {
        return 3600 * NT_NS_PER_S;
    }
    int64_t d = next - clk_now_mono(drv_clock(src));
    return d < MIN_DELAY_NS ? MIN_DELAY_NS : d;
}

/* --- replies ------------------------------------------------------------------------- */

/* With `key N`, a reply counts only with a good MAC of that key. */
static bool mac_ok(const struct ntpc *c, const uint8_t *pkt, size_t len)
{
    if (c->key == NULL) {
        return true;
    }
    size_t want = NTPC_PKT_LEN + 4 + c->key->mac_len;
    if (len != want || ntw_get32(pkt + NTPC_PKT_LEN) != c->key->id) {
        return false;
    }
    uint8_t mac[KEY_MAX_MAC_LEN];
    key_mac(c->key, pkt, NTPC_PKT_LEN, mac);
    uint8_t diff = 0;
    for (size_t i = 0; i < c->key->mac_len; i++) {
        diff |= (uint8_t)(mac[i] ^ pkt[NTPC_PKT_LEN + 4 + i]);
    }
    return diff == 0;
}

/* RFC 5905 section 7.3: an IPv4 source is named by its address, an IPv6 one by the first
 * four bytes of the MD5 of its address. */
static uint32_t addr_refid(const struct ntpc *c)
{
    if (c->addr.ss_family == AF_INET) {
        return ntohl(((const struct sockaddr_in *)&c->addr)->sin_addr.s_addr);
    }
    struct md5_ctx ctx;
    uint8_t digest[MD5_DIGEST_SIZE];
    md5_init(&ctx);
    md5_update(&ctx, 16, ((const struct sockaddr_in6 *)&c->addr)->sin6_addr.s6_addr);
    md5_digest(&ctx, sizeof(digest), digest);
    return ntw_get32(digest);
}

/* Every exchange goes on (chrony uses every sample too; RFC 5905's filter passes at most the
 * lowest-delay one of 8, and only when it is newer than the last one used, which starves a
 * servo that can weigh samples): the filter drops popcorn spikes, says how much more delay the
 * sample had than the window's best, and gives the jitter and dispersion. */
static void on_sample(struct drv_src *src, const struct ntpc_sample *m, int64_t now)
{
    struct ntpc *c = drv_priv(src);
    c->stratum = m->stratum;
    c->refid = m->refid;
    c->had_sample = true;
    uint64_t spikes = c->filter.spikes;
    struct ntpc_filtered f;
    bool chosen = ntpc_filter_add(&c->filter, m, now, &f);
    if (c->filter.spikes != spikes) {
        log_debug("%s: popcorn spike of %+.6f s dropped", drv_name(src), nt_to_s(m->offset_ns));
        return;
    }
    int64_t min_delay = m->delay_ns;
    for (int i = 0; i < NTPC_FILTER_N; i++) {
        if (c->filter.st[i].used && c->filter.st[i].delay_ns < min_delay) {
            min_delay = c->filter.st[i].delay_ns;
        }
    }
    double delay_s = nt_to_s(m->delay_ns);
    c->delay_s = delay_s;
    struct drv_ntp_sample s = {
        .local_ns = m->local_ns,
        .offset_ns = -m->offset_ns,
        .delay_s = delay_s,
        .excess_delay_s = nt_to_s(m->delay_ns - min_delay),
        /* The bound is the best exchange's: the excess of this one is its own variance. */
        .root_delay_s = m->root_delay_s - delay_s + nt_to_s(min_delay),
        .root_disp_s = m->root_disp_s - m->disp_s + (chosen ? f.disp_s : m->disp_s),
        .jitter_s = c->filter.jitter_s,
        .stratum = m->stratum,
        .refid = m->refid,
        .leap = m->leap == 1 ? CLK_LEAP_INSERT : m->leap == 2 ? CLK_LEAP_DELETE : CLK_LEAP_NONE,
        .loop = m->stratum >= 2 && is_own(c, m->refid, clk_now_mono(drv_clock(src))),
        .addr_refid = addr_refid(c),
        .interval_ns = (int64_t)NT_NS_PER_S << c->poll.poll,
    };
    drv_add_ntp_sample(src, &s);
}

static void on_packet(struct drv_src *src, const uint8_t *pkt, size_t len, int64_t rx)
{
    struct ntpc *c = drv_priv(src);
    struct ntpc_sample m;
    enum ntpc_kiss kiss;
    if (!mac_ok(c, pkt, len)) {
        drv_count(src, DRV_CNT_BAD_REPLY);
        log_debug("%s: reply without a valid MAC of key %u: dropped", drv_name(src),
                  c->key->id);
        return;
    }
    enum ntpc_result r = ntpc_process(&c->assoc, pkt, len, rx, &m, &kiss);
    switch (r) {
    case NTPC_OK:
        log_debug("%s: %s reply: offset %+.9f s, delay %.9f s", drv_name(src),
                  m.interleaved ? "interleaved" : "basic", -nt_to_s(m.offset_ns),
                  nt_to_s(m.delay_ns));
        ntpc_poll_answered(&c->poll);
        drv_set_state(src, DRV_STATE_OK);
        on_sample(src, &m, clk_now(drv_clock(src)));
        return;
    case NTPC_KOD:
        drv_count(src, DRV_CNT_KOD);
        ntpc_poll_kod(&c->poll, kiss, (int8_t)pkt[NTW_OFF_POLL]);
        if (kiss == NTPC_KISS_DENY || kiss == NTPC_KISS_RSTR) {
            log_warnx("%s: %s refuses us (kiss-o'-death %s): no more requests", drv_name(src),
                      c->host, kiss == NTPC_KISS_DENY ? "DENY" : "RSTR");
            drv_set_state(src, DRV_STATE_DENIED);
        } else if (kiss == NTPC_KISS_RATE) {
            log_info("%s: %s asks us to poll less often (RATE): poll 2^%d s", drv_name(src),
                     c->host, c->poll.poll);
        }
        return;
    case NTPC_REJ_UNSYNC:
        /* A valid answer: the server has no time to give. Not a bad reply; the source is
         * unusable now rather than after 8 polls. */
        ntpc_poll_answered(&c->poll);
        if (c->had_sample) { /* peers starting together are no news */
            drv_set_state(src, DRV_STATE_NO_FIX);
        }
        log_debug("%s: %s is unsynchronized", drv_name(src), c->host);
        return;
    default:
        drv_count(src, DRV_CNT_BAD_REPLY);
        log_debug("%s: reply dropped: %s", drv_name(src), ntpc_result_name(r));
        return;
    }
}

static int drv_on_readable(struct drv_src *src, int fd)
{
    /* The error queue only when poll says it holds something: reading it otherwise is not
     * always harmless (under clknetsim it hands out the next ordinary datagram, and the
     * reply was lost: found by the judge). */
    if (src->revents & (POLLERR | POLLPRI)) {
        read_tx_stamps(src);
    }
    for (int n = 0; n < 16; n++) {
        uint8_t buf[PKT_MAX];
        _Alignas(struct cmsghdr) uint8_t control[256];
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                            .msg_controllen = sizeof(control)};
        ssize_t len = recvmsg(fd, &mh, MSG_DONTWAIT);
        int64_t now = clk_now(drv_clock(src));
        if (len < 0) {
            /* ECONNREFUSED: nobody listens there (yet): an unanswered request, no more. */
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED ||
                           errno == EINTR || errno == EHOSTUNREACH || errno == ENETUNREACH
                       ? 0 : -errno;
        }
        int64_t sys = sockts_rx(&mh);
        int64_t rx = sys >= 0 ? clk_from_sys(drv_clock(src), sys) : now;
        on_packet(src, buf, (size_t)len, rx);
    }
    return 0;
}

static void drv_ntp_status(struct drv_src *src, struct drv_ntp_status *out)
{
    struct ntpc *c = drv_priv(src);
    *out = (struct drv_ntp_status){.poll = c->poll.poll, .reach = c->poll.reach,
                                   .stratum = c->stratum, .refid = c->refid,
                                   .delay_s = c->delay_s, .peer = c->peer};
}

/* The two drivers differ only in name: drv_open tells them apart (symmetric mode for peers). */
#define NTPC_DRIVER(driver_name)                                                                \
    {                                                                                           \
        .poll_events = POLLIN | POLLPRI, .name = driver_name, .options = options, .ntp = true,  \
        .priv_size = sizeof(struct ntpc), .poll_interval_ns = 100 * NT_NS_PER_MS,               \
        .poll_delay = drv_poll_delay, .check = drv_check, .open = drv_open,                     \
        .close = drv_close, .on_readable = drv_on_readable, .poll = drv_poll,                   \
        .ntp_status = drv_ntp_status,                                                           \
    }

const struct drv_driver drv_ntp_server = NTPC_DRIVER("ntp");
const struct drv_driver drv_ntp_peer = NTPC_DRIVER("peer");
