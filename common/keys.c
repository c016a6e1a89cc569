/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * keys: load the symmetric-key file into a read-only table and compute/verify NTP MACs with
 * Nettle. The classic NTP MAC (RFC 5905 section 7.3) is H(secret || packet), not an HMAC; the
 * AES types are CMAC (RFC 8573, RFC 4493). Both are precomputed at load time up to the
 * packet, so a MAC costs one stack copy of the state plus the packet's blocks.
 */
#include "common/keys.h"

#include <errno.h>
#include <nettle/memops.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/lineerr.h"

#define MAX_KEYS 65536

static const struct {
    const char *name;
    enum key_type type;
    size_t digest_len;
    size_t key_len;       /* 0: any length */
} types[] = {
    {"MD5", KEY_MD5, MD5_DIGEST_SIZE, 0},
    {"SHA1", KEY_SHA1, SHA1_DIGEST_SIZE, 0},
    {"SHA256", KEY_SHA256, SHA256_DIGEST_SIZE, 0},
    {"SHA384", KEY_SHA384, SHA384_DIGEST_SIZE, 0},
    {"SHA512", KEY_SHA512, SHA512_DIGEST_SIZE, 0},
    {"AES128", KEY_AES128, CMAC128_DIGEST_SIZE, 16},
    {"AES256", KEY_AES256, CMAC128_DIGEST_SIZE, 32},
};
#define N_TYPES (sizeof(types) / sizeof(types[0]))

const char *key_type_name(enum key_type t)
{
    for (size_t i = 0; i < N_TYPES; i++) {
        if (types[i].type == t) {
            return types[i].name;
        }
    }
    return "?";
}

struct kparser {
    const char *name;
    int line;
    int errors;
    FILE *err;
};

