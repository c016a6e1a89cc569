/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nmea_parse: the sentence parser and the fix-cycle assembler (pure, no I/O).
 *
 * nmea_parse_sentence reads one framed sentence (RMC, ZDA, GGA, GNS, GLL from any two-letter
 * talker; NMEA 0183 2.x to 4.11) into fields. The cycle assembler groups the sentences of one
 * fix (same time of day) into one time sample: the date (from RMC or ZDA, or the last one
 * seen), the validity of the fix, and the receive time of the cycle's first time sentence.
 * Dates are resolved against a pivot that does not trust the system clock: two-digit years
 * fall within 50 years of it, and a date more than a day before it is a GPS week-rollover
 * victim, moved forward by 1024 weeks until it is not.
 */
#ifndef GN_NMEA_PARSE_H
#define GN_NMEA_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum nmea_kind { NMEA_OTHER = 0, NMEA_RMC, NMEA_ZDA, NMEA_GGA, NMEA_GNS, NMEA_GLL };

enum nmea_validity { NMEA_VALID_UNKNOWN = 0, NMEA_VALID_YES, NMEA_VALID_NO };

struct nmea_sentence {
    enum nmea_kind kind;
    char address[8];         /* "GNRMC" */
    bool has_time;
    int hour, min, sec;      /* sec may be 60 */
    int64_t frac_ns;
    bool has_date;
    int year, month, day;    /* year already resolved to four digits */
    bool two_digit_year;
    enum nmea_validity valid;
};

enum nmea_error { NMEA_OK = 0, NMEA_ERR_FORMAT, NMEA_ERR_NOT_TIME };

/* Parse a sentence as framed (text between '$' and '*'). pivot_ns resolves two-digit years
 * (not the rollover: the cycle does that). Returns NMEA_OK for a time-bearing sentence,
 * NMEA_ERR_NOT_TIME for a well-formed sentence of another kind, NMEA_ERR_FORMAT otherwise. */
enum nmea_error nmea_parse_sentence(const char *text, size_t len, int64_t pivot_ns,
                                    struct nmea_sentence *out);

/* The instant a sentence names (date and time resolved, rollover corrected), or false when
 * it has no date and none is known. sec 60 maps to the next minute's first instant. */
int64_t nmea_rollover_correct(int64_t t_ns, int64_t pivot_ns);

#define NMEA_CYCLE_MAX_SENTENCES 16

struct nmea_fix {
    int64_t utc_ns;          /* the reference time of the fix */
    int64_t rx_ns;           /* local receive time of the cycle's first time sentence */
    bool valid;
    bool leap_second;        /* the cycle is 23:59:60 */
    int n_sentences;
    char sentences[NMEA_CYCLE_MAX_SENTENCES][8];
};

struct nmea_cycle {
    int64_t pivot_ns;
    bool open;
    int hour, min, sec;
    int64_t frac_ns;
    struct nmea_fix fix;
    bool has_date;
    int year, month, day;    /* the cycle's date, or the last known one */
    bool known_date;
    int last_year, last_month, last_day, last_sec_of_day;
    enum nmea_validity validity;
};

void nmea_cycle_init(struct nmea_cycle *c, int64_t pivot_ns);
/*
 * Feed a parsed time sentence (rx_ns: its receive time). When it starts a new cycle, the
 * previous one is completed into *out and true is returned. A completed cycle without a date
 * or with an unknown validity comes out with valid == false.
 */
bool nmea_cycle_feed(struct nmea_cycle *c, const struct nmea_sentence *s, int64_t rx_ns,
                     struct nmea_fix *out);
/* Complete the open cycle now (end of input, or silence). */
bool nmea_cycle_flush(struct nmea_cycle *c, struct nmea_fix *out);

#endif
