/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * udp: the NTP server's I/O shell. Binds the configured addresses (IPv4 and IPv6), receives
 * requests in batches (recvmmsg) with kernel receive timestamps (SO_TIMESTAMPING, software RX),
 * applies allow/deny and the per-client rate limit, asks srv_handle() for the reply, writes the
 * transmit timestamp last and sends (sendmmsg). With `fastpath off` or one worker it runs in the
 * event loop's thread only and uses nothing a libc-intercepting simulator (clknetsim) lacks.
 */
#ifndef GN_UDP_H
#define GN_UDP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "server/acl.h"
#include "server/srv.h"

struct clk;

#define UDP_MAX_BIND 16
#define UDP_MAX_ACL 64

struct udp_bind {
    int line;                        /* in the configuration file, for messages */
    struct sockaddr_storage addr;    /* its port is replaced by `port` */
    socklen_t addrlen;
};

/* What the NTP server is given. */
struct udp_params {
    int port;                        /* `port`, default 123 */
    struct udp_bind bind[UDP_MAX_BIND]; /* `bindaddress`; none: 0.0.0.0 and :: */
    int n_bind;
    struct acl_rule acl[UDP_MAX_ACL];/* `allow`/`deny` in file order */
    int n_acl;
    bool ratelimit;                  /* `ratelimit [interval I] [burst B] [leak L]` */
    int rl_interval;                 /* log2 seconds, chrony's default 3 */
    int rl_burst;                    /* default 8 */
    int rl_leak;                     /* 1 in 2^leak over-limit requests answered; default 2 */
    int clientloglimit;              /* entries in the client table, default 4096 */
    int workers;                     /* `workers N`, default 1 */
    bool fastpath;                   /* `fastpath on|off`: recvmmsg/sendmmsg, workers */
    char keyfile[PATH_MAX];          /* `keyfile`: symmetric keys (chrony's format) */
    /* Set by the daemon, not the parser: the loaded key table (read-only while serving) and
     * whether NTS cookies are served (the keys come from nts_keys.h). */
    const struct keytab *keys;
    bool nts;
};
void udp_params_defaults(struct udp_params *p);

/* Create and bind the sockets (as root, before dropping privileges). 0 or -errno; errors are
 * logged with the address. */
int udp_open(const struct udp_params *p, struct clk *clk);
/* Register with the event loop (and start workers when configured). 0 or -errno. */
int udp_start(void);
void udp_stop(void);

/* Sum of all workers' counters. */
void udp_get_counters(struct srv_counters *out);

struct udp_client_stat {
    char addr[46];           /* numeric address */
    uint64_t requests;
    uint64_t dropped;        /* by rate limit */
    uint64_t kod_sent;
    int64_t last_seen_ago_ns;
};
/* The busiest clients, most requests first. Returns the number written (<= max). */
size_t udp_get_clients(struct udp_client_stat *out, size_t max);

#endif
