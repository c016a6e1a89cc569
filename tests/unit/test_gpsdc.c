/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the gpsd client driver: the mapping of gpsd JSON (through libgps's own
 * gps_unpack) to samples, pulses and states, the address parser, and the driver under the real
 * refclock layer against a fake gpsd on a loopback socket: the WATCH request it sends, lines
 * split across reads and several lines in one read, and reconnection when gpsd goes away.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "common/clk.h"
#include "common/ev.h"
#include "common/log.h"
#include "common/ntime.h"
#include "drivers/gpsdc.h"
#include "refclock/rc.h"
#include "daemon/cfg.h"

#define S NT_NS_PER_S

static struct gps_data_t gd;

static enum gpsdc_kind feed(struct gpsdc_state *st, const char *json, struct gpsdc_event *ev)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", json);
    gpsdc_prepare(&gd);
    if (!gpsdc_unpack(buf, &gd)) {
        return GPSDC_BAD;
    }
    return gpsdc_map(st, &gd, ev);
}

#define TOFF(dev, rs, rn, cs, cn)                                                               \
    "{\"class\":\"TOFF\",\"device\":\"" dev "\",\"real_sec\":" #rs ",\"real_nsec\":" #rn    \
    ",\"clock_sec\":" #cs ",\"clock_nsec\":" #cn ",\"precision\":-1}"
#define PPS(dev, rs, cs, cn)                                                                    \
    "{\"class\":\"PPS\",\"device\":\"" dev "\",\"real_sec\":" #rs ",\"real_nsec\":0"          \
    ",\"clock_sec\":" #cs ",\"clock_nsec\":" #cn ",\"precision\":-20}"
#define TPV(dev, mode) "{\"class\":\"TPV\",\"device\":\"" dev "\",\"mode\":" #mode "}"

/* Lines on which libgps 3.22's gps_unpack() never returns (found by fuzz_gpsd): the driver's
 * own unpacking gives up on them at once, and the next good line is read as usual. */
static void test_unpack_guard(void)
{
    static const char *const hang[] = {
        ("{\"class\":\"DEVICES\",\"\\devices\":[{\"class\":\"DEVICE\",\"path\":"
         "\"/dev/ttyUSB0\",\"pa,ity\":\"N\"}]}"),
        "{\"class\":\"TOFF\",\"device\":\"/dev/x\",\"real_sec\":1},{\"class\":\"PPS\"}",
        "{\"class\":\"TPV\",\"x\":[{\"class\":\"TPV\"}]}",
        "{\"class\":\"TPV\"}x\"class\":\"TPV\"",
    };
    alarm(10); /* a regression hangs here: fail fast, not at ctest's timeout */
    for (size_t i = 0; i < sizeof(hang) / sizeof(hang[0]); i++) {
        gpsdc_prepare(&gd);
        CHECK(!gpsdc_unpack(hang[i], &gd));
    }
    alarm(0);
    gpsdc_prepare(&gd);
    CHECK(gpsdc_unpack("not json", &gd) && gd.set == 0); /* ignored, as gps_unpack() does */
    struct gpsdc_state st;
    struct gpsdc_event ev;
    gpsdc_init(&st, false, NULL);
    CHECK_INT(feed(&st, TOFF("/dev/ttyUSB0", 1700000000, 0, 1700000000, 612345678), &ev),
              GPSDC_SAMPLE);
}

