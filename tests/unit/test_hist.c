/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests of the status page's history: bad parameters refused, the fine ring wraps keeping the
 * newest points under their sequence numbers, coarse points are means (NaN skipped) with the
 * worst stratum and dispersion, the JSON is valid, holds what was added (nulls for gaps,
 * escaped names), answers `after` as documented, and never exceeds hist_json_max; a sample
 * from status leaves a source without a recent sample as a gap.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/ntime.h"
#include "daemon/hist.h"
#include "json_check.h"

static struct hist_sample sample(int k)
{
    struct hist_sample s;
    memset(&s, 0, sizeof(s));
    s.t_ns = 1700000000 * NT_NS_PER_S + (int64_t)k * NT_NS_PER_S + 123 * NT_NS_PER_MS;
    s.stratum = 1;
    s.freq_ppm = 10 + k;
    s.root_disp_s = 1e-6 * k;
    s.requests_per_s = 100 * k;
    for (int i = 0; i < HIST_MAX_SOURCES; i++) {
        s.offset_s[i] = 1e-3 * k + i;
        s.jitter_s[i] = 1e-6 * (k + i);
    }
    return s;
}

static struct hist *make(size_t fine, size_t coarse, int every)
{
    struct hist_params p = {.n_sources = 2, .names = {"nmea0", "pps0"}, .fine_points = fine,
                            .coarse_points = coarse, .coarse_every = every,
                            .fine_interval_s = 1};
    return hist_create(&p);
}

/* Render into a fresh string (the caller frees it). */
static char *render(const struct hist *h, enum hist_window w, uint64_t after)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    hist_render_json(h, w, after, out);
    fclose(out);
    return buf;
}

static void test_params(void)
{
    struct hist_params p = {.n_sources = 1, .names = {"a"}, .fine_points = 10,
                            .coarse_points = 10, .coarse_every = 4, .fine_interval_s = 1};
    struct hist *h = hist_create(&p);
    CHECK(h != NULL);
    hist_destroy(h);
    struct hist_params bad = p;
    bad.fine_points = 0;
    CHECK(hist_create(&bad) == NULL);
    bad = p;
    bad.coarse_every = 0;
    CHECK(hist_create(&bad) == NULL);
    bad = p;
    bad.n_sources = HIST_MAX_SOURCES + 1;
    CHECK(hist_create(&bad) == NULL);
    bad = p;
    bad.n_sources = -1;
    CHECK(hist_create(&bad) == NULL);
}

static void test_wrap(void)
{
    struct hist *h = make(5, 3, 100);
    struct hist_sample got;
    CHECK_INT(hist_count(h, HIST_FINE), 0);
    CHECK_INT(hist_last_seq(h, HIST_FINE), 0);
    CHECK(!hist_get(h, HIST_FINE, 0, &got));
    CHECK(!hist_get(h, HIST_FINE, 1, &got));
    for (int k = 1; k <= 12; k++) {
        struct hist_sample s = sample(k);
        hist_add(h, &s);
        CHECK_INT(hist_last_seq(h, HIST_FINE), k);
        CHECK_INT(hist_count(h, HIST_FINE), k < 5 ? k : 5);
    }
    /* 12 added, 5 held: 8..12. */
    CHECK(!hist_get(h, HIST_FINE, 7, &got));
    CHECK(!hist_get(h, HIST_FINE, 13, &got));
    for (int k = 8; k <= 12; k++) {
        CHECK(hist_get(h, HIST_FINE, (uint64_t)k, &got));
        struct hist_sample want = sample(k);
        CHECK_INT(got.t_ns, want.t_ns);
        CHECK_INT(got.stratum, 1);
        CHECK_NEAR(got.freq_ppm, want.freq_ppm, 0);
        CHECK_NEAR(got.offset_s[1], want.offset_s[1], 0);
        CHECK_NEAR(got.jitter_s[0], want.jitter_s[0], 0);
        CHECK(isnan(got.offset_s[2])); /* only two sources */
    }
    CHECK_INT(hist_count(h, HIST_COARSE), 0);
    hist_destroy(h);
}

