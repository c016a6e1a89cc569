/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests of the client table and rate limiter with synthetic monotonic time: a client within
 * the limit always passes, bursts are honoured, a flooder is mostly dropped with some RATE
 * KoDs and a leak fraction answered, recovery after a flood, eviction when full, counts,
 * v4-mapped keys, cl_top ordering, and no heap use per packet.
 */
#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <string.h>

#include "check.h"
#include "common/ntime.h"
#include "server/clientlog.h"

static struct sockaddr_storage v4(uint32_t host_order)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *s = (struct sockaddr_in *)&ss;
    s->sin_family = AF_INET;
    s->sin_addr.s_addr = htonl(host_order);
    s->sin_port = htons(123);
    return ss;
}

static struct sockaddr_storage v6(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
    s->sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, text, &s->sin6_addr) != 1) {
        abort();
    }
    return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

static const struct cl_params chrony_default = {.interval_log2 = 3, .burst = 8, .leak_log2 = 2};

/* The entry for one address, via cl_top (the public view). */
static bool find_entry(const struct clientlog *t, const struct sockaddr_storage *ss,
                       struct cl_entry *out)
{
    static struct cl_entry all[1 << 12];
    size_t n = cl_top(t, all, sizeof(all) / sizeof(all[0]));
    const uint8_t *key;
    size_t klen;
    int family = ss->ss_family;
    if (family == AF_INET) {
        key = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
        klen = 4;
    } else {
        key = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
        klen = 16;
    }
    for (size_t i = 0; i < n; i++) {
        if (all[i].family == family && memcmp(all[i].addr, key, klen) == 0) {
            *out = all[i];
            return true;
        }
    }
    return false;
}

static void test_counting_without_limit(void)
{
    struct clientlog *t = cl_create(100, NULL, 1);
    CHECK(t != NULL);
    CHECK_INT(cl_capacity(t), 128);
    struct sockaddr_storage a = v4(0x0a000001);
    for (int i = 0; i < 100000; i++) {
        CHECK_INT(cl_record(t, SA(a), i), CL_PASS);
    }
    struct cl_entry e;
    CHECK(find_entry(t, &a, &e));
    CHECK_INT(e.requests, 100000);
    CHECK_INT(e.drops, 0);
    CHECK_INT(e.kods, 0);
    CHECK_INT(e.last_seen_ns, 99999);
    CHECK_INT(e.family, AF_INET);
    CHECK_INT(cl_used(t), 1);
    cl_destroy(t);
    /* Sizes: rounded up to a power of two, at least 16. */
    t = cl_create(0, NULL, 1);
    CHECK_INT(cl_capacity(t), 16);
    cl_destroy(t);
    t = cl_create(4096, NULL, 1);
    CHECK_INT(cl_capacity(t), 4096);
    cl_destroy(t);
}

static void test_within_limit(void)
{
    struct clientlog *t = cl_create(64, &chrony_default, 7);
    struct sockaddr_storage a = v4(0xc0a80105);
    int64_t now = 5 * NT_NS_PER_S;
    int bad = 0;
    /* chronyd's iburst: 4 requests 2 s apart, then one per 2^6 s... */
    for (int i = 0; i < 4; i++, now += 2 * NT_NS_PER_S) {
        bad += cl_record(t, SA(a), now) != CL_PASS;
    }
    for (int i = 0; i < 1000; i++, now += 64 * NT_NS_PER_S) {
        bad += cl_record(t, SA(a), now) != CL_PASS;
    }
    /* ...and a client at exactly the limit, one request per 8 s, for a day. */
    struct sockaddr_storage b = v4(0xc0a80106);
    for (int i = 0; i < 86400 / 8; i++, now += 8 * NT_NS_PER_S) {
        bad += cl_record(t, SA(b), now) != CL_PASS;
    }
    CHECK_INT(bad, 0);
    /* A burst of exactly `burst` passes at one instant, deterministically. */
    struct sockaddr_storage c = v4(0xc0a80107);
    for (int i = 0; i < 8; i++) {
        bad += cl_record(t, SA(c), now) != CL_PASS;
    }
    CHECK_INT(bad, 0);
    /* After one interval of quiet, one more passes. */
    now += 8 * NT_NS_PER_S;
    CHECK_INT(cl_record(t, SA(c), now), CL_PASS);
    struct cl_entry e;
    CHECK(find_entry(t, &b, &e));
    CHECK_INT(e.requests, 86400 / 8);
    CHECK_INT(e.drops + e.kods, 0);
    cl_destroy(t);
}

struct tally {
    long pass, drop, kod;
};

static struct tally flood(struct clientlog *t, const struct sockaddr_storage *ss, int64_t *now,
                          long n, int64_t spacing_ns)
{
    struct tally r = {0, 0, 0};
    for (long i = 0; i < n; i++, *now += spacing_ns) {
        switch (cl_record(t, SA(*ss), *now)) {
        case CL_PASS: r.pass++; break;
        case CL_DROP: r.drop++; break;
        case CL_KOD: r.kod++; break;
        }
    }
    return r;
}

