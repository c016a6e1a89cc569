/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the NTP client's reply parser (drivers/ntpc_proto.c): the first bytes
 * choose the association (client or peer, interleaved or not) and the receive time, the rest
 * is the reply, whose origin is set to match the request often enough to reach the deep
 * checks. Aborts when an accepted sample breaks what the filter and the selection rely on:
 * delay at least 1 ns and at most MAXDISP, finite non-negative dispersions, a root distance
 * below MAXDISP, stratum 1..15, a leap other than 3; when a second copy of an
 * accepted reply is not a duplicate; and the filter then takes the sample without harm.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/ntime.h"
#include "common/ntp_wire.h"
#include "drivers/ntpc_filter.h"
#include "drivers/ntpc_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) {
        return 0;
    }
    uint8_t flags = data[0];
    /* A receive time up to 4 s after the request (two bytes, 1/16384 s steps). */
    int64_t rx_after_ns = (int64_t)(data[1] << 8 | data[2]) * (NT_NS_PER_S / 16384);
    data += 3;
    size -= 3;

    struct ntpc_assoc a;
    memset(&a, 0, sizeof(a));
    a.mode = (flags & 1) != 0 ? NTPC_MODE_PEER : NTPC_MODE_CLIENT;
    a.version = 4;
    a.precision = -20;
    a.xleave = (flags & 2) != 0;
    const int64_t t1_ns = 1790000000LL * NT_NS_PER_S;
    uint8_t req[NTPC_PKT_LEN];
    struct ntpc_self self = {.leap = 0, .stratum = 1, .precision = -20};
    if ((flags & 8) != 0) {
        /* A first exchange so that an interleaved request is possible. */
        a.have_prev = true;
        a.prev_remote_rx = nt_to_ntp64(t1_ns - 64 * NT_NS_PER_S);
        a.prev_tx_ns = t1_ns - 64 * NT_NS_PER_S;
        a.prev_rx_ns = t1_ns - 64 * NT_NS_PER_S + NT_NS_PER_MS;
    }
    ntpc_request(&a, &self, 6, t1_ns, 0x5eed5eed5eed5eedULL, req, sizeof(req));

    uint8_t pkt[1024];
    size_t len = size < sizeof(pkt) ? size : sizeof(pkt);
    memcpy(pkt, data, len);
    if ((flags & 4) != 0 && len >= NTPC_PKT_LEN) {
        /* Make the origin match: the basic cookie or the interleaved one. */
        memcpy(pkt + NTW_OFF_ORIGIN_TS, req + ((flags & 16) != 0 ? NTW_OFF_RX_TS : NTW_OFF_TX_TS),
               8);
    }
    struct ntpc_sample s;
    enum ntpc_kiss kiss;
    enum ntpc_result r = ntpc_process(&a, pkt, len, t1_ns + rx_after_ns, &s, &kiss);
    if ((unsigned)r >= NTPC_RESULT__COUNT) {
        abort();
    }
    if (r != NTPC_OK) {
        return 0;
    }
    double max_s = NTPC_MAXDISP_S;
    if (s.delay_ns < 1 || s.delay_ns > (int64_t)(max_s * NT_NS_PER_S)) {
        abort();
    }
    if (!(s.disp_s >= 0) || !(s.root_disp_s >= s.disp_s) || !(s.root_delay_s >= 0) ||
        !(s.root_dist_s < max_s) || !isfinite(s.root_dist_s)) {
        abort();
    }
    if (s.stratum < 1 || s.stratum >= NTPC_MAX_STRATUM || s.leap == 3) {
        abort();
    }
    if (s.local_ns < t1_ns - 64 * NT_NS_PER_S || s.local_ns > t1_ns + rx_after_ns) {
        abort();
    }
    struct ntpc_sample again;
    if (ntpc_process(&a, pkt, len, t1_ns + rx_after_ns, &again, &kiss) != NTPC_REJ_DUPLICATE) {
        abort();
    }
    struct ntpc_filter f;
    struct ntpc_filtered out;
    ntpc_filter_reset(&f);
    if (!ntpc_filter_add(&f, &s, t1_ns + rx_after_ns, &out) || out.offset_ns != s.offset_ns ||
        !isfinite(out.disp_s) || !isfinite(out.jitter_s)) {
        abort();
    }
    return 0;
}