static void test_coarse(void)
{
    struct hist *h = make(100, 2, 4);
    for (int k = 1; k <= 4; k++) {
        struct hist_sample s = sample(k);
        if (k == 2) {
            s.offset_s[0] = NAN; /* a gap: skipped by the mean */
            s.stratum = 16;      /* a moment unsynchronized: the worst is kept */
        }
        s.jitter_s[1] = NAN;     /* never known in this bucket: NaN */
        hist_add(h, &s);
        CHECK_INT(hist_count(h, HIST_COARSE), k == 4 ? 1 : 0);
    }
    struct hist_sample c;
    CHECK(hist_get(h, HIST_COARSE, 1, &c));
    CHECK_INT(c.t_ns, sample(4).t_ns);
    CHECK_INT(c.stratum, 16);
    CHECK_NEAR(c.freq_ppm, (11 + 12 + 13 + 14) / 4.0, 1e-12);
    CHECK_NEAR(c.requests_per_s, 250, 1e-9);
    CHECK_NEAR(c.root_disp_s, 4e-6, 1e-15);                    /* the largest */
    CHECK_NEAR(c.offset_s[0], (1e-3 + 3e-3 + 4e-3) / 3, 1e-12); /* k = 2 skipped */
    CHECK(isnan(c.jitter_s[1]));
    /* The next bucket starts afresh: three more points make none yet, the fourth one. */
    for (int k = 5; k <= 12; k++) {
        struct hist_sample s = sample(k);
        hist_add(h, &s);
    }
    CHECK_INT(hist_count(h, HIST_COARSE), 2);
    CHECK_INT(hist_last_seq(h, HIST_COARSE), 3);
    CHECK(hist_get(h, HIST_COARSE, 3, &c));
    CHECK_NEAR(c.freq_ppm, (19 + 20 + 21 + 22) / 4.0, 1e-12);
    CHECK_INT(c.stratum, 1);
    CHECK(!hist_get(h, HIST_COARSE, 1, &c)); /* wrapped away */
    hist_destroy(h);
}

static void test_json(void)
{
    struct hist *h = make(4, 2, 2);
    char *j = render(h, HIST_FINE, 0);
    CHECK(json_valid(j));
    CHECK(strstr(j, "\"first_seq\":1,\"last_seq\":0") != NULL);
    CHECK(strstr(j, "\"t\":[]") != NULL);
    CHECK(strstr(j, "\"offset_s\":[[],[]]") != NULL);
    free(j);
    for (int k = 1; k <= 6; k++) {
        struct hist_sample s = sample(k);
        if (k == 6) {
            s.offset_s[1] = NAN;
            s.freq_ppm = INFINITY; /* not a JSON number either */
        }
        hist_add(h, &s);
    }
    j = render(h, HIST_FINE, 0);
    CHECK(json_valid(j));
    CHECK(strstr(j, "\"window\":\"fine\",\"interval_s\":1,\"capacity\":4,") != NULL);
    CHECK(strstr(j, "\"first_seq\":3,\"last_seq\":6,\"sources\":[\"nmea0\",\"pps0\"]") != NULL);
    CHECK(strstr(j, "\"t\":[1700000003.123,1700000004.123,1700000005.123,1700000006.123]") !=
          NULL);
    CHECK(strstr(j, "\"stratum\":[1,1,1,1]") != NULL);
    CHECK(strstr(j, "\"frequency_ppm\":[13,14,15,null]") != NULL);
    CHECK(strstr(j, "\"requests_per_s\":[300,400,500,600]") != NULL);
    CHECK(strstr(j, "\"offset_s\":[[0.003,0.004,0.005,0.006],[1.003,1.004,1.005,null]]") != NULL);
    CHECK(strstr(j, "\"jitter_s\":[[3e-06,4e-06,5e-06,6e-06],[4e-06,5e-06,6e-06,7e-06]]") !=
          NULL);
    free(j);
    /* after: only the newer points; beyond the newest (another run's numbers): all again;
     * behind the ring: all held. */
    j = render(h, HIST_FINE, 5);
    CHECK(json_valid(j));
    CHECK(strstr(j, "\"first_seq\":6,\"last_seq\":6,") != NULL);
    CHECK(strstr(j, "\"t\":[1700000006.123]") != NULL);
    free(j);
    j = render(h, HIST_FINE, 6);
    CHECK(strstr(j, "\"first_seq\":7,\"last_seq\":6,") != NULL && strstr(j, "\"t\":[]") != NULL);
    free(j);
    j = render(h, HIST_FINE, 99);
    CHECK(strstr(j, "\"first_seq\":3,\"last_seq\":6,") != NULL);
    free(j);
    j = render(h, HIST_FINE, 1);
    CHECK(strstr(j, "\"first_seq\":3,") != NULL);
    free(j);
    j = render(h, HIST_COARSE, 0);
    CHECK(json_valid(j));
    CHECK(strstr(j, "\"window\":\"coarse\",\"interval_s\":2,\"capacity\":2,") != NULL);
    CHECK(strstr(j, "\"first_seq\":2,\"last_seq\":3,") != NULL);
    free(j);
    hist_destroy(h);
}

