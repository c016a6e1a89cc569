/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * privdrop: become an unprivileged user with libcap, keeping at most CAP_SYS_TIME. The order
 * matters: PR_SET_KEEPCAPS before setuid so the permitted set survives the uid change, then
 * trim the sets to the one capability we keep.
 */
#include "daemon/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/log.h"

static int set_caps(bool keep_sys_time)
{
    cap_t caps = cap_init(); /* all sets empty */
    if (caps == NULL) {
        return -errno;
    }
    int rc = 0;
    if (keep_sys_time) {
        cap_value_t keep[] = {CAP_SYS_TIME};
        if (cap_set_flag(caps, CAP_PERMITTED, 1, keep, CAP_SET) < 0 ||
            cap_set_flag(caps, CAP_EFFECTIVE, 1, keep, CAP_SET) < 0) {
            rc = -errno;
        }
    }
    if (rc == 0 && cap_set_proc(caps) < 0) {
        rc = -errno;
    }
    cap_free(caps);
    return rc;
}

int pd_drop_privileges(const char *user, bool keep_sys_time)
{
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (pw == NULL) {
        log_err("user %s: no such user", user);
        return errno != 0 ? -errno : -ENOENT;
    }
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
        log_warn("user %s: prctl(PR_SET_KEEPCAPS)", user);
        return -errno;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0) {
        log_warn("user %s: cannot set groups", user);
        return -errno;
    }
    if (setuid(pw->pw_uid) < 0) {
        log_warn("user %s: cannot set uid %u", user, (unsigned)pw->pw_uid);
        return -errno;
    }
    int rc = set_caps(keep_sys_time);
    if (rc < 0) {
        errno = -rc;
        log_warn("user %s: cannot set capabilities", user);
        return rc;
    }
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    log_info("running as %s (uid %u)%s", user, (unsigned)pw->pw_uid,
             keep_sys_time ? ", keeping CAP_SYS_TIME" : ", no capabilities");
    return 0;
}
