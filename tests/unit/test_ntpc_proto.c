/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests of the NTP client's packet core: the four-timestamp arithmetic on known sets (exact
 * offset and delay, the delay floor, rejected inconsistent sets), request fields in client and
 * peer mode, every reject reason of a reply, kiss-o'-death codes, duplicates, a late kernel TX
 * timestamp, the interleaved sequence against a scripted server, and a round trip through our
 * own server core (server/srv.c), whose replies the client must accept.
 */
#include <string.h>

#include "check.h"
#include "common/ntime.h"
#include "common/ntp_wire.h"
#include "drivers/ntpc_proto.h"
#include "server/srv.h"

/* 2026-09, and a unit exact both in ns and in 2^-32 s (1/512 s), so conversions are exact. */
static const int64_t BASE_NS = 1790000000LL * NT_NS_PER_S;
#define U_NS 1953125LL

static void assoc_init(struct ntpc_assoc *a, enum ntpc_mode mode, bool xleave)
{
    memset(a, 0, sizeof(*a));
    a->mode = mode;
    a->version = 4;
    a->precision = -20;
    a->xleave = xleave;
}

/* A server's reply to req (basic mode): rx at t2, tx at t3 (server clock). */
static void make_reply(uint8_t *rep, const uint8_t *req, int mode, int stratum, int leap,
                       int64_t t2_ns, int64_t t3_ns)
{
    memset(rep, 0, NTW_HDR_LEN);
    rep[NTW_OFF_LVM] = ntw_lvm(leap, 4, mode);
    rep[NTW_OFF_STRATUM] = (uint8_t)stratum;
    rep[NTW_OFF_POLL] = 6;
    rep[NTW_OFF_PRECISION] = (uint8_t)(int8_t)-20;
    ntw_put32(rep + NTW_OFF_ROOT_DELAY, nt_to_ntp_short(0.002));
    ntw_put32(rep + NTW_OFF_ROOT_DISP, nt_to_ntp_short(0.001));
    ntw_put32(rep + NTW_OFF_REFID, 0x47505300); /* "GPS" */
    ntw_put64(rep + NTW_OFF_REF_TS, nt_to_ntp64(t2_ns - NT_NS_PER_S));
    memcpy(rep + NTW_OFF_ORIGIN_TS, req + NTW_OFF_TX_TS, 8);
    ntw_put64(rep + NTW_OFF_RX_TS, nt_to_ntp64(t2_ns));
    ntw_put64(rep + NTW_OFF_TX_TS, nt_to_ntp64(t3_ns));
}

static void test_compute(void)
{
    struct ntpc_sample s;
    /* Server 10 s ahead, 5 ms each way, 1 ms hold: offset 10 s, delay 10 ms, exactly. */
    int64_t t1 = BASE_NS, t2 = t1 + 10 * NT_NS_PER_S + 5 * NT_NS_PER_MS;
    int64_t t3 = t2 + NT_NS_PER_MS, t4 = t1 + 11 * NT_NS_PER_MS;
    CHECK(ntpc_compute(t1, t2, t3, t4, -20, -20, &s));
    CHECK_INT(s.offset_ns, 10 * NT_NS_PER_S);
    CHECK_INT(s.delay_ns, 10 * NT_NS_PER_MS);
    CHECK_INT(s.local_ns, t1 + 5500 * NT_NS_PER_US);
    CHECK_NEAR(s.disp_s, 2.0 / 1048576 + 15e-6 * 0.011, 1e-12);

    /* Asymmetric: 2 ms out, 8 ms back, clocks equal: offset -3 ms (half the asymmetry). */
    t2 = t1 + 2 * NT_NS_PER_MS;
    t3 = t2;
    t4 = t1 + 10 * NT_NS_PER_MS;
    CHECK(ntpc_compute(t1, t2, t3, t4, -20, -20, &s));
    CHECK_INT(s.offset_ns, -3 * NT_NS_PER_MS);
    CHECK_INT(s.delay_ns, 10 * NT_NS_PER_MS);

    /* Local clock 1 s ahead: offset negative. */
    CHECK(ntpc_compute(t1, t1 - NT_NS_PER_S + 100, t1 - NT_NS_PER_S + 100, t1 + 200, -30, -20,
                       &s));
    CHECK_INT(s.offset_ns, -NT_NS_PER_S);
    CHECK_INT(s.delay_ns, 200);

    /* A slightly negative delay is clamped to our precision (2^-20 s = 954 ns). */
    CHECK(ntpc_compute(t1, t1 + 100, t1 + 400, t1 + 200, -20, -20, &s));
    CHECK_INT(s.delay_ns, 954);

    /* A hold a little negative is a server's random bits below its precision (chronyd's):
     * accepted. Rejected: negative round trip, a hold negative by more than 1 ms, a hold
     * beyond the round trip by > 1 ms, round trip over MAXDISP. */
    CHECK(ntpc_compute(t1, t1 + 5, t1 + 4, t1 + 10, -20, -20, &s));
    CHECK(!ntpc_compute(t1, t1, t1, t1 - 1, -20, -20, &s));
    CHECK(!ntpc_compute(t1, t1 + 2 * NT_NS_PER_MS, t1 + 2, t1 + 10, -20, -20, &s));
    CHECK(!ntpc_compute(t1, t1, t1 + 3 * NT_NS_PER_MS, t1 + NT_NS_PER_MS, -20, -20, &s));
    CHECK(!ntpc_compute(t1, t1, t1, t1 + 17 * NT_NS_PER_S, -20, -20, &s));
}

