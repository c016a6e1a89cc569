/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nommsg: a test double of a system that refuses the batch calls (an old kernel, a seccomp
 * policy, clknetsim, which intercepts recvmsg/sendmsg but not sendmmsg): preloaded into
 * gpsntpd, sendmmsg and recvmmsg fail with ENOSYS, everything else is untouched. The daemon
 * must serve anyway, one packet per call, and count the fallback.
 */
#include <errno.h>
#include <sys/socket.h>

int sendmmsg(int fd, struct mmsghdr *msgs, unsigned int n, int flags)
{
    (void)fd;
    (void)msgs;
    (void)n;
    (void)flags;
    errno = ENOSYS;
    return -1;
}

int recvmmsg(int fd, struct mmsghdr *msgs, unsigned int n, int flags, struct timespec *timeout)
{
    (void)fd;
    (void)msgs;
    (void)n;
    (void)flags;
    (void)timeout;
    errno = ENOSYS;
    return -1;
}
