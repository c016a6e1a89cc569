/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests of the event detector (daemon/evdetect.c) on synthetic snapshots: every tag from the
 * state change that makes it, with its severity and source; the no-storm rules (a flapping
 * source, a flapping reference, a counter that keeps rising); the first snapshot; no room. */
#include <string.h>

#include "check.h"
#include "common/ntime.h"
#include "daemon/evdetect.h"
#include "refclock/refstate.h"

#define BASE_NS (1767225600LL * NT_NS_PER_S) /* 2026-01-01 */

static struct evd det;
static struct evd_snapshot snap;
static struct event ev[EVD_MAX_EVENTS];
static size_t n_ev;
static int64_t now_s;

/* Two sources: nmea0 names the seconds, pps0 gives the pulses; both open, unsynchronized. */
static void reset(void)
{
    evd_init(&det);
    memset(&snap, 0, sizeof(snap));
    snap.n_src = 2;
    snprintf(snap.src[0].name, sizeof(snap.src[0].name), "nmea0");
    snprintf(snap.src[0].param, sizeof(snap.src[0].param), "/dev/ttyUSB0");
    snprintf(snap.src[0].refid, sizeof(snap.src[0].refid), "GPS");
    snprintf(snap.src[1].name, sizeof(snap.src[1].name), "pps0");
    snprintf(snap.src[1].param, sizeof(snap.src[1].param), "/dev/pps0");
    snprintf(snap.src[1].refid, sizeof(snap.src[1].refid), "PPS");
    snap.src[1].pulses = true;
    for (int i = 0; i < 2; i++) {
        snap.src[i].state = DRV_STATE_OPEN;
        snap.src[i].last_sample_age_ns = -1;
    }
    snap.trk.stratum = 16;
    snap.trk.leap = RST_LEAP_ALARM;
    now_s = 0;
}

/* Minutes later, nothing having changed: phases of a test must not look like flapping. */
static void later(void)
{
    now_s += 600;
}

/* One second later: the detector's answer lands in ev / n_ev. */
static size_t step(void)
{
    now_s++;
    n_ev = evd_update(&det, &snap, now_s * NT_NS_PER_S, BASE_NS + now_s * NT_NS_PER_S, ev,
                      EVD_MAX_EVENTS);
    return n_ev;
}

/* The event with this tag and source in the last answer, or NULL. */
static const struct event *find(enum event_tag tag, const char *source)
{
    for (size_t i = 0; i < n_ev; i++) {
        if (ev[i].tag == tag && strcmp(ev[i].source, source) == 0) {
            return &ev[i];
        }
    }
    return NULL;
}

/* The last answer is exactly these tags, in this order. */
static void expect(int line, const enum event_tag *tags, size_t n)
{
    bool ok = n_ev == n;
    for (size_t i = 0; ok && i < n; i++) {
        ok = ev[i].tag == tags[i];
    }
    check_count++;
    if (!ok) {
        check_failures++;
        fprintf(stderr, "%s:%d: expected", __FILE__, line);
        for (size_t i = 0; i < n; i++) {
            fprintf(stderr, " %s", event_tag_name(tags[i]));
        }
        fprintf(stderr, ", got");
        for (size_t i = 0; i < n_ev; i++) {
            fprintf(stderr, " %s(%s: %s)", event_tag_name(ev[i].tag), ev[i].source,
                    ev[i].message);
        }
        fprintf(stderr, "\n");
    }
}
#define EXPECT(...)                                                                             \
    do {                                                                                        \
        const enum event_tag tags_[] = {__VA_ARGS__};                                           \
        expect(__LINE__, tags_, sizeof(tags_) / sizeof(tags_[0]));                               \
    } while (0)
#define EXPECT_NONE() expect(__LINE__, NULL, 0)

static void ok(int i)
{
    snap.src[i].state = DRV_STATE_OK;
    snap.src[i].last_sample_age_ns = 0;
    snap.src[i].error[0] = '\0';
}

