/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests of the Prometheus exposition: its structure line by line (every sample under its own
 * family's HELP and TYPE, no family twice, names gpsntpd_*, counters and only counters ending
 * in _total, label syntax and escaping, numeric values), the key series with their values in
 * base units, unknown values left out, the four sync states, and label values made safe
 * (quotes, backslashes, newlines escaped; invalid UTF-8 replaced).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/ntime.h"
#include "daemon/metrics.h"
#include "refclock/refstate.h"

static char *render(const struct met_snapshot *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    met_render(out, s);
    fclose(out);
    return buf;
}

/* Skip one label set "{k="v",...}"; NULL when malformed. */
static const char *skip_labels(const char *p)
{
    if (*p != '{') {
        return p;
    }
    p++;
    while (*p != '}') {
        if (!isalpha((unsigned char)*p) && *p != '_') {
            return NULL;
        }
        while (isalnum((unsigned char)*p) || *p == '_') {
            p++;
        }
        if (*p++ != '=' || *p++ != '"') {
            return NULL;
        }
        while (*p != '"') {
            if (*p == '\0' || *p == '\n') {
                return NULL;
            }
            if (*p == '\\') {
                p++;
                if (*p != '\\' && *p != '"' && *p != 'n') {
                    return NULL;
                }
            }
            p++;
        }
        p++;
        if (*p == ',') {
            p++;
        } else if (*p != '}') {
            return NULL;
        }
    }
    return p + 1;
}

/* The text format's rules as this renderer keeps them; returns the number of samples, or -1
 * (with a message) at the first broken rule. */
static int check_structure(const char *text)
{
    char seen[128][64];
    int n_seen = 0, samples = 0;
    char fam[64] = "", type[16] = "";
    bool have_help = false;
    char *copy = strdup(text);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        char name[64], t[16];
        if (strncmp(line, "# HELP ", 7) == 0) {
            if (sscanf(line + 7, "%63s", name) != 1 || strlen(line) <= 8 + strlen(name)) {
                fprintf(stderr, "HELP without text: %s\n", line);
                goto bad;
            }
            for (int i = 0; i < n_seen; i++) {
                if (strcmp(seen[i], name) == 0) {
                    fprintf(stderr, "family twice: %s\n", name);
                    goto bad;
                }
            }
            snprintf(seen[n_seen++], sizeof(seen[0]), "%s", name);
            snprintf(fam, sizeof(fam), "%s", name);
            have_help = true;
            type[0] = '\0';
            continue;
        }
        if (strncmp(line, "# TYPE ", 7) == 0) {
            if (sscanf(line + 7, "%63s %15s", name, t) != 2 || !have_help ||
                strcmp(name, fam) != 0 || (strcmp(t, "gauge") != 0 && strcmp(t, "counter") != 0)) {
                fprintf(stderr, "bad TYPE: %s\n", line);
                goto bad;
            }
            bool total = strlen(name) > 6 && strcmp(name + strlen(name) - 6, "_total") == 0;
            if (total != (strcmp(t, "counter") == 0)) {
                fprintf(stderr, "_total on a gauge or missing on a counter: %s\n", line);
                goto bad;
            }
            snprintf(type, sizeof(type), "%s", t);
            continue;
        }
        if (line[0] == '#') {
            fprintf(stderr, "other comment: %s\n", line);
            goto bad;
        }
        size_t nl = strcspn(line, "{ ");
        if (type[0] == '\0' || nl != strlen(fam) || strncmp(line, fam, nl) != 0 ||
            strncmp(line, "gpsntpd_", 8) != 0) {
            fprintf(stderr, "sample outside its family: %s\n", line);
            goto bad;
        }
        const char *p = skip_labels(line + nl);
        if (p == NULL || *p != ' ') {
            fprintf(stderr, "bad labels: %s\n", line);
            goto bad;
        }
        char *end;
        strtod(p + 1, &end);
        if (end == p + 1 || *end != '\0') {
            fprintf(stderr, "bad value: %s\n", line);
            goto bad;
        }
        samples++;
    }
    free(copy);
    return samples;
bad:
    free(copy);
    return -1;
}

/* The value of the sample on the line starting with `head` ("name{labels} "), or NaN. */
static double value_of(const char *text, const char *head)
{
    for (const char *p = text; (p = strstr(p, head)) != NULL; p++) {
        if (p == text || p[-1] == '\n') {
            return strtod(p + strlen(head), NULL);
        }
    }
    return NAN;
}

static struct rc_src_status sources[2];
static struct rc_tracking trk;
static struct srv_counters srv;
static const struct met_http_count http[] = {{200, 7}, {404, 1}};

