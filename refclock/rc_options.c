/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rc_options: the options every `refclock` line takes, whatever its driver, in one table
 * (chrony's names), and the layer's defaults. The configuration parser asks this table
 * first and the driver's own table (drv.h) second; nothing finds a driver by its name.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refclock/rc.h"

enum kind { SECONDS, INTEGER, REFID, FLAG, REFUSED };

static const struct common_option {
    const char *name;
    enum kind kind;
    size_t off;          /* into struct rc_source_cfg */
    double lo, hi;
    const char *why;     /* REFUSED: the message */
} common[] = {
    {"offset", SECONDS, offsetof(struct rc_source_cfg, offset_s), -10, 10, NULL},
    {"delay", SECONDS, offsetof(struct rc_source_cfg, delay_s), 0, 10, NULL},
    {"precision", SECONDS, offsetof(struct rc_source_cfg, precision_s), 1e-9, 1, NULL},
    {"width", SECONDS, offsetof(struct rc_source_cfg, width_s), 0, 0.999, NULL},
    {"filter", INTEGER, offsetof(struct rc_source_cfg, filter), 1, 64, NULL},
    {"refid", REFID, offsetof(struct rc_source_cfg, refid), 0, 0, NULL},
    {"lock", REFID, offsetof(struct rc_source_cfg, lock), 0, 0, NULL},
    {"noselect", FLAG, offsetof(struct rc_source_cfg, noselect), 0, 0, NULL},
    {"prefer", FLAG, offsetof(struct rc_source_cfg, prefer), 0, 0, NULL},
    /* chrony's poll sets how many samples its filter gathers per update; here every sample
     * goes to the servo as it comes, which weighs it by the source's measured jitter, so
     * there is nothing for poll to set. Refused rather than silently ignored. */
    {"poll", REFUSED, 0, 0, 0,
     "not supported: every sample goes to the discipline as it comes (the servo filters by "
     "the measured jitter); remove it"},
};

static const struct common_option *find(const char *key)
{
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
        if (strcmp(common[i].name, key) == 0) {
            return &common[i];
        }
    }
    return NULL;
}

bool rc_common_option(const char *key, bool *flag)
{
    const struct common_option *o = find(key);
    if (o != NULL) {
        *flag = o->kind == FLAG;
    }
    return o != NULL;
}

static bool valid_refid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 4) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x21 || s[i] > 0x7e) {
            return false;
        }
    }
    return true;
}

bool rc_set_common_option(struct rc_source_cfg *c, const char *key, const char *value, char *err,
                          size_t errlen)
{
    const struct common_option *o = find(key);
    if (o == NULL) {
        return false;
    }
    err[0] = '\0';
    char *field = (char *)c + o->off;
    char *end;
    switch (o->kind) {
    case SECONDS: {
        errno = 0;
        double v = strtod(value, &end);
        if (*value == '\0' || *end != '\0' || errno != 0 || !isfinite(v)) {
            snprintf(err, errlen, "%s: '%s' is not a number", key, value);
        } else if (v < o->lo || v > o->hi) {
            snprintf(err, errlen, "%s: %s is out of range (%g to %g)", key, value, o->lo, o->hi);
        } else {
            memcpy(field, &v, sizeof(v));
        }
        break;
    }
    case INTEGER: {
        errno = 0;
        long v = strtol(value, &end, 10);
        if (*value == '\0' || *end != '\0' || errno != 0) {
            snprintf(err, errlen, "%s: '%s' is not an integer", key, value);
        } else if (v < o->lo || v > o->hi) {
            snprintf(err, errlen, "%s: %s is out of range (%g to %g)", key, value, o->lo, o->hi);
        } else {
            int iv = (int)v;
            memcpy(field, &iv, sizeof(iv));
        }
        break;
    }
    case REFID:
        if (!valid_refid(value)) {
            snprintf(err, errlen, "%s: '%s' is not a reference ID of 1 to 4 characters", key,
                     value);
        } else {
            snprintf(field, 5, "%s", value);
        }
        break;
    case FLAG: {
        bool t = true;
        memcpy(field, &t, sizeof(t));
        break;
    }
    case REFUSED: snprintf(err, errlen, "%s: %s", key, o->why); break;
    }
    return true;
}

void rc_source_defaults(struct rc_source_cfg *c, const struct drv_driver *driver)
{
    memset(c, 0, sizeof(*c));
    c->driver = driver;
    /* An NTP source is named by its address (the refid published while it leads). */
    snprintf(c->refid, sizeof(c->refid), "%s", driver->ntp ? "" : driver->pulses ? "PPS" : "GPS");
}

void rc_params_defaults(struct rc_params *p)
{
    memset(p, 0, sizeof(*p));
    /* Step a start-up error at once (the first three updates): from a 0.1-0.3 s error the
     * clock is within 10 us in seconds; chrony's usual `makestep 1 3` would slew it for
     * minutes at 500 ppm. */
    p->makestep_threshold_s = 0.001;
    p->makestep_limit = 3;
    p->maxslewrate_ppm = 500;
    p->maxholdover_s = 3600;
    p->maxjump_s = 0.5;
    p->jumppersist_s = 300;
}