static void track(const char *ref)
{
    snap.trk.synced = true;
    snap.trk.holdover = false;
    snap.trk.stratum = 1;
    snap.trk.leap = RST_LEAP_NONE;
    snap.trk.freq_ppm = -12.5;
    snprintf(snap.trk.refname, sizeof(snap.trk.refname), "%s", ref);
}

static void holdover(void)
{
    snap.trk.holdover = true; /* the last reference's name stays */
}

static void unsync(void)
{
    snap.trk.synced = false;
    snap.trk.holdover = false;
    snap.trk.stratum = 16;
    snap.trk.leap = RST_LEAP_ALARM;
    snap.trk.refname[0] = '\0';
}

static void local(int stratum)
{
    snap.trk.synced = true;
    snap.trk.holdover = false;
    snap.trk.stratum = stratum;
    snap.trk.leap = RST_LEAP_NONE;
    snap.trk.refname[0] = '\0';
}

/* Start, lock, PPS lost and back, the receiver pulled (REF_LOST, HOLDOVER), plugged back,
 * holdover running out into the local stratum or into unsynchronized. */
static void test_lifecycle(void)
{
    reset();
    step();
    EXPECT(EVENT_START);
    CHECK(ev[0].severity == EVENT_INFO && ev[0].seq == 0 && ev[0].stratum == 16);
    CHECK(strstr(ev[0].message, "2 sources: nmea0, pps0") != NULL);
    CHECK_INT(ev[0].time_ns, BASE_NS + NT_NS_PER_S);
    step();
    EXPECT_NONE();

    ok(0);
    ok(1);
    step();
    EXPECT_NONE(); /* data, but nothing leads yet */
    track("pps0");
    step();
    EXPECT(EVENT_REF_SELECTED, EVENT_SYNC);
    CHECK(find(EVENT_REF_SELECTED, "pps0") != NULL && ev[0].severity == EVENT_INFO);
    CHECK(strstr(ev[0].message, "refid PPS") != NULL);
    CHECK(ev[1].stratum == 1 && strcmp(ev[1].reference, "pps0") == 0);
    step();
    EXPECT_NONE();

    /* The pulses stop: PPS_MISSING; NMEA takes over, a warning naming why. */
    later();
    snap.src[1].state = DRV_STATE_NO_DATA;
    snap.src[1].last_sample_age_ns = 6 * NT_NS_PER_S;
    step();
    EXPECT(EVENT_PPS_MISSING);
    CHECK(find(EVENT_PPS_MISSING, "pps0")->severity == EVENT_WARNING);
    track("nmea0");
    step();
    EXPECT(EVENT_REF_CHANGED);
    CHECK(ev[0].severity == EVENT_WARNING && strcmp(ev[0].source, "nmea0") == 0);
    CHECK(strstr(ev[0].message, "from pps0 to nmea0") && strstr(ev[0].message, "no pulses"));
    /* They come back: the better source taking over again is news, not trouble. */
    ok(1);
    step();
    EXPECT(EVENT_SOURCE_OK);
    track("pps0");
    step();
    EXPECT(EVENT_REF_CHANGED);
    CHECK(ev[0].severity == EVENT_INFO && strstr(ev[0].message, "from nmea0 to pps0") != NULL);

    /* The receiver is pulled: its device goes (NMEA), its pulses stop; nothing leads. */
    later();
    snap.src[0].state = DRV_STATE_RECONNECTING;
    snap.src[1].state = DRV_STATE_NO_DATA;
    step();
    EXPECT(EVENT_DEVICE_LOST, EVENT_PPS_MISSING);
    CHECK(ev[0].severity == EVENT_WARNING && strstr(ev[0].message, "/dev/ttyUSB0 lost"));
    snap.src[0].last_sample_age_ns = snap.src[1].last_sample_age_ns = 6 * NT_NS_PER_S;
    holdover();
    step();
    EXPECT(EVENT_REF_LOST, EVENT_HOLDOVER);
    CHECK(ev[0].severity == EVENT_CRITICAL && strcmp(ev[0].source, "pps0") == 0);
    CHECK(strstr(ev[0].message, "no pulses") && strstr(ev[0].message, "holdover"));
    CHECK(ev[1].severity == EVENT_WARNING && strstr(ev[1].message, "12.500 ppm slow"));
    CHECK(ev[1].stratum == 1);
    /* The device cannot be opened for a while: no new event while it stays lost. */
    snprintf(snap.src[0].error, sizeof(snap.src[0].error), "No such file or directory");
    step();
    EXPECT_NONE();
    /* Plugged back: open again, then valid data, then it leads. */
    snap.src[0].state = DRV_STATE_OPEN;
    snap.src[0].error[0] = '\0';
    step();
    EXPECT(EVENT_RECONNECT);
    CHECK(ev[0].severity == EVENT_INFO && strcmp(ev[0].source, "nmea0") == 0);
    ok(0);
    step();
    EXPECT_NONE(); /* from OPEN to OK: nothing was wrong */
    track("nmea0");
    step();
    EXPECT(EVENT_REF_SELECTED); /* holdover ends: stratum 1 all along, no SYNC */

    /* Holdover running out into `local stratum 10`: the stratum says it, a warning. */
    later();
    snap.src[0].state = DRV_STATE_NO_FIX;
    snap.src[0].last_sample_age_ns = 6 * NT_NS_PER_S;
    holdover();
    step();
    EXPECT(EVENT_NO_FIX, EVENT_REF_LOST, EVENT_HOLDOVER);
    CHECK(strstr(ev[1].message, "(no fix)") != NULL);
    local(10);
    step();
    EXPECT(EVENT_STRATUM);
    CHECK(ev[0].severity == EVENT_WARNING && strstr(ev[0].message, "1 -> 10") != NULL);
    ok(0);
    track("nmea0");
    step();
    EXPECT(EVENT_SOURCE_OK, EVENT_REF_SELECTED, EVENT_STRATUM);
    CHECK(ev[2].severity == EVENT_INFO && strstr(ev[2].message, "10 -> 1") != NULL);

    /* ... or into unsynchronized. */
    later();
    snap.src[0].state = DRV_STATE_NO_FIX;
    holdover();
    step();
    EXPECT(EVENT_NO_FIX, EVENT_REF_LOST, EVENT_HOLDOVER);
    unsync();
    step();
    EXPECT(EVENT_UNSYNC);
    CHECK(ev[0].severity == EVENT_CRITICAL && strstr(ev[0].message, "maxholdover") != NULL);
    CHECK_INT(ev[0].stratum, 16);
    ok(0);
    track("nmea0");
    step();
    EXPECT(EVENT_SOURCE_OK, EVENT_REF_SELECTED, EVENT_SYNC);
}

