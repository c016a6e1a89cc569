/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nmea_parse: the sentence parser and the fix-cycle assembler (pure, no I/O, no clock).
 *
 * nmea_parse_sentence reads one framed sentence (RMC, ZDA, GGA, GNS, GLL; NMEA 0183 2.x to
 * 4.11) into fields: time of day, date, and what the sentence says about the fix. The cycle
 * assembler groups the time sentences of one fix cycle (same time of day) into one time
 * sample: the cycle's date (its RMC or ZDA, else the last date seen, rolled at midnight), its
 * validity, and the receive time of its first sentence.
 *
 * Dates never trust the system clock. They are resolved against a pivot (the latest of the
 * build date, the configured minimum date and the last valid time the daemon persisted):
 *   - a two-digit year (RMC ddmmyy) falls in [pivot year - 50, pivot year + 50);
 *   - a date earlier than pivot - NMEA_ROLLOVER_MARGIN_NS is a GPS week-rollover victim (the
 *     receiver counts weeks modulo 1024 from a firmware base and reports dates 1024*k weeks
 *     in the past): 1024 weeks are added until it is not.
 *
 * Talkers: time is taken from the GNSS talkers of NMEA 4.11 (GP GL GA GB GQ GI GN) and their
 * older spellings (BD for BeiDou, QZ for QZSS), and from IN (integrated navigation: a
 * GNSS/INS unit, e.g. Humminbird, whose time is its GNSS receiver's). Time sentences from any
 * other talker (AI AIS, HE gyro, II instruments, EC ECDIS, ...) are ignored: on a marine
 * multiplexer they are re-emitted copies with unknown latency, not a time source.
 */
#ifndef GN_NMEA_PARSE_H
#define GN_NMEA_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum nmea_kind { NMEA_KIND_OTHER = 0, NMEA_RMC, NMEA_ZDA, NMEA_GGA, NMEA_GNS, NMEA_GLL };

/* What a sentence (or a cycle) says about the fix. */
enum nmea_validity {
    NMEA_VALID_UNKNOWN = 0, /* says nothing (ZDA; an empty status field) */
    NMEA_VALID_YES,         /* a real fix: RMC/GLL A, GGA 1-5 or 9, mode A/D/F/R/P */
    NMEA_VALID_NO,          /* no fix, or one a time server must not use: RMC/GLL V, GGA 0,
                               estimated (E, 6), manual (M, 7), simulator (S, 8) */
};

enum nmea_result {
    NMEA_OK = 0,        /* a time sentence; has_time may still be false ("$GPRMC,,V,...") */
    NMEA_ERR_FORMAT,    /* a time sentence with malformed fields */
    NMEA_ERR_NOT_TIME,  /* well-formed input of another kind (GSV, proprietary, ...) */
    NMEA_ERR_TALKER,    /* a time sentence from a talker that is not a time source */
};

struct nmea_sentence {
    enum nmea_kind kind;
    char address[8];         /* "GNRMC" */
    enum nmea_validity valid;
    bool has_time;
    int hour, min, sec;      /* sec is 60 only at 23:59:60 (a leap second) */
    int64_t frac_ns;         /* fractional second, any number of digits, truncated to ns */
    bool has_date;
    int year;                /* four digits (ZDA), or 0..99 if two_digit_year (RMC) */
    bool two_digit_year;
    int month, day;
};

/*
 * Parse one sentence as framed (text between the start character and '*', checksum already
 * verified). Fills *out (zeroed first) and returns NMEA_OK for a time sentence.
 */
enum nmea_result nmea_parse_sentence(const char *text, size_t len, struct nmea_sentence *out);

/* The slack before the pivot within which a date is taken as is. A rollover victim is about
 * 19.6 years early; a year of slack tolerates a pivot that is ahead of the truth (a persisted
 * time from a clock that was wrong) while catching the bug for 18 years after the build. */
#define NMEA_ROLLOVER_MARGIN_NS (365LL * 86400 * 1000000000LL)
#define NMEA_ROLLOVER_NS (1024LL * 7 * 86400 * 1000000000LL)

/* Add 1024 weeks to t_ns until it is no earlier than pivot_ns - NMEA_ROLLOVER_MARGIN_NS. */
int64_t nmea_rollover_correct(int64_t t_ns, int64_t pivot_ns);

/* Days since 1970-01-01 of a sentence's date (has_date must be set), a two-digit year placed
 * in [pivot year - 50, pivot year + 50). Not rollover-corrected. */
int64_t nmea_date_days(const struct nmea_sentence *s, int64_t pivot_ns);

/* ---- fix-cycle assembly ---- */

#define NMEA_CYCLE_MAX_SENTENCES 12
#define NMEA_CYCLE_MAX_OUT 2 /* fixes one nmea_cycle_feed call can complete */
#define NMEA_END_TRUSTED 2   /* dated cycles ending alike before completing early on it */

struct nmea_fix {
    int64_t rx_ns;           /* receive time of the cycle's first time sentence */
    bool has_utc;            /* a date was known: utc_ns is set */
    int64_t utc_ns;          /* the instant the cycle names, rollover-corrected; 23:59:60
                                maps to the next day's 00:00:00 as in POSIX time */
    bool leap_second;        /* the cycle is 23:59:60 */
    enum nmea_validity valid;/* all sentences combined: any NO wins, then any YES */
    bool fragment;           /* an undated cycle 1 s or less after a dated one (see below) */
    int n_sentences;
    char sentences[NMEA_CYCLE_MAX_SENTENCES][8];
};

/*
 * Whether a fix gives a time sample: a date, a valid fix, not a fragment, not 23:59:60 (the
 * second 60 has no POSIX time of its own; the discipline must not take a sample across a
 * leap, so that one second gives none).
 */
bool nmea_fix_is_sample(const struct nmea_fix *f);

/*
 * Pacing: whether a dated cycle arrived live. Bytes queued before the port was opened (a
 * UART's buffer, a USB adapter's) come out in one burst after the open, each cycle stamped
 * with the burst's read time: those stamps name the wrong seconds (seen on a real 16550:
 * 10 s of cycles read at once, the reference "jumped" by a second). A live stream arrives
 * as fast as it is labelled; a backlog arrives faster. So a cycle is live when it follows
 * another dated cycle and did not arrive much faster than its label advanced: not
 * (dutc > 0 and drx < dutc / 2 and drx < 0.5 s). The first dated cycle after an open has
 * nothing to be paced against and is never live (one second of start-up is the price). The
 * 0.5 s cap lets a receiver's own jump (a label 10 s ahead, a second later) through to the
 * discipline's jump guard, which is where a jump is judged.
 */
struct nmea_pace {
    bool have;
    int64_t rx_ns, utc_ns;
};
/* At every open of the port. */
void nmea_pace_init(struct nmea_pace *p);
/* For each fix with a date (has_utc), in order; true when it arrived live. */
bool nmea_pace_live(struct nmea_pace *p, const struct nmea_fix *f);

struct nmea_cycle {
    int64_t pivot_ns;
    /* the open cycle */
    bool open, emitted;
    int hour, min, sec;
    int64_t frac_ns;
    bool has_date;
    int64_t date_days;
    char last_addr[8];
    struct nmea_fix fix;
    /* learned across cycles */
    bool known_date;         /* a date has been seen: last_days/last_sod_ns are set */
    int64_t last_days, last_sod_ns;
    bool have_dated;         /* last_dated_ns: the (raw) instant of the last dated cycle */
    int64_t last_dated_ns;
    char end_addr[8];        /* the sentence that ends this receiver's dated cycles */
    int end_seen;            /* how many dated cycles in a row ended on it */
    enum nmea_validity fix_state; /* the latest YES/NO any sentence said */
};

void nmea_cycle_init(struct nmea_cycle *c, int64_t pivot_ns);

/*
 * Feed a parsed time sentence received at rx_ns. Returns the number of fix cycles completed
 * (0..NMEA_CYCLE_MAX_OUT), written to out[]. A sentence without a time only updates
 * fix_state.
 *
 * A cycle is the run of consecutive sentences naming the same time of day. It completes when
 * a sentence names another time, or early: when a dated cycle reaches the sentence that ended
 * the last NMEA_END_TRUSTED dated cycles (receivers repeat their order every cycle, as gpsd's
 * end-of-cycle detection assumes). A sentence arriving after an early completion is not
 * part of the fix; it teaches the assembler the later end. The timestamp is the first
 * sentence's either way, so completing late costs processing delay (up to a cycle), not
 * accuracy.
 *
 * An undated cycle (GGA, GLL or GNS only) takes the last date seen, plus or minus a day when
 * its time of day is more than 12 h from the last one (midnight). But an undated cycle 1 s or
 * less after a dated one is a fragment, not a sample: the same burst naming a second time
 * (Garmin 48 sends GLL for the next second right after RMC and GGA; Magellan eXplorist's GLL
 * is a few ms off its RMC), or the extra fixes of a 10 Hz receiver that dates once a second.
 */
int nmea_cycle_feed(struct nmea_cycle *c, const struct nmea_sentence *s, int64_t rx_ns,
                    struct nmea_fix out[NMEA_CYCLE_MAX_OUT]);

/* Complete the open cycle now (end of input). Returns true with *out filled if there was one
 * not yet completed. */
bool nmea_cycle_flush(struct nmea_cycle *c, struct nmea_fix *out);

/*
 * The instant a time sentence names, for display: its own date, else the open cycle's, else
 * the last known one rolled at midnight; rollover-corrected. Call after feeding s. False when
 * s has no time or no date is known yet.
 */
bool nmea_cycle_sentence_utc(const struct nmea_cycle *c, const struct nmea_sentence *s,
                             int64_t *utc_ns);

#endif
