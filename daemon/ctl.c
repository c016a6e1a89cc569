/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl: accepts connections, reads one command line from each, renders the answer into a buffer
 * with ctl_render and writes it. Up to CTL_CLIENTS connections wait for their line at once
 * (a monitoring scraper and an administrator's gpsntpctl must not drop each other); a client
 * that does not send its line within a second is dropped, and when all slots are taken the
 * oldest goes, so stuck or malicious clients cannot stall the loop or lock others out.
 *
 * Two access levels, by the peer's credentials (SO_PEERCRED): any local user may monitor
 * (tracking, sources, serverstats, clients, events); only root and members of the daemon's group may
 * control (makestep). The socket is created with its final mode by bind() under a umask and
 * is never chmod'ed or chown'ed by path afterwards: a path can be swapped for a symlink
 * between two calls, and root following it would hand a file of its choosing to whoever
 * swapped it. Its directory must be writable by root (or the daemon's own uid) only.
 */
#include "daemon/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/ev.h"
#include "common/log.h"
#include "common/ntime.h"
#include "refclock/rc.h"
#include "daemon/cfg.h"
#include "daemon/ctl_render.h"
#include "daemon/monitor.h"
#include "server/udp.h"

#define LINE_MAX_LEN 128
#define ANSWER_MAX (128 * 1024) /* the whole event history in JSON fits */
#define CLIENT_DEADLINE_NS (1 * NT_NS_PER_S)

#define CTL_CLIENTS 8

struct client {
    int fd;                  /* -1: free slot */
    char line[LINE_MAX_LEN];
    size_t line_len;
    int deadline_timer;
    bool may_control;
    uint64_t serial;         /* accept order: the oldest goes when all slots are taken */
};

static struct {
    int listen_fd;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    struct client clients[CTL_CLIENTS];
    uint64_t accepted;
    gid_t control_gid;       /* the daemon's group: may control; (gid_t)-1 = root only */
} ctl = {.listen_fd = -1, .control_gid = (gid_t)-1};

static char answer[ANSWER_MAX];

/* Render the answer to one command line; control commands need may_control. */
static size_t run_command(char *line, bool may_control)
{
    FILE *out = fmemopen(answer, sizeof(answer), "w");
    if (out == NULL) {
        return 0;
    }
    char *argv[4];
    int argc = 0;
    for (char *t = strtok(line, " \t\r\n"); t != NULL && argc < 4; t = strtok(NULL, " \t\r\n")) {
        argv[argc++] = t;
    }
    bool json = false;
    const char *cmd = NULL, *arg = NULL;
    bool bad = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-j") == 0) {
            json = true;
        } else if (cmd == NULL) {
            cmd = argv[i];
        } else if (arg == NULL) {
            arg = argv[i];
        } else {
            bad = true;
        }
    }
    if (cmd != NULL && arg != NULL && strcmp(cmd, "events") != 0) {
        bad = true; /* only `events` takes an argument */
    }
    if (cmd == NULL || bad) {
        fprintf(out, "error: expected one command: tracking, sources, serverstats, clients, "
                     "events [N], makestep\n");
    } else if (strcmp(cmd, "events") == 0) {
        char *end = NULL;
        long want = arg != NULL ? strtol(arg, &end, 10) : EVENTS_MAX;
        if (arg != NULL && (*end != '\0' || want < 1 || want > EVENTS_MAX)) {
            fprintf(out, "error: events: N is a count of events, 1 to %d\n", EVENTS_MAX);
        } else {
            static struct event ev[EVENTS_MAX];
            const struct events *h = mon_events();
            uint64_t last = events_last_seq(h);
            uint64_t after = last > (uint64_t)want ? last - (uint64_t)want : 0;
            size_t n = events_copy(h, after, ev, EVENTS_MAX);
            ctl_render_events(out, ev, n, json);
        }
    } else if (strcmp(cmd, "tracking") == 0) {
        struct rc_tracking t;
        rc_get_tracking(&t);
        ctl_render_tracking(out, &t, json);
    } else if (strcmp(cmd, "sources") == 0) {
        static struct rc_src_status s[RC_MAX_SOURCES];
        size_t n = rc_get_sources(s, RC_MAX_SOURCES);
        ctl_render_sources(out, s, n < RC_MAX_SOURCES ? n : RC_MAX_SOURCES, json);
    } else if (strcmp(cmd, "serverstats") == 0) {
        struct srv_counters c;
        udp_get_counters(&c);
        struct ntske_counters ke;
        ntske_get_counters(&ke);
        ctl_render_serverstats(out, &c, &ke, json);
    } else if (strcmp(cmd, "clients") == 0) {
        static struct udp_client_stat c[64];
        size_t n = udp_get_clients(c, 64);
        ctl_render_clients(out, c, n, json);
    } else if (strcmp(cmd, "makestep") == 0 && !may_control) {
        fprintf(out, json ? "{\"error\":\"not authorised\"}\n"
                          : "error: makestep needs root or the daemon's group\n");
    } else if (strcmp(cmd, "makestep") == 0) {
        log_info("ctl: makestep requested");
        rc_request_makestep();
        fprintf(out, json ? "{\"result\":\"OK\"}\n" : "200 OK\n");
    } else {
        fprintf(out, "error: unknown command '%.32s'\n", cmd);
    }
    long len = ftell(out);
    fclose(out);
    return len > 0 ? (size_t)len : 0;
}