/* Leap announcements, the jump guard, a device missing from the start, `local stratum` from
 * the start. */
static void test_each_tag(void)
{
    reset();
    snap.src[0].state = DRV_STATE_RECONNECTING;
    snprintf(snap.src[0].error, sizeof(snap.src[0].error), "Permission denied");
    local(10);
    step();
    EXPECT(EVENT_START, EVENT_DEVICE_LOST, EVENT_SYNC);
    CHECK(strstr(ev[1].message, "cannot open /dev/ttyUSB0: Permission denied") != NULL);
    CHECK(strstr(ev[2].message, "local clock") != NULL && ev[2].stratum == 10);

    reset();
    step();
    ok(0);
    track("nmea0");
    step();
    EXPECT(EVENT_REF_SELECTED, EVENT_SYNC);
    snap.trk.leap = RST_LEAP_INSERT;
    step();
    EXPECT(EVENT_LEAP);
    CHECK(ev[0].severity == EVENT_WARNING && strstr(ev[0].message, "insertion") != NULL);
    step();
    EXPECT_NONE();
    snap.trk.leap = RST_LEAP_NONE;
    step();
    EXPECT(EVENT_LEAP);
    CHECK(ev[0].severity == EVENT_INFO && strstr(ev[0].message, "over") != NULL);
    snap.trk.leap = RST_LEAP_DELETE;
    step();
    EXPECT(EVENT_LEAP);
    CHECK(strstr(ev[0].message, "deletion") != NULL);
    /* Unsynchronized, LI is alarm: that is UNSYNC's news, not a leap's. */
    snap.src[0].last_sample_age_ns = 6 * NT_NS_PER_S;
    unsync();
    step();
    EXPECT(EVENT_REF_LOST, EVENT_UNSYNC);

    reset();
    step();
    ok(0);
    track("nmea0");
    step();
    snap.src[0].jump_suspect = true;
    step();
    EXPECT(EVENT_JUMP_HELD);
    CHECK(ev[0].severity == EVENT_WARNING && strstr(ev[0].message, "spoofing") != NULL);
    CHECK(strcmp(ev[0].source, "nmea0") == 0);
    step();
    EXPECT_NONE();
    snap.src[0].jump_suspect = false;
    step();
    EXPECT(EVENT_JUMP_CLEARED);
    CHECK(ev[0].severity == EVENT_INFO);

    /* A coarse source that goes silent: NO_DATA (PPS_MISSING is for pulses). */
    snap.src[0].state = DRV_STATE_NO_DATA;
    step();
    EXPECT(EVENT_NO_DATA);
    CHECK(strcmp(ev[0].source, "nmea0") == 0 && ev[0].severity == EVENT_WARNING);
}

