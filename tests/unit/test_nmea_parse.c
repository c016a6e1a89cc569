/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_nmea_parse: the sentence parser against a table (legend, sentence, expected fields),
 * covering every talker, NMEA 2.x to 4.11 variants, fractional seconds, the leap second and
 * each kind of malformed field; date resolution (century, week rollover against the pivot);
 * and fix-cycle assembly (RMC+GGA in one cycle, GGA with a ZDA date, midnight, no-fix cycles,
 * fragments, 10 Hz receivers, early completion, the leap second).
 */
#include <string.h>

#include "check.h"
#include "common/ntime.h"
#include "drivers/nmea_parse.h"

enum { U = NMEA_VALID_UNKNOWN, Y = NMEA_VALID_YES, N = NMEA_VALID_NO };

struct pcase {
    const char *legend;
    const char *text; /* as framed: between '$' and '*' */
    enum nmea_result result;
    int valid;        /* for NMEA_OK */
    const char *time; /* "hh:mm:ss.nnnnnnnnn" or NULL for none */
    const char *date; /* "yy-mm-dd" (two-digit) or "yyyy-mm-dd", or NULL */
};

static const struct pcase cases[] = {
    /* RMC across versions */
    {"RMC 2.0 (11 fields)", "GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W",
     NMEA_OK, Y, "12:35:19.000000000", "94-03-23"},
    {"RMC 2.3 mode A", "GPRMC,225446,A,4916.45,N,12311.12,W,000.5,054.7,191194,020.3,E,A",
     NMEA_OK, Y, "22:54:46.000000000", "94-11-19"},
    {"RMC 2.3 mode D", "GNRMC,012238.00,A,3454.4922,S,13835.7617,E,0.0,0.0,120821,,,D",
     NMEA_OK, Y, "01:22:38.000000000", "21-08-12"},
    {"RMC 4.10 nav status V ignored (Telit PLS83-W)",
     "GPRMC,043539.00,A,4333.190206,N,00127.618380,E,0.0,,040925,1.7,W,A,V", NMEA_OK, Y,
     "04:35:39.000000000", "25-09-04"},
    {"RMC 4.10 nav status C (Teseo-LIV4F)", "GNRMC,120000.000,A,1,N,2,E,0,0,010125,,,A,C",
     NMEA_OK, Y, "12:00:00.000000000", "25-01-01"},
    {"RMC 4.11 mode F (float RTK)", "GNRMC,120000.00,A,1,N,2,E,0,0,010125,,,F,V", NMEA_OK, Y,
     "12:00:00.000000000", "25-01-01"},
    {"RMC mode R (RTK fixed)", "GNRMC,120000,A,1,N,2,E,0,0,010125,,,R", NMEA_OK, Y,
     "12:00:00.000000000", "25-01-01"},
    {"RMC mode P (precise)", "GPRMC,120000,A,1,N,2,E,0,0,010125,,,P", NMEA_OK, Y,
     "12:00:00.000000000", "25-01-01"},
    {"RMC status V", "GPRMC,073658.00,V,,,,,,,090710,,,N", NMEA_OK, N, "07:36:58.000000000",
     "10-07-09"},
    {"RMC A with mode N", "GPRMC,120000,A,1,N,2,E,0,0,010125,,,N", NMEA_OK, N,
     "12:00:00.000000000", "25-01-01"},
    {"RMC A with mode E (dead reckoning)", "GPRMC,120000,A,1,N,2,E,0,0,010125,,,E", NMEA_OK, N,
     "12:00:00.000000000", "25-01-01"},
    {"RMC mode S (simulator, GPSmap 76S)", "GPRMC,120000,V,1,N,2,E,0,0,241011,,,S", NMEA_OK, N,
     "12:00:00.000000000", "11-10-24"},
    {"RMC A with mode M (manual)", "GPRMC,120000,A,1,N,2,E,0,0,010125,,,M", NMEA_OK, N,
     "12:00:00.000000000", "25-01-01"},
    {"RMC A with an unknown mode letter", "GPRMC,120000,A,1,N,2,E,0,0,010125,,,X", NMEA_OK, N,
     "12:00:00.000000000", "25-01-01"},
    {"RMC V with mode A (Haicom 305N)", "GPRMC,095303.808,V,1,N,2,E,0,0,080407,,,A", NMEA_OK, N,
     "09:53:03.808000000", "07-04-08"},
    {"RMC empty status", "GPRMC,120000,,1,N,2,E,0,0,010125,,", NMEA_OK, U, "12:00:00.000000000",
     "25-01-01"},
    {"RMC all empty (Telit HE910)", "GPRMC,,V,,,,,,,,,,N", NMEA_OK, N, NULL, NULL},
    {"RMC empty date (Magellan EC-10X)", "GPRMC,181557,V,,,,,,,,,", NMEA_OK, N,
     "18:15:57.000000000", NULL},
    {"RMC shortened by a lost tail (10 fields)", "GPRMC,120000,A,1,N,2,E,0,0,010125", NMEA_OK,
     Y, "12:00:00.000000000", "25-01-01"},
    {"RMC too short", "GPRMC,120000,A,1,N,2,E", NMEA_ERR_FORMAT, U, NULL, NULL},
    {"RMC date with '-1' (april6_2019)", "GPRMC,000231.099,A,1,N,2,E,0.15,212.28,2208-1,,,A",
     NMEA_ERR_FORMAT, U, NULL, NULL},
    {"RMC date 32nd", "GPRMC,120000,A,1,N,2,E,0,0,320125,,,A", NMEA_ERR_FORMAT, U, NULL, NULL},
    {"RMC date month 13", "GPRMC,120000,A,1,N,2,E,0,0,011325,,,A", NMEA_ERR_FORMAT, U, NULL,
     NULL},
    {"RMC 29 Feb in a common year", "GPRMC,120000,A,1,N,2,E,0,0,290223,,,A", NMEA_ERR_FORMAT,
     U, NULL, NULL},
    {"RMC 29 Feb in a leap year", "GPRMC,120000,A,1,N,2,E,0,0,290224,,,A", NMEA_OK, Y,
     "12:00:00.000000000", "24-02-29"},
    {"RMC 5-digit date", "GPRMC,120000,A,1,N,2,E,0,0,01012,,,A", NMEA_ERR_FORMAT, U, NULL,
     NULL},
    /* time field */
    {"fraction .5", "GPGGA,123519.5,1,N,2,E,1,08,0.9,1,M,1,M,,", NMEA_OK, Y,
     "12:35:19.500000000", NULL},
    {"fraction .77 (Fastrax)", "GPGGA,123519.77,1,N,2,E,1,08,0.9,1,M,1,M,,", NMEA_OK, Y,
     "12:35:19.770000000", NULL},
    {"fraction .799 (SiRF)", "GPGGA,074157.799,1,N,2,E,1,08,0.9,1,M,1,M,,", NMEA_OK, Y,
     "07:41:57.799000000", NULL},
    {"fraction of 12 digits, truncated to ns", "GPGGA,123519.123456789987,1,N,2,E,1,08",
     NMEA_OK, Y, "12:35:19.123456789", NULL},
    {"trailing dot", "GPGGA,123519.,1,N,2,E,1,08", NMEA_OK, Y, "12:35:19.000000000", NULL},
    {"leap second 23:59:60", "GPRMC,235960,A,1,N,2,E,0,0,311216,,,A", NMEA_OK, Y,
     "23:59:60.000000000", "16-12-31"},
    {"leap second with fraction", "GPZDA,235960.50,31,12,2016,00,00", NMEA_OK, U,
     "23:59:60.500000000", "2016-12-31"},
    {"second 60 not at 23:59", "GPGGA,120060,1,N,2,E,1,08", NMEA_ERR_FORMAT, U, NULL, NULL},
    {"second 61", "GPGGA,235961,1,N,2,E,1,08", NMEA_ERR_FORMAT, U, NULL, NULL},
    {"minute 60", "GPGGA,126000,1,N,2,E,1,08", NMEA_ERR_FORMAT, U, NULL, NULL},
    {"hour 24", "GPGGA,240000,1,N,2,E,1,08", NMEA_ERR_FORMAT, U, NULL, NULL},
    {"5-digit time", "GPGGA,12351,1,N,2,E,1,08", NMEA_ERR_FORMAT, U, NULL, NULL},
    {"letter in the time", "GPGGA,1235x9,1,N,2,E,1,08", NMEA_ERR_FORMAT, U, NULL, NULL},
    {"letter in the fraction", "GPGGA,123519.5x,1,N,2,E,1,08", NMEA_ERR_FORMAT, U, NULL, NULL},
    {"sign in the time", "GPGGA,-23519,1,N,2,E,1,08", NMEA_ERR_FORMAT, U, NULL, NULL},
    /* GGA quality */
    {"GGA quality 0", "GPGGA,120000,,,,,0,00,99.9,,M,,M,,", NMEA_OK, N, "12:00:00.000000000",
     NULL},
    {"GGA quality 2", "GPGGA,120000,1,N,2,E,2,08,0.9,1,M,1,M,,", NMEA_OK, Y,
     "12:00:00.000000000", NULL},
    {"GGA quality 3", "GPGGA,120000,1,N,2,E,3,08", NMEA_OK, Y, "12:00:00.000000000", NULL},
    {"GGA quality 4 (RTK fixed)", "GNGGA,120000.10,1,N,2,E,4,20", NMEA_OK, Y,
     "12:00:00.100000000", NULL},
    {"GGA quality 5 (RTK float)", "GNGGA,120000,1,N,2,E,5,20", NMEA_OK, Y, "12:00:00.000000000",
     NULL},
    {"GGA quality 6 (estimated)", "GPGGA,120000,1,N,2,E,6,08", NMEA_OK, N, "12:00:00.000000000",
     NULL},
    {"GGA quality 7 (manual)", "GPGGA,120000,1,N,2,E,7,08", NMEA_OK, N, "12:00:00.000000000",
     NULL},
    {"GGA quality 8 (simulation)", "GPGGA,120000,1,N,2,E,8,08", NMEA_OK, N, "12:00:00.000000000",
     NULL},
    {"GGA quality 9 (SBAS, NovAtel)", "GPGGA,120000,1,N,2,E,9,08", NMEA_OK, Y,
     "12:00:00.000000000", NULL},
    {"GGA quality empty (Firefly-IIA)", "GPGGA,120000,1,N,2,E,,08", NMEA_OK, U,
     "12:00:00.000000000", NULL},
    {"GGA quality 1 with 00 satellites (Hemisphere)", "GPGGA,194056.00,1,N,2,W,1,00,3.3",
     NMEA_OK, U, "19:40:56.000000000", NULL},
    {"GGA quality not a number", "GPGGA,120000,1,N,2,E,A,08", NMEA_ERR_FORMAT, U, NULL, NULL},
    {"GGA empty time, quality 0 (quectel)", "GPGGA,,,,,,0,,,,,,,,", NMEA_OK, N, NULL, NULL},
    {"GGA too short", "GPGGA,120000,1,N,2,E", NMEA_ERR_FORMAT, U, NULL, NULL},
    /* GNS */
    {"GNS AN", "GPGNS,120000.00,1,N,2,E,AN,08,1.0,1,1,,", NMEA_OK, Y, "12:00:00.000000000",
     NULL},
    {"GNS NDD (Furuno GT-88)", "GNGNS,120213.000,1,N,2,E,NDD,11,1.3,168.9,39.5,,,V", NMEA_OK, Y,
     "12:02:13.000000000", NULL},
    {"GNS NNNN", "GNGNS,074154.799,,,,,NNNN,00,,,0.0,,0000", NMEA_OK, N, "07:41:54.799000000",
     NULL},
    {"GNS with S", "GNGNS,120000,1,N,2,E,AS,08", NMEA_OK, N, "12:00:00.000000000", NULL},
    {"GNS E only", "GNGNS,120000,1,N,2,E,EN,08", NMEA_OK, N, "12:00:00.000000000", NULL},
    {"GNS empty mode", "GNGNS,120000,1,N,2,E,,08", NMEA_OK, U, "12:00:00.000000000", NULL},
    {"GNS bad mode letter", "GNGNS,120000,1,N,2,E,AX,08", NMEA_ERR_FORMAT, U, NULL, NULL},
    /* GLL */
    {"GLL 1.5 without time", "GPGLL,4916.45,N,12311.12,W", NMEA_OK, U, NULL, NULL},
    {"GLL 2.0 A", "GPGLL,4916.45,N,12311.12,W,225444,A", NMEA_OK, Y, "22:54:44.000000000", NULL},
    {"GLL 2.0 V", "GPGLL,4916.45,N,12311.12,W,225444,V", NMEA_OK, N, "22:54:44.000000000", NULL},
    {"GLL 2.3 A,A", "GNGLL,4404.13387,N,12118.85628,W,000941.00,A,A", NMEA_OK, Y,
     "00:09:41.000000000", NULL},
    {"GLL 2.3 A,D", "GPGLL,1,N,2,W,000941.00,A,D", NMEA_OK, Y, "00:09:41.000000000", NULL},
    {"GLL 2.3 V,N", "GPGLL,,,,,000941.00,V,N", NMEA_OK, N, "00:09:41.000000000", NULL},
    {"GLL V,S (GPSmap 76S simulator)", "GPGLL,1,N,2,W,000941,V,S", NMEA_OK, N,
     "00:09:41.000000000", NULL},
    {"GLL A with mode E", "GPGLL,1,N,2,W,000941,A,E", NMEA_OK, N, "00:09:41.000000000", NULL},
    {"GLL time without status", "GPGLL,1,N,2,W,000941", NMEA_OK, U, "00:09:41.000000000", NULL},
    {"GLL too short", "GPGLL,1,N,2", NMEA_ERR_FORMAT, U, NULL, NULL},
    /* ZDA */
    {"ZDA", "GPZDA,201530.00,04,07,2002,00,00", NMEA_OK, U, "20:15:30.000000000", "2002-07-04"},
    {"ZDA with local zone (HP 58534A)", "GPZDA,201530.00,04,07,2002,-05,00", NMEA_OK, U,
     "20:15:30.000000000", "2002-07-04"},
    {"ZDA without zone fields (rst39)", "GPZDA,204133.000,19,02,2014,,", NMEA_OK, U,
     "20:41:33.000000000", "2014-02-19"},
    {"ZDA without date", "GPZDA,201530.00,,,,,", NMEA_OK, U, "20:15:30.000000000", NULL},
    {"ZDA two-digit year", "GPZDA,201530.00,04,07,02,00,00", NMEA_ERR_FORMAT, U, NULL, NULL},
    {"ZDA day 0", "GPZDA,201530.00,00,07,2002,00,00", NMEA_ERR_FORMAT, U, NULL, NULL},
    {"ZDA too short", "GPZDA,201530.00,04,07", NMEA_ERR_FORMAT, U, NULL, NULL},
    /* talkers */
    {"talker GL", "GLGGA,120000,1,N,2,E,1,08", NMEA_OK, Y, "12:00:00.000000000", NULL},
    {"talker GA", "GARMC,043539.00,A,1,N,2,E,0.0,,040925,1.7,W,A,V", NMEA_OK, Y,
     "04:35:39.000000000", "25-09-04"},
    {"talker GB", "GBGGA,120000,1,N,2,E,1,08", NMEA_OK, Y, "12:00:00.000000000", NULL},
    {"talker BD", "BDGGA,120000,1,N,2,E,1,08", NMEA_OK, Y, "12:00:00.000000000", NULL},
    {"talker GQ", "GQGGA,120000,1,N,2,E,1,08", NMEA_OK, Y, "12:00:00.000000000", NULL},
    {"talker QZ", "QZGGA,120000,1,N,2,E,1,08", NMEA_OK, Y, "12:00:00.000000000", NULL},
    {"talker GI (NavIC)", "GIGGA,120000,1,N,2,E,1,08", NMEA_OK, Y, "12:00:00.000000000", NULL},
    {"talker GN", "GNZDA,000941.00,10,01,2017,00,00", NMEA_OK, U, "00:09:41.000000000",
     "2017-01-10"},
    {"talker IN (Humminbird)", "INRMC,194101,A,4426.1130,N,07140.5596,W,5.2,77.3,160906,15.8,W",
     NMEA_OK, Y, "19:41:01.000000000", "06-09-16"},
    {"talker AI (AIS) ignored", "AIRMC,120000,A,1,N,2,E,0,0,010125,,,A", NMEA_ERR_TALKER, U,
     NULL, NULL},
    {"talker II ignored", "IIGGA,120000,1,N,2,E,1,08", NMEA_ERR_TALKER, U, NULL, NULL},
    {"talker EC (ECDIS) ignored", "ECZDA,201530.00,04,07,2002,00,00", NMEA_ERR_TALKER, U, NULL,
     NULL},
    /* not time */
    {"GSV", "GPGSV,3,1,11,08,75,303,44", NMEA_ERR_NOT_TIME, U, NULL, NULL},
    {"proprietary", "PGRMF,290,293895,160305,093802,13,5213.1439,N", NMEA_ERR_NOT_TIME, U, NULL,
     NULL},
    {"proprietary RMC-looking", "PGRMC,1,2", NMEA_ERR_NOT_TIME, U, NULL, NULL},
    {"6-letter address (Unicore $GYOACC)", "GYOACC,1,2,3", NMEA_ERR_NOT_TIME, U, NULL, NULL},
    {"lowercase address", "gpRMC,120000,A", NMEA_ERR_NOT_TIME, U, NULL, NULL},
    {"digit in address", "G1RMC,120000,A", NMEA_ERR_NOT_TIME, U, NULL, NULL},
    {"address only", "GPRMC", NMEA_ERR_FORMAT, U, NULL, NULL},
    {"too short", "GP", NMEA_ERR_NOT_TIME, U, NULL, NULL},
};

