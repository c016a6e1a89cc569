/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gn-guest-agent: inside the system test's QEMU guest only. The host harness reaches it through
 * slirp's TCP forwarding: one connection = one shell command line, whose output (stdout and
 * stderr) comes back on the connection, followed by a last line "exit N". That is how the
 * harness reads the guest's state (gpsntpctl, adjtimex, /proc) and unplugs devices, without
 * mixing its traffic into the console. Like ppsbridge it refuses to run outside the test guest.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "in_test_guest.h"


static void serve(int conn)
{
    char cmd[4096];
    size_t len = 0;
    while (len < sizeof cmd - 1) {
        ssize_t n = read(conn, cmd + len, sizeof cmd - 1 - len);
        if (n <= 0)
            return;
        len += (size_t)n;
        if (memchr(cmd, '\n', len) != NULL)
            break;
    }
    cmd[len] = '\0';
    char *nl = strchr(cmd, '\n');
    if (nl != NULL)
        *nl = '\0';
    pid_t pid = fork();
    if (pid == 0) {
        dup2(conn, STDOUT_FILENO);
        dup2(conn, STDERR_FILENO);
        close(conn);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        status = 127 << 8;
    char tail[32];
    int n = snprintf(tail, sizeof tail, "\nexit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128);
    if (write(conn, tail, (size_t)n) < 0) {
        /* the harness went away: nothing to tell */
    }
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 7000;
    if (!in_test_guest()) {
        fprintf(stderr, "agent: not the system test's guest (gpsntpd_system_test=1); refusing\n");
        return 1;
    }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 8) != 0) {
        fprintf(stderr, "agent: port %d: %s\n", port, strerror(errno));
        return 1;
    }
    for (;;) {
        int conn = accept(s, NULL, NULL);
        if (conn < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        /* Each connection in a process of its own: a slow command does not hold up the next. */
        pid_t pid = fork();
        if (pid == 0) {
            close(s);
            serve(conn);
            _exit(0);
        }
        close(conn);
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
    }
}
