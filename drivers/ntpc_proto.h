/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntpc_proto: the sans-IO packet core of the NTP client (issue 16): builds requests to an NTP
 * server (client mode 3) or a peer (symmetric active mode 1), validates the replies and turns
 * the four timestamps into a sample (offset, delay, dispersion, root distance). No sockets, no
 * clock reads: every time is an argument, ns since the epoch on the served clock.
 *
 * Sign convention: offset_ns = remote - local ((T2 - T1) + (T3 - T4)) / 2, so a positive offset
 * means the local clock is behind the source (the same sense as a refclock's ref_ns - local_ns).
 *
 * What the wiring (a later part of issue 16) needs around this core:
 * - A UDP socket per source (or one shared, matched by address) with SO_TIMESTAMPING, software
 *   RX and TX stamps at least, hardware where the NIC has them: rx_ns given to ntpc_process is
 *   the kernel's receive timestamp of the reply (falling back to SO_TIMESTAMPNS, then to a clock
 *   read), and the kernel's transmit timestamp of a request is handed over with
 *   ntpc_set_tx_time() whenever the error queue gives it, before or after the reply; the
 *   request's transmit field in the looped-back payload identifies it.
 * - A driver beside nmea/kpps/gpsd/shm whose state is one struct ntpc_assoc, one ntpc_filter
 *   and one ntpc_poll, with a timer from the event loop at ntpc_poll_next(). Its samples cannot
 *   go through drv_add_sample as they are: an NTP sample carries an error bound (root distance:
 *   root_delay/2 + root_disp of the source plus this exchange's delay/2 + dispersion) that the
 *   selection needs to intersect refclocks and NTP sources (Marzullo / RFC 5905 section 11.2.1).
 *   drv_host needs an add_sample variant with that bound (refclocks would give theirs from the
 *   filter's jitter plus `delay`), and the source's stratum and refid.
 * - Loop avoidance (two appliances must never follow each other): a reply whose refid is our
 *   own address (IPv4) or the first 4 bytes of its MD5 (IPv6, RFC 5905 section 7.3), or whose
 *   stratum is not below ours once we serve at stratum > 1, must not be selected; the wiring
 *   checks ntpc_sample.refid against the refids we publish (refclock/refstate.h). This core
 *   gives the refid and stratum with every sample and never decides it, because it does not
 *   know our own address or state.
 * - Random bytes (getrandom) for the origin cookies, passed in: the core stays deterministic.
 *
 * Interleaved mode (RFC 9769, formerly draft-ietf-ntp-interleaved-modes; chrony's `xleave`) is
 * implemented for the client role: the request carries the server's receive timestamp of the
 * previous reply as its origin, and a server that kept the precise (kernel) transmit timestamp
 * of that previous reply answers with it. The sample is then the previous exchange measured with
 * better T1 and T3 (our kernel TX timestamp and the server's). A basic reply is always accepted
 * as well, so a server without interleaved support costs nothing. Interleaved symmetric mode
 * (peers) is not implemented: it needs the peer's transmit timestamps of two exchanges back and
 * our own kernel TX timestamp sent in the following packet (RFC 9769 section 3); the state
 * below (prev_*) is the part it would share.
 */
#ifndef GN_NTPC_PROTO_H
#define GN_NTPC_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTPC_PKT_LEN 48

/*
 * RFC 5905 constants this core applies. PHI, the frequency tolerance, grows dispersion with
 * time. MAXDISP bounds what a server may claim: a reply whose root delay / 2 + root dispersion
 * reaches it is rejected (chrony's test 7 uses the same 16 s, NTP_MAX_DISPERSION). The tighter
 * selection threshold (RFC 5905 MAXDIST 1.5 s, chrony's `maxdistance` 3 s) belongs to the
 * selection, which may make it configurable; this core only rejects what is nonsense.
 */
#define NTPC_PHI 15e-6
#define NTPC_MAXDISP_S 16.0
#define NTPC_MAX_STRATUM 16

enum ntpc_mode {
    NTPC_MODE_CLIENT = 0, /* `server`: mode 3 requests, mode 4 replies */
    NTPC_MODE_PEER,       /* `peer`: mode 1 requests, mode 2 (or 1) replies */
};

/* What ntpc_process made of a packet. Everything but NTPC_OK and NTPC_KOD is a counted drop. */
enum ntpc_result {
    NTPC_OK = 0,       /* a sample */
    NTPC_KOD,          /* a kiss-o'-death matching our request: *kiss tells which */
    NTPC_REJ_LENGTH,   /* shorter than 48 bytes */
    NTPC_REJ_VERSION,  /* not version 3 or 4 */
    NTPC_REJ_MODE,     /* not the reply mode expected for this association */
    NTPC_REJ_ORIGIN,   /* origin matches no outstanding request (bogus, late or forged) */
    NTPC_REJ_DUPLICATE,/* origin matches a request already answered */
    NTPC_REJ_UNSYNC,   /* LI 3 or stratum >= 16: the source has no time to give */
    NTPC_REJ_ZERO_TS,  /* a zero receive or transmit timestamp */
    NTPC_REJ_ROOT,     /* root delay / 2 + root dispersion >= MAXDISP, the source's own or
                          with this exchange's delay and dispersion added */
    NTPC_REJ_TIMES,    /* inconsistent timestamps: the round trip or the server's hold time is
                          negative, or the delay is beyond MAXDISP */
    NTPC_RESULT__COUNT
};
const char *ntpc_result_name(enum ntpc_result r);

/* Kiss codes (RFC 5905 section 7.4) that change what the client does. */
enum ntpc_kiss {
    NTPC_KISS_OTHER = 0, /* any other code: no sample, nothing else changes */
    NTPC_KISS_RATE,      /* poll less often */
    NTPC_KISS_DENY,      /* access denied: stop */
    NTPC_KISS_RSTR,      /* access restricted: stop */
};

/* Our own header fields, sent in symmetric mode (a peer reads them as we read its). */
struct ntpc_self {
    int leap;             /* 0..3 */
    int stratum;          /* 16 when unsynchronized */
    int8_t precision;     /* log2 s */
    double root_delay_s;
    double root_disp_s;
    uint32_t refid;
    int64_t ref_time_ns;  /* 0: never synchronized */
};

/* One association's protocol state. Zero it, then set mode, version, precision, xleave. */
struct ntpc_assoc {
    enum ntpc_mode mode;
    int version;            /* 4 (or 3 for old servers) */
    int8_t precision;       /* our clock's reading precision, log2 s: the delay's floor */
    bool xleave;            /* ask for interleaved replies (client mode) */

    /* The last request sent. */
    bool outstanding;       /* sent and not yet answered: a reply matches it once */
    uint64_t tx_field;      /* its transmit field as sent (the cookie a reply echoes) */
    uint64_t rx_field;      /* its receive field (interleaved: the origin of such a reply) */
    bool tx_xleave;         /* it asked for an interleaved reply */
    int64_t tx_ns;          /* T1: when it left, refined by ntpc_set_tx_time */

    /* The last answered exchange (basic or interleaved), for the next interleaved one. */
    bool have_prev;
    uint64_t prev_tx_field;       /* the answered request's transmit field */
    uint64_t prev_remote_rx;      /* the server's receive timestamp of it (raw) */
    int64_t prev_tx_ns;           /* our transmit time of it */
    int64_t prev_rx_ns;           /* our receive time of its reply */

    /* Symmetric mode: the peer's last packet, echoed in our next one. */
    uint64_t peer_tx_field;
    int64_t peer_rx_ns;
};

/* A measurement. Times in ns on the served clock, errors in double seconds. */
struct ntpc_sample {
    int64_t local_ns;        /* when the offset held: the midpoint of T1 and T4 */
    int64_t offset_ns;       /* remote - local */
    int64_t delay_ns;        /* round trip, >= our precision */
    double disp_s;           /* this sample's dispersion: both precisions + PHI * round trip */
    double root_delay_s;     /* the source's root delay + delay */
    double root_disp_s;      /* the source's root dispersion + disp */
    double root_dist_s;      /* root_delay / 2 + root_disp: the sample's error bound */
    int leap;                /* the source's leap indicator (0..2) */
    int stratum;             /* the source's stratum (1..15) */
    int8_t poll;             /* the poll the source asked for */
    int8_t precision;        /* the source's precision */
    uint32_t refid;          /* the source's reference ID (loop detection) */
    int64_t ref_time_ns;     /* the source's last update, 0 if none */
    bool interleaved;        /* measured with the previous exchange's precise timestamps */
};

/*
 * Build the next request into out (cap >= NTPC_PKT_LEN) and remember it. now_ns: the time it is
 * about to leave (T1 until ntpc_set_tx_time refines it). cookie: 64 random bits.
 * Client mode: the transmit field is the cookie (the local time is not leaked, and only someone
 * who saw the request can answer it); with xleave and a previous exchange, the origin is that
 * exchange's server receive timestamp and the receive field a second cookie derived from the
 * first. self may be NULL in client mode (the header then says stratum 0, unsynchronized LI,
 * as chrony's requests do).
 * Peer mode: the header carries self's state, the origin and receive fields the peer's last
 * packet and our receive time of it, and the transmit field the real time now_ns, which the
 * peer needs as its T3.
 * Returns the length written (48), or 0 if cap is too small. A request sent replaces the
 * previous outstanding one: a late reply to that one is then rejected as NTPC_REJ_ORIGIN.
 */
size_t ntpc_request(struct ntpc_assoc *a, const struct ntpc_self *self, int8_t poll,
                    int64_t now_ns, uint64_t cookie, uint8_t *out, size_t cap);

/*
 * The kernel's transmit timestamp of a request whose transmit field was tx_field (read back
 * from the error queue). Updates T1 of the outstanding request or of the previous exchange;
 * ignored when it matches neither. A timestamp more than MAXDISP away from the one recorded
 * is ignored too: the kernel's differs from our reading by microseconds, never seconds.
 */
void ntpc_set_tx_time(struct ntpc_assoc *a, uint64_t tx_field, int64_t tx_ns);

/*
 * Check one received packet (pkt, len: the UDP payload) against the association and, when it
 * is a good reply, fill *s. rx_ns: its receive time (T4), the kernel's if possible. *kiss is
 * set on NTPC_KOD. A packet carrying a MAC or extension fields is accepted on its header alone:
 * authentication is checked by the caller before (keys, NTS). Never fails on any input.
 */
enum ntpc_result ntpc_process(struct ntpc_assoc *a, const uint8_t *pkt, size_t len,
                              int64_t rx_ns, struct ntpc_sample *s, enum ntpc_kiss *kiss);

/*
 * The sample from four timestamps (exposed for the tests and the filter's users): T1 our
 * transmit, T2 the remote's receive, T3 its transmit, T4 our receive; local/remote precision
 * in log2 s. Delay is clamped up to our precision (RFC 5905 section 8: a negative delay from
 * clock quantization or frequency error is not physical). Returns false (nothing filled) when
 * the round trip or the hold time is negative or the delay exceeds MAXDISP.
 */
bool ntpc_compute(int64_t t1_ns, int64_t t2_ns, int64_t t3_ns, int64_t t4_ns, int8_t local_prec,
                  int8_t remote_prec, struct ntpc_sample *s);

#endif