static void test_sentences(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct pcase *c = &cases[i];
        struct nmea_sentence s;
        enum nmea_result r = nmea_parse_sentence(c->text, strlen(c->text), &s);
        char got[64] = "", want[64] = "";
        if (r == NMEA_OK && s.has_time) {
            snprintf(got, sizeof(got), "%02d:%02d:%02d.%09lld", s.hour, s.min, s.sec,
                     (long long)s.frac_ns);
        }
        if (c->time != NULL) {
            snprintf(want, sizeof(want), "%s", c->time);
        }
        char gdate[32] = "", wdate[32] = "";
        if (r == NMEA_OK && s.has_date) {
            snprintf(gdate, sizeof(gdate), s.two_digit_year ? "%02d-%02d-%02d" : "%04d-%02d-%02d",
                     s.year, s.month, s.day);
        }
        if (c->date != NULL) {
            snprintf(wdate, sizeof(wdate), "%s", c->date);
        }
        bool ok = r == c->result && strcmp(got, want) == 0 && strcmp(gdate, wdate) == 0 &&
                  (r != NMEA_OK || (int)s.valid == c->valid);
        if (!ok) {
            printf("case '%s': result %d (want %d) time '%s' (want '%s') date '%s' (want '%s') "
                   "valid %d (want %d)\n",
                   c->legend, r, c->result, got, want, gdate, wdate, s.valid, c->valid);
        }
        CHECK(ok);
        if (r == NMEA_OK || r == NMEA_ERR_TALKER) {
            CHECK(strncmp(s.address, c->text, 5) == 0 && strlen(s.address) == 5);
            CHECK(s.kind != NMEA_KIND_OTHER);
        }
    }
}

