/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * srv: the sans-IO core of the NTP server (RFC 5905). Request bytes and the receive timestamp
 * in, reply bytes or "drop" out; no sockets, no clock reads. The UDP shell (udp.c) does the I/O,
 * the access checks (acl.c, clientlog.c) and writes the transmit timestamp last.
 *
 * The server's view of the reference is the refclock layer's published state (refstate.h):
 * each worker reads it lock-free with rst_read() and hands it to srv_handle().
 */
#ifndef GN_SRV_H
#define GN_SRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "refclock/refstate.h"
#include "common/keys.h"
#include "server/nts_cookie.h"

/* Why a request was dropped (counted per reason in serverstats). */
enum srv_drop {
    SRV_DROP_NONE = 0,
    SRV_DROP_SHORT,      /* shorter than 48 bytes, or a truncated extension field / MAC */
    SRV_DROP_VERSION,    /* version 0 or > 4 */
    SRV_DROP_MODE,       /* modes 0, 2, 4, 5, 6, 7 */
    SRV_DROP_KOD,        /* a kiss-o'-death packet from the client */
    SRV_DROP_AUTH,       /* a MAC we cannot verify and cannot NAK */
    SRV_DROP__COUNT
};
const char *srv_drop_name(enum srv_drop why);

#define SRV_PKT_LEN 48

/*
 * What srv_handle_auth may use to authenticate: both read-only while requests are served, so
 * any number of workers share them. NULL members: that kind of authentication is off (a MAC
 * then gets a crypto-NAK, NTS fields are ignored as unknown extension fields).
 */
struct srv_auth {
    const struct keytab *keys;          /* `keyfile` */
    const struct ntsck_set *cookies;    /* NTS cookie keys (server/nts_keys.c keeps them) */
    /* Fills buf with len unpredictable bytes (NTS nonces); called by the worker's thread. */
    void (*random)(void *arg, uint8_t *buf, size_t len);
    void *random_arg;
};

/* How a request was authenticated (counted in serverstats). */
enum srv_authn {
    SRV_AUTHN_NONE = 0,     /* plain request */
    SRV_AUTHN_MAC,          /* a symmetric key verified: the reply carries a MAC */
    SRV_AUTHN_CRYPTO_NAK,   /* a MAC with an unknown key or that does not verify: crypto-NAK */
    SRV_AUTHN_NTS,          /* an NTS request verified: reply with fresh cookies */
    SRV_AUTHN_NTS_NAK,      /* an NTS request with a bad cookie or authenticator: NTSN kiss */
};

/* What a reply still needs once its transmit timestamp is written (srv_seal). */
struct srv_seal {
    enum srv_authn authn;
    const struct key *key;             /* SRV_AUTHN_MAC */
    size_t auth_off;                   /* SRV_AUTHN_NTS: the authenticator's offset */
    struct siv_cmac_aes128_ctx s2c;    /* SRV_AUTHN_NTS */
};

/*
 * Build the reply to one request into out (cap >= SRV_PKT_LEN). rx_ns is the request's receive
 * time on the served clock. Returns the reply length (never more than len), with the transmit
 * timestamp left for srv_set_tx(); or 0 to drop, with *why set.
 */
size_t srv_handle(const struct rst_state *st, const uint8_t *req, size_t len, int64_t rx_ns,
                  uint8_t *out, size_t cap, enum srv_drop *why);

/*
 * srv_handle with authentication: a MAC with a known key that verifies is answered with a MAC
 * under the same key (RFC 5905 section 7.3, RFC 8573 for AES-CMAC), any other MAC with a
 * crypto-NAK; an NTS request (RFC 8915) whose cookie opens and whose authenticator verifies is
 * answered with its unique identifier and fresh cookies, one whose cookie or authenticator
 * fails with an NTSN kiss-o'-death. auth may be NULL. *seal tells what srv_seal must do after
 * srv_set_tx; the reply is never longer than the request.
 */
size_t srv_handle_auth(const struct rst_state *st, const struct srv_auth *auth,
                       const uint8_t *req, size_t len, int64_t rx_ns, uint8_t *out, size_t cap,
                       struct srv_seal *seal, enum srv_drop *why);

/* Write the transmit timestamp into a reply built by srv_handle/srv_kod_rate: read the clock
 * as late as possible and call this last (before srv_seal, for an authenticated reply). */
void srv_set_tx(uint8_t *reply, int64_t tx_ns);

/* Append the MAC or encrypt the NTS fields of a reply, over everything including the transmit
 * timestamp. Nothing to do for plain replies and NAKs. */
void srv_seal(const struct srv_seal *seal, uint8_t *reply, size_t len);

/* Build a RATE kiss-o'-death reply to req (RFC 5905 section 7.4). Returns its length or 0. */
size_t srv_kod_rate(const uint8_t *req, size_t len, uint8_t *out, size_t cap);

/* Server counters, per worker, summed for serverstats. */
struct srv_counters {
    uint64_t received;
    uint64_t answered;
    uint64_t denied;       /* by allow/deny */
    uint64_t ratelimited;  /* dropped by ratelimit */
    uint64_t kod_sent;
    uint64_t send_errors;
    uint64_t batch_fallbacks; /* recvmmsg/sendmmsg refused: served one packet per call */
    uint64_t dropped[SRV_DROP__COUNT];
    /* Authentication (issue 15), named for export as they are. */
    uint64_t auth_mac_answered;   /* requests with a verified symmetric-key MAC, answered */
    uint64_t auth_crypto_naks;    /* crypto-NAKs sent: unknown key or a MAC that fails */
    uint64_t nts_answered;        /* NTS-protected requests answered with cookies */
    uint64_t nts_naks;            /* NTSN kisses sent: unknown or stale cookie, bad authenticator */
};

#endif