static void test_flooder(void)
{
    for (int leak = 1; leak <= 4; leak++) {
        struct cl_params p = chrony_default;
        p.leak_log2 = leak;
        struct clientlog *t = cl_create(64, &p, 1000 + (uint64_t)leak);
        struct sockaddr_storage f = v4(0x0a000063);
        struct sockaddr_storage good = v4(0x0a000064);
        int64_t now = NT_NS_PER_S;
        /* 10 kHz for 20 s, while a neighbour polls every 8 s. */
        const long n = 200000;
        struct tally r = {0, 0, 0};
        long good_pass = 0;
        for (long i = 0; i < n; i += 80000) {
            struct tally part = flood(t, &f, &now, 80000 < n - i ? 80000 : n - i, 100000);
            r.pass += part.pass;
            r.drop += part.drop;
            r.kod += part.kod;
            good_pass += cl_record(t, SA(good), now) == CL_PASS;
        }
        double leak_frac = 1.0 / (1 << leak);
        double kod_frac = (1 - leak_frac) / (1 << CL_KOD_LOG2);
        printf("leak %d: flooder %ld answered, %ld KoD, %ld dropped of %ld (expect %.3f/%.3f)\n",
               leak, r.pass, r.kod, r.drop, n, leak_frac, kod_frac);
        CHECK_INT(r.pass + r.drop + r.kod, n);
        CHECK_NEAR((double)r.pass / n, leak_frac, 0.01);
        CHECK_NEAR((double)r.kod / n, kod_frac, 0.01);
        if (leak >= 2) {
            /* "Mostly dropped or KoD'd" (leak 1 answers half by definition). */
            CHECK(r.drop + r.kod > n * 7 / 10);
        }
        CHECK_INT(good_pass, 3);
        struct cl_entry e = {0};
        CHECK(find_entry(t, &f, &e));
        CHECK_INT(e.requests, n);
        CHECK_INT(e.drops, r.drop);
        CHECK_INT(e.kods, r.kod);

        /* The flood stops; one interval later the client is answered again, and after a
         * burst's worth of quiet it has its whole burst back. */
        now += 8 * NT_NS_PER_S;
        CHECK_INT(cl_record(t, SA(f), now), CL_PASS);
        now += 8 * 8 * NT_NS_PER_S;
        struct tally burst = flood(t, &f, &now, 8, 1);
        CHECK_INT(burst.pass, 8);
        cl_destroy(t);
    }
}

static void test_fast_intervals(void)
{
    /* interval -19: 524288 answers/s; burst 1. */
    struct cl_params p = {.interval_log2 = -19, .burst = 1, .leak_log2 = 4};
    struct clientlog *t = cl_create(16, &p, 3);
    struct sockaddr_storage a = v6("2001:db8::5");
    int64_t now = 0;
    struct tally slow = flood(t, &a, &now, 100000, 2000); /* 500 kHz: within the limit */
    CHECK_INT(slow.pass, 100000);
    struct tally fast = flood(t, &a, &now, 100000, 500);  /* 2 MHz: about a quarter */
    printf("interval -19 at 2 MHz: %ld answered of 100000\n", fast.pass);
    CHECK(fast.pass > 25000 && fast.pass < 33000);
    cl_destroy(t);
    /* interval 12, burst 255: the ranges' other ends. */
    p = (struct cl_params){.interval_log2 = 12, .burst = 255, .leak_log2 = 1};
    t = cl_create(16, &p, 3);
    now = 0;
    struct tally b = flood(t, &a, &now, 255, NT_NS_PER_S);
    CHECK_INT(b.pass, 255);
    cl_destroy(t);
    /* Out-of-range parameters are clamped, not trusted: leak 0 would mean no limit. */
    p = (struct cl_params){.interval_log2 = 3, .burst = 0, .leak_log2 = 0};
    t = cl_create(16, &p, 3);
    now = 0;
    struct tally z = flood(t, &a, &now, 10000, 1000);
    CHECK(z.pass < 6000);
    cl_destroy(t);
}

static void test_keys(void)
{
    struct clientlog *t = cl_create(64, NULL, 11);
    struct sockaddr_storage a4 = v4(0x0a000001), mapped = v6("::ffff:10.0.0.1");
    struct sockaddr_storage a6 = v6("102:304::"), b4 = v4(0x01020304);
    cl_record(t, SA(a4), 1);
    cl_record(t, SA(mapped), 2);
    cl_record(t, SA(a6), 3);
    cl_record(t, SA(b4), 4);
    struct sockaddr sa = {.sa_family = AF_UNIX};
    CHECK_INT(cl_record(t, &sa, 5), CL_DROP);
    CHECK_INT(cl_used(t), 3);
    struct cl_entry e;
    CHECK(find_entry(t, &a4, &e));
    CHECK_INT(e.requests, 2);
    CHECK_INT(e.last_seen_ns, 2);
    CHECK(find_entry(t, &a6, &e));
    CHECK_INT(e.requests, 1);
    CHECK_INT(e.family, AF_INET6);
    CHECK(find_entry(t, &b4, &e));
    CHECK_INT(e.requests, 1);
    cl_destroy(t);
}