static int64_t day(const char *ymd)
{
    int y = 0, m = 0, d = 0;
    CHECK(sscanf(ymd, "%d-%d-%d", &y, &m, &d) == 3);
    return nt_from_utc(y, m, d, 0, 0, 0, 0);
}

static int64_t days_of(const char *yy_mm_dd, const char *pivot)
{
    struct nmea_sentence s = {.has_date = true, .two_digit_year = true};
    sscanf(yy_mm_dd, "%d-%d-%d", &s.year, &s.month, &s.day);
    return nmea_date_days(&s, day(pivot));
}

static void test_dates(void)
{
    /* Two-digit years fall in [pivot year - 50, pivot year + 50). */
    CHECK_INT(days_of("80-01-06", "2026-01-01"), day("1980-01-06") / NT_NS_PER_DAY);
    CHECK_INT(days_of("99-08-22", "2026-01-01"), day("1999-08-22") / NT_NS_PER_DAY);
    CHECK_INT(days_of("26-03-01", "2026-01-01"), day("2026-03-01") / NT_NS_PER_DAY);
    CHECK_INT(days_of("75-12-31", "2026-01-01"), day("2075-12-31") / NT_NS_PER_DAY);
    CHECK_INT(days_of("76-01-01", "2026-01-01"), day("1976-01-01") / NT_NS_PER_DAY);
    CHECK_INT(days_of("44-01-01", "1995-06-01"), day("2044-01-01") / NT_NS_PER_DAY);
    CHECK_INT(days_of("45-01-01", "1995-06-01"), day("1945-01-01") / NT_NS_PER_DAY);
    CHECK_INT(days_of("00-02-29", "2026-01-01"), day("2000-02-29") / NT_NS_PER_DAY);

    /* Week rollover: the GPS epoch and its rollovers are 1024 weeks apart. */
    CHECK_INT(day("1999-08-22") - day("1980-01-06"), NMEA_ROLLOVER_NS);
    CHECK_INT(day("2019-04-07") - day("1999-08-22"), NMEA_ROLLOVER_NS);
    CHECK_INT(day("2038-11-21") - day("2019-04-07"), NMEA_ROLLOVER_NS);
    int64_t p2019 = day("2019-03-14");
    CHECK_INT(nmea_rollover_correct(day("1999-08-22"), p2019), day("2019-04-07"));
    CHECK_INT(nmea_rollover_correct(day("1980-01-06"), p2019), day("2019-04-07"));
    CHECK_INT(nmea_rollover_correct(day("2019-04-07"), p2019), day("2019-04-07"));
    /* A receiver with the bug in 2026 reports 2006; 1999 would be two rollovers back. */
    int64_t p2026 = day("2026-01-01");
    CHECK_INT(nmea_rollover_correct(day("2006-08-27"), p2026), day("2026-04-12"));
    CHECK_INT(nmea_rollover_correct(day("1999-08-22"), p2026), day("2038-11-21"));
    /* Dates after the pivot, or within the margin before it, are taken as they are. */
    CHECK_INT(nmea_rollover_correct(day("2030-01-01"), p2026), day("2030-01-01"));
    CHECK_INT(nmea_rollover_correct(p2026 - NMEA_ROLLOVER_MARGIN_NS, p2026),
              p2026 - NMEA_ROLLOVER_MARGIN_NS);
    CHECK_INT(nmea_rollover_correct(p2026 - NMEA_ROLLOVER_MARGIN_NS - 1, p2026),
              p2026 - NMEA_ROLLOVER_MARGIN_NS - 1 + NMEA_ROLLOVER_NS);
    /* The pivot moves the answer: an old capture replays with its own date. */
    CHECK_INT(nmea_rollover_correct(day("2006-08-27"), day("2006-08-01")), day("2006-08-27"));
}