static void test_request_fields(void)
{
    struct ntpc_assoc a;
    uint8_t req[64];
    assoc_init(&a, NTPC_MODE_CLIENT, false);
    CHECK_INT(ntpc_request(&a, NULL, 6, BASE_NS, 0x1122334455667788ULL, req, 47), 0);
    CHECK_INT(ntpc_request(&a, NULL, 6, BASE_NS, 0x1122334455667788ULL, req, sizeof(req)), 48);
    CHECK_INT(ntw_mode(req), NTW_MODE_CLIENT);
    CHECK_INT(ntw_version(req), 4);
    CHECK_INT(ntw_leap(req), 3);
    CHECK_INT((int8_t)req[NTW_OFF_POLL], 6);
    /* The transmit field is the cookie, not the time; nothing else reveals the time. */
    CHECK(ntw_get64(req + NTW_OFF_TX_TS) == 0x1122334455667788ULL);
    CHECK(ntw_get64(req + NTW_OFF_ORIGIN_TS) == 0);
    CHECK(ntw_get64(req + NTW_OFF_RX_TS) == 0);
    CHECK(ntw_get64(req + NTW_OFF_REF_TS) == 0);
    CHECK_INT(a.tx_ns, BASE_NS);
    CHECK(a.outstanding);
    /* A zero cookie is never sent (a zero transmit field means "none"). */
    ntpc_request(&a, NULL, 6, BASE_NS, 0, req, sizeof(req));
    CHECK(ntw_get64(req + NTW_OFF_TX_TS) != 0);

    /* Peer mode: our state in the header, the real time as transmit field. */
    struct ntpc_self self = {.leap = 0, .stratum = 1, .precision = -22, .root_delay_s = 0,
                             .root_disp_s = 0.0001, .refid = 0x47505300,
                             .ref_time_ns = BASE_NS - NT_NS_PER_S};
    assoc_init(&a, NTPC_MODE_PEER, false);
    ntpc_request(&a, &self, 7, BASE_NS, 42, req, sizeof(req));
    CHECK_INT(ntw_mode(req), NTW_MODE_SYMMETRIC_ACTIVE);
    CHECK_INT(ntw_leap(req), 0);
    CHECK_INT(req[NTW_OFF_STRATUM], 1);
    CHECK_INT((int8_t)req[NTW_OFF_PRECISION], -22);
    CHECK(ntw_get32(req + NTW_OFF_REFID) == 0x47505300);
    CHECK(ntw_get64(req + NTW_OFF_TX_TS) == nt_to_ntp64(BASE_NS));
    CHECK(ntw_get64(req + NTW_OFF_ORIGIN_TS) == 0);
}

