/* SPDX-License-Identifier: BSD-2-Clause */
/* The privilege drop, in forked children (it cannot be undone): the uid becomes the user's,
 * CapEff holds exactly CAP_SYS_TIME when asked to keep it, and nothing otherwise. Needs root. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "daemon/privdrop.h"
#include "check.h"
#include "common/log.h"

/* Read "Uid:" (real) and "CapEff:" from /proc/self/status. */
static int read_status(unsigned *uid, unsigned long long *cap_eff)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) {
        return -1;
    }
    char line[256];
    int found = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        found += sscanf(line, "Uid: %u", uid) == 1;
        found += sscanf(line, "CapEff: %llx", cap_eff) == 1;
    }
    fclose(f);
    return found == 2 ? 0 : -1;
}

/* Child: drop, then report through the exit status: 0 ok, 1..n which check failed. */
static int child(bool keep)
{
    if (pd_drop_privileges("nobody", keep) != 0) {
        return 10;
    }
    unsigned uid = 0;
    unsigned long long eff = ~0ull;
    if (read_status(&uid, &eff) != 0) {
        return 11;
    }
    if (uid == 0) {
        return 12;
    }
    unsigned long long want = keep ? 1ull << CAP_SYS_TIME : 0;
    if (eff != want) {
        fprintf(stderr, "CapEff %llx, expected %llx\n", eff, want);
        return 13;
    }
    /* Root's files are out of reach now. */
    if (access("/root", W_OK) == 0) {
        return 14;
    }
    return 0;
}

static int run(bool keep)
{
    pid_t pid = fork();
    if (pid == 0) {
        _exit(child(keep));
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "SKIPPED: test_privdrop needs root\n");
        return 77;
    }
    log_init(true, LOG_LVL_WARN);
    CHECK_INT(run(true), 0);
    CHECK_INT(run(false), 0);
    /* An unknown user is an error, not a silent success. */
    pid_t pid = fork();
    if (pid == 0) {
        _exit(pd_drop_privileges("no-such-user-gpsntpd", false) < 0 ? 0 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return check_result();
}