/* ---- cycles ---- */

struct feeder {
    struct nmea_cycle c;
    struct nmea_fix out[128];
    int n_out;
    int64_t rx;
};

static void feeder_init(struct feeder *f, const char *pivot)
{
    memset(f, 0, sizeof(*f));
    nmea_cycle_init(&f->c, day(pivot));
}

/* Feed one sentence at receive time rx (ms); returns the number of fixes it completed. */
static int feed(struct feeder *f, const char *text, int64_t rx_ms)
{
    struct nmea_sentence s;
    enum nmea_result r = nmea_parse_sentence(text, strlen(text), &s);
    CHECK_INT(r, NMEA_OK);
    struct nmea_fix fx[NMEA_CYCLE_MAX_OUT];
    int n = nmea_cycle_feed(&f->c, &s, rx_ms * NT_NS_PER_MS, fx);
    CHECK(n >= 0 && n <= NMEA_CYCLE_MAX_OUT);
    for (int i = 0; i < n && f->n_out < 128; i++) {
        f->out[f->n_out++] = fx[i];
    }
    return n;
}

static int64_t utc(const char *iso)
{
    int y, mo, d, h, mi, s, ms = 0;
    CHECK(sscanf(iso, "%d-%d-%dT%d:%d:%d.%d", &y, &mo, &d, &h, &mi, &s, &ms) >= 6);
    return nt_from_utc(y, mo, d, h, mi, s, ms * NT_NS_PER_MS);
}

