/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gpsntp-gpssim: a GPS receiver on a pty, for the demo and the tests. Each second of simulated
 * time (the system clock shifted by --offset) it sends a burst of NMEA, --latency after the
 * second, paced at --baud. With --pps PATH it also emits the receiver's pulse-per-second on
 * the second, as a fakepps page (tests/sim/fakepps.h) that gpsntpd reads as a kernel PPS device
 * when libgpsntp-fakepps.so is preloaded. Faults are scheduled in seconds from start
 * (START:DURATION). It is test equipment: it reads the system clock and never sets it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <linux/pps.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/ntime.h"
#include "tests/sim/fakepps.h"
#include "tests/sim/gpssim_nmea.h"

struct window {
    double start, dur; /* seconds from program start; dur 0: off */
};

static struct {
    const char *link;
    double offset_s, latency_s, jitter_s, duration_s;
    long baud;
    char talker[3];
    unsigned seed;
    struct window nofix, garbage, badsum, unplug, silent;
    const char *pps_path;
    double pps_jitter_s, pps_delay_s, pps_width_s;
    struct window pps_miss;
    double jump_at_s, jump_s;
    bool rollover, leap, verbose;
    const char *start_at;
    long print_n;
    double backlog_at_s;
    long backlog_n;
} opt = {.backlog_at_s = -1, .latency_s = 0.1, .baud = 9600, .talker = "GP", .seed = 1, .duration_s = 0,
         .jump_at_s = -1, .pps_width_s = 0.1};

static volatile sig_atomic_t stop;
static int master = -1;
static char slave_path[64];

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int64_t sys_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return nt_from_timespec(ts);
}

