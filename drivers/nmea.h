/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nmea: the serial NMEA driver (`refclock nmea /dev/ttyUSB0 [baud N]`): a tty read raw at
 * the configured baud, each completed valid fix cycle one sample (nmea.c says how).
 */
#ifndef GN_NMEA_H
#define GN_NMEA_H

#include "drivers/drv.h"

extern const struct drv_driver drv_nmea;

#endif
