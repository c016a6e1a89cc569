/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * leap: leap-seconds.list gives, for each change, the NTP time (seconds since 1900) at which a
 * new TAI-UTC offset takes effect: the midnight right after the leap second. An increase is an
 * inserted second (23:59:60), a decrease a deleted one (23:59:59 never happens).
 */
#include "refclock/leap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/ntime.h"

int leap_parse(const char *text, struct leap_table *t, int *bad_line)
{
    memset(t, 0, sizeof(*t));
    int line = 0;
    const char *s = text;
    while (*s != '\0') {
        line++;
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        char buf[256];
        if (len >= sizeof(buf)) {
            *bad_line = line;
            return -EINVAL;
        }
        memcpy(buf, s, len);
        buf[len] = '\0';
        s += len + (nl ? 1 : 0);
        unsigned long long ntp;
        int tai;
        char junk;
        if (strncmp(buf, "#@", 2) == 0) {
            if (sscanf(buf + 2, "%llu", &ntp) != 1 || ntp < NT_NTP_UNIX_DELTA_S) {
                *bad_line = line;
                return -EINVAL;
            }
            t->expires_ns = ((int64_t)ntp - NT_NTP_UNIX_DELTA_S) * NT_NS_PER_S;
            continue;
        }
        size_t lead = strspn(buf, " \t\r");
        if (buf[lead] == '#' || buf[lead] == '\0') {
            continue;
        }
        /* "NTP-seconds TAI-UTC" then optionally a comment; nothing else. */
        char *hash = strchr(buf, '#');
        if (hash != NULL) {
            *hash = '\0';
        }
        if (sscanf(buf, "%llu %d %c", &ntp, &tai, &junk) != 2 || t->n == LEAP_MAX || tai < 0 ||
            tai > 100 || ntp < NT_NTP_UNIX_DELTA_S || ntp > 100000000000ULL) {
            *bad_line = line;
            return -EINVAL;
        }
        t->at_ns[t->n] = ((int64_t)ntp - NT_NTP_UNIX_DELTA_S) * NT_NS_PER_S;
        t->tai_utc[t->n] = tai;
        if (t->n > 0 && t->at_ns[t->n] <= t->at_ns[t->n - 1]) {
            *bad_line = line;
            return -EINVAL;
        }
        t->n++;
    }
    return 0;
}

int leap_load(const char *path, struct leap_table *t)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        int e = errno;
        log_err("leapseclist %s: %s", path, strerror(e));
        return -e;
    }
    static char text[64 * 1024];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    bool truncated = !feof(f);
    fclose(f);
    text[n] = '\0';
    int bad = 0;
    if (truncated) {
        log_err("leapseclist %s: larger than %zu bytes", path, sizeof(text) - 1);
        return -EFBIG;
    }
    if (leap_parse(text, t, &bad) < 0) {
        log_err("leapseclist %s:%d: not a leap-seconds.list line", path, bad);
        return -EINVAL;
    }
    return 0;
}

bool leap_expired(const struct leap_table *t, int64_t now_ns)
{
    return t->expires_ns != 0 && now_ns > t->expires_ns;
}

enum clk_leap leap_due(const struct leap_table *t, int64_t now_ns)
{
    for (int i = 1; i < t->n; i++) {
        int64_t at = t->at_ns[i];
        if (now_ns < at && now_ns >= at - NT_NS_PER_DAY) {
            return t->tai_utc[i] > t->tai_utc[i - 1] ? CLK_LEAP_INSERT : CLK_LEAP_DELETE;
        }
    }
    return CLK_LEAP_NONE;
}

bool leap_near_instant(int64_t at_ns, int64_t t_ns, int64_t margin_ns)
{
    int64_t d = t_ns - at_ns;
    return d >= -NT_NS_PER_S - margin_ns && d < NT_NS_PER_S + margin_ns;
}

bool leap_near(const struct leap_table *t, int64_t t_ns, int64_t margin_ns)
{
    for (int i = 1; i < t->n; i++) {
        if (leap_near_instant(t->at_ns[i], t_ns, margin_ns)) {
            return true;
        }
    }
    return false;
}
