/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the drift and last-time files (refclock/persist.c): round trip, chrony's
 * format, atomic replacement, bad content. Works in a private temporary directory. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "common/ntime.h"
#include "refclock/persist.h"

static char dir[64];

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

int main(void)
{
    check_seed(0);
    snprintf(dir, sizeof(dir), "/tmp/gn-persist-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    char drift[128], tmp[136], last[128];
    snprintf(drift, sizeof(drift), "%s/drift", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", drift);
    snprintf(last, sizeof(last), "%s/lasttime", dir);
    double f = 0, sk = 0;
    CHECK_INT(pst_read_drift(drift, &f, &sk), -ENOENT);
    CHECK_INT(pst_write_drift(drift, -12.345678, 0.0125), 0);
    CHECK(access(tmp, F_OK) != 0); /* the temporary is renamed, not left */
    CHECK_INT(pst_read_drift(drift, &f, &sk), 0);
    CHECK_NEAR(f, -12.345678, 1e-9);
    CHECK_NEAR(sk, 0.0125, 1e-9);
    /* chrony writes the same two numbers with wide fields */
    put(drift, "            -3.525230             0.098123\n");
    CHECK_INT(pst_read_drift(drift, &f, &sk), 0);
    CHECK_NEAR(f, -3.52523, 1e-9);
    put(drift, "600 0.1\n");
    CHECK_INT(pst_read_drift(drift, &f, &sk), -EINVAL);
    put(drift, "1.0\n");
    CHECK_INT(pst_read_drift(drift, &f, &sk), -EINVAL);
    put(drift, "1.0 0.1 garbage\n");
    CHECK_INT(pst_read_drift(drift, &f, &sk), -EINVAL);
    put(drift, "nan 0.1\n");
    CHECK_INT(pst_read_drift(drift, &f, &sk), -EINVAL);
    CHECK_INT(pst_write_drift(drift, NAN, 1), -EINVAL);
    /* a leftover temporary from a crash does not matter */
    put(tmp, "junk");
    CHECK_INT(pst_write_drift(drift, 1.5, 0.2), 0);
    CHECK_INT(pst_read_drift(drift, &f, &sk), 0);
    CHECK_NEAR(f, 1.5, 1e-9);
    /* an unwritable place is an error, not a crash */
    CHECK(pst_write_drift("/nonexistent-dir/drift", 1, 1) < 0);

    int64_t t = 0;
    CHECK_INT(pst_read_lasttime(last, &t), -ENOENT);
    CHECK_INT(pst_write_lasttime(last, 1700000000LL * NT_NS_PER_S + 123), 0);
    CHECK_INT(pst_read_lasttime(last, &t), 0);
    CHECK_INT(t, 1700000000LL * NT_NS_PER_S);
    put(last, "-5\n");
    CHECK_INT(pst_read_lasttime(last, &t), -EINVAL);
    put(last, "99999999999\n");
    CHECK_INT(pst_read_lasttime(last, &t), -EINVAL);

    unlink(drift);
    unlink(tmp);
    unlink(last);
    rmdir(dir);
    return check_result();
}
