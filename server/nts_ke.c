/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nts_ke: the NTS-KE server's shell. One thread with its own poll() over the listening
 * sockets and at most `ntsmaxconns` connections, each a non-blocking GnuTLS session with a
 * deadline `ntstimeout` after its accept; at the limit new connections are closed at once
 * (counted), so slow or half-open clients cost a slot for a bounded time and nothing more.
 * TLS 1.3 only and ALPN "ntske/1" mandatory (RFC 8915 section 4). The session keys are
 * exported from TLS (section 5.1) and sealed into 8 cookies.
 */
#include "server/nts_ke.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
#include "server/nts_cookie.h"
#include "server/nts_keys.h"
#include "server/nts_ke_proto.h"

#define MAX_LISTEN UDP_MAX_BIND
#define MAX_CONNS 1000
#define N_COOKIES 8
#define OUT_MAX 2048
#define EXPORTER_LABEL "EXPORTER-network-time-security"

enum cstate { C_FREE, C_HANDSHAKE, C_READ, C_WRITE, C_BYE };

struct conn {
    enum cstate state;
    int fd;
    gnutls_session_t tls;
    int64_t deadline_ns;
    uint8_t in[NTSKE_MAX_REQUEST + 4];
    size_t in_len;
    uint8_t out[OUT_MAX];
    size_t out_len, out_sent;
};

static struct {
    struct clk *clk;
    int listen_fd[MAX_LISTEN];
    int n_listen;
    int ntp_port;
    int max_conns;
    int64_t timeout_ns;
    struct conn *conns;
    gnutls_certificate_credentials_t cred;
    gnutls_priority_t prio;
    pthread_t thread;
    bool running;
    atomic_bool stopping;
    struct ntsk_cache cache;
    int rotate_timer;
    struct ntske_counters counters; /* written by the KE thread only */
} ke;

#define KCOUNT(field) __atomic_store_n(&ke.counters.field, ke.counters.field + 1, __ATOMIC_RELAXED)

void ntske_params_defaults(struct ntske_params *p)
{
    memset(p, 0, sizeof(*p));
    p->port = 4460;
    p->rotate_s = 86400;
    p->max_conns = 64;
    p->timeout_ms = 2000;
}

/* TLS 1.3 only: NTS-KE forbids older versions (section 4). */
static const char *const PRIORITY = "-VERS-ALL:+VERS-TLS1.3";

static int load_credentials(const struct ntske_params *p, gnutls_certificate_credentials_t *cred,
                            FILE *err)
{
    int rc = gnutls_certificate_allocate_credentials(cred);
    if (rc < 0) {
        fprintf(err, "nts: %s\n", gnutls_strerror(rc));
        return -1;
    }
    rc = gnutls_certificate_set_x509_key_file(*cred, p->cert, p->key, GNUTLS_X509_FMT_PEM);
    if (rc < 0) {
        fprintf(err, "nts: cannot use the certificate %s with the key %s: %s\n", p->cert, p->key,
                gnutls_strerror(rc));
        gnutls_certificate_free_credentials(*cred);
        *cred = NULL;
        return -1;
    }
    return 0;
}

int ntske_check(const struct ntske_params *p, FILE *err)
{
    gnutls_certificate_credentials_t cred;
    if (load_credentials(p, &cred, err) < 0) {
        return -1;
    }
    gnutls_certificate_free_credentials(cred);
    return 0;
}