static struct met_snapshot snapshot(void)
{
    memset(sources, 0, sizeof(sources));
    struct rc_src_status *n = &sources[0], *p = &sources[1];
    snprintf(n->name, sizeof(n->name), "nmea0");
    snprintf(n->driver, sizeof(n->driver), "nmea");
    snprintf(n->param, sizeof(n->param), "/dev/ttyUSB0");
    snprintf(n->refid, sizeof(n->refid), "GPS");
    n->state = DRV_STATE_OK;
    n->reach = 0377;
    n->samples = 120;
    n->last_sample_age_ns = 500 * NT_NS_PER_MS;
    n->offset_s = -3.4e-3;
    n->jitter_s = 4.9e-3;
    n->latency_s = 0.1005;
    n->counters[DRV_CNT_BAD_CHECKSUM] = 3;
    n->counters[DRV_CNT_RECONNECT] = 2;
    snprintf(p->name, sizeof(p->name), "pps0");
    snprintf(p->driver, sizeof(p->driver), "pps");
    snprintf(p->param, sizeof(p->param), "/dev/pps0");
    snprintf(p->refid, sizeof(p->refid), "PPS");
    p->state = DRV_STATE_OK;
    p->selected = true;
    p->reach = 0177;
    p->samples = 118;
    p->last_sample_age_ns = 200 * NT_NS_PER_MS;
    p->offset_s = -7.98e-7;
    p->jitter_s = 6.76e-7;
    p->latency_s = NAN;
    p->counters[DRV_CNT_MISSED_PULSE] = 5;
    p->counters[DRV_CNT_OUTLIER] = 1;
    trk = (struct rc_tracking){.refid = RST_REFID_PPS, .stratum = 1, .synced = true,
                               .ref_time_ns = 1764742800LL * NT_NS_PER_S + 250 * NT_NS_PER_MS,
                               .system_offset_s = 1e-7, .last_offset_s = -2e-7,
                               .rms_offset_s = 3e-7, .freq_ppm = 12.5, .resid_freq_ppm = 0.001,
                               .skew_ppm = 0.02, .root_delay_s = 0, .root_disp_s = 2.79e-6,
                               .update_interval_s = 1, .leap = RST_LEAP_NONE};
    snprintf(trk.refname, sizeof(trk.refname), "pps0");
    srv = (struct srv_counters){.received = 1000, .answered = 990, .denied = 4,
                                .ratelimited = 6, .kod_sent = 2, .send_errors = 1};
    srv.dropped[SRV_DROP_VERSION] = 3;
    return (struct met_snapshot){.version = "0.1.0", .start_time_s = 1764742000,
                                 .tracking = &trk, .holdover_s = 0, .sources = sources,
                                 .n_sources = 2, .server = &srv, .clients_tracked = 17,
                                 .http = http, .n_http = 2, .http_connections = 3};
}

