/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gpsntp-nmea: shows from outside how gpsntpd's NMEA framer and parser read a capture. One
 * JSON object per line for each time-bearing sentence, or per rejected sentence-like line,
 * or (--cycles) per fix cycle. Lines starting with '#' are comments (gpsd's capture headers).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/ntime.h"
#include "drivers/nmea_frame.h"
#include "drivers/nmea_parse.h"

struct tool {
    long line;
    bool cycles;
    int64_t pivot_ns;
    struct nmea_cycle cycle;
};

static void print_utc(int64_t t_ns, bool leap_second)
{
    char buf[32];
    /* A leap second prints as :60, the time the receiver named. */
    nt_format_iso_ms(leap_second ? t_ns - NT_NS_PER_S : t_ns, buf, sizeof(buf));
    if (leap_second) {
        buf[17] = '6';
        buf[18] = '0';
    }
    printf("\"utc\":\"%s\"", buf);
}

static void print_fix(const struct nmea_fix *f)
{
    printf("{");
    if (f->utc_ns != 0) {
        print_utc(f->utc_ns, f->leap_second);
    } else {
        printf("\"utc\":null");
    }
    printf(",\"valid\":%s,\"sentences\":[", f->valid ? "true" : "false");
    for (int i = 0; i < f->n_sentences; i++) {
        printf("%s\"%s\"", i ? "," : "", f->sentences[i]);
    }
    printf("]}\n");
}

static void on_frame(const struct nmea_frame *fr, void *arg)
{
    struct tool *t = arg;
    if (fr->status != NMEA_FRAME_OK) {
        if (!t->cycles) {
            printf("{\"line\":%ld,\"error\":\"%s\"}\n", t->line, nmea_frame_status_name(fr->status));
        }
        return;
    }
    struct nmea_sentence s;
    enum nmea_error e = nmea_parse_sentence(fr->text, fr->len, t->pivot_ns, &s);
    if (e == NMEA_ERR_NOT_TIME) {
        return;
    }
    if (e == NMEA_ERR_FORMAT) {
        if (!t->cycles) {
            printf("{\"line\":%ld,\"error\":\"format\"}\n", t->line);
        }
        return;
    }
    struct nmea_fix fix;
    bool done = nmea_cycle_feed(&t->cycle, &s, t->line, &fix);
    if (t->cycles) {
        if (done) {
            print_fix(&fix);
        }
        return;
    }
    /* Per sentence: its own date, else the cycle's (last known) date. */
    int64_t utc;
    if (s.has_date) {
        utc = nmea_rollover_correct(
            nt_from_utc(s.year, s.month, s.day, s.hour, s.min, s.sec, s.frac_ns), t->pivot_ns);
    } else if (t->cycle.has_date || t->cycle.known_date) {
        int y = t->cycle.has_date ? t->cycle.year : t->cycle.last_year;
        int m = t->cycle.has_date ? t->cycle.month : t->cycle.last_month;
        int d = t->cycle.has_date ? t->cycle.day : t->cycle.last_day;
        utc = nmea_rollover_correct(nt_from_utc(y, m, d, s.hour, s.min, s.sec, s.frac_ns),
                                    t->pivot_ns);
    } else {
        utc = 0;
    }
    printf("{\"line\":%ld,\"sentence\":\"%s\",", t->line, s.address);
    if (utc != 0) {
        print_utc(utc, s.sec == 60);
    } else {
        printf("\"utc\":null");
    }
    printf(",\"valid\":%s}\n", s.valid != NMEA_VALID_NO ? "true" : "false");
}

int main(int argc, char **argv)
{
    struct tool t = {0};
    nt_parse_date(GN_BUILD_DATE, &t.pivot_ns);
    static const struct option opts[] = {{"cycles", no_argument, NULL, 'c'},
                                         {"pivot", required_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'c': t.cycles = true; break;
        case 'p':
            if (!nt_parse_date(optarg, &t.pivot_ns)) {
                fprintf(stderr, "gpsntp-nmea: --pivot: '%s' is not a date YYYY-MM-DD\n", optarg);
                return 2;
            }
            break;
        case 'h':
            printf("usage: gpsntp-nmea [--cycles] [--pivot YYYY-MM-DD] [FILE]\n");
            return 0;
        default:
            fprintf(stderr, "usage: gpsntp-nmea [--cycles] [--pivot YYYY-MM-DD] [FILE]\n");
            return 2;
        }
    }
    FILE *in = stdin;
    if (optind < argc) {
        in = fopen(argv[optind], "rb");
        if (in == NULL) {
            perror(argv[optind]);
            return 1;
        }
    }
    nmea_cycle_init(&t.cycle, t.pivot_ns);
    struct nmea_framer fr;
    nmea_framer_init(&fr);
    char line[4096];
    while (fgets(line, sizeof(line), in) != NULL) {
        size_t len = strlen(line);
        bool whole = len > 0 && line[len - 1] == '\n';
        t.line++;
        if (line[0] != '#') {
            nmea_framer_feed(&fr, (const uint8_t *)line, len, t.line, on_frame, &t);
        }
        while (!whole && fgets(line, sizeof(line), in) != NULL) { /* an over-long line */
            len = strlen(line);
            whole = len > 0 && line[len - 1] == '\n';
            nmea_framer_feed(&fr, (const uint8_t *)line, len, t.line, on_frame, &t);
        }
    }
    nmea_framer_feed(&fr, (const uint8_t *)"\n", 1, t.line, on_frame, &t);
    struct nmea_fix fix;
    if (t.cycles && nmea_cycle_flush(&t.cycle, &fix)) {
        print_fix(&fix);
    }
    return 0;
}
