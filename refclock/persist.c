/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * persist: see persist.h. The directory is not fsynced after the rename: losing the rename in
 * a power cut only brings back the previous file, which is as good a start as any.
 */
#include "refclock/persist.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clk.h"
#include "common/ntime.h"

int pst_write_atomic(const char *path, const char *text)
{
    char tmp[PATH_MAX + 8];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        return -ENAMETOOLONG;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return -errno;
    }
    size_t len = strlen(text);
    int err = 0;
    if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
        err = errno != 0 ? -errno : -EIO;
    }
    if (close(fd) != 0 && err == 0) {
        err = -errno;
    }
    if (err == 0 && rename(tmp, path) != 0) {
        err = -errno;
    }
    if (err != 0) {
        unlink(tmp);
    }
    return err;
}

/* Read a small file whole; 0 or -errno. */
static int read_small(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -errno;
    }
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = '\0';
    return 0;
}

int pst_read_drift(const char *path, double *freq_ppm, double *skew_ppm)
{
    char buf[256];
    int r = read_small(path, buf, sizeof(buf));
    if (r < 0) {
        return r;
    }
    double fr, sk;
    char junk;
    if (sscanf(buf, "%lf %lf %c", &fr, &sk, &junk) != 2 || !(fabs(fr) <= CLK_MAX_FREQ_PPM) ||
        !(sk >= 0 && sk < 100)) {
        return -EINVAL;
    }
    *freq_ppm = fr;
    *skew_ppm = sk;
    return 0;
}

int pst_write_drift(const char *path, double freq_ppm, double skew_ppm)
{
    if (!isfinite(freq_ppm) || !isfinite(skew_ppm)) {
        return -EINVAL;
    }
    char text[64];
    snprintf(text, sizeof(text), "%.6f %.6f\n", freq_ppm, skew_ppm);
    return pst_write_atomic(path, text);
}

int pst_read_lasttime(const char *path, int64_t *t_ns)
{
    char buf[64];
    int r = read_small(path, buf, sizeof(buf));
    if (r < 0) {
        return r;
    }
    long long s;
    char junk;
    /* Years 1970..2200: anything else is not a time this box has seen. */
    if (sscanf(buf, "%lld %c", &s, &junk) != 1 || s < 0 || s > 7258118400LL) {
        return -EINVAL;
    }
    *t_ns = s * NT_NS_PER_S;
    return 0;
}

int pst_write_lasttime(const char *path, int64_t t_ns)
{
    char text[32];
    snprintf(text, sizeof(text), "%lld\n", (long long)(t_ns / NT_NS_PER_S));
    return pst_write_atomic(path, text);
}
