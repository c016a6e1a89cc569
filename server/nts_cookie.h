/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nts_cookie: seal and open NTS cookies (RFC 8915 section 6). A cookie carries the two session
 * keys (C2S, S2C) the client got from NTS-KE, sealed with a server key so that the server keeps
 * no per-client state. Sans-IO: the keys and the nonce are given; nothing here reads a clock,
 * a file or a random source.
 *
 * Layout (104 bytes, a multiple of 4 so the extension field needs no padding):
 *   key ID (4, big-endian) | nonce (16) | AES-SIV-CMAC-256 tag (16) | ciphertext (68)
 * The plaintext is the AEAD algorithm ID (2), two zero bytes, C2S (32), S2C (32); the key ID
 * and the nonce are authenticated as associated data.
 */
#ifndef GN_NTS_COOKIE_H
#define GN_NTS_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nettle/siv-cmac.h>

/* RFC 8915 section 4.1.5 / IANA: AEAD_AES_SIV_CMAC_256, the only algorithm we serve. */
#define NTS_AEAD_AES_SIV_CMAC_256 15
#define NTS_KEY_LEN 32            /* C2S, S2C and the cookie keys: SIV_CMAC_AES128_KEY_SIZE */
#define NTS_NONCE_LEN 16
#define NTS_TAG_LEN SIV_DIGEST_SIZE
#define NTS_COOKIE_PLAIN_LEN 68
#define NTS_COOKIE_LEN (4 + NTS_NONCE_LEN + NTS_TAG_LEN + NTS_COOKIE_PLAIN_LEN)
/* Server keys kept at once: the current one and those whose cookies are still honoured. */
#define NTSCK_MAX_KEYS 4

struct ntsck_key {
    uint32_t id;
    struct siv_cmac_aes128_ctx ctx; /* expanded once; used read-only (const) by every thread */
};

/* The server keys, newest first: keys[0] seals, all open. */
struct ntsck_set {
    struct ntsck_key keys[NTSCK_MAX_KEYS];
    int n;
};

/* Raw form of the set, what is persisted and published between threads. */
struct ntsck_raw {
    uint64_t generation;           /* bumped at each rotation: caches compare it */
    int64_t created_s[NTSCK_MAX_KEYS]; /* Unix seconds, for rotation */
    uint32_t id[NTSCK_MAX_KEYS];
    uint8_t key[NTSCK_MAX_KEYS][NTS_KEY_LEN];
    int n;
};

/* Expand a raw set (key schedules). */
void ntsck_expand(const struct ntsck_raw *raw, struct ntsck_set *set);

/* Seal c2s and s2c (NTS_KEY_LEN each) into out (NTS_COOKIE_LEN bytes) with the newest key and
 * the given nonce. False when the set is empty. */
bool ntsck_seal(const struct ntsck_set *set, const uint8_t nonce[NTS_NONCE_LEN],
                const uint8_t *c2s, const uint8_t *s2c, uint8_t *out);

/* Open a cookie of len bytes: true with the keys when it is ours (a known key ID, the tag
 * verifies, the AEAD is AES-SIV-CMAC-256); false for anything else. */
bool ntsck_open(const struct ntsck_set *set, const uint8_t *cookie, size_t len, uint8_t *c2s,
                uint8_t *s2c);

#endif