static void set_flags(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static int listen_on(const struct sockaddr *sa, socklen_t len)
{
    /* No type flags, as everywhere in the tree (clknetsim does not intercept them). */
    int fd = socket(sa->sa_family, SOCK_STREAM, 0);
    if (fd < 0) {
        return -errno;
    }
    set_flags(fd);
    int one = 1;
    /* SO_REUSEADDR for TCP only lets a restart bind over TIME_WAIT connections. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (sa->sa_family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    if (bind(fd, sa, len) < 0 || listen(fd, 64) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static int open_listeners(const struct ntske_params *p, const struct udp_params *up)
{
    struct sockaddr_storage ss[MAX_LISTEN];
    socklen_t lens[MAX_LISTEN];
    int n = 0;
    if (up->n_bind == 0) {
        struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p->port)};
        struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)p->port),
                                  .sin6_addr = IN6ADDR_ANY_INIT};
        memcpy(&ss[0], &v4, sizeof(v4));
        lens[0] = sizeof(v4);
        memcpy(&ss[1], &v6, sizeof(v6));
        lens[1] = sizeof(v6);
        n = 2;
    } else {
        for (int i = 0; i < up->n_bind && i < MAX_LISTEN; i++) {
            ss[n] = up->bind[i].addr;
            lens[n] = up->bind[i].addrlen;
            if (ss[n].ss_family == AF_INET) {
                ((struct sockaddr_in *)&ss[n])->sin_port = htons((uint16_t)p->port);
            } else {
                ((struct sockaddr_in6 *)&ss[n])->sin6_port = htons((uint16_t)p->port);
            }
            n++;
        }
    }
    for (int i = 0; i < n; i++) {
        int fd = listen_on((struct sockaddr *)&ss[i], lens[i]);
        char name[INET6_ADDRSTRLEN] = "?";
        const void *a = ss[i].ss_family == AF_INET
                            ? (const void *)&((struct sockaddr_in *)&ss[i])->sin_addr
                            : (const void *)&((struct sockaddr_in6 *)&ss[i])->sin6_addr;
        inet_ntop(ss[i].ss_family, a, name, sizeof(name));
        if (fd < 0) {
            /* A missing family on the wildcards is fine as long as one listens. */
            if (up->n_bind == 0 && (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL)) {
                continue;
            }
            log_err("nts: cannot listen on %s port %d: %s", name, p->port, strerror(-fd));
            return fd;
        }
        log_info("nts: NTS-KE on %s port %d", name, p->port);
        ke.listen_fd[ke.n_listen++] = fd;
    }
    return ke.n_listen > 0 ? 0 : -EAFNOSUPPORT;
}

int ntske_open(const struct ntske_params *p, const struct udp_params *up, struct clk *clk)
{
    ke.clk = clk;
    ke.ntp_port = up->port;
    ke.max_conns = p->max_conns > 0 && p->max_conns <= MAX_CONNS ? p->max_conns : 64;
    ke.timeout_ns = (int64_t)p->timeout_ms * 1000000;
    if (load_credentials(p, &ke.cred, stderr) < 0) {
        log_err("nts: the certificate or key is unusable (%s, %s)", p->cert, p->key);
        return -EINVAL;
    }
    const char *where;
    int rc = gnutls_priority_init2(&ke.prio, PRIORITY, &where, GNUTLS_PRIORITY_INIT_DEF_APPEND);
    if (rc < 0) {
        log_err("nts: TLS priorities: %s", gnutls_strerror(rc));
        return -EINVAL;
    }
    ke.conns = calloc((size_t)ke.max_conns, sizeof(*ke.conns));
    if (ke.conns == NULL) {
        return -ENOMEM;
    }
    rc = ntsk_init(p->dumpdir, p->rotate_s, clk_now(clk) / NT_NS_PER_S);
    if (rc < 0) {
        return rc;
    }
    return open_listeners(p, up);
}

static void conn_close(struct conn *c)
{
    if (c->tls != NULL) {
        gnutls_deinit(c->tls);
        c->tls = NULL;
    }
    close(c->fd);
    memset(c->in, 0, sizeof(c->in));
    memset(c->out, 0, sizeof(c->out));
    c->state = C_FREE;
}

static void accept_one(int lfd, int64_t now)
{
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) {
        return;
    }
    set_flags(fd);
    struct conn *c = NULL;
    for (int i = 0; i < ke.max_conns && c == NULL; i++) {
        if (ke.conns[i].state == C_FREE) {
            c = &ke.conns[i];
        }
    }
    if (c == NULL) {
        KCOUNT(refused);
        close(fd);
        return;
    }
    KCOUNT(accepted);
    /* The response and the close_notify are small writes in a row: without NODELAY, Nagle
     * may hold the second for the client's delayed ACK (40 ms; the bench's client measured
     * 23 handshakes/s for that reason before setting NODELAY on its side). */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    memset(c, 0, sizeof(*c));
    c->fd = fd;
    static const gnutls_datum_t alpn = {(unsigned char *)"ntske/1", 7};
    if (gnutls_init(&c->tls, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_TICKETS) < 0 ||
        gnutls_priority_set(c->tls, ke.prio) < 0 ||
        gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, ke.cred) < 0 ||
        gnutls_alpn_set_protocols(c->tls, &alpn, 1, GNUTLS_ALPN_MANDATORY) < 0) {
        KCOUNT(tls_failures);
        conn_close(c);
        return;
    }
    gnutls_transport_set_int(c->tls, fd);
    c->deadline_ns = now + ke.timeout_ns;
    c->state = C_HANDSHAKE;
}