/* One reply through a fresh client association; returns the result. */
static enum ntpc_result one(uint8_t *rep, size_t len, bool mangle_origin, struct ntpc_sample *s,
                            enum ntpc_kiss *kiss, void (*edit)(uint8_t *))
{
    struct ntpc_assoc a;
    uint8_t req[48];
    assoc_init(&a, NTPC_MODE_CLIENT, false);
    ntpc_request(&a, NULL, 6, BASE_NS, 0xabcdef0123456789ULL, req, sizeof(req));
    make_reply(rep, req, NTW_MODE_SERVER, 1, 0, BASE_NS + 100 * U_NS, BASE_NS + 101 * U_NS);
    if (mangle_origin) {
        rep[NTW_OFF_ORIGIN_TS + 7] ^= 1;
    }
    if (edit != NULL) {
        edit(rep);
    }
    return ntpc_process(&a, rep, len, BASE_NS + 3 * U_NS, s, kiss);
}

static void ed_version2(uint8_t *p) { p[0] = ntw_lvm(0, 2, NTW_MODE_SERVER); }
static void ed_version5(uint8_t *p) { p[0] = ntw_lvm(0, 5, NTW_MODE_SERVER); }
static void ed_version3(uint8_t *p) { p[0] = ntw_lvm(0, 3, NTW_MODE_SERVER); }
static void ed_mode_client(uint8_t *p) { p[0] = ntw_lvm(0, 4, NTW_MODE_CLIENT); }
static void ed_mode_passive(uint8_t *p) { p[0] = ntw_lvm(0, 4, NTW_MODE_SYMMETRIC_PASSIVE); }
static void ed_leap3(uint8_t *p) { p[0] = ntw_lvm(3, 4, NTW_MODE_SERVER); }
static void ed_stratum16(uint8_t *p) { p[NTW_OFF_STRATUM] = 16; }
static void ed_stratum255(uint8_t *p) { p[NTW_OFF_STRATUM] = 255; }
static void ed_zero_tx(uint8_t *p) { memset(p + NTW_OFF_TX_TS, 0, 8); }
static void ed_zero_rx(uint8_t *p) { memset(p + NTW_OFF_RX_TS, 0, 8); }
static void ed_root_disp(uint8_t *p) { ntw_put32(p + NTW_OFF_ROOT_DISP, 16u << 16); }
static void ed_root_delay(uint8_t *p) { ntw_put32(p + NTW_OFF_ROOT_DELAY, 32u << 16); }
static void ed_root_ok(uint8_t *p)
{
    ntw_put32(p + NTW_OFF_ROOT_DELAY, 2u << 16); /* 2 s / 2 + 14.9 s < 16 s */
    ntw_put32(p + NTW_OFF_ROOT_DISP, (uint32_t)(14.9 * 65536));
}
static void ed_precision_huge(uint8_t *p) { p[NTW_OFF_PRECISION] = 45; }
static void ed_hold_negative(uint8_t *p)
{
    ntw_put64(p + NTW_OFF_TX_TS, nt_to_ntp64(BASE_NS + 99 * U_NS));
}
static void ed_kod_rate(uint8_t *p)
{
    p[0] = ntw_lvm(3, 4, NTW_MODE_SERVER);
    p[NTW_OFF_STRATUM] = 0;
    ntw_put32(p + NTW_OFF_REFID, 0x52415445);
}
static void ed_kod_deny(uint8_t *p)
{
    ed_kod_rate(p);
    ntw_put32(p + NTW_OFF_REFID, 0x44454e59);
}
static void ed_kod_rstr(uint8_t *p)
{
    ed_kod_rate(p);
    ntw_put32(p + NTW_OFF_REFID, 0x52535452);
}
static void ed_kod_other(uint8_t *p)
{
    ed_kod_rate(p);
    ntw_put32(p + NTW_OFF_REFID, 0x494e4954); /* INIT */
}