static void kerror(struct kparser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kerror(struct kparser *p, const char *fmt, ...)
{
    p->errors++;
    va_list ap;
    va_start(ap, fmt);
    lineerr_vprint(p->err, p->name, p->line, fmt, ap);
    va_end(ap);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* The secret's bytes from KEY (HEX:.., ASCII:.., bare ASCII). Returns its length or -1. */
static int decode_secret(struct kparser *p, const char *s, uint8_t *out)
{
    if (strncmp(s, "HEX:", 4) == 0) {
        s += 4;
        size_t n = strlen(s);
        if (n == 0 || n % 2 != 0) {
            kerror(p, "key: HEX: needs an even, non-zero number of hex digits");
            return -1;
        }
        if (n / 2 > KEY_MAX_SECRET) {
            kerror(p, "key: longer than %d bytes", KEY_MAX_SECRET);
            return -1;
        }
        for (size_t i = 0; i < n; i += 2) {
            int hi = hexval(s[i]), lo = hexval(s[i + 1]);
            if (hi < 0 || lo < 0) {
                kerror(p, "key: '%c%c' is not a hex byte", s[i], s[i + 1]);
                return -1;
            }
            out[i / 2] = (uint8_t)(hi << 4 | lo);
        }
        return (int)(n / 2);
    }
    if (strncmp(s, "ASCII:", 6) == 0) {
        s += 6;
    }
    size_t n = strlen(s);
    if (n == 0) {
        kerror(p, "key: empty");
        return -1;
    }
    if (n > KEY_MAX_SECRET) {
        kerror(p, "key: longer than %d bytes", KEY_MAX_SECRET);
        return -1;
    }
    memcpy(out, s, n);
    return (int)n;
}

static void init_ctx(struct key *k, const uint8_t *secret, size_t len)
{
    switch (k->type) {
    case KEY_MD5: md5_init(&k->ctx.md5); md5_update(&k->ctx.md5, len, secret); break;
    case KEY_SHA1: sha1_init(&k->ctx.sha1); sha1_update(&k->ctx.sha1, len, secret); break;
    case KEY_SHA256:
        sha256_init(&k->ctx.sha256);
        sha256_update(&k->ctx.sha256, len, secret);
        break;
    case KEY_SHA384:
        sha384_init(&k->ctx.sha512);
        sha384_update(&k->ctx.sha512, len, secret);
        break;
    case KEY_SHA512:
        sha512_init(&k->ctx.sha512);
        sha512_update(&k->ctx.sha512, len, secret);
        break;
    case KEY_AES128: cmac_aes128_set_key(&k->ctx.cmac128, secret); break;
    case KEY_AES256: cmac_aes256_set_key(&k->ctx.cmac256, secret); break;
    }
}

/* One line's words into *k; false (reported) when the line is not a valid key. */
static bool parse_key_line(struct kparser *p, char **w, int n, struct key *k)
{
    if (n < 2 || n > 3) {
        kerror(p, "expected 'ID [TYPE] KEY', got %d word%s", n, n == 1 ? "" : "s");
        return false;
    }
    char *end;
    errno = 0;
    unsigned long id = strtoul(w[0], &end, 10);
    if (*end != '\0' || errno != 0 || w[0][0] == '-' || id == 0 || id > UINT32_MAX) {
        kerror(p, "key ID '%s' is not a number from 1 to 4294967295", w[0]);
        return false;
    }
    size_t t = 0; /* MD5 when no type is given, as chrony */
    if (n == 3) {
        for (t = 0; t < N_TYPES; t++) {
            if (strcasecmp(w[1], types[t].name) == 0) {
                break;
            }
        }
        if (t == N_TYPES) {
            kerror(p, "key %lu: unknown type '%s' (MD5, SHA1, SHA256, SHA384, SHA512, AES128, "
                      "AES256)", id, w[1]);
            return false;
        }
    }
    uint8_t secret[KEY_MAX_SECRET];
    int len = decode_secret(p, w[n - 1], secret);
    if (len < 0) {
        return false;
    }
    if (types[t].key_len != 0 && (size_t)len != types[t].key_len) {
        kerror(p, "key %lu: %s needs a %zu-byte key (HEX: and %zu hex digits), got %d bytes", id,
               types[t].name, types[t].key_len, 2 * types[t].key_len, len);
        return false;
    }
    memset(k, 0, sizeof(*k));
    k->id = (uint32_t)id;
    k->type = types[t].type;
    k->mac_len = types[t].digest_len < KEY_MAX_MAC_LEN ? types[t].digest_len : KEY_MAX_MAC_LEN;
    k->line = p->line;
    init_ctx(k, secret, (size_t)len);
    memset(secret, 0, sizeof(secret));
    return true;
}

static int by_id(const void *a, const void *b)
{
    uint32_t x = ((const struct key *)a)->id, y = ((const struct key *)b)->id;
    return x < y ? -1 : x > y;
}

int keytab_parse(const char *text, size_t size, const char *name, struct keytab *tab, FILE *err)
{
    struct kparser p = {.name = name, .err = err};
    tab->keys = NULL;
    tab->n = 0;
    /* Count lines for the allocation: at most one key each. */
    size_t cap = 1;
    for (size_t i = 0; i < size; i++) {
        cap += text[i] == '\n';
    }
    if (cap > MAX_KEYS) {
        cap = MAX_KEYS;
    }
    struct key *keys = calloc(cap, sizeof(*keys));
    if (keys == NULL) {
        return -ENOMEM;
    }
    size_t n_keys = 0;
    const char *s = text, *end = text + size;
    char line[512];
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t len = nl != NULL ? (size_t)(nl - s) : (size_t)(end - s);
        p.line++;
        if (len >= sizeof(line)) {
            kerror(&p, "line too long (at most %zu characters)", sizeof(line) - 1);
        } else if (memchr(s, '\0', len) != NULL) {
            kerror(&p, "NUL byte in line");
        } else {
            memcpy(line, s, len);
            line[len] = '\0';
            char *w[4];
            int n = 0;
            size_t lead = strspn(line, " \t\r");
            if (line[lead] != '\0' && strchr("#!;%", line[lead]) == NULL) {
                for (char *tok = strtok(line, " \t\r"); tok != NULL; tok = strtok(NULL, " \t\r")) {
                    if (n < 4) {
                        w[n] = tok;
                    }
                    n++;
                }
                if (n_keys == cap) {
                    kerror(&p, "more than %d keys", MAX_KEYS);
                } else if (parse_key_line(&p, w, n, &keys[n_keys])) {
                    n_keys++;
                }
            }
        }
        s += len;
        if (s < end && *s == '\n') {
            s++;
        }
    }
    qsort(keys, n_keys, sizeof(*keys), by_id);
    for (size_t i = 1; i < n_keys; i++) {
        if (keys[i].id == keys[i - 1].id) {
            int first = keys[i].line < keys[i - 1].line ? keys[i].line : keys[i - 1].line;
            p.line = keys[i].line > keys[i - 1].line ? keys[i].line : keys[i - 1].line;
            kerror(&p, "key ID %u is already defined on line %d", (unsigned)keys[i].id, first);
        }
    }
    if (p.errors != 0) {
        memset(keys, 0, cap * sizeof(*keys));
        free(keys);
        return p.errors;
    }
    tab->keys = keys;
    tab->n = n_keys;
    return 0;
}

int keytab_load(const char *path, struct keytab *tab, FILE *err)
{
    tab->keys = NULL;
    tab->n = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        int e = errno;
        if (err != NULL) {
            fprintf(err, "%s: cannot open the key file: %s\n", path, strerror(e));
        }
        return -e;
    }
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        if (err != NULL) {
            fprintf(err, "%s: the key file is not a regular file\n", path);
        }
        fclose(f);
        return 1;
    }
    /*
     * Refused rather than warned (chrony and ntpd only warn): a key others can read is a key
     * anyone on the box can forge time with, and one others can write is worse. Group read
     * stays allowed (root:_gpsntpd 0640 is a sensible layout).
     */
    if ((st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) != 0) {
        if (err != NULL) {
            fprintf(err, "%s: the key file's mode is %04o: it must not be readable by others nor "
                         "writable by group or others (chmod 0600 or 0640)\n",
                    path, (unsigned)(st.st_mode & 07777));
        }
        fclose(f);
        return 1;
    }
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    bool bad = ferror(f) || !feof(f);
    fclose(f);
    if (bad) {
        if (err != NULL) {
            fprintf(err, "%s: cannot read the key file (or larger than %zu bytes)\n", path,
                    sizeof(text) - 1);
        }
        memset(text, 0, n);
        return 1;
    }
    int errors = keytab_parse(text, n, path, tab, err);
    memset(text, 0, n);
    return errors;
}

