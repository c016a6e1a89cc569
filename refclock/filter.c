/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter: a median-based estimator. Taking the mean of the inner 60% around the median keeps
 * most of the averaging gain of a plain mean on Gaussian jitter while ignoring the occasional
 * late NMEA sentence or a spurious pulse (chrony's refclock filter does the same kind of
 * trimming).
 */
#include "refclock/filter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void flt_init(struct flt *f, int len)
{
    memset(f, 0, sizeof(*f));
    f->len = len < 1 ? 1 : len > FLT_MAX_LEN ? FLT_MAX_LEN : len;
}

void flt_reset(struct flt *f)
{
    flt_init(f, f->len);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_of(const struct flt *f, double *sorted)
{
    memcpy(sorted, f->x_s, (size_t)f->n * sizeof(double));
    qsort(sorted, (size_t)f->n, sizeof(double), cmp_double);
    return f->n % 2 ? sorted[f->n / 2] : (sorted[f->n / 2 - 1] + sorted[f->n / 2]) / 2;
}

bool flt_add(struct flt *f, int64_t t_ns, double x_s, double min_spread_s)
{
    if (f->n == f->len && f->len >= 4) {
        double sorted[FLT_MAX_LEN];
        double med = median_of(f, sorted);
        double limit = fmax(8 * f->jitter_s, min_spread_s);
        if (fabs(x_s - med) > limit) {
            return false;
        }
    }
    int slot = (f->head + f->n) % f->len;
    if (f->n == f->len) {
        slot = f->head;
        f->head = (f->head + 1) % f->len;
    } else {
        f->n++;
    }
    f->t_ns[slot] = t_ns;
    f->x_s[slot] = x_s;
    return true;
}

bool flt_estimate(struct flt *f, double *x_s, double *jitter_s, int64_t *t_ns)
{
    if (f->n == 0) {
        return false;
    }
    double sorted[FLT_MAX_LEN];
    median_of(f, sorted);
    int drop = f->n >= 5 ? f->n / 5 : 0; /* trim 20% at each end */
    double sum = 0;
    int k = 0;
    for (int i = drop; i < f->n - drop; i++, k++) {
        sum += sorted[i];
    }
    double mean = sum / k;
    double var = 0;
    for (int i = 0; i < f->n; i++) {
        var += (f->x_s[i] - mean) * (f->x_s[i] - mean);
    }
    f->jitter_s = f->n > 1 ? sqrt(var / (f->n - 1)) : 0;
    *x_s = mean;
    *jitter_s = f->jitter_s;
    int newest = (f->head + f->n - 1) % f->len;
    *t_ns = f->t_ns[newest];
    return true;
}
