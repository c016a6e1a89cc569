/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * registry: the reference-clock drivers this daemon is built with, by their configuration
 * name. Adding a driver is one file in drivers/ and one entry here.
 */
#ifndef GN_REGISTRY_H
#define GN_REGISTRY_H

#include "drivers/drv.h"

/* NULL-terminated, in the order `gpsntpd -h` and error messages list them. */
extern const struct drv_driver *const drv_registry[];
/* The driver a `refclock NAME ...` line names, or NULL. */
const struct drv_driver *drv_registry_find(const char *name);

#endif