static void test_mapping(void)
{
    struct gpsdc_state st;
    struct gpsdc_event ev;
    gpsdc_init(&st, false, NULL);

    CHECK_INT(feed(&st, TOFF("/dev/ttyUSB0", 1700000000, 0, 1700000000, 612345678), &ev),
              GPSDC_SAMPLE);
    CHECK_INT(ev.ref_ns, 1700000000LL * S);
    CHECK_INT(ev.local_sys_ns, 1700000000LL * S + 612345678);
    CHECK(strcmp(ev.text, "/dev/ttyUSB0") == 0);
    CHECK(!ev.device_changed);
    /* The same report again (gpsd repeats TOFF for each client cycle on some receivers). */
    CHECK_INT(feed(&st, TOFF("/dev/ttyUSB0", 1700000000, 0, 1700000000, 612345678), &ev),
              GPSDC_REPEAT);
    /* A sample source ignores PPS reports. */
    CHECK_INT(feed(&st, PPS("/dev/ttyUSB0", 1700000001, 1700000001, 1200), &ev), GPSDC_NONE);
    /* No fix: TPV mode 1 marks it, and TOFF is not a sample until the fix is back. */
    CHECK_INT(feed(&st, TPV("/dev/ttyUSB0", 1), &ev), GPSDC_NO_FIX);
    CHECK_INT(feed(&st, TOFF("/dev/ttyUSB0", 1700000001, 0, 1700000001, 612345678), &ev),
              GPSDC_NO_FIX);
    CHECK_INT(feed(&st, TPV("/dev/ttyUSB0", 3), &ev), GPSDC_NONE);
    CHECK_INT(feed(&st, TOFF("/dev/ttyUSB0", 1700000002, 0, 1700000002, 612345678), &ev),
              GPSDC_SAMPLE);
    /* Another receiver's TPV does not change our fix. */
    CHECK_INT(feed(&st, TPV("/dev/ttyUSB1", 1), &ev), GPSDC_NONE);
    CHECK_INT(feed(&st, TOFF("/dev/ttyUSB0", 1700000003, 0, 1700000003, 612345678), &ev),
              GPSDC_SAMPLE);
    /* Without a filter, time from another device is taken, and the change is flagged. */
    CHECK_INT(feed(&st, TOFF("/dev/ttyACM0", 1700000004, 0, 1700000004, 512345678), &ev),
              GPSDC_SAMPLE);
    CHECK(ev.device_changed);
    /* Impossible times. */
    CHECK_INT(feed(&st, TOFF("/dev/ttyACM0", -5, 0, 1700000004, 512345678), &ev), GPSDC_BAD);
    CHECK_INT(feed(&st, TOFF("/dev/ttyACM0", 1700000005, 2000000000, 1700000005, 0), &ev),
              GPSDC_BAD);
    CHECK_INT(feed(&st, "{\"class\":\"TOFF\"}", &ev), GPSDC_BAD);
    CHECK_INT(feed(&st, "not json at all", &ev), GPSDC_NONE);
    CHECK_INT(feed(&st, "{\"class\":\"SKY\",\"device\":\"/dev/ttyACM0\"}", &ev), GPSDC_NONE);
    CHECK_INT(feed(&st, "{\"class\":\"ERROR\",\"message\":\"Can't open /dev/x.\"}", &ev),
              GPSDC_ERROR);
    CHECK(strcmp(ev.text, "Can't open /dev/x.") == 0);

    /* A pulse source with a device filter. */
    gpsdc_init(&st, true, "/dev/ttyUSB0");
    CHECK_INT(feed(&st, PPS("/dev/ttyUSB0", 1700000001, 1700000000, 999999000), &ev),
              GPSDC_PULSE);
    CHECK_INT(ev.local_sys_ns, 1700000000LL * S + 999999000);
    CHECK_INT(feed(&st, PPS("/dev/ttyUSB0", 1700000001, 1700000000, 999999000), &ev),
              GPSDC_REPEAT);
    CHECK_INT(feed(&st, PPS("/dev/ttyUSB1", 1700000002, 1700000002, 1000), &ev), GPSDC_NONE);
    CHECK_INT(feed(&st, TOFF("/dev/ttyUSB0", 1700000002, 0, 1700000002, 612345678), &ev),
              GPSDC_NONE);
    CHECK_INT(feed(&st, "{\"class\":\"DEVICES\",\"devices\":[{\"class\":\"DEVICE\","
                        "\"path\":\"/dev/ttyUSB1\",\"activated\":\"2023-01-01T00:00:00.000Z\"}]}",
                   &ev),
              GPSDC_MISSING);
    CHECK(strcmp(ev.text, "/dev/ttyUSB0") == 0);
    CHECK_INT(feed(&st, "{\"class\":\"DEVICES\",\"devices\":[{\"class\":\"DEVICE\","
                        "\"path\":\"/dev/ttyUSB0\",\"activated\":\"2023-01-01T00:00:00.000Z\"}]}",
                   &ev),
              GPSDC_NONE);
    CHECK_INT(feed(&st, "{\"class\":\"DEVICE\",\"path\":\"/dev/ttyUSB0\","
                        "\"activated\":\"2023-01-01T00:00:00.000Z\",\"driver\":\"u-blox\"}",
                   &ev),
              GPSDC_DEVICE);
    CHECK(ev.active);
    CHECK_INT(feed(&st, "{\"class\":\"DEVICE\",\"path\":\"/dev/ttyUSB0\","
                        "\"deactivated\":\"2023-01-01T00:00:01.000Z\"}",
                   &ev),
              GPSDC_DEVICE);
    CHECK(!ev.active);
    CHECK_INT(feed(&st, "{\"class\":\"DEVICE\",\"path\":\"/dev/ttyUSB1\","
                        "\"activated\":\"2023-01-01T00:00:00.000Z\"}",
                   &ev),
              GPSDC_NONE);
}

