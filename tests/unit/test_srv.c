/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests of the NTP server core: every mode and version, lengths, extension fields and MACs,
 * reply fields for synced/unsynced/local states, root dispersion growth, poll clamp, the RATE
 * kiss-o'-death, and the seqlock under a concurrent writer (a torn read is detected).
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "common/ntime.h"
#include "server/srv.h"

#define REFID_RATE RST_REFID('R', 'A', 'T', 'E')

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

static void wr16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* A 48-byte request header with a recognisable transmit timestamp. */
static void make_req(uint8_t *b, int version, int mode, int stratum, int poll)
{
    memset(b, 0, SRV_PKT_LEN);
    b[0] = (uint8_t)(version << 3 | mode);
    b[1] = (uint8_t)stratum;
    b[2] = (uint8_t)poll;
    static const uint8_t tx[8] = {0xe9, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x71};
    memcpy(b + 40, tx, 8);
}

/* An extension field header at p: type 0x0104 (NTS unique identifier), length len. */
static void make_ef(uint8_t *p, unsigned len)
{
    wr16(p, 0x0104);
    wr16(p + 2, len);
    memset(p + 4, 0x5a, len > 4 ? len - 4 : 0);
}

static const int64_t RX_NS = 1790000000LL * NT_NS_PER_S + 123456789; /* 2026-09 */

static struct rst_state synced_gps(void)
{
    return (struct rst_state){
        .synced = true,
        .stratum = 1,
        .leap = RST_LEAP_NONE,
        .precision = -23,
        .refid = RST_REFID_GPS,
        .ref_time_ns = RX_NS - 16 * NT_NS_PER_S,
        .root_delay_s = 0.0,
        .root_disp_s = 0.00001,
        .disp_rate = RST_MIN_DISP_RATE,
    };
}

static size_t handle(const struct rst_state *st, const uint8_t *req, size_t len,
                     uint8_t *out, enum srv_drop *why)
{
    memset(out, 0xaa, 2048);
    return srv_handle(st, req, len, RX_NS, out, 2048, why);
}

static void test_modes_versions(void)
{
    struct rst_state st = synced_gps();
    uint8_t req[SRV_PKT_LEN], out[2048];
    for (int stratum = 0; stratum <= 2; stratum += 2) {
        for (int version = 0; version <= 7; version++) {
            for (int mode = 0; mode <= 7; mode++) {
                make_req(req, version, mode, stratum, 6);
                enum srv_drop why = SRV_DROP__COUNT;
                size_t n = handle(&st, req, sizeof(req), out, &why);
                bool good_version = version >= 1 && version <= 4;
                bool good_mode = mode == 1 || mode == 3;
                if (good_version && good_mode) {
                    CHECK_INT(n, SRV_PKT_LEN);
                    CHECK_INT(why, SRV_DROP_NONE);
                    CHECK_INT(out[0] & 7, mode == 3 ? 4 : 2);
                    CHECK_INT((out[0] >> 3) & 7, version);
                } else {
                    CHECK_INT(n, 0);
                    if (!good_version) {
                        CHECK_INT(why, SRV_DROP_VERSION);
                    } else if ((mode == 2 || mode == 4) && stratum == 0) {
                        CHECK_INT(why, SRV_DROP_KOD);
                    } else {
                        CHECK_INT(why, SRV_DROP_MODE);
                    }
                }
            }
        }
    }
    /* A client request with stratum 0, LI=3 and refid "RATE" is still a plain request. */
    make_req(req, 4, 3, 0, 6);
    req[0] |= 3 << 6;
    memcpy(req + 12, "RATE", 4);
    enum srv_drop why;
    CHECK_INT(handle(&st, req, sizeof(req), out, &why), SRV_PKT_LEN);
    CHECK_INT(out[1], 1);
}

struct len_case {
    const char *legend;
    int version;
    size_t len;
    void (*fill)(uint8_t *b); /* bytes after the header */
    size_t want_len;          /* 0: dropped */
    enum srv_drop want_why;
};

