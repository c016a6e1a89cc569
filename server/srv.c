/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * srv: the NTP server's sans-IO core (RFC 5905). Checks a request, builds the reply from the
 * published reference state and the receive timestamp, and leaves the transmit timestamp for
 * the shell to write last. Also the seqlock that publishes the reference state to every
 * worker without locks on the hot path. No allocation, no clock reads, no syscalls.
 */
#include "server/srv.h"

#include <string.h>

#include "common/ntime.h"
#include "common/ntp_wire.h"
#include "server/nts_ef.h"

/*
 * The poll exponent we echo is clamped to RFC 5905's MINPOLL..MAXPOLL (appendix A.1.1: 4 and
 * 17, 16 s .. 36 h), so a garbage poll in a request is never advertised back. chrony echoes
 * max(request poll, ratelimit interval) unclamped; its clients ignore a server's poll outside
 * a KoD, and ntpd clients cannot poll outside 3..17, so the clamp costs no client anything.
 */
#define POLL_MIN 4
#define POLL_MAX 17
/* RFC 5905 MAXDISP (16 s): the root dispersion of a server that cannot vouch for its time. */
#define MAX_DISP_S 16.0
/* Stratum we put on the wire when unsynchronized; see srv_handle. */
#define STRATUM_UNSYNC 16
/* MAC sizes (RFC 5905 section 7.3, RFC 7822 section 7.5): 4-byte key ID plus a 16-byte (MD5)
 * or 20-byte (SHA-1) digest; a key ID alone, zero, is a crypto-NAK. */
#define MAC_MIN_LEN 20
#define MAC_MAX_LEN 24
#define NAK_LEN 4
/* RFC 7822 section 3: an extension field is at least 16 bytes. */
#define EF_MIN_LEN 16

static inline uint8_t clamp_poll(uint8_t raw)
{
    int8_t poll = (int8_t)raw;
    return (uint8_t)(poll < POLL_MIN ? POLL_MIN : poll > POLL_MAX ? POLL_MAX : poll);
}

const char *srv_drop_name(enum srv_drop why)
{
    switch (why) {
    case SRV_DROP_NONE: return "none";
    case SRV_DROP_SHORT: return "malformed";
    case SRV_DROP_VERSION: return "bad version";
    case SRV_DROP_MODE: return "bad mode";
    case SRV_DROP_KOD: return "kiss-o'-death";
    case SRV_DROP_AUTH: return "authentication";
    case SRV_DROP__COUNT: break;
    }
    return "?";
}

/* What follows the 48-byte header. */
enum tail { TAIL_NONE, TAIL_MAC, TAIL_NAK };

/*
 * Classify the bytes after the header, or return -1 when they are malformed.
 *
 * NTPv4 (RFC 7822 section 7.5): extension fields are walked while more than a MAC's worth of
 * bytes remains (each field >= 16 bytes, a multiple of 4, inside the packet); what is left must
 * then be nothing or a 20/24-byte MAC. So a 16-byte field alone is malformed, as chrony also
 * reads it: the RFC fixes the MAC's maximum length precisely so that parsing is deterministic.
 * A 4-byte zero key ID is a crypto-NAK. NTPv1-3 have no extension fields: only a MAC or a NAK.
 */
static int parse_tail(const uint8_t *req, size_t len, int version, enum tail *tail,
                      size_t *mac_off)
{
    size_t pos = SRV_PKT_LEN;
    *tail = TAIL_NONE;
    *mac_off = len;
    if (version == 4) {
        while (len - pos > MAC_MAX_LEN) {
            size_t field_len = (size_t)req[pos + 2] << 8 | req[pos + 3];
            if (field_len < EF_MIN_LEN || field_len % 4 != 0 || field_len > len - pos) {
                return -1;
            }
            pos += field_len;
        }
    }
    size_t rest = len - pos;
    if (rest == 0) {
        return 0;
    }
    if (rest == MAC_MIN_LEN || rest == MAC_MAX_LEN) {
        *tail = TAIL_MAC;
        *mac_off = pos;
        return 0;
    }
    if (rest == NAK_LEN && ntw_get32(req + pos) == 0) {
        *tail = TAIL_NAK;
        return 0;
    }
    return -1;
}

