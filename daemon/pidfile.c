/* SPDX-License-Identifier: BSD-2-Clause */
/* pidfile: see pidfile.h. flock, not fcntl locks: an flock belongs to the open file, which
 * daemon()'s child inherits, while fcntl locks die with the process that took them. */
#include "daemon/pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

static int pid_fd = -1;
static char pid_path[PATH_MAX];

static void write_pid(void)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
    if (ftruncate(pid_fd, 0) < 0 || pwrite(pid_fd, buf, (size_t)n, 0) != n) {
        log_warn("pidfile %s: cannot write", pid_path);
    }
}

int pidfile_lock(const char *path, pid_t *holder)
{
    *holder = 0;
    snprintf(pid_path, sizeof(pid_path), "%s", path);
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        mkdir(dir, 0755); /* e.g. /run/gpsntpd after boot; an error shows at open */
    }
    /* O_NOFOLLOW: the file is written as root; never through someone's symlink. */
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        log_err("pidfile %s: %s", path, strerror(e));
        return -e;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        char buf[32] = "";
        if (pread(fd, buf, sizeof(buf) - 1, 0) > 0) {
            *holder = (pid_t)strtol(buf, NULL, 10);
        }
        close(fd);
        return e == EWOULDBLOCK ? -EEXIST : -e;
    }
    pid_fd = fd;
    write_pid();
    return 0;
}

void pidfile_update(void)
{
    if (pid_fd >= 0) {
        write_pid();
    }
}

void pidfile_release(void)
{
    if (pid_fd >= 0) {
        unlink(pid_path);
        close(pid_fd);
        pid_fd = -1;
    }
}