static void tail_zero(uint8_t *b) { (void)b; }
static void tail_key(uint8_t *b) { b[SRV_PKT_LEN + 3] = 7; }
static void ef16(uint8_t *b) { make_ef(b + SRV_PKT_LEN, 16); }
static void ef28(uint8_t *b) { make_ef(b + SRV_PKT_LEN, 28); }
static void ef0(uint8_t *b) { make_ef(b + SRV_PKT_LEN, 0); }
static void ef12(uint8_t *b) { make_ef(b + SRV_PKT_LEN, 12); }
static void ef30(uint8_t *b) { make_ef(b + SRV_PKT_LEN, 30); }
static void ef_long(uint8_t *b) { make_ef(b + SRV_PKT_LEN, 64); }
static void ef16_mac(uint8_t *b)
{
    make_ef(b + SRV_PKT_LEN, 16);
    b[SRV_PKT_LEN + 16 + 3] = 1; /* key ID 1, digest follows */
}
static void ef16_28(uint8_t *b)
{
    make_ef(b + SRV_PKT_LEN, 16);
    make_ef(b + SRV_PKT_LEN + 16, 28);
}
static void ef16x3(uint8_t *b)
{
    for (int i = 0; i < 3; i++) {
        make_ef(b + SRV_PKT_LEN + 16 * i, 16);
    }
}
static void ef28_nak(uint8_t *b) { make_ef(b + SRV_PKT_LEN, 28); }

static void test_lengths(void)
{
    const struct len_case cases[] = {
        {"empty", 4, 0, tail_zero, 0, SRV_DROP_SHORT},
        {"1 byte", 4, 1, tail_zero, 0, SRV_DROP_SHORT},
        {"47 bytes", 4, 47, tail_zero, 0, SRV_DROP_SHORT},
        {"header only", 4, 48, tail_zero, 48, SRV_DROP_NONE},
        {"header only v1", 1, 48, tail_zero, 48, SRV_DROP_NONE},
        {"49: one stray byte", 4, 49, tail_zero, 0, SRV_DROP_SHORT},
        {"51: three stray bytes", 3, 51, tail_zero, 0, SRV_DROP_SHORT},
        {"52: crypto-NAK from a client", 4, 52, tail_zero, 0, SRV_DROP_AUTH},
        {"52: crypto-NAK v3", 3, 52, tail_zero, 0, SRV_DROP_AUTH},
        {"52: key ID without digest", 4, 52, tail_key, 0, SRV_DROP_SHORT},
        {"68: MD5 MAC", 4, 68, tail_key, 52, SRV_DROP_NONE},
        {"68: MD5 MAC v3", 3, 68, tail_key, 52, SRV_DROP_NONE},
        {"68: MD5 MAC v2", 2, 68, tail_key, 52, SRV_DROP_NONE},
        {"72: SHA-1 MAC", 4, 72, tail_key, 52, SRV_DROP_NONE},
        {"72: SHA-1 MAC v1", 1, 72, tail_key, 52, SRV_DROP_NONE},
        {"64: lone 16-byte EF (must be >= 28 when last)", 4, 64, ef16, 0, SRV_DROP_SHORT},
        {"76: one 28-byte EF", 4, 76, ef28, 48, SRV_DROP_NONE},
        {"76: 28 bytes after a v3 header", 3, 76, ef28, 0, SRV_DROP_SHORT},
        {"76: EF length 0", 4, 76, ef0, 0, SRV_DROP_SHORT},
        {"76: EF length 12", 4, 76, ef12, 0, SRV_DROP_SHORT},
        {"80: EF length 30 (not a multiple of 4)", 4, 80, ef30, 0, SRV_DROP_SHORT},
        {"76: EF longer than the packet", 4, 76, ef_long, 0, SRV_DROP_SHORT},
        {"84: EF + MD5 MAC", 4, 84, ef16_mac, 52, SRV_DROP_NONE},
        {"88: EF + SHA-1 MAC", 4, 88, ef16_mac, 52, SRV_DROP_NONE},
        {"92: EF 16 + EF 28", 4, 92, ef16_28, 48, SRV_DROP_NONE},
        {"96: three 16-byte EFs", 4, 96, ef16x3, 0, SRV_DROP_SHORT},
        {"80: EF 28 + crypto-NAK", 4, 80, ef28_nak, 0, SRV_DROP_AUTH},
    };
    struct rst_state st = synced_gps();
    uint8_t req[256], out[2048];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct len_case *c = &cases[i];
        memset(req, 0, sizeof(req));
        make_req(req, c->version, 3, 0, 6);
        c->fill(req);
        enum srv_drop why = SRV_DROP__COUNT;
        size_t n = handle(&st, req, c->len, out, &why);
        if (n != c->want_len || why != c->want_why) {
            fprintf(stderr, "case '%s': got %zu/%s, want %zu/%s\n", c->legend, n,
                    srv_drop_name(why), c->want_len, srv_drop_name(c->want_why));
        }
        CHECK_INT(n, c->want_len);
        CHECK_INT(why, c->want_why);
        CHECK(n <= c->len);
        if (n == 52) {
            /* The crypto-NAK: a normal header, then a zero key ID and no digest. */
            CHECK_INT(rd32(out + 48), 0);
            CHECK_INT(out[0] & 7, 4);
            CHECK_INT(out[1], 1);
        }
    }
    /* cap: too small for a header, or for the NAK a MAC'd request needs. */
    enum srv_drop why;
    make_req(req, 4, 3, 0, 6);
    CHECK_INT(srv_handle(&st, req, 48, RX_NS, out, 47, &why), 0);
    CHECK_INT(why, SRV_DROP_SHORT);
    tail_key(req);
    CHECK_INT(srv_handle(&st, req, 68, RX_NS, out, 48, &why), 0);
    CHECK_INT(why, SRV_DROP_AUTH);
    CHECK_INT(srv_handle(&st, req, 68, RX_NS, out, 52, &why), 52);
}

