/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the NTS-KE record parser: every prefix of the input is parsed (as the
 * bytes arrive in pieces), the decision taken, and the response built. Aborts if a complete
 * parse turns incomplete with more bytes, a decision is out of range, or a response
 * overflows or has no End of Message record at its end.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/nts_cookie.h"
#include "server/nts_ke_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool complete = false;
    for (size_t len = 0; len <= size; len += 1 + len / 8) {
        struct ntske_req r;
        enum ntske_parse p = ntske_parse_request(data, len, &r);
        if (complete && p != NTSKE_COMPLETE) {
            abort();
        }
        complete = p == NTSKE_COMPLETE;
    }
    struct ntske_req r;
    ntske_parse_request(data, size, &r);
    uint16_t code;
    enum ntske_answer a = ntske_decide(&r, &code);
    if (a > NTSKE_ANSWER_ERROR || code > NTSKE_ERR_INTERNAL) {
        abort();
    }
    static uint8_t cookies[8][NTS_COOKIE_LEN];
    uint8_t out[2048];
    size_t n = ntske_build_response(a, code, size > 0 ? data[0] * 300 : 123, r.asked_port,
                                    &cookies[0][0], a == NTSKE_ANSWER_COOKIES ? 8 : 0,
                                    NTS_COOKIE_LEN, out, sizeof(out));
    if (n == 0 || n > sizeof(out) || out[n - 4] != 0x80 || out[n - 3] != 0 || out[n - 1] != 0) {
        abort();
    }
    return 0;
}
