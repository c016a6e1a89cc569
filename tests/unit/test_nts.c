/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests of the NTS pieces without sockets: cookies (seal/open, tampering, unknown key, key
 * rotation keeps old cookies valid), the NTS extension fields (well-formed and malformed
 * requests), the whole server path against a client built here with Nettle (reply verified
 * and decrypted, new cookies open, reply never longer than the request, NTSN for a bad cookie
 * or authenticator), the NTS-KE record parser and builder, and the key file's format.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "server/nts_cookie.h"
#include "server/nts_ef.h"
#include "server/nts_ke_proto.h"
#include "server/nts_keys.h"
#include "server/srv.h"

static const int64_t RX_NS = 1790000000LL * 1000000000LL;
static uint32_t rng_state = 12345;

static void test_random(void *arg, uint8_t *buf, size_t len)
{
    (void)arg;
    for (size_t i = 0; i < len; i++) {
        rng_state = rng_state * 1103515245u + 12345u;
        buf[i] = (uint8_t)(rng_state >> 16);
    }
}

static void make_raw(struct ntsck_raw *raw, int n, uint8_t seed)
{
    memset(raw, 0, sizeof(*raw));
    raw->n = n;
    for (int i = 0; i < n; i++) {
        raw->id[i] = 100u + (uint32_t)i + seed;
        raw->created_s[i] = 1790000000 - 86400 * i;
        memset(raw->key[i], seed + i, NTS_KEY_LEN);
    }
}

