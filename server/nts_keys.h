/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nts_keys: the NTS cookie keys over time. A new server key every `ntsrotate` seconds (default
 * a day); the previous ones are kept (NTSCK_MAX_KEYS in all) so cookies handed out before a
 * rotation still open for that long. The keys are saved in `ntsdumpdir` (mode 0600, written
 * to a temporary file and renamed: never half a file) so a restart does not invalidate every
 * client's cookies, and published to the worker and NTS-KE threads through a seqlock: each
 * thread keeps an expanded copy and refreshes it when the generation changes.
 */
#ifndef GN_NTS_KEYS_H
#define GN_NTS_KEYS_H

#include <stdint.h>

#include "server/nts_cookie.h"

#define NTSK_FILE "ntskeys"

/*
 * Load the keys from dumpdir (when not empty and the file exists; a damaged file is logged
 * and replaced), rotate if the newest is older than rotate_s, save, publish. now_s is the
 * Unix time. 0 or -errno (logged).
 */
int ntsk_init(const char *dumpdir, int64_t rotate_s, int64_t now_s);

/* Rotate when due (call now and then from the event loop): a new key first, the oldest
 * dropped; saved and published. Returns true when it rotated. */
bool ntsk_rotate_if_due(int64_t now_s);

/* Seconds until the next rotation is due (>= 1). */
int64_t ntsk_next_rotation_s(int64_t now_s);

/* A thread's view of the published keys. Zero-initialize. */
struct ntsk_cache {
    uint64_t generation;
    struct ntsck_set set;
};

/* The current keys, expanded, refreshed in c when they changed; NULL before ntsk_init. */
const struct ntsck_set *ntsk_get(struct ntsk_cache *c);

/* Parse the saved form (sans-IO, for tests): true when valid. */
bool ntsk_parse(const char *text, struct ntsck_raw *raw);
/* Format the saved form into buf (cap bytes): its length, or 0 when it does not fit. */
size_t ntsk_format(const struct ntsck_raw *raw, char *buf, size_t cap);

#endif
