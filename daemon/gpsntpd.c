/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gpsntpd: the daemon. Reads the configuration, opens everything that needs root (NTP sockets,
 * the control socket, receiver devices), drops to the configured user, then runs the one event
 * loop until SIGTERM or SIGINT. One thread unless `workers` asks for more, so that the daemon
 * also runs under a libc-intercepting clock and network simulator (clknetsim).
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clk.h"
#include "common/ev.h"
#include "common/log.h"
#include "common/ntime.h"
#include "daemon/cfg.h"
#include "daemon/ctl.h"
#include "daemon/http.h"
#include "daemon/monitor.h"
#include "daemon/pidfile.h"
#include "daemon/privdrop.h"
#include "daemon/service.h"
#include "daemon/webmon.h"
#include "refclock/rc.h"
#include "common/keys.h"
#include "server/nts_ke.h"
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

static volatile sig_atomic_t hangup;

static void on_signal(int sig)
{
    if (sig == SIGHUP) {
        hangup = 1; /* acted on by the loop (on_hangup_check): nothing async-unsafe here */
        return;
    }
    ev_stop();
}

static int install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: poll() must return EINTR so the loop sees the stop request at once. */
    if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
        sigaction(SIGHUP, &sa, NULL) < 0) {
        return -errno;
    }
    /* Signals with no meaning here must not kill a time server (their default action). */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, SIG_IGN);
    return 0;
}

/* SIGHUP: reopen the log file (logrotate has moved it). The rest of the configuration is
 * read at start only: sockets, devices and the discipline's state do not change under a
 * running daemon, so a changed file needs a restart, and the log says so. */
static void on_hangup_check(void *arg)
{
    (void)arg;
    if (hangup) {
        hangup = 0;
        int r = log_reopen();
        if (r < 0) {
            log_warnx("SIGHUP: cannot reopen the log file: %s", strerror(-r));
        } else {
            log_info("SIGHUP: log file reopened; configuration changes need a restart");
        }
        mon_reopen();
    }
    ev_add_timer(NT_NS_PER_S, on_hangup_check, NULL);
}

