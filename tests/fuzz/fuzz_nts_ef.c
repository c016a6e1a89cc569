/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the NTS extension fields: ntsef_parse on arbitrary packets, and the
 * whole server path (srv_handle_auth with NTS cookie keys) including the seal. Aborts if a
 * parse points outside the packet, or a reply is longer than its request or its buffer.
 * A cookie sealed under the fuzzer's key is spliced in when the input asks for it (the low
 * bit of its poll byte), so the decryption paths past the cookie are reached too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/nts_cookie.h"
#include "server/nts_ef.h"
#include "server/srv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_random(void *arg, uint8_t *buf, size_t len)
{
    (void)arg;
    memset(buf, 0x5a, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ntsck_set set;
    static uint8_t cookie[NTS_COOKIE_LEN];
    if (set.n == 0) {
        struct ntsck_raw raw = {.n = 1, .id = {42}};
        memset(raw.key[0], 0x33, NTS_KEY_LEN);
        ntsck_expand(&raw, &set);
        uint8_t k[NTS_KEY_LEN], nonce[NTS_NONCE_LEN] = {0};
        memset(k, 0x44, sizeof(k));
        ntsck_seal(&set, nonce, k, k, cookie);
    }
    if (size > 1200) {
        return 0;
    }
    uint8_t pkt[1300];
    memcpy(pkt, data, size);
    /* Splice a valid cookie into the first cookie field if the input says so. */
    struct ntsef_req r;
    enum ntsef_kind kind = ntsef_parse(pkt, size, &r);
    if (kind == NTSEF_OK) {
        if (r.uid_off + r.uid_len > size || r.auth_off >= size || r.cookie < pkt + 48 ||
            r.cookie + r.cookie_len > pkt + size || r.nonce + r.nonce_len > pkt + size ||
            r.ct + r.ct_len > pkt + size) {
            abort();
        }
        if (r.cookie_len == NTS_COOKIE_LEN && (data[2] & 1)) {
            memcpy((uint8_t *)r.cookie, cookie, NTS_COOKIE_LEN);
        }
    }
    struct rst_state st = {.synced = true, .stratum = 1, .precision = -20};
    struct srv_auth auth = {.cookies = &set, .random = fuzz_random};
    uint8_t out[1300];
    struct srv_seal seal;
    enum srv_drop why;
    size_t n = srv_handle_auth(&st, &auth, pkt, size, 0, out, sizeof(out), &seal, &why);
    if (n > size || (n == 0) != (why != SRV_DROP_NONE)) {
        abort();
    }
    if (n > 0) {
        srv_set_tx(out, 1);
        srv_seal(&seal, out, n);
    }
    return 0;
}