#define RMC(t, st, date) "GPRMC," t "," st ",4807.038,N,01131.000,E,0.0,0.0," date ",,,A"
#define RMCV(t, date) "GPRMC," t ",V,,,,,,," date ",,,N"
#define GGA(t, q) "GPGGA," t ",4807.038,N,01131.000,E," q ",08,0.9,545.4,M,46.9,M,,"
#define GLL(t, st) "GPGLL,4807.038,N,01131.000,E," t "," st ",A"
#define ZDA(t, d) "GPZDA," t "," d ",00,00"

static void test_cycle_basic(void)
{
    struct feeder f;
    feeder_init(&f, "2024-01-01");
    /* RMC + GGA of one second are one cycle, stamped with the RMC's arrival. */
    CHECK_INT(feed(&f, RMC("120000.00", "A", "150624"), 100), 0);
    CHECK_INT(feed(&f, GGA("120000.00", "1"), 180), 0);
    CHECK_INT(feed(&f, RMC("120001.00", "A", "150624"), 1100), 1);
    struct nmea_fix *x = &f.out[0];
    CHECK(x->has_utc && x->valid == NMEA_VALID_YES && !x->fragment && !x->leap_second);
    CHECK_INT(x->utc_ns, utc("2024-06-15T12:00:00"));
    CHECK_INT(x->rx_ns, 100 * NT_NS_PER_MS);
    CHECK_INT(x->n_sentences, 2);
    CHECK(strcmp(x->sentences[0], "GPRMC") == 0 && strcmp(x->sentences[1], "GPGGA") == 0);
    CHECK(nmea_fix_is_sample(x));
    /* After two dated cycles ended on GGA, the third completes on its GGA, not a second
     * later. */
    CHECK_INT(feed(&f, GGA("120001.00", "1"), 1180), 0);
    CHECK_INT(feed(&f, RMC("120002.00", "A", "150624"), 2100), 1);
    CHECK_INT(feed(&f, GGA("120002.00", "1"), 2180), 1);
    CHECK_INT(f.out[2].utc_ns, utc("2024-06-15T12:00:02"));
    CHECK_INT(f.out[2].rx_ns, 2100 * NT_NS_PER_MS);
    CHECK(nmea_fix_is_sample(&f.out[2]));
    /* A sentence after the early end is not part of the fix and teaches a later end: the
     * next cycle waits for the following second again. */
    CHECK_INT(feed(&f, ZDA("120002.00", "15,06,2024"), 2250), 0);
    CHECK_INT(feed(&f, RMC("120003.00", "A", "150624"), 3100), 0);
    CHECK_INT(feed(&f, GGA("120003.00", "1"), 3180), 0);
    CHECK_INT(feed(&f, ZDA("120003.00", "15,06,2024"), 3250), 0);
    CHECK_INT(feed(&f, RMC("120004.00", "A", "150624"), 4100), 1);
    CHECK_INT(f.out[3].n_sentences, 3);
    CHECK_INT(f.n_out, 4);
    /* Flush completes the open cycle once. */
    struct nmea_fix fx;
    CHECK(nmea_cycle_flush(&f.c, &fx));
    CHECK_INT(fx.utc_ns, utc("2024-06-15T12:00:04"));
    CHECK(!nmea_cycle_flush(&f.c, &fx));
}