/* Random bytes of random lengths: never a reply longer than the request. */
static void test_random_garbage(unsigned seed)
{
    srand(seed);
    struct rst_state st = synced_gps();
    uint8_t req[1200], out[2048];
    int answered = 0;
    for (int iter = 0; iter < 200000; iter++) {
        size_t len = (size_t)rand() % (iter % 4 == 0 ? sizeof(req) : 130);
        for (size_t i = 0; i < len; i++) {
            req[i] = (uint8_t)rand();
        }
        if (len >= 1 && iter % 2 == 0) {
            req[0] = (uint8_t)((req[0] & 0xc0) | 4 << 3 | 3); /* a v4 client: walk the tail */
        }
        enum srv_drop why;
        size_t n = handle(&st, req, len, out, &why);
        CHECK(n <= len);
        CHECK(n == 0 || n == 48 || n == 52);
        CHECK((n == 0) == (why != SRV_DROP_NONE));
        answered += n > 0;
        size_t k = srv_kod_rate(req, len, out, sizeof(out));
        CHECK(k <= len);
    }
    printf("random garbage: %d of 200000 answered\n", answered);
    CHECK(answered > 0);
}

static void test_fields_synced(void)
{
    struct rst_state st = synced_gps();
    st.root_delay_s = 0.25;
    uint8_t req[SRV_PKT_LEN], out[2048];
    make_req(req, 4, 3, 0, 6);
    /* Origin must be the raw bytes, even ones that are no sane time. */
    for (int i = 0; i < 8; i++) {
        req[40 + i] = (uint8_t)(0xf0 + i);
    }
    enum srv_drop why;
    CHECK_INT(handle(&st, req, sizeof(req), out, &why), 48);
    CHECK_INT(out[0] >> 6, RST_LEAP_NONE);
    CHECK_INT(out[1], 1);
    CHECK_INT(out[2], 6);
    CHECK_INT((int8_t)out[3], -23);
    CHECK(rd32(out + 4) == 0x4000);                   /* 0.25 s in 16.16 */
    CHECK(rd32(out + 12) == RST_REFID_GPS);
    CHECK(memcmp(out + 12, "GPS\0", 4) == 0);
    CHECK(rd64(out + 16) == nt_to_ntp64(st.ref_time_ns));
    CHECK(memcmp(out + 24, req + 40, 8) == 0);
    CHECK(rd64(out + 32) == nt_to_ntp64(RX_NS));
    CHECK(rd64(out + 40) == 0);
    srv_set_tx(out, RX_NS + 15000);
    CHECK(rd64(out + 40) == nt_to_ntp64(RX_NS + 15000));
    CHECK(rd64(out + 40) > rd64(out + 32));

    /* Leap announcements reach LI only when synced. */
    st.leap = RST_LEAP_INSERT;
    handle(&st, req, sizeof(req), out, &why);
    CHECK_INT(out[0] >> 6, 1);
    st.leap = RST_LEAP_DELETE;
    handle(&st, req, sizeof(req), out, &why);
    CHECK_INT(out[0] >> 6, 2);

    /* Stratum 2..15 pass through; PPS refid. */
    st.stratum = 15;
    st.refid = RST_REFID_PPS;
    handle(&st, req, sizeof(req), out, &why);
    CHECK_INT(out[1], 15);
    CHECK(memcmp(out + 12, "PPS\0", 4) == 0);

    /* Receive timestamps across NTP era 1 (2036-02-07) and 2038-01-19. */
    int64_t era1 = nt_from_utc(2036, 2, 7, 6, 28, 16, 0);
    int64_t y2038 = nt_from_utc(2038, 1, 19, 3, 14, 8, 0);
    int64_t cases[] = {era1 - 1, era1, era1 + NT_NS_PER_S / 2, y2038};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK_INT(srv_handle(&st, req, sizeof(req), cases[i], out, sizeof(out), &why), 48);
        CHECK(rd64(out + 32) == nt_to_ntp64(cases[i]));
        CHECK(nt_from_ntp64(rd64(out + 32), era1) - cases[i] <= 1);
    }
    CHECK(srv_handle(&st, req, 48, era1, out, 48, &why) == 48 && rd64(out + 32) == 0);
}

