/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clientlog: an open-addressing hash table of clients with a short bounded probe, keyed by a
 * seeded hash so that an attacker cannot aim addresses at one bucket. Rate limiting is a
 * generic cell rate algorithm: each entry keeps a "theoretical arrival time" that advances by
 * the allowed interval per answered request; a request is over the limit when that time runs
 * more than burst intervals ahead of now.
 */
#include "server/clientlog.h"

#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define PROBES 8

struct slot {
    struct cl_entry e;     /* e.family == 0: free */
    int64_t tat_ns;        /* theoretical arrival time (rate limit) */
    int64_t last_kod_ns;
};

struct clientlog {
    size_t mask;
    bool limit;
    int64_t interval_ns;
    int64_t burst_ns;      /* burst * interval */
    uint32_t leak_mask;    /* answer when (rand & leak_mask) == 0 */
    uint64_t seed;
    uint64_t rng;
    struct slot slots[];
};

struct clientlog *cl_create(size_t slots, const struct cl_params *params, uint64_t seed)
{
    size_t n = 16;
    while (n < slots) {
        n <<= 1;
    }
    struct clientlog *t = calloc(1, sizeof(*t) + n * sizeof(t->slots[0]));
    if (t == NULL) {
        return NULL;
    }
    t->mask = n - 1;
    t->seed = seed | 1;
    t->rng = seed ^ 0x9e3779b97f4a7c15ull;
    if (t->rng == 0) {
        t->rng = 1;
    }
    if (params != NULL) {
        t->limit = true;
        t->interval_ns = (int64_t)ldexp(1e9, params->interval_log2);
        if (t->interval_ns < 1) {
            t->interval_ns = 1;
        }
        t->burst_ns = t->interval_ns * (params->burst > 0 ? params->burst : 1);
        t->leak_mask = (1u << params->leak_log2) - 1;
    }
    return t;
}

void cl_destroy(struct clientlog *t)
{
    free(t);
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

static uint64_t hash_addr(uint64_t seed, const uint8_t *addr)
{
    uint64_t a, b;
    memcpy(&a, addr, 8);
    memcpy(&b, addr + 8, 8);
    return mix(mix(a ^ seed) ^ b);
}

static uint32_t next_rand(struct clientlog *t)
{
    /* xorshift64: cheap, and only decides which over-limit requests leak through. */
    t->rng ^= t->rng << 13;
    t->rng ^= t->rng >> 7;
    t->rng ^= t->rng << 17;
    return (uint32_t)(t->rng >> 32);
}

/* Normalize to 16 bytes; v4-mapped IPv6 counts as the IPv4 client. */
static int key_of(const struct sockaddr *sa, uint8_t key[16])
{
    memset(key, 0, 16);
    if (sa->sa_family == AF_INET) {
        memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return AF_INET;
    }
    if (sa->sa_family == AF_INET6) {
        const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a)) {
            memcpy(key, a + 12, 4);
            return AF_INET;
        }
        memcpy(key, a, 16);
        return AF_INET6;
    }
    return 0;
}

static struct slot *lookup(struct clientlog *t, int family, const uint8_t key[16], int64_t now)
{
    size_t h = (size_t)hash_addr(t->seed ^ (uint64_t)family, key);
    struct slot *victim = NULL;
    for (size_t i = 0; i < PROBES; i++) {
        struct slot *s = &t->slots[(h + i) & t->mask];
        if (s->e.family == family && memcmp(s->e.addr, key, 16) == 0) {
            return s;
        }
        if (s->e.family == 0) {
            victim = s;
            break;
        }
        if (victim == NULL || s->e.last_seen_ns < victim->e.last_seen_ns) {
            victim = s;
        }
    }
    memset(victim, 0, sizeof(*victim));
    victim->e.family = family;
    memcpy(victim->e.addr, key, 16);
    victim->tat_ns = now;
    victim->last_kod_ns = INT64_MIN;
    return victim;
}

enum cl_verdict cl_record(struct clientlog *t, const struct sockaddr *sa, int64_t now_ns)
{
    uint8_t key[16];
    int family = key_of(sa, key);
    if (family == 0) {
        return CL_DROP;
    }
    struct slot *s = lookup(t, family, key, now_ns);
    s->e.requests++;
    s->e.last_seen_ns = now_ns;
    if (!t->limit) {
        return CL_PASS;
    }
    int64_t tat = s->tat_ns > now_ns ? s->tat_ns : now_ns;
    if (tat - now_ns < t->burst_ns) {
        s->tat_ns = tat + t->interval_ns;
        return CL_PASS;
    }
    /* Over the limit. */
    if ((next_rand(t) & t->leak_mask) == 0) {
        return CL_PASS;
    }
    if (s->last_kod_ns == INT64_MIN || now_ns - s->last_kod_ns >= t->interval_ns) {
        s->last_kod_ns = now_ns;
        s->e.kods++;
        return CL_KOD;
    }
    s->e.drops++;
    return CL_DROP;
}

size_t cl_top(const struct clientlog *t, struct cl_entry *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i <= t->mask; i++) {
        const struct cl_entry *e = &t->slots[i].e;
        if (e->family == 0 || max == 0) {
            continue;
        }
        /* Insertion into the sorted top list. */
        size_t pos = n < max ? n : max;
        if (pos == max && e->requests <= out[max - 1].requests) {
            continue;
        }
        if (pos == max) {
            pos = max - 1;
        }
        while (pos > 0 && out[pos - 1].requests < e->requests) {
            out[pos] = out[pos - 1];
            pos--;
        }
        out[pos] = *e;
        if (n < max) {
            n++;
        }
    }
    return n;
}