static void test_cycle_rmc_only(void)
{
    /* One sentence per cycle: once learned, each completes on arrival; the call that learns
     * it completes two cycles. */
    struct feeder f;
    feeder_init(&f, "2024-01-01");
    CHECK_INT(feed(&f, RMC("235958", "A", "311224"), 0), 0);
    CHECK_INT(feed(&f, RMC("235959", "A", "311224"), 1000), 1);
    CHECK_INT(feed(&f, RMC("000000", "A", "010125"), 2000), 2);
    CHECK_INT(feed(&f, RMC("000001", "A", "010125"), 3000), 1);
    CHECK_INT(f.n_out, 4);
    CHECK_INT(f.out[2].utc_ns, utc("2025-01-01T00:00:00"));
    CHECK_INT(f.out[3].utc_ns, utc("2025-01-01T00:00:01"));
    CHECK_INT(f.out[3].rx_ns, 3000 * NT_NS_PER_MS);
}

static void test_cycle_gga_zda(void)
{
    /* A GGA-only receiver with ZDA for the date (Hemisphere, GlobalSat MR-350P). */
    struct feeder f;
    feeder_init(&f, "2018-01-01");
    feed(&f, GGA("194058.00", "1"), 0);
    feed(&f, ZDA("194058.00", "07,09,2018"), 50);
    feed(&f, GGA("194059.00", "1"), 1000);
    CHECK_INT(f.n_out, 1);
    CHECK(nmea_fix_is_sample(&f.out[0]));
    CHECK_INT(f.out[0].utc_ns, utc("2018-09-07T19:40:58"));
    CHECK_INT(f.out[0].rx_ns, 0);
    /* ZDA alone says nothing about the fix: no sample. */
    feeder_init(&f, "2018-01-01");
    feed(&f, ZDA("194058.00", "07,09,2018"), 0);
    feed(&f, ZDA("194059.00", "07,09,2018"), 1000);
    CHECK_INT(f.n_out, 1);
    CHECK(f.out[0].has_utc && f.out[0].valid == NMEA_VALID_UNKNOWN);
    CHECK(!nmea_fix_is_sample(&f.out[0]));
}

static void test_cycle_undated(void)
{
    /* GGA without any date: cycles come out without a time. */
    struct feeder f;
    feeder_init(&f, "2024-01-01");
    feed(&f, GGA("120000", "1"), 0);
    feed(&f, GGA("120001", "1"), 1000);
    CHECK_INT(f.n_out, 1);
    CHECK(!f.out[0].has_utc && f.out[0].valid == NMEA_VALID_YES);
    CHECK(!nmea_fix_is_sample(&f.out[0]));

    /* A date seen once carries undated cycles on, across midnight; the cycle right after the
     * dated one is a fragment. */
    feeder_init(&f, "2024-01-01");
    feed(&f, RMC("235957", "A", "311224"), 0);
    feed(&f, GGA("235958", "1"), 1000);
    feed(&f, GGA("235959", "1"), 2000);
    feed(&f, GGA("000000", "1"), 3000);
    feed(&f, GGA("000001", "1"), 4000);
    CHECK_INT(f.n_out, 4);
    CHECK(nmea_fix_is_sample(&f.out[0]));
    CHECK(f.out[1].fragment && !nmea_fix_is_sample(&f.out[1]));
    CHECK_INT(f.out[1].utc_ns, utc("2024-12-31T23:59:58"));
    CHECK(nmea_fix_is_sample(&f.out[2]));
    CHECK_INT(f.out[2].utc_ns, utc("2024-12-31T23:59:59"));
    CHECK(nmea_fix_is_sample(&f.out[3]));
    CHECK_INT(f.out[3].utc_ns, utc("2025-01-01T00:00:00"));

    /* Backwards over midnight: a ZDA ahead of the GGA (Ashtech AC12) dates the next day. */
    feeder_init(&f, "2024-01-01");
    feed(&f, ZDA("000001", "01,01,2025"), 0);
    feed(&f, GGA("235957", "1"), 100);
    feed(&f, GGA("235958", "1"), 1100);
    CHECK_INT(f.n_out, 2);
    CHECK_INT(f.out[1].utc_ns, utc("2024-12-31T23:59:57"));
    CHECK(nmea_fix_is_sample(&f.out[1]));

    /* Sentence display: an undated sentence takes the date of its cycle or the last one. */
    feeder_init(&f, "2024-01-01");
    struct nmea_sentence s;
    nmea_parse_sentence(GGA("120000", "1"), strlen(GGA("120000", "1")), &s);
    int64_t t;
    CHECK(!nmea_cycle_sentence_utc(&f.c, &s, &t));
    feed(&f, RMC("115959", "A", "150624"), 0);
    feed(&f, GGA("120000", "1"), 1000);
    CHECK(nmea_cycle_sentence_utc(&f.c, &s, &t));
    CHECK_INT(t, utc("2024-06-15T12:00:00"));
}

