/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_nmea_frame: the byte framer against a table of inputs (legend, bytes, the frames that
 * must come out), each fed whole, byte by byte and in random chunks with the same result,
 * and the receive timestamp checked to be that of the chunk holding the start character.
 * In the inputs, "*??" stands for the correct checksum of the sentence it ends and "*!!" for
 * the same in lowercase hex; any other "*hh" is taken literally.
 */
#include <string.h>

#include "check.h"
#include "drivers/nmea_frame.h"

struct fcase {
    const char *legend;
    const char *in;  /* C string; NULs are written as \x01 and replaced (see expand) */
    const char *out; /* one "status:text" per frame, each followed by '\n' */
};

#define RMC "GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W"
#define GGA "GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"

static const struct fcase cases[] = {
    {"good, CR LF", "$" RMC "*??\r\n", "ok:" RMC "\n"},
    {"good, LF only", "$" RMC "*??\n", "ok:" RMC "\n"},
    {"good, CR only", "$" RMC "*??\r", "ok:" RMC "\n"},
    {"good, CR CR LF (Telit PLS83-W)", "$" RMC "*??\r\r\n$" GGA "*??\r\r\n",
     "ok:" RMC "\nok:" GGA "\n"},
    {"lowercase checksum hex (Magellan EC-10X)", "$" RMC "*!!\r\n", "ok:" RMC "\n"},
    {"wrong checksum", "$GPGGA,1*00\r\n", "checksum:GPGGA,1*00\n"},
    {"missing checksum (HP 58534A)", "$GPZDA,201530.00,04,07,2002,00,00\r\n",
     "checksum:GPZDA,201530.00,04,07,2002,00,00\n"},
    {"one checksum digit", "$GPGGA,1*4\r\n", "checksum:GPGGA,1*4\n"},
    {"non-hex checksum", "$GPGGA,1*ZZ\r\n", "checksum:GPGGA,1*ZZ\n"},
    {"banner without checksum, then a good one (Venus634LP)",
     "$SkyTraq,Venus6\r\n$" GGA "*??\r\n", "checksum:SkyTraq,Venus6\nok:" GGA "\n"},
    {"garbage and NULs before", "xyz\x01\x01\xff\xfe $" GGA "*??\r\n", "ok:" GGA "\n"},
    {"NULs cut a sentence short (GPS-320FW)",
     "$GPRMC,000346.03,A,4808\x01\x01\x01\x01      \r\n$" GGA "*??\r\n",
     "format:GPRMC,000346.03,A,4808\nok:" GGA "\n"},
    {"doubled $ (ST Teseo-LIV4F)", "$$" RMC "*??\r\n$$" GGA "*??\r\n",
     "ok:" RMC "\nok:" GGA "\n"},
    {"glued after a complete checksum", "$GPGSA,A,1,,,,,,,,,,,,,,,*??$" RMC "*??\r\n",
     "ok:GPGSA,A,1,,,,,,,,,,,,,,,\nok:" RMC "\n"},
    {"truncated, glued to the next (Triton 400)", "$GPGGA,030130$" GGA "*??\r\n",
     "format:GPGGA,030130\nok:" GGA "\n"},
    {"packet collision: a sentence inside another (isync)",
     "$GPGSV,3,1,11$PTNTA,1*??\r\n,08,75,303,44*75\r\n$" GGA "*??\r\n",
     "format:GPGSV,3,1,11\nok:PTNTA,1\nok:" GGA "\n"},
    {"text glued after a checksum", "$PTNTA,1*??,08,75\r\n", "checksum:PTNTA,1*42,08,75\n"},
    {"binary burst (UBX) with stray '$' bytes", "\xb5\x62\x01\x07$\x80\x02$\x01\xff!\x03$" RMC
                                                "*??\r\n",
     "ok:" RMC "\n"},
    {"binary after a complete sentence, no line end", "$" GGA "*??\x01\xb5\x62$" RMC "*??\n",
     "ok:" GGA "\nok:" RMC "\n"},
    {"high-bit byte inside", "$GPGGA,12\xe9" "3519*00\r\n$" GGA "*??\n",
     "format:GPGGA,12\nok:" GGA "\n"},
    {"comment lines are noise", "# Date: 2017-1-9\r\n#\r\n$" GGA "*??\r\n", "ok:" GGA "\n"},
    {"blank lines and spaces", "\r\n\r\n  \n$" GGA "*??\r\n\n", "ok:" GGA "\n"},
    {"trailing blanks after the checksum", "$" GGA "*??  \r\n", "ok:" GGA "\n"},
    {"leading blank before '$' (beidou-bd)", " $" GGA "*??\r\n", "ok:" GGA "\n"},
    {"AIS encapsulation '!'", "!AIVDM,1,1,,B,15M67FC000G?ufbE`FepT@3n00Sa,0*??\r\n",
     "ok:AIVDM,1,1,,B,15M67FC000G?ufbE`FepT@3n00Sa,0\n"},
    {"not sentence-like: silent", "$\r\n$a\r\n$1x\r\n$A\r\n", ""},
    {"gpsd JSON line is noise", "{\"class\":\"TPV\",\"mode\":3}\r\n$" GGA "*??\r\n",
     "ok:" GGA "\n"},
    {"empty fields sentence", "$GPRMC,,V,,,,,,,,,,N*??\r\n", "ok:GPRMC,,V,,,,,,,,,,N\n"},
};

