/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nts_ke: the NTS Key Establishment server (RFC 8915 section 4): TLS 1.3 over TCP (GnuTLS),
 * ALPN "ntske/1", the records parsed by nts_ke_proto.c, the keys exported from the TLS session
 * and sealed into cookies with nts_cookie.c.
 *
 * It runs in a thread of its own with its own poll loop, non-blocking sessions, a bounded
 * number of connections and a deadline per connection: a TLS handshake costs a public-key
 * operation (about a millisecond), so a flood of handshakes or of slow, incomplete connections
 * must never hold up the NTP path, which with `workers 1` is the event loop's thread. A
 * separate process would isolate as well but would need the cookie keys handed over at each
 * rotation; the thread reads them like the workers do (nts_keys.h). The thread exists only
 * when NTS is configured, so the single-threaded simulator contract is unchanged.
 */
#ifndef GN_NTS_KE_H
#define GN_NTS_KE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "server/udp.h"

struct clk;

struct ntske_params {
    int port;                   /* `ntsport`, default 4460 */
    char cert[PATH_MAX];        /* `ntsservercert`: PEM chain; NTS is on when cert and key */
    char key[PATH_MAX];         /* `ntsserverkey`: PEM private key */
    char dumpdir[PATH_MAX];     /* `ntsdumpdir`: where the cookie keys are kept */
    int rotate_s;               /* `ntsrotate`: seconds between cookie-key rotations (86400) */
    int max_conns;              /* `ntsmaxconns`: concurrent NTS-KE connections (64) */
    int timeout_ms;             /* `ntstimeout`: a connection's whole life, ms (2000) */
    int line;                   /* of ntsservercert, for messages */
};
void ntske_params_defaults(struct ntske_params *p);
static inline bool ntske_enabled(const struct ntske_params *p)
{
    return p->cert[0] != '\0' && p->key[0] != '\0';
}

/* Load the certificate and key, bind the TCP sockets (the NTP bind addresses, or the
 * wildcards), set up the cookie keys (nts_keys.h). As root, before the privilege drop.
 * ntp_port is advertised to clients when it is not 123. 0 or -errno (logged). */
int ntske_open(const struct ntske_params *p, const struct udp_params *up, struct clk *clk);

/* Check that the certificate and key load and match (for -n). 0 or -1, printed to err. */
int ntske_check(const struct ntske_params *p, FILE *err);

/* Start the thread. 0 or -errno. */
int ntske_start(void);
void ntske_stop(void);

struct ntske_counters {
    uint64_t accepted;          /* TCP connections accepted */
    uint64_t refused;           /* turned away: connection limit reached */
    uint64_t sessions;          /* key exchanges completed: cookies sent */
    uint64_t tls_failures;      /* handshakes that failed (bad ALPN, no TLS 1.3, ...) */
    uint64_t bad_requests;      /* malformed requests: answered with an error record */
    uint64_t timeouts;          /* closed at their deadline */
};
void ntske_get_counters(struct ntske_counters *out);

#endif