static void sleep_until(int64_t sys_ns)
{
    struct timespec ts = nt_to_timespec(sys_ns);
    while (!stop && clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

static bool in_window(const struct window *w, double t)
{
    return w->dur > 0 && t >= w->start && t < w->start + w->dur;
}

static bool parse_window(const char *s, struct window *w)
{
    return sscanf(s, "%lf:%lf", &w->start, &w->dur) == 2 && w->start >= 0 && w->dur > 0;
}

static double uniform(void)
{
    return (rand_r(&opt.seed) + 0.5) / ((double)RAND_MAX + 1.0);
}

static double gaussian(void)
{
    return sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());
}

static struct fakepps_page *pps_page;

/* The page is created afresh, world-writable: the daemon records its capture mode in it, also
 * after it has dropped root. */
static int open_pps(void)
{
    unlink(opt.pps_path);
    int fd = open(opt.pps_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 || fchmod(fd, 0666) < 0 || ftruncate(fd, sizeof(struct fakepps_page)) < 0) {
        perror("gpssim: --pps");
        return -1;
    }
    void *m = mmap(NULL, sizeof(struct fakepps_page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        perror("gpssim: --pps: mmap");
        return -1;
    }
    pps_page = m;
    pps_page->caps = PPS_CAPTUREASSERT | PPS_CAPTURECLEAR | PPS_TSFMT_TSPEC | PPS_CANWAIT;
    pps_page->mode = PPS_CAPTUREASSERT | PPS_TSFMT_TSPEC; /* a driver's usual default */
    memcpy(pps_page->magic, FAKEPPS_MAGIC, sizeof(FAKEPPS_MAGIC));
    printf("gpssim: pps %s\n", opt.pps_path);
    fflush(stdout);
    return 0;
}

/* Unplugged: the device goes away (its readers get ENODEV) and comes back as a new one. */
static void close_pps(void)
{
    if (pps_page != NULL) {
        munmap(pps_page, sizeof(*pps_page));
        pps_page = NULL;
        unlink(opt.pps_path);
    }
}

/* One edge, stamped as the interrupt handler would: published once its time has come. */
static void pps_edge(bool assert, int64_t stamp_ns)
{
    sleep_until(stamp_ns);
    if (stop) {
        return;
    }
    __atomic_store_n(&pps_page->gen, pps_page->gen + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    if (assert) {
        pps_page->assert_seq++;
        pps_page->assert_ns = stamp_ns;
    } else {
        pps_page->clear_seq++;
        pps_page->clear_ns = stamp_ns;
    }
    __atomic_store_n(&pps_page->gen, pps_page->gen + 1, __ATOMIC_RELEASE);
}

static int open_pty(void)
{
    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
        perror("gpssim: pty");
        return -1;
    }
    snprintf(slave_path, sizeof(slave_path), "%s", ptsname(master));
    struct termios tio;
    if (tcgetattr(master, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(master, TCSANOW, &tio);
    }
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    if (opt.link != NULL) {
        char tmp[4096];
        snprintf(tmp, sizeof(tmp), "%s.new", opt.link);
        unlink(tmp);
        if (symlink(slave_path, tmp) < 0 || rename(tmp, opt.link) < 0) {
            perror("gpssim: link");
            return -1;
        }
    }
    printf("gpssim: %s\n", slave_path);
    fflush(stdout);
    return 0;
}

static void close_pty(void)
{
    if (opt.link != NULL) {
        unlink(opt.link);
    }
    if (master >= 0) {
        close(master);
        master = -1;
    }
}

/* Write at the serial rate: 10 bits per byte. Bytes nobody reads are dropped. */
static void send_paced(const char *buf, size_t len)
{
    double byte_s = 10.0 / (double)opt.baud;
    int64_t t = sys_now();
    size_t chunk = 16;
    for (size_t off = 0; off < len && !stop && master >= 0; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        if (write(master, buf + off, n) < 0 && errno != EAGAIN) {
            return;
        }
        t += nt_from_s(byte_s * (double)n);
        sleep_until(t);
    }
}

/* --backlog: N cycles of the seconds before `second`, written at once, as a UART or USB
 * adapter releases what it queued while nobody read the port. */
static void send_backlog(int64_t second)
{
    for (long i = opt.backlog_n; i > 0 && master >= 0; i--) {
        struct gpssim_epoch e = {.utc_ns = second - i * NT_NS_PER_S, .fix = true};
        snprintf(e.talker, sizeof(e.talker), "%s", opt.talker);
        char buf[1024];
        size_t n = gpssim_nmea_epoch(&e, buf, sizeof(buf));
        if (write(master, buf, n) < 0 && errno != EAGAIN) {
            return;
        }
    }
}

/* --print: the same epochs the pty would carry, timed by whoever replays them. */
static int print_log(int64_t offset_ns)
{
    int64_t second = ((sys_now() + offset_ns) / NT_NS_PER_S + 1) * NT_NS_PER_S;
    for (long i = 0; i < opt.print_n; i++, second += NT_NS_PER_S) {
        struct gpssim_epoch e = {.utc_ns = second, .fix = true};
        snprintf(e.talker, sizeof(e.talker), "%s", opt.talker);
        char buf[1024];
        size_t n = gpssim_nmea_epoch(&e, buf, sizeof(buf));
        if (fwrite(buf, 1, n, stdout) != n) {
            return 1;
        }
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gpsntp-gpssim [options]\n"
            "  --link PATH          symlink to the pty (kept across --unplug)\n"
            "  --offset S           simulated time = system clock + S (default 0)\n"
            "  --start-at ISO       simulated time starts at YYYY-MM-DDTHH:MM:SS\n"
            "  --latency S          first byte S after the second (default 0.1)\n"
            "  --jitter S           Gaussian jitter of that latency (default 0)\n"
            "  --baud N             serial pacing (default 9600)\n"
            "  --talker XX          talker ID (default GP)\n"
            "  --seed N             random seed (default 1)\n"
            "  --duration S         exit after S seconds (default: run until SIGTERM)\n"
            "  --nofix START:DUR    no fix (RMC V, GGA quality 0) during that window\n"
            "  --garbage START:DUR  binary garbage between sentences\n"
            "  --badsum START:DUR   wrong checksums\n"
            "  --unplug START:DUR   close the pty (and stop pulses), recreate it after DUR\n"
            "  --silent START:DUR   no NMEA during that window (pulses go on)\n"
            "  --pps PATH           emit PPS as a fakepps page at PATH (see fakepps.h)\n"
            "  --pps-jitter S       Gaussian jitter of the pulse (default 0)\n"
            "  --pps-delay S        fixed delay of the pulse after the second (cable, default 0)\n"
            "  --pps-width S        pulse width: the clear edge follows (default 0.1)\n"
            "  --pps-miss START:DUR no pulses during that window\n"
            "  --jump START:S       simulated time jumps by S seconds from START on\n"
            "  --rollover           dates 1024 weeks in the past (GPS week-rollover bug)\n"
            "  --leap               insert a leap second (23:59:60) at the next UTC midnight\n"
            "  --backlog START:N    at START, first N cycles of the past N seconds at once (what a\n"
            "                       port queued while unread), then the live cycle\n"
            "  --print N            write N seconds of NMEA from the next second on to stdout, at\n"
            "                       once, and exit (a log for gpsfake, which paces it)\n"
            "  -v                   log each second to stderr\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"link", required_argument, NULL, 'l'},    {"offset", required_argument, NULL, 'o'},
        {"latency", required_argument, NULL, 'L'}, {"jitter", required_argument, NULL, 'j'},
        {"baud", required_argument, NULL, 'b'},    {"talker", required_argument, NULL, 't'},
        {"seed", required_argument, NULL, 's'},    {"duration", required_argument, NULL, 'd'},
        {"nofix", required_argument, NULL, 'N'},   {"garbage", required_argument, NULL, 'G'},
        {"badsum", required_argument, NULL, 'B'},  {"unplug", required_argument, NULL, 'U'},
        {"jump", required_argument, NULL, 'J'},    {"rollover", no_argument, NULL, 'R'},
        {"leap", no_argument, NULL, 'P'},          {"start-at", required_argument, NULL, 'S'},
        {"silent", required_argument, NULL, 'Q'},  {"pps", required_argument, NULL, 'p'},
        {"pps-jitter", required_argument, NULL, 'x'},
        {"pps-delay", required_argument, NULL, 'y'},
        {"pps-width", required_argument, NULL, 'w'},
        {"pps-miss", required_argument, NULL, 'm'},
        {"print", required_argument, NULL, 'O'},
        {"backlog", required_argument, NULL, 'K'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'l': opt.link = optarg; break;
        case 'o': opt.offset_s = atof(optarg); break;
        case 'L': opt.latency_s = atof(optarg); break;
        case 'j': opt.jitter_s = atof(optarg); break;
        case 'b': opt.baud = atol(optarg); ok = opt.baud >= 300; break;
        case 't': ok = strlen(optarg) == 2; snprintf(opt.talker, 3, "%s", optarg); break;
        case 's': opt.seed = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'd': opt.duration_s = atof(optarg); break;
        case 'N': ok = parse_window(optarg, &opt.nofix); break;
        case 'G': ok = parse_window(optarg, &opt.garbage); break;
        case 'B': ok = parse_window(optarg, &opt.badsum); break;
        case 'U': ok = parse_window(optarg, &opt.unplug); break;
        case 'J': ok = sscanf(optarg, "%lf:%lf", &opt.jump_at_s, &opt.jump_s) == 2; break;
        case 'R': opt.rollover = true; break;
        case 'P': opt.leap = true; break;
        case 'S': opt.start_at = optarg; break;
        case 'Q': ok = parse_window(optarg, &opt.silent); break;
        case 'p': opt.pps_path = optarg; break;
        case 'x': opt.pps_jitter_s = atof(optarg); ok = opt.pps_jitter_s >= 0; break;
        case 'y': opt.pps_delay_s = atof(optarg); ok = fabs(opt.pps_delay_s) < 0.1; break;
        case 'w': opt.pps_width_s = atof(optarg); ok = opt.pps_width_s > 0 && opt.pps_width_s < 0.9; break;
        case 'm': ok = parse_window(optarg, &opt.pps_miss); break;
        case 'O': opt.print_n = atol(optarg); ok = opt.print_n > 0; break;
        case 'K':
            ok = sscanf(optarg, "%lf:%ld", &opt.backlog_at_s, &opt.backlog_n) == 2 &&
                 opt.backlog_at_s >= 0 && opt.backlog_n > 0 && opt.backlog_n <= 60;
            break;
        case 'v': opt.verbose = true; break;
        case 'h': usage(stdout); return 0;
        default: ok = false;
        }
        if (!ok) {
            usage(stderr);
            return 2;
        }
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);

    int64_t t0 = sys_now();
    int64_t offset_ns = nt_from_s(opt.offset_s);
    if (opt.start_at != NULL) {
        int y, mo, d, h, mi, s;
        if (sscanf(opt.start_at, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6) {
            fprintf(stderr, "gpssim: --start-at: expected YYYY-MM-DDTHH:MM:SS\n");
            return 2;
        }
        offset_ns = nt_from_utc(y, mo, d, h, mi, s, 0) - t0;
    }
    if (opt.print_n > 0) {
        return print_log(offset_ns);
    }
    if (open_pty() < 0 || (opt.pps_path != NULL && open_pps() < 0)) {
        return 1;
    }
    bool leap_done = false, unplugged = false;
    while (!stop) {
        double elapsed = nt_to_s(sys_now() - t0);
        if (opt.duration_s > 0 && elapsed >= opt.duration_s) {
            break;
        }
        if (in_window(&opt.unplug, elapsed) != unplugged) {
            unplugged = !unplugged;
            if (unplugged) {
                close_pty();
                close_pps();
                fprintf(stderr, "gpssim: unplugged\n");
            } else if (open_pty() < 0 || (opt.pps_path != NULL && open_pps() < 0)) {
                return 1;
            }
        }
        int64_t shift = offset_ns + (opt.jump_at_s >= 0 && elapsed >= opt.jump_at_s
                                         ? nt_from_s(opt.jump_s) : 0);
        /* The next whole simulated second, and when (system time) its burst starts. */
        int64_t sim_now = sys_now() + shift;
        int64_t second = (sim_now / NT_NS_PER_S + 1) * NT_NS_PER_S;
        double lat = opt.latency_s + (opt.jitter_s > 0 ? gaussian() * opt.jitter_s : 0);
        if (lat < 0) {
            lat = 0;
        }
        int64_t pulse = second - shift;
        bool pulse_clear_pending = false;
        if (pps_page != NULL && !unplugged && !in_window(&opt.pps_miss, elapsed)) {
            pulse += nt_from_s(opt.pps_delay_s + gaussian() * opt.pps_jitter_s);
            pps_edge(true, pulse);
            pulse_clear_pending = true;
            if (opt.pps_width_s < lat) {
                pps_edge(false, pulse + nt_from_s(opt.pps_width_s));
                pulse_clear_pending = false;
            }
        }
        sleep_until(second - shift + nt_from_s(lat));
        if (stop || unplugged || in_window(&opt.silent, elapsed)) {
            if (pulse_clear_pending) {
                pps_edge(false, pulse + nt_from_s(opt.pps_width_s));
            }
            continue;
        }
        struct gpssim_epoch e = {.utc_ns = second, .fix = !in_window(&opt.nofix, elapsed),
                                 .rollover_bug = opt.rollover,
                                 .bad_checksum = in_window(&opt.badsum, elapsed)};
        snprintf(e.talker, sizeof(e.talker), "%s", opt.talker);
        if (opt.leap && !leap_done && second % NT_NS_PER_DAY == 0) {
            /* 23:59:60: this tick names the leap second, and the simulated clock then runs
             * one second behind so the next tick is midnight. */
            e.leap_second = true;
            leap_done = true;
            offset_ns -= NT_NS_PER_S;
        }
        if (opt.backlog_at_s >= 0 && elapsed >= opt.backlog_at_s) {
            send_backlog(second);
            opt.backlog_at_s = -1;
        }
        char buf[1024];
        size_t n = gpssim_nmea_epoch(&e, buf, sizeof(buf));
        if (in_window(&opt.garbage, elapsed)) {
            char junk[64];
            for (size_t i = 0; i < sizeof(junk); i++) {
                junk[i] = (char)(rand_r(&opt.seed) & 0xff);
            }
            send_paced(junk, sizeof(junk));
        }
        send_paced(buf, n);
        if (pulse_clear_pending) {
            pps_edge(false, pulse + nt_from_s(opt.pps_width_s));
        }
        if (opt.verbose) {
            fprintf(stderr, "gpssim: sent %zu bytes for %lld%s\n", n,
                    (long long)(second / NT_NS_PER_S), e.fix ? "" : " (no fix)");
        }
    }
    close_pty();
    close_pps();
    return 0;
}
