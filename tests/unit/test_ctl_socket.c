/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_ctl_socket: the control socket cannot be used to change a file root owns. A process
 * running as the daemon's user used to win this race: ctl_open did unlink, bind, chmod, chown
 * by path, and swapping the new socket for a symlink between bind and chmod made root chmod
 * and chown the symlink's target. Here bind() is wrapped (-Wl,--wrap=bind) to play the
 * attacker at exactly that moment, every time: a root-owned 0600 file must stay as it was.
 * Also: the socket is created 0666 (anyone may monitor; control is decided per peer), and a
 * directory others can write is refused (no socket made there).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "common/log.h"
#include "daemon/cfg.h"
#include "daemon/ctl.h"

int __real_bind(int fd, const struct sockaddr *sa, socklen_t len);
int __wrap_bind(int fd, const struct sockaddr *sa, socklen_t len);

static const char *victim;  /* when set, the attacker swaps the socket for a link to it */

int __wrap_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
    int r = __real_bind(fd, sa, len);
    if (r == 0 && victim != NULL && sa->sa_family == AF_UNIX) {
        const char *path = ((const struct sockaddr_un *)sa)->sun_path;
        char moved[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];
        snprintf(moved, sizeof(moved), "%s.old", path);
        if (rename(path, moved) != 0 || symlink(victim, path) != 0) {
            fprintf(stderr, "attacker: cannot swap %s: %s\n", path, strerror(errno));
        }
    }
    return r;
}

static char dir[64], file[128];

static void test_symlink_race(void)
{
    snprintf(file, sizeof(file), "%s/secret", dir);
    int fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    CHECK(fd >= 0);
    close(fd);
    chmod(file, 0600);
    struct stat before, after;
    CHECK_INT(stat(file, &before), 0);
    struct cfg c;
    cfg_defaults(&c);
    snprintf(c.controlsocket, sizeof(c.controlsocket), "%s/ctl.sock", dir);
    snprintf(c.user, sizeof(c.user), "nobody");
    victim = file;
    CHECK_INT(ctl_open(&c), 0);
    victim = NULL;
    ctl_close();
    CHECK_INT(stat(file, &after), 0);
    printf("victim after the race: mode %03o uid %u (was %03o uid %u)\n",
           (unsigned)after.st_mode & 0777, (unsigned)after.st_uid,
           (unsigned)before.st_mode & 0777, (unsigned)before.st_uid);
    CHECK_INT(after.st_mode & 0777, 0600);
    CHECK_INT(after.st_uid, before.st_uid);
    CHECK_INT(after.st_gid, before.st_gid);
}

static void test_mode(void)
{
    struct cfg c;
    cfg_defaults(&c);
    snprintf(c.controlsocket, sizeof(c.controlsocket), "%s/ctl2.sock", dir);
    CHECK_INT(ctl_open(&c), 0);
    struct stat st;
    CHECK_INT(lstat(c.controlsocket, &st), 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK_INT(st.st_mode & 0777, 0666);
    ctl_close();
}

static void test_open_directory(void)
{
    char open_dir[80];
    snprintf(open_dir, sizeof(open_dir), "%s/open", dir);
    CHECK_INT(mkdir(open_dir, 0777), 0);
    chmod(open_dir, 0777); /* no sticky bit: anyone could replace what is in it */
    struct cfg c;
    cfg_defaults(&c);
    snprintf(c.controlsocket, sizeof(c.controlsocket), "%s/ctl.sock", open_dir);
    CHECK_INT(ctl_open(&c), 0);
    struct stat st;
    CHECK(lstat(c.controlsocket, &st) < 0 && errno == ENOENT);
    ctl_close();
}

int main(void)
{
    log_init(true, LOG_LVL_WARN);
    snprintf(dir, sizeof(dir), "/tmp/gntest-ctl.XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_symlink_race();
    test_mode();
    test_open_directory();
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot remove %s\n", dir);
    }
    return check_result();
}
