/* SPDX-License-Identifier: BSD-2-Clause */
/* sockts: see sockts.h. */
#include "common/sockts.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <string.h>

#include "common/ntime.h"

bool sockts_enable(int fd, bool tx)
{
    int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
    if (tx) {
        flags |= SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_OPT_ID |
                 SOF_TIMESTAMPING_OPT_TSONLY;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) == 0) {
        return true;
    }
    int one = 1;
    return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) == 0;
}

/* The first non-zero stamp of an SCM_TIMESTAMPING message (software, then legacy, then raw
 * hardware), or of SCM_TIMESTAMPNS; -1 when the message has none. */
static int64_t stamp_of(struct msghdr *mh)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level != SOL_SOCKET) {
            continue;
        }
        if (c->cmsg_type == SCM_TIMESTAMPING) {
            struct timespec ts[3];
            memcpy(ts, CMSG_DATA(c), sizeof(ts));
            if (ts[0].tv_sec != 0 || ts[0].tv_nsec != 0) {
                return nt_from_timespec(ts[0]);
            }
        } else if (c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof(ts));
            return nt_from_timespec(ts);
        }
    }
    return -1;
}

int64_t sockts_rx(struct msghdr *mh)
{
    return stamp_of(mh);
}

int sockts_read_tx(int fd, int64_t *sys_ns, uint32_t *counter)
{
    _Alignas(struct cmsghdr) uint8_t control[256];
    uint8_t data[64];
    struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                        .msg_controllen = sizeof(control)};
    for (;;) {
        ssize_t r = recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
        if (r < 0) {
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
        }
        int64_t t = stamp_of(&mh);
        bool have_id = false;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
            if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
                struct sock_extended_err ee;
                memcpy(&ee, CMSG_DATA(c), sizeof(ee));
                if (ee.ee_origin == SO_EE_ORIGIN_TIMESTAMPING) {
                    *counter = ee.ee_data;
                    have_id = true;
                }
            }
        }
        if (t >= 0 && have_id) {
            *sys_ns = t;
            return 1;
        }
        /* An ICMP error or a stamp without its counter: nothing to match it with. */
        mh.msg_controllen = sizeof(control);
    }
}
