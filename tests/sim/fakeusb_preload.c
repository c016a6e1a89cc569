/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libgpsntp-fakeusb.so: LD_PRELOAD this into gpsd to make the simulator's pty at the path
 * named by $GN_FAKEUSB look like a USB serial adapter (character major 188, /dev/ttyUSB*).
 * gpsd writes the ntpd SHM segments only for real serial ports: it classifies a device by the
 * major number stat() reports and keeps quiet towards NTP on ptys, its own test harness. The
 * SHM integration test needs gpsd's real SHM writer on the simulated receiver, so this double
 * changes that one answer and nothing else.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define USB_SERIAL_MAJOR 188

typedef int (*stat_fn)(const char *, struct stat *);

int stat(const char *path, struct stat *st)
{
    static stat_fn next;
    if (next == NULL) {
        next = (stat_fn)dlsym(RTLD_NEXT, "stat");
    }
    int rc = next(path, st);
    const char *fake = getenv("GN_FAKEUSB");
    if (rc == 0 && fake != NULL && strcmp(path, fake) == 0 && S_ISCHR(st->st_mode)) {
        st->st_rdev = makedev(USB_SERIAL_MAJOR, minor(st->st_rdev));
    }
    return rc;
}
