/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hist: two rings of rows of doubles (one column per value) plus a time column, carved out of
 * one allocation. A row is [stratum, frequency, root dispersion, requests/s, offsets...,
 * jitters...]; the coarse ring is fed from running sums of the fine samples.
 */
#include "daemon/hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/ntime.h"
#include "daemon/json_out.h"

enum { COL_STRATUM = 0, COL_FREQ, COL_DISP, COL_RPS, COL_FIXED };

struct ring {
    size_t cap;
    uint64_t total;          /* points ever added: the newest one's sequence number */
    int64_t *t_ns;           /* [cap] */
    double *v;               /* [cap][cols] */
};

struct hist {
    int n_src;
    int cols;
    char names[HIST_MAX_SOURCES][16];
    int coarse_every;
    double fine_interval_s;
    struct ring ring[HIST__WINDOWS];
    /* the coarse point being gathered */
    int in_bucket;
    int64_t bucket_t_ns;
    double *sum;             /* [cols]: sums, or the worst value for the max columns */
    int *n;                  /* [cols]: how many were not NaN */
};

const char *hist_window_name(enum hist_window w)
{
    return w == HIST_COARSE ? "coarse" : "fine";
}

bool hist_window_parse(const char *name, enum hist_window *out)
{
    if (strcmp(name, "fine") == 0) {
        *out = HIST_FINE;
    } else if (strcmp(name, "coarse") == 0) {
        *out = HIST_COARSE;
    } else {
        return false;
    }
    return true;
}

/* Columns where the coarse point keeps the worst value rather than the mean: a minute of
 * lost synchronization or a dispersion spike must not be averaged away. */
static bool takes_max(int col)
{
    return col == COL_STRATUM || col == COL_DISP;
}

struct hist *hist_create(const struct hist_params *p)
{
    if (p->n_sources < 0 || p->n_sources > HIST_MAX_SOURCES || p->fine_points == 0 ||
        p->coarse_points == 0 || p->coarse_every < 1 || p->fine_points > (1u << 24) ||
        p->coarse_points > (1u << 24)) {
        return NULL;
    }
    int cols = COL_FIXED + 2 * p->n_sources;
    size_t rows = p->fine_points + p->coarse_points;
    size_t size = sizeof(struct hist) + rows * sizeof(int64_t) +
                  rows * (size_t)cols * sizeof(double) + (size_t)cols * (sizeof(double) + sizeof(int));
    struct hist *h = calloc(1, size);
    if (h == NULL) {
        return NULL;
    }
    h->n_src = p->n_sources;
    h->cols = cols;
    h->coarse_every = p->coarse_every;
    h->fine_interval_s = p->fine_interval_s;
    for (int i = 0; i < p->n_sources; i++) {
        snprintf(h->names[i], sizeof(h->names[i]), "%s", p->names[i] != NULL ? p->names[i] : "");
    }
    /* Carve: the int64 columns first, then the doubles, then the counts (alignment holds:
     * each part's size is a multiple of 8 bytes but the last). */
    char *mem = (char *)(h + 1);
    h->ring[HIST_FINE].cap = p->fine_points;
    h->ring[HIST_COARSE].cap = p->coarse_points;
    for (int w = 0; w < HIST__WINDOWS; w++) {
        h->ring[w].t_ns = (int64_t *)mem;
        mem += h->ring[w].cap * sizeof(int64_t);
    }
    for (int w = 0; w < HIST__WINDOWS; w++) {
        h->ring[w].v = (double *)mem;
        mem += h->ring[w].cap * (size_t)cols * sizeof(double);
    }
    h->sum = (double *)mem;
    mem += (size_t)cols * sizeof(double);
    h->n = (int *)mem;
    return h;
}

void hist_destroy(struct hist *h)
{
    free(h);
}