static void test_reply_validation(void)
{
    uint8_t rep[96];
    struct ntpc_sample s;
    enum ntpc_kiss kiss;
    static const struct {
        const char *legend;
        size_t len;
        bool mangle;
        void (*edit)(uint8_t *);
        enum ntpc_result want;
        enum ntpc_kiss want_kiss;
    } cases[] = {
        {"good", 48, false, NULL, NTPC_OK, NTPC_KISS_OTHER},
        {"good with a MAC after", 68, false, NULL, NTPC_OK, NTPC_KISS_OTHER},
        {"version 3", 48, false, ed_version3, NTPC_OK, NTPC_KISS_OTHER},
        {"root distance just under", 48, false, ed_root_ok, NTPC_OK, NTPC_KISS_OTHER},
        {"short", 47, false, NULL, NTPC_REJ_LENGTH, NTPC_KISS_OTHER},
        {"empty", 0, false, NULL, NTPC_REJ_LENGTH, NTPC_KISS_OTHER},
        {"version 2", 48, false, ed_version2, NTPC_REJ_VERSION, NTPC_KISS_OTHER},
        {"version 5", 48, false, ed_version5, NTPC_REJ_VERSION, NTPC_KISS_OTHER},
        {"mode 3", 48, false, ed_mode_client, NTPC_REJ_MODE, NTPC_KISS_OTHER},
        {"mode 2 to a client", 48, false, ed_mode_passive, NTPC_REJ_MODE, NTPC_KISS_OTHER},
        {"wrong origin", 48, true, NULL, NTPC_REJ_ORIGIN, NTPC_KISS_OTHER},
        {"kod with a wrong origin", 48, true, ed_kod_deny, NTPC_REJ_ORIGIN, NTPC_KISS_OTHER},
        {"LI 3", 48, false, ed_leap3, NTPC_REJ_UNSYNC, NTPC_KISS_OTHER},
        {"stratum 16", 48, false, ed_stratum16, NTPC_REJ_UNSYNC, NTPC_KISS_OTHER},
        {"stratum 255", 48, false, ed_stratum255, NTPC_REJ_UNSYNC, NTPC_KISS_OTHER},
        {"zero transmit", 48, false, ed_zero_tx, NTPC_REJ_ZERO_TS, NTPC_KISS_OTHER},
        {"zero receive", 48, false, ed_zero_rx, NTPC_REJ_ZERO_TS, NTPC_KISS_OTHER},
        {"root dispersion 16 s", 48, false, ed_root_disp, NTPC_REJ_ROOT, NTPC_KISS_OTHER},
        {"root delay 32 s", 48, false, ed_root_delay, NTPC_REJ_ROOT, NTPC_KISS_OTHER},
        {"precision 2^45 s", 48, false, ed_precision_huge, NTPC_REJ_ROOT, NTPC_KISS_OTHER},
        {"hold time negative", 48, false, ed_hold_negative, NTPC_REJ_TIMES, NTPC_KISS_OTHER},
        {"KoD RATE", 48, false, ed_kod_rate, NTPC_KOD, NTPC_KISS_RATE},
        {"KoD DENY", 48, false, ed_kod_deny, NTPC_KOD, NTPC_KISS_DENY},
        {"KoD RSTR", 48, false, ed_kod_rstr, NTPC_KOD, NTPC_KISS_RSTR},
        {"KoD INIT", 48, false, ed_kod_other, NTPC_KOD, NTPC_KISS_OTHER},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kiss = NTPC_KISS_OTHER;
        enum ntpc_result r = one(rep, cases[i].len, cases[i].mangle, &s, &kiss, cases[i].edit);
        if (r != cases[i].want || kiss != cases[i].want_kiss) {
            fprintf(stderr, "case '%s': got %s (kiss %d), want %s\n", cases[i].legend,
                    ntpc_result_name(r), (int)kiss, ntpc_result_name(cases[i].want));
        }
        CHECK_INT(r, cases[i].want);
        CHECK_INT(kiss, cases[i].want_kiss);
    }
    /* Every result has a name. */
    for (int r = 0; r < NTPC_RESULT__COUNT; r++) {
        CHECK(strcmp(ntpc_result_name((enum ntpc_result)r), "?") != 0);
    }
    /* The good one's numbers: server 100 U after T1 at receive, 101 U at transmit, T4 at 3 U:
     * offset ((100) + (101 - 3)) / 2 = 99 U, delay 3 - 1 = 2 U; root fields added up. */
    CHECK_INT(one(rep, 48, false, &s, &kiss, NULL), NTPC_OK);
    CHECK_INT(s.offset_ns, 99 * U_NS);
    CHECK_INT(s.delay_ns, 2 * U_NS);
    CHECK_INT(s.stratum, 1);
    CHECK(s.refid == 0x47505300);
    CHECK_INT(s.poll, 6);
    CHECK(!s.interleaved);
    CHECK_NEAR(s.root_delay_s, 0.002 + 2 * U_NS * 1e-9, 1e-4);
    CHECK_NEAR(s.root_dist_s, s.root_delay_s / 2 + s.root_disp_s, 1e-12);
    CHECK(s.root_disp_s >= 0.001 + s.disp_s - 1e-9);
    CHECK_INT(s.ref_time_ns, BASE_NS + 100 * U_NS - NT_NS_PER_S);
}

