/* SPDX-License-Identifier: BSD-2-Clause */
/* drv: names of states and counters, option lookup (see drv.h). */
#include "drivers/drv.h"

#include <string.h>

const char *drv_state_name(enum drv_state st)
{
    switch (st) {
    case DRV_STATE_CLOSED: return "closed";
    case DRV_STATE_OPEN: return "open";
    case DRV_STATE_NO_DATA: return "no data";
    case DRV_STATE_NO_FIX: return "no fix";
    case DRV_STATE_OK: return "OK";
    case DRV_STATE_RECONNECTING: return "reconnecting";
    case DRV_STATE_DENIED: return "denied";
    }
    return "?";
}

const char *drv_counter_name(enum drv_counter c)
{
    static const char *const names[DRV_CNT__COUNT] = {
        [DRV_CNT_BAD_CHECKSUM] = "bad_checksum", [DRV_CNT_BAD_FORMAT] = "bad_format",
        [DRV_CNT_BAD_LENGTH] = "bad_length",     [DRV_CNT_NO_FIX] = "no_fix",
        [DRV_CNT_STALE] = "stale",               [DRV_CNT_TORN] = "torn",
        [DRV_CNT_MISSED_PULSE] = "missed_pulse", [DRV_CNT_PULSE_REJECTED] = "pulse_rejected",
        [DRV_CNT_OUTLIER] = "outlier",           [DRV_CNT_JUMP] = "jump",
        [DRV_CNT_RECONNECT] = "reconnect",       [DRV_CNT_KOD] = "kod",
        [DRV_CNT_BAD_REPLY] = "bad_reply",
    };
    return (unsigned)c < DRV_CNT__COUNT ? names[c] : "?";
}

const char *drv_option(const struct drv_src *src, const char *key)
{
    for (int i = 0; i < src->n_opts; i++) {
        if (strcmp(src->opts[i].key, key) == 0) {
            return src->opts[i].value;
        }
    }
    return NULL;
}

bool drv_has_option(const struct drv_driver *drv, const char *key, bool *flag)
{
    for (const struct drv_option *o = drv->options; o != NULL && o->name != NULL; o++) {
        if (strcmp(o->name, key) == 0) {
            *flag = o->flag;
            return true;
        }
    }
    return false;
}