/* Names are escaped, and a full window of the longest numbers stays within hist_json_max. */
static void test_worst_case(void)
{
    const char *names[HIST_MAX_SOURCES] = {"a\"b\\c", "\x01\x02\x03\x04\x05\x06\x07\x08\x09"
                                           "\x0a\x0b\x0c\x0d\x0e\x0f"};
    struct hist_params p = {.n_sources = HIST_MAX_SOURCES, .fine_points = 50,
                            .coarse_points = 7, .coarse_every = 3, .fine_interval_s = 1};
    for (int i = 0; i < HIST_MAX_SOURCES; i++) {
        p.names[i] = names[i] != NULL ? names[i] : "\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f"
                                                   "\x1f\x1f\x1f\x1f\x1f\x1f";
    }
    struct hist *h = hist_create(&p);
    for (int k = 0; k < 200; k++) {
        struct hist_sample s;
        s.t_ns = 9000000000LL * NT_NS_PER_S; /* year 2255 */
        s.stratum = 16;
        s.freq_ppm = s.root_disp_s = s.requests_per_s = -1.23456789e-100;
        for (int i = 0; i < HIST_MAX_SOURCES; i++) {
            s.offset_s[i] = s.jitter_s[i] = -1.23456789e-100;
        }
        hist_add(h, &s);
    }
    for (int w = 0; w < HIST__WINDOWS; w++) {
        char *j = render(h, (enum hist_window)w, 0);
        CHECK(json_valid(j));
        CHECK(strlen(j) <= hist_json_max(h, (enum hist_window)w));
        if (w == HIST_FINE) {
            CHECK(strstr(j, "\"sources\":[\"a\\\"b\\\\c\",\"\\u0001\\u0002") != NULL);
        }
        free(j);
    }
    hist_destroy(h);
}

static void test_from_status(void)
{
    struct rc_tracking t = {.stratum = 1, .freq_ppm = -3.5, .root_disp_s = 2e-6};
    struct rc_src_status s[3];
    memset(s, 0, sizeof(s));
    s[0].last_sample_age_ns = 1 * NT_NS_PER_S; /* fresh */
    s[0].offset_s = 1e-4;
    s[0].jitter_s = 2e-5;
    s[1].last_sample_age_ns = 30 * NT_NS_PER_S; /* lost a while ago */
    s[1].offset_s = 5e-7;
    s[1].jitter_s = 1e-7;
    s[2].last_sample_age_ns = -1; /* never */
    struct hist_sample out;
    hist_sample_from_status(&t, s, 3, 42.5, 123 * NT_NS_PER_S, 10 * NT_NS_PER_S, &out);
    CHECK_INT(out.t_ns, 123 * NT_NS_PER_S);
    CHECK_INT(out.stratum, 1);
    CHECK_NEAR(out.freq_ppm, -3.5, 0);
    CHECK_NEAR(out.root_disp_s, 2e-6, 0);
    CHECK_NEAR(out.requests_per_s, 42.5, 0);
    CHECK_NEAR(out.offset_s[0], 1e-4, 0);
    CHECK_NEAR(out.jitter_s[0], 2e-5, 0);
    CHECK(isnan(out.offset_s[1]) && isnan(out.jitter_s[1]));
    CHECK(isnan(out.offset_s[2]) && isnan(out.jitter_s[2]));
    CHECK(isnan(out.offset_s[3]));
}

int main(void)
{
    test_params();
    test_wrap();
    test_coarse();
    test_json();
    test_worst_case();
    test_from_status();
    return check_result();
}