static void test_duplicate_and_late(void)
{
    struct ntpc_assoc a;
    uint8_t req[48], rep[48], old[48];
    struct ntpc_sample s;
    enum ntpc_kiss kiss;
    assoc_init(&a, NTPC_MODE_CLIENT, false);
    ntpc_request(&a, NULL, 6, BASE_NS, 1111, req, sizeof(req));
    make_reply(old, req, NTW_MODE_SERVER, 2, 0, BASE_NS + U_NS, BASE_NS + U_NS);
    /* A bad reply does not consume the request: the good one that follows is taken. */
    make_reply(rep, req, NTW_MODE_SERVER, 16, 0, BASE_NS + U_NS, BASE_NS + U_NS);
    CHECK_INT(ntpc_process(&a, rep, 48, BASE_NS + 2 * U_NS, &s, &kiss), NTPC_REJ_UNSYNC);
    CHECK_INT(ntpc_process(&a, old, 48, BASE_NS + 2 * U_NS, &s, &kiss), NTPC_OK);
    CHECK_INT(ntpc_process(&a, old, 48, BASE_NS + 2 * U_NS, &s, &kiss), NTPC_REJ_DUPLICATE);
    /* A late reply to a request replaced by a newer one is no longer matched. */
    ntpc_request(&a, NULL, 6, BASE_NS + 64 * NT_NS_PER_S, 2222, req, sizeof(req));
    ntpc_request(&a, NULL, 6, BASE_NS + 128 * NT_NS_PER_S, 3333, req, sizeof(req));
    ntw_put64(old + NTW_OFF_ORIGIN_TS, 2222);
    CHECK_INT(ntpc_process(&a, old, 48, BASE_NS + 129 * NT_NS_PER_S, &s, &kiss),
              NTPC_REJ_ORIGIN);
    /* A KoD consumes the request. */
    make_reply(rep, req, NTW_MODE_SERVER, 1, 0, BASE_NS, BASE_NS);
    ed_kod_rate(rep);
    CHECK_INT(ntpc_process(&a, rep, 48, BASE_NS + 129 * NT_NS_PER_S, &s, &kiss), NTPC_KOD);
    CHECK_INT(ntpc_process(&a, rep, 48, BASE_NS + 129 * NT_NS_PER_S, &s, &kiss),
              NTPC_REJ_DUPLICATE);
}