/*
 * Everything that decides whether a request deserves an answer. Returns the reply mode, or 0
 * with *why set.
 *
 * Only a client (mode 3) or a symmetric active peer (mode 1) is answered. Stratum is no reason
 * to drop a request: a client's request normally carries stratum 0 (RFC 5905 section 7.3,
 * "unspecified"), exactly like a kiss-o'-death does. A KoD is a *server's* packet (mode 4, or
 * mode 2 from a peer) with stratum 0; it lands here only if someone reflects one at us, and is
 * dropped as a wrong mode anyway, counted as a KoD so that serverstats can tell. Mode 0 is
 * dropped even in NTPv1 (where ntpd and chrony guess "client" from the source port): the issue
 * asks for it and no client from this century sends it.
 */
static int check_request(const uint8_t *req, size_t len, enum tail *tail, size_t *mac_off,
                         enum srv_drop *why)
{
    if (len < SRV_PKT_LEN) {
        *why = SRV_DROP_SHORT;
        return 0;
    }
    int version = (req[NTW_OFF_LVM] >> 3) & 7;
    int mode = req[NTW_OFF_LVM] & 7;
    if (version < 1 || version > 4) {
        *why = SRV_DROP_VERSION;
        return 0;
    }
    if (mode != NTW_MODE_CLIENT && mode != NTW_MODE_SYMMETRIC_ACTIVE) {
        bool kod = (mode == NTW_MODE_SERVER || mode == NTW_MODE_SYMMETRIC_PASSIVE) &&
                   req[NTW_OFF_STRATUM] == 0;
        *why = kod ? SRV_DROP_KOD : SRV_DROP_MODE;
        return 0;
    }
    *tail = TAIL_NONE;
    *mac_off = len;
    if (len > SRV_PKT_LEN && parse_tail(req, len, version, tail, mac_off) < 0) {
        *why = SRV_DROP_SHORT;
        return 0;
    }
    /* A client never sends a crypto-NAK; it is a server's answer. */
    if (*tail == TAIL_NAK) {
        *why = SRV_DROP_AUTH;
        return 0;
    }
    return mode == NTW_MODE_CLIENT ? NTW_MODE_SERVER : NTW_MODE_SYMMETRIC_PASSIVE;
}

/*
 * The authentication part of a request: sets the reply's length (header plus MAC, NAK or NTS
 * fields) and *seal; writes the NTS fields after the header. Returns 0, or -1 to drop (*why).
 */
static int authenticate(const struct srv_auth *auth, const uint8_t *req, size_t len,
                        enum tail tail, size_t mac_off, uint8_t *out, size_t cap,
                        struct srv_seal *seal, size_t *reply_len, enum srv_drop *why);

size_t srv_handle(const struct rst_state *st, const uint8_t *req, size_t len, int64_t rx_ns,
                  uint8_t *out, size_t cap, enum srv_drop *why)
{
    struct srv_seal seal;
    return srv_handle_auth(st, NULL, req, len, rx_ns, out, cap, &seal, why);
}

size_t srv_handle_auth(const struct rst_state *st, const struct srv_auth *auth,
                       const uint8_t *req, size_t len, int64_t rx_ns, uint8_t *out, size_t cap,
                       struct srv_seal *seal, enum srv_drop *why)
{
    *why = SRV_DROP_NONE;
    seal->authn = SRV_AUTHN_NONE;
    enum tail tail;
    size_t mac_off;
    int reply_mode = check_request(req, len, &tail, &mac_off, why);
    if (reply_mode == 0) {
        return 0;
    }
    if (cap < SRV_PKT_LEN) {
        *why = tail == TAIL_MAC ? SRV_DROP_AUTH : SRV_DROP_SHORT;
        return 0;
    }
    size_t reply_len;
    if (authenticate(auth, req, len, tail, mac_off, out, cap, seal, &reply_len, why) < 0) {
        return 0;
    }
    if (seal->authn == SRV_AUTHN_NTS_NAK) {
        /* RFC 8915 section 5.7: a kiss (LI 3, stratum 0, NTSN) echoing the origin and the
         * unique identifier (already copied after the header), nothing else. */
        int version = (req[NTW_OFF_LVM] >> 3) & 7;
        memset(out, 0, SRV_PKT_LEN);
        out[NTW_OFF_LVM] = (uint8_t)(RST_LEAP_ALARM << 6 | version << 3 | reply_mode);
        out[NTW_OFF_POLL] = clamp_poll(req[NTW_OFF_POLL]);
        ntw_put32(out + NTW_OFF_REFID, RST_REFID('N', 'T', 'S', 'N'));
        memcpy(out + NTW_OFF_ORIGIN_TS, req + NTW_OFF_TX_TS, 8);
        return reply_len;
    }