static void test_fields_unsynced_and_local(void)
{
    uint8_t req[SRV_PKT_LEN], out[2048];
    make_req(req, 3, 3, 0, 10);
    enum srv_drop why;

    struct rst_state st = synced_gps();
    st.synced = false;
    st.leap = RST_LEAP_INSERT;
    st.root_delay_s = 0.5;
    CHECK_INT(handle(&st, req, sizeof(req), out, &why), 48);
    CHECK_INT(out[0] >> 6, 3);
    CHECK_INT((out[0] >> 3) & 7, 3);
    CHECK_INT(out[1], 16);
    CHECK_INT(rd32(out + 12), 0);
    CHECK(rd32(out + 8) == 16u << 16);                /* MAXDISP */
    CHECK_INT(rd32(out + 4), 0);
    CHECK(rd64(out + 16) == nt_to_ntp64(st.ref_time_ns)); /* when we last were synced */

    st.ref_time_ns = 0; /* never synchronized */
    handle(&st, req, sizeof(req), out, &why);
    CHECK(rd64(out + 16) == 0);

    /* `local stratum 10`: served as synchronized at stratum 10 with refid LOCL. */
    struct rst_state local = {
        .synced = true, .stratum = 10, .leap = RST_LEAP_NONE, .precision = -20,
        .refid = RST_REFID_LOCL, .ref_time_ns = RX_NS - NT_NS_PER_S, .root_disp_s = 0.0,
        .disp_rate = RST_MIN_DISP_RATE,
    };
    handle(&local, req, sizeof(req), out, &why);
    CHECK_INT(out[0] >> 6, 0);
    CHECK_INT(out[1], 10);
    CHECK(memcmp(out + 12, "LOCL", 4) == 0);
    CHECK(rd32(out + 8) < 16);                        /* < 0.25 ms */
}

static double disp_of(const struct rst_state *st, int64_t rx_ns)
{
    uint8_t req[SRV_PKT_LEN], out[64];
    make_req(req, 4, 3, 0, 6);
    enum srv_drop why;
    CHECK_INT(srv_handle(st, req, sizeof(req), rx_ns, out, sizeof(out), &why), 48);
    return nt_from_ntp_short(rd32(out + 8));
}

