/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gpsntpd: the daemon. Reads the configuration, opens everything that needs root (NTP sockets,
 * the control socket, receiver devices), drops to the configured user, then runs the one event
 * loop until SIGTERM or SIGINT. One thread unless `workers` asks for more, so that the daemon
 * also runs under a libc-intercepting clock and network simulator (clknetsim).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/privdrop.h"
#include "common/clk.h"
#include "common/ev.h"
#include "common/log.h"
#include "refclock/rc.h"
#include "daemon/cfg.h"
#include "daemon/ctl.h"
#include "server/udp.h"

#define DEFAULT_CONFIG "/etc/gpsntpd.conf"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gpsntpd [-dnvxVh] [-f FILE]\n"
            "  -f FILE  configuration file (default " DEFAULT_CONFIG ")\n"
            "  -d       stay in the foreground and log to stderr\n"
            "  -x       never touch the system clock: serve a software-corrected clock\n"
            "  -n       check the configuration: print errors (exit 1) or the effective\n"
            "           configuration (exit 0)\n"
            "  -v       verbose: log debug messages\n"
            "  -V       print the version and exit\n"
            "  -h       this help\n");
}

static void on_signal(int sig)
{
    (void)sig;
    ev_stop();
}

static int install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: poll() must return EINTR so the loop sees the stop request at once. */
    if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0) {
        return -errno;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    return 0;
}

int main(int argc, char **argv)
{
    const char *config_path = DEFAULT_CONFIG;
    bool foreground = false, no_clock_control = false, check_only = false, verbose = false;
    int opt;
    while ((opt = getopt(argc, argv, "f:dnvxVh")) != -1) {
        switch (opt) {
        case 'f': config_path = optarg; break;
        case 'd': foreground = true; break;
        case 'n': check_only = true; break;
        case 'v': verbose = true; break;
        case 'x': no_clock_control = true; break;
        case 'V': printf("gpsntpd %s (built %s)\n", GN_VERSION, GN_BUILD_DATE); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }

    static struct cfg cfg;
    int errors = cfg_parse_file(config_path, &cfg, stderr);
    if (errors != 0) {
        if (errors > 0) {
            fprintf(stderr, "gpsntpd: %s: %d error%s\n", config_path, errors,
                    errors == 1 ? "" : "s");
        }
        return 1;
    }
    if (check_only) {
        cfg_print(&cfg, stdout);
        return 0;
    }

    log_init(foreground, verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
    if (cfg.logfile[0] != '\0') {
        int rc = log_open_file(cfg.logfile);
        if (rc < 0) {
            fprintf(stderr, "gpsntpd: logfile %s: %s\n", cfg.logfile, strerror(-rc));
            return 1;
        }
    }

    struct clk *clk = no_clock_control ? clk_soft_create() : clk_linux_create();
    if (clk == NULL) {
        log_warn("cannot create the %s clock", no_clock_control ? "software" : "system");
        return 1;
    }
    log_set_clock(clk);
    ev_init(clk);
    if (install_signals() < 0) {
        log_warn("cannot install signal handlers");
        return 1;
    }

    /* Everything that needs root happens before the privilege drop. */
    if (rc_init(clk, &cfg.rc) < 0 || udp_open(&cfg.udp, clk) < 0 || ctl_open(&cfg) < 0 ||
        rc_start() < 0) {
        log_err("start-up failed (%s)", config_path);
        return 1;
    }
    if (!foreground && daemon(0, 0) < 0) {
        log_warn("cannot become a daemon");
        return 1;
    }
    if (cfg.user[0] != '\0' && pd_drop_privileges(cfg.user, !no_clock_control) < 0) {
        return 1;
    }
    if (udp_start() < 0 || ctl_start() < 0) {
        log_err("start-up failed (%s)", config_path);
        return 1;
    }
    log_info("gpsntpd %s started%s", GN_VERSION,
             no_clock_control ? " (-x: the system clock is left alone)" : "");

    int rc = ev_run();
    if (rc < 0) {
        errno = -rc;
        log_warn("event loop failed");
    }
    log_info("exiting");
    udp_stop();
    ctl_close();
    rc_shutdown();
    clk_destroy(clk);
    log_close();
    return rc < 0 ? 1 : 0;
}
