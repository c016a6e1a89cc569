/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_nmea_driver: what the serial driver declares and checks at config time (no I/O): its
 * name and options, that it is event-driven, and that `baud` accepts exactly the supported
 * rates. Reading a tty is covered end to end by tests/integration/test_nmea_e2e.sh.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "daemon/registry.h"

int main(void)
{
    const struct drv_driver *d = drv_registry_find("nmea");
    CHECK(d != NULL);
    if (d == NULL) {
        return check_result();
    }
    CHECK(strcmp(d->name, "nmea") == 0);
    CHECK(d->on_readable != NULL && d->poll == NULL);
    CHECK(d->open != NULL && d->close != NULL && d->check != NULL);
    CHECK(d->priv_size > 0);
    CHECK(d->options != NULL && strcmp(d->options[0].name, "baud") == 0 && !d->options[0].flag &&
          d->options[1].name == NULL);
    CHECK(!d->pulses);

    static const char *const good[] = {"4800",   "9600",   "19200",  "38400", "57600",
                                       "115200", "230400", "460800", "921600"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct drv_optval o = {.key = "baud"};
        snprintf(o.value, sizeof(o.value), "%s", good[i]);
        CHECK(d->check("/dev/ttyUSB0", &o, 1) == NULL);
    }
    static const char *const bad[] = {"2400", "9601", "1000000", "", "abc", "9600x", "-9600",
                                      " 9600", "99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct drv_optval o = {.key = "baud"};
        snprintf(o.value, sizeof(o.value), "%s", bad[i]);
        const char *msg = d->check("/dev/ttyUSB0", &o, 1);
        CHECK(msg != NULL && strstr(msg, "921600") != NULL);
    }
    /* No options: the default 9600 applies. A device path is required. */
    CHECK(d->check("/dev/ttyACM0", NULL, 0) == NULL);
    CHECK(d->check("", NULL, 0) != NULL);
    return check_result();
}