/* The session's keys (section 5.1): the TLS exporter with the protocol (NTPv4), the AEAD and
 * the direction (0: client to server) as context. */
static int export_keys(gnutls_session_t s, uint8_t *c2s, uint8_t *s2c)
{
    uint8_t ctx[5] = {0, NTSKE_PROTO_NTPV4, 0, NTS_AEAD_AES_SIV_CMAC_256, 0};
    int rc = gnutls_prf_rfc5705(s, strlen(EXPORTER_LABEL), EXPORTER_LABEL, sizeof(ctx),
                                (const char *)ctx, NTS_KEY_LEN, (char *)c2s);
    ctx[4] = 1;
    return rc < 0 ? rc
                  : gnutls_prf_rfc5705(s, strlen(EXPORTER_LABEL), EXPORTER_LABEL, sizeof(ctx),
                                       (const char *)ctx, NTS_KEY_LEN, (char *)s2c);
}

/* A whole request is in: build the answer into c->out. */
static void answer(struct conn *c, const struct ntske_req *r)
{
    uint16_t code;
    enum ntske_answer a = ntske_decide(r, &code);
    uint8_t cookies[N_COOKIES][NTS_COOKIE_LEN];
    int n = 0;
    if (a == NTSKE_ANSWER_COOKIES) {
        uint8_t c2s[NTS_KEY_LEN], s2c[NTS_KEY_LEN], nonces[N_COOKIES][NTS_NONCE_LEN];
        const struct ntsck_set *set = ntsk_get(&ke.cache);
        if (export_keys(c->tls, c2s, s2c) < 0 || set == NULL ||
            getrandom(nonces, sizeof(nonces), 0) != (ssize_t)sizeof(nonces)) {
            a = NTSKE_ANSWER_ERROR;
            code = NTSKE_ERR_INTERNAL;
        } else {
            for (n = 0; n < N_COOKIES; n++) {
                ntsck_seal(set, nonces[n], c2s, s2c, cookies[n]);
            }
        }
        memset(c2s, 0, sizeof(c2s));
        memset(s2c, 0, sizeof(s2c));
    }
    if (a == NTSKE_ANSWER_ERROR) {
        KCOUNT(bad_requests);
    }
    c->out_len = ntske_build_response(a, code, ke.ntp_port, r->asked_port, &cookies[0][0], n,
                                      NTS_COOKIE_LEN, c->out, sizeof(c->out));
    c->out_sent = 0;
    if (a == NTSKE_ANSWER_COOKIES && c->out_len > 0) {
        KCOUNT(sessions);
    }
    memset(cookies, 0, sizeof(cookies));
    c->state = C_WRITE;
}

/* Advance one connection as far as it goes without blocking. */
static void step(struct conn *c)
{
    for (;;) {
        int rc;
        switch (c->state) {
        case C_FREE: return;
        case C_HANDSHAKE:
            rc = gnutls_handshake(c->tls);
            if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
                return;
            }
            if (rc < 0 || gnutls_protocol_get_version(c->tls) != GNUTLS_TLS1_3) {
                log_debug("nts: handshake failed: %s", gnutls_strerror(rc));
                KCOUNT(tls_failures);
                conn_close(c);
                return;
            }
            c->state = C_READ;
            break;
        case C_READ: {
            rc = (int)gnutls_record_recv(c->tls, c->in + c->in_len, sizeof(c->in) - c->in_len);
            if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
                return;
            }
            if (rc <= 0) {
                conn_close(c); /* closed or broken before a whole request */
                return;
            }
            c->in_len += (size_t)rc;
            struct ntske_req r;
            if (ntske_parse_request(c->in, c->in_len, &r) == NTSKE_COMPLETE ||
                c->in_len == sizeof(c->in)) {
                if (c->in_len == sizeof(c->in)) {
                    r.malformed = true;
                }
                answer(c, &r);
            }
            break;
        }
        case C_WRITE:
            if (c->out_len == 0) {
                conn_close(c);
                return;
            }
            rc = (int)gnutls_record_send(c->tls, c->out + c->out_sent, c->out_len - c->out_sent);
            if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
                return;
            }
            if (rc < 0) {
                conn_close(c);
                return;
            }
            c->out_sent += (size_t)rc;
            if (c->out_sent == c->out_len) {
                c->state = C_BYE;
            }
            break;
        case C_BYE:
            /* Section 4: the server closes the TLS session after its response. */
            rc = gnutls_bye(c->tls, GNUTLS_SHUT_WR);
            if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
                return;
            }
            conn_close(c);
            return;
        }
    }
}

