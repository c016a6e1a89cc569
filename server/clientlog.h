/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clientlog: what the server knows of each client address, in a fixed-size table allocated
 * once (no malloc per packet): request, drop and KoD counts, last seen, and the rate-limit
 * state of `ratelimit interval I burst B leak L` (chrony's directive and semantics).
 *
 * A client may get on average one answer per 2^I seconds, and B answers back to back after a
 * quiet spell (a token bucket). Over the limit, a random 1 in 2^L requests is still answered
 * (so that a spoofer flooding in a victim's name cannot cut the victim off), and of the rest
 * a random 1 in 2^CL_KOD_LOG2 gets a RATE kiss-o'-death telling the client to slow down; the
 * others are dropped silently. Not thread-safe: one table per worker, or a lock around it.
 */
#ifndef GN_CLIENTLOG_H
#define GN_CLIENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct cl_params {
    int interval_log2; /* -19..12 (log2 s between answers on average) */
    int burst;         /* 1..255 */
    int leak_log2;     /* 1..4, as chrony; values outside are clamped (0 would disable limiting) */
};

/* Of the over-limit requests that are not leaked, 1 in 2^CL_KOD_LOG2 gets a RATE KoD. */
#define CL_KOD_LOG2 2

enum cl_verdict {
    CL_PASS = 0, /* answer normally */
    CL_DROP,     /* over the limit: no answer */
    CL_KOD,      /* over the limit: answer with a RATE kiss-o'-death (srv_kod_rate) */
};

struct cl_entry {
    int family;           /* AF_INET or AF_INET6 (v4-mapped IPv6 is stored as AF_INET) */
    uint8_t addr[16];     /* network order; IPv4 in the first 4 bytes */
    uint64_t requests;    /* every request recorded */
    uint64_t drops;       /* CL_DROP verdicts */
    uint64_t kods;        /* CL_KOD verdicts */
    int64_t last_seen_ns; /* monotonic, as passed to cl_record */
};

struct clientlog;

/*
 * A table of at least slots entries (rounded up to a power of two, minimum 16, at most
 * 2^24; 64 bytes each).
 * params NULL: no rate limit, only counting. seed keys the address hash and the leak/KoD
 * randomness; pass a random value. NULL on allocation failure. The only allocation.
 */
struct clientlog *cl_create(size_t slots, const struct cl_params *params, uint64_t seed);
void cl_destroy(struct clientlog *t);

/*
 * Record one request from sa (AF_INET or AF_INET6) at monotonic now_ns and say what to do
 * with it. Bounded work: a client not in the table takes a free slot among a few probed ones,
 * or else evicts the least recently seen of them. An address of another family gives CL_DROP
 * and is not recorded.
 */
enum cl_verdict cl_record(struct clientlog *t, const struct sockaddr *sa, int64_t now_ns);

/* The busiest clients, most requests first (ties: most recently seen first); returns how many
 * were written (<= max). Walks the whole table: for the control channel, not per packet. */
size_t cl_top(const struct clientlog *t, struct cl_entry *out, size_t max);

/* Number of slots (a power of two) and of slots in use. */
size_t cl_capacity(const struct clientlog *t);
size_t cl_used(const struct clientlog *t);

#endif
