/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nts_ef: the NTS extension fields of an NTP packet (RFC 8915 section 5): find them in a
 * request, lay out and seal the reply's. Sans-IO and allocation-free; the cryptography is
 * Nettle's AES-SIV-CMAC-256 with keys the caller supplies.
 */
#ifndef GN_NTS_EF_H
#define GN_NTS_EF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nettle/siv-cmac.h>

#define NTS_EF_UID 0x0104
#define NTS_EF_COOKIE 0x0204
#define NTS_EF_PLACEHOLDER 0x0304
#define NTS_EF_AUTH 0x0404
/* RFC 8915 section 5.3: the unique identifier is at least 32 bytes. */
#define NTS_UID_MIN 32
/* Cookies per reply, at most: one per cookie and placeholder in the request, and never more
 * than a client asks for (chrony asks for up to 8). */
#define NTS_MAX_COOKIES 8

enum ntsef_kind {
    NTSEF_NONE,    /* no NTS fields: an ordinary request */
    NTSEF_OK,      /* a well-formed NTS request (not yet authenticated) */
    NTSEF_BAD,     /* NTS fields, but malformed (missing UID/cookie/authenticator, ...) */
};

struct ntsef_req {
    size_t uid_off, uid_len;       /* the whole unique-identifier field, header included */
    const uint8_t *cookie;         /* the cookie's bytes (the field's body) */
    size_t cookie_len;
    int n_placeholders;
    size_t auth_off;               /* the authenticator's offset: associated data ends here */
    const uint8_t *nonce, *ct;
    size_t nonce_len, ct_len;
};

/* Classify and locate the NTS fields of a request of len bytes (>= 48). */
enum ntsef_kind ntsef_parse(const uint8_t *pkt, size_t len, struct ntsef_req *r);

/* Decrypt and verify the request's authenticator with the C2S key: true when it verifies. The
 * plaintext (encrypted extension fields, which we do not use) is discarded. */
bool ntsef_verify(const struct siv_cmac_aes128_ctx *c2s, const uint8_t *pkt,
                  const struct ntsef_req *r);

/*
 * Lay out a reply after its 48-byte header in out (cap bytes): the request's unique identifier
 * copied, then an authenticator with a 16-byte nonce (from nonce) and room for n_cookies
 * cookies of cookie_len bytes. *plain receives where the caller writes the cookies' bodies (the
 * field headers are written here), one after another every (4 + cookie_len) bytes. Returns
 * the reply's length, or 0 when it does not fit in cap.
 */
size_t ntsef_layout_reply(uint8_t *out, size_t cap, const uint8_t *req,
                          const struct ntsef_req *r, int n_cookies, size_t cookie_len,
                          const uint8_t nonce[16], uint8_t **plain);

/* Length of such a reply (to choose n_cookies so that it is never longer than the request). */
size_t ntsef_reply_len(const struct ntsef_req *r, int n_cookies, size_t cookie_len);

/* Encrypt the cookies of a reply laid out as above, once everything else (the transmit
 * timestamp) is written: the header and unique identifier are the associated data. */
void ntsef_seal_reply(const struct siv_cmac_aes128_ctx *s2c, uint8_t *out, size_t len,
                      size_t auth_off);

#endif