static void test_kernel_tx_time(void)
{
    struct ntpc_assoc a;
    uint8_t req[48], rep[48];
    struct ntpc_sample s;
    enum ntpc_kiss kiss;
    assoc_init(&a, NTPC_MODE_CLIENT, false);
    /* We read the clock at 0, the kernel stamped the packet 1 U later: T1 = 1 U. */
    ntpc_request(&a, NULL, 6, BASE_NS, 77, req, sizeof(req));
    ntpc_set_tx_time(&a, 78, BASE_NS + U_NS);          /* not ours: ignored */
    CHECK_INT(a.tx_ns, BASE_NS);
    ntpc_set_tx_time(&a, 77, BASE_NS + 20 * NT_NS_PER_S); /* absurd: ignored */
    CHECK_INT(a.tx_ns, BASE_NS);
    ntpc_set_tx_time(&a, 77, BASE_NS + U_NS);
    CHECK_INT(a.tx_ns, BASE_NS + U_NS);
    make_reply(rep, req, NTW_MODE_SERVER, 1, 0, BASE_NS + 2 * U_NS, BASE_NS + 2 * U_NS);
    CHECK_INT(ntpc_process(&a, rep, 48, BASE_NS + 3 * U_NS, &s, &kiss), NTPC_OK);
    CHECK_INT(s.delay_ns, 2 * U_NS);
    CHECK_INT(s.offset_ns, 0);
    /* A stamp that arrives after the reply fixes the exchange kept for interleaving. */
    ntpc_request(&a, NULL, 6, BASE_NS + 10 * U_NS, 88, req, sizeof(req));
    make_reply(rep, req, NTW_MODE_SERVER, 1, 0, BASE_NS + 12 * U_NS, BASE_NS + 12 * U_NS);
    CHECK_INT(ntpc_process(&a, rep, 48, BASE_NS + 14 * U_NS, &s, &kiss), NTPC_OK);
    ntpc_set_tx_time(&a, 88, BASE_NS + 11 * U_NS);
    CHECK_INT(a.prev_tx_ns, BASE_NS + 11 * U_NS);
}

/*
 * Interleaved client mode against a scripted server that keeps its precise transmit time of
 * each reply (kernel stamp 1 U after its software one) keyed by its receive timestamp, as
 * RFC 9769's server does. Server clock = local clock + 50 U; 4 U each way.
 */
struct xserver {
    uint64_t saved_rx[4];
    int64_t saved_tx_ns[4];
    int count;
};

static void xserver_reply(struct xserver *sv, const uint8_t *req, int64_t rx_ns, uint8_t *rep,
                          bool *interleaved)
{
    uint64_t origin = ntw_get64(req + NTW_OFF_ORIGIN_TS);
    uint64_t rxf = ntw_get64(req + NTW_OFF_RX_TS), txf = ntw_get64(req + NTW_OFF_TX_TS);
    int64_t soft_tx_ns = rx_ns + U_NS;
    make_reply(rep, req, NTW_MODE_SERVER, 1, 0, rx_ns, soft_tx_ns);
    *interleaved = false;
    for (int i = 0; i < (sv->count < 4 ? sv->count : 4); i++) {
        if (rxf != txf && origin != 0 && origin == sv->saved_rx[i]) {
            ntw_put64(rep + NTW_OFF_ORIGIN_TS, rxf);
            ntw_put64(rep + NTW_OFF_TX_TS, nt_to_ntp64(sv->saved_tx_ns[i]));
            *interleaved = true;
        }
    }
    sv->saved_rx[sv->count % 4] = nt_to_ntp64(rx_ns);
    sv->saved_tx_ns[sv->count % 4] = soft_tx_ns + U_NS; /* the precise one, after sending */
    sv->count++;
}