static void to_row(const struct hist *h, const struct hist_sample *s, double *row)
{
    row[COL_STRATUM] = s->stratum;
    row[COL_FREQ] = s->freq_ppm;
    row[COL_DISP] = s->root_disp_s;
    row[COL_RPS] = s->requests_per_s;
    for (int i = 0; i < h->n_src; i++) {
        row[COL_FIXED + i] = s->offset_s[i];
        row[COL_FIXED + h->n_src + i] = s->jitter_s[i];
    }
}

static void from_row(const struct hist *h, const double *row, struct hist_sample *s)
{
    s->stratum = (int)row[COL_STRATUM];
    s->freq_ppm = row[COL_FREQ];
    s->root_disp_s = row[COL_DISP];
    s->requests_per_s = row[COL_RPS];
    for (int i = 0; i < HIST_MAX_SOURCES; i++) {
        s->offset_s[i] = i < h->n_src ? row[COL_FIXED + i] : NAN;
        s->jitter_s[i] = i < h->n_src ? row[COL_FIXED + h->n_src + i] : NAN;
    }
}

static double *push(struct hist *h, struct ring *r, int64_t t_ns)
{
    size_t at = (size_t)(r->total % r->cap);
    r->total++;
    r->t_ns[at] = t_ns;
    return &r->v[at * (size_t)h->cols];
}

void hist_add(struct hist *h, const struct hist_sample *s)
{
    double *row = push(h, &h->ring[HIST_FINE], s->t_ns);
    to_row(h, s, row);
    for (int c = 0; c < h->cols; c++) {
        if (isnan(row[c])) {
            continue;
        }
        if (h->n[c] == 0) {
            h->sum[c] = row[c];
        } else if (takes_max(c)) {
            h->sum[c] = fmax(h->sum[c], row[c]);
        } else {
            h->sum[c] += row[c];
        }
        h->n[c]++;
    }
    h->bucket_t_ns = s->t_ns;
    if (++h->in_bucket < h->coarse_every) {
        return;
    }
    double *out = push(h, &h->ring[HIST_COARSE], h->bucket_t_ns);
    for (int c = 0; c < h->cols; c++) {
        out[c] = h->n[c] == 0 ? NAN : takes_max(c) ? h->sum[c] : h->sum[c] / h->n[c];
        h->n[c] = 0;
    }
    h->in_bucket = 0;
}

size_t hist_count(const struct hist *h, enum hist_window w)
{
    const struct ring *r = &h->ring[w];
    return r->total < r->cap ? (size_t)r->total : r->cap;
}

uint64_t hist_last_seq(const struct hist *h, enum hist_window w)
{
    return h->ring[w].total;
}

static bool held(const struct hist *h, enum hist_window w, uint64_t seq)
{
    const struct ring *r = &h->ring[w];
    return seq >= 1 && seq <= r->total && seq > r->total - hist_count(h, w);
}

bool hist_get(const struct hist *h, enum hist_window w, uint64_t seq, struct hist_sample *out)
{
    if (!held(h, w, seq)) {
        return false;
    }
    const struct ring *r = &h->ring[w];
    size_t at = (size_t)((seq - 1) % r->cap);
    memset(out, 0, sizeof(*out));
    out->t_ns = r->t_ns[at];
    from_row(h, &r->v[at * (size_t)h->cols], out);
    return true;
}

/* JSON has no NaN: a gap is null. %.6g keeps 6 significant digits, plenty for a plot. */
static void put_num(FILE *out, double v, bool comma)
{
    if (isfinite(v)) {
        fprintf(out, comma ? ",%.6g" : "%.6g", v);
    } else {
        fputs(comma ? ",null" : "null", out);
    }
}

/* One column of points first..last as a JSON array. */
static void put_column(const struct hist *h, enum hist_window w, int col, uint64_t first,
                       uint64_t last, FILE *out)
{
    const struct ring *r = &h->ring[w];
    fputc('[', out);
    for (uint64_t seq = first; seq <= last; seq++) {
        size_t at = (size_t)((seq - 1) % r->cap);
        put_num(out, r->v[at * (size_t)h->cols + (size_t)col], seq != first);
    }
    fputc(']', out);
}