static void test_eviction(void)
{
    struct clientlog *t = cl_create(16, &chrony_default, 5);
    struct sockaddr_storage keep = v4(0xc0000201);
    int64_t now = 0;
    for (uint32_t i = 0; i < 5000; i++) {
        cl_record(t, SA(keep), now);
        cl_record(t, SA(keep), now);
        now += 8 * NT_NS_PER_S;
        struct sockaddr_storage other = v4(0x0b000000 + i);
        cl_record(t, SA(other), now + 1);
        CHECK(cl_used(t) <= 16);
    }
    CHECK_INT(cl_used(t), 16);
    struct cl_entry e;
    /* The client seen every round is never the least recently seen: it stays. */
    CHECK(find_entry(t, &keep, &e));
    CHECK_INT(e.requests, 10000);
    /* The newest newcomer is in; the first ones were evicted. */
    struct sockaddr_storage newest = v4(0x0b000000 + 4999), first = v4(0x0b000000);
    CHECK(find_entry(t, &newest, &e));
    CHECK(!find_entry(t, &first, &e));
    cl_destroy(t);

    /* At a quarter load, (almost) nobody is evicted: the seeded hash spreads addresses, even
     * sequential ones and ones that differ only in the high IPv6 bytes. */
    t = cl_create(4096, NULL, 0x1234);
    for (uint32_t i = 0; i < 512; i++) {
        struct sockaddr_storage s = v4(0x0a000000 + i);
        cl_record(t, SA(s), i);
        char text[64];
        snprintf(text, sizeof(text), "%x::1", 0x2000 + i);
        s = v6(text);
        cl_record(t, SA(s), i);
    }
    printf("1024 clients in 4096 slots: %zu kept\n", cl_used(t));
    CHECK(cl_used(t) >= 1020);
    cl_destroy(t);
}

static void test_top(void)
{
    struct clientlog *t = cl_create(256, NULL, 9);
    /* Client i sends i requests; clients 5 and 6 also tie at 30 with different last seen. */
    int64_t now = 0;
    for (uint32_t i = 1; i <= 20; i++) {
        struct sockaddr_storage s = v4(0x0a000000 + i);
        for (uint32_t k = 0; k < i; k++) {
            cl_record(t, SA(s), now++);
        }
    }
    struct sockaddr_storage t1 = v4(0x0b000001), t2 = v4(0x0b000002);
    for (int k = 0; k < 30; k++) {
        cl_record(t, SA(t1), now++);
    }
    for (int k = 0; k < 30; k++) {
        cl_record(t, SA(t2), now++);
    }
    struct cl_entry top[64];
    size_t n = cl_top(t, top, 5);
    CHECK_INT(n, 5);
    CHECK_INT(top[0].requests, 30);
    CHECK_INT(top[0].addr[3], 2); /* the tie: most recently seen first */
    CHECK_INT(top[1].requests, 30);
    CHECK_INT(top[1].addr[3], 1);
    CHECK_INT(top[2].requests, 20);
    CHECK_INT(top[3].requests, 19);
    CHECK_INT(top[4].requests, 18);
    n = cl_top(t, top, 64);
    CHECK_INT(n, 22);
    for (size_t i = 1; i < n; i++) {
        CHECK(top[i - 1].requests >= top[i].requests);
    }
    CHECK_INT(top[n - 1].requests, 1);
    CHECK_INT(cl_top(t, top, 0), 0);
    cl_destroy(t);
}

static void test_no_heap_per_packet(void)
{
    /* By design cl_record never allocates (one calloc in cl_create); check that the heap
     * does not move over a flood of new and old clients. (Under ASan mallinfo2 reads 0.) */
    struct clientlog *t = cl_create(1024, &chrony_default, 77);
    struct mallinfo2 before = mallinfo2();
    int64_t now = 0;
    for (uint32_t i = 0; i < 200000; i++, now += 1000) {
        struct sockaddr_storage s = v4(0x0a000000 + (i * 2654435761u % 5000));
        cl_record(t, SA(s), now);
    }
    struct cl_entry top[16];
    cl_top(t, top, 16);
    struct mallinfo2 after = mallinfo2();
    CHECK(before.uordblks == after.uordblks);
    CHECK(before.hblkhd == after.hblkhd);
    cl_destroy(t);
}

int main(void)
{
    check_seed(0); /* the tables carry their own seeds; printed for uniformity */
    test_counting_without_limit();
    test_within_limit();
    test_flooder();
    test_fast_intervals();
    test_keys();
    test_eviction();
    test_top();
    test_no_heap_per_packet();
    return check_result();
}
