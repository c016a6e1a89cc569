/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * srv: the NTP server's sans-IO core (RFC 5905). Checks a request, builds the reply from the
 * published reference state and the receive timestamp, and leaves the transmit timestamp for
 * the shell to write last. Also the seqlock that publishes the reference state to every
 * worker without locks on the hot path.
 */
#include "server/srv.h"

#include <stdatomic.h>
#include <string.h>

#include "common/ntime.h"

/* Header field offsets (RFC 5905 figure 8). */
#define OFF_LVM 0
#define OFF_STRATUM 1
#define OFF_POLL 2
#define OFF_PRECISION 3
#define OFF_ROOT_DELAY 4
#define OFF_ROOT_DISP 8
#define OFF_REFID 12
#define OFF_REF_TS 16
#define OFF_ORIGIN_TS 24
#define OFF_RX_TS 32
#define OFF_TX_TS 40

#define MODE_SYMMETRIC_ACTIVE 1
#define MODE_SYMMETRIC_PASSIVE 2
#define MODE_CLIENT 3
#define MODE_SERVER 4

/* Poll exponents we echo: chrony clamps to [4, 17] for the same reason, a client's absurd
 * poll must not make us advertise one. */
#define POLL_MIN 4
#define POLL_MAX 17
/* RFC 5905 MAXDISP: the dispersion of an unsynchronized server. */
#define MAX_DISP_S 16.0

/* --- the published reference state ---------------------------------------------------- */

static _Atomic unsigned state_seq;
static struct srv_refstate state_slot = {.stratum = 16, .precision = -20};

void srv_state_publish(const struct srv_refstate *st)
{
    unsigned seq = atomic_load_explicit(&state_seq, memory_order_relaxed);
    atomic_store_explicit(&state_seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    /* Readers may copy the slot while we write it; they detect that and retry. */
    memcpy((void *)&state_slot, st, sizeof(*st));
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&state_seq, seq + 2, memory_order_relaxed);
}

void srv_state_read(struct srv_refstate *out)
{
    for (;;) {
        unsigned s1 = atomic_load_explicit(&state_seq, memory_order_acquire);
        if (s1 & 1) {
            continue;
        }
        memcpy(out, (const void *)&state_slot, sizeof(*out));
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&state_seq, memory_order_relaxed) == s1) {
            return;
        }
    }
}

/* --- packet helpers -------------------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
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

/*
 * What follows the 48-byte header: nothing, RFC 7822 extension fields, and/or a MAC. Returns
 * 0 and sets *has_mac, or -1 when the tail is malformed. A MAC is 4 bytes of key ID and a 16
 * (MD5) or 20 (SHA-1) byte digest; 4 bytes alone are a crypto-NAK. In NTPv4 the tail is
 * walked as extension fields (each >= 16 bytes, a multiple of 4, inside the packet) until
 * what remains can only be a MAC (RFC 7822 section 7.5).
 */
static int parse_tail(const uint8_t *req, size_t len, int version, bool *has_mac)
{
    size_t pos = SRV_PKT_LEN;
    *has_mac = false;
    while (version == 4 && len - pos > 24) {
        size_t field_len = (size_t)req[pos + 2] << 8 | req[pos + 3];
        if (field_len < 16 || field_len % 4 != 0 || field_len > len - pos) {
            return -1;
        }
        pos += field_len;
    }
    size_t rest = len - pos;
    if (rest == 0) {
        return 0;
    }
    if (rest == 4 || rest == 20 || rest == 24) {
        *has_mac = true;
        return 0;
    }
    return -1;
}

