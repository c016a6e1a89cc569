/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nts_ef: parse and build the NTS extension fields (RFC 8915 section 5). The request must hold
 * a unique identifier, exactly one cookie, any number of placeholders of the cookie's size,
 * and an authenticator as its last field (fields after it could not be authenticated, and
 * chrony never sends any). The reply echoes the unique identifier and carries the new cookies
 * encrypted inside its authenticator (section 5.7).
 */
#include "server/nts_ef.h"

#include <string.h>

#define HDR 48
#define EF_MIN 16
#define NONCE_LEN 16

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static size_t pad4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

enum ntsef_kind ntsef_parse(const uint8_t *pkt, size_t len, struct ntsef_req *r)
{
    memset(r, 0, sizeof(*r));
    if (len < HDR || ((pkt[0] >> 3) & 7) != 4) {
        return NTSEF_NONE;
    }
    bool nts = false, bad = false, have_uid = false, have_auth = false;
    int n_cookies = 0;
    size_t placeholder_len = 0;
    size_t pos = HDR;
    while (len - pos >= 4) {
        unsigned type = get16(pkt + pos);
        size_t flen = get16(pkt + pos + 2);
        if (flen < EF_MIN || flen % 4 != 0 || flen > len - pos) {
            /* Not an extension field: a MAC, or garbage. Only an issue for an NTS request. */
            bad = true;
            break;
        }
        const uint8_t *body = pkt + pos + 4;
        size_t blen = flen - 4;
        if (have_auth) {
            bad = true; /* a field after the authenticator */
        }
        switch (type) {
        case NTS_EF_UID:
            if (have_uid || blen < NTS_UID_MIN) {
                bad = true;
            }
            have_uid = true;
            r->uid_off = pos;
            r->uid_len = flen;
            break;
        case NTS_EF_COOKIE:
            nts = true;
            n_cookies++;
            r->cookie = body;
            r->cookie_len = blen;
            break;
        case NTS_EF_PLACEHOLDER:
            nts = true;
            if (placeholder_len != 0 && placeholder_len != blen) {
                bad = true;
            }
            placeholder_len = blen;
            r->n_placeholders++;
            break;
        case NTS_EF_AUTH: {
            nts = true;
            have_auth = true;
            r->auth_off = pos;
            if (blen < 4) {
                bad = true;
                break;
            }
            size_t nl = get16(body), cl = get16(body + 2);
            /* Nonce and ciphertext each padded to 4 bytes, inside the field (5.6). */
            if (nl == 0 || cl < SIV_DIGEST_SIZE || 4 + pad4(nl) + pad4(cl) > blen) {
                bad = true;
                break;
            }
            r->nonce = body + 4;
            r->nonce_len = nl;
            r->ct = body + 4 + pad4(nl);
            r->ct_len = cl;
            break;
        }
        default:
            break; /* other fields are ignored (and authenticated if before ours) */
        }
        pos += flen;
    }
    if (!nts) {
        return NTSEF_NONE;
    }
    if (bad || pos != len || !have_uid || !have_auth || n_cookies != 1 ||
        (r->n_placeholders > 0 && placeholder_len != r->cookie_len)) {
        return NTSEF_BAD;
    }
    return NTSEF_OK;
}

bool ntsef_verify(const struct siv_cmac_aes128_ctx *c2s, const uint8_t *pkt,
                  const struct ntsef_req *r)
{
    uint8_t plain[1024];
    if (r->ct_len - SIV_DIGEST_SIZE > sizeof(plain)) {
        return false;
    }
    bool ok = siv_cmac_aes128_decrypt_message(c2s, r->nonce_len, r->nonce, r->auth_off, pkt,
                                              r->ct_len - SIV_DIGEST_SIZE, plain, r->ct) != 0;
    return ok;
}

size_t ntsef_reply_len(const struct ntsef_req *r, int n_cookies, size_t cookie_len)
{
    return HDR + r->uid_len + 8 + NONCE_LEN + SIV_DIGEST_SIZE +
           (size_t)n_cookies * (4 + cookie_len);
}

size_t ntsef_layout_reply(uint8_t *out, size_t cap, const uint8_t *req,
                          const struct ntsef_req *r, int n_cookies, size_t cookie_len,
                          const uint8_t nonce[16], uint8_t **plain)
{
    size_t total = ntsef_reply_len(r, n_cookies, cookie_len);
    size_t ct_len = SIV_DIGEST_SIZE + (size_t)n_cookies * (4 + cookie_len);
    if (total > cap || cookie_len % 4 != 0 || 8 + NONCE_LEN + ct_len > 0xffff) {
        return 0;
    }
    size_t pos = HDR;
    memcpy(out + pos, req + r->uid_off, r->uid_len);
    pos += r->uid_len;
    put16(out + pos, NTS_EF_AUTH);
    put16(out + pos + 2, (unsigned)(8 + NONCE_LEN + ct_len));
    put16(out + pos + 4, NONCE_LEN);
    put16(out + pos + 6, (unsigned)ct_len);
    memcpy(out + pos + 8, nonce, NONCE_LEN);
    uint8_t *p = out + pos + 8 + NONCE_LEN + SIV_DIGEST_SIZE;
    *plain = p + 4;
    for (int i = 0; i < n_cookies; i++) {
        put16(p, NTS_EF_COOKIE);
        put16(p + 2, (unsigned)(4 + cookie_len));
        p += 4 + cookie_len;
    }
    return total;
}

void ntsef_seal_reply(const struct siv_cmac_aes128_ctx *s2c, uint8_t *out, size_t len,
                      size_t auth_off)
{
    uint8_t plain[1024];
    size_t ct_off = auth_off + 8 + NONCE_LEN;
    size_t m_len = len - ct_off - SIV_DIGEST_SIZE;
    if (m_len > sizeof(plain)) {
        return; /* cannot happen: the layout bounds the reply by the request's size */
    }
    memcpy(plain, out + ct_off + SIV_DIGEST_SIZE, m_len);
    siv_cmac_aes128_encrypt_message(s2c, NONCE_LEN, out + auth_off + 8, auth_off, out,
                                    m_len + SIV_DIGEST_SIZE, out + ct_off, plain);
}
