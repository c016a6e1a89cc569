/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests of the statistics logs (daemon/statlog.c): the banner of each kind, lines that line up
 * under it with "-" for what is not known, the files: a banner only at the top of a new file,
 * appending after a restart, reopening by path after a move (SIGHUP), no symlinks, errors. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "common/log.h"
#include "common/ntime.h"
#include "daemon/statlog.h"
#include "refclock/refstate.h"

#define T0 (1767225600LL * NT_NS_PER_S + 123456789) /* 2026-01-01T00:00:00.123456789Z */

static char buf[8192];

/* The nth line (0-based) of buf, without its newline. */
static const char *line_of(int n, char *out, size_t cap)
{
    const char *p = buf;
    for (int i = 0; i < n && p != NULL; i++) {
        p = strchr(p, '\n');
        p = p != NULL ? p + 1 : NULL;
    }
    if (p == NULL) {
        out[0] = '\0';
        return out;
    }
    size_t len = strcspn(p, "\n");
    len = len < cap - 1 ? len : cap - 1;
    memcpy(out, p, len);
    out[len] = '\0';
    return out;
}

static int words(const char *s)
{
    int n = 0;
    bool in = false;
    for (; *s != '\0'; s++) {
        bool space = *s == ' ';
        n += !space && !in;
        in = !space;
    }
    return n;
}

static void test_lines(void)
{
    FILE *f = fmemopen(buf, sizeof(buf), "w");
    statlog_banner(f, STATLOG_TRACKING);
    struct rc_tracking t = {.refid = RST_REFID_PPS, .stratum = 1, .synced = true,
                            .freq_ppm = -12.3456, .skew_ppm = 0.012, .last_offset_s = -2.5e-7,
                            .rms_offset_s = 3e-7, .root_delay_s = 0, .root_disp_s = 1.5e-6,
                            .leap = RST_LEAP_INSERT};
    snprintf(t.refname, sizeof(t.refname), "pps0");
    statlog_tracking_line(f, T0, &t);
    t.freq_ppm = NAN;
    t.refname[0] = '\0';
    t.synced = false;
    statlog_tracking_line(f, T0, &t);
    fclose(f);
    char l0[256], l1[256], l2[256], l3[256], l4[256];
    line_of(0, l0, sizeof(l0));
    line_of(1, l1, sizeof(l1));
    line_of(2, l2, sizeof(l2));
    line_of(3, l3, sizeof(l3));
    line_of(4, l4, sizeof(l4));
    CHECK(strspn(l0, "=") == strlen(l0) && strcmp(l0, l2) == 0 && strlen(l1) == strlen(l0));
    CHECK(strncmp(l1, "   Date (UTC) Time", 18) == 0);
    CHECK(strncmp(l3, "2026-01-01 00:00:00 50505300 pps0 ", 34) == 0);
    CHECK(strstr(l3, " -12.346 ") && strstr(l3, " -2.500e-07 ") && strstr(l3, " 1.500e-06 "));
    CHECK(l3[strlen(l3) - 1] == '+');
    /* The columns line up: as wide as the banner, whatever is known. */
    CHECK_INT(strlen(l3), strlen(l1));
    CHECK_INT(strlen(l4), strlen(l1));
    CHECK_INT(words(l3), 13);
    CHECK_INT(words(l4), 13);
    CHECK(strstr(l4, " - ") != NULL && l4[strlen(l4) - 1] == '?');

    f = fmemopen(buf, sizeof(buf), "w");
    statlog_banner(f, STATLOG_STATISTICS);
    struct rc_src_status s = {.jitter_s = 1e-6, .est_offset_s = 2e-7, .offset_s = -1e-7,
                              .latency_s = NAN, .samples = 1234, .window = 16, .runs = 9,
                              .reach = 0377};
    snprintf(s.name, sizeof(s.name), "nmea0");
    statlog_statistics_line(f, T0, &s);
    fclose(f);
    line_of(1, l1, sizeof(l1));
    line_of(3, l3, sizeof(l3));
    CHECK_INT(strlen(l3), strlen(l1));
    CHECK_INT(words(l3), 11);
    CHECK(strstr(l3, " nmea0 ") && strstr(l3, " 1.000e-06 ") && strstr(l3, " 1234  16    9   377"));

    f = fmemopen(buf, sizeof(buf), "w");
    statlog_banner(f, STATLOG_REFCLOCKS);
    struct rc_sample_rec r = {.source = "pps0", .pulse = true, .local_ns = T0,
                              .raw_offset_s = 2.1e-4, .offset_s = 1e-5, .filtered_s = NAN,
                              .verdict = RC_VERDICT_NO_SECOND};
    statlog_refclock_line(f, &r);
    r.pulse = false;
    r.verdict = RC_VERDICT_OK;
    statlog_refclock_line(f, &r);
    fclose(f);
    line_of(1, l1, sizeof(l1));
    line_of(3, l3, sizeof(l3));
    line_of(4, l4, sizeof(l4));
    CHECK(strncmp(l3, "2026-01-01 00:00:00.123456 pps0 ", 32) == 0);
    CHECK(strstr(l3, " P ") && strstr(l3, " 2.100e-04 ") && strstr(l3, " NO_SECOND"));
    CHECK(strstr(l4, " S ") && strstr(l4, " OK"));
    CHECK_INT(strlen(l3) - strlen("NO_SECOND"), strlen(l1) - strlen("Status"));
    CHECK_INT(words(l3), 8);

    f = fmemopen(buf, sizeof(buf), "w");
    statlog_banner(f, STATLOG_MEASUREMENTS);
    fclose(f);
    CHECK(strstr(buf, "Peer del.") != NULL && strstr(buf, "Refid") != NULL);
    /* an NTP source's measurement: 11 columns under the banner's names */
    struct drv_ntp_sample m = {.delay_s = 2.5e-4, .root_delay_s = 3e-4, .root_disp_s = 4e-5,
                               .stratum = 1, .refid = 0x47505300, .leap = CLK_LEAP_NONE};
    struct rc_sample_rec rec = {.source = "ntp0", .local_ns = 1719619200LL * 1000000000LL,
                                .raw_offset_s = -1.5e-5, .offset_s = -1.5e-5,
                                .filtered_s = NAN, .verdict = RC_VERDICT_OK, .ntp = &m};
    f = fmemopen(buf, sizeof(buf), "w");
    statlog_measurement_line(f, &rec);
    fclose(f);
    CHECK_INT(words(buf), 11);
    CHECK(strstr(buf, " ntp0 ") && strstr(buf, " N  1 ") && strstr(buf, "47505300 OK"));

    enum statlog_kind k;
    CHECK(statlog_parse("refclocks", &k) && k == STATLOG_REFCLOCKS);
    CHECK(!statlog_parse("rawmeasurements", &k));
    CHECK(strcmp(statlog_name(STATLOG_MEASUREMENTS), "measurements") == 0);
}

