/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libgpsntp-fakepps.so: LD_PRELOAD this into gpsntpd to make a fakepps page (a regular file
 * the simulator writes, see fakepps.h) behave as a kernel PPS device. It answers the five
 * ioctls of linux/pps.h as drivers/pps/pps.c does: GETPARAMS, SETPARAMS (CAP_SYS_TIME only),
 * GETCAP, FETCH (with the kernel's timeout rules), KC_BIND (not supported, as on kernels
 * without CONFIG_NTP_PPS); once the simulator has deleted the page, every one fails with
 * ENODEV, as on an unregistered source. Every other ioctl, and every PPS ioctl on anything
 * that is not a fakepps page, goes to the real ioctl: on a real /dev/pps0 or a tty the double
 * is invisible.
 */
#include <dlfcn.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/pps.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests/sim/fakepps.h"

typedef int (*ioctl_fn)(int, unsigned long, ...);

static int real_ioctl(int fd, unsigned long req, void *arg)
{
    static ioctl_fn next;
    if (next == NULL) {
        next = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
    }
    return next(fd, req, arg);
}

/* The fakepps page behind fd, mapped shared, or NULL when fd is anything else. *writable
 * says whether the mode can be recorded (not through a read-only descriptor); *removed that
 * the simulator has deleted the page (its receiver was unplugged). */
static struct fakepps_page *map_page(int fd, bool *writable, bool *removed)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        st.st_size < (off_t)sizeof(struct fakepps_page)) {
        return NULL;
    }
    *removed = st.st_nlink == 0;
    int prot = PROT_READ | PROT_WRITE;
    void *m = mmap(NULL, sizeof(struct fakepps_page), prot, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        /* Opened read-only (the driver's fallback): SETPARAMS cannot record the mode. */
        prot = PROT_READ;
        m = mmap(NULL, sizeof(struct fakepps_page), prot, MAP_SHARED, fd, 0);
    }
    if (m == MAP_FAILED) {
        return NULL;
    }
    *writable = (prot & PROT_WRITE) != 0;
    struct fakepps_page *p = m;
    if (memcmp(p->magic, FAKEPPS_MAGIC, sizeof(FAKEPPS_MAGIC)) != 0) {
        munmap(m, sizeof(*p));
        return NULL;
    }
    return p;
}

static bool has_cap_sys_time(void)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) < 0) {
        return false;
    }
    return (data[CAP_TO_INDEX(CAP_SYS_TIME)].effective & CAP_TO_MASK(CAP_SYS_TIME)) != 0;
}

static void to_ktime(int64_t ns, struct pps_ktime *kt)
{
    kt->sec = ns / 1000000000;
    kt->nsec = (int32_t)(ns % 1000000000);
    kt->flags = 0;
}

/* A consistent copy of the edges, as the kernel's spinlock would give. */
static void read_edges(const struct fakepps_page *p, struct pps_kinfo *info)
{
    for (;;) {
        uint32_t g = __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE);
        if (g & 1) {
            continue;
        }
        uint32_t aseq = p->assert_seq, cseq = p->clear_seq;
        int64_t ans = p->assert_ns, cns = p->clear_ns;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&p->gen, __ATOMIC_RELAXED) != g) {
            continue;
        }
        memset(info, 0, sizeof(*info));
        uint32_t mode = __atomic_load_n(&p->mode, __ATOMIC_RELAXED);
        /* The kernel records only the edges its mode captures. */
        if (mode & PPS_CAPTUREASSERT) {
            info->assert_sequence = aseq;
            to_ktime(ans, &info->assert_tu);
        }
        if (mode & PPS_CAPTURECLEAR) {
            info->clear_sequence = cseq;
            to_ktime(cns, &info->clear_tu);
        }
        info->current_mode = (int)mode;
        return;
    }
}

static int fetch(struct fakepps_page *p, struct pps_fdata *fd)
{
    struct pps_kinfo before;
    read_edges(p, &before);
    bool forever = (fd->timeout.flags & PPS_TIME_INVALID) != 0;
    int64_t wait_ns = forever ? 0 : fd->timeout.sec * 1000000000 + fd->timeout.nsec;
    if (!forever && wait_ns < 0) {
        errno = EINVAL;
        return -1;
    }
    /* As the kernel: wait for a new event when asked to, ETIMEDOUT when none came. */
    if (forever || wait_ns > 0) {
        struct timespec tick = {0, 1000000};
        for (int64_t waited = 0;; waited += tick.tv_nsec) {
            read_edges(p, &fd->info);
            if (fd->info.assert_sequence != before.assert_sequence ||
                fd->info.clear_sequence != before.clear_sequence) {
                return 0;
            }
            if (!forever && waited >= wait_ns) {
                errno = ETIMEDOUT;
                return -1;
            }
            if (nanosleep(&tick, NULL) < 0) {
                errno = EINTR;
                return -1;
            }
        }
    }
    fd->info = before;
    return 0;
}

static int emulate(struct fakepps_page *p, bool writable, unsigned long req, void *arg)
{
    switch (req) {
    case PPS_GETPARAMS: {
        struct pps_kparams *kp = arg;
        memset(kp, 0, sizeof(*kp));
        kp->api_version = PPS_API_VERS;
        kp->mode = (int)__atomic_load_n(&p->mode, __ATOMIC_RELAXED);
        return 0;
    }
    case PPS_SETPARAMS: {
        const struct pps_kparams *kp = arg;
        if (!has_cap_sys_time()) {
            errno = EPERM;
            return -1;
        }
        if ((kp->mode & ~(int)p->caps) != 0 ||
            (kp->mode & (PPS_TSFMT_TSPEC | PPS_TSFMT_NTPFP)) == PPS_TSFMT_NTPFP) {
            errno = EINVAL;
            return -1;
        }
        if (!writable) {
            /* A limit of the double, not of the kernel: open the page read-write. */
            errno = EBADF;
            return -1;
        }
        /* The kernel always reports timespecs. */
        __atomic_store_n(&p->mode, (uint32_t)kp->mode | PPS_TSFMT_TSPEC, __ATOMIC_RELAXED);
        return 0;
    }
    case PPS_GETCAP:
        *(int *)arg = (int)p->caps;
        return 0;
    case PPS_FETCH:
        return fetch(p, arg);
    case PPS_KC_BIND:
        errno = EOPNOTSUPP;
        return -1;
    default:
        errno = ENOTTY;
        return -1;
    }
}

int ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (req != PPS_GETPARAMS && req != PPS_SETPARAMS && req != PPS_GETCAP &&
        req != PPS_FETCH && req != PPS_KC_BIND) {
        return real_ioctl(fd, req, arg);
    }
    bool writable = false, removed = false;
    struct fakepps_page *p = map_page(fd, &writable, &removed);
    if (p == NULL) {
        return real_ioctl(fd, req, arg);
    }
    int saved = ENODEV; /* as on a descriptor of an unregistered PPS source */
    int rc = removed ? -1 : emulate(p, writable, req, arg);
    if (rc < 0 && !removed) {
        saved = errno;
    }
    munmap(p, sizeof(*p));
    if (rc < 0) {
        errno = saved;
    }
    return rc;
}
