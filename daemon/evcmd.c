/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * evcmd: see evcmd.h. posix_spawn (a vfork underneath) returns as soon as the child runs, so
 * starting a command costs the loop well under a millisecond whatever the command does. The
 * child inherits nothing it should not: the daemon ignores SIGPIPE and SIGUSR1/2, and an
 * ignored signal stays ignored across exec (a shell pipeline in the script would then see
 * EPIPE instead of dying quietly), so those are reset; descriptors above stderr are closed
 * (the pidfile's lock, the NTP sockets); the environment is built from scratch.
 */
#include "daemon/evcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clk.h"
#include "common/ev.h"
#include "common/log.h"
#include "common/ntime.h"

static struct {
    bool on;
    char path[PATH_MAX];
    int64_t timeout_ns;
    struct clk *clk;
    /* the command running now */
    pid_t pid;                     /* 0: none */
    int pidfd;                     /* readable when it ends; -1: none (reaped at the tick) */
    int timeout_timer, kill_timer;
    bool terminated;               /* we sent SIGTERM */
    char tag[24];                  /* its event's tag, for log lines */
    int64_t started_mono;
    /* what waits */
    bool pending;
    struct event pend;
    unsigned suppressed;           /* events with no run of their own since the last run */
    int retry_timer;               /* when the rate limit lets the next one run */
    /* start times of the last EVC_MAX_RUNS runs, a ring (the rate limit) */
    int64_t starts[EVC_MAX_RUNS];
    int n_starts, head;
    int stratum;
    char reference[16];
    struct evc_stats st;
} evc = {.pidfd = -1};

const char *evc_check_path(const char *path, uid_t uid, gid_t gid, char *buf, size_t len)
{
    struct stat st;
    if (path[0] != '/') {
        snprintf(buf, len, "not an absolute path");
        return buf;
    }
    if (stat(path, &st) < 0) {
        snprintf(buf, len, "%s", strerror(errno));
        return buf;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(buf, len, "not a regular file");
        return buf;
    }
    mode_t x = uid == 0 ? 0111 : st.st_uid == uid ? S_IXUSR : st.st_gid == gid ? S_IXGRP : S_IXOTH;
    if ((st.st_mode & x) == 0) {
        snprintf(buf, len, "not executable by uid %u (mode %03o)", (unsigned)uid,
                 (unsigned)st.st_mode & 0777);
        return buf;
    }
    /* Whoever can change the file or swap it in its directory runs code as the daemon. */
    if (st.st_uid != 0 && st.st_uid != uid) {
        snprintf(buf, len, "owned by uid %u: only root or the daemon's user may own it",
                 (unsigned)st.st_uid);
        return buf;
    }
    if ((st.st_mode & 022) != 0) {
        snprintf(buf, len, "writable by group or others (mode %03o)", (unsigned)st.st_mode & 0777);
        return buf;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    slash[slash == dir ? 1 : 0] = '\0';
    if (stat(dir, &st) < 0) {
        snprintf(buf, len, "%s: %s", dir, strerror(errno));
        return buf;
    }
    if ((st.st_uid != 0 && st.st_uid != uid) ||
        ((st.st_mode & 022) != 0 && (st.st_mode & S_ISVTX) == 0)) {
        snprintf(buf, len, "its directory %s may be changed by others (owner uid %u, mode %03o)",
                 dir, (unsigned)st.st_uid, (unsigned)st.st_mode & 07777);
        return buf;
    }
    return NULL;
}

void evc_init(const char *path, int64_t timeout_ns, struct clk *clk)
{
    memset(&evc, 0, sizeof(evc));
    evc.pidfd = -1;
    evc.on = true;
    snprintf(evc.path, sizeof(evc.path), "%s", path);
    evc.timeout_ns = timeout_ns > 0 ? timeout_ns : EVC_TIMEOUT_NS;
    evc.clk = clk;
    evc.stratum = 16;
}

void evc_set_state(int stratum, const char *reference)
{
    evc.stratum = stratum;
    snprintf(evc.reference, sizeof(evc.reference), "%s", reference);
}

void evc_get_stats(struct evc_stats *out)
{
    *out = evc.st;
    out->running = evc.pid != 0;
    out->pid = evc.pid;
}

/* The rate limit: true when a run may start at mono; else *free_at says when. */
static bool rate_ok(int64_t mono, int64_t *free_at)
{
    if (evc.n_starts < EVC_MAX_RUNS) {
        return true;
    }
    int64_t oldest = evc.starts[evc.head];
    if (mono - oldest >= EVC_RATE_WINDOW_NS) {
        return true;
    }
    *free_at = oldest + EVC_RATE_WINDOW_NS;
    return false;
}

static void note_start(int64_t mono)
{
    if (evc.n_starts < EVC_MAX_RUNS) {
        evc.starts[(evc.head + evc.n_starts++) % EVC_MAX_RUNS] = mono;
    } else {
        evc.starts[evc.head] = mono;
        evc.head = (evc.head + 1) % EVC_MAX_RUNS;
    }
}

static void run_pending(void);

/* The command ended with this wait status. */
static void finished(int status)
{
    if (evc.pidfd >= 0) {
        ev_del_fd(evc.pidfd);
        close(evc.pidfd);
        evc.pidfd = -1;
    }
    ev_cancel_timer(evc.timeout_timer);
    ev_cancel_timer(evc.kill_timer);
    evc.timeout_timer = evc.kill_timer = 0;
    pid_t pid = evc.pid;
    evc.pid = 0;
    double took_s = nt_to_s(clk_now_mono(evc.clk) - evc.started_mono);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        log_debug("eventcommand %s (%s, pid %ld): done in %.3f s", evc.path, evc.tag, (long)pid,
                  took_s);
    } else if (WIFEXITED(status)) {
        evc.st.failed++;
        log_warnx("eventcommand %s (%s, pid %ld): exit status %d", evc.path, evc.tag, (long)pid,
                  WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        evc.st.failed++;
        log_warnx("eventcommand %s (%s, pid %ld): %s by signal %d after %.1f s", evc.path,
                  evc.tag, (long)pid, evc.terminated ? "killed (timeout)" : "killed",
                  WTERMSIG(status), took_s);
    }
    run_pending();
}

/* Reap the command if it has ended; never waits. */
static void reap(void)
{
    int status;
    if (evc.pid != 0 && waitpid(evc.pid, &status, WNOHANG) == evc.pid) {
        finished(status);
    }
}

static void on_pidfd(int fd, short revents, void *arg)
{
    (void)fd;
    (void)revents;
    (void)arg;
    reap();
}

static void on_kill(void *arg)
{
    (void)arg;
    evc.kill_timer = 0;
    if (evc.pid != 0) {
        kill(-evc.pid, SIGKILL); /* the group: a script's own children too */
    }
}

static void on_timeout(void *arg)
{
    (void)arg;
    evc.timeout_timer = 0;
    if (evc.pid == 0) {
        return;
    }
    log_warnx("eventcommand %s (%s, pid %ld): still running after %.0f s: terminating it",
              evc.path, evc.tag, (long)evc.pid, nt_to_s(evc.timeout_ns));
    evc.terminated = true;
    evc.st.killed++;
    kill(-evc.pid, SIGTERM);
    evc.kill_timer = ev_add_timer(EVC_KILL_GRACE_NS, on_kill, NULL);
}

#define ENV_MAX 16
#define ENV_LEN (EVENT_MSG_MAX + 64)

/* Start the command for e; suppressed: events since the last run that got none. */
static void start(const struct event *e, unsigned suppressed)
{
    static char vars[ENV_MAX][ENV_LEN];
    char *envp[ENV_MAX + 1];
    int n = 0;
    char when[32];
    nt_format_iso_ms(e->time_ns, when, sizeof(when));
#define SETENV(...) (snprintf(vars[n], ENV_LEN, __VA_ARGS__), envp[n] = vars[n], n++)
    SETENV("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    SETENV("GPSNTPD_EVENT_TAG=%s", event_tag_name(e->tag));
    SETENV("GPSNTPD_EVENT_SEVERITY=%s", event_severity_name(e->severity));
    SETENV("GPSNTPD_EVENT_SOURCE=%s", e->source);
    SETENV("GPSNTPD_EVENT_MESSAGE=%s", e->message);
    SETENV("GPSNTPD_EVENT_TIME=%s", when);
    SETENV("GPSNTPD_EVENT_TIME_NS=%lld", (long long)e->time_ns);
    SETENV("GPSNTPD_EVENT_SEQ=%llu", (unsigned long long)e->seq);
    SETENV("GPSNTPD_EVENTS_SUPPRESSED=%u", suppressed);
    SETENV("GPSNTPD_STRATUM=%d", evc.stratum);
    SETENV("GPSNTPD_REFERENCE=%s", evc.reference);
#undef SETENV
    envp[n] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    const int reset[] = {SIGPIPE, SIGUSR1, SIGUSR2, SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGCHLD};
    for (size_t i = 0; i < sizeof(reset) / sizeof(reset[0]); i++) {
        sigaddset(&dfl, reset[i]);
    }
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dfl);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);
    char *argv[] = {evc.path, NULL};
    pid_t pid;
    int r = posix_spawn(&pid, evc.path, &fa, &at, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (r != 0) {
        evc.st.spawn_errors++;
        log_warnx("eventcommand %s: cannot run it for %s: %s", evc.path,
                  event_tag_name(e->tag), strerror(r));
        return;
    }
    int64_t mono = clk_now_mono(evc.clk);
    note_start(mono);
    evc.st.runs++;
    evc.pid = pid;
    evc.started_mono = mono;
    evc.terminated = false;
    snprintf(evc.tag, sizeof(evc.tag), "%s", event_tag_name(e->tag));
    /* A pidfd turns readable when the child ends (even if it already has: it is a zombie
     * until reaped). Without one, evc_poll() reaps at the next tick. */
    evc.pidfd = pidfd_open(pid, 0);
    if (evc.pidfd >= 0 && ev_add_fd(evc.pidfd, POLLIN, on_pidfd, NULL) < 0) {
        close(evc.pidfd);
        evc.pidfd = -1;
    }
    evc.timeout_timer = ev_add_timer(evc.timeout_ns, on_timeout, NULL);
    log_debug("eventcommand %s: pid %ld for event %llu %s (%u suppressed)", evc.path, (long)pid,
              (unsigned long long)e->seq, evc.tag, suppressed);
}

static void on_retry(void *arg)
{
    (void)arg;
    evc.retry_timer = 0;
    run_pending();
}

/* Start what waits if nothing runs and the rate limit allows; else come back when it does. */
static void run_pending(void)
{
    if (!evc.pending || evc.pid != 0) {
        return;
    }
    int64_t mono = clk_now_mono(evc.clk), free_at = 0;
    /* A critical event is not held by the rate limit: it is what the command is for, and the
     * detector's flap limit already bounds how many there can be. */
    if (evc.pend.severity != EVENT_CRITICAL && !rate_ok(mono, &free_at)) {
        if (evc.retry_timer == 0) {
            evc.retry_timer = ev_add_timer(free_at - mono, on_retry, NULL);
        }
        return;
    }
    evc.pending = false;
    unsigned suppressed = evc.suppressed;
    evc.suppressed = 0;
    start(&evc.pend, suppressed);
}

void evc_offer(const struct event *e)
{
    if (!evc.on) {
        return;
    }
    if (!evc.pending) {
        evc.pend = *e;
        evc.pending = true;
    } else {
        /* One waits at most: the most severe, the newest among equals. */
        if (e->severity >= evc.pend.severity) {
            evc.pend = *e;
        }
        evc.suppressed++;
        evc.st.suppressed++;
    }
    run_pending();
}

void evc_poll(void)
{
    reap();
}

void evc_shutdown(void)
{
    if (evc.pid != 0) {
        kill(-evc.pid, SIGTERM);
        int status;
        /* Reap it if it went at once; else init will. */
        if (waitpid(evc.pid, &status, WNOHANG) == 0) {
            log_info("eventcommand %s (%s, pid %ld): terminated at exit", evc.path, evc.tag,
                     (long)evc.pid);
        }
    }
    if (evc.pidfd >= 0) {
        ev_del_fd(evc.pidfd);
        close(evc.pidfd);
    }
    ev_cancel_timer(evc.timeout_timer);
    ev_cancel_timer(evc.kill_timer);
    ev_cancel_timer(evc.retry_timer);
    memset(&evc, 0, sizeof(evc));
    evc.pidfd = -1;
}