static void test_cycle_no_fix(void)
{
    struct feeder f;
    feeder_init(&f, "2010-01-01");
    /* The receiver's RTC guess before a fix: never a sample. */
    feed(&f, RMCV("073658.00", "090710"), 0);
    feed(&f, GGA("073658.00", "0"), 50);
    /* A sentence that says "fix" does not outvote one that says "no fix". */
    feed(&f, RMC("073659.00", "A", "090710"), 1000);
    feed(&f, GGA("073659.00", "0"), 1050);
    feed(&f, RMC("073700.00", "A", "090710"), 2000);
    feed(&f, GGA("073700.00", "1"), 2050);
    feed(&f, RMC("073701.00", "A", "090710"), 3000);
    CHECK_INT(f.n_out, 3);
    CHECK(f.out[0].valid == NMEA_VALID_NO && !nmea_fix_is_sample(&f.out[0]));
    CHECK(f.out[1].valid == NMEA_VALID_NO && !nmea_fix_is_sample(&f.out[1]));
    CHECK(nmea_fix_is_sample(&f.out[2]));
    CHECK_INT(f.out[2].utc_ns, utc("2010-07-09T07:37:00"));
    /* A sentence without time still tells the receiver's state. */
    struct nmea_sentence s;
    const char *empty = "GPRMC,,V,,,,,,,,,,N";
    nmea_parse_sentence(empty, strlen(empty), &s);
    struct nmea_fix fx[NMEA_CYCLE_MAX_OUT];
    CHECK_INT(nmea_cycle_feed(&f.c, &s, 0, fx), 0);
    CHECK(f.c.fix_state == NMEA_VALID_NO);
}

static void test_cycle_fragments(void)
{
    /* Garmin 48: GLL names the next second inside the same burst. */
    struct feeder f;
    feeder_init(&f, "2001-06-01");
    feed(&f, "GPRMC,225308,A,4527.458,S,16709.165,E,000.0,094.5,060601,024.1,E", 0);
    feed(&f, "GPGGA,225308,4527.458,S,16709.165,E,1,05,2.1,14.7,M,1.1,M,,", 50);
    feed(&f, "GPGLL,4527.458,S,16709.165,E,225309,A", 120);
    feed(&f, "GPRMC,225310,A,4527.458,S,16709.165,E,000.0,094.5,060601,024.1,E", 2000);
    CHECK_INT(f.n_out, 2);
    CHECK(nmea_fix_is_sample(&f.out[0]));
    CHECK(f.out[1].fragment && f.out[1].valid == NMEA_VALID_YES);
    CHECK(!nmea_fix_is_sample(&f.out[1]));
    CHECK_INT(f.out[1].utc_ns, utc("2001-06-06T22:53:09"));

    /* A 10 Hz receiver that dates once a second (OxTS RT): one sample a second, and early
     * completion learns the dated cycles' end (RMC), not the GGA that ends the others. */
    feeder_init(&f, "2014-01-01");
    int64_t rx = 0;
    int samples = 0, early = 0;
    for (int sec = 32; sec < 40; sec++) {
        char buf[128];
        snprintf(buf, sizeof(buf), "GPGGA,2041%02d.00,1,N,2,W,2,08,1.0,221.9,M,,,3,0138", sec);
        feed(&f, buf, rx += 100);
        snprintf(buf, sizeof(buf), "GPZDA,2041%02d.000,19,02,2014,,", sec);
        feed(&f, buf, rx += 5);
        snprintf(buf, sizeof(buf), "GPRMC,2041%02d.00,A,1,N,2,W,8.9,41.8,190214,,,D", sec);
        early += feed(&f, buf, rx += 5) > 0;
        for (int tenth = 1; tenth <= 9; tenth++) {
            snprintf(buf, sizeof(buf), "GPGGA,2041%02d.%d0,1,N,2,W,2,08,1.0,221.9,M,,,3,0138",
                     sec, tenth);
            feed(&f, buf, rx += 100);
        }
    }
    for (int i = 0; i < f.n_out; i++) {
        samples += nmea_fix_is_sample(&f.out[i]);
        if (nmea_fix_is_sample(&f.out[i])) {
            CHECK_INT(f.out[i].utc_ns % NT_NS_PER_S, 0);
        }
    }
    CHECK_INT(f.n_out, 79);
    CHECK_INT(samples, 8);
    CHECK(early >= 5); /* the dated cycle completes on its RMC once the end is learned */
}

