/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the leap-second table (refclock/leap.c): the system's leap-seconds.list when
 * present (Debian: package tzdata), an inline file, bad input, the RFC 5905 announcement
 * window (the last day only), deletions, and the window around the event. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "common/log.h"
#include "common/ntime.h"
#include "refclock/leap.h"

#define SYS_LIST "/usr/share/zoneinfo/leap-seconds.list"

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    return nt_from_utc(y, mo, d, h, mi, s, 0);
}

static void test_system_file(void)
{
    if (access(SYS_LIST, R_OK) != 0) {
        fprintf(stderr, "NOTE: %s is absent (package tzdata): system file not tested\n",
                SYS_LIST);
        return;
    }
    struct leap_table t;
    CHECK_INT(leap_load(SYS_LIST, &t), 0);
    CHECK(t.n >= 28);
    CHECK_INT(t.tai_utc[0], 10);                  /* 1972-01-01 */
    CHECK_INT(t.at_ns[0], utc(1972, 1, 1, 0, 0, 0));
    CHECK_INT(t.tai_utc[27], 37);                 /* 2017-01-01, the latest so far */
    CHECK_INT(t.at_ns[27], utc(2017, 1, 1, 0, 0, 0));
    CHECK(t.expires_ns > utc(2020, 1, 1, 0, 0, 0));
    /* The last day of 2016 carried an insertion; the day before and the day after did not. */
    CHECK_INT(leap_due(&t, utc(2016, 12, 31, 0, 0, 0)), CLK_LEAP_INSERT);
    CHECK_INT(leap_due(&t, utc(2016, 12, 31, 23, 59, 59)), CLK_LEAP_INSERT);
    CHECK_INT(leap_due(&t, utc(2016, 12, 30, 23, 59, 59)), CLK_LEAP_NONE);
    CHECK_INT(leap_due(&t, utc(2017, 1, 1, 0, 0, 0)), CLK_LEAP_NONE);
    CHECK_INT(leap_due(&t, utc(2015, 6, 30, 12, 0, 0)), CLK_LEAP_INSERT);
}

static const char *inline_list =
    "#\tIn the style of leap-seconds.list\n"
    "#$\t 3676924800\n"
    "#@\t3912710400\n"
    "#\n"
    "2272060800\t10\t# 1 Jan 1972\n"
    "3644697600\t36\t# 1 Jul 2015\n"
    "3692217600\t37\t# 1 Jan 2017\n"
    "3897158400\t36\t# 1 Jul 2023 (not real: a deletion, for the test)\n"
    "#h\t16edd0f0 3666784f 37db6bdd e74ced87 59af48f1\n";

static void test_inline(void)
{
    struct leap_table t;
    int bad = -1;
    CHECK_INT(leap_parse(inline_list, &t, &bad), 0);
    CHECK_INT(t.n, 4);
    CHECK_INT(t.expires_ns, (3912710400LL - NT_NTP_UNIX_DELTA_S) * NT_NS_PER_S);
    CHECK(!leap_expired(&t, utc(2023, 12, 1, 0, 0, 0)));
    CHECK(leap_expired(&t, utc(2024, 1, 1, 0, 0, 1)));
    int64_t m = utc(2023, 7, 1, 0, 0, 0);
    CHECK_INT(t.at_ns[3], m);
    CHECK_INT(leap_due(&t, m - NT_NS_PER_DAY), CLK_LEAP_DELETE);
    CHECK_INT(leap_due(&t, m - NT_NS_PER_DAY - 1), CLK_LEAP_NONE);
    CHECK_INT(leap_due(&t, m - 1), CLK_LEAP_DELETE);
    CHECK_INT(leap_due(&t, m), CLK_LEAP_NONE);
    CHECK_INT(leap_due(&t, utc(2015, 6, 30, 23, 0, 0)), CLK_LEAP_INSERT);
    /* the window where samples are not trusted: the second before midnight and after */
    int64_t m17 = utc(2017, 1, 1, 0, 0, 0);
    CHECK(leap_near(&t, m17 - NT_NS_PER_S, 0));
    CHECK(leap_near(&t, m17 + NT_NS_PER_S - 1, 0));
    CHECK(!leap_near(&t, m17 + NT_NS_PER_S, 0));
    CHECK(!leap_near(&t, m17 - NT_NS_PER_S - 1, 0));
    CHECK(leap_near(&t, m17 - 3 * NT_NS_PER_S, 2 * NT_NS_PER_S));
    CHECK(!leap_near(&t, utc(1972, 1, 1, 0, 0, 0), 0)); /* the table's start is no leap */
    CHECK_INT(nt_next_midnight(utc(2016, 12, 31, 23, 59, 59)), m17);
    CHECK_INT(nt_next_midnight(m17), m17 + NT_NS_PER_DAY);
    CHECK_INT(nt_next_midnight(-1), 0);
}

static void test_bad_input(void)
{
    struct leap_table t;
    int bad = 0;
    CHECK_INT(leap_parse("2272060800 10\n2272060800 11\n", &t, &bad), -EINVAL);
    CHECK_INT(bad, 2); /* not increasing */
    CHECK_INT(leap_parse("# ok\n2272060800 10 junk\n", &t, &bad), -EINVAL);
    CHECK_INT(bad, 2);
    CHECK_INT(leap_parse("2272060800\n", &t, &bad), -EINVAL);
    CHECK_INT(leap_parse("#@ never\n", &t, &bad), -EINVAL);
    CHECK_INT(leap_parse("2272060800 1000\n", &t, &bad), -EINVAL);
    CHECK_INT(leap_parse("12 10\n", &t, &bad), -EINVAL); /* before 1970 */
    char big[400];
    memset(big, '1', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    CHECK_INT(leap_parse(big, &t, &bad), -EINVAL);
    CHECK_INT(leap_parse("", &t, &bad), 0);
    CHECK_INT(t.n, 0);
    CHECK_INT(leap_due(&t, utc(2016, 12, 31, 12, 0, 0)), CLK_LEAP_NONE);
    CHECK(leap_load("/nonexistent/leap-seconds.list", &t) < 0);
}

int main(void)
{
    check_seed(0);
    log_init(true, LOG_LVL_ERR);
    test_system_file();
    test_inline();
    test_bad_input();
    return check_result();
}