/* Expand "*??" / "*!!" into the checksum of the text since the last start character, and
 * \x01 into NUL. Returns the length. */
static size_t expand(const char *in, uint8_t *out, size_t cap)
{
    size_t n = 0, start = 0;
    for (const char *p = in; *p != '\0' && n + 3 < cap; p++) {
        if ((*p == '$' || *p == '!') && !(p[1] == '\0')) {
            start = n + 1;
        }
        if (*p == '*' && (strncmp(p + 1, "??", 2) == 0 || strncmp(p + 1, "!!", 2) == 0)) {
            uint8_t sum = 0;
            for (size_t i = start; i < n; i++) {
                sum ^= out[i];
            }
            const char *hex = p[1] == '?' ? "0123456789ABCDEF" : "0123456789abcdef";
            out[n++] = '*';
            out[n++] = (uint8_t)hex[sum >> 4];
            out[n++] = (uint8_t)hex[sum & 15];
            p += 2;
            continue;
        }
        out[n++] = *p == '\x01' ? 0 : (uint8_t)*p;
    }
    return n;
}

struct result {
    char text[4096];
    int64_t rx[64];
    int n;
};

static void add(struct result *r, const struct nmea_frame *f)
{
    size_t used = strlen(r->text);
    snprintf(r->text + used, sizeof(r->text) - used, "%s:%s\n", nmea_frame_status_name(f->status),
             f->text);
    if (r->n < 64) {
        r->rx[r->n++] = f->rx_ns;
    }
}

/* Feed in chunks whose sizes come from sizes[] (cycled); rx of a chunk = its first offset. */
static void run(const uint8_t *in, size_t len, const size_t *sizes, size_t n_sizes,
                struct result *r)
{
    memset(r, 0, sizeof(*r));
    struct nmea_framer fr;
    nmea_frame_init(&fr);
    struct nmea_frame f;
    size_t off = 0, k = 0;
    while (off < len) {
        size_t sz = sizes[k++ % n_sizes];
        if (sz > len - off) {
            sz = len - off;
        }
        const uint8_t *d = in + off;
        size_t left = sz;
        while (nmea_frame_next(&fr, &d, &left, (int64_t)off, &f)) {
            CHECK(f.len <= NMEA_FRAME_MAX);
            CHECK(strlen(f.text) == f.len);
            add(r, &f);
        }
        CHECK(left == 0);
        off += sz;
    }
    if (nmea_frame_flush(&fr, &f)) {
        add(r, &f);
    }
}

static void test_table(unsigned seed)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct fcase *c = &cases[i];
        uint8_t in[2048];
        size_t len = expand(c->in, in, sizeof(in));
        struct result whole, bytes, chunks;
        size_t all = len, one = 1;
        run(in, len, &all, 1, &whole);
        if (strcmp(whole.text, c->out) != 0) {
            printf("case '%s':\n got:\n%s want:\n%s", c->legend, whole.text, c->out);
        }
        CHECK(strcmp(whole.text, c->out) == 0);
        /* Byte by byte: the stamp is exactly the offset of the start character. */
        run(in, len, &one, 1, &bytes);
        CHECK(strcmp(bytes.text, c->out) == 0);
        for (int j = 0; j < bytes.n; j++) {
            int64_t at = bytes.rx[j];
            CHECK(at >= 0 && (size_t)at < len && (in[at] == '$' || in[at] == '!'));
        }
        /* Random chunks: same frames; each stamp is the start of the chunk that held the
         * start character found byte by byte. */
        srand(seed + (unsigned)i);
        for (int rep = 0; rep < 20; rep++) {
            size_t sizes[16];
            for (int s = 0; s < 16; s++) {
                sizes[s] = 1 + (size_t)rand() % 40;
            }
            run(in, len, sizes, 16, &chunks);
            CHECK(strcmp(chunks.text, c->out) == 0);
            CHECK_INT(chunks.n, bytes.n);
            for (int j = 0; j < bytes.n && j < chunks.n; j++) {
                size_t off = 0, k = 0, start = 0;
                while (off <= (size_t)bytes.rx[j]) {
                    start = off;
                    off += sizes[k++ % 16];
                }
                CHECK_INT(chunks.rx[j], start);
            }
        }
    }
}