static void test_addr(void)
{
    char h[64], p[8];
    CHECK(gpsdc_parse_addr("localhost", h, sizeof(h), p, sizeof(p)));
    CHECK(strcmp(h, "localhost") == 0 && strcmp(p, "2947") == 0);
    CHECK(gpsdc_parse_addr("127.0.0.1:12947", h, sizeof(h), p, sizeof(p)));
    CHECK(strcmp(h, "127.0.0.1") == 0 && strcmp(p, "12947") == 0);
    CHECK(gpsdc_parse_addr("[::1]:2948", h, sizeof(h), p, sizeof(p)));
    CHECK(strcmp(h, "::1") == 0 && strcmp(p, "2948") == 0);
    CHECK(gpsdc_parse_addr("[fe80::1]", h, sizeof(h), p, sizeof(p)));
    CHECK(strcmp(h, "fe80::1") == 0 && strcmp(p, "2947") == 0);
    CHECK(!gpsdc_parse_addr("::1", h, sizeof(h), p, sizeof(p)));
    CHECK(!gpsdc_parse_addr("[::1", h, sizeof(h), p, sizeof(p)));
    CHECK(!gpsdc_parse_addr("[::1]x", h, sizeof(h), p, sizeof(p)));
    CHECK(!gpsdc_parse_addr("[]:2947", h, sizeof(h), p, sizeof(p)));
    CHECK(!gpsdc_parse_addr(":2947", h, sizeof(h), p, sizeof(p)));
    CHECK(!gpsdc_parse_addr("host:0", h, sizeof(h), p, sizeof(p)));
    CHECK(!gpsdc_parse_addr("host:65536", h, sizeof(h), p, sizeof(p)));
    CHECK(!gpsdc_parse_addr("host:http", h, sizeof(h), p, sizeof(p)));
    CHECK(!gpsdc_parse_addr("host:", h, sizeof(h), p, sizeof(p)));
    CHECK(!gpsdc_parse_addr("a-very-long-host-name-that-does-not-fit-in-the-small-buffer.example",
                            h, sizeof(h), p, sizeof(p)));

    struct cfg c;
    FILE *devnull = fopen("/dev/null", "w");
    CHECK_INT(cfg_parse_string("refclock gpsd localhost:2947 device /dev/ttyUSB0\n", "t", &c,
                               devnull),
              0);
    CHECK_INT(cfg_parse_string("refclock gpsd [::1] pps lock GPS refid PPS\n"
                               "refclock gpsd [::1] refid GPS\n",
                               "t", &c, devnull),
              0);
    CHECK(cfg_parse_string("refclock gpsd localhost:99999\n", "t", &c, devnull) > 0);
    CHECK(cfg_parse_string("refclock gpsd localhost device ttyUSB0\n", "t", &c, devnull) > 0);
    CHECK(cfg_parse_string("refclock gpsd localhost clear\n", "t", &c, devnull) > 0);
    fclose(devnull);
}

/* --- the driver against a fake gpsd ---------------------------------------------------- */

static int64_t sys_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* test equipment: the fake gpsd's clock */
    return nt_from_timespec(ts);
}

static void run_loop_for(int64_t ns)
{
    int64_t end = sys_now() + ns;
    while (sys_now() < end) {
        ev_run_once(10 * NT_NS_PER_MS);
    }
}

/* Accept the driver's connection while running the loop (it connects from its open). */
static int accept_client(int ls)
{
    for (int i = 0; i < 300; i++) {
        struct pollfd pfd = {.fd = ls, .events = POLLIN};
        if (poll(&pfd, 1, 0) == 1) {
            return accept(ls, NULL, NULL);
        }
        ev_run_once(10 * NT_NS_PER_MS);
    }
    return -1;
}

static void send_str(int fd, const char *s)
{
    CHECK_INT(write(fd, s, strlen(s)), (long long)strlen(s));
}

static void toff_line(char *buf, size_t len, int64_t real_s, int64_t clock_ns)
{
    snprintf(buf, len,
             "{\"class\":\"TOFF\",\"device\":\"/dev/ttyFAKE\",\"real_sec\":%lld,"
             "\"real_nsec\":0,\"clock_sec\":%lld,\"clock_nsec\":%lld,\"precision\":-1}\n",
             (long long)real_s, (long long)(clock_ns / S), (long long)(clock_ns % S));
}

static struct rc_src_status status_of(void)
{
    struct rc_src_status st[2];
    memset(st, 0, sizeof(st));
    CHECK_INT(rc_get_sources(st, 2), 1);
    return st[0];
}