static void test_root_dispersion(void)
{
    struct rst_state st = synced_gps();
    st.precision = -20;
    st.root_disp_s = 0.001;
    int64_t t0 = st.ref_time_ns;
    double prec = 1.0 / (1 << 20);
    double q = 1.0 / 65536; /* short-format resolution */
    CHECK_NEAR(disp_of(&st, t0), 0.001 + prec, q);
    CHECK_NEAR(disp_of(&st, t0 + 1000 * NT_NS_PER_S), 0.001 + 0.015 + prec, q);
    CHECK_NEAR(disp_of(&st, t0 + 10000 * NT_NS_PER_S), 0.001 + 0.15 + prec, q);
    /* Monotonic in the age. */
    double prev = 0;
    for (int64_t age = 0; age < 100000; age += 997) {
        double d = disp_of(&st, t0 + age * NT_NS_PER_S);
        CHECK(d >= prev);
        prev = d;
    }
    /* A receive time before the update does not shrink it. */
    CHECK_NEAR(disp_of(&st, t0 - 500 * NT_NS_PER_S), 0.001 + prec, q);
    /* A faster growth rate is honoured, a slower one than PHI is not. */
    st.disp_rate = 1e-3;
    CHECK_NEAR(disp_of(&st, t0 + 100 * NT_NS_PER_S), 0.001 + 0.1 + prec, q);
    st.disp_rate = 0.0;
    CHECK_NEAR(disp_of(&st, t0 + 1000 * NT_NS_PER_S), 0.001 + 0.015 + prec, q);
    /* Saturates at MAXDISP, and for absurd inputs. */
    st.disp_rate = RST_MIN_DISP_RATE;
    CHECK_NEAR(disp_of(&st, t0 + 30LL * NT_NS_PER_DAY), 16.0, q);
    /* Years 1684 and 2255 (inside ntime's domain): rx - ref overflows int64, not srv. */
    st.ref_time_ns = -9000000000LL * NT_NS_PER_S;
    CHECK_NEAR(disp_of(&st, 9000000000LL * NT_NS_PER_S), 16.0, q);
    st.ref_time_ns = t0;
    st.root_disp_s = 0.0 / 0.0;
    CHECK_NEAR(disp_of(&st, t0), 16.0, q);
    st.root_disp_s = 1e300;
    CHECK_NEAR(disp_of(&st, t0), 16.0, q);
    st.root_disp_s = -5.0;
    CHECK(disp_of(&st, t0) < 0.001);
}

static void test_poll_clamp(void)
{
    struct rst_state st = synced_gps();
    uint8_t req[SRV_PKT_LEN], out[2048];
    const int polls[][2] = {{-128, 4}, {-6, 4}, {0, 4}, {3, 4}, {4, 4}, {6, 6}, {10, 10},
                            {17, 17}, {18, 17}, {127, 17}};
    for (size_t i = 0; i < sizeof(polls) / sizeof(polls[0]); i++) {
        make_req(req, 4, 3, 0, polls[i][0]);
        enum srv_drop why;
        CHECK_INT(handle(&st, req, sizeof(req), out, &why), 48);
        CHECK_INT((int8_t)out[2], polls[i][1]);
        CHECK_INT(srv_kod_rate(req, sizeof(req), out, sizeof(out)), 48);
        CHECK_INT((int8_t)out[2], polls[i][1]);
    }
}

static void test_kod_rate(void)
{
    uint8_t req[128], out[128];
    for (int version = 1; version <= 4; version++) {
        make_req(req, version, 3, 0, 7);
        memset(out, 0xaa, sizeof(out));
        CHECK_INT(srv_kod_rate(req, 48, out, sizeof(out)), 48);
        CHECK_INT(out[0] >> 6, 3);
        CHECK_INT((out[0] >> 3) & 7, version);
        CHECK_INT(out[0] & 7, 4);
        CHECK_INT(out[1], 0);
        CHECK_INT(out[2], 7);
        CHECK(rd32(out + 12) == REFID_RATE);
        CHECK(memcmp(out + 12, "RATE", 4) == 0);
        CHECK(memcmp(out + 24, req + 40, 8) == 0);
        CHECK(rd64(out + 32) == 0);
        CHECK(rd64(out + 40) == 0);
        srv_set_tx(out, RX_NS);
        CHECK(rd64(out + 40) == nt_to_ntp64(RX_NS));
    }
    make_req(req, 4, 1, 0, 7);
    CHECK_INT(srv_kod_rate(req, 48, out, sizeof(out)), 48);
    CHECK_INT(out[0] & 7, 2);
    /* With extension fields: a bare 48-byte kiss. */
    make_req(req, 4, 3, 0, 7);
    ef28(req);
    CHECK_INT(srv_kod_rate(req, 76, out, sizeof(out)), 48);
    /* No kiss for what srv_handle would drop, nor for a MAC'd request, nor into a tiny cap. */
    make_req(req, 4, 4, 0, 7);
    CHECK_INT(srv_kod_rate(req, 48, out, sizeof(out)), 0);
    make_req(req, 5, 3, 0, 7);
    CHECK_INT(srv_kod_rate(req, 48, out, sizeof(out)), 0);
    make_req(req, 4, 3, 0, 7);
    CHECK_INT(srv_kod_rate(req, 47, out, sizeof(out)), 0);
    CHECK_INT(srv_kod_rate(req, 49, out, sizeof(out)), 0);
    tail_key(req);
    CHECK_INT(srv_kod_rate(req, 68, out, sizeof(out)), 0);
    make_req(req, 4, 3, 0, 7);
    CHECK_INT(srv_kod_rate(req, 48, out, 47), 0);
}

