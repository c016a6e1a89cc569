/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * events: the names of tags and severities, and the history ring. Sequence numbers have no
 * gaps, so finding where a reader left off is arithmetic, not a search.
 */
#include "daemon/events.h"

#include <string.h>

const char *event_tag_name(enum event_tag t)
{
    static const char *const names[EVENT_TAG__COUNT] = {
        [EVENT_START] = "START",
        [EVENT_SYNC] = "SYNC",
        [EVENT_UNSYNC] = "UNSYNC",
        [EVENT_HOLDOVER] = "HOLDOVER",
        [EVENT_STRATUM] = "STRATUM",
        [EVENT_REF_SELECTED] = "REF_SELECTED",
        [EVENT_REF_CHANGED] = "REF_CHANGED",
        [EVENT_REF_LOST] = "REF_LOST",
        [EVENT_LEAP] = "LEAP",
        [EVENT_DEVICE_LOST] = "DEVICE_LOST",
        [EVENT_RECONNECT] = "RECONNECT",
        [EVENT_NO_DATA] = "NO_DATA",
        [EVENT_PPS_MISSING] = "PPS_MISSING",
        [EVENT_NO_FIX] = "NO_FIX",
        [EVENT_SOURCE_OK] = "SOURCE_OK",
        [EVENT_JUMP_HELD] = "JUMP_HELD",
        [EVENT_JUMP_CLEARED] = "JUMP_CLEARED",
        [EVENT_NMEA_ERRORS] = "NMEA_ERRORS",
        [EVENT_NMEA_ERRORS_CLEARED] = "NMEA_ERRORS_CLEARED",
        [EVENT_FLAPPING] = "FLAPPING",
        [EVENT_FALSETICKER] = "FALSETICKER",
        [EVENT_TRUECHIMER] = "TRUECHIMER",
        [EVENT_NO_MAJORITY] = "NO_MAJORITY",
        [EVENT_MAJORITY] = "MAJORITY",
    };
    return (unsigned)t < EVENT_TAG__COUNT && names[t] != NULL ? names[t] : "UNKNOWN";
}

const char *event_severity_name(enum event_severity s)
{
    switch (s) {
    case EVENT_INFO: return "info";
    case EVENT_WARNING: return "warning";
    case EVENT_CRITICAL: return "critical";
    }
    return "unknown";
}

void events_init(struct events *h)
{
    memset(h, 0, sizeof(*h));
}

uint64_t events_add(struct events *h, struct event *e)
{
    e->seq = ++h->last_seq;
    size_t slot;
    if (h->n == EVENTS_MAX) {
        slot = h->head;
        h->head = (h->head + 1) % EVENTS_MAX;
    } else {
        slot = (h->head + h->n) % EVENTS_MAX;
        h->n++;
    }
    h->ring[slot] = *e;
    return e->seq;
}

uint64_t events_last_seq(const struct events *h)
{
    return h->last_seq;
}

uint64_t events_first_seq(const struct events *h)
{
    return h->n > 0 ? h->ring[h->head].seq : 0;
}

size_t events_copy(const struct events *h, uint64_t after_seq, struct event *out, size_t max)
{
    if (h->n == 0 || after_seq >= h->last_seq) {
        return 0;
    }
    uint64_t first = h->ring[h->head].seq;
    /* The ring holds first .. last_seq without gaps: the wanted one is at a fixed offset. */
    size_t skip = after_seq < first ? 0 : (size_t)(after_seq - first + 1);
    size_t k = 0;
    for (size_t i = skip; i < h->n && k < max; i++) {
        out[k++] = h->ring[(h->head + i) % EVENTS_MAX];
    }
    return k;
}