/* Bad sentences: one NMEA_ERRORS when the rate passes 10 a minute, nothing while it keeps
 * rising for minutes, one NMEA_ERRORS_CLEARED once the minute holds fewer than 5. */
static void test_error_rate(void)
{
    reset();
    step();
    ok(0);
    /* 9 in a minute is below the alarm. */
    for (int i = 0; i < 9; i++) {
        snap.src[0].counters[DRV_CNT_BAD_CHECKSUM]++;
        step();
        EXPECT_NONE();
    }
    for (int i = 0; i < 60; i++) {
        step();
        EXPECT_NONE();
    }
    int raised = 0, cleared = 0;
    int64_t raised_at = 0;
    for (int i = 0; i < 300; i++) {
        snap.src[0].counters[DRV_CNT_BAD_CHECKSUM] += 2;
        snap.src[0].counters[DRV_CNT_BAD_FORMAT] += i % 2;
        step();
        if (find(EVENT_NMEA_ERRORS, "nmea0") != NULL) {
            raised++;
            raised_at = now_s;
            /* The 9 of the first minute are out of the window: 4 seconds of 2 + 0/1. */
            CHECK(strstr(find(EVENT_NMEA_ERRORS, "nmea0")->message,
                         "10 bad sentences in the last 60 s (bad checksum 8, bad format 2, "
                         "too long 0)") != NULL);
        }
        cleared += find(EVENT_NMEA_ERRORS_CLEARED, "nmea0") != NULL;
    }
    CHECK_INT(raised, 1);
    CHECK_INT(cleared, 0);
    CHECK(raised_at > 0);
    /* Stops: cleared once when the last minute holds fewer than 5, i.e. 58 s later. */
    int64_t stop = now_s;
    for (int i = 0; i < 200; i++) {
        step();
        if (find(EVENT_NMEA_ERRORS_CLEARED, "nmea0") != NULL) {
            cleared++;
            CHECK(now_s - stop >= 57 && now_s - stop <= 61);
        }
        raised += find(EVENT_NMEA_ERRORS, "nmea0") != NULL;
    }
    CHECK_INT(cleared, 1);
    CHECK_INT(raised, 1);
}