static void drop_client(struct client *cl)
{
    if (cl->fd >= 0) {
        ev_del_fd(cl->fd);
        close(cl->fd);
        cl->fd = -1;
    }
    ev_cancel_timer(cl->deadline_timer);
    cl->deadline_timer = 0;
}

static void on_deadline(void *arg)
{
    struct client *cl = arg;
    cl->deadline_timer = 0;
    log_debug("ctl: client too slow, dropped");
    drop_client(cl);
}

/* Write the whole answer; the peer is local and the answer fits its socket buffer, so a short
 * wait bounded by poll is enough. */
static void send_answer(int fd, const char *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            if (poll(&p, 1, 200) > 0) {
                continue;
            }
        }
        return;
    }
}

static void on_client(int fd, short revents, void *arg)
{
    (void)revents;
    struct client *cl = arg;
    ssize_t n = read(fd, cl->line + cl->line_len, sizeof(cl->line) - 1 - cl->line_len);
    if (n <= 0) {
        if (n < 0 && errno == EAGAIN) {
            return;
        }
        drop_client(cl);
        return;
    }
    cl->line_len += (size_t)n;
    cl->line[cl->line_len] = '\0';
    if (strchr(cl->line, '\n') == NULL) {
        if (cl->line_len == sizeof(cl->line) - 1) {
            const char *msg = "error: command too long\n";
            send_answer(fd, msg, strlen(msg));
            drop_client(cl);
        }
        return;
    }
    size_t len = run_command(cl->line, cl->may_control);
    send_answer(fd, answer, len);
    drop_client(cl);
}

/* Root, or a member of the daemon's group (primary or supplementary). */
static bool peer_may_control(uid_t uid, gid_t gid)
{
    if (uid == 0) {
        return true;
    }
    if (ctl.control_gid == (gid_t)-1) {
        return false;
    }
    if (gid == ctl.control_gid) {
        return true;
    }
    struct passwd *pw = getpwuid(uid);
    gid_t groups[64];
    int n = 64;
    if (pw == NULL || getgrouplist(pw->pw_name, gid, groups, &n) < 0) {
        return false;
    }
    for (int i = 0; i < n; i++) {
        if (groups[i] == ctl.control_gid) {
            return true;
        }
    }
    return false;
}

