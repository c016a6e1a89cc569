/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntp_wire: see ntp_wire.h. Only what cannot be an inline accessor lives here.
 */
#include "common/ntp_wire.h"

#include <string.h>

double ntw_log2_s(int8_t e)
{
    /* An int8 exponent (-128..127) is always a normal double exponent: build the bits. */
    uint64_t bits = (uint64_t)((int)e + 1023) << 52;
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d;
}