static long count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    long n = 0;
    int ch;
    while ((ch = fgetc(f)) != EOF) {
        n += ch == '\n';
    }
    fclose(f);
    return n;
}

static void test_files(void)
{
    char dir[] = "/tmp/gntest-statlog.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char tracking[64], refclocks[64], moved[80];
    snprintf(tracking, sizeof(tracking), "%s/tracking.log", dir);
    snprintf(refclocks, sizeof(refclocks), "%s/refclocks.log", dir);
    unsigned mask = STATLOG_BIT(STATLOG_TRACKING) | STATLOG_BIT(STATLOG_REFCLOCKS);
    CHECK_INT(statlog_open(dir, mask), 0);
    CHECK(statlog_file(STATLOG_TRACKING) != NULL && statlog_file(STATLOG_STATISTICS) == NULL);
    struct rc_tracking t = {.stratum = 1, .synced = true};
    statlog_tracking_line(statlog_file(STATLOG_TRACKING), T0, &t);
    statlog_flush();
    CHECK_INT(count_lines(tracking), 4); /* banner and a line */
    CHECK_INT(count_lines(refclocks), 3);
    struct stat st;
    CHECK(stat(tracking, &st) == 0 && (st.st_mode & 0777 & ~0640) == 0); /* umask may narrow */

    /* Moved away, then SIGHUP: a new file with its banner takes the lines. */
    snprintf(moved, sizeof(moved), "%s.1", tracking);
    CHECK(rename(tracking, moved) == 0);
    statlog_tracking_line(statlog_file(STATLOG_TRACKING), T0, &t); /* before: the old file */
    CHECK_INT(statlog_reopen(), 0);
    statlog_tracking_line(statlog_file(STATLOG_TRACKING), T0, &t);
    statlog_tracking_line(statlog_file(STATLOG_TRACKING), T0, &t);
    statlog_flush();
    CHECK_INT(count_lines(moved), 5);
    CHECK_INT(count_lines(tracking), 5);
    statlog_close();
    CHECK(statlog_file(STATLOG_TRACKING) == NULL);

    /* A restart appends without a second banner. */
    CHECK_INT(statlog_open(dir, mask), 0);
    statlog_tracking_line(statlog_file(STATLOG_TRACKING), T0, &t);
    statlog_close();
    CHECK_INT(count_lines(tracking), 6);

    /* Errors: no such directory; a symlink in place of a log. */
    char missing[96];
    snprintf(missing, sizeof(missing), "%s/none", dir);
    CHECK_INT(statlog_open(missing, mask), -ENOENT);
    CHECK(statlog_file(STATLOG_TRACKING) == NULL);
    CHECK(unlink(refclocks) == 0 && symlink("/dev/null", refclocks) == 0);
    CHECK_INT(statlog_open(dir, mask), -ELOOP);
    CHECK(statlog_file(STATLOG_TRACKING) == NULL); /* all or nothing */

    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    log_init(true, LOG_LVL_INFO);
    test_lines();
    test_files();
    return check_result();
}