static void test_cookies(void)
{
    struct ntsck_raw raw;
    struct ntsck_set set, rotated, other;
    make_raw(&raw, 1, 1);
    ntsck_expand(&raw, &set);
    uint8_t c2s[32], s2c[32], nonce[16], cookie[NTS_COOKIE_LEN], a[32], b[32];
    memset(c2s, 0xc2, 32);
    memset(s2c, 0x52, 32);
    memset(nonce, 7, 16);
    CHECK(ntsck_seal(&set, nonce, c2s, s2c, cookie));
    CHECK(ntsck_open(&set, cookie, sizeof(cookie), a, b));
    CHECK(memcmp(a, c2s, 32) == 0 && memcmp(b, s2c, 32) == 0);
    for (size_t i = 0; i < sizeof(cookie); i++) {
        cookie[i] ^= 0x40;
        CHECK(!ntsck_open(&set, cookie, sizeof(cookie), a, b));
        cookie[i] ^= 0x40;
    }
    CHECK(!ntsck_open(&set, cookie, sizeof(cookie) - 1, a, b));
    /* After a rotation (a new key first), the old cookie still opens; new ones use the new key. */
    struct ntsck_raw r2 = raw;
    memmove(&r2.id[1], &r2.id[0], sizeof(r2.id[0]));
    memmove(r2.key[1], r2.key[0], NTS_KEY_LEN);
    r2.id[0] = 999;
    memset(r2.key[0], 0x99, NTS_KEY_LEN);
    r2.n = 2;
    ntsck_expand(&r2, &rotated);
    CHECK(ntsck_open(&rotated, cookie, sizeof(cookie), a, b));
    uint8_t fresh[NTS_COOKIE_LEN];
    CHECK(ntsck_seal(&rotated, nonce, c2s, s2c, fresh));
    CHECK(fresh[3] == (999 & 0xff) && !ntsck_open(&set, fresh, sizeof(fresh), a, b));
    /* Another server's keys (same ID, other secret): refused. */
    make_raw(&raw, 1, 1);
    memset(raw.key[0], 0x77, NTS_KEY_LEN);
    ntsck_expand(&raw, &other);
    CHECK(!ntsck_open(&other, cookie, sizeof(cookie), a, b));
    struct ntsck_set empty = {.n = 0};
    CHECK(!ntsck_seal(&empty, nonce, c2s, s2c, cookie));
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static size_t add_ef(uint8_t *p, unsigned type, const uint8_t *body, size_t blen)
{
    put16(p, type);
    put16(p + 2, (unsigned)(4 + blen));
    if (body != NULL) {
        memcpy(p + 4, body, blen);
    } else {
        memset(p + 4, 0, blen);
    }
    return 4 + blen;
}

/* A client's NTS request: uid, cookie, n placeholders, authenticator with c2s. Returns len. */
static size_t client_request(uint8_t *pkt, const uint8_t *cookie, int placeholders,
                             const uint8_t *c2s_key, const uint8_t *uid)
{
    memset(pkt, 0, 48);
    pkt[0] = 0x23;
    memcpy(pkt + 40, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    size_t pos = 48;
    pos += add_ef(pkt + pos, NTS_EF_UID, uid, 32);
    pos += add_ef(pkt + pos, NTS_EF_COOKIE, cookie, NTS_COOKIE_LEN);
    for (int i = 0; i < placeholders; i++) {
        pos += add_ef(pkt + pos, NTS_EF_PLACEHOLDER, NULL, NTS_COOKIE_LEN);
    }
    struct siv_cmac_aes128_ctx c2s;
    siv_cmac_aes128_set_key(&c2s, c2s_key);
    uint8_t nonce[16];
    memset(nonce, 0x4e, 16);
    size_t auth = pos;
    put16(pkt + pos, NTS_EF_AUTH);
    put16(pkt + pos + 2, 4 + 4 + 16 + 16);
    put16(pkt + pos + 4, 16);
    put16(pkt + pos + 6, 16);
    memcpy(pkt + pos + 8, nonce, 16);
    siv_cmac_aes128_encrypt_message(&c2s, 16, nonce, auth, pkt, 16, pkt + pos + 24, NULL);
    return pos + 40;
}

static void test_server_nts(void)
{
    struct ntsck_raw raw;
    struct ntsck_set set;
    make_raw(&raw, 2, 3);
    ntsck_expand(&raw, &set);
    struct srv_auth auth = {.cookies = &set, .random = test_random};
    struct rst_state st = {.synced = true, .stratum = 1, .precision = -20,
                           .refid = RST_REFID_GPS, .ref_time_ns = RX_NS - 1000000000LL,
                           .root_disp_s = 1e-5, .disp_rate = RST_MIN_DISP_RATE};
    uint8_t c2s[32], s2c[32], nonce[16], cookie[NTS_COOKIE_LEN], uid[32];
    memset(c2s, 0x11, 32);
    memset(s2c, 0x22, 32);
    memset(nonce, 3, 16);
    memset(uid, 0x75, 32);
    CHECK(ntsck_seal(&set, nonce, c2s, s2c, cookie));
    for (int ph = 0; ph <= 9; ph++) {
        uint8_t req[1200], out[1200];
        size_t len = client_request(req, cookie, ph, c2s, uid);
        struct srv_seal seal;
        enum srv_drop why;
        size_t n = srv_handle_auth(&st, &auth, req, len, RX_NS, out, sizeof(out), &seal, &why);
        CHECK(n > 48 && n <= len);
        CHECK_INT(seal.authn, SRV_AUTHN_NTS);
        srv_set_tx(out, RX_NS + 5000);
        srv_seal(&seal, out, n);
        struct ntsef_req r;
        /* The reply parses like a request but has no cookie: check by hand. */
        CHECK(memcmp(out + 48, req + 48, 36) == 0); /* the unique identifier, echoed */
        size_t a = 48 + 36;
        CHECK(out[a] == 0x04 && out[a + 1] == 0x04);
        size_t nl = (size_t)out[a + 4] << 8 | out[a + 5], cl = (size_t)out[a + 6] << 8 | out[a + 7];
        CHECK_INT(nl, 16);
        int want = ph + 1 > NTS_MAX_COOKIES ? NTS_MAX_COOKIES : ph + 1;
        CHECK_INT(cl, 16 + (size_t)want * (4 + NTS_COOKIE_LEN));
        struct siv_cmac_aes128_ctx s2c_ctx;
        siv_cmac_aes128_set_key(&s2c_ctx, s2c);
        uint8_t plain[1200];
        CHECK(siv_cmac_aes128_decrypt_message(&s2c_ctx, 16, out + a + 8, a, out, cl - 16, plain,
                                              out + a + 24));
        for (int i = 0; i < want; i++) {
            const uint8_t *p = plain + (size_t)i * (4 + NTS_COOKIE_LEN);
            uint8_t x[32], y[32];
            CHECK(p[0] == 0x02 && p[1] == 0x04);
            CHECK(ntsck_open(&set, p + 4, NTS_COOKIE_LEN, x, y));
            CHECK(memcmp(x, c2s, 32) == 0 && memcmp(y, s2c, 32) == 0);
        }
        (void)r;
        /* A flipped byte in the authenticated part: NTSN. */
        req[20] ^= 1;
        n = srv_handle_auth(&st, &auth, req, len, RX_NS, out, sizeof(out), &seal, &why);
        CHECK_INT(seal.authn, SRV_AUTHN_NTS_NAK);
        CHECK(n == 48 + 36 && memcmp(out + 12, "NTSN", 4) == 0 && out[1] == 0);
        req[20] ^= 1;
    }
    /* A cookie of another server key: NTSN. */
    uint8_t req[1200], out[1200], bad[NTS_COOKIE_LEN];
    memcpy(bad, cookie, sizeof(bad));
    bad[0] ^= 0x80;
    size_t len = client_request(req, bad, 1, c2s, uid);
    struct srv_seal seal;
    enum srv_drop why;
    CHECK(srv_handle_auth(&st, &auth, req, len, RX_NS, out, sizeof(out), &seal, &why) == 84);
    CHECK_INT(seal.authn, SRV_AUTHN_NTS_NAK);
    /* NTS off: the same request is an ordinary one (fields ignored), answered in 48 bytes. */
    len = client_request(req, cookie, 1, c2s, uid);
    CHECK_INT(srv_handle_auth(&st, NULL, req, len, RX_NS, out, sizeof(out), &seal, &why), 48);
    /* Malformed NTS requests: dropped. No authenticator; two cookies; a short UID. */
    len = 48;
    len += add_ef(req + len, NTS_EF_UID, uid, 32);
    len += add_ef(req + len, NTS_EF_COOKIE, cookie, NTS_COOKIE_LEN);
    CHECK_INT(srv_handle_auth(&st, &auth, req, len, RX_NS, out, sizeof(out), &seal, &why), 0);
    CHECK_INT(why, SRV_DROP_SHORT);
    struct ntsef_req r;
    CHECK_INT(ntsef_parse(req, len, &r), NTSEF_BAD);
    len += add_ef(req + len, NTS_EF_COOKIE, cookie, NTS_COOKIE_LEN);
    len += add_ef(req + len, NTS_EF_AUTH, NULL, 36);
    CHECK_INT(ntsef_parse(req, len, &r), NTSEF_BAD);
    len = 48;
    len += add_ef(req + len, NTS_EF_UID, uid, 16);
    len += add_ef(req + len, NTS_EF_COOKIE, cookie, NTS_COOKIE_LEN);
    len += add_ef(req + len, NTS_EF_AUTH, NULL, 36);
    CHECK_INT(ntsef_parse(req, len, &r), NTSEF_BAD);
    /* Only a unique identifier: not NTS at all. */
    len = 48 + add_ef(req + 48, NTS_EF_UID, uid, 32);
    CHECK_INT(ntsef_parse(req, len, &r), NTSEF_NONE);
}

static void test_ke_proto(void)
{
    struct ntske_req r;
    uint16_t code;
    static const uint8_t good[] = {0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 4, 0, 17, 0, 15, 0x80, 0, 0, 0};
    for (size_t cut = 0; cut < sizeof(good); cut++) {
        CHECK_INT(ntske_parse_request(good, cut, &r), NTSKE_NEED_MORE);
    }
    CHECK_INT(ntske_parse_request(good, sizeof(good), &r), NTSKE_COMPLETE);
    CHECK_INT(ntske_decide(&r, &code), NTSKE_ANSWER_COOKIES);
    static const struct {
        const char *legend;
        uint8_t bytes[32];
        size_t len;
        enum ntske_answer answer;
        uint16_t code;
    } cases[] = {
        {"no next protocol", {0x80, 4, 0, 2, 0, 15, 0x80, 0, 0, 0}, 10, NTSKE_ANSWER_ERROR, 1},
        {"next protocol not critical", {0, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 15, 0x80, 0, 0, 0}, 16,
         NTSKE_ANSWER_ERROR, 1},
        {"no NTPv4", {0x80, 1, 0, 2, 0, 9, 0x80, 4, 0, 2, 0, 15, 0x80, 0, 0, 0}, 16,
         NTSKE_ANSWER_NO_PROTOCOL, 0},
        {"no AEAD of ours", {0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 30, 0x80, 0, 0, 0}, 16,
         NTSKE_ANSWER_NO_AEAD, 0},
        {"no AEAD record", {0x80, 1, 0, 2, 0, 0, 0x80, 0, 0, 0}, 10, NTSKE_ANSWER_ERROR, 1},
        {"unknown critical", {0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 15, 0x80, 99, 0, 0, 0x80, 0, 0, 0},
         20, NTSKE_ANSWER_ERROR, 0},
        {"unknown non-critical", {0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 15, 0, 99, 0, 1, 5, 0x80, 0, 0, 0},
         21, NTSKE_ANSWER_COOKIES, 0},
        {"client error record", {0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 15, 0x80, 2, 0, 2, 0, 1, 0x80, 0, 0, 0},
         22, NTSKE_ANSWER_ERROR, 1},
        {"odd list", {0x80, 1, 0, 3, 0, 0, 0, 0x80, 4, 0, 2, 0, 15, 0x80, 0, 0, 0}, 17,
         NTSKE_ANSWER_ERROR, 1},
        {"port asked", {0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 15, 0, 7, 0, 2, 0, 123, 0x80, 0, 0, 0}, 22,
         NTSKE_ANSWER_COOKIES, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum ntske_parse p = ntske_parse_request(cases[i].bytes, cases[i].len, &r);
        enum ntske_answer a = ntske_decide(&r, &code);
        if (p != NTSKE_COMPLETE || a != cases[i].answer || code != cases[i].code) {
            fprintf(stderr, "KE case '%s': parse %d answer %d code %u\n", cases[i].legend, p, a,
                    code);
        }
        CHECK(p == NTSKE_COMPLETE && a == cases[i].answer && code == cases[i].code);
    }
    /* A response with cookies and a port record; an error response. */
    uint8_t cookies[8][NTS_COOKIE_LEN], out[2048];
    memset(cookies, 0xcc, sizeof(cookies));
    size_t n = ntske_build_response(NTSKE_ANSWER_COOKIES, 0, 4123, false, &cookies[0][0], 8,
                                    NTS_COOKIE_LEN, out, sizeof(out));
    CHECK_INT(n, 6 + 6 + 6 + 8 * (4 + NTS_COOKIE_LEN) + 4);
    CHECK(out[12] == 0x80 && out[13] == 7 && out[16] == 4123 >> 8);
    CHECK(out[n - 4] == 0x80 && out[n - 3] == 0);
    n = ntske_build_response(NTSKE_ANSWER_COOKIES, 0, 123, false, &cookies[0][0], 8,
                             NTS_COOKIE_LEN, out, sizeof(out));
    CHECK_INT(n, 6 + 6 + 8 * (4 + NTS_COOKIE_LEN) + 4); /* no port record for 123 */
    n = ntske_build_response(NTSKE_ANSWER_ERROR, 1, 123, false, NULL, 0, 0, out, sizeof(out));
    CHECK(n == 10 && out[0] == 0x80 && out[1] == 2 && out[5] == 1);
    CHECK_INT(ntske_build_response(NTSKE_ANSWER_COOKIES, 0, 123, false, &cookies[0][0], 8,
                                   NTS_COOKIE_LEN, out, 100), 0);
}

static void test_key_file(void)
{
    struct ntsck_raw raw, back;
    make_raw(&raw, 3, 9);
    char text[1024];
    size_t n = ntsk_format(&raw, text, sizeof(text));
    CHECK(n > 0 && n < sizeof(text));
    CHECK(ntsk_parse(text, &back));
    CHECK_INT(back.n, 3);
    CHECK(memcmp(back.key, raw.key, sizeof(raw.key)) == 0 && back.id[2] == raw.id[2] &&
          back.created_s[1] == raw.created_s[1]);
    CHECK(!ntsk_parse("garbage\n", &back));
    text[30] = 'z';
    CHECK(!ntsk_parse(text, &back) || memcmp(back.key, raw.key, sizeof(raw.key)) != 0);
    CHECK(!ntsk_parse("gpsntpd-ntskeys 1\n", &back)); /* no key */
    CHECK_INT(ntsk_format(&raw, text, 40), 0);
}

/* Rotation and persistence: a rotation adds a key in front and keeps the old ones (cookies of
 * the old key still open), the file is 0600 and a restart reads the same keys back. */
static void test_rotation(void)
{
    char dir[] = "/tmp/test_nts.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    int64_t now = 1790000000;
    CHECK_INT(ntsk_init(dir, 3600, now), 0);
    struct ntsk_cache cache = {0};
    const struct ntsck_set *set = ntsk_get(&cache);
    CHECK(set != NULL && set->n == 1);
    uint8_t k[32], nonce[16] = {0}, cookie[NTS_COOKIE_LEN], a[32], b[32];
    memset(k, 0x12, sizeof(k));
    CHECK(ntsck_seal(set, nonce, k, k, cookie));
    CHECK(!ntsk_rotate_if_due(now + 3599));
    CHECK_INT(ntsk_next_rotation_s(now + 3599), 1);
    for (int i = 1; i <= NTSCK_MAX_KEYS + 1; i++) {
        CHECK(ntsk_rotate_if_due(now + 3600 * i));
        set = ntsk_get(&cache);
        CHECK_INT(set->n, i + 1 < NTSCK_MAX_KEYS ? i + 1 : NTSCK_MAX_KEYS);
        /* The first cookie lives while its key is among the kept ones. */
        CHECK_INT(ntsck_open(set, cookie, sizeof(cookie), a, b), i < NTSCK_MAX_KEYS);
    }
    char path[64];
    snprintf(path, sizeof(path), "%s/%s", dir, NTSK_FILE);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    uint32_t newest = set->keys[0].id;
    /* A restart within the rotation period: the same keys. */
    CHECK_INT(ntsk_init(dir, 3600, now + 3600 * (NTSCK_MAX_KEYS + 1) + 10), 0);
    set = ntsk_get(&cache);
    CHECK(set->n == NTSCK_MAX_KEYS && set->keys[0].id == newest);
    /* A damaged file: new keys, no crash. */
    FILE *f = fopen(path, "w");
    fputs("gpsntpd-ntskeys 1\nnonsense\n", f);
    fclose(f);
    CHECK_INT(ntsk_init(dir, 3600, now), 0);
    set = ntsk_get(&cache);
    CHECK(set->n == 1 && set->keys[0].id != newest);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    test_cookies();
    test_server_nts();
    test_ke_proto();
    test_key_file();
    test_rotation();
    return check_result();
}
