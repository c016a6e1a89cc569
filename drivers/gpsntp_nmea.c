/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gpsntp-nmea: shows from outside how gpsntpd's NMEA framer, parser and cycle assembler read
 * a capture. One JSON object per line: per time-bearing sentence, per rejected sentence-like
 * line, or (--cycles) per fix cycle. Lines starting with '#' are comments (gpsd's capture
 * headers) and are skipped. The code path is the driver's; only the timestamps differ: here
 * a sentence's "receive time" is its line number.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/ntime.h"
#include "drivers/nmea_frame.h"
#include "drivers/nmea_parse.h"

static const char usage[] =
    "usage: gpsntp-nmea [--cycles] [--pivot YYYY-MM-DD] [FILE]\n"
    "Reads NMEA 0183 from FILE (or stdin) and prints one JSON object per line:\n"
    "  {\"line\":N,\"sentence\":\"GNRMC\",\"utc\":\"2023-12-01T11:57:48.000Z\",\"valid\":true}\n"
    "    for each sentence carrying a time (utc null while no date is known; valid: the\n"
    "    sentence reports a fix, or for ZDA, which cannot, the receiver's last report did);\n"
    "  {\"line\":N,\"error\":\"checksum\"} (or \"format\", \"length\") for each rejected line.\n"
    "--cycles prints one object per fix cycle instead:\n"
    "  {\"utc\":...,\"valid\":...,\"sentences\":[...]}, valid meaning gpsntpd takes a sample.\n"
    "--pivot sets the GPS week-rollover and century pivot (default: the build date, " GN_BUILD_DATE
    ").\nLines starting with '#' are skipped. Line numbers count LF.\n";

struct tool {
    bool cycles;
    struct nmea_cycle cycle;
};

static void print_utc(bool has, int64_t t_ns, bool leap_second)
{
    if (!has) {
        fputs("\"utc\":null", stdout);
        return;
    }
    char buf[40];
    /* 23:59:60 is the next day's 00:00:00 in POSIX time: print the second the receiver
     * named. */
    if (nt_format_iso_ms(leap_second ? t_ns - NT_NS_PER_S : t_ns, buf, sizeof(buf)) < 0) {
        fputs("\"utc\":null", stdout);
        return;
    }
    if (leap_second) {
        buf[17] = '6';
        buf[18] = '0';
    }
    printf("\"utc\":\"%s\"", buf);
}

static void print_fix(const struct nmea_fix *f)
{
    putchar('{');
    print_utc(f->has_utc, f->utc_ns, f->leap_second);
    printf(",\"valid\":%s,\"sentences\":[", nmea_fix_is_sample(f) ? "true" : "false");
    for (int i = 0; i < f->n_sentences; i++) {
        printf("%s\"%s\"", i ? "," : "", f->sentences[i]);
    }
    puts("]}");
}

static void on_frame(struct tool *t, const struct nmea_frame *fr)
{
    long line = (long)fr->rx_ns;
    if (fr->status != NMEA_FRAME_OK) {
        if (!t->cycles) {
            printf("{\"line\":%ld,\"error\":\"%s\"}\n", line, nmea_frame_status_name(fr->status));
        }
        return;
    }
    struct nmea_sentence s;
    enum nmea_result r = nmea_parse_sentence(fr->text, fr->len, &s);
    if (r == NMEA_ERR_FORMAT && !t->cycles) {
        printf("{\"line\":%ld,\"error\":\"format\"}\n", line);
    }
    if (r != NMEA_OK) {
        return;
    }
    struct nmea_fix fix[NMEA_CYCLE_MAX_OUT];
    int n = nmea_cycle_feed(&t->cycle, &s, fr->rx_ns, fix);
    if (t->cycles) {
        for (int i = 0; i < n; i++) {
            print_fix(&fix[i]);
        }
        return;
    }
    if (!s.has_time) {
        return;
    }
    int64_t utc = 0;
    bool has = nmea_cycle_sentence_utc(&t->cycle, &s, &utc);
    enum nmea_validity v = s.valid != NMEA_VALID_UNKNOWN ? s.valid : t->cycle.fix_state;
    printf("{\"line\":%ld,\"sentence\":\"%s\",", line, s.address);
    print_utc(has, utc, s.sec == 60);
    printf(",\"valid\":%s}\n", v == NMEA_VALID_YES ? "true" : "false");
}

int main(int argc, char **argv)
{
    struct tool t = {0};
    int64_t pivot_ns = 0;
    if (!nt_parse_date(GN_BUILD_DATE, &pivot_ns)) {
        pivot_ns = 0;
    }
    static const struct option opts[] = {{"cycles", no_argument, NULL, 'c'},
                                         {"pivot", required_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'c': t.cycles = true; break;
        case 'p':
            if (!nt_parse_date(optarg, &pivot_ns)) {
                fprintf(stderr, "gpsntp-nmea: --pivot: '%s' is not a date YYYY-MM-DD\n", optarg);
                return 2;
            }
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (argc - optind > 1) {
        fputs(usage, stderr);
        return 2;
    }
    FILE *in = stdin;
    if (optind < argc) {
        in = fopen(argv[optind], "rb");
        if (in == NULL) {
            perror(argv[optind]);
            return 1;
        }
    }
    nmea_cycle_init(&t.cycle, pivot_ns);
    struct nmea_framer fr;
    nmea_frame_init(&fr);
    struct nmea_frame f;
    char buf[4096];
    long line = 1;
    bool line_start = true, comment = false;
    /* Read in blocks; split at LF so that each byte is fed with its own line number. */
    size_t got;
    while ((got = fread(buf, 1, sizeof(buf), in)) > 0) {
        const char *p = buf;
        size_t left = got;
        while (left > 0) {
            const char *lf = memchr(p, '\n', left);
            size_t seg = lf != NULL ? (size_t)(lf - p) + 1 : left;
            if (line_start) {
                comment = p[0] == '#';
            }
            if (!comment) {
                const uint8_t *d = (const uint8_t *)p;
                size_t n = seg;
                while (nmea_frame_next(&fr, &d, &n, line, &f)) {
                    on_frame(&t, &f);
                }
            }
            p += seg;
            left -= seg;
            line_start = lf != NULL;
            if (lf != NULL) {
                line++;
            }
        }
    }
    if (ferror(in)) {
        perror(optind < argc ? argv[optind] : "stdin");
        return 1;
    }
    if (nmea_frame_flush(&fr, &f)) {
        on_frame(&t, &f);
    }
    struct nmea_fix fix;
    if (t.cycles && nmea_cycle_flush(&t.cycle, &fix)) {
        print_fix(&fix);
    }
    if (in != stdin) {
        fclose(in);
    }
    return 0;
}
