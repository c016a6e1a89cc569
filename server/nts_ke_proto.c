/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nts_ke_proto: NTS-KE record parsing and building (RFC 8915 section 4). A record is a
 * critical bit and a 15-bit type, a 16-bit body length, the body. The rules followed:
 * the Next Protocol and AEAD records appear once each (4.1.2, 4.1.5); an unknown record with
 * the critical bit set is an error 0 (4.1.3); a client's Error or Warning record, a Cookie
 * record, a body of the wrong shape or a request without Next Protocol is a bad request
 * (error 1); the Server and Port records are hints we may ignore (4.1.7, 4.1.8).
 */
#include "server/nts_ke_proto.h"

#include <string.h>

#include "server/nts_cookie.h"

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* A list of 16-bit values: true when it holds want (and is well-formed: even length). */
static bool list_has(const uint8_t *body, size_t blen, unsigned want, bool *bad)
{
    bool found = false;
    if (blen % 2 != 0) {
        *bad = true;
        return false;
    }
    for (size_t i = 0; i < blen; i += 2) {
        found |= get16(body + i) == want;
    }
    return found;
}

enum ntske_parse ntske_parse_request(const uint8_t *buf, size_t len, struct ntske_req *r)
{
    memset(r, 0, sizeof(*r));
    size_t pos = 0;
    while (len - pos >= 4) {
        unsigned t = get16(buf + pos);
        size_t blen = get16(buf + pos + 2);
        if (blen > len - pos - 4) {
            break; /* the rest of this record has not arrived yet */
        }
        bool critical = (t & NTSKE_CRITICAL) != 0;
        unsigned type = t & ~(unsigned)NTSKE_CRITICAL;
        const uint8_t *body = buf + pos + 4;
        pos += 4 + blen;
        switch (type) {
        case NTSKE_END:
            if (blen != 0) {
                r->malformed = true;
            }
            if (!r->has_next_proto) {
                r->malformed = true;
            }
            /* Bytes after the End of Message: a confused client; answered all the same. */
            return NTSKE_COMPLETE;
        case NTSKE_NEXT_PROTO:
            if (r->has_next_proto || !critical) {
                r->malformed = true;
            }
            r->has_next_proto = true;
            r->ntpv4 = list_has(body, blen, NTSKE_PROTO_NTPV4, &r->malformed);
            break;
        case NTSKE_AEAD:
            if (r->has_aead) {
                r->malformed = true;
            }
            r->has_aead = true;
            r->aead_ok = list_has(body, blen, NTS_AEAD_AES_SIV_CMAC_256, &r->malformed);
            break;
        case NTSKE_ERROR:
        case NTSKE_WARNING:
        case NTSKE_COOKIE:
            r->malformed = true; /* only a server sends these */
            break;
        case NTSKE_SERVER:
            r->asked_server = true;
            break;
        case NTSKE_PORT:
            if (blen != 2) {
                r->malformed = true;
            }
            r->asked_port = true;
            break;
        default:
            if (critical) {
                r->unknown_critical = true;
            }
            break;
        }
    }
    if (len > NTSKE_MAX_REQUEST) {
        r->malformed = true;
        return NTSKE_COMPLETE;
    }
    return NTSKE_NEED_MORE;
}

enum ntske_answer ntske_decide(const struct ntske_req *r, uint16_t *code)
{
    *code = 0;
    if (r->unknown_critical) {
        *code = NTSKE_ERR_UNRECOGNIZED_CRITICAL;
        return NTSKE_ANSWER_ERROR;
    }
    if (r->malformed || !r->has_next_proto) {
        *code = NTSKE_ERR_BAD_REQUEST;
        return NTSKE_ANSWER_ERROR;
    }
    if (!r->ntpv4) {
        return NTSKE_ANSWER_NO_PROTOCOL;
    }
    /* Section 4.1.5: with NTPv4 the AEAD record is mandatory. */
    if (!r->has_aead) {
        *code = NTSKE_ERR_BAD_REQUEST;
        return NTSKE_ANSWER_ERROR;
    }
    return r->aead_ok ? NTSKE_ANSWER_COOKIES : NTSKE_ANSWER_NO_AEAD;
}

/* Append one record; false when it does not fit. */
static bool add(uint8_t *out, size_t cap, size_t *pos, unsigned type, const uint8_t *body,
                size_t blen)
{
    if (cap - *pos < 4 + blen || blen > 0xffff) {
        return false;
    }
    put16(out + *pos, type);
    put16(out + *pos + 2, (unsigned)blen);
    if (blen > 0) {
        memcpy(out + *pos + 4, body, blen);
    }
    *pos += 4 + blen;
    return true;
}

size_t ntske_build_response(enum ntske_answer a, uint16_t code, int ntp_port, bool asked_port,
                            const uint8_t *cookies, int n, size_t cookie_len, uint8_t *out,
                            size_t cap)
{
    size_t pos = 0;
    uint8_t v[2];
    bool ok = true;
    switch (a) {
    case NTSKE_ANSWER_ERROR:
        put16(v, code);
        ok = add(out, cap, &pos, NTSKE_CRITICAL | NTSKE_ERROR, v, 2);
        break;
    case NTSKE_ANSWER_NO_PROTOCOL:
        ok = add(out, cap, &pos, NTSKE_CRITICAL | NTSKE_NEXT_PROTO, NULL, 0);
        break;
    case NTSKE_ANSWER_NO_AEAD:
        put16(v, NTSKE_PROTO_NTPV4);
        ok = add(out, cap, &pos, NTSKE_CRITICAL | NTSKE_NEXT_PROTO, v, 2) &&
             add(out, cap, &pos, NTSKE_CRITICAL | NTSKE_AEAD, NULL, 0);
        break;
    case NTSKE_ANSWER_COOKIES:
        put16(v, NTSKE_PROTO_NTPV4);
        ok = add(out, cap, &pos, NTSKE_CRITICAL | NTSKE_NEXT_PROTO, v, 2);
        put16(v, NTS_AEAD_AES_SIV_CMAC_256);
        ok = ok && add(out, cap, &pos, NTSKE_CRITICAL | NTSKE_AEAD, v, 2);
        /* Our NTP port, when a client could not guess it (the default is 123) or asked. We
         * never send a Server record: the NTP server is this host, the one the client
         * reached (4.1.7 lets the client then use the KE server's address). */
        if (ntp_port != 123 || asked_port) {
            put16(v, (unsigned)ntp_port);
            ok = ok && add(out, cap, &pos, NTSKE_CRITICAL | NTSKE_PORT, v, 2);
        }
        for (int i = 0; ok && i < n; i++) {
            ok = add(out, cap, &pos, NTSKE_COOKIE, cookies + (size_t)i * cookie_len, cookie_len);
        }
        break;
    }
    ok = ok && add(out, cap, &pos, NTSKE_CRITICAL | NTSKE_END, NULL, 0);
    return ok ? pos : 0;
}
