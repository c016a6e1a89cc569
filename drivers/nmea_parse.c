/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nmea_parse: field-level parsing of the five time sentences, date resolution, and fix-cycle
 * assembly. Validity follows the sentences' own flags, strictly: a time server must not take
 * the receiver's RTC guess before a fix (RMC status V, GGA quality 0, mode N), nor an
 * estimated (dead reckoning: E, 6), manual (M, 7) or simulated (S, 8) fix.
 */
#include "drivers/nmea_parse.h"

#include <stdint.h>
#include <string.h>

#include "common/ntime.h"

#define MAX_FIELDS 40

struct fields {
    char buf[320];
    char *f[MAX_FIELDS];
    int n;
};

static bool split(const char *text, size_t len, struct fields *fs)
{
    if (len >= sizeof(fs->buf)) {
        return false;
    }
    memcpy(fs->buf, text, len);
    fs->buf[len] = '\0';
    fs->n = 0;
    char *p = fs->buf;
    for (;;) {
        if (fs->n == MAX_FIELDS) {
            return false;
        }
        fs->f[fs->n++] = p;
        char *comma = strchr(p, ',');
        if (comma == NULL) {
            return true;
        }
        *comma = '\0';
        p = comma + 1;
    }
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* "hhmmss" or "hhmmss.f..." with any number of fraction digits (truncated to ns). An empty
 * field is "no time" (true, has_time false). */
static bool parse_time(const char *s, struct nmea_sentence *out)
{
    if (s[0] == '\0') {
        return true;
    }
    if (strlen(s) < 6 || !digits(s, 2, &out->hour) || !digits(s + 2, 2, &out->min) ||
        !digits(s + 4, 2, &out->sec)) {
        return false;
    }
    /* A leap second is inserted as 23:59:60 UTC; a 60 anywhere else is garbage. */
    if (out->hour > 23 || out->min > 59 || out->sec > 60 ||
        (out->sec == 60 && (out->hour != 23 || out->min != 59))) {
        return false;
    }
    out->frac_ns = 0;
    const char *p = s + 6;
    if (*p == '.') {
        int64_t scale = NT_NS_PER_S / 10;
        for (p++; *p != '\0'; p++) {
            if (*p < '0' || *p > '9') {
                return false;
            }
            out->frac_ns += (*p - '0') * scale;
            scale /= 10;
        }
    } else if (*p != '\0') {
        return false;
    }
    out->has_time = true;
    return true;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

/* A two-digit year is checked as 20yy: 19yy and 20yy are leap years alike, except 00, where
 * 1900 is not and 2000 is; a 29 February 1900 resolved later becomes 1 March. */
static bool valid_date(int y, int m, int d)
{
    return y >= 1900 && y <= 2199 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* NMEA 2.3+ mode indicator (FAA mode): A autonomous, D differential, F float RTK, R RTK
 * fixed, P precise are fixes; N none, E estimated, M manual, S simulator are not. An unknown
 * letter is not trusted either. */
static enum nmea_validity mode_validity(char m)
{
    return m != '\0' && strchr("ADFRP", m) != NULL ? NMEA_VALID_YES : NMEA_VALID_NO;
}

/* Status A/V (RMC, GLL) combined with the optional mode field. */
static enum nmea_validity status_validity(const char *status, const char *mode)
{
    enum nmea_validity v = NMEA_VALID_UNKNOWN;
    if (status[0] != '\0') {
        v = strcmp(status, "A") == 0 ? NMEA_VALID_YES : NMEA_VALID_NO;
    }
    if (mode != NULL && mode[0] != '\0' && mode_validity(mode[0]) == NMEA_VALID_NO) {
        v = NMEA_VALID_NO;
    }
    return v;
}

/* GGA quality: 1 GPS, 2 DGPS, 3 PPS, 4 RTK fixed, 5 RTK float are fixes, and 9, which
 * NovAtel and Ashtech use for an SBAS-corrected fix; 0 none, 6 estimated, 7 manual,
 * 8 simulation and anything else are not. Empty says nothing (Jackson Labs Firefly-IIA). */
static bool gga_validity(const char *q, enum nmea_validity *out)
{
    int v;
    if (q[0] == '\0') {
        *out = NMEA_VALID_UNKNOWN;
        return true;
    }
    if (strlen(q) > 2 || !digits(q, (int)strlen(q), &v)) {
        return false;
    }
    *out = (v >= 1 && v <= 5) || v == 9 ? NMEA_VALID_YES : NMEA_VALID_NO;
    return true;
}

/* GNS mode: one character per constellation (GPS, GLONASS, Galileo, BeiDou, QZSS, NavIC in
 * 4.11). A fix if any constellation has one and none is simulated. */
static bool gns_validity(const char *m, enum nmea_validity *out)
{
    if (m[0] == '\0') {
        *out = NMEA_VALID_UNKNOWN;
        return true;
    }
    bool fix = false, sim = false;
    for (; *m != '\0'; m++) {
        if (strchr("ADFRPNEMS", *m) == NULL) {
            return false;
        }
        fix |= mode_validity(*m) == NMEA_VALID_YES;
        sim |= *m == 'S';
    }
    *out = fix && !sim ? NMEA_VALID_YES : NMEA_VALID_NO;
    return true;
}

/* GNSS talkers (NMEA 4.11, plus the BD and QZ spellings in use before it) and IN. */
static bool time_talker(const char *addr)
{
    static const char talkers[][3] = {"GP", "GL", "GA", "GB", "GQ", "GI", "GN", "BD", "QZ",
                                      "IN"};
    for (size_t i = 0; i < sizeof(talkers) / sizeof(talkers[0]); i++) {
        if (addr[0] == talkers[i][0] && addr[1] == talkers[i][1]) {
            return true;
        }
    }
    return false;
}

static enum nmea_result parse_rmc(char **f, int n, struct nmea_sentence *out)
{
    /* RMC,time,status,lat,N,lon,E,sog,cog,date,magvar,E[,mode[,navstatus]]: the mode came
     * with 2.3, the navigational status with 4.10. The navigational status (S safe,
     * C caution, U unsafe, V "not provided") is ignored: Telit PLS83-W sends V with every
     * good fix. */
    if (n < 10 || !parse_time(f[1], out)) {
        return NMEA_ERR_FORMAT;
    }
    if (f[9][0] != '\0') {
        if (strlen(f[9]) != 6 || !digits(f[9], 2, &out->day) ||
            !digits(f[9] + 2, 2, &out->month) || !digits(f[9] + 4, 2, &out->year) ||
            !valid_date(2000 + out->year, out->month, out->day)) {
            return NMEA_ERR_FORMAT;
        }
        out->two_digit_year = true;
        out->has_date = true;
    }
    out->valid = status_validity(f[2], n > 12 ? f[12] : NULL);
    return NMEA_OK;
}

static enum nmea_result parse_zda(char **f, int n, struct nmea_sentence *out)
{
    /* ZDA,time,dd,mm,yyyy,zone_h,zone_m: the time is UTC whatever the zone fields say
     * (HP 58534A fills them). No fix indication at all. */
    if (n < 5 || !parse_time(f[1], out)) {
        return NMEA_ERR_FORMAT;
    }
    if (f[2][0] != '\0' || f[3][0] != '\0' || f[4][0] != '\0') {
        if (strlen(f[2]) != 2 || strlen(f[3]) != 2 || strlen(f[4]) != 4 ||
            !digits(f[2], 2, &out->day) || !digits(f[3], 2, &out->month) ||
            !digits(f[4], 4, &out->year) || !valid_date(out->year, out->month, out->day)) {
            return NMEA_ERR_FORMAT;
        }
        out->has_date = true;
    }
    out->valid = NMEA_VALID_UNKNOWN;
    return NMEA_OK;
}

/*
 * A fix claimed from no satellites proves nothing, but does not disprove the other sentences
 * either: Hemisphere sends GGA quality 1 with 00 satellites for seconds after losing the sky
 * (coasting on its own clock), while the Furuno GT-88 timing receiver always fills 00 in GGA
 * and counts its satellites in GNS. So such a sentence says "unknown".
 */
static void no_satellites(const char *nsat, enum nmea_validity *v)
{
    int n;
    if (*v == NMEA_VALID_YES && nsat[0] != '\0' && strlen(nsat) <= 2 &&
        digits(nsat, (int)strlen(nsat), &n) && n == 0) {
        *v = NMEA_VALID_UNKNOWN;
    }
}

static enum nmea_result parse_gga(char **f, int n, struct nmea_sentence *out)
{
    /* GGA,time,lat,N,lon,E,quality,nsat,hdop,alt,M,sep,M,age,station */
    if (n < 7 || !parse_time(f[1], out) || !gga_validity(f[6], &out->valid)) {
        return NMEA_ERR_FORMAT;
    }
    if (n > 7) {
        no_satellites(f[7], &out->valid);
    }
    return NMEA_OK;
}

static enum nmea_result parse_gns(char **f, int n, struct nmea_sentence *out)
{
    /* GNS,time,lat,N,lon,E,mode,nsat,hdop,alt,sep,age,station[,navstatus]: navstatus (4.10)
     * ignored as in RMC. */
    if (n < 7 || !parse_time(f[1], out) || !gns_validity(f[6], &out->valid)) {
        return NMEA_ERR_FORMAT;
    }
    if (n > 7) {
        no_satellites(f[7], &out->valid);
    }
    return NMEA_OK;
}

static enum nmea_result parse_gll(char **f, int n, struct nmea_sentence *out)
{
    /* GLL,lat,N,lon,E[,time,status[,mode]]: NMEA 1.5 had no time; status came with 2.0,
     * the mode with 2.3. */
    if (n < 5) {
        return NMEA_ERR_FORMAT;
    }
    if (n < 6) {
        return NMEA_OK; /* 1.5: position only, no time */
    }
    if (!parse_time(f[5], out)) {
        return NMEA_ERR_FORMAT;
    }
    out->valid = status_validity(n > 6 ? f[6] : "", n > 7 ? f[7] : NULL);
    return NMEA_OK;
}

enum nmea_result nmea_parse_sentence(const char *text, size_t len, struct nmea_sentence *out)
{
    memset(out, 0, sizeof(*out));
    struct fields fs;
    if (len < 5 || !split(text, len, &fs)) {
        return NMEA_ERR_NOT_TIME;
    }
    const char *addr = fs.f[0];
    if (strlen(addr) != 5) {
        return NMEA_ERR_NOT_TIME; /* proprietary ($PGRMF), or odd ($GYOACC, $LOG) */
    }
    for (int i = 0; i < 5; i++) {
        if (addr[i] < 'A' || addr[i] > 'Z') {
            return NMEA_ERR_NOT_TIME;
        }
    }
    static const struct {
        const char *type;
        enum nmea_kind kind;
        enum nmea_result (*parse)(char **f, int n, struct nmea_sentence *out);
    } types[] = {
        {"RMC", NMEA_RMC, parse_rmc}, {"ZDA", NMEA_ZDA, parse_zda}, {"GGA", NMEA_GGA, parse_gga},
        {"GNS", NMEA_GNS, parse_gns}, {"GLL", NMEA_GLL, parse_gll},
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(addr + 2, types[i].type) != 0) {
            continue;
        }
        if (addr[0] == 'P') {
            return NMEA_ERR_NOT_TIME; /* proprietary, e.g. a maker code "PGRMC" */
        }
        memcpy(out->address, addr, 6);
        out->kind = types[i].kind;
        if (!time_talker(addr)) {
            return NMEA_ERR_TALKER;
        }
        enum nmea_result r = types[i].parse(fs.f, fs.n, out);
        if (r != NMEA_OK) {
            enum nmea_kind k = out->kind;
            memset(out, 0, sizeof(*out));
            memcpy(out->address, addr, 6);
            out->kind = k;
        }
        return r;
    }
    return NMEA_ERR_NOT_TIME;
}

/* ---- dates ---- */

int64_t nmea_rollover_correct(int64_t t_ns, int64_t pivot_ns)
{
    /* Bounded: 12 rollovers are 235 years, more than ntime's range (1678..2262) allows. */
    for (int i = 0; i < 12 && t_ns < pivot_ns - NMEA_ROLLOVER_MARGIN_NS &&
                    t_ns <= INT64_MAX - NMEA_ROLLOVER_NS;
         i++) {
        t_ns += NMEA_ROLLOVER_NS;
    }
    return t_ns;
}

int64_t nmea_date_days(const struct nmea_sentence *s, int64_t pivot_ns)
{
    int year = s->year;
    if (s->two_digit_year) {
        struct nt_utc p;
        nt_to_utc(pivot_ns, &p);
        year = p.year - p.year % 100 + s->year;
        if (year < p.year - 50) {
            year += 100;
        } else if (year >= p.year + 50) {
            year -= 100;
        }
    }
    return nt_days_from_civil(year, s->month, s->day);
}

static int64_t sod_ns(int h, int m, int s, int64_t frac_ns)
{
    return ((int64_t)h * 3600 + m * 60 + s) * NT_NS_PER_S + frac_ns;
}

/* The day of an undated time of day, given the last known day and its time of day: the
 * nearest one, so crossing midnight either way moves a day. */
static int64_t roll_day(int64_t last_days, int64_t last_sod, int64_t sod)
{
    if (sod < last_sod - NT_NS_PER_DAY / 2) {
        return last_days + 1;
    }
    if (sod > last_sod + NT_NS_PER_DAY / 2) {
        return last_days - 1;
    }
    return last_days;
}

/* ---- cycles ---- */

bool nmea_fix_is_sample(const struct nmea_fix *f)
{
    return f->has_utc && f->valid == NMEA_VALID_YES && !f->fragment && !f->leap_second;
}

void nmea_pace_init(struct nmea_pace *p)
{
    memset(p, 0, sizeof(*p));
}

bool nmea_pace_live(struct nmea_pace *p, const struct nmea_fix *f)
{
    bool live = p->have;
    if (live) {
        int64_t drx = f->rx_ns - p->rx_ns, dutc = f->utc_ns - p->utc_ns;
        live = !(dutc > 0 && drx < dutc / 2 && drx < NT_NS_PER_S / 2);
    }
    p->have = true;
    p->rx_ns = f->rx_ns;
    p->utc_ns = f->utc_ns;
    return live;
}

void nmea_cycle_init(struct nmea_cycle *c, int64_t pivot_ns)
{
    memset(c, 0, sizeof(*c));
    c->pivot_ns = pivot_ns;
}

/* Finish the open cycle's fix: its date, instant and fragment status; learn from it. */
static void complete(struct nmea_cycle *c, struct nmea_fix *out)
{
    struct nmea_fix *f = &c->fix;
    int64_t sod = sod_ns(c->hour, c->min, c->sec, c->frac_ns);
    bool dated = c->has_date;
    int64_t days = 0;
    if (dated) {
        days = c->date_days;
    } else if (c->known_date) {
        days = roll_day(c->last_days, c->last_sod_ns, sod);
    }
    f->leap_second = c->sec == 60;
    if (dated || c->known_date) {
        int64_t raw = days * NT_NS_PER_DAY + sod;
        f->has_utc = true;
        f->utc_ns = nmea_rollover_correct(raw, c->pivot_ns);
        f->fragment = !dated && c->have_dated && raw > c->last_dated_ns &&
                      raw <= c->last_dated_ns + NT_NS_PER_S;
        c->known_date = true;
        c->last_days = days;
        c->last_sod_ns = sod;
        if (dated) {
            c->have_dated = true;
            c->last_dated_ns = raw;
        }
    }
    c->emitted = true;
    *out = *f;
}

/*
 * A dated cycle is over: its last sentence is where this receiver ends a cycle. Only dated
 * cycles teach, and only a repeated end is trusted: a 10 Hz receiver that dates once a
 * second (OxTS RT) ends nine undated cycles on GGA and the dated one on RMC.
 */
static void learn_end(struct nmea_cycle *c)
{
    if (!c->has_date) {
        return;
    }
    if (strcmp(c->last_addr, c->end_addr) == 0) {
        c->end_seen += c->end_seen < NMEA_END_TRUSTED;
    } else {
        memcpy(c->end_addr, c->last_addr, sizeof(c->end_addr));
        c->end_seen = 1;
    }
}

static void open_cycle(struct nmea_cycle *c, const struct nmea_sentence *s, int64_t rx_ns)
{
    c->open = true;
    c->emitted = false;
    c->hour = s->hour;
    c->min = s->min;
    c->sec = s->sec;
    c->frac_ns = s->frac_ns;
    c->has_date = false;
    memset(&c->fix, 0, sizeof(c->fix));
    c->fix.rx_ns = rx_ns;
}

static bool same_time(const struct nmea_cycle *c, const struct nmea_sentence *s)
{
    return c->open && s->hour == c->hour && s->min == c->min && s->sec == c->sec &&
           s->frac_ns == c->frac_ns;
}

int nmea_cycle_feed(struct nmea_cycle *c, const struct nmea_sentence *s, int64_t rx_ns,
                    struct nmea_fix out[NMEA_CYCLE_MAX_OUT])
{
    if (s->valid != NMEA_VALID_UNKNOWN) {
        c->fix_state = s->valid;
    }
    if (!s->has_time) {
        return 0;
    }
    int n = 0;
    if (!same_time(c, s)) {
        if (c->open) {
            learn_end(c);
            if (!c->emitted) {
                complete(c, &out[n++]);
            }
        }
        open_cycle(c, s, rx_ns);
    }
    memcpy(c->last_addr, s->address, sizeof(c->last_addr));
    if (s->has_date) {
        /* Known at once, for undated sentences that follow in this cycle or the next. */
        c->known_date = true;
        c->last_days = nmea_date_days(s, c->pivot_ns);
        c->last_sod_ns = sod_ns(s->hour, s->min, s->sec, s->frac_ns);
    }
    if (c->emitted) {
        return n; /* completed early; this sentence moves the learned end (learn_end) */
    }
    if (s->has_date && !c->has_date) {
        c->has_date = true;
        c->date_days = c->last_days;
    }
    /* Any sentence saying "no fix" spoils the cycle; otherwise one "fix" is enough. */
    if (s->valid == NMEA_VALID_NO) {
        c->fix.valid = NMEA_VALID_NO;
    } else if (s->valid == NMEA_VALID_YES && c->fix.valid != NMEA_VALID_NO) {
        c->fix.valid = NMEA_VALID_YES;
    }
    if (c->fix.n_sentences < NMEA_CYCLE_MAX_SENTENCES) {
        memcpy(c->fix.sentences[c->fix.n_sentences++], s->address, sizeof(c->fix.sentences[0]));
    }
    if (c->has_date && c->end_seen >= NMEA_END_TRUSTED && strcmp(s->address, c->end_addr) == 0) {
        complete(c, &out[n++]);
    }
    return n;
}

bool nmea_cycle_flush(struct nmea_cycle *c, struct nmea_fix *out)
{
    bool pending = c->open && !c->emitted;
    if (pending) {
        complete(c, out);
    }
    c->open = false;
    return pending;
}

bool nmea_cycle_sentence_utc(const struct nmea_cycle *c, const struct nmea_sentence *s,
                             int64_t *utc_ns)
{
    if (!s->has_time) {
        return false;
    }
    int64_t sod = sod_ns(s->hour, s->min, s->sec, s->frac_ns);
    int64_t days;
    if (s->has_date) {
        days = nmea_date_days(s, c->pivot_ns);
    } else if (same_time(c, s) && c->has_date) {
        days = c->date_days;
    } else if (c->known_date) {
        days = roll_day(c->last_days, c->last_sod_ns, sod);
    } else {
        return false;
    }
    *utc_ns = nmea_rollover_correct(days * NT_NS_PER_DAY + sod, c->pivot_ns);
    return true;
}
