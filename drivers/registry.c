/* SPDX-License-Identifier: BSD-2-Clause */
/* The reference-clock drivers gpsntpd knows, by config name. */
#include <string.h>

#include "refclock/rc.h"

extern const struct rc_driver rc_driver_nmea;
extern const struct rc_driver rc_driver_pps;
extern const struct rc_driver rc_driver_shm;
extern const struct rc_driver rc_driver_gpsd;

const struct rc_driver *const rc_drivers[] = {
    &rc_driver_nmea,
    &rc_driver_pps,
    &rc_driver_shm,
    &rc_driver_gpsd,
    NULL,
};

const struct rc_driver *rc_driver_find(const char *name)
{
    for (size_t i = 0; rc_drivers[i] != NULL; i++) {
        if (strcmp(rc_drivers[i]->name, name) == 0) {
            return rc_drivers[i];
        }
    }
    return NULL;
}
