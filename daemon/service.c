/* SPDX-License-Identifier: BSD-2-Clause */
/* service: see service.h. */
#include "daemon/service.h"

#include <math.h>
#include <stdint.h>
#include <systemd/sd-daemon.h>

#include "common/ev.h"
#include "common/log.h"
#include "common/ntime.h"
#include "refclock/rc.h"

#define STATUS_EVERY_NS (5 * NT_NS_PER_S)

static int64_t watchdog_half_ns;

static void send_status(void *arg)
{
    (void)arg;
    struct rc_tracking t;
    rc_get_tracking(&t);
    if (!t.synced) {
        sd_notify(0, "STATUS=unsynchronized");
    } else {
        sd_notifyf(0, "STATUS=%s, stratum %d, reference %s, offset %+.3f us",
                   t.holdover ? "holdover" : "synchronized", t.stratum,
                   t.refname[0] != '\0' ? t.refname : "local",
                   isfinite(t.system_offset_s) ? t.system_offset_s * 1e6 : 0.0);
    }
    ev_add_timer(STATUS_EVERY_NS, send_status, NULL);
}

static void kick_watchdog(void *arg)
{
    (void)arg;
    sd_notify(0, "WATCHDOG=1");
    ev_add_timer(watchdog_half_ns, kick_watchdog, NULL);
}

void svc_ready(void)
{
    uint64_t usec = 0;
    if (sd_notify(0, "READY=1") <= 0) {
        return; /* no service manager listening */
    }
    send_status(NULL);
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        watchdog_half_ns = (int64_t)usec * 1000 / 2;
        log_info("service: watchdog every %.1f s", nt_to_s(watchdog_half_ns));
        kick_watchdog(NULL);
    }
}

void svc_stopping(void)
{
    sd_notify(0, "STOPPING=1");
}
