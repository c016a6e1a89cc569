/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nts_ke_proto: the NTS-KE records (RFC 8915 section 4), server side. Parses a client's
 * request from the bytes received so far (it may arrive in pieces), decides the answer, and
 * builds the response records. Sans-IO: no TLS, no sockets; the TLS shell is nts_ke.c.
 */
#ifndef GN_NTS_KE_PROTO_H
#define GN_NTS_KE_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Record types (RFC 8915 section 7.6, the IANA registry). */
#define NTSKE_END 0
#define NTSKE_NEXT_PROTO 1
#define NTSKE_ERROR 2
#define NTSKE_WARNING 3
#define NTSKE_AEAD 4
#define NTSKE_COOKIE 5
#define NTSKE_SERVER 6
#define NTSKE_PORT 7
#define NTSKE_CRITICAL 0x8000

/* Error codes (section 4.1.3). */
#define NTSKE_ERR_UNRECOGNIZED_CRITICAL 0
#define NTSKE_ERR_BAD_REQUEST 1
#define NTSKE_ERR_INTERNAL 2

#define NTSKE_PROTO_NTPV4 0
/* The largest request we read: chrony's are under 100 bytes; anything near this is abuse. */
#define NTSKE_MAX_REQUEST 1024

enum ntske_parse {
    NTSKE_NEED_MORE,    /* no End of Message yet: read more */
    NTSKE_COMPLETE,     /* a whole request (well-formed or not: see the struct) */
};

struct ntske_req {
    bool malformed;            /* a broken record, a repeated one, a client's error record... */
    bool unknown_critical;     /* a critical record we do not know */
    bool has_next_proto, ntpv4;   /* the Next Protocol record, and whether it offers NTPv4 */
    bool has_aead, aead_ok;       /* the AEAD record, and whether it offers AES-SIV-CMAC-256 */
    bool asked_server, asked_port; /* the client's optional server/port records */
};

/* Parse the len bytes received so far. NTSKE_COMPLETE once an End of Message record or a
 * malformed record is seen (*r then says which), or when len exceeds NTSKE_MAX_REQUEST. */
enum ntske_parse ntske_parse_request(const uint8_t *buf, size_t len, struct ntske_req *r);

enum ntske_answer {
    NTSKE_ANSWER_COOKIES,      /* NTPv4 + AES-SIV-CMAC-256: keys and cookies */
    NTSKE_ANSWER_NO_PROTOCOL,  /* no NTPv4 offered: an empty Next Protocol record */
    NTSKE_ANSWER_NO_AEAD,      /* no algorithm we have: an empty AEAD record */
    NTSKE_ANSWER_ERROR,        /* an Error record (code in *code) */
};
enum ntske_answer ntske_decide(const struct ntske_req *r, uint16_t *code);

/*
 * Build the response into out (cap bytes). For NTSKE_ANSWER_COOKIES: the n cookies of
 * cookie_len bytes each, and a Port record when ntp_port is not 123 (always, if the client
 * asked: we serve one port only). Returns the length, or 0 when cap is too small.
 */
size_t ntske_build_response(enum ntske_answer a, uint16_t code, int ntp_port, bool asked_port,
                            const uint8_t *cookies, int n, size_t cookie_len, uint8_t *out,
                            size_t cap);

#endif
