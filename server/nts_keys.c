/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nts_keys: rotation, persistence and publication of the NTS cookie keys. Only the event
 * loop's thread writes (init, rotation); workers and the NTS-KE thread read through the
 * seqlock, copying the raw keys and expanding them only when the generation moved.
 */
#include "server/nts_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/seqlock.h"

#define MAGIC "gpsntpd-ntskeys 1"

static SEQLOCK(raw_lock, SEQLOCK_WORDS(sizeof(struct ntsck_raw))) published;
static _Atomic uint64_t published_generation;

static struct {
    struct ntsck_raw raw;   /* the writer's copy */
    char path[PATH_MAX];    /* empty: not saved */
    int64_t rotate_s;
} nk;

static int fill_random(uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = getrandom(buf + got, len - got, 0);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        got += (size_t)r;
    }
    return 0;
}

size_t ntsk_format(const struct ntsck_raw *raw, char *buf, size_t cap)
{
    size_t pos = 0;
    int n = snprintf(buf, cap, "%s\n", MAGIC);
    if (n < 0 || (size_t)n >= cap) {
        return 0;
    }
    pos = (size_t)n;
    for (int i = 0; i < raw->n; i++) {
        n = snprintf(buf + pos, cap - pos, "%" PRIu32 " %" PRId64 " ", raw->id[i],
                     raw->created_s[i]);
        if (n < 0 || (size_t)n >= cap - pos) {
            return 0;
        }
        pos += (size_t)n;
        for (int j = 0; j < NTS_KEY_LEN; j++) {
            if (cap - pos < 3) {
                return 0;
            }
            snprintf(buf + pos, 3, "%02x", raw->key[i][j]);
            pos += 2;
        }
        if (cap - pos < 2) {
            return 0;
        }
        buf[pos++] = '\n';
        buf[pos] = '\0';
    }
    return pos;
}

bool ntsk_parse(const char *text, struct ntsck_raw *raw)
{
    memset(raw, 0, sizeof(*raw));
    size_t ml = strlen(MAGIC);
    if (strncmp(text, MAGIC, ml) != 0 || text[ml] != '\n') {
        return false;
    }
    const char *s = text + ml + 1;
    while (*s != '\0') {
        if (raw->n == NTSCK_MAX_KEYS) {
            return false;
        }
        uint32_t id;
        int64_t created;
        char hex[2 * NTS_KEY_LEN + 2];
        int used = 0;
        if (sscanf(s, "%" SCNu32 " %" SCNd64 " %65s%n", &id, &created, hex, &used) != 3 ||
            strlen(hex) != 2 * NTS_KEY_LEN) {
            return false;
        }
        for (int j = 0; j < NTS_KEY_LEN; j++) {
            unsigned b;
            if (sscanf(hex + 2 * j, "%2x", &b) != 1) {
                return false;
            }
            raw->key[raw->n][j] = (uint8_t)b;
        }
        for (int k = 0; k < raw->n; k++) {
            if (raw->id[k] == id) {
                return false;
            }
        }
        raw->id[raw->n] = id;
        raw->created_s[raw->n] = created;
        raw->n++;
        s += used;
        while (*s == '\n' || *s == ' ') {
            s++;
        }
    }
    return raw->n > 0;
}

static void publish(void)
{
    /* From the published counter, not nk.raw's: a re-init (tests) clears nk.raw, and a reader
     * must never see an old generation number come back. */
    nk.raw.generation = atomic_load_explicit(&published_generation, memory_order_relaxed) + 1;
    seqlock_write(&published, &nk.raw);
    atomic_store_explicit(&published_generation, nk.raw.generation, memory_order_release);
}

/* Write the file atomically: a temporary file in the same directory, fsync, rename. */
static int save(void)
{
    if (nk.path[0] == '\0') {
        return 0;
    }
    char text[1024], tmp[PATH_MAX + 8];
    size_t len = ntsk_format(&nk.raw, text, sizeof(text));
    snprintf(tmp, sizeof(tmp), "%s.tmp", nk.path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int e = errno;
        log_warn("nts: cannot save the cookie keys to %s", tmp);
        return -e;
    }
    /* The mode of an existing temporary file is not changed by open: force it. */
    bool ok = fchmod(fd, 0600) == 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    int e = errno;
    close(fd);
    memset(text, 0, sizeof(text));
    if (!ok || rename(tmp, nk.path) < 0) {
        e = ok ? errno : e;
        log_warnx("nts: cannot save the cookie keys to %s: %s", nk.path, strerror(e));
        unlink(tmp);
        return -e;
    }
    return 0;
}

