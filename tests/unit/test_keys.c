/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests of the symmetric keys: the key-file parser (every type, HEX/ASCII/bare, errors with
 * their line), the permission check, AES-CMAC against RFC 4493's vectors, and the server
 * core's MAC path (a verified MAC is answered with a MAC under the same key over the reply;
 * an unknown key or a bad MAC gets a crypto-NAK; the reply is never longer than the request).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "common/keys.h"
#include "server/srv.h"

static int parse(const char *text, struct keytab *t, char *err, size_t cap)
{
    FILE *f = fmemopen(err, cap, "w");
    int n = keytab_parse(text, strlen(text), "keys", t, f);
    fclose(f);
    return n;
}

static void unhex(const char *h, uint8_t *out)
{
    for (size_t i = 0; h[2 * i] != '\0'; i++) {
        unsigned b;
        sscanf(h + 2 * i, "%2x", &b);
        out[i] = (uint8_t)b;
    }
}

static void test_parse(void)
{
    struct keytab t;
    char err[2048] = "";
    const char *good = "# comment\n"
                       "1 MD5 HEX:0102030405060708\n"
                       "2 SHA1 ASCII:secret\n"
                       "\n"
                       "3 bare\n"
                       "10 AES128 HEX:2b7e151628aed2a6abf7158809cf4f3c\n"
                       "11 aes256 HEX:603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4\n"
                       "4294967295 SHA256 ASCII:x\n"
                       "  ; another comment\n";
    CHECK_INT(parse(good, &t, err, sizeof(err)), 0);
    CHECK_INT(t.n, 6);
    CHECK(keytab_find(&t, 1) != NULL && keytab_find(&t, 1)->type == KEY_MD5);
    CHECK(keytab_find(&t, 1)->mac_len == 16);
    CHECK(keytab_find(&t, 2)->type == KEY_SHA1 && keytab_find(&t, 2)->mac_len == 20);
    CHECK(keytab_find(&t, 3)->type == KEY_MD5); /* chrony's default type */
    CHECK(keytab_find(&t, 10)->type == KEY_AES128 && keytab_find(&t, 10)->mac_len == 16);
    CHECK(keytab_find(&t, 11)->type == KEY_AES256);
    CHECK(keytab_find(&t, 4294967295u)->mac_len == 20); /* SHA-256 truncated to 20 */
    CHECK(keytab_find(&t, 5) == NULL);
    keytab_free(&t);

    static const struct {
        const char *legend, *text, *msg;
    } bad[] = {
        {"key ID 0", "0 MD5 HEX:00\n", "keys:1: key ID '0'"},
        {"ID not a number", "x MD5 HEX:00\n", "keys:1: key ID 'x'"},
        {"ID too big", "4294967296 MD5 HEX:00\n", "keys:1: key ID"},
        {"unknown type", "\n1 RC4 HEX:00\n", "keys:2: key 1: unknown type 'RC4'"},
        {"odd hex", "1 MD5 HEX:123\n", "keys:1: key: HEX: needs an even"},
        {"bad hex", "1 MD5 HEX:zz\n", "keys:1: key: 'zz' is not a hex byte"},
        {"AES128 short", "1 AES128 HEX:0011\n", "keys:1: key 1: AES128 needs a 16-byte key"},
        {"AES256 wrong", "1 AES256 ASCII:0123456789abcdef\n", "AES256 needs a 32-byte key"},
        {"too many words", "1 MD5 a b\n", "keys:1: expected 'ID [TYPE] KEY'"},
        {"one word", "1\n", "keys:1: expected"},
        {"duplicate", "5 MD5 a\n6 MD5 b\n5 SHA1 c\n", "keys:3: key ID 5 is already defined on line 1"},
        {"empty ASCII", "1 MD5 ASCII:\n", "keys:1: key: empty"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(err, 0, sizeof(err));
        int n = parse(bad[i].text, &t, err, sizeof(err));
        if (n == 0 || strstr(err, bad[i].msg) == NULL) {
            fprintf(stderr, "case '%s': %d errors, message '%s'\n", bad[i].legend, n, err);
        }
        CHECK(n > 0 && strstr(err, bad[i].msg) != NULL);
        CHECK(t.keys == NULL && t.n == 0);
    }
    /* Every error is reported, not only the first. */
    CHECK_INT(parse("0 MD5 a\n1 RC4 b\n2 MD5 HEX:1\n3 MD5 ok\n", &t, err, sizeof(err)), 3);
}

static void test_permissions(void)
{
    char path[] = "/tmp/test_keys.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *text = "1 AES128 HEX:2b7e151628aed2a6abf7158809cf4f3c\n";
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    struct keytab t;
    char err[512];
    FILE *f;
    static const struct {
        mode_t mode;
        bool ok;
    } modes[] = {{0600, true}, {0640, true}, {0400, true}, {0644, false}, {0660, false},
                 {0602, false}, {0604, false}};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        chmod(path, modes[i].mode);
        memset(err, 0, sizeof(err));
        f = fmemopen(err, sizeof(err), "w");
        int n = keytab_load(path, &t, f);
        fclose(f);
        CHECK_INT(n == 0, modes[i].ok);
        if (!modes[i].ok) {
            CHECK(strstr(err, "mode") != NULL && strstr(err, path) != NULL);
        } else {
            CHECK_INT(t.n, 1);
            keytab_free(&t);
        }
    }
    unlink(path);
    f = fmemopen(err, sizeof(err), "w");
    CHECK(keytab_load(path, &t, f) < 0);
    fclose(f);
    CHECK(strstr(err, "cannot open") != NULL);
}

