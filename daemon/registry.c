/* SPDX-License-Identifier: BSD-2-Clause */
/* registry: see registry.h. */
#include "daemon/registry.h"

#include <string.h>

#include "drivers/gpsdc.h"
#include "drivers/kpps.h"
#include "drivers/nmea.h"
#include "drivers/ntpshm.h"

const struct drv_driver *const drv_registry[] = {
    &drv_nmea,
    &drv_pps,
    &drv_shm,
    &drv_gpsd,
    NULL,
};

const struct drv_driver *drv_registry_find(const char *name)
{
    for (size_t i = 0; drv_registry[i] != NULL; i++) {
        if (strcmp(drv_registry[i]->name, name) == 0) {
            return drv_registry[i];
        }
    }
    return NULL;
}