static void test_structure_and_values(void)
{
    struct met_snapshot s = snapshot();
    char *m = render(&s);
    int samples = check_structure(m);
    CHECK(samples > 60);
#define V(head) value_of(m, head " ")
    CHECK_NEAR(V("gpsntpd_build_info{version=\"0.1.0\"}"), 1, 0);
    CHECK_NEAR(V("gpsntpd_sync_state{state=\"synchronized\"}"), 1, 0);
    CHECK_NEAR(V("gpsntpd_sync_state{state=\"holdover\"}"), 0, 0);
    CHECK_NEAR(V("gpsntpd_sync_state{state=\"unsynchronized\"}"), 0, 0);
    CHECK_NEAR(V("gpsntpd_stratum"), 1, 0);
    CHECK_NEAR(V("gpsntpd_leap_indicator"), 0, 0);
    CHECK_NEAR(V("gpsntpd_reference_info{reference_id=\"50505300\",refid=\"PPS\",source=\"pps0\"}"),
               1, 0);
    CHECK_NEAR(V("gpsntpd_reference_time_seconds"), 1764742800.25, 1e-6);
    CHECK_NEAR(V("gpsntpd_holdover_seconds"), 0, 0);
    CHECK_NEAR(V("gpsntpd_frequency_ratio"), 12.5e-6, 1e-15);
    CHECK_NEAR(V("gpsntpd_skew_ratio"), 0.02e-6, 1e-15);
    CHECK_NEAR(V("gpsntpd_rms_offset_seconds"), 3e-7, 1e-15);
    CHECK_NEAR(V("gpsntpd_root_dispersion_seconds"), 2.79e-6, 1e-15);
    CHECK_NEAR(V("gpsntpd_root_delay_seconds"), 0, 0);
    CHECK_NEAR(V("gpsntpd_source_offset_seconds{source=\"pps0\"}"), -7.98e-7, 1e-15);
    CHECK_NEAR(V("gpsntpd_source_offset_seconds{source=\"nmea0\"}"), -3.4e-3, 1e-12);
    CHECK_NEAR(V("gpsntpd_source_jitter_seconds{source=\"pps0\"}"), 6.76e-7, 1e-15);
    CHECK_NEAR(V("gpsntpd_source_latency_seconds{source=\"nmea0\"}"), 0.1005, 1e-12);
    CHECK(strstr(m, "gpsntpd_source_latency_seconds{source=\"pps0\"}") == NULL); /* unknown */
    CHECK_NEAR(V("gpsntpd_source_reach{source=\"nmea0\"}"), 255, 0);
    CHECK_NEAR(V("gpsntpd_source_selected{source=\"pps0\"}"), 1, 0);
    CHECK_NEAR(V("gpsntpd_source_selected{source=\"nmea0\"}"), 0, 0);
    CHECK_NEAR(V("gpsntpd_source_state{source=\"pps0\",state=\"ok\"}"), 1, 0);
    CHECK_NEAR(V("gpsntpd_source_state{source=\"pps0\",state=\"no_fix\"}"), 0, 0);
    CHECK_NEAR(V("gpsntpd_source_last_sample_age_seconds{source=\"nmea0\"}"), 0.5, 1e-12);
    CHECK_NEAR(V("gpsntpd_source_samples_total{source=\"nmea0\"}"), 120, 0);
    CHECK_NEAR(V("gpsntpd_source_rejected_total{source=\"nmea0\",reason=\"bad_checksum\"}"), 3, 0);
    CHECK_NEAR(V("gpsntpd_source_rejected_total{source=\"pps0\",reason=\"outlier\"}"), 1, 0);
    CHECK(strstr(m, "reason=\"missed_pulse\"") == NULL && strstr(m, "reason=\"reconnect\"") == NULL);
    CHECK_NEAR(V("gpsntpd_source_reconnects_total{source=\"nmea0\"}"), 2, 0);
    CHECK_NEAR(V("gpsntpd_source_pps_missed_total{source=\"pps0\"}"), 5, 0);
    CHECK_NEAR(V("gpsntpd_source_info{source=\"pps0\",driver=\"pps\",refid=\"PPS\","
                 "device=\"/dev/pps0\"}"), 1, 0);
    CHECK_NEAR(V("gpsntpd_ntp_requests_received_total"), 1000, 0);
    CHECK_NEAR(V("gpsntpd_ntp_requests_answered_total"), 990, 0);
    CHECK_NEAR(V("gpsntpd_ntp_requests_dropped_total{reason=\"denied\"}"), 4, 0);
    CHECK_NEAR(V("gpsntpd_ntp_requests_dropped_total{reason=\"ratelimited\"}"), 6, 0);
    CHECK_NEAR(V("gpsntpd_ntp_requests_dropped_total{reason=\"bad_version\"}"), 3, 0);
    CHECK_NEAR(V("gpsntpd_ntp_requests_dropped_total{reason=\"malformed\"}"), 0, 0);
    CHECK_NEAR(V("gpsntpd_ntp_kod_sent_total"), 2, 0);
    CHECK_NEAR(V("gpsntpd_ntp_send_errors_total"), 1, 0);
    CHECK_NEAR(V("gpsntpd_ntp_clients_tracked"), 17, 0);
    CHECK_NEAR(V("gpsntpd_http_responses_total{code=\"200\"}"), 7, 0);
    CHECK_NEAR(V("gpsntpd_http_responses_total{code=\"404\"}"), 1, 0);
    CHECK_NEAR(V("gpsntpd_http_connections"), 3, 0);
    CHECK(strstr(m, "# TYPE gpsntpd_ntp_requests_received_total counter\n") != NULL);
    CHECK(strstr(m, "# TYPE gpsntpd_stratum gauge\n") != NULL);
#undef V
    free(m);
}

/* Counters stay exact integers beyond 2^53. */
static void test_big_counter(void)
{
    struct met_snapshot s = snapshot();
    srv.received = 18446744073709551615ULL;
    char *m = render(&s);
    CHECK(strstr(m, "\ngpsntpd_ntp_requests_received_total 18446744073709551615\n") != NULL);
    free(m);
}