static void test_cycle_leap(void)
{
    /* 23:59:60 is a valid fix but gives no sample: POSIX time has no such second, and
     * nt_from_utc maps it onto 00:00:00 of the next day. */
    struct feeder f;
    feeder_init(&f, "2016-01-01");
    feed(&f, RMC("235959", "A", "311216"), 0);
    feed(&f, RMC("235960", "A", "311216"), 1000);
    feed(&f, RMC("000000", "A", "010117"), 2000);
    feed(&f, RMC("000001", "A", "010117"), 3000);
    struct nmea_fix fx;
    nmea_cycle_flush(&f.c, &fx);
    CHECK_INT(f.n_out, 4);
    CHECK(nmea_fix_is_sample(&f.out[0]) && !f.out[0].leap_second);
    CHECK(f.out[1].leap_second && f.out[1].valid == NMEA_VALID_YES);
    CHECK(!nmea_fix_is_sample(&f.out[1]));
    CHECK_INT(f.out[1].utc_ns, utc("2017-01-01T00:00:00"));
    CHECK(nmea_fix_is_sample(&f.out[2]));
    CHECK_INT(f.out[2].utc_ns, utc("2017-01-01T00:00:00"));
    CHECK_INT(f.out[3].utc_ns, utc("2017-01-01T00:00:01"));

    /* Undated: the day still turns after 23:59:60. */
    feeder_init(&f, "2016-01-01");
    feed(&f, ZDA("235957", "31,12,2016"), 0);
    feed(&f, GGA("235957", "1"), 10);
    feed(&f, GGA("235958", "1"), 1000);
    feed(&f, GGA("235959", "1"), 2000);
    feed(&f, GGA("235960", "1"), 3000);
    feed(&f, GGA("000000", "1"), 4000);
    feed(&f, GGA("000001", "1"), 5000);
    CHECK_INT(f.n_out, 5);
    CHECK(f.out[3].leap_second && !nmea_fix_is_sample(&f.out[3]));
    CHECK_INT(f.out[4].utc_ns, utc("2017-01-01T00:00:00"));
    CHECK(nmea_fix_is_sample(&f.out[4]));
}

static void test_cycle_rollover(void)
{
    /* A GPS-320FW after the 2019 rollover says 1999-08-22; the pivot corrects it. */
    struct feeder f;
    feeder_init(&f, "2019-03-14");
    feed(&f, "GPRMC,000231.42,A,4829.0005,N,00022.0016,E,0.16,212.28,220899,,,A", 0);
    struct nmea_fix fx;
    CHECK(nmea_cycle_flush(&f.c, &fx));
    CHECK(nmea_fix_is_sample(&fx));
    CHECK_INT(fx.utc_ns, utc("2019-04-07T00:02:31.420"));
    /* Undated cycles after it are corrected too. */
    feeder_init(&f, "2019-03-14");
    feed(&f, ZDA("000231.00", "22,08,1999"), 0);
    feed(&f, GGA("000231.00", "1"), 10);
    feed(&f, GGA("000233.00", "1"), 2000);
    CHECK(nmea_cycle_flush(&f.c, &fx));
    CHECK_INT(f.out[0].utc_ns, utc("2019-04-07T00:02:31"));
    CHECK_INT(fx.utc_ns, utc("2019-04-07T00:02:33"));
    CHECK(nmea_fix_is_sample(&fx));
}

/* Pacing (nmea_pace): a live 1 Hz or 10 Hz stream is live; the first cycle after an open is
 * not; cycles read in one burst (a backlog) are not, nor the first live one that follows them
 * too closely; a label jump a second later is left to the jump guard. */
static void test_pace(void)
{
    const int64_t S = NT_NS_PER_S, T = 1700000000LL * S;
    struct nmea_pace p;
    nmea_pace_init(&p);
    struct nmea_fix f = {.has_utc = true};
    bool live[16];
    /* 1 Hz, 100 ms latency with a little jitter */
    for (int i = 0; i < 5; i++) {
        f.utc_ns = T + i * S;
        f.rx_ns = T + i * S + 100 * NT_NS_PER_MS + (i % 2) * 30 * NT_NS_PER_MS;
        live[i] = nmea_pace_live(&p, &f);
    }
    CHECK(!live[0]);
    CHECK(live[1] && live[2] && live[3] && live[4]);
    /* a backlog of ten seconds read at once, then the live stream */
    nmea_pace_init(&p);
    int64_t t_open = T + 20 * S + 300 * NT_NS_PER_MS;
    for (int i = 0; i < 10; i++) {
        f.utc_ns = T + (10 + i) * S;
        f.rx_ns = t_open;
        live[i] = nmea_pace_live(&p, &f);
    }
    for (int i = 0; i < 10; i++) {
        CHECK(!live[i]);
    }
    f.utc_ns = T + 20 * S; /* queued, read 50 ms after the burst */
    f.rx_ns = t_open + 50 * NT_NS_PER_MS;
    CHECK(!nmea_pace_live(&p, &f));
    f.utc_ns = T + 21 * S;
    f.rx_ns = T + 21 * S + 100 * NT_NS_PER_MS;
    CHECK(nmea_pace_live(&p, &f));
    /* 10 Hz */
    for (int i = 0; i < 10; i++) {
        f.utc_ns = T + 22 * S + i * S / 10;
        f.rx_ns = f.utc_ns + 20 * NT_NS_PER_MS;
        CHECK(nmea_pace_live(&p, &f));
    }
    /* the receiver jumps 10 s ahead, a second later: the jump guard's case, not a backlog */
    f.utc_ns += 10 * S;
    f.rx_ns += S;
    CHECK(nmea_pace_live(&p, &f));
}

int main(void)
{
    test_sentences();
    test_dates();
    test_cycle_basic();
    test_cycle_rmc_only();
    test_cycle_gga_zda();
    test_cycle_undated();
    test_cycle_no_fix();
    test_cycle_fragments();
    test_cycle_leap();
    test_cycle_rollover();
    test_pace();
    return check_result();
}
