/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clientlog: an open-addressing hash table of clients with a short bounded probe, keyed by a
 * seeded hash so that an attacker cannot aim addresses at one bucket. Rate limiting is
 * chrony's token bucket (clientlog.c, CLG_LimitServiceRate) written as a generic cell rate
 * algorithm: each entry keeps a "theoretical arrival time" (TAT) that advances by the interval
 * per answer; a request is within the limit while TAT is at most burst-1 intervals ahead.
 */
#include "server/clientlog.h"

#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* Slots probed per lookup: bounds the work per packet; eviction picks among these. */
#define PROBES 8
#define MIN_SLOTS 16
#define MAX_SLOTS ((size_t)1 << 24)
/* chrony's leak range: 0 would answer everything over the limit, i.e. no limit. */
#define LEAK_MIN 1
#define LEAK_MAX 4

struct slot {
    struct cl_entry e;     /* e.family == 0: free */
    int64_t tat_ns;        /* theoretical arrival time of the next answer */
};

struct clientlog {
    size_t mask;
    size_t used;
    bool limit;
    int64_t interval_ns;   /* 2^I s */
    int64_t tolerance_ns;  /* (burst - 1) * interval: how far TAT may run ahead of now */
    uint64_t leak_mask;    /* leak when (rand & leak_mask) == 0 */
    uint64_t seed;
    uint64_t rng;
    struct slot slots[];
};

struct clientlog *cl_create(size_t slots, const struct cl_params *params, uint64_t seed)
{
    size_t n = MIN_SLOTS;
    while (n < slots && n < MAX_SLOTS) {
        n <<= 1;
    }
    struct clientlog *t = calloc(1, sizeof(*t) + n * sizeof(t->slots[0]));
    if (t == NULL) {
        return NULL;
    }
    t->mask = n - 1;
    t->seed = seed;
    /* xorshift must not start at 0; mix the seed so that hash and randomness differ. */
    t->rng = (seed ^ 0x9e3779b97f4a7c15ull) | 1;
    if (params != NULL) {
        t->limit = true;
        int interval = params->interval_log2 < -19 ? -19 : params->interval_log2;
        interval = interval > 12 ? 12 : interval;
        int burst = params->burst < 1 ? 1 : params->burst > 255 ? 255 : params->burst;
        int leak = params->leak_log2 < LEAK_MIN ? LEAK_MIN : params->leak_log2;
        leak = leak > LEAK_MAX ? LEAK_MAX : leak;
        t->interval_ns = (int64_t)ldexp(1e9, interval);
        t->tolerance_ns = t->interval_ns * (burst - 1);
        t->leak_mask = (1u << leak) - 1;
    }
    return t;
}

void cl_destroy(struct clientlog *t)
{
    free(t);
}

size_t cl_capacity(const struct clientlog *t)
{
    return t->mask + 1;
}

size_t cl_used(const struct clientlog *t)
{
    return t->used;
}

/* splitmix64's finalizer: a bijection with full avalanche. Keyed by the seed below, it is not
 * a cryptographic PRF, but without the seed an attacker cannot choose colliding addresses, and
 * the bounded probe caps what a collision could cost anyway (one eviction). */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

static uint64_t hash_addr(uint64_t seed, int family, const uint8_t *addr)
{
    uint64_t a, b;
    memcpy(&a, addr, 8);
    memcpy(&b, addr + 8, 8);
    return mix(mix(a ^ seed) ^ b ^ (uint64_t)family);
}

/* xorshift64* (Vigna): cheap, and only decides which over-limit requests leak or get a KoD. */
static uint64_t next_rand(struct clientlog *t)
{
    t->rng ^= t->rng >> 12;
    t->rng ^= t->rng << 25;
    t->rng ^= t->rng >> 27;
    return t->rng * 0x2545f4914f6cdd1dull;
}

/* Normalize to 16 bytes; v4-mapped IPv6 counts as the IPv4 client. 0: not an IP address. */
static int key_of(const struct sockaddr *sa, uint8_t key[16])
{
    memset(key, 0, 16);
    if (sa->sa_family == AF_INET) {
        memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return AF_INET;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6)) {
            memcpy(key, a6->s6_addr + 12, 4);
            return AF_INET;
        }
        memcpy(key, a6->s6_addr, 16);
        return AF_INET6;
    }
    return 0;
}

/*
 * Find the client's slot or make one. Slots are never emptied again once used (eviction
 * overwrites in place), so a client in the table always sits before the first free slot of
 * its probe sequence, and the search can stop there.
 */
static struct slot *lookup(struct clientlog *t, int family, const uint8_t key[16], int64_t now)
{
    size_t h = (size_t)hash_addr(t->seed, family, key);
    struct slot *victim = NULL;
    for (size_t i = 0; i < PROBES; i++) {
        struct slot *s = &t->slots[(h + i) & t->mask];
        if (s->e.family == family && memcmp(s->e.addr, key, 16) == 0) {
            return s;
        }
        if (s->e.family == 0) {
            victim = s;
            t->used++;
            break;
        }
        if (victim == NULL || s->e.last_seen_ns < victim->e.last_seen_ns) {
            victim = s;
        }
    }
    memset(victim, 0, sizeof(*victim));
    victim->e.family = family;
    memcpy(victim->e.addr, key, 16);
    victim->tat_ns = now; /* a new client starts with a full bucket: burst answers */
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
    if (tat - now_ns <= t->tolerance_ns) {
        s->tat_ns = tat + t->interval_ns;
        return CL_PASS;
    }
    /* Over the limit (chrony's CLG_LimitServiceRate). Independent bits for the two draws. */
    uint64_t r = next_rand(t);
    if (((r >> 32) & t->leak_mask) == 0) {
        /* A leaked answer empties the bucket, as chrony resets its tokens to 0: the next
         * regular answer is a full interval away. This also keeps TAT within one burst of
         * now however long a flood lasts. */
        s->tat_ns = now_ns + t->tolerance_ns + t->interval_ns;
        return CL_PASS;
    }
    if (((r >> 48) & ((1u << CL_KOD_LOG2) - 1)) == 0) {
        s->e.kods++;
        return CL_KOD;
    }
    s->e.drops++;
    return CL_DROP;
}

static bool busier(const struct cl_entry *a, const struct cl_entry *b)
{
    if (a->requests != b->requests) {
        return a->requests > b->requests;
    }
    return a->last_seen_ns > b->last_seen_ns;
}

size_t cl_top(const struct clientlog *t, struct cl_entry *out, size_t max)
{
    size_t n = 0;
    if (max == 0) {
        return 0;
    }
    for (size_t i = 0; i <= t->mask; i++) {
        const struct cl_entry *e = &t->slots[i].e;
        if (e->family == 0) {
            continue;
        }
        /* Insertion into the sorted top list; drop the last one when it is full. */
        if (n == max && !busier(e, &out[max - 1])) {
            continue;
        }
        size_t pos = n < max ? n : max - 1;
        while (pos > 0 && busier(e, &out[pos - 1])) {
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
