/* SPDX-License-Identifier: BSD-2-Clause */
/* vote: see vote.h. The sweep over sorted interval ends; a start sorts before an end at the
 * same value, so intervals that touch overlap (closed intervals, as RFC 5905). */
#include "refclock/vote.h"

#include <math.h>
#include <stdlib.h>

struct end {
    double x;
    int kind; /* -1: a start, +1: an end (sorts starts first at equal x) */
};

static int by_value(const void *a, const void *b)
{
    const struct end *p = a, *q = b;
    if (p->x != q->x) {
        return p->x < q->x ? -1 : 1;
    }
    return p->kind - q->kind;
}

void vote_intersect(const struct vote_cand *c, int n, bool *truechimer, struct vote_result *r)
{
    struct end e[2 * VOTE_MAX];
    int m = 0;
    *r = (struct vote_result){.lo_s = NAN, .hi_s = NAN};
    for (int i = 0; i < n && i < VOTE_MAX; i++) {
        truechimer[i] = false;
        double d = isfinite(c[i].dist_s) ? fabs(c[i].dist_s) : INFINITY;
        e[m++] = (struct end){c[i].offset_s - d, -1};
        e[m++] = (struct end){c[i].offset_s + d, +1};
    }
    if (n > VOTE_MAX) {
        n = VOTE_MAX;
    }
    qsort(e, (size_t)m, sizeof(e[0]), by_value);
    int depth = 0;
    for (int k = 0; k < m; k++) {
        depth -= e[k].kind;
        if (e[k].kind < 0 && depth > r->depth) {
            r->depth = depth;
            r->lo_s = e[k].x;
            r->hi_s = k + 1 < m ? e[k + 1].x : e[k].x; /* the next end closes the stretch */
        }
    }
    if (r->depth == 0) {
        return;
    }
    r->majority = 2 * r->depth > n;
    double mid = (r->lo_s + r->hi_s) / 2;
    for (int i = 0; i < n; i++) {
        double d = isfinite(c[i].dist_s) ? fabs(c[i].dist_s) : INFINITY;
        truechimer[i] = c[i].offset_s - d <= mid && mid <= c[i].offset_s + d;
    }
}
