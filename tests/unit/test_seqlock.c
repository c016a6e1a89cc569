/* SPDX-License-Identifier: BSD-2-Clause */
/* test_seqlock: readers never see a torn struct while one writer publishes (every field of a
 * published value carries the same generation, and its checksum matches), they see the
 * generations in order, and before any write they get "never written". Two reader threads
 * against the writer, bounded in count; the suite also runs it under ThreadSanitizer (the
 * `tsan` label), which checks the C11 memory model, not just the outcome. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "check.h"
#include "common/seqlock.h"

#define WRITES 200000

struct value {
    uint64_t gen;
    double a, b;
    int32_t c[7];
    uint64_t sum;
};

static SEQLOCK(, SEQLOCK_WORDS(sizeof(struct value))) lock;
static atomic_bool done;

static struct value make(uint64_t gen)
{
    struct value v = {.gen = gen, .a = (double)gen, .b = -(double)gen};
    uint64_t sum = gen;
    for (int i = 0; i < 7; i++) {
        v.c[i] = (int32_t)(gen * 7 + (uint64_t)i);
        sum += (uint64_t)v.c[i];
    }
    v.sum = sum;
    return v;
}

static bool consistent(const struct value *v)
{
    struct value want = make(v->gen);
    return v->a == want.a && v->b == want.b && v->sum == want.sum &&
           v->c[6] == want.c[6] && v->c[0] == want.c[0];
}

struct reader_result {
    long reads, torn, backwards;
};

static void *reader(void *arg)
{
    struct reader_result *r = arg;
    uint64_t last = 0;
    while (!atomic_load_explicit(&done, memory_order_relaxed)) {
        struct value v;
        if (!seqlock_read(&lock, &v)) {
            continue;
        }
        r->reads++;
        r->torn += !consistent(&v);
        r->backwards += v.gen < last;
        last = v.gen;
    }
    return NULL;
}

int main(void)
{
    struct value v;
    CHECK(!seqlock_read(&lock, &v)); /* never written */
    pthread_t t[2];
    struct reader_result res[2] = {{0}};
    for (int i = 0; i < 2; i++) {
        CHECK_INT(pthread_create(&t[i], NULL, reader, &res[i]), 0);
    }
    for (uint64_t gen = 1; gen <= WRITES; gen++) {
        struct value w = make(gen);
        seqlock_write(&lock, &w);
    }
    atomic_store(&done, true);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        printf("reader %d: %ld reads, %ld torn, %ld out of order\n", i, res[i].reads,
               res[i].torn, res[i].backwards);
        CHECK_INT(res[i].torn, 0);
        CHECK_INT(res[i].backwards, 0);
    }
    CHECK(seqlock_read(&lock, &v));
    CHECK(v.gen == WRITES && consistent(&v));
    return check_result();
}
