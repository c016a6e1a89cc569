/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check: the tiny test harness every unit test shares. CHECK prints file:line and the failed
 * expression and counts the failure; main() returns check_result(). Randomness is seeded from
 * GN_SEED (or a fixed default) and the seed is printed, so a failing run can be repeated.
 */
#ifndef GN_CHECK_H
#define GN_CHECK_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int check_failures;
static int check_count;

#define CHECK(expr)                                                                             \
    do {                                                                                        \
        check_count++;                                                                          \
        if (!(expr)) {                                                                          \
            check_failures++;                                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr);            \
        }                                                                                       \
    } while (0)

#define CHECK_INT(a, b)                                                                         \
    do {                                                                                        \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                         \
        check_count++;                                                                          \
        if (check_a_ != check_b_) {                                                             \
            check_failures++;                                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__,         \
                    __LINE__, #a, #b, check_a_, check_b_);                                      \
        }                                                                                       \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                   \
    do {                                                                                        \
        double check_a_ = (double)(a), check_b_ = (double)(b);                                  \
        check_count++;                                                                          \
        if (!(fabs(check_a_ - check_b_) <= (tol))) {                                            \
            check_failures++;                                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s ~ %s (%.9g vs %.9g, tol %.3g)\n",          \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_, (double)(tol));             \
        }                                                                                       \
    } while (0)

/* Seed for this run: GN_SEED from the environment, else def. Printed. */
static inline unsigned check_seed(unsigned def)
{
    const char *s = getenv("GN_SEED");
    unsigned seed = s ? (unsigned)strtoul(s, NULL, 0) : def;
    printf("seed %u (set GN_SEED to repeat)\n", seed);
    return seed;
}

static inline int check_result(void)
{
    printf("%d checks, %d failed\n", check_count, check_failures);
    return check_failures == 0 ? 0 : 1;
}

#endif
