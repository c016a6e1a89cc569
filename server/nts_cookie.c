/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nts_cookie: AES-SIV-CMAC-256 sealed cookies (RFC 8915 section 6 leaves the format to the
 * server; this one follows its suggestion: a key ID in the clear so old keys still open old
 * cookies after a rotation, a nonce, then the AEAD output).
 */
#include "server/nts_cookie.h"

#include <string.h>

void ntsck_expand(const struct ntsck_raw *raw, struct ntsck_set *set)
{
    memset(set, 0, sizeof(*set));
    int n = raw->n < 0 ? 0 : raw->n > NTSCK_MAX_KEYS ? NTSCK_MAX_KEYS : raw->n;
    for (int i = 0; i < n; i++) {
        set->keys[i].id = raw->id[i];
        siv_cmac_aes128_set_key(&set->keys[i].ctx, raw->key[i]);
    }
    set->n = n;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

bool ntsck_seal(const struct ntsck_set *set, const uint8_t nonce[NTS_NONCE_LEN],
                const uint8_t *c2s, const uint8_t *s2c, uint8_t *out)
{
    if (set == NULL || set->n == 0) {
        return false;
    }
    const struct ntsck_key *k = &set->keys[0];
    uint8_t plain[NTS_COOKIE_PLAIN_LEN];
    plain[0] = 0;
    plain[1] = NTS_AEAD_AES_SIV_CMAC_256;
    plain[2] = plain[3] = 0;
    memcpy(plain + 4, c2s, NTS_KEY_LEN);
    memcpy(plain + 4 + NTS_KEY_LEN, s2c, NTS_KEY_LEN);
    put32(out, k->id);
    memcpy(out + 4, nonce, NTS_NONCE_LEN);
    /* The key ID is associated data: a cookie moved to another key ID fails. */
    siv_cmac_aes128_encrypt_message(&k->ctx, NTS_NONCE_LEN, out + 4, 4, out,
                                    NTS_TAG_LEN + NTS_COOKIE_PLAIN_LEN, out + 4 + NTS_NONCE_LEN,
                                    plain);
    memset(plain, 0, sizeof(plain));
    return true;
}

bool ntsck_open(const struct ntsck_set *set, const uint8_t *cookie, size_t len, uint8_t *c2s,
                uint8_t *s2c)
{
    if (set == NULL || len != NTS_COOKIE_LEN) {
        return false;
    }
    uint32_t id = (uint32_t)cookie[0] << 24 | (uint32_t)cookie[1] << 16 |
                  (uint32_t)cookie[2] << 8 | cookie[3];
    const struct ntsck_key *k = NULL;
    for (int i = 0; i < set->n; i++) {
        if (set->keys[i].id == id) {
            k = &set->keys[i];
        }
    }
    if (k == NULL) {
        return false;
    }
    uint8_t plain[NTS_COOKIE_PLAIN_LEN];
    bool ok = siv_cmac_aes128_decrypt_message(&k->ctx, NTS_NONCE_LEN, cookie + 4, 4, cookie,
                                              NTS_COOKIE_PLAIN_LEN, plain,
                                              cookie + 4 + NTS_NONCE_LEN) != 0 &&
              plain[0] == 0 && plain[1] == NTS_AEAD_AES_SIV_CMAC_256;
    if (ok) {
        memcpy(c2s, plain + 4, NTS_KEY_LEN);
        memcpy(s2c, plain + 4 + NTS_KEY_LEN, NTS_KEY_LEN);
    }
    memset(plain, 0, sizeof(plain));
    return ok;
}
