/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clientlog: what the server knows of each client address, in a fixed-size table allocated
 * once (no malloc per packet): request, drop and KoD counts, last seen, and the rate-limit
 * state of `ratelimit interval I burst B leak L` (chrony's directive). A client may send on
 * average one request per 2^I seconds with bursts of B; over the limit its requests are
 * dropped, except a random 1 in 2^L that is still answered (so a client that shares an address
 * with a flooder is not cut off entirely), and at most one RATE kiss-o'-death per 2^I seconds
 * tells a well-behaved client to back off.
 */
#ifndef GN_CLIENTLOG_H
#define GN_CLIENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct cl_params {
    int interval_log2; /* -19..12 */
    int burst;         /* 1..255 */
    int leak_log2;     /* 0..4; 0 answers every request */
};

enum cl_verdict { CL_PASS = 0, CL_DROP, CL_KOD };

struct cl_entry {
    int family;           /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    uint64_t requests;
    uint64_t drops;
    uint64_t kods;
    int64_t last_seen_ns; /* monotonic */
};

struct clientlog;

/* A table of at least slots entries (rounded up to a power of two). params NULL: no rate
 * limit, only counting. seed keys the hash; pass a random value. NULL on allocation failure. */
struct clientlog *cl_create(size_t slots, const struct cl_params *params, uint64_t seed);
void cl_destroy(struct clientlog *t);

/* Record one request from sa at monotonic now_ns and say what to do with it. When the table
 * is full the least recently seen of the probed entries is evicted (bounded work). */
enum cl_verdict cl_record(struct clientlog *t, const struct sockaddr *sa, int64_t now_ns);

/* The busiest clients, most requests first; returns how many were written (<= max). */
size_t cl_top(const struct clientlog *t, struct cl_entry *out, size_t max);

#endif