/* The length limit: NMEA_FRAME_MAX characters from '$' through "*hh" pass, one more is a
 * length error, and the next sentence is not lost. */
static void test_length(void)
{
    for (int extra = 0; extra <= 1; extra++) {
        char body[NMEA_FRAME_MAX + 8];
        size_t blen = NMEA_FRAME_MAX - 4 + (size_t)extra; /* '$' + body + "*hh" */
        memcpy(body, "GPTXT,", 6);
        memset(body + 6, 'x', blen - 6);
        body[blen] = '\0';
        char in[NMEA_FRAME_MAX * 2 + 64];
        snprintf(in, sizeof(in), "$%s*??\r\n$" GGA "*??\r\n", body);
        uint8_t raw[sizeof(in) + 8];
        size_t len = expand(in, raw, sizeof(raw));
        struct result r;
        size_t all = len;
        run(raw, len, &all, 1, &r);
        CHECK_INT(r.n, 2);
        CHECK(strncmp(r.text, extra ? "length:GPTXT," : "ok:GPTXT,", extra ? 13 : 9) == 0);
        CHECK(strstr(r.text, "ok:" GGA "\n") != NULL);
    }
    /* An endless printable line (a lost line end) is reported once, then skipped. */
    uint8_t in[4096];
    memset(in, 'A', sizeof(in));
    in[0] = '$';
    struct result r;
    size_t all = sizeof(in);
    run(in, sizeof(in), &all, 1, &r);
    CHECK_INT(r.n, 1);
    CHECK(strncmp(r.text, "length:", 7) == 0);
}

/* End of input: a complete sentence without its line end still counts, a partial one is a
 * format error (ublox-8: incomplete last line). */
static void test_flush(void)
{
    uint8_t in[256];
    size_t len = expand("$" GGA "*??", in, sizeof(in));
    struct result r;
    run(in, len, &len, 1, &r);
    CHECK(strcmp(r.text, "ok:" GGA "\n") == 0);
    len = expand("$GPGSV,4,3,16,22,08,1", in, sizeof(in));
    run(in, len, &len, 1, &r);
    CHECK(strcmp(r.text, "format:GPGSV,4,3,16,22,08,1\n") == 0);
    struct nmea_framer fr;
    nmea_frame_init(&fr);
    struct nmea_frame f;
    CHECK(!nmea_frame_flush(&fr, &f));
}

/* The timestamp belongs to the chunk that held '$', not to the one that completed the line;
 * with "$$" it is the second '$' (where the sentence really starts). */
static void test_timestamp(void)
{
    struct nmea_framer fr;
    nmea_frame_init(&fr);
    struct nmea_frame f;
    uint8_t full[256];
    size_t len = expand("$" GGA "*??\r\n", full, sizeof(full));
    const uint8_t *d = full;
    size_t n = 7;
    CHECK(!nmea_frame_next(&fr, &d, &n, 1000, &f));
    d = full + 7;
    n = len - 7;
    CHECK(nmea_frame_next(&fr, &d, &n, 2000, &f));
    CHECK_INT(f.rx_ns, 1000);
    CHECK_INT(f.status, NMEA_FRAME_OK);
    CHECK(f.start == '$');

    nmea_frame_init(&fr);
    d = (const uint8_t *)"$";
    n = 1;
    CHECK(!nmea_frame_next(&fr, &d, &n, 5, &f));
    d = full;
    n = len;
    CHECK(nmea_frame_next(&fr, &d, &n, 6, &f));
    CHECK_INT(f.rx_ns, 6);
    CHECK_INT(n, 1); /* the CR completed it; the LF is left for the next call */
    CHECK(!nmea_frame_next(&fr, &d, &n, 7, &f));
    CHECK_INT(n, 0);
}

static void test_names(void)
{
    CHECK(strcmp(nmea_frame_status_name(NMEA_FRAME_OK), "ok") == 0);
    CHECK(strcmp(nmea_frame_status_name(NMEA_FRAME_CHECKSUM), "checksum") == 0);
    CHECK(strcmp(nmea_frame_status_name(NMEA_FRAME_FORMAT), "format") == 0);
    CHECK(strcmp(nmea_frame_status_name(NMEA_FRAME_LENGTH), "length") == 0);
}

int main(void)
{
    unsigned seed = check_seed(20240601);
    test_table(seed);
    test_length();
    test_flush();
    test_timestamp();
    test_names();
    return check_result();
}