void keytab_free(struct keytab *tab)
{
    if (tab->keys != NULL) {
        memset(tab->keys, 0, tab->n * sizeof(*tab->keys));
        free(tab->keys);
    }
    tab->keys = NULL;
    tab->n = 0;
}

const struct key *keytab_find(const struct keytab *tab, uint32_t id)
{
    size_t lo = 0, hi = tab != NULL ? tab->n : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t m = tab->keys[mid].id;
        if (m == id) {
            return &tab->keys[mid];
        }
        if (m < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

void key_mac(const struct key *k, const uint8_t *data, size_t len, uint8_t *mac)
{
    /* The full digest first: SHA-2 digests are truncated to mac_len. */
    uint8_t d[SHA512_DIGEST_SIZE];
    switch (k->type) {
    case KEY_MD5: {
        struct md5_ctx c = k->ctx.md5;
        md5_update(&c, len, data);
        md5_digest(&c, MD5_DIGEST_SIZE, d);
        break;
    }
    case KEY_SHA1: {
        struct sha1_ctx c = k->ctx.sha1;
        sha1_update(&c, len, data);
        sha1_digest(&c, SHA1_DIGEST_SIZE, d);
        break;
    }
    case KEY_SHA256: {
        struct sha256_ctx c = k->ctx.sha256;
        sha256_update(&c, len, data);
        sha256_digest(&c, SHA256_DIGEST_SIZE, d);
        break;
    }
    case KEY_SHA384: {
        struct sha512_ctx c = k->ctx.sha512;
        sha384_update(&c, len, data);
        sha384_digest(&c, SHA384_DIGEST_SIZE, d);
        break;
    }
    case KEY_SHA512: {
        struct sha512_ctx c = k->ctx.sha512;
        sha512_update(&c, len, data);
        sha512_digest(&c, SHA512_DIGEST_SIZE, d);
        break;
    }
    case KEY_AES128: {
        struct cmac_aes128_ctx c = k->ctx.cmac128;
        cmac_aes128_update(&c, len, data);
        cmac_aes128_digest(&c, CMAC128_DIGEST_SIZE, d);
        break;
    }
    case KEY_AES256: {
        struct cmac_aes256_ctx c = k->ctx.cmac256;
        cmac_aes256_update(&c, len, data);
        cmac_aes256_digest(&c, CMAC128_DIGEST_SIZE, d);
        break;
    }
    }
    memcpy(mac, d, k->mac_len);
}

bool key_verify(const struct key *k, const uint8_t *data, size_t len, const uint8_t *mac,
                size_t mac_len)
{
    if (mac_len != k->mac_len) {
        return false;
    }
    uint8_t want[KEY_MAX_MAC_LEN];
    key_mac(k, data, len, want);
    return memeql_sec(want, mac, mac_len) != 0;
}
