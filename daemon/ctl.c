/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl: accepts a connection, reads one command line, renders the answer into a buffer with
 * ctl_render and writes it. The answer is small (a few KB), so one connection is served at a
 * time; a client that does not send its line within a second is dropped, so a stuck or
 * malicious client cannot stall the loop.
 */
#include "daemon/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
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
#include "server/udp.h"

#define LINE_MAX_LEN 128
#define ANSWER_MAX (64 * 1024)
#define CLIENT_DEADLINE_NS (1 * NT_NS_PER_S)

static struct {
    int listen_fd;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    int client_fd;
    char line[LINE_MAX_LEN];
    size_t line_len;
    int deadline_timer;
} ctl = {.listen_fd = -1, .client_fd = -1};

static char answer[ANSWER_MAX];

/* Render the answer to one command line. */
static size_t run_command(char *line)
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
    const char *cmd = NULL;
    bool bad = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-j") == 0) {
            json = true;
        } else if (cmd == NULL) {
            cmd = argv[i];
        } else {
            bad = true;
        }
    }
    if (cmd == NULL || bad) {
        fprintf(out, "error: expected one command: tracking, sources, serverstats, clients, "
                     "makestep\n");
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
        ctl_render_serverstats(out, &c, json);
    } else if (strcmp(cmd, "clients") == 0) {
        static struct udp_client_stat c[64];
        size_t n = udp_get_clients(c, 64);
        ctl_render_clients(out, c, n, json);
    } else if (strcmp(cmd, "makestep") == 0) {
        rc_request_makestep();
        fprintf(out, json ? "{\"result\":\"OK\"}\n" : "200 OK\n");
    } else {
        fprintf(out, "error: unknown command '%.32s'\n", cmd);
    }
    long len = ftell(out);
    fclose(out);
    return len > 0 ? (size_t)len : 0;
}

static void drop_client(void)
{
    if (ctl.client_fd >= 0) {
        ev_del_fd(ctl.client_fd);
        close(ctl.client_fd);
        ctl.client_fd = -1;
    }
    ev_cancel_timer(ctl.deadline_timer);
    ctl.deadline_timer = 0;
}

static void on_deadline(void *arg)
{
    (void)arg;
    ctl.deadline_timer = 0;
    log_debug("ctl: client too slow, dropped");
    drop_client();
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
    (void)arg;
    ssize_t n = read(fd, ctl.line + ctl.line_len, sizeof(ctl.line) - 1 - ctl.line_len);
    if (n <= 0) {
        if (n < 0 && errno == EAGAIN) {
            return;
        }
        drop_client();
        return;
    }
    ctl.line_len += (size_t)n;
    ctl.line[ctl.line_len] = '\0';
    if (strchr(ctl.line, '\n') == NULL) {
        if (ctl.line_len == sizeof(ctl.line) - 1) {
            const char *msg = "error: command too long\n";
            send_answer(fd, msg, strlen(msg));
            drop_client();
        }
        return;
    }
    size_t len = run_command(ctl.line);
    send_answer(fd, answer, len);
    drop_client();
}

static void on_accept(int fd, short revents, void *arg)
{
    (void)revents;
    (void)arg;
    int c = accept(fd, NULL, NULL);
    if (c < 0) {
        return;
    }
    if (ctl.client_fd >= 0) {
        /* One at a time; the previous client had its chance. */
        drop_client();
    }
    fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
    fcntl(c, F_SETFD, FD_CLOEXEC);
    ctl.client_fd = c;
    ctl.line_len = 0;
    if (ev_add_fd(c, POLLIN, on_client, NULL) < 0) {
        close(c);
        ctl.client_fd = -1;
        return;
    }
    ctl.deadline_timer = ev_add_timer(CLIENT_DEADLINE_NS, on_deadline, NULL);
}

int ctl_open(const struct cfg *cfg)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(cfg->controlsocket) >= sizeof(sun.sun_path)) {
        log_err("ctl: %s: path too long", cfg->controlsocket);
        return -ENAMETOOLONG;
    }
    strcpy(sun.sun_path, cfg->controlsocket);
    strcpy(ctl.path, cfg->controlsocket);

    /* Create the parent directory if missing (e.g. /run/gpsntpd after boot). */
    char dir[sizeof(ctl.path)];
    strcpy(dir, ctl.path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0750) == 0 && cfg->user[0] != '\0') {
            struct passwd *pw = getpwnam(cfg->user);
            if (pw != NULL && chown(dir, pw->pw_uid, pw->pw_gid) < 0) {
                log_warn("ctl: chown %s", dir);
            }
        }
    }
    /* Without a control channel the daemon still serves time (gpsntpctl cannot reach it):
     * a read-only /run or a sandbox without Unix sockets is a warning, not a reason to stop
     * serving a LAN. */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        log_warn("ctl: no control channel (gpsntpctl cannot connect): socket");
        return 0;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    unlink(ctl.path); /* a stale socket from a previous run */
    mode_t old = umask(0117);
    int rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
    umask(old);
    if (rc < 0 || listen(fd, 8) < 0) {
        log_warn("ctl: no control channel (gpsntpctl cannot connect): bind %s", ctl.path);
        close(fd);
        return 0;
    }
    chmod(ctl.path, 0660);
    if (cfg->user[0] != '\0') {
        struct passwd *pw = getpwnam(cfg->user);
        if (pw != NULL && chown(ctl.path, pw->pw_uid, pw->pw_gid) < 0) {
            log_warn("ctl: chown %s", ctl.path);
        }
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
    drop_client();
    if (ctl.listen_fd >= 0) {
        ev_del_fd(ctl.listen_fd);
        close(ctl.listen_fd);
        ctl.listen_fd = -1;
        unlink(ctl.path);
    }
}
