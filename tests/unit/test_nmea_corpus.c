/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_nmea_corpus: replays the 68 real receiver captures of ../shared/nmea-corpus through the
 * driver's framer, parser and cycle assembler and compares the time samples gpsntpd would
 * take with gpsd's mode >= 2 reports, per distinct epoch. Every disagreement must be one of
 * the known differences in the table below (documented in docs/nmea-corpus.md), each checked
 * by a mechanical rule, with exact counts: a new or vanished difference fails the test.
 * Skipped (exit 77) when the corpus is not there.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/ntime.h"
#include "drivers/nmea_frame.h"
#include "drivers/nmea_parse.h"

/* Why an epoch differs. Rules are tried in this order; see classify(). */
enum reason {
    R_GPSD_KEPT_ROLLOVER,  /* gpsd's time is ours - 1024 weeks: it kept the receiver's bug */
    R_GPSD_ADDED_ROLLOVER, /* gpsd's time is ours + 1024 weeks: its live-mode guess */
    R_GPSD_FIRST_FIX,      /* ours, no gpsd time at all: first fix after a no-fix cycle */
    R_GPSD_SKIPPED,        /* ours, no gpsd time at all: its end-of-cycle logic skipped it */
    R_GPSD_LAST_CYCLE,     /* ours, no gpsd time: the log ends before gpsd's cycle ender */
    R_GPSD_NO_FIX,         /* ours, gpsd reported the time with mode < 2 only */
    R_FRAGMENT,            /* gpsd's: our cycle there is a fragment (1 s after a dated one) */
    R_REJECTED,            /* gpsd's: a sentence of our cycle there says "no fix" */
    R_UNKNOWN,             /* gpsd's: nothing in our cycle there says "fix" */
    R_NO_CYCLE,            /* gpsd's: we saw no cycle with that time */
    R__COUNT
};

static const char *const reason_names[R__COUNT] = {
    "gpsd-kept-rollover", "gpsd-added-rollover", "gpsd-first-fix", "gpsd-skipped",
    "gpsd-last-cycle",    "gpsd-no-fix",         "fragment",       "rejected",
    "unknown-validity",   "no-cycle",
};

/*
 * The known differences, per log (docs/nmea-corpus.md says why for each). pivot: the
 * rollover/century pivot when the log's "# Date" header is absent or is not a valid pivot
 * (a pivot must not be later than the data: in the daemon it never is).
 */
struct known {
    const char *log;
    const char *pivot;
    int count[R__COUNT];
};

static const struct known known[] = {
    {"april6_2019", NULL, {[R_GPSD_KEPT_ROLLOVER] = 1}},
    {"beidou-bd", NULL, {[R_GPSD_FIRST_FIX] = 1}},
    {"beidou-gb", NULL, {[R_GPSD_FIRST_FIX] = 1}},
    {"bt451", NULL, {[R_GPSD_SKIPPED] = 2, [R_GPSD_LAST_CYCLE] = 1}},
    {"eXplorist210", NULL, {[R_FRAGMENT] = 1}},
    {"garmin48", "2001-06-01", {[R_GPSD_SKIPPED] = 6, [R_FRAGMENT] = 6}},
    {"geos-1m", NULL, {[R_GPSD_FIRST_FIX] = 1}},
    {"gp-320fw-2019-03-28", NULL, {[R_GPSD_SKIPPED] = 1}},
    {"gp-320fw-2019-04-06-overflow", NULL, {[R_GPSD_SKIPPED] = 1}},
    {"haicom-305N", NULL, {[R_GPSD_FIRST_FIX] = 1}},
    {"hemi", "2018-01-01", {[R_FRAGMENT] = 3}},
    {"humminbird-M37", NULL, {[R_GPSD_SKIPPED] = 2, [R_FRAGMENT] = 4}},
    {"isync", NULL, {[R_GPSD_LAST_CYCLE] = 1}},
    {"mtk-3301", NULL, {[R_GPSD_FIRST_FIX] = 1}},
    {"neo-m8n", NULL, {[R_GPSD_ADDED_ROLLOVER] = 22, [R_GPSD_LAST_CYCLE] = 1}},
    {"rgm3800", NULL, {[R_GPSD_FIRST_FIX] = 1}},
    {"rst39", "2014-01-01", {[R_GPSD_ADDED_ROLLOVER] = 5, [R_FRAGMENT] = 35}},
    {"st-teseo-liv3f", NULL, {[R_GPSD_LAST_CYCLE] = 1}},
    {"triton400", NULL, {[R_FRAGMENT] = 1}},
    {"ublox-lea-4h", NULL, {[R_GPSD_LAST_CYCLE] = 1}},
    {"venus634lp", NULL, {[R_GPSD_LAST_CYCLE] = 1}},
};