static int add_key(int64_t now_s)
{
    struct ntsck_raw *r = &nk.raw;
    int n = r->n < NTSCK_MAX_KEYS ? r->n + 1 : NTSCK_MAX_KEYS;
    memmove(&r->id[1], &r->id[0], sizeof(r->id[0]) * (size_t)(n - 1));
    memmove(&r->created_s[1], &r->created_s[0], sizeof(r->created_s[0]) * (size_t)(n - 1));
    memmove(&r->key[1], &r->key[0], sizeof(r->key[0]) * (size_t)(n - 1));
    uint32_t id;
    bool unique;
    do {
        int rc = fill_random((uint8_t *)&id, sizeof(id));
        if (rc < 0) {
            return rc;
        }
        unique = true;
        for (int i = 1; i < n; i++) {
            unique &= r->id[i] != id;
        }
    } while (!unique);
    int rc = fill_random(r->key[0], NTS_KEY_LEN);
    if (rc < 0) {
        return rc;
    }
    r->id[0] = id;
    r->created_s[0] = now_s;
    r->n = n;
    return 0;
}

int ntsk_init(const char *dumpdir, int64_t rotate_s, int64_t now_s)
{
    memset(&nk.raw, 0, sizeof(nk.raw));
    nk.rotate_s = rotate_s > 0 ? rotate_s : 86400;
    nk.path[0] = '\0';
    if (dumpdir != NULL && dumpdir[0] != '\0') {
        snprintf(nk.path, sizeof(nk.path), "%s/%s", dumpdir, NTSK_FILE);
        FILE *f = fopen(nk.path, "re");
        if (f != NULL) {
            char text[1024];
            size_t n = fread(text, 1, sizeof(text) - 1, f);
            text[n] = '\0';
            fclose(f);
            if (!ntsk_parse(text, &nk.raw)) {
                log_warnx("nts: %s is damaged: new cookie keys (clients will redo NTS-KE)",
                          nk.path);
                memset(&nk.raw, 0, sizeof(nk.raw));
            } else {
                log_info("nts: %d cookie key%s loaded from %s", nk.raw.n,
                         nk.raw.n == 1 ? "" : "s", nk.path);
            }
            memset(text, 0, sizeof(text));
        } else if (errno != ENOENT) {
            log_warn("nts: cannot read %s", nk.path);
        }
    }
    if (nk.raw.n == 0 || now_s - nk.raw.created_s[0] >= nk.rotate_s ||
        nk.raw.created_s[0] > now_s + nk.rotate_s) {
        int rc = add_key(now_s);
        if (rc < 0) {
            log_warnx("nts: no random bytes for a cookie key: %s", strerror(-rc));
            return rc;
        }
    }
    save();
    publish();
    return 0;
}

bool ntsk_rotate_if_due(int64_t now_s)
{
    if (nk.raw.n == 0 || now_s - nk.raw.created_s[0] < nk.rotate_s) {
        return false;
    }
    if (add_key(now_s) < 0) {
        return false;
    }
    save();
    publish();
    log_info("nts: cookie key rotated (%d kept)", nk.raw.n);
    return true;
}

int64_t ntsk_next_rotation_s(int64_t now_s)
{
    int64_t due = nk.raw.n > 0 ? nk.raw.created_s[0] + nk.rotate_s - now_s : nk.rotate_s;
    return due < 1 ? 1 : due;
}

const struct ntsck_set *ntsk_get(struct ntsk_cache *c)
{
    uint64_t g = atomic_load_explicit(&published_generation, memory_order_acquire);
    if (g == 0) {
        return NULL;
    }
    if (g != c->generation) {
        struct ntsck_raw raw;
        if (!seqlock_read(&published, &raw)) {
            return NULL;
        }
        ntsck_expand(&raw, &c->set);
        c->generation = raw.generation;
        memset(&raw, 0, sizeof(raw));
    }
    return &c->set;
}