static void test_driver(void)
{
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    CHECK_INT(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
    CHECK_INT(listen(ls, 4), 0);
    CHECK_INT(getsockname(ls, (struct sockaddr *)&a, &alen), 0);
    char conf[256];
    snprintf(conf, sizeof(conf),
             "refclock gpsd 127.0.0.1:%d device /dev/ttyFAKE\nport 0\nbindaddress 127.0.0.1\n",
             ntohs(a.sin_port));
    struct cfg c;
    CHECK_INT(cfg_parse_string(conf, "test", &c, stderr), 0);
    struct clk *clk = clk_soft_create();
    ev_init(clk);
    CHECK_INT(rc_init(clk, &c.rc), 0);
    CHECK_INT(rc_start(), 0);

    int fd = accept_client(ls);
    CHECK(fd >= 0);
    char req[512] = "";
    run_loop_for(50 * NT_NS_PER_MS);
    ssize_t n = read(fd, req, sizeof(req) - 1);
    req[n > 0 ? n : 0] = '\0';
    CHECK(strstr(req, "?WATCH=") != NULL);
    CHECK(strstr(req, "\"pps\":true") != NULL);
    CHECK(strstr(req, "\"device\":\"/dev/ttyFAKE\"") != NULL);
    send_str(fd, "{\"class\":\"VERSION\",\"release\":\"3.22\",\"proto_major\":3,"
                 "\"proto_minor\":14}\n");

    /* Three reports in one write, then one split across two writes. */
    char l1[256], l2[256], l3[256], l4[256], all[1024];
    int64_t now = sys_now();
    int64_t base_s = now / S - 3;
    toff_line(l1, sizeof(l1), base_s, now - 3 * S / 10);
    toff_line(l2, sizeof(l2), base_s + 1, now - 2 * S / 10);
    toff_line(l3, sizeof(l3), base_s + 2, now - 1 * S / 10);
    snprintf(all, sizeof(all), "%s%s%s", l1, l2, l3);
    send_str(fd, all);
    run_loop_for(100 * NT_NS_PER_MS);
    struct rc_src_status st = status_of();
    CHECK_INT(st.state, DRV_STATE_OK);
    CHECK(st.last_sample_age_ns >= 0);
    toff_line(l4, sizeof(l4), base_s + 3, sys_now());
    size_t half = strlen(l4) / 2;
    CHECK_INT(write(fd, l4, half), (long long)half);
    run_loop_for(50 * NT_NS_PER_MS);
    send_str(fd, l4 + half);
    /* The repeat and a stale report (received 10 s ago). */
    send_str(fd, l4);
    toff_line(l1, sizeof(l1), base_s - 10, sys_now() - 10 * S);
    send_str(fd, l1);
    run_loop_for(100 * NT_NS_PER_MS);
    st = status_of();
    CHECK_INT(st.counters[DRV_CNT_STALE], 2);
    CHECK_INT(st.counters[DRV_CNT_BAD_FORMAT], 0);
    printf("driver: state %s samples %llu offset %.3f s\n", drv_state_name(st.state),
           (unsigned long long)st.samples, st.offset_s);

    /* A line libgps's gps_unpack() never returns from, and an overlong one: counted and
     * dropped, the loop goes on (a hang here ends the test at the alarm) and the next report
     * is read (a stale one: counted as such). */
    uint64_t stale_before = st.counters[DRV_CNT_STALE];
    alarm(10);
    send_str(fd, "{\"class\":\"TOFF\",\"device\":\"/dev/x\",\"real_sec\":1},{\"class\":\"PPS\"}\n");
    static char longline[GPSDC_LINE_MAX + 100];
    memset(longline, 'x', sizeof(longline) - 2);
    longline[sizeof(longline) - 2] = '\n';
    send_str(fd, longline);
    toff_line(l1, sizeof(l1), base_s - 20, sys_now() - 20 * S);
    send_str(fd, l1);
    run_loop_for(100 * NT_NS_PER_MS);
    alarm(0);
    st = status_of();
    CHECK_INT(st.counters[DRV_CNT_BAD_FORMAT], 1);
    CHECK_INT(st.counters[DRV_CNT_BAD_LENGTH], 1);
    CHECK_INT(st.counters[DRV_CNT_STALE], stale_before + 1);

    /* gpsd goes away: the layer reconnects (first retry after 1 s). */
    close(fd);
    run_loop_for(100 * NT_NS_PER_MS);
    st = status_of();
    CHECK_INT(st.state, DRV_STATE_RECONNECTING);
    fd = accept_client(ls);
    CHECK(fd >= 0);
    run_loop_for(100 * NT_NS_PER_MS);
    st = status_of();
    CHECK_INT(st.counters[DRV_CNT_RECONNECT], 1);
    CHECK(st.state != DRV_STATE_RECONNECTING);
    toff_line(l1, sizeof(l1), sys_now() / S, sys_now());
    send_str(fd, l1);
    run_loop_for(100 * NT_NS_PER_MS);
    CHECK_INT(status_of().state, DRV_STATE_OK);

    rc_shutdown();
    close(fd);
    close(ls);
    clk_destroy(clk);
}

int main(void)
{
    check_seed(1);
    log_init(true, LOG_LVL_INFO);
    test_mapping();
    test_unpack_guard();
    test_addr();
    test_driver();
    return check_result();
}