struct opts {
    const char *config_path;
    bool foreground, no_clock_control, check_only, verbose;
};

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){.config_path = DEFAULT_CONFIG};
    int opt;
    while ((opt = getopt(argc, argv, "f:dnvxVh")) != -1) {
        switch (opt) {
        case 'f': o->config_path = optarg; break;
        case 'd': o->foreground = true; break;
        case 'n': o->check_only = true; break;
        case 'v': o->verbose = true; break;
        case 'x': o->no_clock_control = true; break;
        case 'V': printf("gpsntpd %s (built %s)\n", GN_VERSION, GN_BUILD_DATE); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    return -1;
}

/* Logging, the clock, the event loop and the signals. The clock, or NULL (logged). */
static struct clk *set_up(const struct opts *o, const struct cfg *cfg)
{
    log_init(o->foreground, o->verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
    if (cfg->logfile[0] != '\0') {
        int rc = log_open_file(cfg->logfile);
        if (rc < 0) {
            fprintf(stderr, "gpsntpd: logfile %s: %s\n", cfg->logfile, strerror(-rc));
            return NULL;
        }
    }
    struct clk *clk = o->no_clock_control ? clk_soft_create() : clk_linux_create();
    if (clk == NULL) {
        log_warn("cannot create the %s clock", o->no_clock_control ? "software" : "system");
        return NULL;
    }
    log_set_clock(clk);
    ev_init(clk);
    if (install_signals() < 0) {
        log_warn("cannot install signal handlers");
        clk_destroy(clk);
        return NULL;
    }
    return clk;
}

/* The drift and last-time files and the statistics logs are written as `user` once root is
 * dropped: their directory must let it, or the state is lost at every restart with only a
 * warning at shutdown, or the logs cannot be created. what: the directory's role; loss: what
 * goes wrong otherwise. */
static bool state_dir_ok(const char *path, bool is_dir, const char *user, const char *what,
                         const char *loss)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (!is_dir && slash != NULL) {
        slash[slash == dir ? 1 : 0] = '\0'; /* the file's directory ("/" for "/drift") */
    }
    struct stat st;
    if (stat(dir, &st) < 0) {
        log_err("%s %s: %s", what, dir, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        log_err("%s %s: not a directory", what, dir);
        return false;
    }
    const struct passwd *pw = user[0] != '\0' ? getpwnam(user) : NULL;
    uid_t uid = pw != NULL ? pw->pw_uid : geteuid();
    gid_t gid = pw != NULL ? pw->pw_gid : getegid();
    bool ok = uid == 0 || (st.st_uid == uid ? (st.st_mode & S_IWUSR) != 0
                           : st.st_gid == gid ? (st.st_mode & S_IWGRP) != 0
                                              : (st.st_mode & S_IWOTH) != 0);
    if (!ok) {
        log_err("%s %s is not writable by %s (uid %u): %s; make it theirs (chown %s %s)", what,
                dir, user[0] != '\0' ? user : "this process", (unsigned)uid, loss,
                user[0] != '\0' ? user : "USER", dir);
    }
    return ok;
}

/* The key file and the NTS certificate and key: checked (and the keys loaded) before start-up,
 * errors naming the file and line. */
static int load_secrets(struct cfg *cfg, struct keytab *keys)
{
    if (cfg->udp.keyfile[0] != '\0') {
        int errors = keytab_load(cfg->udp.keyfile, keys, stderr);
        if (errors != 0) {
            fprintf(stderr, "gpsntpd: keyfile %s is unusable\n", cfg->udp.keyfile);
            return -1;
        }
        cfg->udp.keys = keys;
        cfg->rc.keys = keys; /* NTP sources' `key N` */
    }
    if (ntske_enabled(&cfg->nts)) {
        if (ntske_check(&cfg->nts, stderr) < 0) {
            return -1;
        }
        cfg->udp.nts = true;
    }
    return 0;
}

/* Open everything that needs root, become a daemon, drop privileges, start serving. */
static int start(const struct opts *o, const struct cfg *cfg, struct clk *clk)
{
    pid_t holder;
    int r = pidfile_lock(cfg->pidfile, &holder);
    if (r == -EEXIST) {
        log_err("another gpsntpd (pid %ld) is running with %s: not starting a second one "
                "(two daemons would fight over the port and the clock)",
                (long)holder, cfg->pidfile);
        return -1;
    }
    if (r < 0) {
        return -1;
    }
    const char *lost = "the drift and last time would be lost at every restart";
    if ((cfg->rc.driftfile[0] != '\0' &&
         !state_dir_ok(cfg->rc.driftfile, false, cfg->user, "state directory", lost)) ||
        (cfg->rc.dumpdir[0] != '\0' &&
         !state_dir_ok(cfg->rc.dumpdir, true, cfg->user, "state directory", lost)) ||
        (cfg->logmask != 0 &&
         !state_dir_ok(cfg->logdir, true, cfg->user, "logdir",
                       "the statistics logs could not be created there"))) {
        return -1;
    }
    if (rc_init(clk, &cfg->rc) < 0 || udp_open(&cfg->udp, clk) < 0 || ctl_open(cfg) < 0 ||
        http_open(&cfg->http) < 0 || rc_start() < 0) {
        return -1;
    }
    if (ntske_enabled(&cfg->nts) && ntske_open(&cfg->nts, &cfg->udp, clk) < 0) {
        return -1;
    }
    if (!o->foreground && daemon(0, 0) < 0) {
        log_warn("cannot become a daemon");
        return -1;
    }
    pidfile_update();
    if (cfg->user[0] != '\0' && pd_drop_privileges(cfg->user, !o->no_clock_control) < 0) {
        return -1;
    }
    /* As the user: the files it creates are the ones it reopens after a rotation. */
    if (mon_start(cfg, clk) < 0) {
        return -1;
    }
    /* /api/events: the HTTP endpoint declares it, the monitor's history fills it. */
    http_set_json_route("/api/events", wm_events_route, NULL);
    if (udp_start() < 0 || ctl_start() < 0 || http_start(clk) < 0 ||
        (ntske_enabled(&cfg->nts) && ntske_start() < 0)) {
        return -1;
    }
    ev_add_timer(NT_NS_PER_S, on_hangup_check, NULL);
    log_info("gpsntpd %s started%s", GN_VERSION,
             o->no_clock_control ? " (-x: the system clock is left alone)" : "");
    svc_ready();
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    int status = parse_args(argc, argv, &o);
    if (status >= 0) {
        return status;
    }
    static struct cfg cfg;
    int errors = cfg_parse_file(o.config_path, &cfg, stderr);
    if (errors != 0) {
        if (errors > 0) {
            fprintf(stderr, "gpsntpd: %s: %d error%s\n", o.config_path, errors,
                    errors == 1 ? "" : "s");
        }
        return 1;
    }
    /* Secrets are read here, as root, before any privilege drop; -n checks them too. */
    static struct keytab keys;
    if (load_secrets(&cfg, &keys) < 0) {
        return 1;
    }
    if (o.check_only) {
        cfg_print(&cfg, stdout);
        return 0;
    }
    struct clk *clk = set_up(&o, &cfg);
    if (clk == NULL) {
        return 1;
    }
    if (start(&o, &cfg, clk) < 0) {
        log_err("start-up failed (%s)", o.config_path);
        return 1;
    }
    int rc = ev_run();
    if (rc < 0) {
        errno = -rc;
        log_warn("event loop failed");
    }
    log_info("exiting");
    svc_stopping();
    http_stop();
    ntske_stop();
    udp_stop();
    keytab_free(&keys);
    ctl_close();
    mon_stop();
    rc_shutdown();
    pidfile_release();
    clk_destroy(clk);
    log_close();
    return rc < 0 ? 1 : 0;
}