static void test_interleaved(void)
{
    struct ntpc_assoc a;
    struct xserver sv;
    memset(&sv, 0, sizeof(sv));
    uint8_t req[48], rep[48];
    struct ntpc_sample s;
    enum ntpc_kiss kiss;
    bool xl;
    assoc_init(&a, NTPC_MODE_CLIENT, true);

    /* Exchange 1: basic (nothing to interleave with yet). The server's software transmit
     * stamp is 1 U early, so the basic sample is off by half a U and 1 U long. */
    int64_t t1 = BASE_NS;
    ntpc_request(&a, NULL, 6, t1, 500, req, sizeof(req));
    CHECK(ntw_get64(req + NTW_OFF_ORIGIN_TS) == 0);
    xserver_reply(&sv, req, t1 + 4 * U_NS + 50 * U_NS, rep, &xl);
    CHECK(!xl);
    /* The client receives it 4 U after the precise transmit: T4 = t1 + 4 + 1 + 1 + 4 U. */
    int64_t t4 = t1 + 10 * U_NS;
    CHECK_INT(ntpc_process(&a, rep, 48, t4, &s, &kiss), NTPC_OK);
    CHECK(!s.interleaved);
    CHECK_INT(s.delay_ns, 9 * U_NS);
    CHECK_NEAR(2 * s.offset_ns, 99 * U_NS, 2);

    /* Exchange 2: an interleaved request; the reply completes exchange 1 exactly. */
    int64_t t1b = BASE_NS + 64 * NT_NS_PER_S;
    ntpc_request(&a, NULL, 6, t1b, 501, req, sizeof(req));
    CHECK(ntw_get64(req + NTW_OFF_ORIGIN_TS) == nt_to_ntp64(t1 + 54 * U_NS));
    CHECK(ntw_get64(req + NTW_OFF_RX_TS) != 0);
    CHECK(ntw_get64(req + NTW_OFF_RX_TS) != ntw_get64(req + NTW_OFF_TX_TS));
    xserver_reply(&sv, req, t1b + 4 * U_NS + 50 * U_NS, rep, &xl);
    CHECK(xl);
    CHECK_INT(ntpc_process(&a, rep, 48, t1b + 10 * U_NS, &s, &kiss), NTPC_OK);
    CHECK(s.interleaved);
    CHECK_INT(s.offset_ns, 50 * U_NS);
    CHECK_INT(s.delay_ns, 8 * U_NS);
    CHECK_INT(s.local_ns, t1 + 5 * U_NS); /* it measures exchange 1 */

    /* Exchange 3 lost on the way back; exchange 4 then completes exchange 2 (the last one
     * whose reply arrived), still exact. */
    int64_t t1c = t1b + 64 * NT_NS_PER_S, t1d = t1c + 64 * NT_NS_PER_S;
    ntpc_request(&a, NULL, 6, t1c, 502, req, sizeof(req));
    xserver_reply(&sv, req, t1c + 54 * U_NS, rep, &xl);
    ntpc_request(&a, NULL, 6, t1d, 503, req, sizeof(req));
    xserver_reply(&sv, req, t1d + 54 * U_NS, rep, &xl);
    CHECK(xl);
    CHECK_INT(ntpc_process(&a, rep, 48, t1d + 10 * U_NS, &s, &kiss), NTPC_OK);
    CHECK(s.interleaved);
    CHECK_INT(s.offset_ns, 50 * U_NS);
    CHECK_INT(s.delay_ns, 8 * U_NS);
    CHECK_INT(s.local_ns, t1b + 5 * U_NS);

    /* A server without interleaved support answers basic: still accepted. */
    ntpc_request(&a, NULL, 6, t1d + 64 * NT_NS_PER_S, 504, req, sizeof(req));
    make_reply(rep, req, NTW_MODE_SERVER, 1, 0, t1d + 64 * NT_NS_PER_S + 54 * U_NS,
               t1d + 64 * NT_NS_PER_S + 54 * U_NS);
    CHECK_INT(ntpc_process(&a, rep, 48, t1d + 64 * NT_NS_PER_S + 8 * U_NS, &s, &kiss), NTPC_OK);
    CHECK(!s.interleaved);
    CHECK_INT(s.offset_ns, 50 * U_NS);
}