/* A source flapping every second: at most EVD_FLAP_MAX reports of its state, then one
 * FLAPPING, then silence while it flaps; when the budget allows again, the state it then has
 * is reported with the count of changes held back. The same for a flapping reference. */
static void test_flapping(void)
{
    reset();
    step();
    ok(0);
    ok(1);
    track("pps0");
    step();
    int reports = 0, flapping = 0;
    for (int i = 0; i < 200; i++) {
        snap.src[1].state = i % 2 == 0 ? DRV_STATE_NO_DATA : DRV_STATE_OK;
        step();
        reports += find(EVENT_PPS_MISSING, "pps0") != NULL || find(EVENT_SOURCE_OK, "pps0");
        flapping += find(EVENT_FLAPPING, "pps0") != NULL;
        if (find(EVENT_FLAPPING, "pps0") != NULL) {
            CHECK(find(EVENT_FLAPPING, "pps0")->severity == EVENT_WARNING);
            CHECK(strncmp(find(EVENT_FLAPPING, "pps0")->message, "pps0: its state changed 5 "
                                                                  "times within 300 s", 38) == 0);
        }
    }
    CHECK_INT(reports, EVD_FLAP_MAX);
    CHECK_INT(flapping, 1);
    /* The reports alternated from PPS_MISSING: the fifth said NO_DATA. It settles in OK:
     * after the window that is reported once, with the count of changes held back. */
    snap.src[1].state = DRV_STATE_OK;
    int late = 0;
    for (int i = 0; i < 400; i++) {
        step();
        const struct event *e = find(EVENT_SOURCE_OK, "pps0");
        if (e != NULL) {
            late++;
            CHECK(strstr(e->message, "held back while it flapped") != NULL);
        }
        CHECK(find(EVENT_FLAPPING, "pps0") == NULL);
    }
    CHECK_INT(late, 1);

    /* The reference flapping between two sources. */
    reset();
    step();
    ok(0);
    ok(1);
    track("pps0");
    step();
    int changes = 0;
    flapping = 0;
    for (int i = 0; i < 100; i++) {
        track(i % 2 == 0 ? "nmea0" : "pps0");
        step();
        changes += find(EVENT_REF_CHANGED, "nmea0") != NULL || find(EVENT_REF_CHANGED, "pps0");
        flapping += find(EVENT_FLAPPING, "") != NULL;
    }
    /* REF_SELECTED was the first report: four changes fit the budget. */
    CHECK_INT(changes, EVD_FLAP_MAX - 1);
    CHECK_INT(flapping, 1);
}

/* No room for all: the rest are counted, never written past the end. */
static void test_no_room(void)
{
    reset();
    snap.src[0].state = DRV_STATE_RECONNECTING;
    snap.src[1].state = DRV_STATE_RECONNECTING;
    struct event two[2];
    size_t n = evd_update(&det, &snap, NT_NS_PER_S, BASE_NS, two, 2);
    CHECK_INT(n, 2);
    CHECK(two[0].tag == EVENT_START && two[1].tag == EVENT_DEVICE_LOST);
    CHECK_INT(det.dropped, 1);
}

/* Names are the interface: each tag has one, and they are distinct. */
static void test_names(void)
{
    for (int i = 0; i < EVENT_TAG__COUNT; i++) {
        CHECK(strcmp(event_tag_name(i), "UNKNOWN") != 0);
        for (int j = 0; j < i; j++) {
            CHECK(strcmp(event_tag_name(i), event_tag_name(j)) != 0);
        }
    }
    CHECK(strcmp(event_tag_name(EVENT_TAG__COUNT), "UNKNOWN") == 0);
    CHECK(strcmp(event_severity_name(EVENT_CRITICAL), "critical") == 0);
}

int main(void)
{
    test_lifecycle();
    test_each_tag();
    test_error_rate();
    test_flapping();
    test_no_room();
    test_names();
    return check_result();
}