size_t srv_handle(const struct srv_refstate *st, const uint8_t *req, size_t len, int64_t rx_ns,
                  uint8_t *out, size_t cap, enum srv_drop *why)
{
    *why = SRV_DROP_NONE;
    if (len < SRV_PKT_LEN || cap < SRV_PKT_LEN) {
        *why = SRV_DROP_SHORT;
        return 0;
    }
    int version = (req[OFF_LVM] >> 3) & 7;
    int mode = req[OFF_LVM] & 7;
    if (version < 1 || version > 4) {
        *why = SRV_DROP_VERSION;
        return 0;
    }
    /* Only a client (3) or a symmetric active peer (1) gets an answer. A kiss-o'-death is a
     * server's reply (stratum 0 in mode 4 or 2): dropped here as a wrong mode. A client's own
     * request normally carries stratum 0 too, so stratum is no reason to drop mode 3. */
    if (mode != MODE_CLIENT && mode != MODE_SYMMETRIC_ACTIVE) {
        *why = (mode == MODE_SERVER || mode == MODE_SYMMETRIC_PASSIVE) && req[OFF_STRATUM] == 0
                   ? SRV_DROP_KOD
                   : SRV_DROP_MODE;
        return 0;
    }
    bool has_mac;
    if (len > SRV_PKT_LEN && parse_tail(req, len, version, &has_mac) < 0) {
        *why = SRV_DROP_SHORT;
        return 0;
    }
    if (len == SRV_PKT_LEN) {
        has_mac = false;
    }
    /* We hold no keys. A request with a MAC gets a crypto-NAK (RFC 5905 section 7.4: a MAC of
     * key ID 0 and no digest), so the client knows it is unauthenticated; a request that is
     * already a NAK is not answered. Never an unsigned reply to a signed request. */
    size_t reply_len = SRV_PKT_LEN;
    if (has_mac) {
        if (len - SRV_PKT_LEN == 4 && get32(req + len - 4) == 0) {
            *why = SRV_DROP_AUTH;
            return 0;
        }
        if (cap < SRV_PKT_LEN + 4) {
            *why = SRV_DROP_AUTH;
            return 0;
        }
        reply_len = SRV_PKT_LEN + 4;
    }

    int reply_mode = mode == MODE_CLIENT ? MODE_SERVER : MODE_SYMMETRIC_PASSIVE;
    int leap = st->synced ? (int)st->leap : SRV_LEAP_ALARM;
    out[OFF_LVM] = (uint8_t)(leap << 6 | version << 3 | reply_mode);
    /* Unsynchronized: stratum 16 on the wire, as ntpd sends (RFC 5905 maps 16 to 0 in
     * packets, but 0 reads as a kiss code to many clients; LI=3 already says "alarm"). */
    out[OFF_STRATUM] = st->synced ? st->stratum : 16;
    int8_t poll = (int8_t)req[OFF_POLL];
    out[OFF_POLL] = (uint8_t)(poll < POLL_MIN ? POLL_MIN : poll > POLL_MAX ? POLL_MAX : poll);
    out[OFF_PRECISION] = (uint8_t)st->precision;

    double disp = MAX_DISP_S;
    if (st->synced) {
        double age_s = st->ref_time_ns > 0 ? nt_to_s(rx_ns - st->ref_time_ns) : 0.0;
        disp = st->root_disp_s + st->disp_rate * (age_s > 0 ? age_s : 0.0);
        if (disp > MAX_DISP_S) {
            disp = MAX_DISP_S;
        }
    }
    put32(out + OFF_ROOT_DELAY, nt_to_ntp_short(st->synced ? st->root_delay_s : 0.0));
    put32(out + OFF_ROOT_DISP, nt_to_ntp_short(disp));
    put32(out + OFF_REFID, st->synced ? st->refid : 0);
    put64(out + OFF_REF_TS, st->ref_time_ns > 0 ? nt_to_ntp64(st->ref_time_ns) : 0);
    memcpy(out + OFF_ORIGIN_TS, req + OFF_TX_TS, 8);
    put64(out + OFF_RX_TS, nt_to_ntp64(rx_ns));
    memset(out + OFF_TX_TS, 0, 8);
    if (reply_len > SRV_PKT_LEN) {
        memset(out + SRV_PKT_LEN, 0, 4); /* crypto-NAK: key ID 0 */
    }
    return reply_len;
}

void srv_set_tx(uint8_t *reply, int64_t tx_ns)
{
    put64(reply + OFF_TX_TS, nt_to_ntp64(tx_ns));
}

size_t srv_kod_rate(const uint8_t *req, size_t len, uint8_t *out, size_t cap)
{
    if (len < SRV_PKT_LEN || cap < SRV_PKT_LEN) {
        return 0;
    }
    int version = (req[OFF_LVM] >> 3) & 7;
    int mode = req[OFF_LVM] & 7;
    if (version < 1 || version > 4 || (mode != MODE_CLIENT && mode != MODE_SYMMETRIC_ACTIVE)) {
        return 0;
    }
    /* RFC 5905 section 7.4: LI 3, stratum 0, the kiss code in the reference ID; the origin
     * echoes the request so the client can match it; the other timestamps carry no time. */
    memset(out, 0, SRV_PKT_LEN);
    out[OFF_LVM] = (uint8_t)(SRV_LEAP_ALARM << 6 | version << 3 |
                             (mode == MODE_CLIENT ? MODE_SERVER : MODE_SYMMETRIC_PASSIVE));
    out[OFF_POLL] = req[OFF_POLL];
    put32(out + OFF_REFID, SRV_REFID('R', 'A', 'T', 'E'));
    memcpy(out + OFF_ORIGIN_TS, req + OFF_TX_TS, 8);
    return SRV_PKT_LEN;
}