#define MAX_EPOCHS 4096

struct cyc {
    int64_t utc_ms;
    bool sample, fragment;
    enum nmea_validity valid;
    enum nmea_validity prev_valid; /* the cycle before it */
};

struct run {
    struct cyc cycles[MAX_EPOCHS];
    int n_cycles;
    int64_t ours[MAX_EPOCHS]; /* distinct sample epochs, ms */
    int n_ours;
    int64_t gpsd2[MAX_EPOCHS]; /* distinct mode >= 2 epochs, ms */
    int n_gpsd2;
    int64_t gpsd_all[MAX_EPOCHS]; /* distinct epochs of any mode, ms */
    int n_gpsd_all;
};

static bool contains(const int64_t *v, int n, int64_t x)
{
    for (int i = 0; i < n; i++) {
        if (v[i] == x) {
            return true;
        }
    }
    return false;
}

static void add_distinct(int64_t *v, int *n, int64_t x)
{
    if (*n < MAX_EPOCHS && !contains(v, *n, x)) {
        v[(*n)++] = x;
    }
}

/* gpsd prints times rounded to the millisecond. */
static int64_t to_ms(int64_t t_ns)
{
    return (t_ns + NT_NS_PER_MS / 2) / NT_NS_PER_MS - (t_ns + NT_NS_PER_MS / 2 < 0);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* "# Date: 2017-1-9", "# Date = 2015-03-18", "# Date: 2022-11-23T" */
static bool header_date(const char *text, int64_t *out_ns)
{
    for (const char *p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p) {
        if (*p != '#') {
            continue;
        }
        const char *q = p + 1;
        while (*q == ' ' || *q == '\t') {
            q++;
        }
        if (strncmp(q, "Date", 4) != 0) {
            continue;
        }
        q += 4;
        while (*q == ' ' || *q == ':' || *q == '=') {
            q++;
        }
        int y, m, d;
        if (sscanf(q, "%4d-%2d-%2d", &y, &m, &d) == 3) {
            *out_ns = nt_from_utc(y, m, d, 0, 0, 0, 0);
            return true;
        }
    }
    return false;
}

static void record(struct run *r, const struct nmea_fix *fx, int k, enum nmea_validity *prev)
{
    for (int i = 0; i < k && r->n_cycles < MAX_EPOCHS; i++) {
        struct cyc *c = &r->cycles[r->n_cycles++];
        c->utc_ms = fx[i].has_utc ? to_ms(fx[i].utc_ns) : INT64_MIN;
        c->sample = nmea_fix_is_sample(&fx[i]);
        c->fragment = fx[i].fragment;
        c->valid = fx[i].valid;
        c->prev_valid = *prev;
        *prev = fx[i].valid;
        if (c->sample) {
            add_distinct(r->ours, &r->n_ours, c->utc_ms);
        }
    }
}

/* The driver's path, with line numbers as receive times and '#' lines skipped as the tool
 * does. At the end, the open cycle is completed, as the next sentence of a receiver that
 * kept talking would. */
static void replay(const char *text, size_t len, int64_t pivot_ns, struct run *r)
{
    struct nmea_framer fr;
    struct nmea_cycle cy;
    nmea_frame_init(&fr);
    nmea_cycle_init(&cy, pivot_ns);
    enum nmea_validity prev = NMEA_VALID_UNKNOWN;
    long line = 1;
    struct nmea_frame f;
    struct nmea_sentence s;
    struct nmea_fix fx[NMEA_CYCLE_MAX_OUT];
    size_t pos = 0;
    while (pos < len) {
        const char *lf = memchr(text + pos, '\n', len - pos);
        size_t seg = lf != NULL ? (size_t)(lf - (text + pos)) + 1 : len - pos;
        if (text[pos] != '#') {
            const uint8_t *d = (const uint8_t *)text + pos;
            size_t n = seg;
            while (nmea_frame_next(&fr, &d, &n, line, &f)) {
                if (f.status == NMEA_FRAME_OK &&
                    nmea_parse_sentence(f.text, f.len, &s) == NMEA_OK) {
                    record(r, fx, nmea_cycle_feed(&cy, &s, line, fx), &prev);
                }
            }
        }
        pos += seg;
        line++;
    }
    if (nmea_frame_flush(&fr, &f) && f.status == NMEA_FRAME_OK &&
        nmea_parse_sentence(f.text, f.len, &s) == NMEA_OK) {
        record(r, fx, nmea_cycle_feed(&cy, &s, line, fx), &prev);
    }
    record(r, fx, nmea_cycle_flush(&cy, fx), &prev);
}

static bool load_expected(const char *path, struct run *r)
{
    size_t len;
    char *text = slurp(path, &len);
    if (text == NULL) {
        return false;
    }
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
        int y, mo, d, h, mi, s, ms, mode;
        if (l[0] == '#' ||
            sscanf(l, "%d-%d-%dT%d:%d:%d.%dZ\t%d", &y, &mo, &d, &h, &mi, &s, &ms, &mode) != 8) {
            continue;
        }
        int64_t t = to_ms(nt_from_utc(y, mo, d, h, mi, s, ms * NT_NS_PER_MS));
        add_distinct(r->gpsd_all, &r->n_gpsd_all, t);
        if (mode >= 2) {
            add_distinct(r->gpsd2, &r->n_gpsd2, t);
        }
    }
    free(text);
    return true;
}