void hist_render_json(const struct hist *h, enum hist_window w, uint64_t after, FILE *out)
{
    const struct ring *r = &h->ring[w];
    uint64_t oldest = r->total - hist_count(h, w) + 1;
    if (after > r->total) {
        after = 0; /* numbers from another run of the daemon: all of this one's */
    }
    uint64_t first = after + 1 > oldest ? after + 1 : oldest;
    uint64_t last = r->total;
    double interval = h->fine_interval_s * (w == HIST_COARSE ? h->coarse_every : 1);
    fprintf(out, "{\"window\":\"%s\",\"interval_s\":%.6g,\"capacity\":%zu,", hist_window_name(w),
            interval, r->cap);
    fprintf(out, "\"first_seq\":%llu,\"last_seq\":%llu,\"sources\":[", (unsigned long long)first,
            (unsigned long long)last);
    for (int i = 0; i < h->n_src; i++) {
        if (i > 0) {
            fputc(',', out);
        }
        json_put_string(out, h->names[i]);
    }
    fputs("],\"t\":[", out);
    for (uint64_t seq = first; seq <= last; seq++) {
        int64_t t = r->t_ns[(size_t)((seq - 1) % r->cap)];
        t = t > 0 ? t : 0;
        /* Milliseconds are enough for a plot; integer arithmetic keeps the epoch exact. */
        long long ms = (long long)(t / NT_NS_PER_MS);
        fprintf(out, "%s%lld.%03lld", seq != first ? "," : "", ms / 1000, ms % 1000);
    }
    fputc(']', out);
    static const char *const fixed[COL_FIXED] = {"stratum", "frequency_ppm",
                                                 "root_dispersion_s", "requests_per_s"};
    for (int c = 0; c < COL_FIXED; c++) {
        fprintf(out, ",\"%s\":", fixed[c]);
        put_column(h, w, c, first, last, out);
    }
    fputs(",\"offset_s\":[", out);
    for (int i = 0; i < h->n_src; i++) {
        if (i > 0) {
            fputc(',', out);
        }
        put_column(h, w, COL_FIXED + i, first, last, out);
    }
    fputs("],\"jitter_s\":[", out);
    for (int i = 0; i < h->n_src; i++) {
        if (i > 0) {
            fputc(',', out);
        }
        put_column(h, w, COL_FIXED + h->n_src + i, first, last, out);
    }
    fputs("]}\n", out);
}

size_t hist_json_max(const struct hist *h, enum hist_window w)
{
    /* Per point: the time (at most 20 characters with its comma) and each value (%.6g is at
     * most 13 characters, "-1.23457e-100", plus a comma); names at most 15 characters, each
     * escaped to at most 6 bytes per character. */
    return 512 + (size_t)h->n_src * (16 * 6 + 8) +
           h->ring[w].cap * (24 + (size_t)h->cols * 16);
}

void hist_sample_from_status(const struct rc_tracking *t, const struct rc_src_status *s,
                             size_t n, double requests_per_s, int64_t now_ns,
                             int64_t max_age_ns, struct hist_sample *out)
{
    memset(out, 0, sizeof(*out));
    out->t_ns = now_ns;
    out->stratum = t->stratum;
    out->freq_ppm = t->freq_ppm;
    out->root_disp_s = t->root_disp_s;
    out->requests_per_s = requests_per_s;
    for (size_t i = 0; i < HIST_MAX_SOURCES; i++) {
        bool fresh = i < n && s[i].last_sample_age_ns >= 0 && s[i].last_sample_age_ns <= max_age_ns;
        out->offset_s[i] = fresh ? s[i].offset_s : NAN;
        out->jitter_s[i] = fresh ? s[i].jitter_s : NAN;
    }
}