static void on_accept(int fd, short revents, void *arg)
{
    (void)revents;
    (void)arg;
    int c = accept(fd, NULL, NULL);
    if (c < 0) {
        return;
    }
    struct ucred cred;
    socklen_t len = sizeof(cred);
    bool may_control = getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
                       peer_may_control(cred.uid, cred.gid);
    /* A free slot, or else the oldest client's (it had its chance). */
    struct client *cl = &ctl.clients[0];
    for (int i = 0; i < CTL_CLIENTS; i++) {
        struct client *k = &ctl.clients[i];
        if (k->fd < 0 || (cl->fd >= 0 && k->serial < cl->serial)) {
            cl = k;
        }
        if (k->fd < 0) {
            break;
        }
    }
    drop_client(cl);
    fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
    fcntl(c, F_SETFD, FD_CLOEXEC);
    cl->fd = c;
    cl->may_control = may_control;
    cl->line_len = 0;
    cl->serial = ++ctl.accepted;
    if (ev_add_fd(c, POLLIN, on_client, cl) < 0) {
        close(c);
        cl->fd = -1;
        return;
    }
    cl->deadline_timer = ev_add_timer(CLIENT_DEADLINE_NS, on_deadline, cl);
}

/* The socket's directory: created root-only if missing; refused when someone else could
 * replace what is in it. */
static bool safe_directory(const char *path)
{
    char dir[sizeof(ctl.path)];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) {
        return false;
    }
    if (slash == dir) {
        slash[1] = '\0';
    } else {
        *slash = '\0';
    }
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        log_warn("ctl: cannot create %s", dir);
        return false;
    }
    struct stat st;
    if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        log_warnx("ctl: %s is not a directory", dir);
        return false;
    }
    bool owner_ok = st.st_uid == 0 || st.st_uid == geteuid();
    bool others_write = (st.st_mode & 0022) != 0 && (st.st_mode & S_ISVTX) == 0;
    if (!owner_ok || others_write) {
        log_warnx("ctl: %s is writable by others (owner uid %u, mode %03o): no control socket "
                  "there, a swapped path could redirect what root does to it",
                  dir, (unsigned)st.st_uid, (unsigned)st.st_mode & 07777);
        return false;
    }
    return true;
}

int ctl_open(const struct cfg *cfg)
{
    for (int i = 0; i < CTL_CLIENTS; i++) {
        ctl.clients[i].fd = -1;
    }
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(cfg->controlsocket) >= sizeof(sun.sun_path)) {
        log_err("ctl: %s: path too long", cfg->controlsocket);
        return -ENAMETOOLONG;
    }
    strcpy(sun.sun_path, cfg->controlsocket);
    strcpy(ctl.path, cfg->controlsocket);
    ctl.control_gid = (gid_t)-1;
    if (cfg->user[0] != '\0') {
        struct passwd *pw = getpwnam(cfg->user);
        if (pw != NULL) {
            ctl.control_gid = pw->pw_gid;
        }
    }
    /* Without a control channel the daemon still serves time (gpsntpctl cannot reach it):
     * a read-only /run or a sandbox without Unix sockets is a warning, not a reason to stop
     * serving a LAN. */
    if (!safe_directory(ctl.path)) {
        return 0;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        log_warn("ctl: no control channel (gpsntpctl cannot connect): socket");
        return 0;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    unlink(ctl.path); /* a stale socket from a previous run (the directory is ours) */
    /* 0666: anyone may connect and monitor; what a peer may do is decided per connection. */
    mode_t old = umask(0111);
    int rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
    umask(old);
    if (rc < 0 || listen(fd, 8) < 0) {
        log_warn("ctl: no control channel (gpsntpctl cannot connect): bind %s", ctl.path);
        close(fd);
        return 0;
    }
    ctl.listen_fd = fd;
    return 0;
}

int ctl_start(void)
{
    if (ctl.listen_fd < 0) {
        return 0;
    }
    return ev_add_fd(ctl.listen_fd, POLLIN, on_accept, NULL);
}

void ctl_close(void)
{
    for (int i = 0; i < CTL_CLIENTS; i++) {
        drop_client(&ctl.clients[i]);
    }
    if (ctl.listen_fd >= 0) {
        ev_del_fd(ctl.listen_fd);
        close(ctl.listen_fd);
        ctl.listen_fd = -1;
        unlink(ctl.path);
    }
}