static void test_drop_names(void)
{
    for (int d = 0; d < SRV_DROP__COUNT; d++) {
        const char *name = srv_drop_name((enum srv_drop)d);
        CHECK(name != NULL && strcmp(name, "?") != 0);
        for (int e = 0; e < d; e++) {
            CHECK(strcmp(name, srv_drop_name((enum srv_drop)e)) != 0);
        }
    }
    CHECK(strcmp(srv_drop_name(SRV_DROP__COUNT), "?") == 0);
}

/* --- seqlock ----------------------------------------------------------------------------- */

/* Every field of state k derives from k, so a reader can tell a torn copy. */
static struct rst_state state_k(uint32_t k)
{
    return (struct rst_state){
        .synced = k % 2 == 0,
        .stratum = (uint8_t)(k % 15 + 1),
        .leap = (enum rst_leap)(k % 3),
        .precision = (int8_t)-(int)(k % 30),
        .refid = k,
        .ref_time_ns = (int64_t)k * 1000 + 7,
        .root_delay_s = k * 0.5,
        .root_disp_s = k * 0.25,
        .disp_rate = k * 2.0,
    };
}

static bool is_state_k(const struct rst_state *s)
{
    struct rst_state want = state_k(s->refid);
    return s->synced == want.synced && s->stratum == want.stratum && s->leap == want.leap &&
           s->precision == want.precision && s->ref_time_ns == want.ref_time_ns &&
           s->root_delay_s == want.root_delay_s && s->root_disp_s == want.root_disp_s &&
           s->disp_rate == want.disp_rate;
}

static _Atomic bool writer_done;

static void *writer(void *arg)
{
    uint32_t n = *(uint32_t *)arg;
    for (uint32_t k = 1; k <= n; k++) {
        struct rst_state s = state_k(k);
        rst_publish(&s);
    }
    writer_done = true;
    return NULL;
}

static void test_seqlock(void)
{
    /* Before any publish: the unsynchronized default. */
    struct rst_state s;
    rst_read(&s);
    CHECK(!s.synced);
    CHECK_INT(s.stratum, 16);

    struct rst_state one = state_k(42);
    rst_publish(&one);
    rst_read(&s);
    CHECK(is_state_k(&s) && s.refid == 42);

    uint32_t n = 2000000;
    pthread_t th;
    CHECK_INT(pthread_create(&th, NULL, writer, &n), 0);
    long reads = 0, torn = 0, went_back = 0;
    uint32_t last = 0;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        rst_read(&s);
        reads++;
        if (s.refid != 42 && !is_state_k(&s)) {
            torn++;
        }
        if (s.refid != 42 && s.refid < last) {
            went_back++;
        }
        if (s.refid != 42) {
            last = s.refid;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (!writer_done && now.tv_sec - start.tv_sec < 5);
    pthread_join(th, NULL);
    rst_read(&s);
    printf("seqlock: %ld reads during %u publishes, last seen %u, torn %ld\n", reads, n, last,
           torn);
    CHECK_INT(torn, 0);
    CHECK_INT(went_back, 0);
    CHECK(is_state_k(&s) && s.refid == n);
    CHECK(reads > 0);
}

int main(void)
{
    unsigned seed = check_seed(20261124);
    test_seqlock();
    test_modes_versions();
    test_lengths();
    test_random_garbage(seed);
    test_fields_synced();
    test_fields_unsynced_and_local();
    test_root_dispersion();
    test_poll_clamp();
    test_kod_rate();
    test_drop_names();
    return check_result();
}
