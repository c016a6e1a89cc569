/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the NTP request handler: srv_handle and srv_kod_rate on arbitrary
 * bytes, against a synced, an unsynchronized and a local-stratum state, with the receive time
 * taken from the input. Aborts if a reply is longer than its request or than the buffer, has
 * a length other than 48/52, or disagrees with the drop reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/ntime.h"
#include "server/srv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rst_state states[] = {
    {.synced = true, .stratum = 1, .leap = RST_LEAP_INSERT, .precision = -23,
     .refid = RST_REFID_PPS, .ref_time_ns = 1790000000LL * NT_NS_PER_S, .root_delay_s = 0,
     .root_disp_s = 1e-6, .disp_rate = RST_MIN_DISP_RATE},
    {.synced = false, .stratum = 16, .leap = RST_LEAP_ALARM, .precision = -20},
    {.synced = true, .stratum = 10, .leap = RST_LEAP_NONE, .precision = -7,
     .refid = RST_REFID_LOCL, .ref_time_ns = -5, .root_delay_s = 1e9, .root_disp_s = -1,
     .disp_rate = 1e12},
};

static void check_reply(const uint8_t *req, size_t len, const uint8_t *out, size_t n,
                        size_t cap)
{
    if (n > len || n > cap || (n != 0 && n != SRV_PKT_LEN && n != SRV_PKT_LEN + 4)) {
        abort();
    }
    if (n != 0 && memcmp(out + 24, req + 40, 8) != 0) {
        abort(); /* the origin must echo the request's transmit timestamp */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Receive time from the tail of the input when there is one, else a fixed instant. */
    int64_t rx_ns = 1790000000LL * NT_NS_PER_S;
    if (size >= 8) {
        memcpy(&rx_ns, data + size - 8, 8);
        /* Halved: +-2^62 ns (years 1823..2116, both NTP eras) stays inside the 1678..2262
         * domain of ntime.h, where a receive time from a real clock always lies. */
        rx_ns /= 2;
    }
    uint8_t out[1024];
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
        /* Caps around the interesting sizes: too small, just a header, the NAK, plenty. */
        static const size_t caps[] = {0, 47, 48, 51, 52, sizeof(out)};
        for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
            enum srv_drop why = SRV_DROP__COUNT;
            size_t n = srv_handle(&states[i], data, size, rx_ns, out, caps[c], &why);
            check_reply(data, size, out, n, caps[c]);
            if ((n == 0) != (why != SRV_DROP_NONE) || why >= SRV_DROP__COUNT) {
                abort();
            }
            if (n > 0) {
                srv_set_tx(out, rx_ns);
            }
            n = srv_kod_rate(data, size, out, caps[c]);
            check_reply(data, size, out, n, caps[c]);
            if (n != 0 && (n != SRV_PKT_LEN || out[1] != 0 || memcmp(out + 12, "RATE", 4) != 0)) {
                abort();
            }
        }
    }
    return 0;
}
