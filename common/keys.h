/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * keys: the symmetric-key table (`keyfile`, chrony's format) and the MACs it makes (RFC 5905
 * section 7.3 for MD5/SHA, RFC 8573 for AES-CMAC). The table is built once at start-up, before
 * privileges are dropped, and is read-only afterwards: any number of worker threads may look
 * keys up and compute MACs concurrently (each MAC works on a stack copy of the key's state).
 *
 * File format, one key per line, as chrony's keyfile: `ID [TYPE] KEY`, where ID is 1..2^32-1,
 * TYPE is MD5 (the default), SHA1, SHA256, SHA384, SHA512, AES128 or AES256, and KEY is
 * `HEX:` followed by hex digits, `ASCII:` followed by text, or bare text (ASCII). Comments
 * start with '#' (or chrony's '!', ';', '%') at the start of a line.
 */
#ifndef GN_KEYS_H
#define GN_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <nettle/cmac.h>
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

enum key_type { KEY_MD5, KEY_SHA1, KEY_SHA256, KEY_SHA384, KEY_SHA512, KEY_AES128, KEY_AES256 };

/* The longest MAC an NTPv4 packet carries (RFC 7822 section 7.5: a 24-byte key ID + MAC, so
 * longer digests are truncated to 20 bytes, as chrony and NTPsec do). */
#define KEY_MAX_MAC_LEN 20
/* The longest secret accepted (chrony accepts longer, but nobody needs them). */
#define KEY_MAX_SECRET 128

struct key {
    uint32_t id;
    enum key_type type;
    size_t mac_len;        /* digest bytes on the wire: 16 (MD5, CMAC) or 20 (SHA-1, SHA-2) */
    int line;              /* in the key file, for messages */
    /* The state after absorbing the secret (hash types: H(secret || packet)) or after the key
     * schedule (CMAC): copied per MAC, never written after the load. */
    union {
        struct md5_ctx md5;
        struct sha1_ctx sha1;
        struct sha256_ctx sha256;
        struct sha512_ctx sha512; /* also SHA-384 */
        struct cmac_aes128_ctx cmac128;
        struct cmac_aes256_ctx cmac256;
    } ctx;
};

struct keytab {
    struct key *keys;      /* sorted by id */
    size_t n;
};

/* Name of a key type as written in the file ("AES128"). */
const char *key_type_name(enum key_type t);

/*
 * Parse a key file's text (size bytes; name is used in messages). Errors go to err as
 * "NAME:LINE: message", every one of them. Returns the number of errors (0: *tab is filled and
 * owned by the caller, free with keytab_free; an empty file is an empty table).
 */
int keytab_parse(const char *text, size_t size, const char *name, struct keytab *tab,
                 FILE *err);

/*
 * Read and parse the key file at path, after checking it: a regular file, not writable by
 * group or others, not readable by others (the secrets are the whole point: refused, not
 * warned). Returns the number of errors (reported as above), or -errno when it cannot be read.
 */
int keytab_load(const char *path, struct keytab *tab, FILE *err);

void keytab_free(struct keytab *tab);

/* The key with this id, or NULL. */
const struct key *keytab_find(const struct keytab *tab, uint32_t id);

/* MAC of len bytes with key k into mac (k->mac_len bytes). Thread-safe. */
void key_mac(const struct key *k, const uint8_t *data, size_t len, uint8_t *mac);

/* Does mac (mac_len bytes) authenticate data under k? Constant time in the digest bytes. */
bool key_verify(const struct key *k, const uint8_t *data, size_t len, const uint8_t *mac,
                size_t mac_len);

#endif