static const struct cyc *find_cycle(const struct run *r, int64_t t_ms, bool want_sample)
{
    const struct cyc *any = NULL;
    for (int i = 0; i < r->n_cycles; i++) {
        if (r->cycles[i].utc_ms == t_ms) {
            if (r->cycles[i].sample == want_sample) {
                return &r->cycles[i];
            }
            any = &r->cycles[i];
        }
    }
    return any;
}

#define ROLL_MS (NMEA_ROLLOVER_NS / NT_NS_PER_MS)

static bool verbose; /* GN_VERBOSE=1: list every difference */

static void note(const char *name, char side, int64_t t_ms, enum reason why)
{
    if (verbose) {
        char buf[32];
        nt_format_iso_ms(t_ms * NT_NS_PER_MS, buf, sizeof(buf));
        printf("  %s %c%s %s\n", name, side, buf, reason_names[why]);
    }
}

/* Classify every difference; counts[] gets one per explained epoch (a rollover pair counts
 * once). Returns the number of differences. */
static int classify(const char *name, const struct run *r, int counts[R__COUNT])
{
    int diffs = 0;
    for (int i = 0; i < r->n_ours; i++) {
        int64_t t = r->ours[i];
        if (contains(r->gpsd2, r->n_gpsd2, t)) {
            continue;
        }
        diffs++;
        enum reason why;
        if (contains(r->gpsd2, r->n_gpsd2, t - ROLL_MS) &&
            !contains(r->ours, r->n_ours, t - ROLL_MS)) {
            why = R_GPSD_KEPT_ROLLOVER;
        } else if (contains(r->gpsd2, r->n_gpsd2, t + ROLL_MS) &&
                   !contains(r->ours, r->n_ours, t + ROLL_MS)) {
            why = R_GPSD_ADDED_ROLLOVER;
        } else if (contains(r->gpsd_all, r->n_gpsd_all, t)) {
            why = R_GPSD_NO_FIX;
        } else if (r->n_cycles > 0 && r->cycles[r->n_cycles - 1].utc_ms == t) {
            why = R_GPSD_LAST_CYCLE;
        } else if (find_cycle(r, t, true)->prev_valid == NMEA_VALID_NO) {
            why = R_GPSD_FIRST_FIX;
        } else {
            why = R_GPSD_SKIPPED;
        }
        counts[why]++;
        note(name, '+', t, why);
    }
    for (int i = 0; i < r->n_gpsd2; i++) {
        int64_t t = r->gpsd2[i];
        bool ours_later = contains(r->ours, r->n_ours, t + ROLL_MS) &&
                          !contains(r->gpsd2, r->n_gpsd2, t + ROLL_MS);
        bool ours_earlier = contains(r->ours, r->n_ours, t - ROLL_MS) &&
                            !contains(r->gpsd2, r->n_gpsd2, t - ROLL_MS);
        if (contains(r->ours, r->n_ours, t) || ours_later || ours_earlier) {
            continue; /* agreement, or the other half of a rollover pair */
        }
        diffs++;
        /* Our cycle at that epoch, or 1024 weeks away where one of us corrected a rollover. */
        const struct cyc *c = find_cycle(r, t, false);
        if (c == NULL) {
            c = find_cycle(r, t + ROLL_MS, false);
        }
        if (c == NULL) {
            c = find_cycle(r, t - ROLL_MS, false);
        }
        enum reason why = c == NULL                   ? R_NO_CYCLE
                          : c->fragment                 ? R_FRAGMENT
                          : c->valid == NMEA_VALID_NO   ? R_REJECTED
                                                        : R_UNKNOWN;
        counts[why]++;
        note(name, '-', t, why);
    }
    return diffs;
}

