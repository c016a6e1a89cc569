/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest helpers run only in the system test's QEMU guest, whose kernel command line says
 * so: on a real machine they would poke a real parallel port or open a shell to the network.
 */
#ifndef GN_TESTS_SYSTEM_IN_TEST_GUEST_H
#define GN_TESTS_SYSTEM_IN_TEST_GUEST_H

#include <stdio.h>
#include <string.h>

static inline int in_test_guest(void)
{
    char line[4096] = {0};
    FILE *f = fopen("/proc/cmdline", "r");
    if (f == NULL) {
        return 0;
    }
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    return strstr(line, "gpsntpd_system_test=1") != NULL;
}

#endif