static void test_unknown_left_out(void)
{
    struct met_snapshot s = snapshot();
    trk = (struct rc_tracking){.stratum = 16, .synced = false, .leap = RST_LEAP_ALARM,
                               .system_offset_s = NAN, .last_offset_s = NAN,
                               .rms_offset_s = NAN, .freq_ppm = NAN, .resid_freq_ppm = NAN,
                               .skew_ppm = NAN, .root_disp_s = NAN, .update_interval_s = NAN};
    sources[0].offset_s = sources[0].jitter_s = sources[0].latency_s = NAN;
    sources[0].last_sample_age_ns = -1;
    char *m = render(&s);
    CHECK(check_structure(m) > 0);
    CHECK(strstr(m, "gpsntpd_frequency_ratio") == NULL);      /* family left out whole */
    CHECK(strstr(m, "gpsntpd_reference_time_seconds") == NULL); /* never updated */
    CHECK(strstr(m, "gpsntpd_root_dispersion_seconds") == NULL);
    CHECK(strstr(m, "gpsntpd_source_offset_seconds{source=\"nmea0\"}") == NULL);
    CHECK(strstr(m, "gpsntpd_source_offset_seconds{source=\"pps0\"}") != NULL);
    CHECK(strstr(m, "gpsntpd_source_last_sample_age_seconds{source=\"nmea0\"}") == NULL);
    CHECK(strstr(m, "\ngpsntpd_stratum 16\n") != NULL);
    CHECK(strstr(m, "\ngpsntpd_leap_indicator 3\n") != NULL);
    CHECK(strstr(m, "gpsntpd_sync_state{state=\"unsynchronized\"} 1\n") != NULL);
    CHECK(strstr(m, "gpsntpd_reference_info{reference_id=\"00000000\",refid=\"\",source=\"\"} 1\n")
          != NULL);
    CHECK(strstr(m, "NaN") == NULL);
    free(m);
}

static void test_states(void)
{
    struct met_snapshot s = snapshot();
    CHECK(strcmp(met_sync_state(&trk), "synchronized") == 0);
    trk.holdover = true;
    CHECK(strcmp(met_sync_state(&trk), "holdover") == 0);
    s.holdover_s = 754.5;
    char *m = render(&s);
    CHECK(strstr(m, "gpsntpd_sync_state{state=\"holdover\"} 1\n") != NULL);
    CHECK(strstr(m, "gpsntpd_sync_state{state=\"synchronized\"} 0\n") != NULL);
    CHECK(strstr(m, "\ngpsntpd_holdover_seconds 754.5\n") != NULL);
    free(m);
    trk.holdover = false;
    trk.refid = RST_REFID_LOCL;
    trk.stratum = 5;
    CHECK(strcmp(met_sync_state(&trk), "local") == 0);
    m = render(&s);
    CHECK(strstr(m, "gpsntpd_sync_state{state=\"local\"} 1\n") != NULL);
    CHECK(strstr(m, "refid=\"LOCL\"") != NULL);
    free(m);
    trk.synced = false;
    CHECK(strcmp(met_sync_state(&trk), "unsynchronized") == 0);
}

static void test_escaping(void)
{
    struct met_snapshot s = snapshot();
    snprintf(sources[0].name, sizeof(sources[0].name), "a\"b\\c");
    snprintf(sources[0].param, sizeof(sources[0].param), "/dev/x\ny\xff\xc3\xa9z");
    char *m = render(&s);
    CHECK(check_structure(m) > 0);
    CHECK(strstr(m, "gpsntpd_source_reach{source=\"a\\\"b\\\\c\"} 255\n") != NULL);
    /* newline escaped, the stray 0xff replaced, the valid two-byte e-acute kept */
    CHECK(strstr(m, "device=\"/dev/x\\ny?\xc3\xa9z\"") != NULL);
    free(m);
}

/* The structure checker itself refuses what the format forbids. */
static void test_checker(void)
{
    CHECK(check_structure("# HELP gpsntpd_a x\n# TYPE gpsntpd_a gauge\ngpsntpd_a 1\n") == 1);
    CHECK(check_structure("gpsntpd_a 1\n") == -1);
    CHECK(check_structure("# HELP gpsntpd_a x\n# TYPE gpsntpd_a gauge\ngpsntpd_b 1\n") == -1);
    CHECK(check_structure("# HELP gpsntpd_a x\n# TYPE gpsntpd_a counter\ngpsntpd_a 1\n") == -1);
    CHECK(check_structure("# HELP gpsntpd_a x\n# TYPE gpsntpd_a gauge\ngpsntpd_a{l=\"\"\"} 1\n")
          == -1);
    CHECK(check_structure("# HELP gpsntpd_a x\n# TYPE gpsntpd_a gauge\ngpsntpd_a one\n") == -1);
    CHECK(check_structure("# HELP gpsntpd_a x\n# TYPE gpsntpd_a gauge\ngpsntpd_a 1\n"
                          "# HELP gpsntpd_a x\n# TYPE gpsntpd_a gauge\ngpsntpd_a 2\n") == -1);
}

int main(void)
{
    test_checker();
    test_structure_and_values();
    test_big_counter();
    test_unknown_left_out();
    test_states();
    test_escaping();
    return check_result();
}
