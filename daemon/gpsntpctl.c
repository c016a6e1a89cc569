/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gpsntpctl: ask the running gpsntpd for its state over the control socket, as chronyc does:
 * tracking, sources, serverstats, clients, makestep; -j for JSON.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/gpsntpd/gpsntpd.sock"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gpsntpctl [-j] [-s SOCKET] COMMAND [ARG]\n"
            "commands:\n"
            "  tracking     the reference and the state of the clock (as chronyc tracking)\n"
            "  sources      the reference clocks: state, samples, offset, jitter, counters\n"
            "  serverstats  NTP requests received, answered and dropped per reason\n"
            "  clients      the busiest NTP clients\n"
            "  events [N]   the last N events (alarms and state changes; default all held)\n"
            "  makestep     step the clock at the next update\n"
            "options:\n"
            "  -j           JSON output\n"
            "  -s SOCKET    control socket (default $GPSNTPD_SOCKET or " DEFAULT_SOCKET ")\n");
}

int main(int argc, char **argv)
{
    const char *path = getenv("GPSNTPD_SOCKET");
    if (path == NULL || path[0] == '\0') {
        path = DEFAULT_SOCKET;
    }
    bool json = false;
    int opt;
    while ((opt = getopt(argc, argv, "js:h")) != -1) {
        switch (opt) {
        case 'j': json = true; break;
        case 's': path = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind + 1 != argc && optind + 2 != argc) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[optind];
    const char *arg = optind + 2 == argc ? argv[optind + 1] : NULL;
    if (arg != NULL && (strcmp(cmd, "events") != 0 || strspn(arg, "0123456789") != strlen(arg) ||
                        strlen(arg) > 6)) {
        fprintf(stderr, "gpsntpctl: %s takes no argument '%s'\n", cmd, arg);
        usage(stderr);
        return 2;
    }
    const char *known[] = {"tracking", "sources", "serverstats", "clients", "events", "makestep"};
    bool ok = false;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        ok |= strcmp(cmd, known[i]) == 0;
    }
    if (!ok) {
        fprintf(stderr, "gpsntpctl: unknown command '%s'\n", cmd);
        usage(stderr);
        return 2;
    }

    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sun.sun_path)) {
        fprintf(stderr, "gpsntpctl: %s: path too long\n", path);
        return 1;
    }
    strcpy(sun.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        fprintf(stderr, "gpsntpctl: cannot connect to %s: %s (is gpsntpd running?)\n", path,
                strerror(errno));
        return 1;
    }
    char line[128];
    int len = snprintf(line, sizeof(line), "%s%s%s%s\n", cmd, arg != NULL ? " " : "",
                       arg != NULL ? arg : "", json ? " -j" : "");
    if (write(fd, line, (size_t)len) != len) {
        fprintf(stderr, "gpsntpctl: %s: write: %s\n", path, strerror(errno));
        return 1;
    }
    char buf[4096];
    bool error = false, first = true;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 5000) <= 0) {
            fprintf(stderr, "gpsntpctl: no answer from %s within 5 s\n", path);
            return 1;
        }
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0) {
            fprintf(stderr, "gpsntpctl: %s: read: %s\n", path, strerror(errno));
            return 1;
        }
        if (n == 0) {
            break;
        }
        if (first && n >= 6 && memcmp(buf, "error:", 6) == 0) {
            error = true;
        }
        first = false;
        fwrite(buf, 1, (size_t)n, error ? stderr : stdout);
    }
    close(fd);
    return error ? 1 : 0;
}