static void test_peer(void)
{
    struct ntpc_assoc a;
    uint8_t req[48], rep[48];
    struct ntpc_sample s;
    enum ntpc_kiss kiss;
    struct ntpc_self self = {.leap = 0, .stratum = 1, .precision = -20, .refid = 0x47505300};
    assoc_init(&a, NTPC_MODE_PEER, false);
    memset(req, 0, sizeof(req));
    /* The peer polls first (mode 1, origin 0): recorded, no sample. */
    make_reply(rep, req, NTW_MODE_SYMMETRIC_ACTIVE, 2, 0, BASE_NS, BASE_NS + U_NS);
    memset(rep + NTW_OFF_ORIGIN_TS, 0, 8);
    memset(rep + NTW_OFF_RX_TS, 0, 8);
    CHECK_INT(ntpc_process(&a, rep, 48, BASE_NS + 3 * U_NS, &s, &kiss), NTPC_REJ_ORIGIN);
    CHECK(a.peer_tx_field == nt_to_ntp64(BASE_NS + U_NS));
    /* Our packet echoes it, so the peer can measure too. */
    ntpc_request(&a, &self, 6, BASE_NS + 10 * U_NS, 0, req, sizeof(req));
    CHECK(ntw_get64(req + NTW_OFF_ORIGIN_TS) == nt_to_ntp64(BASE_NS + U_NS));
    CHECK(ntw_get64(req + NTW_OFF_RX_TS) == nt_to_ntp64(BASE_NS + 3 * U_NS));
    /* A mode 2 answer (peer 2 U ahead, 1 U each way). */
    make_reply(rep, req, NTW_MODE_SYMMETRIC_PASSIVE, 2, 0, BASE_NS + 13 * U_NS,
               BASE_NS + 13 * U_NS);
    CHECK_INT(ntpc_process(&a, rep, 48, BASE_NS + 12 * U_NS, &s, &kiss), NTPC_OK);
    CHECK_INT(s.offset_ns, 2 * U_NS);
    CHECK_INT(s.delay_ns, 2 * U_NS);
    /* A server-mode packet is not a peer's. */
    ntpc_request(&a, &self, 6, BASE_NS + 20 * U_NS, 0, req, sizeof(req));
    make_reply(rep, req, NTW_MODE_SERVER, 2, 0, BASE_NS + 23 * U_NS, BASE_NS + 23 * U_NS);
    CHECK_INT(ntpc_process(&a, rep, 48, BASE_NS + 22 * U_NS, &s, &kiss), NTPC_REJ_MODE);
}

/* Our own server core answers our own client core. */
static void test_with_own_server(void)
{
    struct ntpc_assoc a;
    uint8_t req[48], rep[64];
    struct ntpc_sample s;
    enum ntpc_kiss kiss;
    enum srv_drop why;
    struct rst_state st = {.synced = true, .stratum = 1, .leap = RST_LEAP_NONE,
                           .precision = -23, .refid = RST_REFID('G', 'P', 'S', 0),
                           .ref_time_ns = BASE_NS - NT_NS_PER_S, .root_delay_s = 0,
                           .root_disp_s = 1e-6, .disp_rate = 15e-6};
    assoc_init(&a, NTPC_MODE_CLIENT, false);
    ntpc_request(&a, NULL, 6, BASE_NS, 0x0123456789abcdefULL, req, sizeof(req));
    size_t n = srv_handle(&st, req, sizeof(req), BASE_NS + 3 * U_NS, rep, sizeof(rep), &why);
    CHECK_INT(n, 48);
    srv_set_tx(rep, BASE_NS + 4 * U_NS);
    CHECK_INT(ntpc_process(&a, rep, n, BASE_NS + 6 * U_NS, &s, &kiss), NTPC_OK);
    CHECK_NEAR(s.offset_ns, 0.5 * U_NS, 1);
    CHECK_NEAR(s.delay_ns, 5 * U_NS, 1);
    CHECK_INT(s.stratum, 1);
    /* Unsynchronized: rejected as such. */
    st.synced = false;
    ntpc_request(&a, NULL, 6, BASE_NS, 99, req, sizeof(req));
    n = srv_handle(&st, req, sizeof(req), BASE_NS + 3 * U_NS, rep, sizeof(rep), &why);
    srv_set_tx(rep, BASE_NS + 4 * U_NS);
    CHECK_INT(ntpc_process(&a, rep, n, BASE_NS + 6 * U_NS, &s, &kiss), NTPC_REJ_UNSYNC);
    /* Its RATE kiss is understood. */
    n = srv_kod_rate(req, sizeof(req), rep, sizeof(rep));
    srv_set_tx(rep, BASE_NS + 4 * U_NS);
    CHECK_INT(ntpc_process(&a, rep, n, BASE_NS + 6 * U_NS, &s, &kiss), NTPC_KOD);
    CHECK_INT(kiss, NTPC_KISS_RATE);
}

int main(void)
{
    test_compute();
    test_request_fields();
    test_reply_validation();
    test_duplicate_and_late();
    test_kernel_tx_time();
    test_interleaved();
    test_peer();
    test_with_own_server();
    return check_result();
}