/* RFC 4493 section 4: AES-CMAC with the key 2b7e1516... on the four example messages. */
static void test_cmac_vectors(void)
{
    struct keytab t;
    char err[256];
    CHECK_INT(parse("7 AES128 HEX:2b7e151628aed2a6abf7158809cf4f3c\n", &t, err, sizeof(err)), 0);
    const struct key *k = keytab_find(&t, 7);
    uint8_t msg[64], mac[20], want[16];
    unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
          "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710", msg);
    static const struct {
        size_t len;
        const char *mac;
    } v[] = {{0, "bb1d6929e95937287fa37d129b756746"},
             {16, "070a16b46b4d4144f79bdd9dd04a287c"},
             {40, "dfa66747de9ae63030ca32611497c827"},
             {64, "51f0bebf7e3b9d92fc49741779363cfe"}};
    for (size_t i = 0; i < 4; i++) {
        unhex(v[i].mac, want);
        key_mac(k, msg, v[i].len, mac);
        CHECK(memcmp(mac, want, 16) == 0);
        CHECK(key_verify(k, msg, v[i].len, want, 16));
        want[15] ^= 1;
        CHECK(!key_verify(k, msg, v[i].len, want, 16));
        CHECK(!key_verify(k, msg, v[i].len, want, 20)); /* wrong length */
    }
    /* Twice the same: the key's state is not consumed by a MAC. */
    uint8_t again[16];
    key_mac(k, msg, 64, mac);
    key_mac(k, msg, 64, again);
    CHECK(memcmp(mac, again, 16) == 0);
    keytab_free(&t);
    /* RFC 4493's AES-256 counterpart (NIST SP 800-38B D.3), the 16-byte message. */
    CHECK_INT(parse("8 AES256 HEX:603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4\n",
                    &t, err, sizeof(err)), 0);
    unhex("28a7023f452e8f82bd4bf28d8c37c35c", want);
    key_mac(keytab_find(&t, 8), msg, 16, mac);
    CHECK(memcmp(mac, want, 16) == 0);
    keytab_free(&t);
}

static const int64_t RX_NS = 1790000000LL * 1000000000LL;

static void test_server_mac(void)
{
    struct keytab t;
    char err[256];
    CHECK_INT(parse("1 AES128 HEX:2b7e151628aed2a6abf7158809cf4f3c\n2 SHA1 HEX:00112233\n"
                    "3 MD5 ASCII:pass\n",
                    &t, err, sizeof(err)), 0);
    struct srv_auth auth = {.keys = &t};
    struct rst_state st = {.synced = true, .stratum = 1, .precision = -20,
                           .refid = RST_REFID_GPS, .ref_time_ns = RX_NS - 1000000000LL,
                           .root_disp_s = 1e-5, .disp_rate = RST_MIN_DISP_RATE};
    for (uint32_t id = 1; id <= 3; id++) {
        const struct key *k = keytab_find(&t, id);
        uint8_t req[72] = {0x23}, out[1024];
        memcpy(req + 40, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
        req[48] = 0, req[49] = 0, req[50] = 0, req[51] = (uint8_t)id;
        key_mac(k, req, 48, req + 52);
        size_t len = 52 + k->mac_len;
        struct srv_seal seal;
        enum srv_drop why;
        size_t n = srv_handle_auth(&st, &auth, req, len, RX_NS, out, sizeof(out), &seal, &why);
        CHECK_INT(n, len); /* same key, same MAC length: exactly the request's size */
        CHECK_INT(seal.authn, SRV_AUTHN_MAC);
        srv_set_tx(out, RX_NS + 1000);
        srv_seal(&seal, out, n);
        CHECK(out[48] == 0 && out[51] == id);
        CHECK(key_verify(k, out, 48, out + 52, k->mac_len));
        CHECK(memcmp(out + 24, req + 40, 8) == 0);
        /* A flipped bit anywhere: crypto-NAK, 52 bytes. */
        for (size_t bit = 0; bit < len * 8; bit += 37) {
            uint8_t bad[72];
            memcpy(bad, req, len);
            bad[bit / 8] ^= (uint8_t)(1 << (bit % 8));
            if (bit / 8 == 0 || (bit / 8 >= 48 && bit / 8 < 52)) {
                continue; /* the version/mode or the key ID: other paths */
            }
            n = srv_handle_auth(&st, &auth, bad, len, RX_NS, out, sizeof(out), &seal, &why);
            CHECK_INT(n, 52);
            CHECK_INT(seal.authn, SRV_AUTHN_CRYPTO_NAK);
            CHECK(out[48] == 0 && out[49] == 0 && out[50] == 0 && out[51] == 0);
        }
    }
    /* Unknown key: NAK. No key table at all: NAK, as before keys existed. */
    uint8_t req[68] = {0x23}, out[1024];
    req[51] = 9;
    struct srv_seal seal;
    enum srv_drop why;
    CHECK_INT(srv_handle_auth(&st, &auth, req, 68, RX_NS, out, sizeof(out), &seal, &why), 52);
    CHECK_INT(seal.authn, SRV_AUTHN_CRYPTO_NAK);
    req[51] = 1;
    CHECK_INT(srv_handle_auth(&st, NULL, req, 68, RX_NS, out, sizeof(out), &seal, &why), 52);
    /* A SHA-1 key (20-byte MAC) named by a 16-byte MAC: NAK, never a longer reply. */
    req[51] = 2;
    CHECK_INT(srv_handle_auth(&st, &auth, req, 68, RX_NS, out, sizeof(out), &seal, &why), 52);
    keytab_free(&t);
}

int main(void)
{
    test_parse();
    test_permissions();
    test_cmac_vectors();
    test_server_mac();
    return check_result();
}