static const struct known *find_known(const char *name)
{
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(known[i].log, name) == 0) {
            return &known[i];
        }
    }
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    const char *shared = getenv("GN_SHARED");
    verbose = getenv("GN_VERBOSE") != NULL;
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/nmea-corpus", shared != NULL ? shared : "../shared");
    DIR *dp = opendir(dir);
    if (dp == NULL) {
        fprintf(stderr, "\n*** SKIPPED: ../shared/nmea-corpus not found (looked in %s) ***\n\n",
                dir);
        return 77;
    }
    char *names[512];
    int n_logs = 0;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL && n_logs < 512) {
        size_t l = strlen(de->d_name);
        if (l > 4 && strcmp(de->d_name + l - 4, ".log") == 0) {
            names[n_logs++] = strndup(de->d_name, l - 4);
        }
    }
    closedir(dp);
    qsort(names, (size_t)n_logs, sizeof(names[0]), cmp_str);
    CHECK(n_logs >= 60);

    static struct run r;
    int total[R__COUNT] = {0};
    long compared = 0, agreed = 0, explained = 0, samples = 0;
    int bad_logs = 0;
    for (int i = 0; i < n_logs; i++) {
        const char *name = names[i];
        const struct known *k = find_known(name);
        char path[4200];
        snprintf(path, sizeof(path), "%s/%s.log", dir, name);
        size_t len;
        char *text = slurp(path, &len);
        CHECK(text != NULL);
        if (text == NULL) {
            continue;
        }
        int64_t pivot;
        bool have_pivot = k != NULL && k->pivot != NULL ? nt_parse_date(k->pivot, &pivot)
                                                        : header_date(text, &pivot);
        if (!have_pivot) {
            printf("FAIL %s: no '# Date' header and no pivot in the known-differences table\n",
                   name);
            CHECK(have_pivot);
            free(text);
            continue;
        }
        memset(&r, 0, sizeof(r));
        replay(text, len, pivot, &r);
        free(text);
        snprintf(path, sizeof(path), "%s/%s.expected.tsv", dir, name);
        bool have_tsv = load_expected(path, &r);
        CHECK(have_tsv);
        CHECK(r.n_cycles < MAX_EPOCHS && r.n_gpsd_all < MAX_EPOCHS);

        int counts[R__COUNT] = {0};
        int diffs = classify(name, &r, counts);
        int common = 0;
        for (int j = 0; j < r.n_ours; j++) {
            common += contains(r.gpsd2, r.n_gpsd2, r.ours[j]);
        }
        compared += r.n_ours + r.n_gpsd2 - common;
        agreed += common;
        samples += r.n_ours;
        bool ok = true;
        for (int c = 0; c < R__COUNT; c++) {
            int want = k != NULL ? k->count[c] : 0;
            total[c] += counts[c];
            if (counts[c] != want) {
                ok = false;
                printf("FAIL %s: %d x %s, expected %d\n", name, counts[c], reason_names[c], want);
            }
        }
        if (k != NULL && diffs == 0 && k->pivot == NULL) {
            printf("FAIL %s: listed as a known difference but agrees: remove it\n", name);
            ok = false;
        }
        explained += ok ? diffs : 0;
        bad_logs += !ok;
        CHECK(ok);
        printf("%-30s samples %4d  gpsd epochs %4d  agree %4d  differ %3d%s\n", name, r.n_ours,
               r.n_gpsd2, common, diffs, ok ? "" : "  <-- UNEXPLAINED");
    }
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        bool found = false;
        for (int j = 0; j < n_logs; j++) {
            found |= strcmp(names[j], known[i].log) == 0;
        }
        if (!found) {
            printf("FAIL known-differences entry for a missing log: %s\n", known[i].log);
        }
        CHECK(found);
    }
    printf("\nSUMMARY: %d logs, %ld samples taken; %ld epochs compared (ours or gpsd's mode >= 2), "
           "%ld agree, %ld differ: %ld explained differences (a rollover pair of epochs counts "
           "once), %d logs with unexplained ones\n",
           n_logs, samples, compared, agreed, compared - agreed, explained, bad_logs);
    for (int c = 0; c < R__COUNT; c++) {
        if (total[c] > 0) {
            printf("  %-20s %d\n", reason_names[c], total[c]);
        }
    }
    for (int i = 0; i < n_logs; i++) {
        free(names[i]);
    }
    return check_result();
}