    int version = (req[NTW_OFF_LVM] >> 3) & 7;
    int leap = st->synced ? (int)st->leap & 3 : RST_LEAP_ALARM;
    out[NTW_OFF_LVM] = (uint8_t)(leap << 6 | version << 3 | reply_mode);
    /*
     * Unsynchronized: stratum 16 on the wire, as the issue specifies. RFC 5905 section 7.3
     * calls it "customary" to map 16 to 0 in packets, and both ntpd (STRATUM_TO_PKT) and
     * chrony ("stratum 16 and larger are invalid") send 0 with LI=3. We keep 16 because stratum
     * 0 is also the kiss-o'-death marker: 16 cannot be mistaken for a kiss code, and LI=3 plus
     * a 16 s root dispersion make every client (ntpd, chrony, sntp, ntpdig, ntpdate) reject the
     * answer as unsynchronized either way.
     */
    out[NTW_OFF_STRATUM] = st->synced ? st->stratum : STRATUM_UNSYNC;
    out[NTW_OFF_POLL] = clamp_poll(req[NTW_OFF_POLL]);
    out[NTW_OFF_PRECISION] = (uint8_t)st->precision;

    /*
     * Root dispersion (RFC 5905 section 10): the dispersion at the last update, grown by the
     * frequency tolerance times the time since, plus our own reading precision. Capped at
     * MAXDISP; a NaN counts as unbounded (never as a perfect 0). Unsynchronized: MAXDISP, so a
     * client's root distance test (section 11.2.1: distance < MAXDIST, 1.5 s) fails too.
     */
    double disp = MAX_DISP_S;
    if (st->synced) {
        double rate = st->disp_rate > RST_MIN_DISP_RATE ? st->disp_rate : RST_MIN_DISP_RATE;
        double age_s = 0.0;
        if (st->ref_time_ns != 0 && rx_ns > st->ref_time_ns) {
            /* In double before subtracting: arbitrary inputs cannot overflow. */
            age_s = ((double)rx_ns - (double)st->ref_time_ns) * 1e-9;
        }
        disp = st->root_disp_s + rate * age_s + ntw_log2_s(st->precision);
        /* A peer (mode 2 reply) is told the bound without the widening for a disagreement
         * among our sources: two appliances that disagree must each keep seeing the other's
         * own claim, or the one that widens first looks like agreement to the other, which
         * then keeps its tight bound (found by the clknetsim judge's two-box spoof case). */
        if (reply_mode == NTW_MODE_SYMMETRIC_PASSIVE && st->widen_s > 0) {
            disp -= st->widen_s;
        }
        if (!(disp < MAX_DISP_S)) {
            disp = MAX_DISP_S;
        }
    }
    ntw_put32(out + NTW_OFF_ROOT_DELAY, nt_to_ntp_short(st->synced ? st->root_delay_s : 0.0));
    ntw_put32(out + NTW_OFF_ROOT_DISP, nt_to_ntp_short(disp));
    ntw_put32(out + NTW_OFF_REFID, st->synced ? st->refid : 0);
    /* The last update, even when unsynchronized now: it tells how stale we are. */
    ntw_put64(out + NTW_OFF_REF_TS, st->ref_time_ns != 0 ? nt_to_ntp64(st->ref_time_ns) : 0);
    /* Origin: the client's transmit timestamp byte for byte (it matches on the raw bits). */
    memcpy(out + NTW_OFF_ORIGIN_TS, req + NTW_OFF_TX_TS, 8);
    ntw_put64(out + NTW_OFF_RX_TS, nt_to_ntp64(rx_ns));
    memset(out + NTW_OFF_TX_TS, 0, 8);
    if (seal->authn == SRV_AUTHN_CRYPTO_NAK) {
        memset(out + SRV_PKT_LEN, 0, NAK_LEN);
    } else if (seal->authn == SRV_AUTHN_MAC) {
        ntw_put32(out + SRV_PKT_LEN, seal->key->id);
    }
    return reply_len;
}