static void *ke_main(void *arg)
{
    (void)arg;
    struct pollfd *pfds = calloc((size_t)(MAX_LISTEN + ke.max_conns), sizeof(*pfds));
    int *idx = calloc((size_t)(MAX_LISTEN + ke.max_conns), sizeof(*idx));
    if (pfds == NULL || idx == NULL) {
        log_warnx("nts: out of memory: NTS-KE is off");
        free(pfds);
        free(idx);
        return NULL;
    }
    while (!atomic_load_explicit(&ke.stopping, memory_order_relaxed)) {
        int64_t now = clk_now_mono(ke.clk);
        int64_t wait_ns = 200 * 1000000LL; /* the stop flag is looked at this often */
        int n = 0;
        for (int i = 0; i < ke.n_listen; i++) {
            pfds[n] = (struct pollfd){.fd = ke.listen_fd[i], .events = POLLIN};
            idx[n++] = -1;
        }
        for (int i = 0; i < ke.max_conns; i++) {
            struct conn *c = &ke.conns[i];
            if (c->state == C_FREE) {
                continue;
            }
            if (now >= c->deadline_ns) {
                KCOUNT(timeouts);
                conn_close(c);
                continue;
            }
            if (c->deadline_ns - now < wait_ns) {
                wait_ns = c->deadline_ns - now;
            }
            short ev = gnutls_record_get_direction(c->tls) == 1 ? POLLOUT : POLLIN;
            pfds[n] = (struct pollfd){.fd = c->fd, .events = ev};
            idx[n++] = i;
        }
        int r = poll(pfds, (nfds_t)n, (int)(wait_ns / 1000000) + 1);
        if (r <= 0) {
            continue;
        }
        now = clk_now_mono(ke.clk);
        for (int i = 0; i < n; i++) {
            if (pfds[i].revents == 0) {
                continue;
            }
            if (idx[i] < 0) {
                /* A few per round: a connect flood cannot starve the live sessions. */
                for (int k = 0; k < 16; k++) {
                    accept_one(pfds[i].fd, now);
                }
            } else {
                step(&ke.conns[idx[i]]);
            }
        }
    }
    free(pfds);
    free(idx);
    return NULL;
}

/* The cookie keys rotate in the event loop's thread (the only writer). */
static void rotate_tick(void *arg)
{
    (void)arg;
    int64_t now_s = clk_now(ke.clk) / NT_NS_PER_S;
    ntsk_rotate_if_due(now_s);
    int64_t next = ntsk_next_rotation_s(now_s);
    ke.rotate_timer = ev_add_timer((next < 3600 ? next : 3600) * NT_NS_PER_S, rotate_tick, NULL);
}

int ntske_start(void)
{
    int rc = pthread_create(&ke.thread, NULL, ke_main, NULL);
    if (rc != 0) {
        errno = rc;
        log_warn("nts: cannot start the NTS-KE thread");
        return -rc;
    }
    ke.running = true;
    rotate_tick(NULL);
    return 0;
}

void ntske_stop(void)
{
    if (ke.running) {
        atomic_store(&ke.stopping, true);
        pthread_join(ke.thread, NULL);
        ke.running = false;
        ev_cancel_timer(ke.rotate_timer);
    }
    for (int i = 0; ke.conns != NULL && i < ke.max_conns; i++) {
        if (ke.conns[i].state != C_FREE) {
            conn_close(&ke.conns[i]);
        }
    }
    for (int i = 0; i < ke.n_listen; i++) {
        close(ke.listen_fd[i]);
    }
    ke.n_listen = 0;
    free(ke.conns);
    ke.conns = NULL;
    if (ke.prio != NULL) {
        gnutls_priority_deinit(ke.prio);
        ke.prio = NULL;
    }
    if (ke.cred != NULL) {
        gnutls_certificate_free_credentials(ke.cred);
        ke.cred = NULL;
    }
}

void ntske_get_counters(struct ntske_counters *out)
{
#define KGET(f) out->f = __atomic_load_n(&ke.counters.f, __ATOMIC_RELAXED)
    KGET(accepted);
    KGET(refused);
    KGET(sessions);
    KGET(tls_failures);
    KGET(bad_requests);
    KGET(timeouts);
#undef KGET
}
