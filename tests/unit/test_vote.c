/* SPDX-License-Identifier: BSD-2-Clause */
/* Marzullo's intersection: the majority's point, truechimers and falsetickers, and what two
 * voters that disagree can and cannot say. */
#include <math.h>

#include "check.h"
#include "refclock/vote.h"

static void test_three_one_liar(void)
{
    /* Two agree around 0 (+-100 us); one says +1 s. */
    struct vote_cand c[] = {{0, 100e-6}, {20e-6, 100e-6}, {1.0, 100e-6}};
    bool tc[3];
    struct vote_result r;
    vote_intersect(c, 3, tc, &r);
    CHECK_INT(r.depth, 2);
    CHECK(r.majority);
    CHECK(tc[0] && tc[1] && !tc[2]);
    CHECK(r.lo_s <= 0 + 100e-6 && r.hi_s >= 20e-6 - 100e-6);
}

static void test_two_disagree(void)
{
    struct vote_cand c[] = {{0, 10e-6}, {100e-6, 10e-6}};
    bool tc[2];
    struct vote_result r;
    vote_intersect(c, 2, tc, &r);
    CHECK_INT(r.depth, 1);
    CHECK(!r.majority);
    /* They touch: closed intervals overlap. */
    struct vote_cand t[] = {{0, 50e-6}, {100e-6, 50e-6}};
    vote_intersect(t, 2, tc, &r);
    CHECK_INT(r.depth, 2);
    CHECK(r.majority && tc[0] && tc[1]);
}

static void test_nested_and_wide(void)
{
    /* A wide interval (a source in long holdover) agrees with everybody, and cannot save a
     * liar: the liar is outside the point the three others share. */
    struct vote_cand c[] = {{0, 1.0}, {10e-6, 20e-6}, {-5e-6, 20e-6}, {0.5, 20e-6}};
    bool tc[4];
    struct vote_result r;
    vote_intersect(c, 4, tc, &r);
    CHECK_INT(r.depth, 3);
    CHECK(r.majority);
    CHECK(tc[0] && tc[1] && tc[2] && !tc[3]);
}

static void test_edge_cases(void)
{
    bool tc[2];
    struct vote_result r;
    vote_intersect(NULL, 0, tc, &r);
    CHECK_INT(r.depth, 0);
    CHECK(!r.majority);
    struct vote_cand one[] = {{0.25, 0}};
    vote_intersect(one, 1, tc, &r);
    CHECK(r.majority && tc[0]);
    /* An unknown bound (NaN) is an infinite one: it agrees with anything, decides nothing. */
    struct vote_cand n[] = {{0, NAN}, {5, 1e-3}};
    vote_intersect(n, 2, tc, &r);
    CHECK(r.majority && tc[0] && tc[1]);
}

int main(void)
{
    test_three_one_liar();
    test_two_disagree();
    test_nested_and_wide();
    test_edge_cases();
    return check_result();
}