/* The random bytes of an NTS reply: the caller's source. */
static void get_random(const struct srv_auth *auth, uint8_t *buf, size_t len)
{
    auth->random(auth->random_arg, buf, len);
}

/*
 * An NTS request (RFC 8915 section 5): open the cookie, verify the authenticator with its C2S
 * key, then lay out the reply with one fresh cookie per cookie and placeholder received (fewer
 * if the reply would outgrow the request: never an amplifier), sealed later with S2C.
 */
static int authenticate_nts(const struct srv_auth *auth, const uint8_t *req, size_t len,
                            const struct ntsef_req *r, uint8_t *out, size_t cap,
                            struct srv_seal *seal, size_t *reply_len, enum srv_drop *why)
{
    uint8_t c2s[NTS_KEY_LEN], s2c[NTS_KEY_LEN];
    bool ok = ntsck_open(auth->cookies, r->cookie, r->cookie_len, c2s, s2c);
    if (ok) {
        struct siv_cmac_aes128_ctx c2s_ctx;
        siv_cmac_aes128_set_key(&c2s_ctx, c2s);
        ok = ntsef_verify(&c2s_ctx, req, r);
        memset(&c2s_ctx, 0, sizeof(c2s_ctx));
    }
    if (!ok) {
        /* The NAK: header and the unique identifier, so the client can match it. */
        if (SRV_PKT_LEN + r->uid_len > cap) {
            *why = SRV_DROP_AUTH;
            return -1;
        }
        memcpy(out + SRV_PKT_LEN, req + r->uid_off, r->uid_len);
        seal->authn = SRV_AUTHN_NTS_NAK;
        *reply_len = SRV_PKT_LEN + r->uid_len;
        return 0;
    }
    int n = 1 + r->n_placeholders;
    if (n > NTS_MAX_COOKIES) {
        n = NTS_MAX_COOKIES;
    }
    while (n > 0 && (ntsef_reply_len(r, n, NTS_COOKIE_LEN) > len ||
                     ntsef_reply_len(r, n, NTS_COOKIE_LEN) > cap)) {
        n--;
    }
    /* Room for one cookie at least: a 16-byte nonce in the request guarantees it. */
    uint8_t rnd[NTS_NONCE_LEN * (NTS_MAX_COOKIES + 1)];
    get_random(auth, rnd, NTS_NONCE_LEN * (size_t)(n + 1));
    uint8_t *plain;
    size_t rl = n > 0 ? ntsef_layout_reply(out, cap, req, r, n, NTS_COOKIE_LEN, rnd, &plain) : 0;
    if (rl == 0) {
        *why = SRV_DROP_AUTH;
        return -1;
    }
    for (int i = 0; i < n; i++) {
        ntsck_seal(auth->cookies, rnd + NTS_NONCE_LEN * (size_t)(i + 1), c2s, s2c,
                   plain + (size_t)i * (4 + NTS_COOKIE_LEN));
    }
    seal->authn = SRV_AUTHN_NTS;
    seal->auth_off = SRV_PKT_LEN + r->uid_len;
    siv_cmac_aes128_set_key(&seal->s2c, s2c);
    memset(c2s, 0, sizeof(c2s));
    memset(s2c, 0, sizeof(s2c));
    *reply_len = rl;
    return 0;
}

static int authenticate(const struct srv_auth *auth, const uint8_t *req, size_t len,
                        enum tail tail, size_t mac_off, uint8_t *out, size_t cap,
                        struct srv_seal *seal, size_t *reply_len, enum srv_drop *why)
{
    *reply_len = SRV_PKT_LEN;
    if (tail == TAIL_MAC) {
        /*
         * RFC 5905 section 7.3: key ID, then the digest of everything before it. A key we hold
         * whose MAC verifies: the reply is signed with it (same length as the request's MAC:
         * never longer than the request). Anything else gets a crypto-NAK (section 7.4: the
         * header followed by a zero key ID), so the client learns at once that we cannot
         * authenticate it rather than retrying into silence. Both are answered: the NAK (52
         * bytes) is shorter than any MAC'd request (68+).
         */
        uint32_t id = ntw_get32(req + mac_off);
        const struct key *k = auth != NULL ? keytab_find(auth->keys, id) : NULL;
        if (k != NULL && key_verify(k, req, mac_off, req + mac_off + 4, len - mac_off - 4)) {
            seal->authn = SRV_AUTHN_MAC;
            seal->key = k;
            *reply_len = SRV_PKT_LEN + 4 + k->mac_len;
        } else {
            seal->authn = SRV_AUTHN_CRYPTO_NAK;
            *reply_len = SRV_PKT_LEN + NAK_LEN;
        }
        if (cap < *reply_len) {
            *why = SRV_DROP_AUTH;
            return -1;
        }
        return 0;
    }
    if (auth == NULL || auth->cookies == NULL || auth->random == NULL || len == SRV_PKT_LEN) {
        return 0;
    }
    struct ntsef_req r;
    switch (ntsef_parse(req, len, &r)) {
    case NTSEF_NONE: return 0;
    case NTSEF_BAD: *why = SRV_DROP_SHORT; return -1;
    case NTSEF_OK: break;
    }
    return authenticate_nts(auth, req, len, &r, out, cap, seal, reply_len, why);
}

void srv_seal(const struct srv_seal *seal, uint8_t *reply, size_t len)
{
    if (seal->authn == SRV_AUTHN_MAC) {
        key_mac(seal->key, reply, SRV_PKT_LEN, reply + SRV_PKT_LEN + 4);
    } else if (seal->authn == SRV_AUTHN_NTS) {
        ntsef_seal_reply(&seal->s2c, reply, len, seal->auth_off);
    }
}

void srv_set_tx(uint8_t *reply, int64_t tx_ns)
{
    ntw_put64(reply + NTW_OFF_TX_TS, nt_to_ntp64(tx_ns));
}

size_t srv_kod_rate(const uint8_t *req, size_t len, uint8_t *out, size_t cap)
{
    enum tail tail;
    enum srv_drop why;
    size_t mac_off;
    int reply_mode = check_request(req, len, &tail, &mac_off, &why);
    /* Only a request we would answer earns a kiss. Not one with a MAC either: an unsigned
     * kiss to a signed request is what an attacker would forge, and clients ignore it. */
    if (reply_mode == 0 || tail != TAIL_NONE || cap < SRV_PKT_LEN) {
        return 0;
    }
    /*
     * RFC 5905 section 7.4: LI 3, stratum 0, the kiss code in the reference ID. The origin
     * echoes the request so the client can match it (chrony and ntpd accept a KoD only then),
     * and srv_set_tx fills the transmit timestamp; the rest carries no time.
     */
    memset(out, 0, SRV_PKT_LEN);
    int version = (req[NTW_OFF_LVM] >> 3) & 7;
    out[NTW_OFF_LVM] = (uint8_t)(RST_LEAP_ALARM << 6 | version << 3 | reply_mode);
    out[NTW_OFF_POLL] = clamp_poll(req[NTW_OFF_POLL]);
    ntw_put32(out + NTW_OFF_REFID, RST_REFID('R', 'A', 'T', 'E'));
    memcpy(out + NTW_OFF_ORIGIN_TS, req + NTW_OFF_TX_TS, 8);
    return SRV_PKT_LEN;
}
